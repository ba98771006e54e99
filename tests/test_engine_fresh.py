"""Fresh data and filtering: the closed forms over many seeds, the fixed-real-mix regime's exact rows, the filters,
and the chapter's experiment module (collapse/fresh.py): its settings, its tables and its static grids."""

import math

import numpy as np
import pytest

from collapse import FixedRealMix, FreshMix, GaussianModel, GaussianSource, make_regime, simulate, theory
from collapse import fresh
from collapse.filtering import FilteredModel, LikelihoodFilter, VerifierFilter, make_filter
from collapse.fresh import FreshSettings
from collapse.models.gaussian import GaussianParams
from tests.tagging import TaggingModel, TaggingSource, tag_counts
from tests.test_engine_regimes import SAMPLES, SEEDS

N = 10  # rows per generation in the Gaussian checks


def gaussian_run(regime, generations, seeds, seed=0, sample_filter=None):
    model = GaussianModel() if sample_filter is None else FilteredModel(GaussianModel(), sample_filter)
    return simulate(model, GaussianSource(), regime, generations=generations, samples_per_generation=N, seeds=seeds,
                    seed=seed, heldout_rows=1)


def assert_mean_matches(values, expected, label):
    """The mean over seeds of `values` is within 5 standard errors (from the sample) of `expected`."""
    error = values.std(ddof=1) / np.sqrt(values.size)
    assert abs(values.mean() - expected) < 5 * error, f"{label}: {values.mean():.5f} vs {expected:.5f} ± {error:.5f}"


# --- fresh-mix: new real rows every generation ------------------------------------------------------------------
@pytest.mark.parametrize("share", [0.1, 0.5])
def test_fresh_mix_moments_match_the_closed_form(share):
    generations, seeds = 30, 20_000
    history = gaussian_run(make_regime("fresh-mix", real_share=share), generations, seeds, seed=11)
    closed = theory.fresh_mix_moments(generations, N, share)
    for t in (1, 5, 30):
        assert_mean_matches(history.metric("std")[t - 1] ** 2, closed["variance"][t - 1], f"E[s^2] at t = {t}")
        assert_mean_matches(history.metric("mean")[t - 1] ** 2, closed["mean_drift"][t - 1], f"E[mu^2] at t = {t}")


@pytest.mark.parametrize("share", [0.05, 0.25])  # 0.5 and 2.5 rows of 10: rounding gave 0 and 2
def test_fresh_mix_feeds_share_times_n_fresh_rows_on_average(share):
    generations, seeds = 4_001, 3
    model = TaggingModel(seeds)
    simulate(model, TaggingSource(), FreshMix(share), generations=generations, samples_per_generation=N, seeds=seeds,
             seed=8, heldout_rows=1)
    # real rows carry negative tags; generation 1 trains on the first real sample, so the draws start at generation 2
    fresh = np.array([(rows[..., 0] < 0).sum(axis=1) for rows in model.training_sets[1:]])  # (draws, seeds)
    assert (fresh == fresh[:, :1]).all()  # one draw per generation, shared by every seed
    fewer = math.floor(share * N)
    assert set(np.unique(fresh).tolist()) == {fewer, fewer + 1}
    # each draw is fewer + Bernoulli(fraction): its standard error follows from the number of draws
    fraction = share * N - fewer
    draws = fresh[:, 0]
    error = np.sqrt(fraction * (1 - fraction) / draws.size)
    assert abs(draws.mean() - share * N) < 5 * error, f"{draws.mean():.4f} vs {share * N} ± {error:.4f}"


@pytest.mark.parametrize("share", [0.05, 0.25])
def test_fresh_mix_moments_match_the_closed_form_when_n_cannot_express_the_share(share):
    # The seeds of one run share its draws of the fresh-row count, so runs, not seeds, are the independent samples:
    # each run's mean over its seeds is one draw, and the tolerance comes from the spread of those across runs.
    generations, runs, seeds_per_run = 30, 400, 50
    variance, drift = np.empty((runs, generations)), np.empty((runs, generations))
    for run in range(runs):
        history = gaussian_run(FreshMix(share), generations, seeds_per_run, seed=run)
        variance[run] = (history.metric("std") ** 2).mean(axis=1)
        drift[run] = (history.metric("mean") ** 2).mean(axis=1)
    closed = theory.fresh_mix_moments(generations, N, share)
    for t in (2, 5, 30):
        assert_mean_matches(variance[:, t - 1], closed["variance"][t - 1], f"E[s^2] at t = {t}")
        assert_mean_matches(drift[:, t - 1], closed["mean_drift"][t - 1], f"E[mu^2] at t = {t}")


