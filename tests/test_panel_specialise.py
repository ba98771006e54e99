"""The specialise chapter's panel and charts, driven without a browser."""

import contextlib
import io

import pytest

from collapse import specialise
from tests.panel_checks import (assert_control_redraws, assert_internal_fault_is_shown_and_logged,
                                assert_refuses_unknown_name, assert_settings_show_message)
from widgets import specialise as chapter


@pytest.fixture(scope="module")
def panel():
    with contextlib.redirect_stdout(io.StringIO()):
        yield chapter.panel(budget_tokens=25_000)


def test_panel_draws_four_models_on_three_domains(panel):
    assert panel.message.value == ""
    rows = panel.spec["datasets"]["comparison"]
    assert {row["model"] for row in rows} == set(chapter.MODELS)
    assert {row["judged on"] for row in rows} == set(specialise.DOMAINS)
    assert panel.spec["description"]


@pytest.mark.parametrize("control, value", [("domain", "comedies"), ("budget_tokens", 10_000), ("order", 1),
                                            ("seed", 3)])
def test_every_control_changes_the_chart(panel, control, value):
    with contextlib.redirect_stdout(io.StringIO()):
        assert_control_redraws(panel, control, value)


def test_too_large_runs_show_a_message(panel):
    with contextlib.redirect_stdout(io.StringIO()):
        assert_settings_show_message(panel, {"order": 4, "budget_tokens": 250_000}, "too large for the panel")


def test_a_budget_beyond_the_domain_is_refused():
    with pytest.raises(ValueError, match="the histories training plays hold"):
        chapter.chart(domain="histories", budget_tokens=400_000, order=1)


def test_bad_seed_shows_a_message(panel):
    with contextlib.redirect_stdout(io.StringIO()):
        assert_settings_show_message(panel, {"seed": -1}, "seed must be a whole number of at least 0")


def test_static_chart_binds_domain_and_budget():
    grid = chapter.static_grid(budgets=(10_000, 20_000))
    spec = chapter.static_chart(grid).to_dict()
    assert {p["name"] for p in spec["params"]} == {"domain", "budget"}
    assert spec["description"]
    assert set(grid.domain) == set(specialise.DOMAINS)
    assert set(grid.budget) == {10_000, 20_000}
    assert len(grid) == 3 * 2 * len(chapter.MODELS) * 3  # domains x budgets x models x judged domains


def test_counting_chart_has_every_answerer():
    table = chapter.counting_table(orders=(2,))
    assert set(table.answerer) == set(chapter.ANSWERERS)
    assert chapter.counting_chart(table).to_dict()["description"]


def test_unknown_domain_names_are_refused_by_name():
    assert_refuses_unknown_name(lambda name: chapter.chart(domain=name), "domain", specialise.DOMAINS,
                                unknown="romances")


def test_a_fault_in_the_code_is_shown_logged_and_keeps_the_chart(panel, caplog):
    assert_internal_fault_is_shown_and_logged(panel, caplog)
