"""Diversity metrics on inputs with exact answers, the categorical model against its closed forms, the rule that
says when a metric reacts, and the chapter's experiment (collapse.measuring): its runs, tables and settings.

Statistical checks average over many seeds and allow 5 standard errors of that average, computed from the sample.
"""

import numpy as np
import pytest

from collapse import History, make_regime, measuring, metrics, simulate, theory, vae
from collapse.measuring import NOISE_RULE, SIZE_RULE, MeasuringSettings, StandardRun, StaticGrid
from collapse.models.categorical import CategoricalModel, CategoricalSource
from collapse.models.gaussian import GaussianModel, GaussianSource
from collapse.models.ngram import NgramModel
from collapse.models.registry import model_entry
from collapse.text import END_OF_LINE

Z = 5  # standard errors allowed


# --- the metrics, on hand-made inputs ------------------------------------------------------------------------------
def test_entropy_and_gini_simpson_of_known_distributions():
    assert metrics.entropy_bits([1, 1, 1, 1]) == pytest.approx(2.0)
    assert metrics.entropy_bits([5, 0, 0]) == 0.0
    assert metrics.entropy_bits([1, 3]) == pytest.approx(-(0.25 * np.log2(0.25) + 0.75 * np.log2(0.75)))
    assert metrics.gini_simpson([1, 1, 1, 1]) == pytest.approx(0.75)
    assert metrics.gini_simpson([0, 7]) == 0.0
    assert metrics.gini_simpson([1, 3]) == pytest.approx(1 - 0.25**2 - 0.75**2)
    # along the last axis, one value per row
    assert metrics.gini_simpson(np.array([[1, 1], [2, 0]])) == pytest.approx([0.5, 0.0])


def test_type_token_ratio_and_unigram_entropy_of_a_known_text():
    tokens = np.array([3, 3, 4, 5, 3, 4, 6, 7])  # 5 types in 8 tokens; frequencies 3, 2, 1, 1, 1
    assert metrics.type_token_ratio(tokens) == 5 / 8
    expected = -sum(c / 8 * np.log2(c / 8) for c in (3, 2, 1, 1, 1))
    assert metrics.unigram_entropy_bits(tokens) == pytest.approx(expected)
    assert metrics.unigram_entropy_bits(np.full(10, 9)) == 0.0
    assert metrics.type_token_ratio(np.arange(6)) == 1.0


def test_ngram_output_reports_word_diversity_without_line_ends():
    model = NgramModel(order=1, vocabulary_size=8, tokens_per_row=4)
    rows = np.array([[[2, 2, 3, END_OF_LINE], [4, 2, END_OF_LINE, END_OF_LINE]]])  # words: 2 2 3 4 2
    params = model.fit([model.summarise(rows)])
    measures = model.describe_output(params, rows)
    assert measures["type_token_ratio"] == pytest.approx([3 / 5])
    assert measures["unigram_entropy_bits"] == pytest.approx([-(0.6 * np.log2(0.6) + 2 * 0.2 * np.log2(0.2))])


@pytest.mark.parametrize("bad", [[], [0, 0], [-1, 2]])
def test_metrics_refuse_empty_or_negative_counts(bad):
    with pytest.raises(ValueError, match="counts"):
        metrics.entropy_bits(bad)


def test_first_reaction_on_hand_made_runs():
    seeds = 50
    noise = np.random.default_rng(0).normal(0, 0.01, size=(6, seeds))
    flat = 1.0 + noise
    # stays put for two generations, then drops by 0.5: far beyond any noise and beyond 10%
    step = flat.copy()
    step[3:] -= 0.5
    assert metrics.first_reaction(step) == 4
    assert metrics.first_reaction(step, relative=0.1) == 4
    assert metrics.first_reaction(flat, relative=0.1) is None
    # a steady fall of 0.1 a generation passes 25% at generation 4 (0.2 at generation 3, 0.3 at 4)
    falling = np.linspace(1.0, 0.5, 6)[:, None] * np.ones(seeds)
    assert metrics.first_reaction(falling, relative=0.25) == 4
    assert metrics.first_reaction(falling) == 2  # noiseless: any change stands out


def test_first_reaction_refuses_a_single_seed():
    with pytest.raises(ValueError, match="generations, seeds"):
        metrics.first_reaction(np.ones((5, 1)))


# --- the categorical model ---------------------------------------------------------------------------------------
def test_fit_counts_and_sample_keeps_only_live_outcomes():
    model = CategoricalModel(outcomes=4)
    rows = np.array([[0, 0, 1, 1], [3, 3, 3, 3]])
    params = model.fit([model.summarise(rows)])
    assert params.tolist() == [[2, 2, 0, 0], [0, 0, 0, 4]]
    described = model.describe(params)
    assert described["gini_simpson"] == pytest.approx([0.5, 0.0])
    assert described["outcomes_alive"].tolist() == [2, 1]
    drawn = model.sample(params, 1_000, np.random.default_rng(0))
    assert drawn.shape == (2, 1_000)
    assert set(np.unique(drawn[0])) <= {0, 1} and set(np.unique(drawn[1])) == {3}