@pytest.mark.parametrize("share", [0.0, 0.2, 3 * 0.1, 0.7, 1.0])  # 3 * 0.1 * 10 is 3.0000000000000004
def test_a_share_that_n_expresses_exactly_draws_no_random_number(share):
    rng = np.random.default_rng(0)
    before = rng.bit_generator.state
    assert FreshMix(share).fresh_rows(N, rng) == round(share * N)
    assert rng.bit_generator.state == before
    FreshMix(0.25).fresh_rows(N, rng)
    assert rng.bit_generator.state != before  # the check can tell a draw from none


def test_fresh_mix_settles_above_zero_for_any_share_and_collapses_without_one():
    # the closed form's level after many generations: positive for one real row in ten, zero for none
    settled = {share: theory.fresh_mix_moments(2_000, N, share)["variance"] for share in (0.0, 0.1, 0.5)}
    assert settled[0.0][-1] < 1e-50
    for share in (0.1, 0.5):
        assert settled[share][-1] == pytest.approx(settled[share][-2], rel=1e-12)  # a fixed point
    assert 0.5 < settled[0.1][-1] < settled[0.5][-1] < (N - 1) / N


def test_fresh_mix_keeps_the_regression_error_bounded_when_the_real_rows_span_the_features():
    from collapse.models.linear import FixedDesign, LinearRegressionModel

    world = FixedDesign.random(seeds=400, rows=32, dimension=10, seed=5)
    errors = {}
    for share in (0.0, 0.5):  # 16 fresh real rows of 32 cover all 10 directions
        history = simulate(LinearRegressionModel(world), world, make_regime("fresh-mix", real_share=share),
                           generations=60, samples_per_generation=32, seeds=400, seed=5, heldout_rows=1)
        errors[share] = history.metric("error").mean(axis=1)
    first = theory.regression_first_error(10, 32)
    assert errors[0.0][-1] > 30 * first  # replace: linear growth, about 60 x the first error
    assert errors[0.5][-1] < 3 * first and errors[0.5][-1] < 1.5 * errors[0.5][29]


# --- fixed-real-mix: Bertrand et al.'s fixed real set plus lambda x synthetic ------------------------------------
@pytest.mark.parametrize("synthetic_per_real", [0.5, 2.0, 10.0])
def test_fixed_real_mix_contracts_the_mean_gap_by_lambda_over_one_plus_lambda(synthetic_per_real):
    seeds = 20_000
    history = gaussian_run(make_regime("fixed-real-mix", synthetic_per_real=synthetic_per_real), 8, seeds, seed=3)
    real_mean = history.metric("mean")[0]  # generation 1 fits the real set exactly: mu_1 = m_R
    q = theory.fixed_real_contraction(N, round(synthetic_per_real * N))
    # E[gap_{t+1} | gap_t] = q gap_t: the least-squares slope through the origin, with its standard error
    gap_now = history.metric("mean")[5] - real_mean
    gap_next = history.metric("mean")[6] - real_mean
    slope = (gap_now * gap_next).sum() / (gap_now**2).sum()
    residual = gap_next - q * gap_now
    error = np.sqrt((gap_now**2 * residual**2).sum()) / (gap_now**2).sum()
    assert abs(slope - q) < 5 * error, (slope, q, error)


@pytest.mark.parametrize("synthetic_per_real", [1.0, 5.0])
def test_fixed_real_mix_moments_match_the_closed_form(synthetic_per_real):
    generations, seeds = 20, 20_000
    history = gaussian_run(make_regime("fixed-real-mix", synthetic_per_real=synthetic_per_real), generations, seeds,
                           seed=4)
    real_mean, real_variance = history.metric("mean")[0], history.metric("std")[0] ** 2
    closed = theory.fixed_real_moments(generations, N, round(synthetic_per_real * N))
    for t in (2, 5, 20):
        assert_mean_matches(history.metric("std")[t - 1] ** 2 / real_variance, closed["variance"][t - 1],
                            f"E[s^2 / S_R^2] at t = {t}")
        assert_mean_matches((history.metric("mean")[t - 1] - real_mean) ** 2 / real_variance,
                            closed["mean_drift"][t - 1], f"E[(mu - m_R)^2 / S_R^2] at t = {t}")


