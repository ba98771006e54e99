"""The telephone chapter's panel and charts, driven the way a reader drives them, without a browser."""

import json

import numpy as np
import pytest

from tests.panel_checks import (assert_control_redraws, assert_internal_fault_is_shown_and_logged,
                                assert_refuses_unknown_name, assert_settings_show_message, settings_showing_message)
from collapse.regimes import REGIME_LABELS
from collapse.telephone import ESTIMATOR_LABELS, STATIC, StaticGrid, TelephoneSettings, summary_table
from widgets import telephone


@pytest.fixture(scope="module")
def panel():
    return telephone.panel(seeds=50, generations=30)


def datasets(spec):
    return spec["datasets"]


def test_panel_draws_a_chart_on_creation(panel):
    assert panel.message.value == ""
    assert set(datasets(panel.spec)) >= {"runs", "fan", "theory", "histogram"}
    assert len(datasets(panel.spec)["histogram"]) == 50  # one fitted spread per seed
    json.dumps(panel.spec)  # a reader's browser receives it as JSON


@pytest.mark.parametrize("control, value", [
    ("samples_per_generation", 100), ("generations", 12), ("seeds", 20), ("estimator", "unbiased"),
    ("regime", "accumulate"), ("show_generation", 5), ("seed", 3)])
def test_every_control_changes_the_chart(panel, control, value):
    assert_control_redraws(panel, control, value)


def test_regime_options_appear_only_when_they_matter(panel):
    assert panel.controls["cap_generations"].layout.display == "none"
    panel.controls["regime"].value = "accumulate-subsample"
    try:
        assert panel.controls["cap_generations"].layout.display is None
        before = json.dumps(panel.spec)
        panel.controls["cap_generations"].value = 5
        assert json.dumps(panel.spec) != before
    finally:
        panel.controls["regime"].value = "replace"
    assert panel.controls["cap_generations"].layout.display == "none"


def test_too_costly_settings_show_a_message_and_keep_the_last_chart(panel):
    panel.controls["samples_per_generation"].value = 10_000  # 50 seeds x 10,000 x 30 generations: allowed
    try:
        assert panel.message.value == ""
        last = json.dumps(panel.spec)
        # 200 generations: 100,000,000 draws, refused
        with settings_showing_message(panel, {"generations": 200}, "the panel allows 20,000,000"):
            assert json.dumps(panel.spec) == last
    finally:
        panel.controls["samples_per_generation"].value = 10
    assert panel.message.value == ""


def test_bad_typed_value_shows_the_engines_message(panel):
    assert_settings_show_message(panel, {"seed": -4}, "seed must be a whole number of at least 0")


def test_closed_form_curves_are_drawn_only_where_they_exist():
    def curves(**settings):
        return {row["curve"] for row in datasets(telephone.chart(seeds=20, generations=10, **settings))["theory"]}

    assert curves(regime="replace") == {"root mean square", "typical run"}
    assert curves(regime="accumulate") == {"root mean square"}
    assert curves(regime="accumulate", estimator="unbiased") == set()
    assert curves(regime="fresh-mix") == set()


def test_table_matches_the_chart_and_the_closed_form():
    frame = summary_table(TelephoneSettings(samples_per_generation=10, generations=20, seeds=1_000, seed=4))
    assert list(frame["generation"]) == list(range(1, 21))
    assert (frame["low"] <= frame["median"]).all() and (frame["median"] <= frame["high"]).all()
    # The median of 1,000 runs sits near the closed-form typical run: ln s is a random walk, so its median and
    # mean agree, and the sampling error of the median of ln s is about 1.25 sd / sqrt(seeds).
    from collapse import theory
    t = 20
    sd_log_std = 0.5 * np.sqrt(t * theory.log_variance_step_variance(10))
    log_gap = abs(np.log(frame["median"].iloc[-1]) - np.log(frame["closed form: typical run"].iloc[-1]))
    assert log_gap < 5 * 1.25 * sd_log_std / np.sqrt(1_000)


def test_static_chart_binds_its_sliders_to_the_grid():
    grid = telephone.static_grid(StaticGrid(generations=8, seeds=20, every=4))
    spec = telephone.static_chart(grid).to_dict()
    bound = {param["name"]: param["bind"] for param in spec["params"]}
    assert set(bound) == {"samples", "estimator", "regime"}
    assert bound["samples"]["input"] == "range"
    assert (bound["samples"]["min"], bound["samples"]["max"]) == (min(STATIC.samples), max(STATIC.samples))
    # every combination the controls can reach has data at every kept generation
    combos = grid.groupby(["samples", "estimator", "regime"])["generation"].apply(list)
    assert len(combos) == len(STATIC.samples) * 2 * len(STATIC.regimes)
    assert all(generations == [0, 1, 4, 8] for generations in combos)  # the real data, generation 1, every 4th
    text = json.dumps(spec)
    assert "datum.samples == samples" in text and "datum.regime == regime" in text


def test_unknown_regime_and_estimator_names_are_refused_by_name():
    assert_refuses_unknown_name(lambda name: telephone.chart(regime=name), "regime", REGIME_LABELS,
                                unknown="resample")
    assert_refuses_unknown_name(lambda name: telephone.chart(estimator=name), "estimator", ESTIMATOR_LABELS,
                                unknown="median")


def test_a_fault_in_the_code_is_shown_logged_and_keeps_the_chart(panel, caplog):
    assert_internal_fault_is_shown_and_logged(panel, caplog)


# A title line longer than this does not fit a 300 px panel at the theme's 13 px title font.
TITLE_CHARACTERS = 42


@pytest.mark.parametrize("settings", [
    dict(seeds=20, generations=10),
    dict(seeds=1_000, generations=2, samples_per_generation=500, regime="accumulate-subsample"),
    dict(seeds=20, generations=200, show_generation=200, samples_per_generation=2)])  # a median far below 0.001
def test_live_titles_fit_a_narrow_panel_and_write_numbers_for_people(settings):
    spec = telephone.chart(**settings)
    lines = [line for panel in spec["hconcat"] for line in panel["title"]]
    assert all(len(line) <= TITLE_CHARACTERS for line in lines), lines
    assert not any("e-" in line or "e+" in line for line in lines), lines  # no 1.4e-05 in a title


def test_no_closed_form_legend_where_no_closed_form_is_drawn():
    def legends(**settings):
        spec = telephone.chart(seeds=20, generations=10, **settings)
        return [encoding["color"].get("legend", "shown") for encoding in telephone.encodings(spec)
                if encoding.get("color", {}).get("title") == "closed form"], spec["datasets"]["theory"]

    shown, theory = legends(regime="replace")
    assert theory and shown == ["shown"]
    hidden, theory = legends(regime="fresh-mix")
    assert not theory and hidden == [None]


def test_static_chart_axes_label_spreads_as_powers_of_ten_and_tails_as_percentages():
    grid = telephone.static_grid(StaticGrid(samples=(10, 20), generations=8, seeds=20, every=4))
    spec = telephone.static_chart(grid).to_dict()
    spread_axis, tails_axis = (panel["layer"][0]["layer"][0]["encoding"]["y"]["axis"] for panel in spec["hconcat"])
    # the spread panel's own scale (the first panel of the hconcat) decides its labels
    assert "domain('concat_0_y')" in spread_axis["labelExpr"]
    assert tails_axis["format"].endswith("%")
    assert all(len(panel["title"]) <= TITLE_CHARACTERS for panel in spec["hconcat"])
