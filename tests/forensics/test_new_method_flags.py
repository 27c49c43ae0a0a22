"""The new methods (Rozenas' test, the mixture model) in the list of stations to look at."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from referendum.forensics.analysis import ForensicsOptions, analyse
from referendum.forensics.stations import station_list
from referendum.forensics.synthetic import SYNTHETIC_COLUMNS, synthetic_frame
from referendum.forensics.table import table_from_frame

CliResult = tuple[int, str, str]
COLUMNS = [
    "--registered", "registered", "--ballots", "ballots", "--valid", "valid",
    "--invalid", "invalid", "--region", "region", "--station", "station",
    "--option", "yes", "--option", "no",
]  # fmt: skip
FAST = [
    "--draws", "20", "--replicates", "20", "--resamples", "20", "--mixture-replicates", "4",
]  # fmt: skip


@pytest.fixture(scope="module")
def two_elections(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("elections")
    first, second = directory / "2018.csv", directory / "2024.csv"
    synthetic_frame(1500, rng=np.random.default_rng(1), regions=4, stuffed=0.1).write_csv(first)
    synthetic_frame(1500, rng=np.random.default_rng(2), regions=4).write_csv(second)
    return first, second


def test_the_new_methods_flag_stations_in_the_list() -> None:
    rng = np.random.default_rng(1)
    frame = synthetic_frame(1500, rng=rng, regions=4, stuffed=0.1)
    table = table_from_frame(frame, columns=SYNTHETIC_COLUMNS)
    options = ForensicsOptions(
        methods=frozenset({"mixture", "coarse_shares"}), resamples=20, mixture_replicates=4
    )
    listed = station_list(table, analyse(table, options=options, rng=rng)).frame
    mixture = listed.filter(pl.col("method") == "mixture")
    stuffed = frame["stuffed"].to_numpy()[mixture["row"].to_numpy() - 1] > 0
    assert mixture.height > 100 and stuffed.mean() > 0.6
    assert mixture["reason"].str.contains("votes manufactured").all()
    assert listed.filter(pl.col("method") == "coarse_shares").height > 0
