"""The chapter "Beyond next-token loss": its panel and its static chart, driven without a browser."""

import pytest

from collapse.measuring import SHOWN, STATIC, TEXT_MODEL, experiment, live_models, measured_models, static_grid
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


def test_the_model_menu_offers_the_registrys_live_models_with_measures(panel):
    offered = [value for _, value in panel.controls["model"].options]
    assert offered == [entry.name for entry in live_models()] and TEXT_MODEL in offered


@pytest.mark.parametrize("control, value", [("model", "gaussian"), ("tokens_per_generation", 5_000),
                                            ("generations", 3), ("seeds", 4), ("shown", "losses"), ("seed", 3)])
def test_every_control_changes_the_chart(panel, control, value):
    assert_control_redraws(panel, control, value)


def test_sample_size_redraws_the_numpy_models(panel):
    assert panel.controls["samples_per_generation"].layout.display == "none"  # the text model counts tokens
    panel.controls["model"].value = "categorical"
    try:
        assert panel.controls["tokens_per_generation"].layout.display == "none"
        assert panel.controls["samples_per_generation"].layout.display is None
        assert_control_redraws(panel, "samples_per_generation", 20)
    finally:
        panel.controls["model"].value = TEXT_MODEL


def test_too_large_runs_show_a_message(panel):
    assert_settings_show_message(panel, {"tokens_per_generation": 50_000, "seeds": 1_000}, "the panel allows")


def test_every_measure_of_a_model_gets_its_own_colour():
    assert max(len(entry.measures) for entry in measured_models()) <= len(measuring.METRIC_COLOURS)


def test_static_chart_binds_model_and_generation():
    runs = {name: experiment(name, sizes.samples_per_generation, 3, 2) for name, sizes in STATIC.runs.items()
            if name != TEXT_MODEL}
    grid = static_grid(runs)
    spec = measuring.static_chart(grid).to_dict()
    bound = {p["name"]: p for p in spec["params"]}
    assert set(bound) == {"model", "generation"}
    assert bound["model"]["bind"]["options"] == [entry.name for entry in measured_models()]
    assert bound["model"]["value"] == TEXT_MODEL
    assert bound["generation"]["bind"]["max"] == 3
    assert spec["description"]
    assert set(grid.model) == set(runs)


@pytest.mark.parametrize("settings, message", [(dict(model="vae"), "stored"), (dict(seeds=1), "seeds must be one of"),
                                              (dict(model="gaussian", shown="nothing"), "shown must be")])
def test_bad_settings_raise_a_readable_error(settings, message):
    with pytest.raises(ValueError, match=message):
        measuring.chart(**settings)


def test_unknown_model_and_view_names_are_refused_by_name():
    live = [entry.name for entry in live_models()]
    assert_refuses_unknown_name(lambda name: measuring.chart(model=name), "model", live)
    assert_refuses_unknown_name(lambda name: measuring.caption(model=name), "model", live)
    assert_refuses_unknown_name(lambda name: measuring.chart(shown=name), "shown", SHOWN, unknown="some")


def test_a_fault_in_the_code_is_shown_logged_and_keeps_the_chart(panel, caplog):
    assert_internal_fault_is_shown_and_logged(panel, caplog)
