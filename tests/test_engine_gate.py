"""The validation gate: exact properties of the gated loop, the closed forms for a known-spread Gaussian, and the
statistical behaviour (harmful deployments, stalling) over many seeds."""

import numpy as np
import pandas as pd
import pytest

from collapse import GaussianModel, GaussianSource, make_regime, simulate, theory
from collapse.gate import harmful_deployments, outcomes, select_per_seed, simulate_gated
from collapse.models.gaussian import GaussianParams
from collapse.models.gaussian_mean import KnownSpreadGaussianModel
from collapse.models.kde import KernelDensityModel
from collapse.models.linear import FixedDesign, LinearRegressionModel

Z = 5  # standard errors allowed
REGIMES = [("replace", {}), ("fresh-mix", {"real_share": 0.3}), ("accumulate", {}),
           ("accumulate-subsample", {"cap": 20})]


def gaussian_run(regime="replace", validation_rows=10, generations=30, seeds=200, seed=0, gate="validation",
                 model=None, **regime_options):
    return simulate_gated(model or GaussianModel(), GaussianSource(), make_regime(regime, **regime_options),
                          generations=generations, samples_per_generation=10, validation_rows=validation_rows,
                          seeds=seeds, seed=seed, gate=gate)


def regression_run(regime="replace", validation_rows=20, generations=30, seeds=200, seed=0, gate="validation",
                   **regime_options):
    world = FixedDesign.random(seeds, 15, 5, seed=seed)
    return simulate_gated(LinearRegressionModel(world), world, make_regime(regime, **regime_options),
                          generations=generations, samples_per_generation=15, validation_rows=validation_rows,
                          seeds=seeds, seed=seed, gate=gate)


RUNS = {"gaussian": gaussian_run, "regression": regression_run}


def proportion_within(hits: np.ndarray, expected: float) -> bool:
    share = hits.mean()
    standard_error = np.sqrt(share * (1 - share) / hits.size)
    return abs(share - expected) <= Z * standard_error


# --- exact properties -----------------------------------------------------------------------------------------
def test_select_per_seed_picks_fields_of_dataclasses_and_rows_of_arrays():
    take = np.array([True, False, True])
    first = GaussianParams(np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]))
    second = GaussianParams(np.zeros(3), -np.ones(3))
    chosen = select_per_seed(take, first, second)
    assert np.array_equal(chosen.mean, [1.0, 0.0, 3.0]) and np.array_equal(chosen.std, [4.0, -1.0, 6.0])
    weights = select_per_seed(take, np.ones((3, 2)), np.zeros((3, 2)))
    assert np.array_equal(weights, [[1, 1], [0, 0], [1, 1]])


@pytest.mark.parametrize("model", RUNS)
@pytest.mark.parametrize("regime, options", REGIMES)
def test_deployed_validation_loss_never_increases(model, regime, options):
    history = RUNS[model](regime, validation_rows=5, **options)
    loss = history.metric("validation_loss")
    assert (np.diff(loss, axis=0) <= 0).all()
    assert (np.diff(loss, axis=0) < 0).any()  # and the gate does deploy some candidates


@pytest.mark.parametrize("model", RUNS)
@pytest.mark.parametrize("regime, options", REGIMES)
def test_oracle_gate_never_lets_the_true_error_increase(model, regime, options):
    error = RUNS[model](regime, gate="oracle", **options).metric("true_error")
    assert (np.diff(error, axis=0) <= 0).all()


@pytest.mark.parametrize("model", RUNS)
def test_the_deployed_model_is_the_candidate_where_deployed_and_the_last_one_elsewhere(model):
    history = RUNS[model]("fresh-mix", real_share=0.5)
    deployed = history.metric("deployed") == 1
    assert deployed[0].all()
    for name in ("true_error", "validation_loss"):
        kept, candidate = history.metric(name), history.metric("candidate_" + name)
        assert np.array_equal(kept[deployed], candidate[deployed])
        assert np.array_equal(kept[1:][~deployed[1:]], kept[:-1][~deployed[1:]])
    # a deployment is exactly a candidate whose validation loss beat the deployed model's
    beat = history.metric("candidate_validation_loss")[1:] < history.metric("validation_loss")[:-1]
    assert np.array_equal(beat, deployed[1:])


def test_harmful_deployments_are_deployments_that_raise_the_true_error():
    history = gaussian_run(validation_rows=3)
    harmful = harmful_deployments(history)
    error, deployed = history.metric("true_error"), history.metric("deployed")
    assert np.array_equal(harmful, (deployed[1:] == 1) & (error[1:] > error[:-1]))
    assert harmful.any()


def test_same_seed_same_numbers_another_seed_different():
    first, again, other = (gaussian_run(seed=s).to_frame() for s in (4, 4, 5))
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["value"], other["value"])


@pytest.mark.parametrize("settings, message", [
    (dict(validation_rows=0), "validation_rows must be a whole number from 1 to 100,000"),
    (dict(validation_rows=2.5), "validation_rows must be a whole number"),
    (dict(gate="best"), "gate must be one of 'validation', 'oracle'; got 'best'"),
    (dict(generations=0), "generations must be a whole number from 1 to 10,000"),
    (dict(seeds=100_000, validation_rows=1_000), "seeds x validation_rows is 100,000,000"),
])
def test_bad_settings_raise_clear_errors(settings, message):
    with pytest.raises(ValueError, match=message):
        gaussian_run(**settings)