@pytest.mark.parametrize("synthetic_per_real", [0.1, 1.0, 10.0, 100.0])
def test_fixed_real_mix_is_stable_for_any_lambda(synthetic_per_real):
    variance = theory.fixed_real_moments(20_000, N, round(synthetic_per_real * N))["variance"]
    assert variance[-1] == pytest.approx(variance[-2], rel=1e-9)  # settled
    assert 0.9 < variance[-1] <= 1.0  # near the real set's own spread, never collapsing


def test_fixed_real_mix_trains_on_the_first_real_sample_plus_lambda_n_rows_of_the_last_generation():
    source = TaggingSource()
    model = TaggingModel(SEEDS)
    simulate(model, source, FixedRealMix(1.5), generations=5, samples_per_generation=SAMPLES, seeds=SEEDS)
    assert source.draws == 1  # the real set is drawn once and never refreshed
    for generation, rows in enumerate(model.training_sets, start=1):
        for seed_rows in rows:
            expected = {-1: SAMPLES} | ({generation - 1: round(1.5 * SAMPLES)} if generation > 1 else {})
            assert tag_counts(seed_rows) == expected
            assert sorted(seed_rows[seed_rows[:, 0] == -1][:, 1]) == list(range(SAMPLES))


# --- filters ----------------------------------------------------------------------------------------------------
def test_filter_keeps_exactly_the_rows_asked_for_and_only_rows_that_pass():
    params = GaussianParams(np.array([0.0, 3.0, -1.0]), np.array([1.0, 0.5, 2.0]))
    likelihood = LikelihoodFilter(0.5)
    kept = FilteredModel(GaussianModel(), likelihood).sample(params, 37, np.random.default_rng(0))
    assert kept.shape == (3, 37)
    assert (np.abs(kept - params.mean[:, None]) <= 0.5 * params.std[:, None]).all()
    assert len(np.unique(kept)) == kept.size  # distinct draws, not copies of a few accepted ones


def test_likelihood_filter_speeds_collapse_exactly_as_the_truncated_normal_predicts():
    generations, seeds, threshold = 5, 40_000, 1.0
    history = gaussian_run(make_regime("replace"), generations, seeds, seed=2,
                           sample_filter=LikelihoodFilter(threshold))
    expected = theory.expected_variance_likelihood_filter(np.arange(1, generations + 1), N, threshold)
    for t in range(1, generations + 1):
        assert_mean_matches(history.metric("std")[t - 1] ** 2, expected[t - 1], f"E[s^2] at t = {t}")
    assert expected[-1] < 0.05 * theory.expected_variance_replace(generations, N)


def test_truncated_variance_factor_matches_a_direct_integral():
    from scipy.integrate import quad

    direct = quad(lambda x: x**2 * np.exp(-x**2 / 2), -1.5, 1.5)[0] / quad(lambda x: np.exp(-x**2 / 2), -1.5, 1.5)[0]
    assert theory.truncated_variance_factor(1.5) == pytest.approx(direct, rel=1e-6)
    assert theory.likelihood_filter_keep_share(1.96) == pytest.approx(0.95, abs=1e-4)


def test_verifier_with_a_wide_enough_envelope_keeps_rows_distributed_as_its_belief():
    # a model wider than the belief: q / p is at most (s / w) exp(gap^2 / (2 (s^2 - w^2))) = 2.03 < envelope 4,
    # so rejection sampling is exact and the kept rows are N(b, w^2) whatever the model was
    seeds, rows, belief_mean, belief_std = 4_000, 50, 0.7, 1.0
    params = GaussianParams(np.full(seeds, 0.4), np.full(seeds, 2.0))
    verifier = VerifierFilter(belief_mean, belief_std, envelope=4.0)
    kept = FilteredModel(GaussianModel(), verifier).sample(params, rows, np.random.default_rng(5))
    assert_mean_matches(kept.mean(axis=1), belief_mean, "mean of kept rows")
    assert_mean_matches(kept.var(axis=1, ddof=1), belief_std**2, "variance of kept rows")


