"""The fresh-data and filtering chapter's panel and static charts, driven without a browser."""

import logging

import pytest

from collapse.fresh import (FILTER_GRID, FILTER_LABELS, LAMBDA_GRID, SHARE_GRID, FilterGrid, LambdaGrid, ShareGrid,
                            spread_theory)
from tests.panel_checks import (assert_control_redraws, assert_internal_fault_is_shown_and_logged,
                                assert_refuses_unknown_name, assert_settings_show_message, failing_draw)
from widgets import fresh


@pytest.fixture(scope="module")
def panel():
    return fresh.panel(generations=20, seeds=50)


def test_panel_draws_both_fans_and_the_closed_form(panel):
    assert panel.message.value == ""
    measures = {row["measure"] for row in panel.spec["datasets"]["fans"]}
    assert measures == {"mean", "std"}
    assert len(panel.spec["datasets"]["theory"]) == 20  # the likelihood filter without fresh data has a closed form
    assert "fitted standard deviation" in panel.spec["description"]


@pytest.mark.parametrize("control, value", [("threshold", 2.0), ("real_share", 0.3), ("generations", 30),
                                            ("seeds", 100), ("seed", 3), ("filter_name", "none"),
                                            ("filter_name", "verifier")])
def test_every_control_changes_the_chart(panel, control, value):
    assert_control_redraws(panel, control, value)


def test_bias_slider_redraws_the_verifier(panel):
    panel.controls["filter_name"].value = "verifier"
    try:
        assert panel.controls["bias"].layout.display is None and panel.controls["threshold"].layout.display == "none"
        assert_control_redraws(panel, "bias", -1.0)
        assert panel.spec["datasets"]["belief"] == [{"belief": 0.5}]
    finally:
        panel.controls["filter_name"].value = "likelihood"


def test_too_large_runs_show_a_message(panel):
    # a threshold of 0.5 keeps 38% of the candidates: 2.6 drawn per kept row
    assert_settings_show_message(panel, {"threshold": 0.5, "seeds": 500, "generations": 200}, "the panel allows")


def test_bad_seed_shows_a_message(panel):
    assert_settings_show_message(panel, {"seed": -1}, "seed must be a whole number of at least 0")


def test_static_filter_chart_binds_filter_and_bias():
    grid = fresh.filter_grid(FilterGrid(generations=4, seeds=20))
    spec = fresh.filter_chart(grid).to_dict()
    assert {p["name"] for p in spec["params"]} == {"filter", "bias"}
    assert set(grid.fans["filter"]) == set(FILTER_LABELS)
    assert set(grid.fans[grid.fans["filter"] == "verifier"]["bias"]) == set(FILTER_GRID.biases)
    assert set(grid.fans["generation"]) == set(range(1, 5))
    assert f"{FILTER_GRID.seeds:,} runs" in spec["title"][0]


def test_static_share_and_lambda_charts_bind_their_sliders():
    shares = fresh.share_grid(ShareGrid(generations=3, gaussian_seeds=20, regression_seeds=20))
    assert {p["name"] for p in fresh.share_chart(shares).to_dict()["params"]} == {"share"}
    assert set(shares["share"]) == set(SHARE_GRID.share_percents)
    lambdas = fresh.lambda_grid(LambdaGrid(generations=3, seeds=20))
    assert {p["name"] for p in fresh.lambda_chart(lambdas).to_dict()["params"]} == {"lam"}
    assert set(lambdas["lam"]) == set(LAMBDA_GRID.lambdas)


def test_every_static_chart_has_a_text_alternative():
    for chart in (fresh.filter_chart(fresh.filter_grid(FilterGrid(generations=3, seeds=10))),
                  fresh.share_chart(fresh.share_grid(ShareGrid(generations=3, gaussian_seeds=10,
                                                               regression_seeds=10))),
                  fresh.lambda_chart(fresh.lambda_grid(LambdaGrid(generations=3, seeds=10)))):
        assert len(chart.to_dict()["description"]) > 50


def test_unknown_filter_names_are_refused_by_name():
    assert_refuses_unknown_name(lambda name: fresh.chart(filter_name=name), "filter_name", FILTER_LABELS)


def test_a_fault_in_the_code_is_shown_logged_and_keeps_the_chart(panel, caplog):
    assert_internal_fault_is_shown_and_logged(panel, caplog)


def test_a_type_error_is_the_readers_settings_shown_as_it_is_and_not_logged(panel, caplog):
    with failing_draw(panel, TypeError("seeds must be a whole number")), caplog.at_level(logging.DEBUG):
        panel.redraw()
    assert "seeds must be a whole number" in panel.message.value
    assert "Something went wrong" not in panel.message.value
    assert not [record for record in caplog.records if record.name == "widgets.panel"]
    panel.redraw()
    assert panel.message.value == ""


