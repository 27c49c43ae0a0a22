"""The web board with deniable revoting (docs/spec/coercion.md): a deniable submission cast
over the API is a ``ballot.deniable`` event; looking its tracking code up says the board does
not tell whether a later ballot replaced it (the page and the API), and answers no less for a
voter who revoted than for one who did not."""

from __future__ import annotations

import json
from typing import Any

from core.helpers import ready_referendum
from core.test_deniable_record import deniable_manifest
from referendum.record import messages as m
from referendum.services.voter import prepare_deniable_ballot

from .conftest import serve


def test_casting_and_tracking_deniable_ballots(board: Any) -> None:
    served = serve(ready_referendum(board, m=deniable_manifest()))
    s = served.setup
    codes = []
    for index, choice in ((0, "yes"), (1, "no"), (0, "no")):
        prepared = prepare_deniable_ballot(
            s.state, s.credentials["east"][index].private, {"q1": [choice]}, s.rng
        )
        r = served.client.post(
            "/api/ballots",
            content=json.dumps(prepared.submission).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code in (200, 201), r.text
        codes.append(prepared.tracking_code)
    ballots = list(s.board.events(types=(m.BALLOT_DENIABLE,)))
    assert [e.payload["tracking_code"] for e in ballots] == codes
    assert all("credential" not in e.payload for e in ballots)
    answers = []
    for code in codes:
        r = served.client.get(f"/api/ballots/{code}")
        assert r.status_code == 200, r.text
        found = r.json()
        assert found["deniable"] is True and found["counts"] is None
        answers.append({k: v for k, v in found.items() if k not in ("height", "timestamp")})
        page = served.client.get(f"/track?code={code}")
        assert page.status_code == 200 and 'data-counts="hidden"' in page.text
    # the revoter's first ballot (0) and the other voter's (1) get the same answer
    assert {k: v for k, v in answers[0].items() if k != "tracking_code"} == {
        k: v for k, v in answers[1].items() if k != "tracking_code"
    }
    # the board never says which ballot is a credential's last (anyone knowing the public
    # credential would see a revote), lists the deniable ballots and counts them per region
    revoter = s.credentials["east"][0].public
    answer = served.client.get(f"/api/credentials/{revoter}").json()
    assert answer["region"] == "east" and answer["last_tracking_code"] is None
    listed = served.client.get("/api/ballots").json()["ballots"]
    assert [b["tracking_code"] for b in listed] == codes
    assert all(b["replaces"] is None for b in listed)
    assert served.client.get("/api/referendum").json()["accepted"] == 3
    board = served.client.get("/").text
    assert 'id="deniable-note"' in board and "East: 3, West: 0" in board
    assert "3 ballots accepted" in board
