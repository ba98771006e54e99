"""The validation-gate chapter's panel and charts, driven without a browser."""

import pytest

from tests.panel_checks import (assert_control_redraws, assert_internal_fault_is_shown_and_logged,
                                assert_refuses_unknown_name, assert_settings_show_message)
from widgets.panel import REGIME_LABELS
from widgets import gate


@pytest.fixture(scope="module")
def panel():
    return gate.panel(generations=20, seeds=100)


def test_panel_draws_every_series(panel):
    assert panel.message.value == ""
    assert {row["series"] for row in panel.spec["datasets"]["errors"]} == set(gate.SERIES)
    assert {"generation", *gate.RATES} <= set(panel.spec["datasets"]["rates"][0])
    assert "validation rows" in panel.spec["title"]
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
    errors, rates = gate.static_grid(generations=3)
    spec = gate.static_chart((errors, rates)).to_dict()
    assert {p["name"] for p in spec["params"]} == {"model", "regime", "validation"}
    assert spec["description"] == gate.DESCRIPTION
    for model in gate.MODELS:
        for regime in gate.STATIC_REGIMES:
            gated = errors[(errors.model == model) & (errors.regime == regime)
                           & (errors.series == "validation gate")]
            assert set(gated.validation) == set(gate.STATIC_VALIDATION)
            assert set(rates[(rates.model == model) & (rates.regime == regime)].validation) == set(
                gate.STATIC_VALIDATION)
            references = errors[(errors.model == model) & (errors.regime == regime) & (errors.validation == 0)]
            assert set(references.series) == {"oracle gate", "no gate"}
        assert set(errors[(errors.model == model) & (errors.regime == "any")].series) == {"accumulate, no gate"}


def test_unknown_model_and_regime_names_are_refused_by_name():
    assert_refuses_unknown_name(lambda name: gate.chart(model=name), "model", gate.MODELS)
    assert_refuses_unknown_name(lambda name: gate.world_and_model(name, 10, 2, 0), "model", gate.MODELS)
    assert_refuses_unknown_name(lambda name: gate.chart(regime=name), "regime", REGIME_LABELS, unknown="resample")


def test_a_fault_in_the_code_is_shown_logged_and_keeps_the_chart(panel, caplog):
    assert_internal_fault_is_shown_and_logged(panel, caplog)
