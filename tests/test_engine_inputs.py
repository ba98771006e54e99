"""Every public entry point of the engine refuses bad input with its own readable error (issue 11, items 3 and 6).

Each case names a function, arguments that work, and the kind of each parameter. Hypothesis then feeds every
parameter bad values of its kind: NaN and infinity, negatives, zero where it is not allowed, huge sizes, non-whole
numbers, and wrong types (str, None, bool, list). The error must be a TypeError for a wrong type and a ValueError for
a wrong value, its message must name the parameter, and it must be raised by the engine's own check (a frame in
collapse/), not by numpy or Python three frames down.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collapse import (Accumulate, AccumulateSubsample, FixedRealMix, FreshMix, GaussianModel, GaussianSource,
                      History, Replace, make_regime, simulate, specialise, theory, tools)
from collapse.feedback import AccumulateHuman, FeedbackSource, make_remedy, run_feedback
from collapse.filtering import FilteredModel, LikelihoodFilter, VerifierFilter, make_filter
from collapse.gate import harmful_deployments, outcomes, simulate_gated
from collapse.images import DigitMeasures, DigitsSource, RingMeasures, RingSource, histogram_measures
from collapse.metrics import entropy_bits, first_reaction, gini_simpson, median_change_standard_error, shares
from collapse.models.categorical import CategoricalModel, CategoricalSource
from collapse.models.gaussian_mean import KnownSpreadGaussianModel
from collapse.models.kde import KernelDensityModel, synthetic_boost
from collapse.models.linear import FixedDesign, LinearRegressionModel
from collapse.models.ngram import NgramModel, distinct_n
from collapse.regimes import Pool, random_subsets
from collapse.text import TextSource, load_corpus, passage_starts, tokenize

ENGINE = Path(__file__).resolve().parents[1] / "collapse"
EXAMPLES = settings(max_examples=25, deadline=None)

# --- bad values, by kind of parameter ------------------------------------------------------------------------------
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
NON_WHOLE = st.floats(0.01, 1e6).filter(lambda x: x != int(x))
# a wrong type for a number: what a slip or a text box gives
NOT_A_NUMBER = st.sampled_from(["1", "0.5", "", None, True, False, [1], (2.0,), {"value": 1}, b"1"])


@dataclass(frozen=True)
class Kind:
    """A kind of parameter: the values of the wrong type and the values of the right type but wrong."""

    wrong_type: st.SearchStrategy
    wrong_value: st.SearchStrategy


def whole(low: int = 0, bounded: bool = False) -> Kind:
    """A whole number of at least `low`; `bounded`: it has an upper limit (or a memory guard), so huge is wrong."""
    wrong = [st.integers(max_value=low - 1), NON_WHOLE, NON_FINITE]
    if bounded:
        wrong.append(st.integers(10**13, 10**18))
    return Kind(NOT_A_NUMBER, st.one_of(*wrong))


def or_none(kind: Kind) -> Kind:
    """The same kind for a parameter where None is allowed (it means "unset": all of it, no answer yet)."""
    return Kind(kind.wrong_type.filter(lambda value: value is not None), kind.wrong_value)


REAL = Kind(NOT_A_NUMBER, NON_FINITE)
POSITIVE = Kind(NOT_A_NUMBER, st.one_of(NON_FINITE, st.just(0.0), st.floats(max_value=-1e-9, min_value=-1e9)))
FRACTION = Kind(NOT_A_NUMBER, st.one_of(NON_FINITE, st.floats(1.0001, 1e9), st.floats(-1e9, -1e-6)))
CHOICE = Kind(st.sampled_from([None, 1, 2.5, True, ["replace"], b"mle"]),
              st.text(min_size=0, max_size=12).filter(lambda text: text not in ALL_CHOICES))
# t of the closed forms: a number of generations or an array of them (a list of whole numbers is right)
GENERATIONS = Kind(st.sampled_from(["3", None, True, [[1], [2, 3]], {"t": 1}, [1, "2"]]),
                   st.one_of(st.integers(max_value=-1), NON_WHOLE, NON_FINITE, st.just([0, 1, -2]),
                             st.just([1.0, math.nan])))
GENERATIONS_FROM_1 = Kind(GENERATIONS.wrong_type, st.one_of(GENERATIONS.wrong_value, st.just(0), st.just([3, 0])))
BOUNDED_GENERATIONS = Kind(GENERATIONS.wrong_type, st.one_of(GENERATIONS.wrong_value, st.integers(10**7, 10**15)))
# quantile levels: a number or an array of them from 0 to 1
LEVELS = Kind(st.sampled_from(["0.5", None, True, {"level": 0.5}, b"1", [0.5, "a"]]),
              st.one_of(FRACTION.wrong_value, st.just([0.5, 1.5])))
NOT_AN_OBJECT = st.sampled_from(["gaussian", "replace", None, 3, 1.5, [], Replace, GaussianModel])
INTERFACE = Kind(NOT_AN_OBJECT, st.nothing())
BOOL = Kind(st.sampled_from([1, 0, "yes", None, 1.0]), st.nothing())
ALL_CHOICES = {"mle", "unbiased", "replace", "accumulate", "accumulate-subsample", "fresh-mix", "fixed-real-mix",
               "fresh-crawl", "accumulate-human", "accumulate-everything", "none", "likelihood", "verifier",
               "validation", "oracle", "auto", "keys", "floyd"}


@dataclass(frozen=True)
class Case:
    name: str
    call: Callable  # call(**arguments)
    valid: dict  # arguments that work
    kinds: dict = field(default_factory=dict)  # parameter -> Kind


def gaussian_history(generations: int = 3) -> History:
    return simulate_gated(GaussianModel(), GaussianSource(), Replace(), generations=generations,
                          samples_per_generation=10, validation_rows=5, seeds=2)


def simulate_small(**arguments):
    return simulate(**({"model": GaussianModel(), "real": GaussianSource(), "regime": Replace(), "generations": 2,
                        "samples_per_generation": 10, "seeds": 2, "heldout_rows": 10} | arguments))


def gated_small(**arguments):
    return simulate_gated(**({"model": GaussianModel(), "real": GaussianSource(), "regime": Replace(),
                              "generations": 2, "samples_per_generation": 10, "validation_rows": 5, "seeds": 2}
                             | arguments))


def subsets(**arguments):
    return random_subsets(**({"rng": np.random.default_rng(0), "seeds": 2, "population": 10, "size": 3}
                             | arguments))


def record(generation):
    History("replace", 3, 2).record(generation, {"x": np.zeros(2)})


def quantiles(levels):
    history = History("replace", 3, 2)
    history.record(1, {"x": np.zeros(2)})
    return history.quantiles("x", levels)


T = dict(t=5)
N = dict(n=10)
S0 = dict(s0=1.0)
CASES = [
    # --- collapse.theory ---------------------------------------------------------------------------------------
    Case("log_variance_step", theory.log_variance_step, N | dict(estimator="mle"),
         dict(n=whole(2), estimator=CHOICE)),
    Case("log_variance_step_variance", theory.log_variance_step_variance, N, dict(n=whole(2))),
    *[Case(function.__name__, function, T | N | dict(estimator="mle") | S0,
           dict(t=GENERATIONS, n=whole(2), estimator=CHOICE, s0=POSITIVE))
      for function in (theory.expected_log_variance_replace, theory.expected_variance_replace,
                       theory.expected_mean_drift_replace)],
    Case("expected_variance_accumulate", theory.expected_variance_accumulate, T | N | S0,
         dict(t=BOUNDED_GENERATIONS, n=whole(2), s0=POSITIVE)),
    Case("variance_limit_accumulate", theory.variance_limit_accumulate, N | S0, dict(n=whole(2), s0=POSITIVE)),
    Case("mean_drift_bound_accumulate", theory.mean_drift_bound_accumulate, N | S0, dict(n=whole(1), s0=POSITIVE)),
    Case("closed_form_spread", theory.closed_form_spread, dict(regime="replace", estimator="mle", n=10, t=5),
         dict(regime=CHOICE, estimator=CHOICE, n=whole(2), t=GENERATIONS)),
    Case("word_survival", theory.word_survival, dict(count=1, resamplings=10),
         dict(count=whole(0), resamplings=whole(0, bounded=True))),
    Case("regression_first_error", theory.regression_first_error, dict(dimension=10, rows=30, noise=1.0),
         dict(dimension=whole(1), rows=whole(12), noise=POSITIVE)),
    Case("regression_error_replace", theory.regression_error_replace, dict(t=3, dimension=10, rows=30, noise=1.0),
         dict(t=GENERATIONS, dimension=whole(1), rows=whole(12), noise=POSITIVE)),
    Case("regression_error_accumulate", theory.regression_error_accumulate,
         dict(t=3, dimension=10, rows=30, noise=1.0),
         dict(t=BOUNDED_GENERATIONS, dimension=whole(1), rows=whole(12), noise=POSITIVE)),
    *[Case(function.__name__, function, dict(n=10, validation_rows=10),
           dict(n=whole(1), validation_rows=whole(1)))
      for function in (theory.gate_deploy_probability, theory.gate_harmful_deploy_probability)],
    Case("gaussian_fit_kl", theory.gaussian_fit_kl, dict(rows=10), dict(rows=whole(4))),
    Case("gini_simpson_replace", theory.gini_simpson_replace, dict(t=3, n=10, initial=0.9),
         dict(t=GENERATIONS, n=whole(1), initial=FRACTION)),
    Case("fixation_time_diffusion", theory.fixation_time_diffusion, dict(probabilities=[0.5, 0.5], n=10),
         dict(n=whole(1))),
    *[Case(function.__name__, function, dict(t=3, adoption=0.3), dict(t=GENERATIONS_FROM_1, adoption=FRACTION))
      for function in (theory.feedback_fresh_share, theory.feedback_pool_share)],
    Case("feedback_fresh_crawl_moments", theory.feedback_fresh_crawl_moments, dict(t=3, n=10, adoption=0.3, s0=1.0),
         dict(t=GENERATIONS_FROM_1, n=whole(2), adoption=FRACTION, s0=POSITIVE)),
    Case("fixed_real_contraction", theory.fixed_real_contraction, dict(real_rows=10, synthetic_rows=40),
         dict(real_rows=whole(1), synthetic_rows=whole(1))),
    Case("fixed_real_moments", theory.fixed_real_moments, dict(generations=5, real_rows=10, synthetic_rows=40),
         dict(generations=whole(1, bounded=True), real_rows=whole(1), synthetic_rows=whole(1))),
    *[Case(function.__name__, function, dict(threshold=1.0), dict(threshold=POSITIVE))
      for function in (theory.likelihood_filter_keep_share, theory.truncated_variance_factor)],
    Case("expected_variance_likelihood_filter", theory.expected_variance_likelihood_filter,
         dict(t=3, n=10, threshold=1.0, s0=1.0),
         dict(t=GENERATIONS_FROM_1, n=whole(2), threshold=POSITIVE, s0=POSITIVE)),
    # --- models ------------------------------------------------------------------------------------------------
    *[Case(model.__name__, model, dict(estimator="mle", real_mean=0.0, real_std=1.0, tail_cutoff=2.0),
           dict(estimator=CHOICE, real_mean=REAL, real_std=POSITIVE, tail_cutoff=POSITIVE))
      for model in (GaussianModel, KnownSpreadGaussianModel)],
    Case("GaussianSource", GaussianSource, dict(mean=0.0, std=1.0), dict(mean=REAL, std=POSITIVE)),
    Case("KernelDensityModel", KernelDensityModel, dict(bandwidth=0.4), dict(bandwidth=POSITIVE)),
    Case("synthetic_boost", synthetic_boost,
         dict(real_rows=5, synthetic_multiples=(0, 1), bandwidth=0.4, seeds=2, test_rows=10, seed=0),
         dict(real_rows=whole(1, bounded=True), bandwidth=POSITIVE, seeds=whole(1, bounded=True),
              test_rows=whole(1, bounded=True), seed=whole(0))),
    Case("FixedDesign.random", FixedDesign.random, dict(seeds=2, rows=30, dimension=3, noise=1.0, seed=0),
         dict(seeds=whole(1, bounded=True), rows=whole(5, bounded=True), dimension=whole(1, bounded=True),
              noise=POSITIVE, seed=whole(0))),
    Case("LinearRegressionModel", LinearRegressionModel, dict(world=FixedDesign.random(2, 30, 3)),
         dict(world=INTERFACE)),
    Case("NgramModel", NgramModel, dict(order=2, vocabulary_size=10, tokens_per_row=100, tracked_words=()),
         dict(order=whole(1, bounded=True), vocabulary_size=whole(2, bounded=True),
              tokens_per_row=whole(1, bounded=True))),
    Case("distinct_n", distinct_n, dict(rows=np.array([[2, 3, 2, 3]]), n=2), dict(n=whole(1, bounded=True))),
    Case("CategoricalModel", CategoricalModel, dict(outcomes=10, pseudo_count=0.5),
         dict(outcomes=whole(2, bounded=True), pseudo_count=POSITIVE)),
    Case("CategoricalSource.uniform", CategoricalSource.uniform, dict(outcomes=10),
         dict(outcomes=whole(2, bounded=True))),
    # --- regimes, the loop, history ------------------------------------------------------------------------------
    Case("AccumulateSubsample", AccumulateSubsample, dict(cap=20), dict(cap=whole(1))),
    Case("FreshMix", FreshMix, dict(real_share=0.5), dict(real_share=FRACTION)),
    Case("FixedRealMix", FixedRealMix, dict(synthetic_per_real=4.0), dict(synthetic_per_real=POSITIVE)),
    # the message calls the name what the caller knows it as: a regime, a remedy, a filter
    Case("make_regime", lambda regime: make_regime(regime), dict(regime="replace"), dict(regime=CHOICE)),
    Case("random_subsets", subsets, {},
         dict(seeds=whole(0), population=whole(3, bounded=True), size=whole(0), method=CHOICE)),
    Case("Pool", Pool, dict(model=GaussianModel(), real_rows=np.zeros((2, 5)), keep_old_rows=False,
                            capacity_blocks=3),
         dict(model=INTERFACE, keep_old_rows=BOOL, capacity_blocks=whole(1))),
    Case("simulate", simulate_small, {},
         dict(model=INTERFACE, real=INTERFACE, regime=INTERFACE, generations=whole(1, bounded=True),
              samples_per_generation=whole(2, bounded=True), seeds=whole(1, bounded=True), seed=whole(0),
              heldout_rows=whole(1, bounded=True))),
    Case("History", History, dict(regime="replace", generations=3, seeds=2),
         dict(generations=whole(1, bounded=True), seeds=whole(1, bounded=True))),
    Case("History.record", record, dict(generation=1), dict(generation=whole(1, bounded=True))),
    Case("History.quantiles", quantiles, dict(levels=(0.1, 0.9)), dict(levels=LEVELS)),
    # --- feedback, filtering, gate, metrics ------------------------------------------------------------------
    Case("FeedbackSource", FeedbackSource, dict(true_source=GaussianSource(), model=GaussianModel(), adoption=0.3),
         dict(true_source=INTERFACE, model=INTERFACE, adoption=FRACTION)),
    Case("run_feedback", run_feedback,
         dict(model=GaussianModel(), true_source=GaussianSource(), adoption=0.3, remedy="fresh-crawl",
              generations=2, samples_per_generation=10, seeds=2, heldout_rows=10),
         dict(model=INTERFACE, true_source=INTERFACE, adoption=FRACTION, remedy=CHOICE,
              generations=whole(1, bounded=True), samples_per_generation=whole(2, bounded=True),
              seeds=whole(1, bounded=True))),
    Case("make_remedy", lambda remedy: make_remedy(remedy), dict(remedy="fresh-crawl"), dict(remedy=CHOICE)),
    Case("AccumulateHuman", AccumulateHuman, dict(with_synthetic=True), dict(with_synthetic=BOOL)),
    Case("LikelihoodFilter", LikelihoodFilter, dict(threshold=1.0), dict(threshold=POSITIVE)),
    Case("VerifierFilter", VerifierFilter, dict(belief_mean=0.0, belief_std=1.0, envelope=4.0),
         dict(belief_mean=REAL, belief_std=POSITIVE, envelope=POSITIVE)),
    Case("make_filter", lambda filter: make_filter(filter), dict(filter="likelihood"), dict(filter=CHOICE)),
    Case("FilteredModel", FilteredModel, dict(model=GaussianModel(), sample_filter=LikelihoodFilter(1.0)),
         dict(model=INTERFACE, sample_filter=INTERFACE)),
    Case("simulate_gated", gated_small, {},
         dict(model=INTERFACE, real=INTERFACE, regime=INTERFACE, generations=whole(1, bounded=True),
              seeds=whole(1, bounded=True), validation_rows=whole(1, bounded=True), gate=CHOICE)),
    Case("outcomes", outcomes, dict(history=gaussian_history(), late_generations=1),
         dict(history=INTERFACE, late_generations=whole(1, bounded=True))),
    Case("harmful_deployments", harmful_deployments, dict(history=gaussian_history()), dict(history=INTERFACE)),
    Case("first_reaction", first_reaction, dict(values=np.arange(12.0).reshape(4, 3), standard_errors=5.0, seed=0),
         dict(standard_errors=POSITIVE, seed=whole(0))),
    Case("first_reaction (relative)", first_reaction, dict(values=np.arange(12.0).reshape(4, 3), relative=0.1),
         dict(relative=or_none(POSITIVE))),
    Case("median_change_standard_error", median_change_standard_error,
         dict(values=np.arange(12.0).reshape(4, 3), generation=2, resamples=10, seed=0),
         dict(generation=whole(1, bounded=True), resamples=whole(2, bounded=True), seed=whole(0))),
]


def text_source(**arguments):
    arguments = {"tokens_per_row": 100} | arguments
    if "corpus" not in arguments:  # read the corpus only for the cases that need a real one
        arguments["corpus"] = load_corpus()
    return TextSource(**arguments)


def text_draw(**arguments):
    return text_source().draw(**({"seeds": 2, "rows": 3, "rng": np.random.default_rng(0)} | arguments))


def ring_draw(**arguments):
    return RingSource().draw(**({"seeds": 2, "rows": 5, "rng": np.random.default_rng(0)} | arguments))


def digits_draw(**arguments):
    return DigitsSource().draw(**({"seeds": 2, "rows": 5, "rng": np.random.default_rng(0)} | arguments))


WORD = Kind(st.sampled_from([None, 3, 2.5, True, ["tempest"], b"tempest"]), st.nothing())
# --- text, tools, the specialists, images: the corpus is read only where a case's valid call needs it
CASES += [
    Case("TextSource", text_source, {}, dict(corpus=INTERFACE, tokens_per_row=whole(2, bounded=True))),
    Case("TextSource.draw", text_draw, {},
         dict(seeds=whole(1, bounded=True), rows=whole(1, bounded=True))),
    Case("tokenize", tokenize, dict(line="To be, or not"), dict(line=WORD)),
    Case("passage_starts", passage_starts, dict(stream=np.array([3, 0, 4, 5, 0]), length=2),
         dict(length=whole(1))),
    Case("count_letters", tools.count_letters, dict(word="tempest"), dict(word=WORD)),
    Case("encode", tools.encode, dict(word="tempest", answer=7),
         dict(word=WORD, answer=or_none(whole(0)))),
    Case("split_words", tools.split_words, dict(words=["a", "b", "c", "d"], test_share=0.5, seed=0),
         dict(words=Kind(st.sampled_from(["abc", None, 3]), st.nothing()), test_share=FRACTION, seed=whole(0))),
    Case("to_passages", specialise.to_passages, dict(stream=np.arange(300), tokens_per_row=100),
         dict(tokens_per_row=whole(1))),
    Case("heldout_bits", specialise.heldout_bits, dict(trained_on="histories", budget_tokens=10_000, seeds=2),
         dict(trained_on=CHOICE, order=whole(1, bounded=True), seeds=whole(1, bounded=True), seed=whole(0),
              budget_tokens=or_none(whole(100, bounded=True)))),
    Case("tailored_bits", specialise.tailored_bits, dict(domain="histories", budget_tokens=10_000, seeds=2),
         dict(domain=CHOICE, share=FRACTION)),
    Case("RingSource", RingSource, dict(modes=8, radius=1.0, std=0.08),
         dict(modes=whole(2, bounded=True), radius=POSITIVE, std=POSITIVE)),
    Case("RingSource.draw", ring_draw, {}, dict(seeds=whole(1), rows=whole(1))),
    Case("DigitsSource.draw", digits_draw, {}, dict(seeds=whole(1), rows=whole(1, bounded=True))),
    Case("DigitMeasures", DigitMeasures, dict(covered_share=0.02), dict(covered_share=FRACTION)),
    Case("RingMeasures", RingMeasures, dict(source=RingSource(), near_stds=3.0, covered_share=0.02),
         dict(source=INTERFACE, near_stds=POSITIVE, covered_share=FRACTION)),
    Case("histogram_measures", histogram_measures, dict(labels=np.array([[0, 1, 1]]), classes=3),
         dict(classes=whole(2), covered_share=FRACTION)),
]
PARAMETERS = [pytest.param(case, parameter, id=f"{case.name}-{parameter}")
              for case in CASES for parameter in case.kinds]


def raised_by_the_engine(excinfo) -> Path:
    """The file whose code raised: it must be the engine's, not numpy's or Python's."""
    raising = Path(excinfo.traceback[-1].path).resolve()
    assert ENGINE in raising.parents, f"raised from {raising}, not by a check in collapse/: {excinfo.value}"
    return raising