def test_a_perfect_verifier_holds_the_model_near_the_truth_where_no_filter_collapses():
    generations, seeds = 100, 1_000
    verified = gaussian_run(make_regime("replace"), generations, seeds, seed=6, sample_filter=VerifierFilter(0.0, 1.0))
    unfiltered = gaussian_run(make_regime("replace"), generations, seeds, seed=6)
    assert np.median(unfiltered.metric("std")[-1]) < 0.01
    assert np.median(verified.metric("std")[-1]) > 0.7
    assert_mean_matches(verified.metric("mean")[50:].mean(axis=0), 0.0, "long-run mean")


@pytest.mark.parametrize("belief_mean", [0.5, -1.0])
def test_the_model_inherits_a_biased_verifiers_belief(belief_mean):
    # The filtered chain is symmetric about the belief's mean, so that is where the model's mean settles: the
    # time-averaged mean of each run (generations 51-150) averages to it across runs.
    history = gaussian_run(make_regime("replace"), 150, 1_000, seed=7, sample_filter=VerifierFilter(belief_mean, 1.0))
    assert_mean_matches(history.metric("mean")[50:].mean(axis=0), belief_mean, "long-run mean")


@pytest.mark.parametrize("make_filter_run", [
    lambda: gaussian_run(make_regime("replace"), 6, 50, seed=9, sample_filter=VerifierFilter(0.3, 1.0)),
    lambda: gaussian_run(make_regime("fixed-real-mix", synthetic_per_real=3.0), 6, 50, seed=9),
])
def test_runs_are_reproducible(make_filter_run):
    first, second = make_filter_run(), make_filter_run()
    for name in ("mean", "std"):
        np.testing.assert_array_equal(first.metric(name), second.metric(name))


@pytest.mark.parametrize("bad, message", [
    (lambda: LikelihoodFilter(0), "threshold must be a finite number above 0"),
    (lambda: VerifierFilter(belief_std=-1.0), "belief_std must be a finite number above 0"),
    (lambda: VerifierFilter(envelope=0.5), "envelope must be from 1 to 100"),
    (lambda: VerifierFilter(belief_mean=float("nan")), "belief_mean must be a finite number"),
    (lambda: make_filter("best"), "filter must be one of 'none', 'likelihood', 'verifier'"),
    (lambda: FixedRealMix(0), "synthetic_per_real must be a number above 0 and at most 100"),
    (lambda: FixedRealMix(500.0), "synthetic_per_real must be a number above 0 and at most 100"),
    (lambda: make_regime("fixed-real-mix"), "needs synthetic_per_real"),
    (lambda: gaussian_run(FixedRealMix(0.01), 3, 2), "must come to at least one synthetic row"),
    (lambda: gaussian_run(make_regime("replace"), 3, 2, sample_filter=VerifierFilter(60.0, 0.1, envelope=1.0)),
     "filter kept fewer than 10"),
])
def test_bad_input_raises_a_clear_error(bad, message):
    with pytest.raises(ValueError, match=message):
        bad()


# --- the chapter's experiment module: settings, tables, static grids ----------------------------------------------
@pytest.mark.parametrize("values, message", [
    (dict(filter_name="best"), "filter_name must be one of 'none', 'likelihood', 'verifier'"),
    (dict(threshold=0.3), "threshold must be one of 0.5, 0.75"),
    (dict(bias=0.1), "bias must be one of -2, -1.75"),
    (dict(real_share=1.5), "real_share must be a number from 0 to 1"),
    (dict(generations=4), "generations must be a whole number from 5 to 200"),
    (dict(seeds=30), "seeds must be one of 20, 50"),
    (dict(seed=-1), "seed must be a whole number of at least 0"),
    # 0.5 standard deviations keep 38% of the candidates: 2.6 drawn per kept row, 2.6 million in all
    (dict(filter_name="likelihood", threshold=0.5, seeds=500, generations=200), "the panel allows 1,500,000"),
])
def test_settings_refuse_what_the_panel_does_not_offer(values, message):
    with pytest.raises(ValueError, match=message):
        FreshSettings(**values)


def test_the_budget_counts_the_candidates_each_filter_draws():
    # the same seeds and generations: within the budget without a filter, beyond it for the verifier (4 per row)
    FreshSettings(filter_name="none", seeds=500, generations=200)
    with pytest.raises(ValueError, match="about 4,000,000 candidate samples"):
        FreshSettings(filter_name="verifier", seeds=500, generations=200)


