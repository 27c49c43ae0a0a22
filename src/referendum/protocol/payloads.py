"""The exact form of every event payload: one declarative table, :data:`PAYLOADS`.

Each event type maps to an :class:`Obj`: exactly its members (no more, no fewer), each with
its JSON type, and bounds on every string, integer and list, so that no payload can make a
reader run long or exhaust memory (docs/spec/events.md, "Sizes and forms").  Nothing is
coerced: ``"13"`` is not an integer, ``true`` is not ``1``, ``"ABCD..."`` is not hex.

The same table serves the board's services, which check every payload before appending it
(:func:`check_payload`), and the verifier, which checks every payload it reads: the board
cannot append what a verifier refuses.  Only the form is checked here; what the values mean
(a proof verifies, a list is the region's...) is checked by the rest of ``protocol``.

**Adding a member to an event is one line** in its :class:`Obj` below (and its row in
docs/spec/events.md): ``"signature": SIGNATURE,`` in ``required`` (every event of that type
has it) or in ``optional`` (the member may be absent).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from referendum.errors import PayloadError
from referendum.record import messages as m
from referendum.record.canonical import MAX_SAFE_INTEGER

__all__ = [
    "FRACTION",
    "HEX32",
    "IDENTIFIER",
    "MAX_TRUSTEES",
    "PAYLOADS",
    "REJECTION_CODES",
    "Anything",
    "Boolean",
    "Const",
    "Hex",
    "Integer",
    "List",
    "Map",
    "Nullable",
    "Obj",
    "OneOf",
    "Spec",
    "Text",
    "check_payload",
    "is_hex32",
]

MAX_TRUSTEES: Final = 64
MAX_REGIONS: Final = 512
MAX_QUESTIONS: Final = 16
MAX_ANSWERS: Final = 32
MAX_PERIODS: Final = 31
MAX_CREDENTIALS: Final = 10_000_000  # per list; a line is at most 64 MiB anyway
MAX_NAME: Final = 200  # characters of a name, an answer, a rejection's field...
MAX_TEXT: Final = 10_000  # a question's text, a rejection's detail...
MAX_INFORMATION: Final = 100_000
MAX_SUBMISSION: Final = 64 * 1024  # bytes of a ballot submission (protocol.ballots)


class Spec:
    """The form of one JSON value."""

    def check(self, value: object, where: str) -> None:
        """Raise :class:`~referendum.errors.PayloadError` naming ``where`` unless ``value``
        has this form."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


def _fail(where: str, reason: str) -> PayloadError:
    return PayloadError(where, reason)


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


@dataclass(frozen=True)
class Text(Spec):
    """A string of ``min_chars`` to ``max_chars`` characters, matching ``pattern`` if given
    (the whole string), one of ``choices`` if given."""

    max_chars: int
    min_chars: int = 0
    pattern: str | None = None
    choices: frozenset[str] | None = None
    _regex: re.Pattern[str] | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.pattern is not None:
            object.__setattr__(self, "_regex", re.compile(self.pattern))

    def check(self, value: object, where: str) -> None:
        if not isinstance(value, str):
            raise _fail(where, f"expected {self.describe()}, got {_type_name(value)}")
        if not self.min_chars <= len(value) <= self.max_chars:
            raise _fail(
                where, f"{len(value)} characters; expected {self.min_chars} to {self.max_chars}"
            )
        if self._regex is not None and self._regex.fullmatch(value) is None:
            raise _fail(where, f"{_shown(value)} does not match {self.pattern}")
        if self.choices is not None and value not in self.choices:
            raise _fail(where, f"{_shown(value)} is not one of {sorted(self.choices)}")

    def describe(self) -> str:
        return "a string"