def call_with(case: Case, parameter: str, value):
    return case.call(**(case.valid | {parameter: value}))


def names(parameter: str) -> str:
    return rf"(?<![\w]){re.escape(parameter)}(?![\w])"


def test_the_valid_arguments_of_every_case_work():
    for case in CASES:
        case.call(**case.valid)


@pytest.mark.parametrize("case, parameter", PARAMETERS)
@EXAMPLES
@given(data=st.data())
def test_a_wrong_type_is_a_type_error_naming_the_parameter(case, parameter, data):
    kind = case.kinds[parameter]
    value = data.draw(kind.wrong_type, label=parameter)
    with pytest.raises(TypeError, match=names(parameter)) as excinfo:
        call_with(case, parameter, value)
    raised_by_the_engine(excinfo)


VALUE_PARAMETERS = [p for p in PARAMETERS if not p.values[0].kinds[p.values[1]].wrong_value.is_empty]


@pytest.mark.parametrize("case, parameter", VALUE_PARAMETERS)
@EXAMPLES
@given(data=st.data())
def test_a_wrong_value_is_a_value_error_naming_the_parameter(case, parameter, data):
    value = data.draw(case.kinds[parameter].wrong_value, label=parameter)
    with pytest.raises(ValueError, match=names(parameter)) as excinfo:
        call_with(case, parameter, value)
    assert not isinstance(excinfo.value, TypeError), f"a wrong value was reported as a wrong type: {excinfo.value}"
    raised_by_the_engine(excinfo)


