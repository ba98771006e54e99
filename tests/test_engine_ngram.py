"""The n-gram Markov model: counting, probabilities, sampling, smoothing, and collapse under each regime."""

import numpy as np
import pytest

from collapse import Accumulate, Replace, simulate, theory
from collapse.models.ngram import NgramModel, distinct_n, zipf_slope
from collapse.text import FixedText, TextSource, load_corpus


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def fitted(model, rows):
    return model.fit([model.summarise(np.asarray(rows)[None])])[0]


def test_contexts_never_reach_back_past_a_line_start():
    # vocabulary: 0 = end of line, 1..4 words; base 6, padding digit 5
    model = NgramModel(order=3, vocabulary_size=5)
    keys = model.keys(np.array([[2, 3, 0, 4, 1, 2]]))[0]
    P = 5
    expected = [P * 36 + P * 6 + 2, P * 36 + 2 * 6 + 3, 2 * 36 + 3 * 6 + 0,  # "2 3 <eol>"
                P * 36 + P * 6 + 4, P * 36 + 4 * 6 + 1, 4 * 36 + 1 * 6 + 2]  # a new line: padding again
    assert keys.tolist() == expected


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_smoothed_probabilities_sum_to_one_in_every_context(corpus, order):
    vocabulary = len(corpus.vocabulary)
    model = NgramModel(order, vocabulary)
    tables = fitted(model, corpus.train[None, :200_000])
    contexts = np.unique(model.keys(corpus.train[None, 500:520])[0] // model.base)  # seen contexts
    unseen = np.array([(vocabulary - 1) * (model.base ** (order - 2) if order > 1 else 0)])  # a rare-word context
    for context in np.r_[contexts, unseen]:
        keys = context * model.base + np.arange(vocabulary)
        assert model.probabilities(tables, keys).sum() == pytest.approx(1.0, abs=1e-9)


def test_sampling_reproduces_the_fitted_bigram_frequencies(corpus):
    from scipy.stats import chi2

    model = NgramModel(2, len(corpus.vocabulary), tokens_per_row=200)
    tables = fitted(model, corpus.train[None, :100_000])
    written = model.sample([tables], 2_000, np.random.default_rng(5))[0]  # 400,000 tokens
    keys, counts = np.unique(model.keys(written), return_counts=True)
    written_counts = dict(zip(keys.tolist(), counts.tolist()))
    # For the 30 most frequent contexts, a chi-square test of the written continuations against the fitted
    # conditional probabilities; continuations expected fewer than 5 times are pooled into one cell, as the test
    # requires. Each test may fail by chance with probability 1e-6.
    writer = tables.writer
    for context in writer.contexts[np.argsort(writer.context_totals)[-30:]]:
        in_context = (writer.keys // model.base) == context
        probabilities = writer.counts[in_context] / writer.counts[in_context].sum()
        observed = np.array([written_counts.get(int(k), 0) for k in writer.keys[in_context]])
        total = observed.sum()
        assert total > 1_000
        expected = probabilities * total
        large = expected >= 5
        cells_observed = np.r_[observed[large], observed[~large].sum()]
        cells_expected = np.r_[expected[large], expected[~large].sum()]
        keep = cells_expected > 0
        statistic = ((cells_observed[keep] - cells_expected[keep]) ** 2 / cells_expected[keep]).sum()
        assert chi2.sf(statistic, keep.sum() - 1) > 1e-6, f"context {context}: chi-square {statistic:.1f}"
        # and it never writes a continuation it has not seen
        written_in_context = [k for k in written_counts if k // model.base == context]
        assert set(written_in_context) <= set(writer.keys[in_context].tolist())


def test_smoothing_keeps_heldout_cross_entropy_finite(corpus):
    for order in (1, 2, 3, 4):
        model = NgramModel(order, len(corpus.vocabulary))
        tables = fitted(model, corpus.train[None, :50_000])  # small: most held-out n-grams are unseen
        bits = model.cross_entropy(tables, corpus.heldout[None, :20_000])
        assert np.isfinite(bits) and 5 < bits < 20


def test_higher_orders_fit_their_own_text_better_and_unknown_words_cost_the_most(corpus):
    selfs = []
    for order in (1, 2, 3):
        model = NgramModel(order, len(corpus.vocabulary))
        tables = fitted(model, corpus.train[None, :300_000])
        selfs.append(model.cross_entropy(tables, corpus.train[None, :300_000]))
    assert selfs[0] > selfs[1] > selfs[2]
    model = NgramModel(2, len(corpus.vocabulary))
    tables = fitted(model, corpus.train[None, :300_000])
    keys = model.keys(corpus.heldout[None, :50_000])[0]
    probabilities = model.probabilities(tables, keys)
    unknown = corpus.heldout[:50_000] == 1
    assert probabilities[unknown].max() < np.median(probabilities[~unknown])


def run(corpus, regime, order=2, rows=300, generations=8, seeds=2, tracked=()):
    model = NgramModel(order, len(corpus.vocabulary), tokens_per_row=100, tracked_words=tracked)
    return simulate(model, TextSource(corpus, 100), regime, generations=generations, samples_per_generation=rows,
                    seeds=seeds, seed=3, heldout_rows=300)


def test_replace_never_grows_the_vocabulary_and_diversity_falls(corpus):
    history = run(corpus, Replace())
    vocabulary = history.metric("vocabulary")
    assert (np.diff(vocabulary, axis=0) <= 0).all()
    assert (vocabulary[-1] < vocabulary[0]).all()
    assert (history.metric("distinct_2")[-1] < history.metric("distinct_2")[0]).all()
    # loss alone misleads: the model grows more confident on its own text while real text gets harder for it
    assert (history.metric("self_cross_entropy")[-1] < history.metric("self_cross_entropy")[0]).all()
    assert (history.metric("heldout_loss")[-1] > history.metric("heldout_loss")[0]).all()


def test_replace_never_regenerates_a_lost_ngram(corpus):
    model = NgramModel(3, len(corpus.vocabulary), tokens_per_row=100)
    rng = np.random.default_rng(0)
    rows = TextSource(corpus, 100).draw(1, 200, rng)
    known = None
    for _ in range(6):
        summary = model.summarise(rows)
        keys = set(summary[0].keys.tolist())
        if known is not None:
            assert keys <= known
        known = keys
        rows = model.sample(model.fit([summary]), 200, rng)


def test_accumulate_loses_no_real_word(corpus):
    history = run(corpus, Accumulate())
    vocabulary = history.metric("vocabulary")
    assert (vocabulary == vocabulary[0]).all()


@pytest.mark.parametrize("count, resamplings", [(1, 10), (3, 10), (2, 20)])
def test_rare_word_survival_follows_the_branching_process(corpus, count, resamplings):
    rows, seeds = 1_000, 4  # 100,000 tokens per generation, the same every generation
    source = FixedText(corpus.train[: rows * 100].reshape(1, rows, 100), corpus)
    counts = np.bincount(source.rows.ravel(), minlength=len(corpus.vocabulary))
    words = np.flatnonzero(counts == count)
    model = NgramModel(1, len(corpus.vocabulary), tracked_words=tuple(words.tolist()))
    history = simulate(model, source, Replace(), generations=resamplings + 1, samples_per_generation=rows,
                       seeds=seeds, seed=11, heldout_rows=10)
    survived = history.metric("rare_word_survival")[resamplings]  # generation k + 1 learned from k resamplings
    expected = theory.word_survival(count, resamplings)
    trials = words.size * seeds
    assert trials > 1_000
    assert abs(survived.mean() - expected) <= 5 * np.sqrt(expected * (1 - expected) / trials)


def test_diversity_and_zipf_helpers():
    rows = np.array([[1, 2, 1, 2, 1, 2]])
    assert distinct_n(rows, 1) == pytest.approx(2 / 6)
    assert distinct_n(rows, 2) == pytest.approx(2 / 5)
    ranks = np.arange(1, 1_001)
    assert zipf_slope(1e6 / ranks) == pytest.approx(-1.0)
    assert zipf_slope(1e6 / ranks**2) == pytest.approx(-2.0)


@pytest.mark.parametrize("settings, message", [
    (dict(order=0, vocabulary_size=10), "order must be a whole number from 1 to 4"),
    (dict(order=5, vocabulary_size=10), "order must be a whole number from 1 to 4"),
    (dict(order=2, vocabulary_size=10**6), "vocabulary_size must be a whole number from 2 to"),
    (dict(order=2, vocabulary_size=10, tokens_per_row=0), "tokens_per_row must be a whole number from 1"),
])
def test_bad_model_settings_raise_clear_errors(settings, message):
    with pytest.raises(ValueError, match=message):
        NgramModel(**settings)
