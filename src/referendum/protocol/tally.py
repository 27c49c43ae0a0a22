"""The count: homomorphic tally, decryption shares and results, as pure functions.

The tally counts, per region, the last ballot cast under each credential (revoting).  Any
``threshold`` of the trustees can decrypt it; the results name the trustees who took part.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
from referendum.errors import PhaseError, ProofError, ReferendumError
from referendum.protocol.state import ElectionState
from referendum.record.event import Event
from referendum.record.manifest import Manifest
from referendum.rules import Counts, Outcome, RegionCounts, evaluate, evaluate_options

__all__ = [
    "RegionTally",
    "compute_results",
    "counted_ballots",
    "homomorphic_tally",
    "outcome_of",
    "share_payload",
    "tally_ciphertexts",
    "tally_payload",
    "verified_shares",
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


def verified_shares(
    state: ElectionState, trustee: int, payload: Mapping[str, Any]
) -> dict[str, list[list[DecryptionShare]]]:
    """A trustee's ``tally.share`` payload, every share checked against its proof (raises)."""
    if state.tally is None or state.election_key is None:
        raise PhaseError("nothing to decrypt yet")
    keys = state.election_key["verification_keys"]
    if str(trustee) not in keys:
        raise ProofError(f"trustee {trustee} is not a qualified trustee")
    vkey = Point.from_hex(keys[str(trustee)])
    cts = tally_ciphertexts(state.tally, state.manifest)
    per_region: dict[str, list[list[DecryptionShare]]] = {}
    for region in state.manifest.regions:
        per_region[region.id] = []
        for qi, q in enumerate(state.manifest.ballot_style(region.id)):
            shares = [DecryptionShare.from_json(s) for s in payload["regions"][region.id][q.id]]
            for ct, share in zip(cts[region.id][qi], shares, strict=True):
                if share.index != trustee:
                    raise ProofError(f"a share of trustee {trustee} names {share.index}")
                verify_decryption_share(share, ct.alpha, vkey, context=state.fingerprint)
            per_region[region.id].append(shares)
    return per_region


def compute_results(
    state: ElectionState, *, trustees: Sequence[int] | None = None
) -> dict[str, Any]:
    """Combine valid decryption shares into per-region counts and the outcome.

    By default the first ``threshold`` trustees whose shares verify are used, and shares that
    fail their proof are named in ``rejected_shares``.  With ``trustees`` (a verifier
    re-checking published results) exactly those are used, and each must verify.
    """
    if state.tally is None or state.election_key is None:
        raise PhaseError("nothing to decrypt yet")
    manifest = state.manifest
    cts = tally_ciphertexts(state.tally, manifest)
    valid: list[int] = []
    rejected: dict[str, str] = {}
    parsed: dict[int, dict[str, list[list[DecryptionShare]]]] = {}
    for trustee, payload in sorted(state.shares.items()):
        try:
            per_region = verified_shares(state, trustee, payload)
        except (ReferendumError, KeyError, ValueError, TypeError) as exc:
            rejected[str(trustee)] = str(exc) or type(exc).__name__
            continue
        parsed[trustee] = per_region
        valid.append(trustee)
    threshold = manifest.trustees.threshold
    if trustees is not None:
        for t in trustees:
            if t not in valid:
                raise ProofError(
                    f"trustee {t}: " + rejected.get(str(t), "no decryption shares published")
                )
        if len(set(trustees)) != len(trustees) or len(trustees) < threshold:
            raise ProofError(f"results name {len(trustees)} trustees; {threshold} distinct needed")
        used = list(trustees)
    else:
        if len(valid) < threshold:
            raise PhaseError(f"{len(valid)} valid decryption shares; {threshold} are needed")
        used = valid[:threshold]
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
