"""The registry of the book's models (collapse/models/registry.py): every entry builds and runs, says what it
measures, and an unknown name is refused."""

import numpy as np
import pytest

from collapse import Accumulate, Replace
from collapse.models.registry import MODELS, entries, model_entry


def test_an_unknown_model_is_refused_with_the_list_of_models():
    with pytest.raises(ValueError, match="model must be one of 'gaussian', 'regression'"):
        model_entry("kde")
    with pytest.raises(TypeError, match="model must be one of"):
        model_entry(None)


@pytest.mark.parametrize("name", [entry.name for entry in entries(live=True)])
def test_every_live_entry_runs_under_both_regimes_and_records_its_measures(name):
    entry = model_entry(name)
    size = {"tokens": 2_000}.get(entry.unit, 30)
    for regime in (Replace(), Accumulate()):
        history = entry.run(regime, size, generations=3, seeds=2, seed=1)
        assert history.metric(entry.error).shape == (3, 2)
        assert np.isfinite(history.metric(entry.error)).all()
        recorded = set(history.metrics)
        setup = entry.setup(size, 2, 1)
        assert entry.true_error == setup.model.true_error
        # the measures a chapter lists are recorded by a run whose model scores its own output when asked
        if entry.measures:
            scoring = entry.run(regime, size, generations=2, seeds=2, seed=1,
                                **({"scores_own_output": True} if name == "gaussian" else {}))
            assert {m.name for m in entry.measures} <= set(scoring.metrics), name
        assert entry.error in recorded


def test_entries_pick_what_a_chapter_needs():
    assert {e.name for e in entries(with_true_error=True)} == {"gaussian", "regression"}
    assert all(e.measures for e in entries(with_measures=True))
    assert all(not e.needs_torch for e in entries(numpy_only=True))
    stored = entries(live=False)
    assert stored and all(e.stored is not None and e.setup is None for e in stored)
    with pytest.raises(ValueError, match="trains too slowly to run here"):
        stored[0].run(Replace(), 10, 2)


def test_the_registry_names_each_model_once():
    assert len({entry.label for entry in MODELS.values()}) == len(MODELS)
    assert all(name == entry.name for name, entry in MODELS.items())
