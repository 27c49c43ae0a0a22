"""The JSON API over a real board: casting, bad input with its HTTP status and its board
entry, organiser and trustee steps behind tokens, record download and verification."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from core.helpers import BOARD_KEY
from referendum.protocol.receipts import check_receipt_signature, parse_receipt
from referendum.record import messages as m
from referendum.services.voter import EncryptedChoices, PreparedBallot, prepare_ballot, sign_ballot
from referendum.verify.record_verifier import verify_record

from .conftest import ORGANISER, TRUSTEES, Served, after_window, bearer, serve


def ballot(
    served: Served,
    region: str = "east",
    index: int = 0,
    choice: str = "yes",
    replaces: str | None = None,
) -> Any:
    s = served.setup
    cred = s.credentials[region][index]
    return prepare_ballot(s.state, cred.private, {"q1": [choice]}, s.rng, replaces=replaces)


def encrypted_of(prepared: PreparedBallot) -> EncryptedChoices:
    """The encrypted ballot a prepared one signed (to sign it again)."""
    sub = prepared.submission
    return EncryptedChoices(
        sub["region"],
        sub["credential"],
        sub["ballot"],
        prepared.tracking_code,
        prepared.selections,
        prepared.nonces,
    )


def post(served: Served, body: bytes | dict[str, Any], **headers: str) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return served.client.post(
        "/api/ballots",
        content=data,
        headers={"Content-Type": "application/json", **headers},
    )


def rejections(served: Served) -> list[dict[str, Any]]:
    return [dict(e.payload) for e in served.setup.board.events(types=(m.BALLOT_REJECTED,))]


def test_state_and_security_headers(served: Served) -> None:
    r = served.client.get("/api/referendum")
    assert r.status_code == 200
    body = r.json()
    assert body["phase"] == "open"
    assert body["fingerprint"] == served.setup.state.fingerprint.hex()
    assert body["question_shapes"] == [{"options": 3, "min": 1, "max": 1}]
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert served.client.get("/api/openapi.json").json()["paths"]["/api/ballots"]


def test_cast_lookup_and_revote(served: Served) -> None:
    first = ballot(served)
    r = post(served, first.submission)
    assert r.status_code == 201, r.text
    assert r.json()["tracking_code"] == first.tracking_code
    assert r.json()["replaces"] is None
    receipt = parse_receipt(json.dumps(r.json()["receipt"]).encode())
    assert receipt.subject == first.tracking_code and receipt.event_hash == r.json()["event"]
    assert r.json()["short_code"] == receipt.short_code and receipt.height == r.json()["height"]
    check_receipt_signature(receipt, BOARD_KEY.public)
    found = served.client.get(f"/api/ballots/{first.tracking_code}").json()
    assert found["counts"] is True and found["region"] == "east"

    public = first.submission["credential"]
    last = served.client.get(f"/api/credentials/{public}").json()["last_tracking_code"]
    assert last == first.tracking_code
    stale = ballot(served, choice="no")  # names no ballot: refused, logged
    r = post(served, stale.submission)
    assert r.status_code == 409 and r.json()["error"] == "stale_replaces", r.text
    second = ballot(served, choice="no", replaces=last)
    r = post(served, second.submission)
    assert r.status_code == 201
    assert r.json()["replaces"] == first.tracking_code
    old = served.client.get(f"/api/ballots/{first.tracking_code}").json()
    assert old["counts"] is False and old["replaced_by"] == second.tracking_code
    listing = served.client.get("/api/ballots").json()["ballots"]
    assert [b["tracking_code"] for b in listing] == [first.tracking_code, second.tracking_code]
    assert served.client.get("/api/ballots/" + "0" * 64).status_code == 404
    assert served.client.get("/api/ballots/xyz").status_code == 400


def test_region_of_a_public_credential(served: Served) -> None:
    public = served.setup.credentials["west"][1].public
    assert served.client.get(f"/api/credentials/{public}").json() == {
        "credential": public,
        "region": "west",
        "last_tracking_code": None,
    }
    assert served.client.get(f"/api/credentials/{'1' * 64}").status_code == 404


@pytest.mark.parametrize(
    ("mutate", "status", "reason"),
    [
        ("tamper", 422, "bad_signature"),
        ("unknown", 403, "unknown_credential"),
        ("region", 422, "wrong_region"),
        ("election", 422, "wrong_election"),
        ("malformed", 400, "malformed"),
        ("missing", 400, "malformed"),
        ("oversize", 413, "oversize"),
    ],
)
def test_bad_ballots_refused_and_logged(
    served: Served, mutate: str, status: int, reason: str
) -> None:
    good = ballot(served)
    assert post(served, good.submission).status_code == 201
    sub: Any = json.loads(json.dumps(ballot(served, index=1).submission))
    if mutate == "tamper":
        sel = sub["ballot"]["questions"][0]["selections"]
        sel[0]["beta"], sel[1]["beta"] = sel[1]["beta"], sel[0]["beta"]
    elif mutate == "unknown":
        sub["credential"] = "e2" * 32
    elif mutate == "region":
        sub["region"] = "west"
    elif mutate == "election":
        sub["election"] = "00" * 32
    elif mutate == "malformed":
        sub = b'{"election": '
    elif mutate == "missing":
        del sub["signature"]
    elif mutate == "oversize":
        sub = b" " * (100 * 1024)
    r = post(served, sub)
    assert r.status_code == status, r.text
    assert r.json()["error"] == reason and r.json()["reason"]
    logged = rejections(served)
    assert [x["reason"] for x in logged] == [reason]
    refusal = parse_receipt(json.dumps(r.json()["receipt"]).encode())  # signed, for the sender
    assert refusal.kind == "refused" and refusal.subject == logged[0]["submission_sha256"]
    check_receipt_signature(refusal, BOARD_KEY.public)
    # nothing accepted earlier changed
    assert served.client.get(f"/api/ballots/{good.tracking_code}").json()["counts"] is True
    assert served.setup.board.count(m.BALLOT_ACCEPTED) == 1
    page = served.client.get("/api/rejections").json()["rejections"]
    assert page[0]["reason"] == reason


def test_replay_and_envelope_errors(served: Served) -> None:
    good = ballot(served)
    first = post(served, good.submission)
    assert first.status_code == 201 and first.json()["resent"] is False
    # the same ballot again (an answer lost, a crash): its receipt again, nothing appended
    r = post(served, good.submission)
    assert r.status_code == 200 and r.json()["resent"] is True
    assert {k: v for k, v in r.json().items() if k not in ("resent", "receipt")} == {
        k: v for k, v in first.json().items() if k not in ("resent", "receipt")
    }
    assert served.setup.board.count(m.BALLOT_ACCEPTED) == 1
    # signed again by the voter (a booth casting again after a lost answer): its receipt too
    s = served.setup
    voter = s.credentials["east"][0].private
    again = sign_ballot(s.state, voter, encrypted_of(good), s.rng)
    assert again["signature"] != good.submission["signature"]
    r = post(served, again)
    assert r.status_code == 200 and r.json()["tracking_code"] == good.tracking_code
    # the same ballot naming another ballot it replaces (itself): a replay, refused and logged
    itself = sign_ballot(s.state, voter, encrypted_of(good), s.rng, replaces=good.tracking_code)
    r = post(served, itself)
    assert (r.status_code, r.json()["error"]) == (409, "replayed")
    # not JSON content type: refused before casting, nothing logged
    r = served.client.post("/api/ballots", content=b"x=1", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    # far over every limit: refused unread with 413, nothing logged
    r = post(served, b"x" * (300 * 1024))
    assert r.status_code == 413
    assert [x["reason"] for x in rejections(served)] == ["replayed"]


def test_rate_limit_per_client(board: Any) -> None:
    from core.helpers import ready_referendum

    served = serve(ready_referendum(board), burst=2)
    assert post(served, ballot(served, index=0).submission).status_code == 201
    assert post(served, ballot(served, index=1).submission).status_code == 201
    r = post(served, ballot(served, index=2).submission)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    served.monotonic.now += 1.0
    assert post(served, ballot(served, index=2).submission).status_code == 201


def test_organiser_and_trustee_endpoints_need_their_tokens(served: Served) -> None:
    voter = served.setup.credentials["east"][0].private
    assert served.client.post("/api/organiser/step/close").status_code == 401
    assert served.client.post("/api/organiser/step/close", headers=bearer(voter)).status_code == 401
    r = served.client.post("/api/organiser/step/close", headers=bearer(TRUSTEES[1]))
    assert r.status_code == 403
    r = served.client.post("/api/trustee/2/share", headers=bearer(TRUSTEES[1]))
    assert r.status_code == 403
    r = served.client.post("/api/trustee/1/share", headers=bearer(ORGANISER))
    assert r.status_code == 403
    # the organiser may not close before the window ends: a phase error, 409
    r = served.client.post("/api/organiser/step/close", headers=bearer(ORGANISER))
    assert r.status_code == 409 and "window" in r.json()["reason"]


def test_whole_count_over_the_api(served: Served, tmp_path: Path) -> None:
    s = served.setup
    for region, i, choice in (("east", 0, "yes"), ("east", 1, "no"), ("west", 0, "yes")):
        assert post(served, ballot(served, region, i, choice).submission).status_code == 201
    after_window(s)
    late = ballot(served, "west", 1)
    org = bearer(ORGANISER)
    assert served.client.post("/api/organiser/step/close", headers=org).json()["phase"] == "closed"
    r = post(served, late.submission)
    assert (r.status_code, r.json()["error"]) == (409, "closed")
    assert served.client.get("/api/results").status_code == 404
    assert served.client.post("/api/organiser/step/tally", headers=org).json()["phase"] == "tallied"
    for secrets in s.secrets[:2]:
        r = served.client.post(
            f"/api/trustee/{secrets.trustee}/share",
            content=json.dumps(secrets.to_json()),
            headers=bearer(TRUSTEES[secrets.trustee]),
        )
        assert r.status_code == 200, r.text
    r = served.client.post("/api/organiser/step/results", headers=org)
    assert r.status_code == 200, r.text
    results = served.client.get("/api/results").json()
    assert results["regions"]["east"]["questions"]["q1"] == {"yes": 1, "no": 1, "blank": 0}
    assert results["regions"]["west"]["questions"]["q1"]["yes"] == 1

    report = served.client.get("/api/verify").json()
    assert report["ok"] is True, report
    tar_bytes = served.client.get("/api/record.tar.gz").content
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        tar.extractall(tmp_path / "t", filter="data")
    assert verify_record(tmp_path / "t" / "record").ok
    with zipfile.ZipFile(io.BytesIO(served.client.get("/api/record.zip").content)) as z:
        z.extractall(tmp_path / "z")
    assert verify_record(tmp_path / "z" / "record").ok
    assert [x["reason"] for x in rejections(served)] == ["closed"]


def test_referendum_set_up_over_the_api(board: Any) -> None:
    """Manifest, trustees' key ceremony, credential lists and opening, all over the API."""
    import datetime as dt

    from core.helpers import AUTHORITY, OPENS, manifest
    from referendum.clock import SteppingClock
    from referendum.crypto.random import DeterministicRandom
    from referendum.protocol.state import manifest_fingerprint
    from referendum.services.credentials import credential_list_payload, issue_credentials
    from referendum.web.app import create_app
    from referendum.web.context import WebContext

    from .conftest import TestClient, accounts

    clock = SteppingClock(OPENS - dt.timedelta(days=1))
    ctx = WebContext(board=board, accounts=accounts(), clock=clock, rng=DeterministicRandom(b"w"))
    client = TestClient(create_app(ctx))
    org = bearer(ORGANISER)
    assert client.get("/api/referendum").json() == {"phase": "empty"}
    m_ = manifest()
    r = client.post("/api/organiser/manifest", content=json.dumps(m_.to_payload()), headers=org)
    assert r.status_code == 201, r.text
    r = client.post("/api/organiser/manifest", content=json.dumps(m_.to_payload()), headers=org)
    assert r.status_code == 409  # one referendum per board
    r = client.post("/api/organiser/manifest", content=b"title: [", headers=org)
    assert r.status_code == 400
    keys: dict[int, Any] = {}
    for step in ("setup", "deal", "check"):
        for i in (1, 2, 3):
            body = b"" if step == "setup" else json.dumps(keys[i]).encode()
            r = client.post(f"/api/trustee/{i}/{step}", content=body, headers=bearer(TRUSTEES[i]))
            assert r.status_code == 200, r.text
            keys[i] = r.json()
    # a trustee's key file is refused at another trustee's step
    r = client.post(
        "/api/trustee/2/share", content=json.dumps(keys[1]), headers=bearer(TRUSTEES[2])
    )
    assert r.status_code == 400 and "trustee 1" in r.json()["reason"]
    assert client.post("/api/organiser/step/election-key", headers=org).status_code == 200
    rng = DeterministicRandom(b"lists")
    fingerprint = manifest_fingerprint(m_.to_payload())
    for region in ("east", "west"):
        issued = issue_credentials(m_.id, region, 2, rng)
        listing = credential_list_payload(
            fingerprint, region, [c.public for c in issued], AUTHORITY, rng
        )
        r = client.post("/api/organiser/credentials", content=json.dumps(listing), headers=org)
        assert r.status_code == 201, r.text
    assert client.get("/api/referendum").json()["phase"] == "ready"
    r = client.post("/api/organiser/credentials", content=json.dumps(listing), headers=org)
    assert r.status_code in (400, 409)
    assert client.post("/api/organiser/step/open", headers=org).json()["phase"] == "open"
    info = client.get("/api/referendum").json()
    assert info["electorate"] == {"east": 2, "west": 2}
    assert all(t["checked"] for t in info["trustees"])


