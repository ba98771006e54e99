"""The tiny transformer chapter's drawing: the static chart of the stored runs, the writing side by side, and the
Run-button panel, driven without a browser."""

import json

import pytest

from collapse import transformer as engine
from collapse.transformer import (MEASURES, REGIMES, STORED, WRITING_MEASURES, TransformerPanelSettings,
                                  load_results, shown_generations, stored_history)
from tests.panel_checks import assert_internal_fault_is_shown_and_logged, assert_refuses_unknown_name
from widgets import transformer

# a run of a few seconds: two generations of 5,000 characters, one pass each (5 Adam steps a generation)
TINY = dict(characters_per_generation=5_000, epochs=1, generations=2)


@pytest.fixture()
def panel():
    return transformer.panel(**TINY)


# --- the static chart --------------------------------------------------------------------------------------------
def test_static_chart_binds_a_menu_of_every_measure_over_every_stored_run():
    spec = transformer.static_chart().to_dict()
    bound = {param["name"]: param["bind"] for param in spec["params"]}
    assert set(bound) == {"measure"} and bound["measure"]["input"] == "select"
    assert bound["measure"]["options"] == list(MEASURES)
    assert bound["measure"]["labels"] == list(MEASURES.values())
    rows = next(iter(spec["datasets"].values()))
    shown = {(row["regime"], row["generation"], row["measure"], row["seed"]) for row in rows}
    expected = {(regime, generation, measure, seed) for regime in STORED.regimes for measure in MEASURES
                for generation in range(0 if measure in WRITING_MEASURES else 1, STORED.generations + 1)
                for seed in range(STORED.seeds)}
    assert shown == expected
    assert "datum.measure == measure" in json.dumps(spec)
    assert spec.get("description")


def test_static_chart_is_laid_out_again_for_each_measure_and_its_titles_fit():
    spec = transformer.static_chart().to_dict()
    # the menu changes the tick labels' width: without a new layout the widest ones are cut at the chart's edge
    assert spec["autosize"] == {"type": "pad", "resize": True}
    assert all(len(label) <= 45 for label in MEASURES.values())  # each measure's title fits a ~300 px panel


def test_static_chart_draws_the_stored_values():
    rows = next(iter(transformer.static_chart().to_dict()["datasets"].values()))
    bits = stored_history("replace").metric("heldout_bits_per_char")
    for row in rows:
        if row["regime"] == "replace" and row["measure"] == "heldout_bits_per_char":
            assert row["value"] == pytest.approx(bits[row["generation"] - 1, row["seed"]], rel=1e-3)


# --- the writing, side by side -----------------------------------------------------------------------------------
def test_writing_table_shows_each_stored_generation_of_each_regime():
    markup = transformer.writing_table(("replace", "accumulate"), passages=3).data
    for generation in shown_generations(STORED.generations):
        assert f">{transformer.generation_label(generation)}</th>" in markup
    for regime in ("replace", "accumulate"):
        for generation, passages in load_results()["runs"][regime]["passages"].items():
            first = transformer.passage_markup(passages[0])
            assert first in markup, (regime, generation)
    assert markup.count("<tr>") == 1 + 2 * (1 + 3)  # the header, then each regime's label and three passages


def test_writing_markup_escapes_what_a_model_wrote():
    markup = transformer.writing_markup({"replace": {0: ["<script>alert(1)</script>"], 1: ["a & b\nc"]}}, passages=1)
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "a &amp; b" + transformer.NEWLINE_MARK + "<br>c" in markup


# --- the live panel ----------------------------------------------------------------------------------------------
def test_panel_opens_on_the_stored_run_without_training(monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("the panel trained before Run was pressed")

    monkeypatch.setattr(engine, "experiment", no_training)
    view = transformer.panel()
    assert view.message.value == "" and "A stored run" in view.spec["title"]
    assert view.progress.value == 0 and not view.button.disabled
    measures = {row["measure"] for row in view.spec["datasets"]["measures"]}
    assert measures == set(transformer.LIVE_MEASURES)
    json.dumps(view.spec)  # a reader's browser receives it as JSON


def test_run_button_trains_with_progress_and_disables_the_controls_meanwhile(panel):
    seen = []  # what the progress bar showed, and whether everything was locked then

    def record(change):
        seen.append((change.new, all(c.disabled for c in panel.controls.values()), panel.button.disabled))

    panel.progress.observe(record, names="value")
    before = json.dumps(panel.spec)
    panel.button.click()
    steps = TransformerPanelSettings(**TINY).planned_steps()
    advanced = [value for value, _, _ in seen if value > 0]
    assert advanced == sorted(advanced) and advanced[-1] == steps and len(advanced) >= TINY["generations"]
    assert all(controls_off and button_off for _, controls_off, button_off in seen)
    assert panel.progress.value == panel.progress.max == steps
    assert not panel.button.disabled and not any(c.disabled for c in panel.controls.values())
    assert panel.message.value == "" and json.dumps(panel.spec) != before
    assert panel.spec["title"].startswith("replace, 5,000 characters a generation")
    generations = {row["generation"] for row in panel.spec["datasets"]["measures"]}
    assert generations == {0, 1, 2}  # real text's share of real words, then each generation


def test_a_too_large_run_shows_the_budget_message_and_trains_nothing(panel):
    shown = json.dumps(panel.spec)
    panel.controls["characters_per_generation"].value = 200_000
    panel.controls["epochs"].value = 8
    panel.controls["generations"].value = 4
    panel.button.click()
    assert f"the panel starts runs of up to about {engine.LIVE_SECONDS} s" in panel.message.value
    assert 'role="alert"' in panel.message.value and panel.progress.value == 0
    assert json.dumps(panel.spec) == shown
    assert not panel.button.disabled and not any(c.disabled for c in panel.controls.values())


def test_unknown_regime_names_are_refused_by_name():
    assert_refuses_unknown_name(lambda name: transformer.chart(regime=name), "regime", REGIMES, unknown="fresh-mix")
    assert_refuses_unknown_name(lambda name: stored_history(name), "regime", STORED.regimes, unknown="kde")


def test_a_fault_in_the_code_is_shown_logged_and_re_enables_the_controls(panel, caplog):
    assert_internal_fault_is_shown_and_logged(panel, caplog)
