"""Uploaded documents (a manifest, a credential list, a trustee's key or step file): read
with bounds, YAML only where asked for, heavy ones outside the event loop.

* A manifest is read by :func:`~referendum.record.manifest.parse_manifest`, as the CLI reads
  it (TOML, YAML or JSON: the one the upload names, or the first that reads it), with its
  bounds.
* Any other document is JSON, read by the strict reader with the bounds of an upload
  (:data:`~referendum.record.bounded_json.DOCUMENT`: nested at most 32 deep, numbers of at
  most 32 characters, duplicate names and floats refused; docs/spec/record.md section 2.4).
  A credential list may be YAML, read only when the upload says it is YAML
  (``Content-Type: application/yaml``, or a file named ``*.yaml`` / ``*.yml`` on the pages),
  at most :data:`YAML_MAX_BYTES`, nested at most 32 deep and without aliases (which would let
  a few bytes stand for a huge document); its events are counted before anything is built,
  so no document makes the parser recurse.
* A document larger than :data:`INLINE_MAX_BYTES` is read *and checked* (its form against
  the spec) in a separate process (:func:`read_document_async`), so that parsing a hostile
  upload of millions of keys holds neither the event loop nor the GIL of the process that
  answers public pages; only a document that passed the checks comes back.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import multiprocessing
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Literal

import yaml

from referendum.errors import InputError, ReferendumError
from referendum.protocol.payloads import PAYLOADS, check_payload
from referendum.record import messages as m
from referendum.record.bounded_json import DOCUMENT
from referendum.record.canonical import parse_json_strict
from referendum.record.manifest import parse_manifest

__all__ = [
    "INLINE_MAX_BYTES",
    "PARSE_SECONDS",
    "YAML_MAX_BYTES",
    "DocumentKind",
    "Syntax",
    "read_document",
    "read_document_async",
    "syntax_of",
]

DocumentKind = Literal["manifest", "credentials", "step_file", "key_file"]
Syntax = Literal["json", "yaml", "toml", "auto"]
"""What an upload says it is; ``auto``: it says nothing (a manifest is then read in the first
format that reads it, any other document as JSON)."""

YAML_MAX_BYTES: Final = 4 * 1024 * 1024
"""The largest YAML document read (a larger one must be sent as JSON)."""
INLINE_MAX_BYTES: Final = 256 * 1024
"""Documents up to this size are read in the request's thread; larger ones in a process."""
PARSE_SECONDS: Final = 120.0
"""A document that takes longer to read and check is refused (and its process replaced)."""

_YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
_JSON_TYPES = frozenset({"application/json", "text/json"})
_TOML_TYPES = frozenset({"application/toml", "text/toml"})
_SUFFIXES: dict[str, Syntax] = {".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "json"}
_NESTING = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSING = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def syntax_of(content_type: str | None, *, filename: str | None = None) -> Syntax:
    """The syntax an upload asks for: by its file name's suffix on the pages (``.json``,
    ``.yaml``/``.yml``, ``.toml``; another: ``auto``), else by its media type (none, or
    ``text/plain`` and ``application/octet-stream``: ``auto``); any other media type is
    refused (:class:`InputError` on ``content-type``)."""
    if filename is not None:
        return _SUFFIXES.get(Path(filename).suffix.lower(), "auto")
    media = (content_type or "").split(";")[0].strip().lower()
    if media in _YAML_TYPES:
        return "yaml"
    if media in _JSON_TYPES:
        return "json"
    if media in _TOML_TYPES:
        return "toml"
    if media in ("", "text/plain", "application/octet-stream"):
        return "auto"
    raise InputError(
        "content-type",
        "send the document as application/json, application/yaml or application/toml",
    )


def read_document(body: bytes, *, kind: DocumentKind, syntax: Syntax, field: str) -> Any:
    """The value of an uploaded document, parsed within its bounds and checked against its
    form (a manifest: the :class:`~referendum.record.manifest.Manifest`);
    :class:`InputError` naming ``field`` (or the member at fault) otherwise."""
    if kind == "manifest":
        return parse_manifest(body, source=field, form=None if syntax == "auto" else syntax)
    if syntax == "toml" or (syntax == "yaml" and kind != "credentials"):
        raise InputError(field, "this file is JSON (as the command line writes it)")
    if syntax == "yaml":
        value = _read_yaml(body, field)
    else:
        try:
            value = parse_json_strict(body, bounds=DOCUMENT)
        except InputError as exc:
            reason = f"not JSON within the bounds of an upload: {exc.reason}"
            raise InputError(field, reason) from None
    _check_form(kind, value, field)
    return value


def _read_yaml(body: bytes, field: str) -> Any:
    if len(body) > YAML_MAX_BYTES:
        raise InputError(
            field, f"{len(body)} bytes of YAML; at most {YAML_MAX_BYTES} (send larger ones as JSON)"
        )
    try:
        depth = 0
        for event in yaml.parse(body, Loader=_LOADER):
            if isinstance(event, yaml.AliasEvent):
                raise InputError(field, "YAML aliases (*name) are not accepted")
            if isinstance(event, _NESTING):
                depth += 1
                if depth > DOCUMENT.max_depth:
                    raise InputError(field, f"YAML nested deeper than {DOCUMENT.max_depth} levels")
            elif isinstance(event, _CLOSING):
                depth -= 1
        return yaml.load(body, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise InputError(field, f"not YAML: {_first_line(exc)}") from None
    except RecursionError:  # not reached within the depth bound; never a 500
        raise InputError(field, "YAML nested too deeply") from None


def _first_line(exc: yaml.YAMLError) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _check_form(kind: DocumentKind, value: Any, field: str) -> None:
    """The checks that need no board: a credential list and a step file have their event's
    exact form, a key file is an object."""
    if kind == "credentials":
        if not isinstance(value, Mapping):
            raise InputError(field, "expected the credential authority's JSON object")
        check_payload(m.CREDENTIALS, dict(value))
    elif kind == "step_file":
        if not isinstance(value, dict) or set(value) != {"type", "payload"}:
            raise InputError(field, "expected {type, payload} as written by the CLI's --out")
        kind_of_step = value["type"]
        if isinstance(kind_of_step, str) and kind_of_step in PAYLOADS:
            if not isinstance(value["payload"], dict):
                raise InputError(f"{field}.payload", "expected an object")
            check_payload(kind_of_step, value["payload"])
    elif not isinstance(value, dict):
        raise InputError(field, "expected the trustee key file (a JSON object)")


def _read_in_process(
    body: bytes, kind: DocumentKind, syntax: Syntax, field: str
) -> tuple[bool, Any]:
    """:func:`read_document` in the pool's process: ``(True, value)`` or ``(False, (field,
    reason))`` (errors travel as plain values)."""
    try:
        return True, read_document(body, kind=kind, syntax=syntax, field=field)
    except InputError as exc:
        return False, (exc.field, exc.reason)
    except ReferendumError as exc:
        return False, (field, str(exc))


_pool: concurrent.futures.ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _the_pool() -> concurrent.futures.ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_lower_priority,
            )
        return _pool


def _lower_priority() -> None:
    """The parsing process yields the processor to the one answering public pages."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)


def _replace_pool(stuck: concurrent.futures.ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is stuck:
            _pool = None
    for process in list(getattr(stuck, "_processes", {}).values()):
        process.kill()  # a document that never finishes must not hold the process
    stuck.shutdown(wait=False, cancel_futures=True)


async def read_document_async(
    body: bytes, *, kind: DocumentKind, syntax: Syntax, field: str
) -> Any:
    """:func:`read_document` without holding the event loop: small documents in a thread,
    larger ones in a separate process (at most :data:`PARSE_SECONDS`)."""
    if len(body) <= INLINE_MAX_BYTES:
        return await asyncio.to_thread(read_document, body, kind=kind, syntax=syntax, field=field)
    pool = _the_pool()
    future = pool.submit(_read_in_process, body, kind, syntax, field)
    try:
        ok, value = await asyncio.wait_for(asyncio.wrap_future(future), PARSE_SECONDS)
    except TimeoutError:
        _replace_pool(pool)
        raise InputError(field, f"took more than {PARSE_SECONDS:.0f} s to read") from None
    except concurrent.futures.process.BrokenProcessPool:
        _replace_pool(pool)
        raise InputError(field, "could not be read (the reading process ended)") from None
    if not ok:
        raise InputError(*value)
    return value
