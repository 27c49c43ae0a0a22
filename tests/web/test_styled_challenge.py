"""Benaloh challenges on a referendum with a ballot style (the second question asked in the
west only): ``referendum check-challenge`` and the services check a ballot of each region,
print only the questions the ballot holds, and refuse a challenge that claims an answer to a
question that is not on the region's ballot (the issue's crash and false report)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.helpers import ready_referendum, run_main
from referendum.board.open import open_board
from referendum.crypto.random import DeterministicRandom
from referendum.errors import InputError
from referendum.services.challenge import challenge_data, check_challenge_data
from referendum.services.voter import encrypt_choices

from .phases import styled_manifest


def test_check_challenge_on_each_regions_ballot(tmp_path: Path) -> None:
    database = tmp_path / "board.sqlite"
    board = open_board(database)
    setup = ready_referendum(board, m=styled_manifest())
    rng = DeterministicRandom(b"styled-challenge")
    for region, choices, shown in (
        ("east", {"q1": ["no"]}, ["q1: the ballot encrypts ['no']"]),
        (
            "west",
            {"q1": ["yes"], "q2": ["no"]},
            ["q1: the ballot encrypts ['yes']", "q2: the ballot encrypts ['no']"],
        ),
    ):
        public = setup.credentials[region][0].public
        encrypted = encrypt_choices(setup.state, public, choices, rng)
        data = challenge_data(setup.state, encrypted, choices)
        assert len(data["selections"]) == len(choices)
        path = tmp_path / f"{region}.json"
        path.write_text(json.dumps(data))
        code, out, err = run_main("check-challenge", str(path), "--db", str(database))
        assert code == 0, err
        assert out.splitlines()[:-1] == shown

        # the east voter's challenge claiming an answer to the west's question is refused
        if region == "east":
            forged = {**data, "choices": {"q1": ["no"], "q2": ["yes"]}}
            with pytest.raises(InputError, match="not on the ballot of 'east'"):
                check_challenge_data(setup.state, forged)
            path.write_text(json.dumps(forged))
            code, _, err = run_main("check-challenge", str(path), "--db", str(database))
            assert code == 2 and "Traceback" not in err
    board.close()
