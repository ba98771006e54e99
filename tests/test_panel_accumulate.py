"""The replace-versus-accumulate chapter's panel and charts, driven without a browser."""


import numpy as np
import pandas as pd
import pytest

from collapse import theory
from collapse.accumulate import (REGIMES, STATIC, StaticGrid, chapter_models, errors, model_label, relative_curves,
                                 run)
from collapse.models.registry import MODELS
from tests.panel_checks import (assert_control_redraws, assert_internal_fault_is_shown_and_logged,
                                assert_refuses_unknown_name, assert_settings_show_message)
from widgets import accumulate


@pytest.fixture(scope="module")
def panel():
    return accumulate.panel(seeds=200, generations=10)


def test_panel_draws_both_regimes_with_the_closed_forms(panel):
    assert panel.message.value == ""
    curves = panel.spec["datasets"]["curves"]
    assert {row["regime"] for row in curves} == {"replace", "accumulate"}
    assert {row["regime"] for row in panel.spec["datasets"]["theory"]} == {"replace", "accumulate"}
    assert len(curves) == 2 * 10


@pytest.mark.parametrize("control, value", [("samples_per_generation", 50), ("dimension", 5), ("generations", 6),
                                            ("seeds", 100), ("seed", 4), ("model", "gaussian")])
def test_every_control_changes_the_chart(panel, control, value):
    assert_control_redraws(panel, control, value)


def test_the_gaussian_has_no_closed_form_curve_and_hides_the_dimension(panel):
    panel.controls["model"].value = "gaussian"
    try:
        assert panel.spec["datasets"]["theory"] == []
        assert panel.controls["dimension"].layout.display == "none"
    finally:
        panel.controls["model"].value = "regression"
    assert panel.controls["dimension"].layout.display is None


def test_impossible_and_costly_settings_show_messages(panel):
    assert_settings_show_message(panel, {"samples_per_generation": 10},  # d = 10 needs at least 12 rows
                                 "needs at least d + 2 = 12 samples")
    assert_settings_show_message(panel, {"seeds": 2_000, "generations": 100, "dimension": 40,
                                         "samples_per_generation": 500}, "the panel allows 30,000,000")


def test_the_model_menu_is_the_registrys_live_models(panel):
    assert [value for _, value in panel.controls["model"].options] == [entry.name for entry in chapter_models()]


def test_a_text_model_runs_once_and_hides_the_seeds(panel):
    panel.controls["samples_per_generation"].value = 10
    panel.controls["model"].value = "markov"
    try:
        assert panel.message.value == ""
        assert "one run" in panel.spec["title"]
        assert panel.controls["seeds"].layout.display == "none"
    finally:
        panel.controls["model"].value = "regression"
        panel.controls["samples_per_generation"].value = 30
    assert panel.controls["seeds"].layout.display is None


def test_relative_curves_start_at_one_and_match_the_theorem():
    histories = {r: run("regression", r, 30, 20, 4_000, seed=2, dimension=10) for r in REGIMES}
    curves = relative_curves(histories, "error")
    assert np.allclose(curves[curves.generation == 1]["relative"], 1.0)
    last = histories["replace"].metric("error")[-1]
    assert abs(last.mean() - theory.regression_error_replace(20, 10, 30)) < 5 * last.std() / np.sqrt(last.size)


def test_static_chart_binds_model_samples_and_dimension():
    grid = accumulate.static_grid(StaticGrid(generations=3, seeds=50))
    spec = accumulate.static_chart(grid).to_dict()
    assert {p["name"] for p in spec["params"]} == {"model", "samples", "dimension"}
    regression = grid[grid.model == "regression"]
    assert len(regression.groupby(["samples", "dimension"])) == len(STATIC.samples) * len(STATIC.dimensions)
    assert regression["closed_form"].notna().all() and grid[grid.model == "gaussian"]["closed_form"].isna().all()
    assert f"{STATIC.seeds:,} runs" in spec["description"]


def test_unknown_model_names_are_refused_by_name():
    names = [entry.name for entry in chapter_models()]
    assert_refuses_unknown_name(lambda name: accumulate.chart(model=name), "model", names)
    assert_refuses_unknown_name(lambda name: errors(name, "replace", 10, 2, 2), "model", MODELS)
    with pytest.raises(ValueError, match="trains too slowly to run here"):  # a stored model is read, not run
        errors("vae", "replace", 10, 2)


def test_a_fault_in_the_code_is_shown_logged_and_keeps_the_chart(panel, caplog):
    assert_internal_fault_is_shown_and_logged(panel, caplog)


# A title line longer than this does not fit a 300 px panel at the theme's 13 px title font.
TITLE_CHARACTERS = 42


def test_live_title_names_the_closed_form_only_where_it_is_drawn():
    regression = accumulate.chart(model="regression", seeds=10, generations=3)
    gaussian = accumulate.chart(model="gaussian", seeds=10, generations=3)
    assert regression["datasets"]["theory"] and "dashed: closed form" in regression["title"][1]
    assert not gaussian["datasets"]["theory"] and "dashed" not in " ".join(gaussian["title"])
    for spec in (regression, gaussian):
        assert all(len(line) <= TITLE_CHARACTERS for line in spec["title"]), spec["title"]


def test_every_model_headers_split_into_lines_that_fit_a_facet():
    # the facet header's label expression breaks each model label at its last " (": the model, then its error
    for entry in MODELS.values():
        label = model_label(entry)
        cut = label.rindex(" (")
        assert max(len(label[:cut]), len(label[cut + 1:])) <= 45, label  # about 270 px at 11 px
    one_row = pd.DataFrame({"generation": [1], "regime": ["replace"], "relative": [1.0], "error": [1.0],
                            "model": [model_label(next(iter(MODELS.values())))]})
    chart = accumulate.every_model_chart(one_row).to_dict()
    assert "lastindexof(datum.value, ' (')" in chart["facet"]["header"]["labelExpr"]


def test_static_chart_title_fits_a_narrow_panel():
    spec = accumulate.static_chart(accumulate.static_grid(StaticGrid(samples=(30,), dimensions=(5,), generations=3,
                                                                     seeds=10))).to_dict()
    assert all(len(line) <= TITLE_CHARACTERS for line in spec["title"])
