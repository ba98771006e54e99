"""The Gaussian refit loop against the closed forms in SCIENCE.md.

Each check averages over many seeds and allows 5 standard errors of that average. Where the closed form gives the
spread of the statistic (ln s^2 is a random walk whose steps have variance trigamma((n-1)/2)), the standard error comes
from it; otherwise it is the sample standard deviation over the seeds divided by sqrt(seeds).
"""

import numpy as np
import pytest

from collapse import Accumulate, GaussianModel, GaussianSource, Replace, simulate
from collapse import theory

N = 10
SEEDS = 20_000
Z = 5  # standard errors allowed


def run(regime, estimator="mle", generations=30, n=N, seeds=SEEDS, seed=7):
    return simulate(GaussianModel(estimator=estimator), GaussianSource(), regime, generations=generations,
                    samples_per_generation=n, seeds=seeds, seed=seed)


def close_to(values, expected, standard_error=None):
    """Is the mean of `values` within Z standard errors of `expected`? Returns (ok, mean, tolerance) for messages."""
    if standard_error is None:
        standard_error = values.std(ddof=1) / np.sqrt(values.size)
    tolerance = Z * standard_error
    return abs(values.mean() - expected) <= tolerance, values.mean(), tolerance


def test_reference_values_in_science_md():
    assert theory.log_variance_step(10) == pytest.approx(-0.2206, abs=5e-5)
    assert theory.log_variance_step(10, "unbiased") == pytest.approx(-0.115, abs=5e-4)
    assert theory.variance_limit_accumulate(10) == pytest.approx(0.843, abs=5e-4)
    # the closed-form E[ln s^2] at t = 10 and 30 puts the median of s^2 near 0.11 and 1.4e-3
    assert np.exp(theory.expected_log_variance_replace(10, 10)) == pytest.approx(0.11, rel=0.02)
    assert np.exp(theory.expected_log_variance_replace(30, 10)) == pytest.approx(1.4e-3, rel=0.05)
    assert theory.expected_variance_accumulate(np.array([1, 2]), 10) == pytest.approx([0.9, 0.9 * (1 - 1 / 40)])


@pytest.mark.parametrize("estimator", ["mle", "unbiased"])
def test_log_variance_drifts_down_linearly_under_replace(estimator):
    log_variance = 2 * np.log(run(Replace(), estimator).metric("std"))  # (generations, seeds)
    step_variance = theory.log_variance_step_variance(N)
    for t in (1, 5, 10, 30):
        expected = theory.expected_log_variance_replace(t, N, estimator)
        ok, mean, tolerance = close_to(log_variance[t - 1], expected, np.sqrt(t * step_variance / SEEDS))
        assert ok, f"t={t}: mean ln s^2 {mean:.4f}, closed form {expected:.4f} +- {tolerance:.4f}"


@pytest.mark.parametrize("estimator", ["mle", "unbiased"])
def test_expected_variance_and_mean_drift_under_replace(estimator):
    history = run(Replace(), estimator, generations=8)
    variance, mean = history.metric("std") ** 2, history.metric("mean")
    for t in (1, 4, 8):
        ok, got, tolerance = close_to(variance[t - 1], theory.expected_variance_replace(t, N, estimator))
        assert ok, f"E[s^2] at t={t}: {got:.4f} +- {tolerance:.4f}"
        ok, got, tolerance = close_to(mean[t - 1] ** 2, theory.expected_mean_drift_replace(t, N, estimator))
        assert ok, f"E[mu^2] at t={t}: {got:.4f} +- {tolerance:.4f}"


def test_unbiased_estimator_does_not_stop_collapse():
    # E[s^2] stays 1, yet a third of the runs have lost 99% of their variance by generation 30.
    variance = run(Replace(), "unbiased").metric("std")[29] ** 2
    collapsed = (variance < 0.01).mean()
    # ln s_30^2 is a sum of 30 independent ln(chi2_9 / 9) steps: by the central limit theorem, P(s^2 < 0.01) is
    # about Phi((ln 0.01 - 30 step) / sqrt(30 step variance)) = 0.337; allow 5 binomial standard errors.
    from scipy.stats import norm
    expected = norm.cdf((np.log(0.01) - 30 * theory.log_variance_step(N, "unbiased"))
                        / np.sqrt(30 * theory.log_variance_step_variance(N)))
    assert expected == pytest.approx(0.33, abs=0.01)
    assert abs(collapsed - expected) <= Z * np.sqrt(expected * (1 - expected) / SEEDS)


