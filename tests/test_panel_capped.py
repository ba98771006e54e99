"""The capped-accumulation chapter's panel and charts, driven without a browser."""


import pytest

from collapse.capped import STATIC, CappedSettings, StaticGrid, chapter_models, curves, scarcity_table
from tests.panel_checks import (assert_control_redraws, assert_internal_fault_is_shown_and_logged,
                                assert_refuses_unknown_name, assert_settings_show_message)
from widgets import capped


@pytest.fixture(scope="module")
def panel():
    return capped.panel(generations=40, seeds=20)


def test_panel_draws_replace_capped_and_accumulate(panel):
    assert panel.message.value == ""
    series = {row["series"] for row in panel.spec["datasets"]["curves"]}
    assert series == {"replace", "capped", "accumulate"}


@pytest.mark.parametrize("control, value", [("cap_generations", 4), ("generations", 30), ("seeds", 50),
                                            ("samples_per_generation", 64), ("dimension", 5), ("seed", 2),
                                            ("model", "gaussian")])
def test_every_control_changes_the_chart(panel, control, value):
    assert_control_redraws(panel, control, value)


def test_capped_curve_lies_between_the_references():
    data = curves("regression", 1, 32, 60, 300, 10, seed=4)
    last = data[data.generation == 60].set_index("series")["relative"]
    assert last["accumulate"] < last["capped"] < last["replace"]


def test_too_large_runs_show_a_message(panel):
    assert_settings_show_message(panel, {"cap_generations": 50, "seeds": 500, "generations": 500},
                                 "too large for the panel")


def test_settings_refuse_too_few_rows_for_regression_and_large_runs():
    with pytest.raises(ValueError, match="needs at least d \\+ 2 = 12 samples"):
        CappedSettings(samples_per_generation=10, dimension=10)
    CappedSettings(model="gaussian", samples_per_generation=10)  # no d: ten rows will do
    with pytest.raises(ValueError, match="too large for the panel"):
        CappedSettings(cap_generations=50, seeds=500, generations=500)


def test_static_chart_binds_model_and_cap():
    grid = capped.static_grid(StaticGrid(generations=5))
    spec = capped.static_chart(grid).to_dict()
    assert {p["name"] for p in spec["params"]} == {"model", "cap"}
    for model in STATIC.models:
        rows = grid[grid.model == model.name]
        assert set(rows[rows.series == "capped"]["cap"]) == set(STATIC.caps)
        assert set(rows[rows.cap == 0]["series"]) == {"replace", "accumulate"}


def test_synthetic_data_help_when_real_data_are_scarce_and_hurt_when_plentiful():
    table = scarcity_table()
    most = table[table["synthetic per real point"] == table["synthetic per real point"].max()].set_index(
        "real points")
    scarce, abundant = most.index.min(), most.index.max()
    assert most.loc[scarce, "change"] + 3 * most.loc[scarce, "standard error"] < 0
    assert most.loc[abundant, "change"] - 3 * most.loc[abundant, "standard error"] > 0


def test_unknown_model_names_are_refused_by_name():
    assert_refuses_unknown_name(lambda name: capped.chart(model=name), "model",
                                [entry.name for entry in chapter_models()])


def test_a_fault_in_the_code_is_shown_logged_and_keeps_the_chart(panel, caplog):
    assert_internal_fault_is_shown_and_logged(panel, caplog)


# A title line longer than this does not fit a 300 px panel at the theme's 13 px title font.
TITLE_CHARACTERS = 42


def test_titles_fit_a_narrow_panel():
    static = capped.static_chart(capped.static_grid(StaticGrid(generations=5))).to_dict()
    assert len(static["title"]) <= TITLE_CHARACTERS
    live = capped.chart(cap_generations=50, generations=10, seeds=20)  # the widest number the live title shows
    assert all(len(line) <= TITLE_CHARACTERS for line in live["title"]), live["title"]


def test_error_axis_labels_follow_its_own_domain():
    # the Gaussian's error under replace grows to 10²⁰: the label expression switches to powers of ten when the
    # domain of this chart's y scale spans more than POWERS_FROM, and the regression keeps plain numbers
    spec = capped.static_chart(capped.static_grid(StaticGrid(generations=5))).to_dict()
    label = spec["layer"][0]["encoding"]["y"]["axis"]["labelExpr"]
    assert "domain('y')" in label and "'10'" in label and "format(datum.value" in label


def test_the_static_grid_covers_every_cap_of_its_slider_for_every_model():
    grid = capped.static_grid(StaticGrid(generations=5))
    spec = capped.static_chart(grid).to_dict()
    cap = next(param for param in spec["params"] if param["name"] == "cap")["bind"]
    assert (cap["min"], cap["max"]) == (min(STATIC.caps), max(STATIC.caps))
    for model in STATIC.models:
        capped_rows = grid[(grid.model == model.name) & (grid.series == "capped")]
        assert capped_rows.groupby("cap")["generation"].max().eq(5).all()  # every curve runs to the last generation
