"""The count: homomorphic tally, decryption shares and results, as pure functions.

The tally counts, per region, the last ballot cast under each credential (revoting).  Any
``threshold`` of the trustees can decrypt it.  Each trustee signs its ``tally.share`` event
with its transport key; the results combine every published share that verifies and name
every trustee whose signed shares do not (``rejected_shares``), so the board can neither
attribute a share to a trustee nor hide or invent a failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from referendum.crypto.elgamal import Ciphertext, DiscreteLog
from referendum.crypto.group import Point, Scalar
from referendum.crypto.random import RandomSource
from referendum.crypto.threshold import (
    DecryptionShare,
    decryption_share,
    lagrange_combine,
    verify_decryption_share,
)
from referendum.errors import InputError, PhaseError, ProofError
from referendum.protocol.signing import TRUSTEE_DOMAIN, check_signed
from referendum.protocol.state import ElectionState
from referendum.record import messages as m
from referendum.record.event import Event
from referendum.record.manifest import Manifest
from referendum.rules import Counts, Outcome, RegionCounts, evaluate, evaluate_options

__all__ = [
    "RegionTally",
    "check_share_accounting",
    "compute_results",
    "counted_ballots",
    "homomorphic_tally",
    "outcome_of",
    "parse_share_event",
    "share_failure",
    "share_payload",
    "tally_ciphertexts",
    "tally_payload",
]


@dataclass
class RegionTally:
    """A region's running homomorphic sums: per question, one ciphertext per answer."""

    ballots: int
    sums: list[list[Ciphertext]]

    def add(self, ballot_json: Mapping[str, Any]) -> None:
        self.ballots += 1
        for q, question in enumerate(ballot_json["questions"]):
            for o, selection in enumerate(question["selections"]):
                self.sums[q][o] = self.sums[q][o] + Ciphertext.from_json(selection)


def counted_ballots(events: Iterable[Event]) -> dict[str, int]:
    """Map each credential to the height of its last accepted ballot (the one that counts)."""
    last: dict[str, int] = {}
    for event in events:
        last[event.payload["credential"]] = event.height
    return last


def homomorphic_tally(
    manifest: Manifest, counted: Mapping[str, int], ballots: Iterable[Event]
) -> dict[str, RegionTally]:
    """Sum the counted ballots per region."""
    tallies = {
        r.id: RegionTally(
            0, [[Ciphertext.zero() for _ in q.answers] for q in manifest.ballot_style(r.id)]
        )
        for r in manifest.regions
    }
    for event in ballots:
        if counted.get(event.payload["credential"]) == event.height:
            tallies[event.payload["region"]].add(event.payload["ballot"])
    return tallies


def tally_ciphertexts(
    payload: Mapping[str, Any], manifest: Manifest
) -> dict[str, list[list[Ciphertext]]]:
    """The tally event's ciphertexts per region, per question, per answer."""
    out: dict[str, list[list[Ciphertext]]] = {}
    for region in manifest.regions:
        entry = payload["regions"][region.id]
        out[region.id] = [
            [Ciphertext.from_json(c) for c in entry["questions"][q.id]]
            for q in manifest.ballot_style(region.id)
        ]
    return out


def tally_payload(manifest: Manifest, tallies: Mapping[str, RegionTally]) -> dict[str, Any]:
    """The ``tally`` event's payload: per region, the ballots counted and the sums."""
    return {
        "regions": {
            rid: {
                "ballots": t.ballots,
                "questions": {
                    q.id: [c.to_json() for c in t.sums[i]]
                    for i, q in enumerate(manifest.ballot_style(rid))
                },
            }
            for rid, t in tallies.items()
        }
    }


def share_payload(
    state: ElectionState, trustee: int, secret_share: Scalar, rng: RandomSource
) -> dict[str, Any]:
    """A trustee's decryption shares of every tally ciphertext, each with its DLEQ proof."""
    if state.tally is None:
        raise PhaseError("no tally to decrypt yet")
    if state.election_key is None:
        raise PhaseError("no election key")
    cts = tally_ciphertexts(state.tally, state.manifest)
    vkey = Point.from_hex(state.election_key["verification_keys"][str(trustee)])
    return {
        "trustee": trustee,
        "regions": {
            rid: {
                q.id: [
                    decryption_share(
                        secret_share,
                        ct.alpha,
                        index=trustee,
                        verification_key=vkey,
                        context=state.fingerprint,
                        rng=rng,
                    ).to_json()
                    for ct in per_q[i]
                ]
                for i, q in enumerate(state.manifest.ballot_style(rid))
            }
            for rid, per_q in cts.items()
        },
    }


