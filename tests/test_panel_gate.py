"""The validation-gate chapter's panel and charts, driven without a browser."""

import pytest

from tests.panel_checks import (assert_control_redraws, assert_internal_fault_is_shown_and_logged,
                                assert_refuses_unknown_name, assert_settings_show_message)
from collapse.gate import (RATES, STATIC, GateSettings, StaticGrid, chapter_models, outcomes_table, runs,
                           world_and_model)
from collapse.regimes import REGIME_LABELS
from widgets import gate


@pytest.fixture(scope="module")
def panel():
    return gate.panel(generations=20, seeds=100)


def test_panel_draws_every_series(panel):
    assert panel.message.value == ""
    assert {row["series"] for row in panel.spec["datasets"]["errors"]} == set(gate.SERIES)
    assert {"generation", *RATES} <= set(panel.spec["datasets"]["rates"][0])
    assert "validation rows" in panel.spec["title"][0]
    assert panel.spec["description"] == gate.DESCRIPTION


@pytest.mark.parametrize("control, value", [("validation_rows", 200), ("regime", "fresh-mix"),
                                            ("samples_per_generation", 20), ("generations", 30), ("seeds", 200),
                                            ("seed", 3), ("model", "regression")])
def test_every_control_changes_the_chart(panel, control, value):
    if control == "model":
        panel.controls["samples_per_generation"].value = 30  # regression needs d + 2 = 12 rows or more
    try:
        assert_control_redraws(panel, control, value)
    finally:
        panel.controls["samples_per_generation"].value = 10


@pytest.mark.parametrize("regime, control, value", [("fresh-mix", "real_share", 0.6),
                                                    ("accumulate-subsample", "cap_generations", 5)])
def test_regime_options_redraw_and_show_only_with_their_regime(panel, regime, control, value):
    assert panel.controls[control].layout.display == "none"
    panel.controls["regime"].value = regime
    try:
        assert panel.controls[control].layout.display is None
        assert_control_redraws(panel, control, value)
    finally:
        panel.controls["regime"].value = "replace"


def test_too_large_runs_show_a_message(panel):
    assert_settings_show_message(panel, {"seeds": 2_000, "validation_rows": 1_000}, "units of work; the panel allows")


def test_regression_with_too_few_samples_shows_a_message(panel):
    assert_settings_show_message(panel, {"samples_per_generation": 5, "model": "regression"},
                                 "needs at least 12 samples per generation")


def test_static_chart_binds_model_regime_and_validation_size():
    errors, rates = gate.static_grid(StaticGrid(generations=3))
    spec = gate.static_chart((errors, rates)).to_dict()
    assert {p["name"] for p in spec["params"]} == {"model", "regime", "validation"}
    assert spec["description"] == gate.DESCRIPTION
    assert spec["title"] == [f"The validation gate, {STATIC.generations} generations", *STATIC.model_sizes()]
    for model in (m.name for m in STATIC.models):
        for regime in STATIC.regimes:
            gated = errors[(errors.model == model) & (errors.regime == regime)
                           & (errors.series == "validation gate")]
            assert set(gated.validation) == set(STATIC.validation)
            assert set(rates[(rates.model == model) & (rates.regime == regime)].validation) == set(
                STATIC.validation)
            references = errors[(errors.model == model) & (errors.regime == regime) & (errors.validation == 0)]
            assert set(references.series) == {"oracle gate", "no gate"}
        assert set(errors[(errors.model == model) & (errors.regime == "any")].series) == {"accumulate, no gate"}


def test_the_model_menu_is_the_registrys_models_with_a_known_true_error(panel):
    assert [value for _, value in panel.controls["model"].options] == [entry.name for entry in chapter_models()]


def test_settings_refuse_a_gate_with_nothing_to_judge():
    with pytest.raises(ValueError, match="generations must be"):
        GateSettings(generations=1)


