"""The Markov chapter's experiment (collapse/markov.py): its settings, its tables and what a run keeps."""

import numpy as np
import pytest

from collapse.markov import (MAX_TOKEN_GENERATIONS, METRICS, RARE_COUNT, SAMPLE_LINES, MarkovSettings, experiment,
                             first_lines, lost_words, metrics_table, rare_words, run)
from collapse.models.registry import TEXT_ORDER, TOKENS_PER_ROW
from collapse.text import END_OF_LINE, load_corpus


@pytest.fixture(scope="module")
def small_run():
    return run(MarkovSettings(tokens_per_generation=10_000, generations=3, seed=4))


def test_defaults_are_the_registrys_text_model():
    assert MarkovSettings().order == TEXT_ORDER


@pytest.mark.parametrize("changes, error, message", [
    (dict(order=5), ValueError, "order must be a whole number from 1 to 4"),
    (dict(tokens_per_generation=30_000), ValueError, "tokens_per_generation must be one of 10,000, 20,000"),
    (dict(regime="resample"), ValueError, "regime must be one of"),
    (dict(real_share=1.5), ValueError, "real_share"),
    (dict(tokens_per_generation=200_000, generations=30), ValueError, f"the panel allows {MAX_TOKEN_GENERATIONS:,}"),
])
def test_settings_refuse_what_the_panel_cannot_run(changes, error, message):
    with pytest.raises(error, match=message):
        MarkovSettings(**changes)


def test_the_largest_run_the_budget_allows_is_accepted():
    largest = MarkovSettings(tokens_per_generation=200_000, generations=MAX_TOKEN_GENERATIONS // 200_000)
    assert largest.tokens_per_generation * largest.generations == MAX_TOKEN_GENERATIONS


def test_run_is_the_experiment_of_its_settings(small_run):
    same = experiment(TEXT_ORDER, 10_000, 3, "replace", seed=4)
    for name in METRICS:
        assert np.array_equal(same.history.metric(name), small_run.history.metric(name))


def test_a_run_reads_passages_of_the_registrys_length(small_run):
    assert small_run.history.seeds == 1 and small_run.history.generations == 3
    assert set(small_run.writing) == {1, 2, 3} and set(small_run.known) == {1, 2, 3}
    for ids in (small_run.real, *small_run.writing.values()):
        assert ids.size <= TOKENS_PER_ROW
        assert np.sum(ids == END_OF_LINE) <= SAMPLE_LINES


def test_metrics_table_has_every_metric_at_every_generation_relative_where_asked(small_run):
    table = metrics_table(small_run.history)
    assert list(table.columns) == ["generation", "metric", "value", "series"]
    assert len(table) == len(METRICS) * 3
    for name, (_, relative) in METRICS.items():
        values = table[table.metric == name]["value"].to_numpy()
        recorded = small_run.history.metric(name)[:, 0]
        assert np.allclose(values, recorded / recorded[0] if relative else recorded)


def test_lost_words_are_the_real_words_the_model_can_no_longer_write(small_run):
    lost = lost_words(small_run, 3)
    alive = set(small_run.known[3].tolist())
    real = set(small_run.real.tolist()) - {END_OF_LINE}
    assert set(lost) == real - alive and len(lost) == len(set(lost))


def test_first_lines_stop_after_the_last_line_end():
    ids = np.array([5, 6, END_OF_LINE, 7, END_OF_LINE, 8, 9])
    assert first_lines(ids, 1).tolist() == [5, 6, END_OF_LINE]
    assert first_lines(ids, 2).tolist() == [5, 6, END_OF_LINE, 7, END_OF_LINE]
    assert first_lines(ids, 3).tolist() == ids.tolist()  # fewer lines than asked: all of it


def test_rare_words_are_used_at_most_rare_count_times():
    counts = load_corpus().word_counts()
    rare = np.array(rare_words(load_corpus()))
    assert rare.size and (counts[rare] >= 1).all() and (counts[rare] <= RARE_COUNT).all()
    assert np.sum((counts >= 1) & (counts <= RARE_COUNT)) == rare.size
