"""The server's access log (web/access_log.py): every request but the casting of a ballot,
whose refusals alone are logged (without their reasons), so that no line links a client's
address and a moment to an accepted ballot."""

from __future__ import annotations

import logging
import logging.config

import pytest

from referendum.web.access_log import LOGGER, log_config

from .conftest import Served
from .test_web_api import ballot, post


def test_every_request_is_logged_but_no_accepted_ballot(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="referendum")
    assert served.client.get("/").status_code == 200
    assert served.client.get("/no-such-page").status_code == 404
    accepted = ballot(served, "east", 0).submission
    assert post(served, accepted).status_code == 201
    assert post(served, b"{oops").status_code == 400
    access = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert any('"GET / HTTP/1.1" 200' in line for line in access), access
    assert any('"GET /no-such-page HTTP/1.1" 404' in line for line in access), access
    assert not any("/api/ballots" in line for line in access), access
    refusals = [r.getMessage() for r in caplog.records if r.name == "referendum.web"]
    assert refusals == ["POST /api/ballots -> 400 BallotRejected"]
    everything = " ".join(r.getMessage() for r in caplog.records)
    assert accepted["credential"] not in everything  # nothing of the ballot itself


def test_the_log_configuration_routes_the_project_loggers() -> None:
    config = log_config()
    assert config["loggers"][LOGGER]["handlers"] == ["access"]
    assert config["loggers"]["referendum"]["level"] == "INFO"
    logging.config.dictConfig(config)  # uvicorn's formatters accept it
    try:
        assert logging.getLogger(LOGGER).isEnabledFor(logging.INFO)
        assert logging.getLogger("referendum.web").getEffectiveLevel() == logging.INFO
    finally:
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