def test_exports_are_rebuilt_at_most_once_per_interval(served: Served) -> None:
    from dataclasses import replace

    served.ctx.limits = replace(served.ctx.limits, export_interval=60.0)
    first = served.client.get("/api/verify").json()
    tar = served.client.get("/api/record.tar.gz").content
    assert post(served, ballot(served).submission).status_code == 201
    # within the interval: the same report and archive (of the earlier head) are served
    assert served.client.get("/api/verify").json()["head"] == first["head"]
    assert served.client.get("/api/record.tar.gz").content == tar
    served.monotonic.now += 61
    later = served.client.get("/api/verify").json()
    assert later["head"] != first["head"] and later["verdict"] == "valid_so_far"
    assert later["head"] == served.setup.board.head().hash  # type: ignore[union-attr]
    assert served.client.get("/api/record.tar.gz").content != tar


def test_trustee_steps_made_offline_are_checked_then_appended(served: Served) -> None:
    """A trustee keeps the key file at home: the CLI makes the signed step from the record
    (`referendum trustee decrypt --record DIR --out FILE`), the trustee uploads only that."""
    from referendum.crypto.random import DeterministicRandom
    from referendum.services.keys import decryption_payload
    from referendum.services.state import load_state

    s = served.setup
    assert post(served, ballot(served, "east", 0, "yes").submission).status_code == 201
    after_window(s)
    org = bearer(ORGANISER)
    served.client.post("/api/organiser/step/close", headers=org)
    served.client.post("/api/organiser/step/tally", headers=org)
    state = load_state(s.board)
    rng = DeterministicRandom(b"offline")
    step = {"type": m.DECRYPTION_SHARE, "payload": decryption_payload(state, s.secrets[0], rng)}
    # another trustee cannot upload it, nor can the owner upload a doctored copy
    r = served.client.post(
        "/api/trustee/2/submit", content=json.dumps(step), headers=bearer(TRUSTEES[2])
    )
    assert r.status_code == 400, r.text
    doctored = json.loads(json.dumps(step))
    first = doctored["payload"]["regions"]["east"]["q1"][0]
    first["share"] = doctored["payload"]["regions"]["east"]["q1"][1]["share"]
    r = served.client.post(
        "/api/trustee/1/submit", content=json.dumps(doctored), headers=bearer(TRUSTEES[1])
    )
    assert r.status_code >= 400 and not load_state(s.board).shares
    r = served.client.post(
        "/api/trustee/1/submit", content=json.dumps(step), headers=bearer(TRUSTEES[1])
    )
    assert r.status_code == 200, r.text
    assert list(load_state(s.board).shares) == [1]
    r = served.client.post(
        "/api/trustee/1/submit", content=json.dumps(step), headers=bearer(TRUSTEES[1])
    )
    assert r.status_code == 409, r.text  # a step is taken once
