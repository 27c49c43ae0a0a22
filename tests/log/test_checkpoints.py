"""Signed checkpoints and cosignatures: what the board signs verifies, and a forged, altered,
malformed or backwards checkpoint is refused with an error naming what failed."""

from __future__ import annotations

import hashlib

import pytest

from referendum.crypto.group import Scalar, base_mul
from referendum.crypto.random import DeterministicRandom
from referendum.errors import InputError, ProofError
from referendum.protocol import checkpoints as cp
from referendum.protocol import merkle

RNG = DeterministicRandom(b"checkpoint tests")
BOARD = Scalar.random(RNG)
WITNESS = Scalar.random(RNG)
FINGERPRINT = hashlib.sha256(b"a referendum").digest()
TIME = "2026-03-01T08:00:00.000000Z"


def checkpoint(size: int = 5, time: str = TIME) -> cp.Checkpoint:
    tree = merkle.MemoryTree()
    tree.extend(merkle.leaf_hash(bytes([i])) for i in range(size))
    return cp.Checkpoint(cp.origin_of(FINGERPRINT), size, tree.root(), time)


def signed(size: int = 5, secret: Scalar = BOARD) -> cp.SignedNote:
    return cp.sign_checkpoint(checkpoint(size), secret, base_mul(secret), RNG)


def test_the_body_is_the_c2sp_checkpoint_form() -> None:
    body = checkpoint(0).body()
    lines = body.split("\n")
    assert lines[0] == "referendum/" + FINGERPRINT.hex()
    assert lines[1] == "0"
    assert lines[2] == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="  # SHA-256 of nothing
    assert lines[3] == "time " + TIME
    assert lines[4] == "" and len(lines) == 5
    assert cp.parse_checkpoint(body) == checkpoint(0)


def test_a_signed_note_round_trips_and_verifies() -> None:
    note = signed()
    text = note.text()
    assert "\n\n\u2014 referendum/" in text
    parsed = cp.parse_note(text.encode("utf-8"))
    assert parsed == note
    assert cp.verify_checkpoint(parsed, fingerprint=FINGERPRINT, board_key=base_mul(BOARD)) == (
        checkpoint()
    )


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    note = signed(secret=Scalar.random(RNG))
    with pytest.raises(ProofError, match="no signature by the manifest's board key"):
        cp.verify_checkpoint(note, fingerprint=FINGERPRINT, board_key=base_mul(BOARD))


def test_a_forged_signature_under_the_board_key_id_is_refused() -> None:
    note = signed()
    line = note.signatures[0]
    forged = cp.NoteSignature(line.name, line.key_id, bytes(31) + b"\x01" + line.data[32:])
    with pytest.raises(ProofError, match="board"):
        cp.verify_checkpoint(
            cp.SignedNote(note.checkpoint, (forged,)),
            fingerprint=FINGERPRINT,
            board_key=base_mul(BOARD),
        )
    other = cp.SignedNote(checkpoint(6), note.signatures)  # the body altered under the signature
    with pytest.raises(ProofError, match="does not verify"):
        cp.verify_checkpoint(other, fingerprint=FINGERPRINT, board_key=base_mul(BOARD))


def test_a_checkpoint_of_another_referendum_is_refused() -> None:
    other = cp.Checkpoint(cp.origin_of(bytes(32)), 5, checkpoint().root, TIME)
    note = cp.sign_checkpoint(other, BOARD, base_mul(BOARD), RNG)
    with pytest.raises(ProofError, match="origin"):
        cp.verify_checkpoint(note, fingerprint=FINGERPRINT, board_key=base_mul(BOARD))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda t: t.replace("\n5\n", "\n05\n"), "checkpoint.size"),
        (lambda t: t.replace("\n5\n", "\n-5\n"), "checkpoint.size"),
        (lambda t: t.replace("referendum/", "referendum:"), "checkpoint.origin"),
        (lambda t: t.replace("time ", "when "), "checkpoint.time"),
        (lambda t: t.replace(".000000Z", "Z"), "checkpoint.time"),
        (lambda t: t.replace("\n\n", "\n"), "checkpoint"),
        (lambda t: t.replace("\u2014", "-"), "checkpoint.signatures[0]"),
        (lambda t: t[:-1], "checkpoint.signatures"),
        (lambda t: t.replace("\n", "\r\n", 1), "checkpoint"),
        (lambda t: t.replace("=\ntime", "\ntime"), "checkpoint.root"),
        (lambda t: t + "\u2014 w x\n", "checkpoint.signatures[1]"),
    ],
)
def test_malformed_notes_name_the_field(change: object, field: str) -> None:
    text = change(signed().text())  # type: ignore[operator]
    with pytest.raises(InputError) as caught:
        cp.parse_note(text)
    assert caught.value.field == field


def test_oversized_and_non_utf8_notes_are_refused_unread() -> None:
    with pytest.raises(InputError, match="larger than"):
        cp.parse_note(b"x" * (cp.MAX_NOTE_BYTES + 1))
    with pytest.raises(InputError, match="not UTF-8"):
        cp.parse_note(b"\xff\xfe")


def test_cosignatures_verify_and_forgeries_are_caught() -> None:
    note = signed()
    name = "witness.example/one"
    public = base_mul(WITNESS)
    line = cp.cosign(note.checkpoint, name, WITNESS, public, 1772352000, RNG)
    cosigned = cp.parse_note(note.with_signatures([line]).text())
    assert cp.cosignatures(cosigned, {name: public}) == [cp.Cosignature(name, 1772352000)]
    # the board's own line is not a cosignature, and an unknown witness's line is ignored
    assert cp.cosignatures(cosigned, {"witness.example/two": base_mul(BOARD)}) == []
    # the same line on another checkpoint, or with its time changed, does not verify
    with pytest.raises(ProofError, match="does not verify"):
        cp.verify_cosignature(checkpoint(6), line, name=name, public=public)
    moved = cp.NoteSignature(
        line.name, line.key_id, (1772352001).to_bytes(8, "big") + line.data[8:]
    )
    with pytest.raises(ProofError, match=r"witness\.example/one"):
        cp.cosignatures(note.with_signatures([moved]), {name: public})
    with pytest.raises(ProofError, match="another key"):
        cp.verify_cosignature(note.checkpoint, line, name=name, public=base_mul(BOARD))


def test_progress_refuses_backwards_sizes_times_and_split_views() -> None:
    cp.check_progress(checkpoint(3), checkpoint(5))
    cp.check_progress(checkpoint(5), checkpoint(5))
    with pytest.raises(ProofError, match="backwards"):
        cp.check_progress(checkpoint(5), checkpoint(3))
    with pytest.raises(ProofError, match="before"):
        cp.check_progress(checkpoint(3), checkpoint(5, time="2026-02-28T08:00:00.000000Z"))
    fork = cp.Checkpoint(checkpoint(5).origin, 5, bytes(32), TIME)
    with pytest.raises(ProofError, match="split view"):
        cp.check_progress(checkpoint(5), fork)