def test_every_series_records_the_true_error_and_the_table_has_a_row_per_run():
    result = runs("regression", "replace", 20, 15, 12, 30, seed=2)
    assert set(result) == set(gate.SERIES)
    assert all(history.metric("true_error").shape == (12, 30) for history in result.values())
    table = outcomes_table({20: result["validation gate"], "oracle": result["oracle gate"]})
    assert list(table.index) == [20, "oracle"] and table.index.name == "validation rows"
    assert table.loc["oracle", "runs_made_worse"] == 0  # the oracle never deploys a truly worse model


def test_unknown_model_and_regime_names_are_refused_by_name():
    names = [entry.name for entry in chapter_models()]
    assert_refuses_unknown_name(lambda name: gate.chart(model=name), "model", names)
    assert_refuses_unknown_name(lambda name: world_and_model(name, 10, 2, 0), "model", names)
    assert_refuses_unknown_name(lambda name: world_and_model(name, 10, 2, 0), "model", names, unknown="markov")
    assert_refuses_unknown_name(lambda name: gate.chart(regime=name), "regime", REGIME_LABELS, unknown="resample")


def test_a_fault_in_the_code_is_shown_logged_and_keeps_the_chart(panel, caplog):
    assert_internal_fault_is_shown_and_logged(panel, caplog)


# --- every state of a chart reads well (issue 13) ---------------------------------------------------------------
TITLE_CHARACTERS = 45  # one line of a chart title in a ~300 px panel, at the theme's 13 px


def title_lines(title) -> list[str]:
    return [title] if isinstance(title, str) else list(title)


def test_titles_fit_a_narrow_panel(panel):
    errors, rates = gate.static_grid(StaticGrid(generations=3))
    for title in (gate.static_chart((errors, rates)).to_dict()["title"], panel.spec["title"]):
        for line in title_lines(title):
            assert len(line) <= TITLE_CHARACTERS, line


def test_legends_sit_below_their_panels_and_every_legend_series_has_rows(panel):
    spec = panel.spec
    for part, dataset, key in ((0, "errors", "series"), (1, "rates", None)):
        colour = spec["hconcat"][part]["encoding"]["color"]
        assert colour["legend"]["orient"] == "bottom"
        named = colour["scale"]["domain"]
        if key:  # long table: each series named in the legend has rows
            assert {row[key] for row in spec["datasets"][dataset]} == set(named)
        else:  # wide table, folded in the chart: each named rate is a column
            assert set(named) <= set(spec["datasets"][dataset][0])


def test_the_results_table_names_every_outcome_in_words():
    from collapse.gate import outcomes
    from widgets.tables import results_table

    errors = runs("gaussian", "replace", 5, 10, 12, 20)
    table = outcomes_table({5: errors["validation gate"], "oracle": errors["oracle gate"]})
    assert set(gate.OUTCOME_HEADERS) == {"validation rows", *outcomes(errors["validation gate"])}
    shown = results_table(table, index=True, columns=gate.OUTCOME_HEADERS, formats=gate.OUTCOME_FORMATS).data
    assert "_" not in shown.replace("results-table", "")  # no raw column name such as runs_made_worse
    for header in gate.OUTCOME_HEADERS.values():
        assert header.replace("'", "&#x27;") in shown or header in shown


def test_the_error_axis_follows_the_data_and_a_runaway_line_stops_at_its_top(panel):
    layer = panel.spec["hconcat"][0]
    y = layer["encoding"]["y"]
    assert y["field"] == "shown" and "domainMax" not in y["scale"] and "domain" not in y["scale"]
    steps = {next(iter(step)): step for step in layer["transform"]}
    assert steps["window"]["window"] == [{"op": "lag", "field": "relative", "as": "previous"}]
    assert str(gate.TOP) in steps["filter"]["filter"] and f"min(datum.relative, {gate.TOP})" in steps["calculate"][
        "calculate"]
    # the Gaussian under replace does run away in this panel's settings: without the cut its axis would reach far past
    assert max(row["relative"] for row in panel.spec["datasets"]["errors"]) > gate.TOP
    assert all(value <= gate.TOP for value in y["axis"]["values"])
