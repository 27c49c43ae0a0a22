"""Where a record is read from: a local directory, or an HTTP(S) URL.

Partitioned verification reads ``events.jsonl`` by byte ranges, each worker its own, so the
record must be where every worker can read it: a path they share, or a URL.  A URL names the
record's directory (``https://host/records/2026/``, with ``record.json`` and ``events.jsonl``
inside) on a web server that honours byte ranges (RFC 9110 section 14: a ``Range:
bytes=a-b`` request answered ``206 Partial Content``), as nginx, Apache, object stores and
most static hosts do.  A server that answers a range with the whole file is refused with a
clear error rather than downloaded over and over.

:func:`open_binary` gives a seekable binary file either way; over HTTP it is an
``io.BufferedReader`` over :class:`HttpFile`, whose every read is one range request of the
reader's buffer size (large for sequential reading, small for random access).  Errors are
``OSError`` (as for a local file), so callers report them the same way.
"""

from __future__ import annotations

import io
import os
import re
import urllib.error
import urllib.request
import zlib
from typing import BinaryIO, Final

from referendum.errors import RecordError
from referendum.record.io import RECORD_FILE, RecordInfo, parse_record_info

__all__ = [
    "HttpFile",
    "is_url",
    "join",
    "open_binary",
    "read_bytes",
    "record_info",
    "size_of",
    "stamp_of",
]

_TIMEOUT: Final = 60.0
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_UNSATISFIED = re.compile(r"bytes \*/(\d+)")


def is_url(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` is an ``http://`` or ``https://`` URL."""
    return isinstance(location, str) and location.startswith(("http://", "https://"))


def join(location: str | os.PathLike[str], name: str) -> str:
    """The file ``name`` inside the record directory ``location``."""
    if is_url(location):
        return str(location).rstrip("/") + "/" + name
    return os.path.join(location, name)


def _request(url: str, start: int, end: int) -> tuple[bytes, int]:
    """Bytes ``[start, end)`` of ``url`` and the file's total size."""
    request = urllib.request.Request(url, headers={"Range": f"bytes={start}-{end - 1}"})
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
            if response.status != 206:
                raise OSError(
                    f"{url}: the server answered a byte-range request with status "
                    f"{response.status}, not 206: serve the record from a server that honours "
                    "ranges (nginx, Apache, an object store)"
                )
            match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
            if match is None or int(match.group(1)) != start or match.group(3) == "*":
                raise OSError(f"{url}: unexpected Content-Range {response.headers!r}")
            data: bytes = response.read()
            return data, int(match.group(3))
    except urllib.error.HTTPError as exc:
        unsatisfiable = _UNSATISFIED.fullmatch(exc.headers.get("Content-Range", ""))
        if exc.code == 416 and unsatisfiable:  # the range starts at the end of the file
            return b"", int(unsatisfiable.group(1))
        raise OSError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise OSError(f"{url}: {exc.reason}") from None
    except TimeoutError:
        raise OSError(f"{url}: no answer within {_TIMEOUT:.0f} s") from None


class HttpFile(io.RawIOBase):
    """A read-only, seekable file over HTTP byte-range requests."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self._pos = 0
        self._size: int | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def size(self) -> int:
        """The file's size (asked of the server once)."""
        if self._size is None:
            _, self._size = _request(self.url, 0, 1)
        return self._size

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            self._pos = offset
        elif whence == io.SEEK_CUR:
            self._pos += offset
        else:
            self._pos = self.size() + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = len(buffer)
        if want == 0 or (self._size is not None and self._pos >= self._size):
            return 0
        data, self._size = _request(self.url, self._pos, self._pos + want)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


def open_binary(location: str | os.PathLike[str], *, block: int = 1 << 20) -> BinaryIO:
    """A seekable binary file at ``location`` (over HTTP: reads of ``block`` bytes)."""
    if is_url(location):
        return io.BufferedReader(HttpFile(str(location)), buffer_size=block)
    return open(location, "rb")


def size_of(location: str | os.PathLike[str]) -> int:
    """The size in bytes of the file at ``location``."""
    if is_url(location):
        return HttpFile(str(location)).size()
    return os.path.getsize(location)


def stamp_of(location: str | os.PathLike[str]) -> tuple[int, int]:
    """``(size, version)`` of the file at ``location``: a worker's cached setup is reused only
    for the same stamp (local: the modification time; URL: the size only, as a server's
    validators differ between replicas)."""
    if is_url(location):
        return size_of(location), zlib.crc32(str(location).encode())
    stat = os.stat(location)
    return stat.st_size, stat.st_mtime_ns


def read_bytes(location: str | os.PathLike[str]) -> bytes:
    """The whole (small) file at ``location``, such as ``record.json``."""
    if not is_url(location):
        with open(location, "rb") as handle:
            return handle.read()
    try:
        with urllib.request.urlopen(str(location), timeout=_TIMEOUT) as response:
            data: bytes = response.read()
            return data
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise FileNotFoundError(2, "not found (HTTP 404)", str(location)) from None
        raise OSError(f"{location}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise OSError(f"{location}: {exc.reason}") from None


def record_info(directory: str | os.PathLike[str]) -> RecordInfo:
    """``record.json`` of a record directory or URL, read and checked (as
    :func:`~referendum.record.io.read_record` reads it from a directory)."""
    where = join(directory, RECORD_FILE)
    try:
        return parse_record_info(read_bytes(where), where)
    except FileNotFoundError:
        raise RecordError(f"{where}: missing (is {directory} an election record?)") from None
    except OSError as exc:
        raise RecordError(f"{where}: cannot be read: {exc.strerror or exc}") from None