def test_a_model_without_a_true_error_is_refused():
    with pytest.raises(ValueError, match=r"the gate needs a model whose true error is known \(model.true_error.*"
                                         "a kernel density model has none"):
        simulate_gated(KernelDensityModel(), GaussianSource(), make_regime("replace"), generations=2,
                       samples_per_generation=10, validation_rows=5)


def test_outcomes_refuse_a_late_window_longer_than_the_run():
    with pytest.raises(ValueError, match="late_generations must be a whole number from 1 to 29"):
        outcomes(gaussian_run(), late_generations=30)


# --- the regression validation set -----------------------------------------------------------------------------
def test_regression_validation_loss_is_noise_plus_the_true_error_on_average():
    seeds = 20_000
    world = FixedDesign.random(seeds, 12, 4, noise=0.5, seed=1)
    model = LinearRegressionModel(world)
    weights = np.broadcast_to(world.true_weights + 0.3, (seeds, 4))
    loss = model.validation_loss(weights, world.validation(seeds, 10, np.random.default_rng(2)))
    expected = 0.5**2 + model.error(weights)[0]
    assert abs(loss.mean() - expected) <= Z * loss.std(ddof=1) / np.sqrt(seeds)


def test_known_spread_model_fits_the_mean_and_keeps_the_real_spread():
    rows = np.random.default_rng(0).normal(3.0, 2.0, size=(4, 50))
    params = KnownSpreadGaussianModel(real_std=1.5).fit([GaussianModel().summarise(rows)])
    assert np.allclose(params.mean, rows.mean(axis=1)) and np.all(params.std == 1.5)


# --- closed forms ------------------------------------------------------------------------------------------------
def test_reference_values_of_the_closed_forms():
    assert theory.gate_deploy_probability(10, 10) == pytest.approx(np.arccos(1 / 3) / np.pi)
    assert theory.gate_deploy_probability(10, 10) == pytest.approx(0.3918, abs=1e-4)
    assert theory.gate_harmful_deploy_probability(10, 10) == pytest.approx(0.1358, abs=1e-4)
    # the harm vanishes as the validation set grows, but only like the square root of n / v
    harm = [theory.gate_harmful_deploy_probability(10, rows) for rows in (10, 100, 1_000, 10**8)]
    assert harm == sorted(harm, reverse=True) and harm[-1] < 1e-3
    assert theory.gate_deploy_probability(10, 100_000) == pytest.approx(np.arctan(2) / np.pi, abs=1e-4)
    assert theory.gaussian_fit_kl(10) == pytest.approx(0.1754, abs=1e-4)


@pytest.mark.parametrize("validation_rows", [2, 10, 100])
def test_generation_two_deploys_and_harms_as_the_closed_forms_say(validation_rows):
    seeds = 40_000
    history = gaussian_run(validation_rows=validation_rows, generations=2, seeds=seeds, seed=11,
                           model=KnownSpreadGaussianModel())
    deployed = history.metric("deployed")[1] == 1
    assert proportion_within(deployed, theory.gate_deploy_probability(10, validation_rows))
    harmful = harmful_deployments(history)[0]
    assert proportion_within(harmful, theory.gate_harmful_deploy_probability(10, validation_rows))


def test_first_fit_divergence_matches_its_closed_form():
    error = gaussian_run(generations=1, seeds=50_000, seed=3).metric("true_error")[0]
    assert abs(error.mean() - theory.gaussian_fit_kl(10)) <= Z * error.std(ddof=1) / np.sqrt(error.size)


# --- statistical behaviour over many generations ------------------------------------------------------------------
@pytest.fixture(scope="module")
def by_validation_size():
    return {rows: gaussian_run(validation_rows=rows, generations=40, seeds=2_000, seed=5) for rows in (5, 200)}


def test_small_validation_sets_let_more_harmful_models_through(by_validation_size):
    small, large = (harmful_deployments(by_validation_size[rows]).any(axis=0) for rows in (5, 200))
    gap = small.mean() - large.mean()
    assert gap > Z * np.sqrt((small.var() + large.var()) / small.size)
    assert large.mean() > 0.05  # even 200 validation rows (20 times a generation's data) let some through


def test_deployments_stall(by_validation_size):
    deployed = by_validation_size[200].metric("deployed")[1:] == 1
    first, late = deployed[0], deployed[-10:].mean(axis=0)
    assert first.mean() - late.mean() > Z * np.sqrt((first.var() + late.var()) / first.size)


def test_a_large_validation_set_ends_better_than_generation_one_and_a_tiny_one_mostly_does_not(by_validation_size):
    large = by_validation_size[200].metric("true_error")
    improvement = large[0] - large[-1]
    assert improvement.mean() > Z * improvement.std(ddof=1) / np.sqrt(improvement.size)
    small = by_validation_size[5].metric("true_error")
    better = small[-1] < small[0]
    assert better.mean() + Z * np.sqrt(better.var() / better.size) < 0.5


def test_the_gate_stops_the_runaway_of_ungated_replace():
    gated = gaussian_run(validation_rows=10, generations=40, seeds=1_000, seed=6).metric("true_error")[-1]
    ungated = simulate(GaussianModel(), GaussianSource(), make_regime("replace"), generations=40,
                       samples_per_generation=10, seeds=1_000, seed=6).metric("kl_from_real")[-1]
    # medians: the ungated divergence is heavy-tailed; compare typical runs, with a margin of a factor of 10
    assert np.median(ungated) > 10 * np.median(gated)
