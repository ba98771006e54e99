"""The feedback-loop chapter's panel and static chart, driven without a browser."""

import pytest

from tests.panel_checks import (assert_control_redraws, assert_internal_fault_is_shown_and_logged,
                                assert_refuses_unknown_name, assert_settings_show_message)
from widgets import feedback


@pytest.fixture(scope="module")
def panel():
    return feedback.panel(generations=12, seeds=50)


def test_panel_draws_both_worlds_and_both_shares(panel):
    assert panel.message.value == ""
    assert {row["world"] for row in panel.spec["datasets"]["distance"]} == {feedback.CLEAN, feedback.ADOPTING}
    assert {row["series"] for row in panel.spec["datasets"]["shares"]} == set(feedback.SHARE_SERIES)


@pytest.mark.parametrize("control, value", [("adoption", 0.8), ("remedy", "fresh-crawl"), ("generations", 8),
                                            ("seeds", 100), ("seed", 3), ("model", "markov")])
def test_every_control_changes_the_chart(panel, control, value):
    assert_control_redraws(panel, control, value)


def test_too_large_runs_show_a_message(panel):
    assert_settings_show_message(panel, {"seeds": 2_000, "generations": 200}, "too large for the panel")


def test_markov_text_runs_its_first_generations_only(panel):
    """The panel opens at 100 generations: choosing Markov text runs the first 15 of them and says so."""
    spec = feedback.chart(model="markov", generations=40, seed=1)
    assert spec["hconcat"][0]["title"].startswith(f"at generation {feedback.MAX_MARKOV_GENERATIONS}:")
    assert max(row["generation"] for row in spec["datasets"]["distance"]) == feedback.MAX_MARKOV_GENERATIONS


def test_static_chart_binds_model_remedy_and_adoption():
    grid, shares = feedback.static_grid(sizes={"gaussian": dict(generations=4, seeds=20),
                                               "markov": dict(generations=2, seeds=1)})
    spec = feedback.static_chart(grid, shares).to_dict()
    assert {p["name"] for p in spec["params"]} == {"model", "remedy", "adoption"}
    assert spec["description"]
    for model in feedback.MODELS:
        rows = grid[grid.model == model]
        assert set(rows["remedy"]) == set(feedback.REMEDY_LABELS)
        assert set(rows["adoption"]) == set(feedback.STATIC_ADOPTIONS)
    assert set(shares["adoption"]) == set(feedback.STATIC_ADOPTIONS)


def test_unknown_model_names_are_refused_by_name():
    assert_refuses_unknown_name(lambda name: feedback.chart(model=name), "model", feedback.MODELS)
    assert_refuses_unknown_name(lambda name: feedback.run(name, 0.1, "fresh-crawl", 2, 2, 0), "model",
                                feedback.MODELS)


def test_a_fault_in_the_code_is_shown_logged_and_keeps_the_chart(panel, caplog):
    assert_internal_fault_is_shown_and_logged(panel, caplog)