@dataclass(frozen=True)
class Hex(Spec):
    """The lowercase hex of ``size`` bytes."""

    size: int = 32

    def check(self, value: object, where: str) -> None:
        if not isinstance(value, str):
            raise _fail(where, f"expected {self.describe()}, got {_type_name(value)}")
        if len(value) != 2 * self.size or _HEX.fullmatch(value) is None:
            raise _fail(where, f"{_shown(value)} is not {self.describe()}")

    def describe(self) -> str:
        return f"{2 * self.size} lowercase hex digits"


@dataclass(frozen=True)
class Integer(Spec):
    """A JSON integer (never a boolean, a string or a float) in ``[low, high]``."""

    low: int = 0
    high: int = MAX_SAFE_INTEGER

    def check(self, value: object, where: str) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail(where, f"expected an integer, got {_type_name(value)}")
        if not self.low <= value <= self.high:
            raise _fail(where, f"{value} is outside {self.low} to {self.high}")

    def describe(self) -> str:
        return "an integer"


@dataclass(frozen=True)
class Anything(Spec):
    """Any JSON value (a refused submission as it was sent: bounded by its line's size)."""

    def check(self, value: object, where: str) -> None:
        return None

    def describe(self) -> str:
        return "any JSON value"


@dataclass(frozen=True)
class Boolean(Spec):
    """``true`` or ``false``."""

    def check(self, value: object, where: str) -> None:
        if not isinstance(value, bool):
            raise _fail(where, f"expected true or false, got {_type_name(value)}")

    def describe(self) -> str:
        return "a boolean"


@dataclass(frozen=True)
class Const(Spec):
    """Exactly this string."""

    value: str

    def check(self, value: object, where: str) -> None:
        if not isinstance(value, str) or value != self.value:
            raise _fail(where, f"expected {self.value!r}")

    def describe(self) -> str:
        return repr(self.value)


@dataclass(frozen=True)
class Nullable(Spec):
    """``null`` or a value of ``spec``."""

    spec: Spec

    def check(self, value: object, where: str) -> None:
        if value is not None:
            self.spec.check(value, where)

    def describe(self) -> str:
        return f"null or {self.spec.describe()}"


@dataclass(frozen=True)
class List(Spec):
    """A list of ``min_items`` to ``max_items`` values of ``item``; strictly ascending when
    ``ascending`` (so also without duplicates)."""

    item: Spec
    min_items: int = 0
    max_items: int = 0
    ascending: bool = False

    def check(self, value: object, where: str) -> None:
        if not isinstance(value, list):
            raise _fail(where, f"expected a list, got {_type_name(value)}")
        if not self.min_items <= len(value) <= self.max_items:
            raise _fail(where, f"{len(value)} items; expected {self.min_items} to {self.max_items}")
        for index, item in enumerate(value):
            self.item.check(item, f"{where}[{index}]")
        if self.ascending:
            for index in range(1, len(value)):
                if not value[index - 1] < value[index]:
                    raise _fail(f"{where}[{index}]", "not strictly ascending")

    def describe(self) -> str:
        return "a list"