def test_scoring_smooths_so_a_lost_outcome_costs_finite_nats():
    model = CategoricalModel(outcomes=2, pseudo_count=0.5)
    params = np.array([[4, 0]])
    # outcome 1 was never counted: (0 + 0.5) / (4 + 1) = 0.1
    assert model.score(params, np.array([[1]])) == pytest.approx([-np.log(0.1)])
    assert model.score(params, np.array([[0, 1]])) == pytest.approx([-(np.log(0.9) + np.log(0.1)) / 2])


@pytest.mark.parametrize("probabilities, n", [((0.1,) * 10, 10), ((0.5, 0.3, 0.15, 0.05), 40)])
def test_gini_simpson_falls_as_the_closed_form_under_replace(probabilities, n):
    """E[1 - sum p_t^2] = H_0 (1 - 1/n)^t exactly, whatever K, n and the starting distribution."""
    source = CategoricalSource(probabilities)
    generations = 30
    history = simulate(CategoricalModel(len(probabilities)), source, make_regime("replace"), generations=generations,
                       samples_per_generation=n, seeds=20_000, seed=11, heldout_rows=10)
    index = history.metric("gini_simpson")
    initial = 1 - np.sum(np.square(probabilities))
    for t in (1, 5, 15, generations):
        values = index[t - 1]
        tolerance = Z * values.std(ddof=1) / np.sqrt(values.size)
        expected = theory.gini_simpson_replace(t, n, initial)
        assert abs(values.mean() - expected) <= tolerance, (t, values.mean(), expected, tolerance)


def test_time_until_one_outcome_takes_everything_matches_the_diffusion_approximation():
    """Mean fixation time against -2n sum (1 - p) ln(1 - p), at n = 100, K = 10 (prediction 189.6 generations).

    The tolerance is 5 standard errors plus an approximation margin of 2% of the prediction. Why 2%: the formula is
    the diffusion limit; the discrete chain differs from it by a few generations whatever n is (20,000 chains each at
    n = 25, 50, 100, 200 fixed 1.8, 1.9, 2.4 and 4.7 +- 1.5 generations sooner than predicted, that is 4%, 2%, 1.2%,
    1.2%), so at n = 100 the margin is 3.8 generations, and the test would fail at small n, where the approximation
    is poor.
    """
    n, seeds, probabilities = 100, 4_000, (0.1,) * 10
    model = CategoricalModel(len(probabilities))
    rng = np.random.default_rng(5)
    params = model.fit([model.summarise(CategoricalSource(probabilities).draw(seeds, n, rng))])
    fixed_at = np.zeros(seeds)
    running = np.arange(seeds)
    generation = 1
    while running.size:
        done = model.describe(params)["outcomes_alive"] == 1
        fixed_at[running[done]] = generation
        running, params = running[~done], params[~done]
        if running.size:
            params = model.fit([model.summarise(model.sample(params, n, rng))])
            generation += 1
    predicted = theory.fixation_time_diffusion(probabilities, n)
    assert predicted == pytest.approx(1.8965 * n, rel=1e-4)
    tolerance = Z * fixed_at.std(ddof=1) / np.sqrt(seeds) + 0.02 * predicted
    assert abs(fixed_at.mean() - predicted) <= tolerance, (fixed_at.mean(), predicted, tolerance)


def test_self_loss_falls_while_held_out_loss_rises():
    history = simulate(CategoricalModel(10), CategoricalSource(), make_regime("replace"), generations=40,
                       samples_per_generation=50, seeds=2_000, seed=3, heldout_rows=2_000)
    self_loss, heldout = history.metric("self_loss").mean(axis=1), history.metric("heldout_loss").mean(axis=1)
    assert self_loss[-1] < self_loss[0] and heldout[-1] > heldout[0]


def test_categorical_runs_are_reproducible_and_accumulate_keeps_every_outcome():
    def run(regime, seed):
        return simulate(CategoricalModel(10), CategoricalSource(), make_regime(regime), generations=20,
                        samples_per_generation=30, seeds=50, seed=seed).metrics
    first, again, other = run("replace", 1), run("replace", 1), run("replace", 2)
    assert all(np.array_equal(first[name], again[name]) for name in first)
    assert not np.array_equal(first["gini_simpson"], other["gini_simpson"])
    # accumulate: the real counts stay in every training set, so no outcome the real sample had is ever lost
    accumulated = run("accumulate", 1)["outcomes_alive"]
    assert (accumulated == accumulated[0]).all()


