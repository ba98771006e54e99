"""The replace-versus-accumulate chapter's panel and charts, driven without a browser."""


import numpy as np
import pytest

from collapse import theory
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


def test_relative_curves_start_at_one_and_match_the_theorem():
    errors = {r: accumulate.numpy_errors("regression", r, 30, 20, 4_000, 10, seed=2) for r in accumulate.REGIMES}
    curves = accumulate.relative_curves(errors)
    assert np.allclose(curves[curves.generation == 1]["relative"], 1.0)
    last = errors["replace"][-1]
    assert abs(last.mean() - theory.regression_error_replace(20, 10, 30)) < 5 * last.std() / np.sqrt(last.size)


def test_static_chart_binds_model_samples_and_dimension():
    grid = accumulate.static_grid(generations=3, seeds=50)
    spec = accumulate.static_chart(grid).to_dict()
    assert {p["name"] for p in spec["params"]} == {"model", "samples", "dimension"}
    regression = grid[grid.model == "regression"]
    assert len(regression.groupby(["samples", "dimension"])) == len(accumulate.STATIC_SAMPLES) * len(
        accumulate.STATIC_DIMENSIONS)
    assert regression["closed_form"].notna().all() and grid[grid.model == "gaussian"]["closed_form"].isna().all()


def test_vae_curves_come_from_the_stored_runs_and_start_at_one():
    curves = accumulate.vae_curves()
    assert set(curves["regime"]) == set(accumulate.REGIMES)
    assert np.allclose(curves[curves.generation == 1]["relative"], 1.0)
    assert (curves["model"] == accumulate.VAE_LABEL).all()


def test_unknown_model_names_are_refused_by_name():
    assert_refuses_unknown_name(lambda name: accumulate.chart(model=name), "model", accumulate.MODELS)
    assert_refuses_unknown_name(lambda name: accumulate.numpy_errors(name, "replace", 10, 2, 2), "model",
                                accumulate.NUMPY_MODELS)
    assert_refuses_unknown_name(lambda name: accumulate.numpy_errors("markov", "replace", 10, 2, 2), "model",
                                accumulate.NUMPY_MODELS, unknown="markov")  # text runs elsewhere, not as regression


def test_a_fault_in_the_code_is_shown_logged_and_keeps_the_chart(panel, caplog):
    assert_internal_fault_is_shown_and_logged(panel, caplog)
