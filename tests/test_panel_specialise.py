"""The specialise chapter's panel and charts, driven without a browser, and the engine's settings and comparison
table behind them (collapse/specialise.py)."""

import contextlib
import io

import pytest

from collapse import specialise, tools
from collapse.specialise import CONTENDERS, SpecialiseSettings, StaticGrid
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
    assert {row["model"] for row in rows} == set(CONTENDERS)
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


def test_a_budget_the_panel_does_not_offer_is_refused_by_its_settings():
    with pytest.raises(ValueError, match="budget_tokens must be one of 10,000, 25,000"):
        chapter.chart(domain="histories", budget_tokens=400_000, order=1)


# --- the engine behind the panel (collapse.specialise): its settings and the comparison table -------------------
@pytest.mark.parametrize("values, message", [
    (dict(domain="romances"), "domain must be one of 'comedies', 'histories', 'tragedies'"),
    (dict(budget_tokens=30_000), "budget_tokens must be one of 10,000, 25,000"),
    (dict(order=5), "order must be a whole number from 1 to 4"),
    (dict(seed=-1), "seed must be a whole number of at least 0"),
    (dict(order=4, budget_tokens=250_000), r"too large for the panel \(3,000,000 units of work"),
])
def test_settings_refuse_what_the_panel_does_not_offer(values, message):
    with pytest.raises(ValueError, match=message):
        SpecialiseSettings(**values)


def test_a_budget_beyond_the_domain_is_refused_by_the_engine():
    with pytest.raises(ValueError, match="the histories training plays hold"):
        specialise.comparison("histories", 400_000, order=1)


def test_comparison_judges_every_contender_on_every_domain():
    table = specialise.comparison("comedies", 10_000, order=1, seeds=2, seed=1)
    assert list(table.columns) == ["model", "judged on", "bits", "error", "low", "high"]
    assert sorted(zip(table.model, table["judged on"])) == sorted(
        (model, judged) for model in CONTENDERS for judged in specialise.DOMAINS)
    assert (table.error > 0).all() and (table.low < table.bits).all() and (table.bits < table.high).all()
    # the general model with all the data does not depend on the specialist's domain, budget or draw
    everything = table[table.model == "general, all data"].set_index("judged on").bits
    other = specialise.comparison("tragedies", 25_000, order=1, seeds=2, seed=4)
    assert everything.equals(other[other.model == "general, all data"].set_index("judged on").bits)


def test_the_advantage_is_read_from_the_specialists_own_domain():
    settings = SpecialiseSettings(domain="tragedies", budget_tokens=10_000, order=1, seed=2)
    tables = specialise.live_tables(settings)
    own = tables.comparison[tables.comparison["judged on"] == "tragedies"].set_index("model").bits
    assert tables.advantage == own["general, same budget"] - own["specialist"]
    assert specialise.advantage(tables.comparison, "tragedies", "general, all data") == (
        own["general, all data"] - own["specialist"])
    with pytest.raises(ValueError, match="rival must be one of"):
        specialise.advantage(tables.comparison, "tragedies", "general")


def test_bad_seed_shows_a_message(panel):
    with contextlib.redirect_stdout(io.StringIO()):
        assert_settings_show_message(panel, {"seed": -1}, "seed must be a whole number of at least 0")


def test_static_chart_binds_domain_and_budget():
    grid = chapter.static_grid(StaticGrid(budgets=(10_000, 20_000)))
    spec = chapter.static_chart(grid).to_dict()
    assert {p["name"] for p in spec["params"]} == {"domain", "budget"}
    assert spec["description"]
    assert set(grid.domain) == set(specialise.DOMAINS)
    assert set(grid.budget) == {10_000, 20_000}
    assert len(grid) == 3 * 2 * len(CONTENDERS) * 3  # domains x budgets x models x judged domains


def test_counting_chart_has_every_answerer():
    table = tools.counting_table(orders=(2, 3))
    assert set(table.answerer) == set(tools.ANSWERERS)
    assert "of order 2 and 3," in chapter.counting_chart(table).to_dict()["description"]


def test_unknown_domain_names_are_refused_by_name():
    assert_refuses_unknown_name(lambda name: chapter.chart(domain=name), "domain", specialise.DOMAINS,
                                unknown="romances")


def test_a_fault_in_the_code_is_shown_logged_and_keeps_the_chart(panel, caplog):
    assert_internal_fault_is_shown_and_logged(panel, caplog)


# --- every state of a chart reads well (issue 13) ---------------------------------------------------------------
TITLE_CHARACTERS = 45  # one line of a chart title in a ~300 px panel, at the theme's 13 px


def test_titles_fit_a_narrow_panel_and_say_better_or_worse_in_words(panel):
    grid = specialise.static_grid(StaticGrid(budgets=(10_000, 20_000)))
    for title in (chapter.static_chart(grid).to_dict()["title"], panel.spec["title"]):
        assert isinstance(title, list)
        for line in title:
            assert len(line) <= TITLE_CHARACTERS, line
    advantage = specialise.advantage(specialise.comparison("histories", 25_000), "histories")
    verdict = panel.spec["title"][1]
    assert ("better" if advantage > 0 else "worse") in verdict and "-" not in verdict and "+" not in verdict


def test_every_model_in_the_legend_has_a_point_in_every_state():
    # the static chart filters its grid by domain and budget: each combination holds every contender
    grid = specialise.static_grid(StaticGrid(budgets=(10_000, 20_000)))
    for (domain, budget), rows in grid.groupby(["domain", "budget"]):
        assert set(rows.model) == set(CONTENDERS), (domain, budget)
        assert set(rows["judged on"]) == set(specialise.DOMAINS)
    slider = next(p for p in chapter.static_chart(grid).to_dict()["params"] if p["name"] == "budget")
    assert (slider["bind"]["min"], slider["bind"]["max"]) == (min(grid.budget), max(grid.budget))
