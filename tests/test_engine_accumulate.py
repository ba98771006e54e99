"""The experiments of "Replace versus accumulate": its settings, its runs of the registry's models, its tables."""

import numpy as np
import pytest

from collapse.accumulate import (MAX_WORK, REGIMES, AccumulateSettings, EveryModel, chapter_models, errors,
                                 every_model, heldout_rows, live_tables, model_label, run)
from collapse.models.registry import MODELS, entries, model_entry


def test_settings_refuse_costly_and_impossible_runs():
    with pytest.raises(ValueError, match=f"the panel allows {MAX_WORK:,}"):
        AccumulateSettings(seeds=2_000, generations=100, dimension=40, samples_per_generation=500)
    with pytest.raises(ValueError, match="needs at least d \\+ 2 = 12 samples"):
        AccumulateSettings(samples_per_generation=10, dimension=10)
    with pytest.raises(ValueError, match="samples_per_generation must be one of"):
        AccumulateSettings(samples_per_generation=7)
    # the same size is fine for a model without d, and a text model is never refused for its (unused) seeds
    AccumulateSettings(model="gaussian", samples_per_generation=10)
    AccumulateSettings(model="markov", seeds=2_000, generations=100, samples_per_generation=500)


def test_the_chapter_runs_every_live_model_and_scores_each_as_it_should():
    assert chapter_models() == entries(live=True)
    for entry in chapter_models():
        # an error the parameters give needs no held-out data; a held-out loss needs enough of it
        assert (heldout_rows(entry) == 1) == (entry.error == entry.true_error)


def test_a_text_run_is_one_seed_of_passages():
    settings = AccumulateSettings(model="markov", samples_per_generation=5, generations=2, seeds=500)
    tables = live_tables(settings)
    assert tables.runs == 1
    assert set(tables.curves["regime"]) == set(REGIMES) and len(tables.curves) == 2 * 2
    assert tables.theory.empty


def test_runs_are_reproducible_and_the_cap_is_in_generations_of_rows():
    first = errors("gaussian", "accumulate-subsample", 10, 5, 20, seed=3, cap_generations=2)
    np.testing.assert_array_equal(first, errors("gaussian", "accumulate-subsample", 10, 5, 20, seed=3,
                                                cap_generations=2))
    assert first.shape == (5, 20)
    assert not np.array_equal(first, errors("gaussian", "accumulate-subsample", 10, 5, 20, seed=3,
                                            cap_generations=1))
    assert run("regression", "replace", 15, 2, 3, dimension=4).metric("error").shape == (2, 3)


def test_every_model_covers_the_registry_each_from_one():
    small = EveryModel(sizes=(("markov", 5),), generations=2, seeds=20)
    table = every_model(small)
    assert set(table["model"]) == {model_label(entry) for entry in MODELS.values()}
    assert set(table["regime"]) == set(REGIMES)
    assert np.allclose(table[table.generation == 1]["relative"], 1.0)
    stored = model_label(model_entry("vae"))
    assert "stored runs" in stored and table[table.model == stored].generation.max() > small.generations