def test_accumulate_keeps_the_variance_and_mean_bounded():
    history = run(Accumulate(), generations=30, seeds=10_000)
    variance, mean = history.metric("std") ** 2, history.metric("mean")
    for t in (1, 2, 10, 30):
        ok, got, tolerance = close_to(variance[t - 1], theory.expected_variance_accumulate(t, N))
        assert ok, f"E[s^2] at t={t}: {got:.4f} +- {tolerance:.4f}"
    drift = mean[-1] ** 2
    assert drift.mean() <= theory.mean_drift_bound_accumulate(N) + Z * drift.std(ddof=1) / np.sqrt(drift.size)


def test_tails_vanish_faster_than_the_spread():
    # The mass beyond 2 real standard deviations is 2 Phi(-2 / s) for a centred fit: its elasticity with respect to
    # s at s = 1 is 2 phi(2) / Phi(-2) = 4.7, so the tails lose their share of mass several times faster than the
    # spread loses width. Check "at least twice as fast" on the medians, once the spread has lost 20%.
    history = run(Replace(), generations=12, seeds=2_000)
    spread = np.median(history.metric("std"), axis=1)
    tails = np.median(history.metric("tail_mass"), axis=1)
    t = int(np.argmax(spread < 0.8))
    assert t > 0, "the median spread never fell below 0.8"
    assert 1 - tails[t] / tails[0] > 2 * (1 - spread[t] / spread[0])


def test_heldout_loss_matches_its_closed_form():
    # For real data N(0, 1), the expected negative log-likelihood under N(mu, s^2) is
    # ln(2 pi s^2) / 2 + (1 + mu^2) / (2 s^2).
    history = simulate(GaussianModel(), GaussianSource(), Replace(), generations=5, samples_per_generation=N,
                       seeds=50, heldout_rows=200_000)
    mean, std = history.metric("mean"), history.metric("std")
    expected = 0.5 * np.log(2 * np.pi * std**2) + (1 + mean**2) / (2 * std**2)
    # with 200,000 test points the test set's own mean and variance are within ~0.01 of (0, 1)
    assert np.allclose(history.metric("heldout_loss"), expected, rtol=0.02)


def test_summaries_merge_exactly_and_stay_exact_for_tiny_spreads():
    model = GaussianModel()
    rng = np.random.default_rng(3)
    rows = 5.0 + 1e-9 * rng.standard_normal((4, 30))  # a nearly collapsed model, far from zero
    blocks = [model.summarise(rows[:, :10]), model.summarise(rows[:, 10:25]), model.summarise(rows[:, 25:])]
    fitted = model.fit(blocks)
    assert np.allclose(fitted.mean, rows.mean(axis=1), rtol=1e-15, atol=0)
    assert np.allclose(fitted.std, rows.std(axis=1), rtol=1e-6)


def test_bad_gaussian_settings_raise_clear_errors():
    with pytest.raises(ValueError, match="estimator must be one of 'mle', 'unbiased'"):
        GaussianModel(estimator="biased")
    with pytest.raises(ValueError, match="std must be a finite number above 0"):
        GaussianSource(std=0)


def test_kl_from_real_is_the_excess_heldout_loss():
    # KL(real || fit) = cross-entropy of real data under the fit minus the real entropy, ln(2 pi e) / 2 nats.
    history = simulate(GaussianModel(), GaussianSource(), Replace(), generations=4, samples_per_generation=N,
                       seeds=20, heldout_rows=400_000)
    excess = history.metric("heldout_loss") - 0.5 * np.log(2 * np.pi * np.e)
    assert np.allclose(history.metric("kl_from_real"), excess, atol=0.01, rtol=0.02)
    assert (history.metric("kl_from_real") >= 0).all()
