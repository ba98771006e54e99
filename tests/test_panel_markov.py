"""The Markov chapter's panel, text comparison and charts, driven without a browser."""

import json

import pytest

from tests.panel_checks import (assert_control_redraws, assert_internal_fault_is_shown_and_logged,
                                assert_refuses_unknown_name, settings_showing_message)
from collapse.markov import (MAX_TOKEN_GENERATIONS, METRICS, STATIC, MarkovSettings, StaticGrid, experiment, run,
                             survival_table)
from collapse.regimes import REGIME_LABELS
from widgets import markov


@pytest.fixture(scope="module")
def panel():
    return markov.panel(tokens_per_generation=20_000, generations=4)


def test_panel_draws_metrics_and_the_text_comparison(panel):
    assert panel.message.value == ""
    metrics = {row["metric"] for row in panel.spec["datasets"]["metrics"]}
    assert metrics == set(METRICS)
    assert len(panel.spec["datasets"]["metrics"]) == 4 * len(METRICS)  # one point per generation each
    assert "<table" in panel.below.value and "real plays" in panel.below.value
    assert "generation 4 wrote" in panel.below.value


@pytest.mark.parametrize("control, value", [("order", 3), ("tokens_per_generation", 10_000), ("generations", 3),
                                            ("regime", "accumulate"), ("seed", 5)])
def test_every_control_changes_the_chart(panel, control, value):
    assert_control_redraws(panel, control, value)


def test_too_much_writing_shows_a_message(panel):
    last = json.dumps(panel.spec)
    # 30 generations of 200,000 tokens: 6,000,000 tokens, refused
    with settings_showing_message(panel, {"generations": 30, "tokens_per_generation": 200_000},
                                  f"the panel allows {MAX_TOKEN_GENERATIONS:,}"):
        assert json.dumps(panel.spec) != last  # the first move (30 generations) was allowed and redrew
        refused = json.dumps(panel.spec)
        panel.controls["order"].value = 3  # still too much: the message stays, the chart does not change
        try:
            assert "the panel allows" in panel.message.value and json.dumps(panel.spec) == refused
        finally:
            panel.controls["order"].value = 2


def test_words_gone_by_the_last_generation_are_struck_through():
    settings = dict(order=3, tokens_per_generation=20_000, generations=6, regime="replace", seed=2)
    text_run = run(MarkovSettings(**settings))
    html = markov.side_by_side(**settings)
    alive = set(text_run.known[6].tolist())
    gone = [text_run.corpus.vocabulary[t] for t in set(text_run.real.tolist()) if t and t not in alive]
    kept = [text_run.corpus.vocabulary[t] for t in set(text_run.real.tolist()) if t and t in alive and t > 1]
    assert all(f"<del>{word}</del>" in html for word in gone if word.isalpha())
    assert all(f"<del>{word}</del>" not in html for word in kept)
    assert f"{len(gone)} of the real passage" in html


def test_accumulate_strikes_nothing_from_the_real_sample():
    text_run = experiment(order=2, tokens_per_generation=20_000, generations=5, regime="accumulate", seed=1)
    vocabulary = text_run.history.metric("vocabulary")[:, 0]
    assert (vocabulary == vocabulary[0]).all()


def test_static_chart_binds_order_regime_and_generation():
    small = StaticGrid(tokens_per_generation=10_000, generations=3)
    grid, lines = markov.static_grid(small)
    spec = markov.static_chart(grid, lines).to_dict()
    assert {p["name"] for p in spec["params"]} == {"order", "regime", "generation"}
    combinations = len(STATIC.orders) * len(STATIC.regimes)
    assert len(grid.groupby(["order", "regime"])) == combinations
    assert len(lines) == combinations * small.generations  # a line of writing for every generation
    assert lines["line"].str.len().between(1, small.excerpt_characters).all()


def test_survival_table_follows_the_closed_form():
    table = survival_table(tokens_per_generation=50_000, generations=10, seeds=2, counts=(1,))
    last = table[table["resamplings"] == 10].iloc[0]
    p, trials = last["closed form"], last["words"] * 2  # each word in each of 2 seeds survives or not
    assert trials > 1_000
    assert abs(last["simulated"] - p) < 5 * (p * (1 - p) / trials) ** 0.5


def test_unknown_regime_names_are_refused_by_name():
    for draw in (markov.chart, markov.side_by_side):
        assert_refuses_unknown_name(lambda name: draw(regime=name), "regime", REGIME_LABELS, unknown="resample")


def test_a_fault_in_the_code_is_shown_logged_and_keeps_the_chart(panel, caplog):
    assert_internal_fault_is_shown_and_logged(panel, caplog)


# A title line longer than this does not fit a 300 px panel at the theme's 13 px title font.
TITLE_CHARACTERS = 42


def y_axes(spec):
    """Every y axis of a (nested) Vega-Lite specification."""
    if isinstance(spec, dict):
        axis = spec.get("encoding", {}).get("y", {}).get("axis")
        if axis:
            yield axis
        for key in ("layer", "hconcat", "vconcat"):
            for part in spec.get(key, []):
                yield from y_axes(part)


def test_survival_chart_draws_a_prediction_for_every_word_count_in_its_legend():
    table = survival_table(tokens_per_generation=20_000, generations=3, seeds=1, counts=(1, 2))
    spec = markov.survival_chart(table).to_dict()
    colour = spec["layer"][0]["encoding"]["color"]["field"]
    # Vega's grouping of a line mark writes a field named "count", which would merge every series into one line
    assert colour != "count"
    for name, rows in table.groupby(colour):
        assert rows["closed form"].notna().all() and rows["simulated"].notna().all(), name
    assert all(len(line) <= TITLE_CHARACTERS for line in spec["title"])


def test_share_axes_write_whole_percentages_and_never_six_decimals():
    grid, lines = markov.static_grid(StaticGrid(tokens_per_generation=10_000, generations=3))
    spec = markov.static_chart(grid, lines).to_dict()
    formats = [axis["format"] for axis in y_axes(spec)]
    shares = [form for form in formats if form.endswith("%")]
    assert len(shares) == 3  # vocabulary, rare words, distinct pairs
    # d3's bare "%" has six decimals: a share stuck at 100% (accumulate) would read "100.000000%"
    assert all(form != "%" and "~" in form for form in shares), shares
    generation = next(param for param in spec["params"] if param["name"] == "generation")["bind"]
    assert (generation["min"], generation["max"]) == (1, grid["generation"].max())  # no generation without data


def test_the_writing_is_shown_in_whole_lines_that_fit_its_panel():
    grid, lines = markov.static_grid(StaticGrid(tokens_per_generation=10_000, generations=2))
    spec = markov.static_chart(grid, lines).to_dict()
    writing = spec["vconcat"][1]
    assert writing["mark"]["type"] == "text" and writing["mark"]["lineBreak"] == "\n"
    assert "limit" not in writing["mark"]  # nothing is cut at the panel's edge: the excerpt is wrapped instead
    shown = [row["line"] for row in spec["datasets"][writing["data"]["name"]]]
    assert shown, "no excerpt in the chart"
    for text in shown:
        rows = text.split("\n")
        assert len(rows) <= markov.EXCERPT_LINES and all(len(row) <= markov.EXCERPT_WIDTH for row in rows), rows
    # the words are the excerpt's own, in order (wrapping only moves line ends)
    assert [" ".join(text.split()) for text in shown][0].removesuffix(" ...") in " ".join(lines["line"].iloc[0].split())
