"""The fresh-data and filtering chapter's panel and static charts, driven without a browser."""

import logging

import pytest

from collapse.fresh import FILTER_GRID, FILTER_LABELS, LAMBDA_GRID, SHARE_GRID, FilterGrid, LambdaGrid, ShareGrid
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
    assert f"{FILTER_GRID.seeds:,} runs" in spec["title"]


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