# --- arrays of data: probabilities, counts, token ids ---------------------------------------------------------------
BAD_PROBABILITIES = st.one_of(
    st.lists(st.floats(0, 1), min_size=2, max_size=6).filter(lambda p: not math.isclose(sum(p), 1.0)),
    st.sampled_from([[0.5, math.nan], [math.inf, 0.0], [1.5, -0.5], [1.0], [[0.5, 0.5]]]))


@EXAMPLES
@given(probabilities=BAD_PROBABILITIES)
def test_probabilities_that_are_not_a_distribution_are_refused(probabilities):
    for call in (lambda: CategoricalSource(tuple(map(tuple, probabilities)) if isinstance(probabilities[0], list)
                                           else tuple(probabilities)),
                 lambda: theory.fixation_time_diffusion(probabilities, 10)):
        with pytest.raises(ValueError, match="probabilities must be") as excinfo:
            call()
        raised_by_the_engine(excinfo)


@pytest.mark.parametrize("probabilities", [("a", "b"), (None, 0.5), [{"p": 1}]])
def test_probabilities_of_the_wrong_type_are_a_type_error(probabilities):
    with pytest.raises(TypeError, match="probabilities must be") as excinfo:
        theory.fixation_time_diffusion(probabilities, 10)
    raised_by_the_engine(excinfo)


