"""The finite mixture model of incremental and extreme fraud (Klimek et al. 2012; Mebane).

Validation on synthetic tables drawn from the model with known fraud
(:func:`~referendum.forensics.synthetic.mixture_frame`): over 30 seeded tables the 95%
interval of the share of stations with fraud (profile likelihood) and that of the
fraudulent votes (manufactured plus stolen) each hold the truth in at least 27 (90%);
clean tables give few fraudulent votes; posteriors rank the falsified stations first;
regions sum their stations.  docs/forensics/mixture.md has the measured coverage of each
figure and the comparison with Shpilkin's estimate on the real files.
"""

from __future__ import annotations

import numpy as np
import pytest

from referendum.errors import TableError
from referendum.forensics.mixture import fit_mixture, region_summaries
from referendum.forensics.synthetic import mixture_frame


def _columns(frame: object) -> tuple[np.ndarray, ...]:
    return tuple(
        frame[name].to_numpy()  # type: ignore[index]
        for name in ("registered", "ballots", "yes", "ballots")
    )


@pytest.fixture(scope="module")
def coverage() -> list[tuple[bool, bool]]:
    """For 30 seeded tables: does the share's interval, and the votes', hold the truth?"""
    found = []
    for seed in range(10, 40):
        frame = mixture_frame(1000, rng=np.random.default_rng(seed))
        fit, _ = fit_mixture(*_columns(frame), seed=seed, replicates=20)
        share = float((frame["kind"].to_numpy() > 0).mean())
        votes = int(frame["manufactured"].sum() + frame["stolen"].sum())
        low, high = fit.fraudulent_interval
        assert low <= fit.fraudulent <= high
        assert fit.fraud_interval[0] <= fit.fraud_probability <= fit.fraud_interval[1]
        found.append(
            (fit.fraud_interval[0] <= share <= fit.fraud_interval[1], low <= votes <= high)
        )
    return found


def test_interval_of_the_share_of_stations_holds_the_truth_in_90_percent_of_tables(
    coverage: list[tuple[bool, bool]],
) -> None:
    assert sum(share for share, _ in coverage) >= 27


def test_interval_of_fraudulent_votes_holds_the_truth_in_90_percent_of_tables(
    coverage: list[tuple[bool, bool]],
) -> None:
    assert sum(votes for _, votes in coverage) >= 27


def test_clean_tables_have_few_fraudulent_votes() -> None:
    frame = mixture_frame(1500, rng=np.random.default_rng(3), incremental=0.0, extreme=0.0)
    fit, _ = fit_mixture(*_columns(frame), seed=3, replicates=10)
    votes = int(frame["ballots"].sum())
    assert fit.fraudulent < 0.03 * votes
    assert fit.extreme < 0.005


def test_posteriors_rank_falsified_stations_first_and_regions_sum_them() -> None:
    frame = mixture_frame(1500, rng=np.random.default_rng(4), incremental=0.15, extreme=0.05)
    fit, posterior = fit_mixture(*_columns(frame), seed=4, replicates=10)
    kind = frame["kind"].to_numpy()
    fraud = posterior.incremental + posterior.extreme
    assert fraud[kind == 2].mean() > 0.9
    assert fraud[kind > 0].mean() > 3 * fraud[kind == 0].mean()
    assert posterior.extreme[kind == 2].mean() > 0.8
    assert np.all(posterior.manufactured_sd >= 0)
    assert posterior.manufactured.sum() == pytest.approx(fit.manufactured)
    codes = np.unique(frame["region"].to_numpy(), return_inverse=True)[1].astype(np.int32)
    regions = region_summaries(posterior, codes, tuple(f"R{k}" for k in range(5)))
    assert sum(r.stations for r in regions) == 1500
    assert sum(r.manufactured for r in regions) == pytest.approx(fit.manufactured)


def test_bad_input_names_its_field() -> None:
    frame = mixture_frame(30, rng=np.random.default_rng(1))
    with pytest.raises(TableError, match="at least 50 usable stations"):
        fit_mixture(*_columns(frame), seed=1)
    with pytest.raises(TableError, match="replicates"):
        fit_mixture(
            *_columns(mixture_frame(100, rng=np.random.default_rng(1))), seed=1, replicates=1
        )