def test_self_scoring_gaussian_reports_its_loss_on_its_own_samples():
    history = simulate(GaussianModel(scores_own_output=True), GaussianSource(), make_regime("replace"), generations=3,
                       samples_per_generation=1_000, seeds=4, seed=0)
    std, self_loss = history.metric("std"), history.metric("self_loss")
    # on its own samples the loss is about that of a Gaussian on itself: ln(std) + (1 + ln 2 pi) / 2
    assert self_loss == pytest.approx(np.log(std) + 0.5 * (1 + np.log(2 * np.pi)), abs=0.1)


@pytest.mark.parametrize("make", [lambda: CategoricalModel(outcomes=1), lambda: CategoricalModel(10, pseudo_count=0),
                                  lambda: CategoricalSource((0.5, 0.6)), lambda: CategoricalSource((1.0,)),
                                  lambda: theory.fixation_time_diffusion([0.2, 0.2], 10)])
def test_bad_settings_raise_a_readable_error(make):
    with pytest.raises(ValueError, match="must"):
        make()


def test_rows_outside_the_outcomes_raise():
    with pytest.raises(ValueError, match="0..3"):
        CategoricalModel(outcomes=4).summarise(np.array([[0, 4]]))


# --- the chapter's experiment (collapse.measuring) ------------------------------------------------------------------
def test_relative_table_divides_the_median_by_generation_one():
    names = [measure.name for measure in model_entry("gaussian").measures]
    measured = History.from_metrics("replace", {name: np.array([[2.0, 4.0, 9.0], [1.0, 3.0, 0.0]]) for name in names})
    table = measuring.relative_table("gaussian", measured)  # medians 4, then 1
    assert list(table.columns) == ["generation", "metric", "kind", "value", "relative"]
    assert len(table) == 2 * len(names)
    assert table[table.generation == 2]["relative"].tolist() == [0.25] * len(names)


def test_a_run_through_the_registry_is_the_loop_run_with_the_same_draws():
    direct = simulate(CategoricalModel(10), CategoricalSource.uniform(10), make_regime("replace"), generations=5,
                      samples_per_generation=40, seeds=3, seed=2, heldout_rows=1_000)
    registry = measuring.experiment("categorical", 40, 5, 3, 2)
    assert registry.metrics.keys() == direct.metrics.keys()
    for name, values in direct.metrics.items():
        np.testing.assert_array_equal(registry.metric(name), values, err_msg=name)
    assert "self_loss" in measuring.experiment("gaussian", 20, 2, 2).metrics  # built to score its own samples


def test_reactions_cover_every_measure_of_the_stored_vae_runs():
    history = measuring.standard_run("vae")  # read from data/vae_results.json, not trained
    assert (history.generations, history.seeds) == (vae.STATIC.generations, vae.STATIC.seeds)
    table = measuring.reactions("vae", history)
    assert table.metric.tolist() == [measure.label for measure in model_entry("vae").measures]
    assert {NOISE_RULE, SIZE_RULE, "at the end"} <= set(table.columns)
    classes = table.set_index("metric").loc["digit classes covered"]
    assert classes[SIZE_RULE] is not None and classes["at the end"] < 1  # replace loses digit classes


def test_standard_runs_hold_every_model_with_measures():
    small = StaticGrid(runs={"markov": StandardRun(1_000, 2, 2), "gaussian": StandardRun(20, 2, 2),
                             "categorical": StandardRun(20, 2, 2)})
    runs = measuring.standard_runs(small)
    assert list(runs) == [entry.name for entry in measuring.measured_models()]
    assert all(runs[name].generations == 2 for name in small.runs)
    with pytest.raises(ValueError, match="no standard run of the Gaussian"):
        measuring.standard_runs(StaticGrid(runs={}))


@pytest.mark.parametrize("values, message", [
    (dict(model="vae"), "the runs of the VAE on digits are stored"),
    (dict(model="regression"), "model must be one of"),  # in the registry, but it records no measures of diversity
    (dict(seeds=1), "seeds must be one of 2, 4"),
    (dict(generations=1), "generations must be a whole number from 2 to 100"),
    (dict(tokens_per_generation=50_000, seeds=1_000), "would make 500,000,000 tokens in all; the panel allows"),
    (dict(model="gaussian", samples_per_generation=1_000, generations=100, seeds=100), "samples in all"),
])
def test_settings_refuse_what_the_panel_cannot_run(values, message):
    with pytest.raises(ValueError, match=message):
        MeasuringSettings(**values)


def test_settings_size_counts_the_models_unit():
    assert MeasuringSettings(tokens_per_generation=2_000).size == 2_000
    assert MeasuringSettings(model="categorical", samples_per_generation=20).size == 20