@EXAMPLES
@given(counts=st.one_of(st.sampled_from([[1.0, math.nan], [math.inf, 2.0]]),
                        st.lists(st.integers(-100, -1), min_size=1, max_size=4)))
def test_counts_with_nan_infinity_or_negatives_are_refused(counts):
    for measure in (shares, entropy_bits, gini_simpson):
        with pytest.raises(ValueError, match="counts") as excinfo:
            measure(counts)
        raised_by_the_engine(excinfo)


def test_counts_of_the_wrong_type_are_a_type_error():
    with pytest.raises(TypeError, match="counts") as excinfo:
        shares(["a", "b"])
    raised_by_the_engine(excinfo)


@EXAMPLES
@given(token=st.one_of(st.integers(10, 10**9), st.integers(-10**9, -1)))
def test_token_ids_outside_the_vocabulary_are_refused(token):
    model = NgramModel(2, vocabulary_size=10)
    rows = np.array([[[2, 3, token, 4]]])
    for call in (lambda: model.summarise(rows), lambda: model.keys(rows[0])):
        with pytest.raises(ValueError, match=r"rows must be token ids from 0 to 9 .*vocabulary_size is 10") as info:
            call()
        raised_by_the_engine(info)
    with pytest.raises(ValueError, match="tracked_words") as excinfo:
        NgramModel(2, vocabulary_size=10, tracked_words=(1, token))
    raised_by_the_engine(excinfo)