def parse_share_event(
    state: ElectionState, trustee: int, payload: Mapping[str, Any]
) -> dict[str, list[list[DecryptionShare]]]:
    """A ``tally.share`` payload's shares, per region, question and answer, after checking
    that its trustee is qualified, that it is signed with that trustee's transport key, and
    that it holds exactly one share of every tally ciphertext, each naming the trustee.
    Raises :class:`ProofError` or :class:`InputError`; the shares' proofs are not checked
    here (:func:`share_failure`)."""
    if state.tally is None or state.election_key is None:
        raise PhaseError("nothing to decrypt yet")
    who = f"tally.share of trustee {trustee}"
    if str(trustee) not in state.election_key["verification_keys"]:
        raise ProofError(f"{who}: not a qualified trustee")
    if trustee not in state.transport:
        raise ProofError(f"{who}: the trustee has no transport key")
    transport = Point.from_hex(state.transport[trustee]["transport_key"])
    check_signed(TRUSTEE_DOMAIN, state.fingerprint, m.DECRYPTION_SHARE, payload, transport, who=who)
    regions = payload.get("regions")
    wanted = [r.id for r in state.manifest.regions]
    if not isinstance(regions, dict) or sorted(regions) != sorted(wanted):
        raise InputError(f"{who}.regions", f"expected exactly the regions {sorted(wanted)}")
    cts = tally_ciphertexts(state.tally, state.manifest)
    per_region: dict[str, list[list[DecryptionShare]]] = {}
    for rid in wanted:
        style = state.manifest.ballot_style(rid)
        entry = regions[rid]
        if not isinstance(entry, dict) or sorted(entry) != sorted(q.id for q in style):
            raise InputError(f"{who}.regions.{rid}", "expected the region's questions")
        per_region[rid] = []
        for qi, q in enumerate(style):
            where = f"{who}.regions.{rid}.{q.id}"
            raw = entry[q.id]
            if not isinstance(raw, list) or len(raw) != len(cts[rid][qi]):
                raise InputError(where, f"expected {len(cts[rid][qi])} shares")
            shares = [
                DecryptionShare.from_json(item, field=f"{where}[{k}]") for k, item in enumerate(raw)
            ]
            if any(share.index != trustee for share in shares):
                raise InputError(where, f"a share of trustee {trustee} names another index")
            per_region[rid].append(shares)
    return per_region


def share_failure(
    state: ElectionState, trustee: int, shares: Mapping[str, list[list[DecryptionShare]]]
) -> str | None:
    """``None`` when every share's DLEQ proof verifies, else the ``rejected_shares`` reason:
    ``"bad proof: region R, question Q, answer A"`` for the first failing share in the
    manifest's order of regions, questions and answers."""
    assert state.tally is not None and state.election_key is not None
    vkey = Point.from_hex(state.election_key["verification_keys"][str(trustee)])
    cts = tally_ciphertexts(state.tally, state.manifest)
    for region in state.manifest.regions:
        for qi, q in enumerate(state.manifest.ballot_style(region.id)):
            for oi, answer in enumerate(q.answers):
                share = shares[region.id][qi][oi]
                try:
                    alpha = cts[region.id][qi][oi].alpha
                    verify_decryption_share(share, alpha, vkey, context=state.fingerprint)
                except ProofError:
                    return f"bad proof: region {region.id}, question {q.id}, answer {answer}"
    return None