def test_the_live_run_is_the_experiment_with_the_panels_settings():
    settings = FreshSettings(filter_name="verifier", bias=-0.5, real_share=0.2, generations=6, seeds=20, seed=3)
    live = fresh.run(settings)
    direct = fresh.filtered_run("verifier", bias=-0.5, real_share=0.2, generations=6, seeds=20, seed=3)
    np.testing.assert_array_equal(live.metric("mean"), direct.metric("mean"))


def test_fans_follow_mean_and_spread_with_the_spread_floored_for_a_log_scale():
    history = fresh.filtered_run("likelihood", threshold=1.0, generations=40, seeds=50, seed=1)
    assert history.metric("std")[-1].max() < fresh.SPREAD_FLOOR  # so the floor below has something to lift
    fans = fresh.mean_and_spread_fans(history)
    assert list(fans.columns) == ["generation", "measure", "low", "median", "high"]
    assert len(fans) == 2 * 40 and set(fans.measure) == set(fresh.MEASURES)
    spread, mean = fans[fans.measure == "std"], fans[fans.measure == "mean"]
    assert (spread[["low", "median", "high"]] >= fresh.SPREAD_FLOOR).all().all()
    assert (spread.iloc[-1][["low", "median", "high"]] == fresh.SPREAD_FLOOR).all()
    np.testing.assert_array_equal(mean["median"], np.median(history.metric("mean"), axis=1))  # means: not floored
    assert (mean["low"] < 0).any()


def test_closed_form_spread_is_given_only_where_one_is_known():
    assert len(fresh.spread_theory("none", 1.0, 0.3, 12)) == 12
    likelihood = fresh.spread_theory("likelihood", 1.0, 0.0, 40)
    assert 0 < len(likelihood) < 40 and likelihood.value.min() >= fresh.SPREAD_FLOOR  # it stops at the floor
    assert fresh.spread_theory("likelihood", 1.0, 0.2, 12).empty
    assert fresh.spread_theory("verifier", 1.0, 0.0, 12).empty
    with pytest.raises(ValueError, match="filter_name must be one of"):
        fresh.spread_theory("best", 1.0, 0.0, 5)


def test_live_tables_state_the_verifiers_belief_and_the_final_spread():
    settings = FreshSettings(filter_name="verifier", bias=0.75, generations=8, seeds=20)
    tables = fresh.live_tables(settings)
    assert tables.belief["belief"].tolist() == [0.75]
    assert tables.theory.empty
    assert tables.final_median_spread == np.median(fresh.run(settings).metric("std")[-1])
    assert fresh.live_tables(settings.replace(filter_name="none")).belief.empty


def test_static_grids_hold_every_setting_their_controls_offer():
    filters = fresh.filter_grid(fresh.FilterGrid(biases=(0.0, 0.5), generations=3, seeds=10))
    per_setting = filters.fans.groupby(["filter", "bias"]).size()
    assert per_setting.to_dict() == {("likelihood", 0.0): 6, ("none", 0.0): 6, ("verifier", 0.0): 6,
                                     ("verifier", 0.5): 6}  # 3 generations x (mean, spread)
    assert filters.belief["belief"].tolist() == [0.0, 0.5]
    shares = fresh.share_grid(fresh.ShareGrid(share_percents=(0, 20), generations=4, gaussian_seeds=10,
                                              regression_seeds=10))
    assert shares.groupby(["model", "share", "series"]).size().to_dict() == {
        (model, share, series): 4 for model, series in [("gaussian", "simulated"), ("gaussian", "closed form"),
                                                        ("regression", "simulated")] for share in (0, 20)}
    lambdas = fresh.lambda_grid(fresh.LambdaGrid(lambdas=(1, 3), generations=4, seeds=10))
    assert lambdas.groupby(["lam", "measure", "series"]).size().to_dict() == {
        (lam, measure, series): 4 for lam in (1, 3) for measure in ("mean_drift", "variance")
        for series in ("closed form", "simulated")}


def test_the_lambda_charts_reference_is_replace_relative_to_generation_one():
    reference = fresh.replace_variance(5)
    assert reference["generation"].tolist() == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(reference["value"], ((N - 1) / N) ** np.arange(5))
