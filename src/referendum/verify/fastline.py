"""Reading a well-formed ``ballot.accepted`` line with one regular expression.

Most lines of a national record are accepted ballots of a handful of ballot styles, and a
canonical line of such a ballot has exactly one possible shape: the members in sorted order,
no whitespace, every cryptographic value 64 lowercase hex digits.  :class:`BallotLines`
compiles that shape, per ballot style, into one bytes regular expression; a line that matches
it is canonical JSON of a well-formed event by construction, so the verifier can take the
fields from the match instead of parsing the line and re-encoding it (the costliest Python
steps of checking a ballot).  A line that does not match (a rejection, a non-ballot event,
anything unusual or wrong) simply goes through the general path,
:func:`~referendum.verify.lines.parse_event_line`, which accepts everything this accepts and
names what is wrong with the rest.  The tests check that both paths give the same results
on valid records and on many corrupted lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from referendum.crypto.ballot import BallotContext
from referendum.errors import InputError
from referendum.record.canonical import MAX_SAFE_INTEGER
from referendum.record.event import check_timestamp
from referendum.record.messages import BALLOT_ACCEPTED

__all__ = ["BallotLine", "BallotLines"]

_HEX: Final = rb'"([0-9a-f]{64})"'
_MAX_VALUES: Final = 4096  # larger ballot styles always take the general path


@dataclass(frozen=True, slots=True)
class BallotLine:
    """The fields of a matching line (hex as ASCII bytes) and where its parts are."""

    hash: str
    height: int
    parent: str
    timestamp: str
    payload: bytes  # the payload's canonical bytes, as hashed
    ballot: bytes  # the ballot's canonical bytes
    credential: str
    region: str
    replaces: str | None
    signature: tuple[bytes, bytes]  # commitment, response (hex)
    tracking_code: str
    values: tuple[bytes, ...]  # the ballot's hex values in the order of the line


def _list(items: Sequence[bytes]) -> bytes:
    return rb"\[" + b",".join(items) + rb"\]"


def _proof(branches: int) -> bytes:
    commitment = rb'\{"a":' + _HEX + rb',"b":' + _HEX + rb"\}"
    return (
        rb'\{"challenges":'
        + _list([_HEX] * branches)
        + rb',"commitments":'
        + _list([commitment] * branches)
        + rb',"responses":'
        + _list([_HEX] * branches)
        + rb"\}"
    )


def _ballot(ctx: BallotContext) -> bytes:
    selection = rb'\{"alpha":' + _HEX + rb',"beta":' + _HEX + rb',"proof":' + _proof(2) + rb"\}"
    questions = [
        rb'\{"count_proof":'
        + _proof(shape.max_selections - shape.min_selections + 1)
        + rb',"selections":'
        + _list([selection] * shape.options)
        + rb"\}"
        for shape in ctx.questions
    ]
    return rb'\{"questions":' + _list(questions) + rb"\}"


def _values(ctx: BallotContext) -> int:
    return sum(
        10 * q.options + 4 * (q.max_selections - q.min_selections + 1) for q in ctx.questions
    )


def _plain(region: str) -> bool:
    """Whether the region id is written in canonical JSON without any escape."""
    return json.dumps(region, ensure_ascii=False) == f'"{region}"'


class BallotLines:
    """The line patterns of a referendum's ballot styles (``contexts``: region -> style)."""

    def __init__(self, contexts: Iterable[tuple[str, BallotContext]]) -> None:
        styles: dict[bytes, tuple[int, list[str]]] = {}
        for region, ctx in contexts:
            if not _plain(region) or _values(ctx) > _MAX_VALUES:
                continue
            ballot = _ballot(ctx)
            styles.setdefault(ballot, (_values(ctx), []))[1].append(region)
        self._patterns = [
            (re.compile(self._line(ballot, regions)), count)
            for ballot, (count, regions) in styles.items()
        ]

    @staticmethod
    def _line(ballot: bytes, regions: list[str]) -> bytes:
        region = b"|".join(re.escape(r.encode("utf-8")) for r in regions)
        return (
            rb'\{"hash":"([0-9a-f]{64})","height":(0|[1-9][0-9]{0,15}),'
            rb'"parent":"([0-9a-f]{64})","payload":('
            rb'\{"ballot":(' + ballot + rb'),"credential":"([0-9a-f]{64})",'
            rb'"region":"(' + region + rb')","replaces":(?:null|"([0-9a-f]{64})"),'
            rb'"signature":\{"commitment":"([0-9a-f]{64})","response":"([0-9a-f]{64})"\},'
            rb'"tracking_code":"([0-9a-f]{64})"\}),'
            rb'"timestamp":"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z)",'
            rb'"type":"' + re.escape(BALLOT_ACCEPTED.encode()) + rb'"\}'
        )

    def match(self, line: bytes, checked_timestamp: str | None = None) -> BallotLine | None:
        """The fields of ``line`` if it is a canonical ``ballot.accepted`` event of one of the
        styles; ``None`` otherwise (``checked_timestamp``: one already known to be valid)."""
        for pattern, count in self._patterns:
            found = pattern.fullmatch(line)
            if found is None:
                continue
            groups = found.groups()
            height = int(groups[1])
            timestamp = groups[-1].decode()
            if height > MAX_SAFE_INTEGER:
                return None
            if timestamp != checked_timestamp:
                try:
                    check_timestamp(timestamp)
                except InputError:  # the general path names it
                    return None
            tail = groups[5 + count :]
            replaces = tail[2]
            return BallotLine(
                hash=groups[0].decode(),
                height=height,
                parent=groups[2].decode(),
                timestamp=timestamp,
                payload=groups[3],
                ballot=groups[4],
                credential=tail[0].decode(),
                region=tail[1].decode("utf-8"),
                replaces=None if replaces is None else replaces.decode(),
                signature=(tail[3], tail[4]),
                tracking_code=tail[5].decode(),
                values=groups[5 : 5 + count],
            )
        return None
