"""The generational loop: reproducibility, the tidy table, and clear errors for bad input."""

import numpy as np
import pandas as pd
import pytest

from collapse import AccumulateSubsample, FreshMix, GaussianModel, GaussianSource, Replace, make_regime, simulate


def table(regime_name="replace", seed=0, **options):
    regime = make_regime(regime_name, cap=options.pop("cap", 40), real_share=options.pop("real_share", 0.2))
    settings = dict(generations=6, samples_per_generation=10, seeds=5, seed=seed) | options
    return simulate(GaussianModel(), GaussianSource(), regime, **settings).to_frame()


@pytest.mark.parametrize("regime_name", ["replace", "accumulate", "accumulate-subsample", "fresh-mix"])
def test_same_seed_gives_identical_tables_and_another_seed_does_not(regime_name):
    first, again, other = table(regime_name, 1), table(regime_name, 1), table(regime_name, 2)
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["value"], other["value"])


def test_tidy_table_has_one_row_per_seed_generation_and_metric():
    frame = table("accumulate", generations=4, seeds=3)
    assert list(frame.columns) == ["seed", "generation", "regime", "metric", "value"]
    assert set(frame["metric"]) == {"mean", "std", "tail_mass", "kl_from_real", "heldout_loss"}
    assert len(frame) == 4 * 3 * 5
    assert not frame.duplicated(["seed", "generation", "metric"]).any()
    assert set(frame["generation"]) == {1, 2, 3, 4} and set(frame["seed"]) == {0, 1, 2}
    assert (frame["regime"] == "accumulate").all()
    assert frame["value"].notna().all()


def test_seeds_are_independent_runs():
    stds = simulate(GaussianModel(), GaussianSource(), Replace(), generations=3, samples_per_generation=10,
                    seeds=1_000).metric("std")
    correlation = np.corrcoef(stds[0, :-1], stds[0, 1:])[0, 1]
    assert abs(correlation) < 5 / np.sqrt(1_000)


def test_fresh_mix_with_all_real_data_never_drifts():
    # With a real share of 1 every generation is an independent fit to fresh real data: no collapse at all.
    stds = simulate(GaussianModel(), GaussianSource(), FreshMix(1.0), generations=40, samples_per_generation=10,
                    seeds=4_000).metric("std")
    first, last = np.log(stds[0]), np.log(stds[-1])
    assert abs(last.mean() - first.mean()) < 5 * np.hypot(first.std(), last.std()) / np.sqrt(first.size)


def test_unknown_metric_names_what_was_recorded():
    history = simulate(GaussianModel(), GaussianSource(), Replace(), generations=1, samples_per_generation=5)
    with pytest.raises(ValueError, match="no metric 'variance'; this run recorded heldout_loss, kl_from_real, mean, std, tail_mass"):
        history.metric("variance")


@pytest.mark.parametrize("settings, message", [
    (dict(generations=0), "generations must be a whole number from 1 to 10,000"),
    (dict(generations=2.5), "generations must be a whole number"),
    (dict(seeds=True), "seeds must be a whole number from 1 to 100,000"),
    (dict(seeds=0), "seeds must be a whole number from 1 to 100,000"),
    (dict(samples_per_generation=1), "samples_per_generation must be a whole number of at least 2 .a gaussian model"),
    (dict(seed=-1), "seed must be a whole number of at least 0"),
    (dict(heldout_rows=0), "heldout_rows must be a whole number of at least 1"),
])
def test_bad_loop_arguments_raise_clear_errors(settings, message):
    arguments = dict(generations=3, samples_per_generation=10, seeds=2, seed=0) | settings
    with pytest.raises(ValueError, match=message):
        simulate(GaussianModel(), GaussianSource(), Replace(), **arguments)


def test_accepts_numpy_integers():
    history = simulate(GaussianModel(), GaussianSource(), AccumulateSubsample(np.int64(20)),
                       generations=np.int64(3), samples_per_generation=np.int32(10), seeds=np.int16(2))
    assert history.metric("std").shape == (3, 2)


def test_observer_sees_every_generation_in_order():
    seen = []
    simulate(GaussianModel(), GaussianSource(), Replace(), generations=4, samples_per_generation=6, seeds=2,
             observe=lambda generation, params, output: seen.append(
                 (generation, params.std.shape, None if output is None else output.shape)))
    assert seen == [(1, (2,), (2, 6)), (2, (2,), (2, 6)), (3, (2,), (2, 6)), (4, (2,), None)]