@dataclass(frozen=True)
class Map(Spec):
    """An object whose member names have the form ``key`` and whose values have the form
    ``value`` (``min_items`` to ``max_items`` members): regions, questions, trustees..."""

    key: Text
    value: Spec
    min_items: int = 0
    max_items: int = 0

    def check(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise _fail(where, f"expected an object, got {_type_name(value)}")
        if not self.min_items <= len(value) <= self.max_items:
            raise _fail(
                where, f"{len(value)} members; expected {self.min_items} to {self.max_items}"
            )
        for name, item in value.items():
            self.key.check(name, f"{where}: member name")
            self.value.check(item, f"{where}.{name}")

    def describe(self) -> str:
        return "an object"


@dataclass(frozen=True)
class OneOf(Spec):
    """An object of the ``second`` spec's form, any other value of the ``first``'s (a rule's
    threshold: ``"1/2"`` or ``{"at_least": "1/2"}``)."""

    first: Spec
    second: Spec

    def check(self, value: object, where: str) -> None:
        spec = self.second if isinstance(value, dict) else self.first
        spec.check(value, where)

    def describe(self) -> str:
        return f"{self.first.describe()} or {self.second.describe()}"


@dataclass(frozen=True)
class Obj(Spec):
    """An object with exactly the ``required`` members, plus any of the ``optional`` ones."""

    required: Mapping[str, Spec]
    optional: Mapping[str, Spec] = field(default_factory=dict)

    def check(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise _fail(where or "payload", f"expected an object, got {_type_name(value)}")
        prefix = f"{where}." if where else ""
        for name in self.required:
            if name not in value:
                raise _fail(f"{prefix}{name}", "missing")
        for name in value:
            if name not in self.required and name not in self.optional:
                shown = name if _PLAIN.fullmatch(name) else _shown(name, 60)
                raise _fail(f"{prefix}{shown}", "a member the spec does not list")
        for name, item in value.items():
            spec = self.required.get(name) or self.optional[name]
            spec.check(item, f"{prefix}{name}")

    def describe(self) -> str:
        return "an object"


_HEX = re.compile(r"[0-9a-f]*")
_PLAIN = re.compile(r"[A-Za-z0-9_-]{1,60}")


def _shown(value: str, limit: int = 80) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "...")


def is_hex32(value: object) -> bool:
    """Whether ``value`` is 64 lowercase hex digits (a point, scalar or digest)."""
    return isinstance(value, str) and len(value) == 64 and _HEX.fullmatch(value) is not None


def check_payload(event_type: str, payload: object) -> None:
    """Check that ``payload`` has exactly the form the spec gives ``event_type``.

    Raises :class:`~referendum.errors.PayloadError` whose ``field`` is the dotted path of the
    first member at fault (``regions.north.ballots``, ``questions[0].answers[2]``).  An
    event type the table does not hold is refused (readers report it as out of order)."""
    spec = PAYLOADS.get(event_type)
    if spec is None:
        raise PayloadError("type", f"unknown event type {_shown(event_type, 64)}")
    spec.check(payload, "")


# -- the pieces -------------------------------------------------------------------------------

HEX32: Final = Hex(32)
IDENTIFIER: Final = Text(64, 1, r"[a-z0-9][a-z0-9_-]{0,63}")
"""A manifest id (referendum, question, region)."""
FRACTION: Final = Text(37, 1, r"(0|[1-9][0-9]{0,17})(/[1-9][0-9]{0,17})?")
"""An exact fraction: ``"p/q"`` or ``"p"`` (decimal digits, no sign, no leading zero, at
most 18 digits each)."""
NAME: Final = Text(MAX_NAME, 1, r"(?s).*\S.*")
TIME: Final = Text(27, 20, r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z")
TRUSTEE: Final = Integer(1, MAX_TRUSTEES)
TRUSTEE_KEY: Final = Text(2, 1, r"[1-9][0-9]?")  # a trustee number as an object's member name
COUNT: Final = Integer(0, MAX_SAFE_INTEGER)
REJECTION_CODES: Final = frozenset(
    {
        "oversize",
        "malformed",
        "wrong_election",
        "not_open",
        "closed",
        "outside_window",
        "unknown_credential",
        "wrong_region",
        "bad_signature",
        "bad_proof",
        "replayed",
        "stale_replaces",
    }
)
"""The reasons a board gives for refusing a ballot (docs/spec/events.md, ``ballot.rejected``)."""
REASON: Final = Text(32, 1, choices=REJECTION_CODES)

SCHNORR: Final = Obj({"commitment": HEX32, "response": HEX32})
SIGNATURE: Final = Obj({"commitment": HEX32, "response": HEX32})
DLEQ: Final = Obj({"a1": HEX32, "a2": HEX32, "response": HEX32})
CIPHERTEXT: Final = Obj({"alpha": HEX32, "beta": HEX32})

_BRANCHES = MAX_ANSWERS + 1  # a count proof has max - min + 1 branches
RANGE_PROOF: Final = Obj(
    {
        "challenges": List(HEX32, 1, _BRANCHES),
        "commitments": List(Obj({"a": HEX32, "b": HEX32}), 1, _BRANCHES),
        "responses": List(HEX32, 1, _BRANCHES),
    }
)
BALLOT: Final = Obj(
    {
        "questions": List(
            Obj(
                {
                    "count_proof": RANGE_PROOF,
                    "selections": List(
                        Obj({"alpha": HEX32, "beta": HEX32, "proof": RANGE_PROOF}),
                        2,
                        MAX_ANSWERS,
                    ),
                }
            ),
            1,
            MAX_QUESTIONS,
        )
    }
)

QUESTION: Final = Obj(
    {
        "id": IDENTIFIER,
        "text": Text(MAX_TEXT, 1, r"(?s).*\S.*"),
        "answers": List(NAME, 2, MAX_ANSWERS),
        "min_selections": Integer(0, MAX_ANSWERS),
        "max_selections": Integer(1, MAX_ANSWERS),
        "status_quo": Nullable(NAME),
        "regions": Nullable(List(IDENTIFIER, 1, MAX_REGIONS)),
    }
)
RATIO: Final = Text(37, 3, r"(0|[1-9][0-9]{0,17})/[1-9][0-9]{0,17}")
"""A fraction as the rule and the outcome write it: always ``"p/q"`` (docs/rules.md)."""
_COMPARISONS: Final = {"at_least": RATIO, "more_than": RATIO}
_COUNTS: Final = List(Text(7, 2, choices=frozenset({"yes", "no", "blank", "invalid"})), 2, 4)
_COUNTED_THRESHOLD: Final = OneOf(RATIO, Obj({}, {**_COMPARISONS, "counts": _COUNTS}))
"""A threshold (docs/rules.md, "Canonical form"): a bare ratio, or a table with one
comparison and, where the component counts ballots, ``counts``; what the table means (one
comparison exactly, yes and no counted) is the rule's to check."""
_THRESHOLD: Final = OneOf(RATIO, Obj({}, _COMPARISONS))
RULE: Final = Obj(
    {},
    {
        "majority": _COUNTED_THRESHOLD,  # absent: a simple majority
        "turnout_quorum": _COUNTED_THRESHOLD,
        "valid_quorum": _COUNTED_THRESHOLD,
        "approval_quorum": _THRESHOLD,
        "veto_quorum": _THRESHOLD,
        "double_majority": OneOf(Boolean(), Obj({}, _COMPARISONS)),
        "per_region": Boolean(),
    },
)
_CHECK_NAMES: Final = frozenset(
    {
        "turnout_quorum",
        "valid_quorum",
        "veto_quorum",
        "majority",
        "supermajority",
        "approval_quorum",
        "regional_majority",
        "absolute_majority",
    }
)
_RULE_CHECK: Final = Obj(
    {
        "name": Text(32, 1, choices=_CHECK_NAMES),
        "passed": Boolean(),
        "value": RATIO,
        "threshold": RATIO,
    }
)
_DECISION: Final = Text(16, 1, choices=frozenset({"approved", "rejected", "void", "tie"}))
_OUTCOME_MEMBERS: Final = {"decision": _DECISION, "checks": List(_RULE_CHECK, 0, 8)}
_OUTCOME_OPTIONAL: Final = {
    "adopted": NAME,
    "regional_weight_yes": RATIO,
    "regional_weight_total": RATIO,
}
OUTCOME: Final = Obj(
    _OUTCOME_MEMBERS,
    {
        **_OUTCOME_OPTIONAL,
        "regions": Map(IDENTIFIER, Obj(_OUTCOME_MEMBERS, _OUTCOME_OPTIONAL), 1, MAX_REGIONS),
    },
)

LANGUAGE: Final = Text(3, 2, r"[a-z]{2,3}")
MAX_LANGUAGES: Final = 8
TRANSLATION: Final = Obj(
    {
        "title": Text(1000, 1, r"(?s).*\S.*"),
        "information": Text(MAX_INFORMATION),
        "questions": Map(
            IDENTIFIER,
            Obj(
                {
                    "text": Text(MAX_TEXT, 1, r"(?s).*\S.*"),
                    "answers": Map(NAME, NAME, 0, MAX_ANSWERS),
                }
            ),
            1,
            MAX_QUESTIONS,
        ),
        "regions": Map(IDENTIFIER, NAME, 0, MAX_REGIONS),
    }
)
"""The manifest's texts in one more official language (``translations.LANG``)."""

WITNESSES: Final = Obj(
    {
        "threshold": Integer(1, 32),
        "members": List(
            Obj(
                {
                    "name": Text(256, 1, r"[\x21-\x2a\x2c-\x7e]+"),
                    "public_key": HEX32,
                    "url": Text(2000, 8, r"https?://[\x21-\x7e]+"),
                }
            ),
            1,
            32,
        ),
    }
)
"""The manifest's witnesses (docs/spec/witness.md section 1; the manifest checks the rest:
distinct names and keys, keys on the curve, the threshold at most the members)."""

MANIFEST: Final = Obj(
    {
        "format": Const("referendum-manifest/2"),
        "id": IDENTIFIER,
        "title": Text(1000, 1, r"(?s).*\S.*"),
        "information": Text(MAX_INFORMATION),
        "questions": List(QUESTION, 1, MAX_QUESTIONS),
        "regions": List(Obj({"id": IDENTIFIER, "name": NAME, "weight": FRACTION}), 1, MAX_REGIONS),
        "window": List(Obj({"opens": TIME, "closes": TIME}), 1, MAX_PERIODS),
        "trustees": Obj({"names": List(NAME, 1, MAX_TRUSTEES), "threshold": TRUSTEE}),
        "credential_authority": HEX32,
        "board_key": HEX32,
        "rule": RULE,
    },
    {  # a multilingual manifest (absent: one language, as before); the log's witnesses
        "languages": List(LANGUAGE, 1, MAX_LANGUAGES),
        "translations": Map(LANGUAGE, TRANSLATION, 0, MAX_LANGUAGES),
        "witnesses": WITNESSES,
        "revoting": Const("deniable"),  # absent: visible revoting
        "tallying_authority": HEX32,
    },
)

MAX_ROWS: Final = 10_000_000  # rows of a mix (ballots and dummies of a region)
MAX_PARTS: Final = MAX_ROWS  # parts of one step (coercion.md section 6.1)
MAX_WIDTH: Final = 3 + MAX_QUESTIONS * MAX_ANSWERS  # ciphertexts of a mixed row
LINEAR_PROOF: Final = Obj(
    {"commitments": List(HEX32, 1, 2 + 2 * MAX_WIDTH), "responses": List(HEX32, 1, 1 + MAX_WIDTH)}
)
"""A proof of a linear relation (docs/spec/coercion.md section 8)."""
OR_PROOF: Final = Obj({"branches": List(LINEAR_PROOF, 2, 2), "challenges": List(HEX32, 2, 2)})
_ROW_POINTS: Final = List(HEX32, 0, MAX_ROWS)
_ROW_SCALARS: Final = List(HEX32, 0, MAX_ROWS)
SHUFFLE_PROOF_PART: Final = Obj(
    {
        "permutation": _ROW_POINTS,
        "chain": _ROW_POINTS,
        "t_chain": _ROW_POINTS,
        "s_chain": _ROW_SCALARS,
        "s_permuted": _ROW_SCALARS,
    },
    optional={
        "t_sum": HEX32,
        "t_product": HEX32,
        "t_weighted": HEX32,
        "t_reencryption": List(CIPHERTEXT, 1, MAX_WIDTH),
        "s_sum": HEX32,
        "s_product": HEX32,
        "s_weighted": HEX32,
        "s_reencryption": List(HEX32, 1, MAX_WIDTH),
    },
)
"""A part of a shuffle proof (docs/spec/shuffle.md section 5, coercion.md section 6.1): the
per-row lists' slices, and, in the step's last part, the members that belong to no row."""
PSEUDONYM_KEY: Final = Obj({"S": HEX32, "U": HEX32, "proof": LINEAR_PROOF})
PSEUDONYMS: Final = List(Obj({"pseudonym": HEX32, "proof": LINEAR_PROOF}), 0, MAX_ROWS)
PARTS: Final = {"part": Integer(0, MAX_PARTS - 1), "parts": Integer(1, MAX_PARTS)}
"""The members of every part of a tallying authority's step (coercion.md section 6.1)."""

PAYLOADS: Final[Mapping[str, Obj]] = {
    m.MANIFEST: MANIFEST,
    m.TRUSTEE_TRANSPORT: Obj(
        {"trustee": TRUSTEE, "name": NAME, "transport_key": HEX32, "proof": SCHNORR}
    ),
    m.TRUSTEE_DEAL: Obj(
        {
            "trustee": TRUSTEE,
            "commitments": Obj(
                {
                    "dealer": TRUSTEE,
                    "coefficients": List(HEX32, 1, MAX_TRUSTEES),
                    "proof": SCHNORR,
                }
            ),
            "shares": List(
                Obj(
                    {
                        "dealer": TRUSTEE,
                        "recipient": TRUSTEE,
                        "ephemeral": HEX32,
                        "ciphertext": HEX32,
                    }
                ),
                0,
                MAX_TRUSTEES - 1,
            ),
            "signature": SIGNATURE,
        }
    ),
    m.TRUSTEE_CHECK: Obj(
        {
            "trustee": TRUSTEE,
            "complaints": List(
                Obj({"dealer": TRUSTEE, "recipient": TRUSTEE, "shared": HEX32, "proof": DLEQ}),
                0,
                MAX_TRUSTEES - 1,
            ),
            "signature": SIGNATURE,
        }
    ),
    m.ELECTION_KEY: Obj(
        {
            "qualified": List(TRUSTEE, 1, MAX_TRUSTEES, ascending=True),
            "disqualified": List(TRUSTEE, 0, MAX_TRUSTEES - 1, ascending=True),
            "public_key": HEX32,
            "verification_keys": Map(TRUSTEE_KEY, HEX32, 1, MAX_TRUSTEES),
        }
    ),
    m.CREDENTIALS: Obj(
        {
            "region": IDENTIFIER,
            "public_credentials": List(HEX32, 0, MAX_CREDENTIALS, ascending=True),
            "signature": SIGNATURE,
        }
    ),
    m.CREDENTIALS_REISSUE: Obj(
        {
            "region": IDENTIFIER,
            "revoked": List(HEX32, 1, MAX_CREDENTIALS, ascending=True),
            "public_credentials": List(HEX32, 0, MAX_CREDENTIALS, ascending=True),
            "signature": SIGNATURE,
        }
    ),
    m.VOTING_OPEN: Obj({}),
    m.BALLOT_ACCEPTED: Obj(
        {
            "credential": HEX32,
            "region": IDENTIFIER,
            "ballot": BALLOT,
            "signature": SIGNATURE,
            "tracking_code": HEX32,
            "replaces": Nullable(HEX32),
        }
    ),
    m.BALLOT_REJECTED: Obj(
        {
            "reason": REASON,
            "field": Text(MAX_SUBMISSION),
            "detail": Text(MAX_TEXT),
            "credential": Nullable(HEX32),
            # its value, or its bytes: protocol.refusals checks that they agree
            "submission": Nullable(
                Obj({}, {"json": Anything(), "base64": Text(4 * -(-MAX_SUBMISSION // 3))})
            ),
            "submission_sha256": HEX32,
            "submission_size": COUNT,
        }
    ),
    m.BALLOT_DENIABLE: Obj(
        {
            "region": IDENTIFIER,
            "ballot": BALLOT,
            "voter": CIPHERTEXT,
            "counter": CIPHERTEXT,
            "credential_proof": LINEAR_PROOF,
            "tracking_code": HEX32,
        }
    ),
    m.VOTING_CLOSE: Obj({}),
    m.TALLY_DUMMIES: Obj(
        {
            "region": IDENTIFIER,
            "rows": List(Obj({"voter": CIPHERTEXT, "counter": CIPHERTEXT}), 0, MAX_ROWS),
            **PARTS,
        }
    ),
    m.TALLY_MIX: Obj(
        {
            "region": IDENTIFIER,
            "stage": Text(8, 4, choices=frozenset({"ballots", "selected", "list"})),
            "outputs": List(List(CIPHERTEXT, 1, MAX_WIDTH), 0, MAX_ROWS),
            "proof": SHUFFLE_PROOF_PART,
            **PARTS,
        }
    ),
    m.TALLY_GROUPS: Obj(
        {
            "region": IDENTIFIER,
            "rows": List(
                Obj(
                    {
                        "pseudonym": HEX32,
                        "proof": LINEAR_PROOF,
                        "counter": COUNT,
                        "factor": HEX32,
                        "counter_proof": LINEAR_PROOF,
                    }
                ),
                0,
                MAX_ROWS,
            ),
            **PARTS,
        },
        optional={"key": PSEUDONYM_KEY},
    ),
    m.TALLY_FILTER: Obj(
        {
            "region": IDENTIFIER,
            "selected": List(
                Obj(
                    {
                        "voter": CIPHERTEXT,
                        "voter_proof": LINEAR_PROOF,
                        "choices": List(CIPHERTEXT, 1, MAX_WIDTH),
                        "proof": OR_PROOF,
                    }
                ),
                0,
                MAX_ROWS,
            ),
            **PARTS,
        }
    ),
    m.TALLY_ELIGIBILITY: Obj(
        {"region": IDENTIFIER, "selected": PSEUDONYMS, "list": PSEUDONYMS, **PARTS},
        optional={"key": PSEUDONYM_KEY},
    ),
    m.TALLY: Obj(
        {
            "regions": Map(
                IDENTIFIER,
                Obj(
                    {
                        "ballots": COUNT,
                        "questions": Map(
                            IDENTIFIER, List(CIPHERTEXT, 2, MAX_ANSWERS), 1, MAX_QUESTIONS
                        ),
                    }
                ),
                1,
                MAX_REGIONS,
            )
        }
    ),
    m.DECRYPTION_SHARE: Obj(
        {
            "trustee": TRUSTEE,
            "regions": Map(
                IDENTIFIER,
                Map(
                    IDENTIFIER,
                    List(Obj({"index": TRUSTEE, "share": HEX32, "proof": DLEQ}), 2, MAX_ANSWERS),
                    1,
                    MAX_QUESTIONS,
                ),
                1,
                MAX_REGIONS,
            ),
            "signature": SIGNATURE,
        }
    ),
    m.RESULTS: Obj(
        {
            "trustees": List(TRUSTEE, 1, MAX_TRUSTEES, ascending=True),
            "regions": Map(
                IDENTIFIER,
                Obj(
                    {
                        "ballots": COUNT,
                        "electorate": COUNT,
                        "questions": Map(
                            IDENTIFIER, Map(NAME, COUNT, 2, MAX_ANSWERS), 1, MAX_QUESTIONS
                        ),
                    }
                ),
                1,
                MAX_REGIONS,
            ),
            "outcome": OUTCOME,
        },
        {"rejected_shares": Map(TRUSTEE_KEY, Text(MAX_TEXT), 1, MAX_TRUSTEES)},
    ),
}
"""Every event type's payload form (docs/spec/events.md)."""
