"""The trustees' key ceremony on a board, and each trustee's secret key file.

A trustee's secrets (transport key, polynomial, the shares received) stay in the trustee's
own key file; the board only ever sees public values.  Steps, run by each trustee in turn:
``trustee_setup`` (transport key), ``trustee_deal`` (commitments and encrypted shares),
``trustee_check`` (check received shares, complain about bad ones); then anyone runs
``publish_election_key``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from referendum.board.protocol import BulletinBoard
from referendum.clock import Clock
from referendum.crypto.group import Scalar, base_mul
from referendum.crypto.random import RandomSource
from referendum.crypto.threshold import (
    BadShare,
    Commitments,
    TransportKeyPair,
    deal,
    generate_transport_key,
    receive_share,
)
from referendum.errors import InputError, PhaseError
from referendum.protocol.ceremony import (
    CeremonyProgress,
    ceremony_context,
    check_trustee_event,
    deal_shares,
    derive_election_key,
    transport_keys,
)
from referendum.protocol.signing import TRUSTEE_DOMAIN, signed
from referendum.protocol.state import ElectionState, Phase
from referendum.protocol.tally import share_payload
from referendum.record import messages as m
from referendum.services.state import load_state
from referendum.services.voting import append

__all__ = [
    "TrusteeSecrets",
    "check_payload",
    "deal_payload",
    "decryption_payload",
    "publish_election_key",
    "setup_payload",
    "submit_trustee_event",
    "trustee_check",
    "trustee_deal",
    "trustee_setup",
    "trustee_signed",
]


@dataclass(frozen=True)
class TrusteeSecrets:
    """What a trustee keeps private between the steps (its key file)."""

    trustee: int
    fingerprint: str
    transport_secret: Scalar
    polynomial: tuple[Scalar, ...] = ()
    received: dict[int, Scalar] = field(default_factory=dict)

    def own_share(self) -> Scalar:
        """``f_i(i)``: the trustee's share of its own polynomial."""
        x = Scalar.from_int(self.trustee)
        value = Scalar.from_int(0)
        for coefficient in reversed(self.polynomial):
            value = value * x + coefficient
        return value

    def secret_share(self, qualified: list[int]) -> Scalar:
        """``x_j``: the sum of the shares from the qualified dealers."""
        if self.trustee not in qualified:
            raise PhaseError(f"trustee {self.trustee} is not qualified")
        total = Scalar.from_int(0)
        for dealer in qualified:
            total = total + (self.own_share() if dealer == self.trustee else self.received[dealer])
        return total

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "referendum-trustee-key/1",
            "trustee": self.trustee,
            "fingerprint": self.fingerprint,
            "transport_secret": self.transport_secret.hex(),
            "polynomial": [a.hex() for a in self.polynomial],
            "received": {str(k): v.hex() for k, v in sorted(self.received.items())},
        }

    @staticmethod
    def from_json(data: Any) -> TrusteeSecrets:
        if not isinstance(data, dict) or data.get("format") != "referendum-trustee-key/1":
            raise InputError("key file", "not a referendum trustee key file")
        try:
            return TrusteeSecrets(
                trustee=int(data["trustee"]),
                fingerprint=str(data["fingerprint"]),
                transport_secret=Scalar.from_hex(data["transport_secret"]),
                polynomial=tuple(Scalar.from_hex(a) for a in data["polynomial"]),
                received={int(k): Scalar.from_hex(v) for k, v in data["received"].items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError("key file", f"malformed: {exc}") from None


# Receiving shares needs only the transport secret; the proof of possession is on the board.
_NO_PROOF: Any = None


def trustee_signed(
    state: ElectionState,
    event_type: str,
    payload: dict[str, Any],
    secrets: TrusteeSecrets,
    rng: RandomSource,
) -> dict[str, Any]:
    """Sign a trustee's event with its transport key (so that the board cannot forge it)."""
    secret = secrets.transport_secret
    return signed(
        TRUSTEE_DOMAIN, state.fingerprint, event_type, payload, secret, base_mul(secret), rng
    )


def _check_trustee(state: ElectionState, trustee: int) -> None:
    n = len(state.manifest.trustees.names)
    if not 1 <= trustee <= n:
        raise InputError("trustee", f"trustees are numbered 1 to {n}")
    state.require(Phase.SETUP)


def _check_secrets(state: ElectionState, secrets: TrusteeSecrets) -> None:
    if secrets.fingerprint != state.fingerprint.hex():
        raise InputError("key file", "this key file belongs to another referendum")
    published = state.transport.get(secrets.trustee)
    if published is not None and published.get("transport_key") != (
        base_mul(secrets.transport_secret).hex()
    ):
        # the manifest does not name transport keys (docs/spec/threat-model.md): each trustee
        # checks that the board's ceremony holds its own
        raise InputError(
            "key file",
            f"the board's transport key for trustee {secrets.trustee} is not this key file's:"
            " the ceremony on the board is not this trustee's (replaced or forged); do not"
            " take part, and report it",
        )


def _ready_for(
    state: ElectionState,
    secrets: TrusteeSecrets,
    *,
    needs: Mapping[int, object],
    done: Mapping[int, object],
    step: str,
) -> None:
    """Every trustee did the previous step (``needs``); this trustee has not done this one."""
    _check_trustee(state, secrets.trustee)
    _check_secrets(state, secrets)
    n = len(state.manifest.trustees.names)
    if len(needs) < n:
        raise PhaseError(f"{len(needs)} of {n} trustees have done the previous step")
    if secrets.trustee in done:
        raise PhaseError(f"trustee {secrets.trustee} has already {step}")


def setup_payload(
    state: ElectionState, trustee: int, rng: RandomSource
) -> tuple[dict[str, Any], TrusteeSecrets]:
    """Step 1, offline: a transport key pair; the payload of ``trustee.transport``."""
    _check_trustee(state, trustee)
    if trustee in state.transport:
        raise PhaseError(f"trustee {trustee} already published a transport key")
    pair = generate_transport_key(trustee, ceremony_context(state), rng)
    payload = {
        "trustee": trustee,
        "name": state.manifest.trustees.names[trustee - 1],
        "transport_key": pair.public.hex(),
        "proof": pair.proof.to_json(),
    }
    return payload, TrusteeSecrets(trustee, state.fingerprint.hex(), pair.secret)


def deal_payload(
    state: ElectionState, secrets: TrusteeSecrets, rng: RandomSource
) -> tuple[dict[str, Any], TrusteeSecrets]:
    """Step 2, offline: the signed payload of ``trustee.deal``."""
    _ready_for(state, secrets, needs=state.transport, done=state.deals, step="dealt")
    dealing = deal(
        secrets.trustee,
        len(state.manifest.trustees.names),
        state.manifest.trustees.threshold,
        rng,
        transport_keys=transport_keys(state),
        context=ceremony_context(state),
    )
    payload = {
        "trustee": secrets.trustee,
        "commitments": dealing.commitments.to_json(),
        "shares": [dealing.shares[j].to_json() for j in sorted(dealing.shares)],
    }
    signed_payload = trustee_signed(state, m.TRUSTEE_DEAL, payload, secrets, rng)
    return signed_payload, replace(secrets, polynomial=dealing.polynomial)


def check_payload(
    state: ElectionState, secrets: TrusteeSecrets, rng: RandomSource
) -> tuple[dict[str, Any], TrusteeSecrets]:
    """Step 3, offline: check the shares received; the signed payload of ``trustee.check``
    with a public complaint against every dealer whose share was bad."""
    _ready_for(state, secrets, needs=state.deals, done=state.checks, step="checked its shares")
    context = ceremony_context(state)
    public = transport_keys(state)[secrets.trustee]
    pair = TransportKeyPair(secrets.trustee, secrets.transport_secret, public, _NO_PROOF)
    received: dict[int, Scalar] = {}
    complaints = []
    for dealer in sorted(state.deals):
        if dealer == secrets.trustee:
            continue
        commitments = Commitments.from_json(state.deals[dealer]["commitments"])
        share = deal_shares(state, dealer).get(secrets.trustee)
        if share is None:
            continue
        try:
            received[dealer] = receive_share(pair, share, commitments, context=context, rng=rng)
        except BadShare as bad:
            complaints.append(bad.complaint.to_json())
    payload = {"trustee": secrets.trustee, "complaints": complaints}
    signed_payload = trustee_signed(state, m.TRUSTEE_CHECK, payload, secrets, rng)
    return signed_payload, replace(secrets, received=received)


def decryption_payload(
    state: ElectionState, secrets: TrusteeSecrets, rng: RandomSource
) -> dict[str, Any]:
    """After the tally, offline: the signed payload of ``tally.share`` (shares with proofs)."""
    _check_secrets(state, secrets)
    state.require(Phase.TALLIED)
    if state.election_key is None:
        raise PhaseError("no election key")
    if secrets.trustee in state.shares:
        raise PhaseError(f"trustee {secrets.trustee} has already published decryption shares")
    share = secrets.secret_share(list(state.election_key["qualified"]))
    if base_mul(share).hex() != state.election_key["verification_keys"][str(secrets.trustee)]:
        # a signed share that fails is kept as evidence against its trustee: never make one
        raise InputError(
            "key file", "does not give this trustee's verification key in election.key"
        )
    payload = share_payload(state, secrets.trustee, share, rng)
    return trustee_signed(state, m.DECRYPTION_SHARE, payload, secrets, rng)


def submit_trustee_event(
    board: BulletinBoard, event_type: str, payload: Mapping[str, Any], clock: Clock
) -> None:
    """Append a trustee's event made offline (by ``referendum trustee ... --out``), after
    checking it as a verifier would: a forged, misplaced or repeated step is refused."""
    state = load_state(board)
    check_trustee_event(state, event_type, payload)
    append(board, event_type, payload, clock)


def trustee_setup(
    board: BulletinBoard, trustee: int, rng: RandomSource, clock: Clock
) -> TrusteeSecrets:
    """Step 1 on a board: create and publish the trustee's transport key."""
    payload, secrets = setup_payload(load_state(board), trustee, rng)
    submit_trustee_event(board, m.TRUSTEE_TRANSPORT, payload, clock)
    return secrets


def trustee_deal(
    board: BulletinBoard, secrets: TrusteeSecrets, rng: RandomSource, clock: Clock
) -> TrusteeSecrets:
    """Step 2 on a board: deal shares of a fresh random polynomial to every other trustee."""
    payload, secrets = deal_payload(load_state(board), secrets, rng)
    submit_trustee_event(board, m.TRUSTEE_DEAL, payload, clock)
    return secrets


def trustee_check(
    board: BulletinBoard, secrets: TrusteeSecrets, rng: RandomSource, clock: Clock
) -> TrusteeSecrets:
    """Step 3 on a board: check the shares received; complain publicly about bad ones."""
    payload, secrets = check_payload(load_state(board), secrets, rng)
    submit_trustee_event(board, m.TRUSTEE_CHECK, payload, clock)
    return secrets


def publish_election_key(board: BulletinBoard, clock: Clock) -> dict[str, Any]:
    """Step 4 (anyone): derive the election key from the ceremony and publish it."""
    state = load_state(board)
    state.require(Phase.SETUP)
    CeremonyProgress.of(state).admit(m.ELECTION_KEY)
    payload = derive_election_key(state)
    append(board, m.ELECTION_KEY, payload, clock)
    return payload