def compute_results(state: ElectionState) -> dict[str, Any]:
    """Combine the published decryption shares into per-region counts and the outcome.

    Every ``tally.share`` event must be signed and well-formed (:func:`parse_share_event`:
    raises otherwise).  ``trustees`` lists, ascending, every trustee all of whose shares
    verify, and all of them are combined; ``rejected_shares`` names every other trustee that
    published shares, with :func:`share_failure`'s reason.  So the results follow from the
    published shares alone: a verifier recomputes them and compares.
    """
    if state.tally is None or state.election_key is None:
        raise PhaseError("nothing to decrypt yet")
    manifest = state.manifest
    cts = tally_ciphertexts(state.tally, manifest)
    used: list[int] = []
    rejected: dict[str, str] = {}
    parsed: dict[int, dict[str, list[list[DecryptionShare]]]] = {}
    for trustee, payload in sorted(state.shares.items()):
        parsed[trustee] = parse_share_event(state, trustee, payload)
        failure = share_failure(state, trustee, parsed[trustee])
        if failure is None:
            used.append(trustee)
        else:
            rejected[str(trustee)] = failure
    threshold = manifest.trustees.threshold
    if len(used) < threshold:
        raise PhaseError(f"{len(used)} valid decryption shares; {threshold} are needed")
    regions: dict[str, Any] = {}
    for region in manifest.regions:
        ballots = int(state.tally["regions"][region.id]["ballots"])
        dlog = DiscreteLog(ballots)
        questions: dict[str, dict[str, int]] = {}
        for qi, q in enumerate(manifest.ballot_style(region.id)):
            counts: dict[str, int] = {}
            for oi, answer in enumerate(q.answers):
                combined = lagrange_combine({t: parsed[t][region.id][qi][oi].share for t in used})
                counts[answer] = dlog.solve(cts[region.id][qi][oi].beta - combined)
            questions[q.id] = counts
        regions[region.id] = {
            "ballots": ballots,
            "electorate": state.electorate(region.id),
            "questions": questions,
        }
    results: dict[str, Any] = {"trustees": used, "regions": regions}
    if rejected:
        results["rejected_shares"] = rejected
    results["outcome"] = outcome_of(manifest, regions).to_mapping()
    return results


def check_share_accounting(
    state: ElectionState, expected: Mapping[str, Any], published: Mapping[str, Any]
) -> None:
    """Raise :class:`ProofError` unless the published results name the same trustees and
    rejected shares as ``expected`` (:func:`compute_results` over the same record)."""
    claimed = published.get("rejected_shares", {})
    if not isinstance(claimed, dict) or ("rejected_shares" in published and not claimed):
        raise ProofError("results.rejected_shares: a non-empty object, or absent")
    found = expected.get("rejected_shares", {})
    for key in sorted(claimed, key=str):
        if not key.isdigit() or int(key) not in state.shares:
            raise ProofError(
                f"results.rejected_shares names trustee {key}, who published no tally.share"
            )
        if key not in found:
            raise ProofError(
                f"results.rejected_shares names trustee {key}, whose shares all verify"
            )
        if claimed[key] != found[key]:
            raise ProofError(f"results.rejected_shares[{key}] should be {found[key]!r}")
    if omitted := sorted(set(found) - set(claimed)):
        key = omitted[0]
        raise ProofError(f"results.rejected_shares omits trustee {key}: {found[key]}")
    if published.get("trustees") != expected["trustees"]:
        raise ProofError(
            f"results.trustees is {published.get('trustees')!r}; the trustees whose published "
            f"shares verify are {expected['trustees']}"
        )


def outcome_of(manifest: Manifest, regions: Mapping[str, Any]) -> Outcome:
    """The outcome of the first question: under the manifest's rule for a yes/no question, by
    absolute majority against the status quo for a multi-option question."""
    question = manifest.questions[0]
    if not question.is_referendum:
        assert question.status_quo is not None
        totals = {a: 0 for a in question.answers}
        for region in manifest.regions:
            for answer, n in regions[region.id]["questions"][question.id].items():
                totals[answer] += n
        return evaluate_options(totals, status_quo=question.status_quo)
    region_counts = []
    for region in manifest.regions:
        entry = regions[region.id]
        counts = entry["questions"][question.id]
        yes, no = counts["yes"], counts["no"]
        blank = entry["ballots"] - yes - no
        region_counts.append(
            RegionCounts(
                region.id,
                Counts(
                    yes=yes,
                    no=no,
                    blank=blank,
                    electorate=entry["electorate"],
                    ballots=entry["ballots"],
                ),
                region.weight_fraction,
            )
        )
    return evaluate(manifest.outcome_rule(), region_counts)
