"""The chapter "Beyond next-token loss": its panel, its tables and its static chart, driven without a browser."""

import numpy as np
import pytest

from tests.panel_checks import (assert_control_redraws, assert_internal_fault_is_shown_and_logged,
                                assert_refuses_unknown_name, assert_settings_show_message)
from widgets import measuring


@pytest.fixture(scope="module")
def panel():
    return measuring.panel(tokens_per_generation=2_000, generations=4, seeds=2)


def test_panel_draws_losses_and_diversity_with_a_reactions_table(panel):
    assert panel.message.value == ""
    rows = panel.spec["datasets"]["relative"]
    assert {row["kind"] for row in rows} == {"loss", "diversity"}
    assert all(row["relative"] == pytest.approx(1.0) for row in rows if row["generation"] == 1)
    assert "first generation beyond 5 SE" in panel.below.value


@pytest.mark.parametrize("control, value", [("model", "gaussian"), ("tokens_per_generation", 5_000),
                                            ("generations", 3), ("seeds", 4), ("shown", "losses"), ("seed", 3)])
def test_every_control_changes_the_chart(panel, control, value):
    assert_control_redraws(panel, control, value)


def test_sample_size_redraws_the_numpy_models(panel):
    panel.controls["model"].value = "categorical"
    try:
        assert panel.controls["tokens_per_generation"].layout.display == "none"
        assert_control_redraws(panel, "samples_per_generation", 20)
    finally:
        panel.controls["model"].value = "text"


def test_too_large_runs_show_a_message(panel):
    assert_settings_show_message(panel, {"tokens_per_generation": 50_000, "seeds": 1_000}, "the panel allows")


def test_relative_table_divides_the_median_by_generation_one():
    names = [metric.name for metric in measuring.MODELS["gaussian"].metrics]
    measured = {name: np.array([[2.0, 4.0, 9.0], [1.0, 3.0, 0.0]]) for name in names}  # medians 4, then 1
    table = measuring.relative_table("gaussian", measured)
    assert table[table.generation == 2]["relative"].tolist() == [0.25] * len(names)


def test_every_metric_of_a_model_gets_its_own_colour():
    assert max(len(choice.metrics) for choice in measuring.MODELS.values()) <= len(measuring.METRIC_COLOURS)


def test_stored_vae_runs_give_coverage_metrics():
    measured = measuring.run("vae", *measuring.STATIC_SETTINGS["vae"])
    assert measured["classes_covered"].shape == (10, 8)
    table = measuring.reactions("vae", measured)
    assert set(table.metric) == {metric.label for metric in measuring.MODELS["vae"].metrics}


def test_static_chart_binds_model_and_generation():
    runs = {model: measuring.run(model, size, 3, 2) for model, (size, _, _) in measuring.STATIC_SETTINGS.items()
            if model != "text"}
    grid = measuring.static_grid(runs)
    spec = measuring.static_chart(grid).to_dict()
    assert {p["name"] for p in spec["params"]} == {"model", "generation"}
    assert spec["description"]
    assert set(grid.model) == set(runs)


@pytest.mark.parametrize("settings, message", [(dict(model="vae"), "stored"), (dict(seeds=1), "at least 2"),
                                              (dict(model="gaussian", shown="nothing"), "shown must be")])
def test_bad_settings_raise_a_readable_error(settings, message):
    with pytest.raises(ValueError, match=message):
        measuring.chart(**settings)


def test_unknown_model_and_view_names_are_refused_by_name():
    assert_refuses_unknown_name(lambda name: measuring.chart(model=name), "model", measuring.MODELS)
    assert_refuses_unknown_name(lambda name: measuring.caption(model=name), "model", measuring.MODELS)
    assert_refuses_unknown_name(lambda name: measuring.chart(shown=name), "shown", measuring.SHOWN, unknown="some")


def test_a_fault_in_the_code_is_shown_logged_and_keeps_the_chart(panel, caplog):
    assert_internal_fault_is_shown_and_logged(panel, caplog)
