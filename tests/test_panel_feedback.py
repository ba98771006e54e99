"""The feedback-loop chapter's panel and static chart, driven without a browser."""

import pytest

from tests.panel_checks import (assert_control_redraws, assert_internal_fault_is_shown_and_logged,
                                assert_refuses_unknown_name, assert_settings_show_message)
from collapse.feedback import (ADOPTING, CLEAN, FEEDBACK_MODELS, MAX_RUN_WORK, REMEDY_LABELS, SHARE_SERIES, STATIC,
                               FeedbackSettings, StaticGrid, StaticRuns, experiment)
from widgets import feedback


@pytest.fixture(scope="module")
def panel():
    return feedback.panel(generations=12, seeds=50)


def test_panel_draws_both_worlds_and_both_shares(panel):
    assert panel.message.value == ""
    assert {row["world"] for row in panel.spec["datasets"]["distance"]} == {CLEAN, ADOPTING}
    assert {row["series"] for row in panel.spec["datasets"]["shares"]} == set(SHARE_SERIES)


@pytest.mark.parametrize("control, value", [("adoption", 0.8), ("remedy", "fresh-crawl"), ("generations", 8),
                                            ("seeds", 100), ("seed", 3), ("model", "markov")])
def test_every_control_changes_the_chart(panel, control, value):
    assert_control_redraws(panel, control, value)


def test_too_large_runs_show_a_message(panel):
    assert 2_000 * 200 > MAX_RUN_WORK
    assert_settings_show_message(panel, {"seeds": 2_000, "generations": 200}, "too large for the panel")


def test_settings_refuse_out_of_range_values_by_name():
    for changes, message in ((dict(adoption=1.5), "adoption"), (dict(generations=1), "generations"),
                             (dict(seeds=300), "seeds must be one of"),
                             (dict(remedy="filter"), "remedy must be one of")):
        with pytest.raises(ValueError, match=message):
            FeedbackSettings(**changes)


def test_a_text_run_is_one_seed_however_many_the_settings_say():
    text = next(world for world in FEEDBACK_MODELS.values() if world.one_seed)
    settings = FeedbackSettings(model=text.name, generations=200, seeds=2_000)  # no budget refusal: one seed
    assert settings.live_size() == (text.max_live_generations, 1)


def test_markov_text_runs_its_first_generations_only(panel):
    """The panel opens at 100 generations: choosing Markov text runs its first generations only and says so."""
    most = FEEDBACK_MODELS["markov"].max_live_generations
    spec = feedback.chart(model="markov", generations=40, seed=1)
    assert spec["hconcat"][0]["title"].startswith(f"at generation {most}:")
    assert max(row["generation"] for row in spec["datasets"]["distance"]) == most
    assert f"its first {most} generations" in panel.widget.children[0].value


@pytest.fixture(scope="module")
def small_grid():
    small = StaticGrid(runs=(StaticRuns("gaussian", generations=4, seeds=20),
                             StaticRuns("markov", generations=2, seeds=1)))
    return small, *feedback.static_grid(small)


def test_static_grid_holds_every_remedy_adoption_and_generation(small_grid):
    small, grid, shares = small_grid
    for runs in small.runs:
        rows = grid[grid.model == runs.model]
        assert set(rows["remedy"]) == set(REMEDY_LABELS)
        assert set(rows["adoption"]) == set(STATIC.adoptions)
        assert set(rows["generation"]) == set(range(1, runs.generations + 1))
    assert set(shares["adoption"]) == set(STATIC.adoptions)


@pytest.mark.parametrize("model", ["gaussian", "markov"])
def test_static_chart_of_one_model_binds_remedy_and_a_positive_adoption(small_grid, model):
    small, grid, shares = small_grid
    spec = feedback.static_chart(grid, shares, model).to_dict()
    bound = {p["name"]: p for p in spec["params"]}
    assert set(bound) == {"remedy", "adoption"}
    slider = bound["adoption"]["bind"]
    # a = 0 is the clean world, drawn at every rate: a slider at 0 would leave "people copy the models" with no line
    assert slider["min"] == min(a for a in STATIC.adoptions if a > 0) and slider["max"] == max(STATIC.adoptions)
    generations = small.runs_of(model).generations
    drawn = [max(row["generation"] for row in rows) for rows in spec["datasets"].values()
             if rows and "generation" in rows[0]]
    assert drawn and all(last == generations for last in drawn)  # the shares stop where the model's run stops
    assert spec["description"] and all(len(panel["title"]) <= 30 for panel in spec["hconcat"])


def test_static_chart_draws_both_worlds_in_every_state(small_grid):
    small, grid, shares = small_grid
    for runs in small.runs:
        for remedy in REMEDY_LABELS:
            for adoption in (a for a in STATIC.adoptions if a > 0):  # the slider's values
                rows = grid[(grid.model == runs.model) & (grid.remedy == remedy)
                            & ((grid.adoption == 0) | (grid.adoption == adoption))]
                assert set(rows.adoption == 0) == {True, False}  # the legend's two worlds both have a line


def test_static_chart_refuses_a_model_without_runs(small_grid):
    _, grid, shares = small_grid
    with pytest.raises(ValueError, match="model must be one of"):
        feedback.static_chart(grid, shares, "vae")


def test_unknown_model_names_are_refused_by_name():
    assert_refuses_unknown_name(lambda name: feedback.chart(model=name), "model", FEEDBACK_MODELS)
    assert_refuses_unknown_name(lambda name: experiment(name, 0.1, "fresh-crawl", 2, 2, 0), "model",
                                FEEDBACK_MODELS)


def test_a_fault_in_the_code_is_shown_logged_and_keeps_the_chart(panel, caplog):
    assert_internal_fault_is_shown_and_logged(panel, caplog)
