"""The chapter "Beyond next-token loss": its panel and its static chart, driven without a browser."""

import pytest

from collapse.measuring import SHOWN, TEXT_MODEL, experiment, live_models, measured_models, static_grid
from collapse.models.registry import model_entry
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


def layers_of(spec: dict):
    """Every single view of a (layered, concatenated) specification."""
    for key in ("layer", "vconcat", "hconcat"):
        for part in spec.get(key, []):
            yield from layers_of(part)
    if "mark" in spec:
        yield spec


@pytest.fixture(scope="module")
def short_grid():
    """Two cheap models run for different numbers of generations, as the chapter's models are."""
    return static_grid({"gaussian": experiment("gaussian", 100, 3, 2), "categorical": experiment("categorical", 100, 5, 2)})


@pytest.mark.parametrize("model, generations", [("gaussian", 3), ("categorical", 5)])
def test_static_chart_marks_only_the_models_own_generations(short_grid, model, generations):
    spec = measuring.static_chart(short_grid, model).to_dict()
    bound = {p["name"]: p for p in spec["params"]}
    assert set(bound) == {"generation"}  # one model a chart: the slider's range is that model's
    assert (bound["generation"]["bind"]["min"], bound["generation"]["bind"]["max"]) == (1, generations)
    assert 1 <= bound["generation"]["value"] <= generations
    assert spec["description"]


@pytest.mark.parametrize("model", ["gaussian", "categorical"])
def test_static_chart_readout_names_every_line_and_has_no_legend(short_grid, model):
    spec = measuring.static_chart(short_grid, model).to_dict()
    labels = [measure.label for measure in model_entry(model).measures]
    shown = set(short_grid[short_grid.model == model].metric)
    assert shown == set(labels)  # every measure the readout names has rows to draw
    colours = [view["encoding"]["color"] for view in layers_of(spec) if "color" in view.get("encoding", {})]
    assert colours and all(colour["legend"] is None for colour in colours)  # the readout is the legend
    assert all(colour["scale"]["domain"] == labels for colour in colours)  # the same colour for a line and its row
    title = spec["vconcat"][0]["title"]
    assert len(title["text"]) <= 45 and len(title["subtitle"]) <= 60  # fits a narrow panel
    names = [row["name"] for rows in spec["datasets"].values() for row in rows if "name" in row]
    assert names and all(" ".join(name) == row for name, row in zip(names, (
        row["metric"] for rows in spec["datasets"].values() for row in rows if "name" in row)))
    assert all(len(line) <= measuring.READOUT_CHARACTERS for name in names for line in name)  # fits a phone


def test_static_chart_breaks_a_long_measure_name_in_the_readout():
    long = "loss on its training set (last generation's images)"  # the VAE's longest, 51 characters
    grid = static_grid({"gaussian": experiment("gaussian", 100, 3, 2)}).assign(metric=long)
    rows = next(rows for rows in measuring.static_chart(grid, "gaussian").to_dict()["datasets"].values()
                if rows and "name" in rows[0])
    assert len(rows[0]["name"]) == 2 and " ".join(rows[0]["name"]) == long


def test_static_chart_refuses_a_model_it_has_no_runs_of(short_grid):
    with pytest.raises(ValueError, match="model must be one of"):
        measuring.static_chart(short_grid, "markov")


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
