"""Linear regression with a fixed design against the closed forms of Gerstgrasser et al. (2024)."""

import numpy as np
import pytest

from collapse import Accumulate, AccumulateSubsample, Replace, simulate, theory
from collapse.models.linear import FixedDesign, LinearRegressionModel

SEEDS = 4_000
Z = 5  # standard errors allowed


def errors(regime, generations=20, dimension=10, rows=30, seeds=SEEDS, seed=3):
    world = FixedDesign.random(seeds, rows, dimension, seed=seed)
    history = simulate(LinearRegressionModel(world), world, regime, generations=generations,
                       samples_per_generation=rows, seeds=seeds, seed=seed, heldout_rows=1)
    return history.metric("error")  # (generations, seeds)


def within(values, expected):
    standard_error = values.std(ddof=1) / np.sqrt(values.size)
    return abs(values.mean() - expected) <= Z * standard_error


def test_reference_values_in_science_md():
    assert theory.regression_first_error(10, 30) == pytest.approx(0.526, abs=5e-4)
    assert theory.regression_error_replace(20, 10, 30) == pytest.approx(10.53, abs=5e-3)
    assert theory.regression_error_accumulate(20, 10, 30) == pytest.approx(0.840, abs=5e-4)
    assert np.pi**2 / 6 * theory.regression_first_error(10, 30) == pytest.approx(0.866, abs=5e-4)


def test_replace_error_grows_linearly():
    error = errors(Replace())
    for t in (1, 5, 20):
        assert within(error[t - 1], theory.regression_error_replace(t, 10, 30)), t


def test_accumulate_error_stays_below_pi_squared_over_six_times_the_first():
    error = errors(Accumulate())
    for t in (1, 2, 5, 20):
        assert within(error[t - 1], theory.regression_error_accumulate(t, 10, 30)), t
    bound = np.pi**2 / 6 * theory.regression_first_error(10, 30)
    assert error[-1].mean() < bound + Z * error[-1].std(ddof=1) / np.sqrt(SEEDS)


@pytest.mark.parametrize("dimension, rows", [(1, 10), (3, 12), (20, 60)])
def test_closed_forms_hold_across_shapes(dimension, rows):
    replace, accumulate = errors(Replace(), 8, dimension, rows), errors(Accumulate(), 8, dimension, rows)
    assert within(replace[-1], theory.regression_error_replace(8, dimension, rows))
    assert within(accumulate[-1], theory.regression_error_accumulate(8, dimension, rows))


def test_capped_error_lies_between_accumulate_and_replace():
    # a budget of one generation's rows drawn from the growing pool (Kazdan et al.'s accumulate-subsample)
    capped, accumulate, replace = errors(AccumulateSubsample(30), 30), errors(Accumulate(), 30), errors(Replace(), 30)
    for t in (5, 15, 30):
        gap_low = capped[t - 1].mean() - accumulate[t - 1].mean()
        gap_high = replace[t - 1].mean() - capped[t - 1].mean()
        noise = np.hypot(capped[t - 1].std(), accumulate[t - 1].std()) / np.sqrt(SEEDS)
        assert gap_low > Z * noise and gap_high > Z * np.hypot(capped[t - 1].std(), replace[t - 1].std()) / np.sqrt(SEEDS)


def test_summaries_add_up_to_the_fit_on_all_rows():
    world = FixedDesign.random(3, 20, 4, seed=0)
    model = LinearRegressionModel(world)
    rng = np.random.default_rng(0)
    a, b = world.draw(3, 20, rng), world.draw(3, 20, rng)
    pooled = model.fit([model.combine([model.summarise(a), model.summarise(b)])])
    both = np.concatenate([a, b], axis=1)
    direct = np.stack([np.linalg.lstsq(rows[:, :-1], rows[:, -1], rcond=None)[0] for rows in both])
    assert np.allclose(pooled, direct)


@pytest.mark.parametrize("settings, message", [
    (dict(seeds=2, rows=11, dimension=10), "rows must be a whole number of at least 12"),
    (dict(seeds=2, rows=30, dimension=0), "dimension must be a whole number from 1"),
    (dict(seeds=2, rows=30, dimension=3, noise=0), "noise must be a finite number above 0"),
])
def test_bad_design_settings_raise_clear_errors(settings, message):
    with pytest.raises(ValueError, match=message):
        FixedDesign.random(**settings)


def test_asking_for_more_rows_than_the_design_has_is_a_clear_error():
    world = FixedDesign.random(2, 20, 3)
    with pytest.raises(ValueError, match="this design has 2 seeds of 20 rows"):
        simulate(LinearRegressionModel(world), world, Replace(), generations=2, samples_per_generation=25, seeds=2)