def test_token_ids_must_be_whole_numbers():
    with pytest.raises(TypeError, match="rows must be token ids") as excinfo:
        NgramModel(2, vocabulary_size=10).keys(np.array([[1.5, 2.0]]))
    raised_by_the_engine(excinfo)


# --- the memory guard and the bounded loops --------------------------------------------------------------------------
def test_the_memory_guard_refuses_a_run_too_large_before_allocating_it():
    with pytest.raises(ValueError, match=r"generations=10,000 x seeds=100,000 .* GiB of memory, more than the 2\.0 "
                                         r"GiB a run may use") as excinfo:
        simulate(GaussianModel(), GaussianSource(), Replace(), generations=10_000, seeds=100_000,
                 samples_per_generation=10)
    assert "_checks.py" in str(excinfo.traceback[-1].path)


@pytest.mark.parametrize("settings", [dict(samples_per_generation=10**9), dict(heldout_rows=10**10),
                                      dict(regime=AccumulateSubsample(10**12), generations=10_000,
                                           samples_per_generation=10_000, seeds=10)])
def test_the_memory_guard_names_what_to_lower(settings):
    with pytest.raises(ValueError, match="a run may use .*Lower generations, seeds, samples_per_generation or "
                                         "heldout_rows"):
        simulate_small(**settings)