# --- every state of a chart reads well (issue 13) ---------------------------------------------------------------
TITLE_CHARACTERS = 45  # one line of a chart title in a ~300 px panel, at the theme's 13 px
AXIS_TITLE_CHARACTERS = 32  # an axis title along a 200 px high panel, at 12 px


def walk(node):
    """Every dict in a Vega-Lite specification."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def title_lines(spec) -> list[str]:
    lines = []
    for node in walk(spec):
        title = node.get("title")
        if isinstance(title, dict):
            title = title.get("text")
        if isinstance(title, str):
            lines.append(title)
        elif isinstance(title, list):
            lines += [line for line in title if isinstance(line, str)]
    return lines


def static_specs():
    return {"filter": fresh.filter_chart(fresh.filter_grid(FilterGrid(generations=4, seeds=10))).to_dict(),
            "share": fresh.share_chart(fresh.share_grid(ShareGrid(generations=3, gaussian_seeds=10,
                                                                  regression_seeds=10))).to_dict(),
            "lambda": fresh.lambda_chart(fresh.lambda_grid(LambdaGrid(generations=3, seeds=10))).to_dict()}


def test_chart_titles_fit_a_narrow_panel(panel):
    for name, spec in {**static_specs(), "live": panel.spec}.items():
        for line in title_lines(spec):
            assert len(line) <= TITLE_CHARACTERS, (name, line)
        for node in walk(spec):
            for channel in ("x", "y"):
                axis_title = node.get("encoding", {}).get(channel, {}).get("title")
                if isinstance(axis_title, str):
                    assert len(axis_title) <= AXIS_TITLE_CHARACTERS, (name, axis_title)


def test_no_legend_names_a_closed_form_that_some_state_does_not_draw(panel):
    # the verifier has no closed form: a "closed form" legend would be empty in that state (and the chart opens there)
    for name, spec in {"filter": static_specs()["filter"], "live": panel.spec}.items():
        for node in walk(spec):
            colour = node.get("encoding", {}).get("color", {})
            if colour.get("field") == "curve":
                assert colour.get("legend", "missing") is None, (name, colour)


def test_the_closed_form_label_is_filtered_like_its_curve():
    # the label is drawn exactly where the curve is: both carry the chart's selection of filter and bias
    spec = static_specs()["filter"]
    spread = spec["hconcat"][1]["layer"]
    curve = next(layer for layer in spread if layer.get("encoding", {}).get("color", {}).get("field") == "curve")
    label = next(layer for layer in spread if layer.get("encoding", {}).get("text") == {"value": "closed form"})
    selection = [step["filter"] for step in curve["transform"]]
    assert selection and all(step in label["transform"] for step in
                             [{"filter": condition} for condition in selection])
    # and it is written once, at the start of the curve drawn: the selection comes before the curve's start is found
    steps = [next(iter(step)) for step in label["transform"]]
    assert steps.index("joinaggregate") > max(i for i, step in enumerate(steps) if step == "filter"
                                              and label["transform"][i]["filter"] in selection)


@pytest.mark.parametrize("filter_name, has_curve", [("none", True), ("likelihood", True), ("verifier", False)])
def test_the_closed_form_is_drawn_exactly_where_one_is_known(filter_name, has_curve):
    theory = spread_theory(filter_name, 1.0, 0.0, 10)
    assert (len(theory) > 0) == has_curve


def test_the_live_spread_axis_ticks_follow_the_data(panel):
    band = panel.spec["hconcat"][1]["layer"][0]["layer"][0]  # the spread fan's band carries the y axis
    values = band["encoding"]["y"]["axis"]["values"]
    spread = [row for row in panel.spec["datasets"]["fans"] if row["measure"] == "std"]
    low, high = min(row["low"] for row in spread), max(row["high"] for row in spread)
    assert len([value for value in values if low <= value <= high]) >= 2  # at least two labelled ticks on the data
    assert all(low / 10 <= value <= 100 * high for value in values)


def test_the_static_spread_axis_covers_every_state_of_the_grid():
    grid = fresh.filter_grid(FilterGrid(generations=30, seeds=50))
    spread = grid.fans[grid.fans.measure == "std"]
    band = fresh.filter_chart(grid).to_dict()["hconcat"][1]["layer"][0]["layer"][0]
    low, high = band["encoding"]["y"]["scale"]["domain"]
    assert low <= spread["low"].min() and spread["high"].max() <= high
    assert band["encoding"]["y"]["axis"]["values"] == fresh.spread_ticks(low, high)