def test_the_gate_guards_its_memory_too():
    with pytest.raises(ValueError, match="of memory.*validation_rows"):
        gated_small(generations=10_000, seeds=100_000, validation_rows=10, samples_per_generation=10)


def test_word_survival_answers_or_refuses_at_once_for_a_billion_resamplings():
    with pytest.raises(ValueError, match=r"resamplings must be a whole number from 0 to 100,000"):
        theory.word_survival(1, 10**9)
    assert theory.word_survival(1, theory.MAX_RESAMPLINGS) == pytest.approx(2 / theory.MAX_RESAMPLINGS, rel=1e-3)


# --- the messages the issue quoted, and edge values that must still work ---------------------------------------------
def test_a_regime_name_where_a_regime_object_belongs_is_explained():
    with pytest.raises(TypeError, match=r"regime must be a regime object such as collapse\.Replace\(\) or "
                                        r"collapse\.make_regime\('replace'\); got the str 'replace'\."):
        simulate(GaussianModel(), GaussianSource(), "replace", generations=2, samples_per_generation=10)


def test_wrong_types_are_also_value_errors_so_the_panels_show_them():
    with pytest.raises(ValueError, match="mean must be a finite number; got the str '0'"):
        GaussianSource(mean="0")


@pytest.mark.parametrize("call", [
    lambda: theory.expected_variance_replace(0, 10),
    lambda: theory.expected_variance_accumulate(np.arange(0, 5), 10),
    lambda: theory.regression_error_replace(0, 10, 30),
    lambda: theory.regression_error_accumulate(np.array([0.0, 3.0]), 10, 30),
    lambda: theory.gini_simpson_replace(0, 10, 1.0),
    lambda: theory.feedback_fresh_share(1, 0.0),
    lambda: theory.feedback_pool_share([1, 2], 1.0),
    lambda: theory.word_survival(0, 0),
    lambda: theory.closed_form_spread("accumulate", "mle", 10, [0, 1, 2]),
    lambda: theory.expected_log_variance_replace(np.linspace(0, 10, 11), 10),
    lambda: GaussianSource(mean=np.float32(-3.5), std=np.float64(2.0)),
    lambda: FreshMix(0), lambda: FreshMix(1),
    lambda: simulate(GaussianModel(), GaussianSource(), Accumulate(), generations=1, samples_per_generation=2),
])
def test_edge_values_that_are_allowed_still_work(call):
    call()


def test_the_closed_forms_give_the_same_numbers_for_whole_floats_and_ints():
    assert np.array_equal(theory.expected_variance_accumulate(np.arange(6), 10),
                          theory.expected_variance_accumulate(np.arange(6.0), 10))
