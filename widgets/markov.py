"""Chapter "Markov text": the drawing, as charts, text and a panel. The experiment and its settings are in
collapse/markov.py."""

from __future__ import annotations

import functools
import html
import textwrap

import altair as alt
import numpy as np
import pandas as pd

from collapse.markov import STATIC, MarkovSettings, lost_words, metrics_table, run, static_grid
from collapse.regimes import REGIME_LABELS
from collapse.text import END_OF_LINE, Corpus, detokenize
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import Panel

__all__ = ["chart", "side_by_side", "panel", "static_chart", "static_grid", "survival_chart"]


def metric_panels(data, keep: str | None = None) -> alt.VConcatChart:
    """Four small charts against generation: vocabulary, rare words, diversity, and the two cross-entropies."""
    def small_chart(names: list[str], title: str, percent: bool) -> alt.Chart:
        chart = alt.Chart(data).mark_line(point=True).encode(
            x=charts.GENERATION,
            # a share that stays at 100% (accumulate keeps every word) must read "100%", not "100.000000%"
            y=alt.Y("value:Q", title=title, scale=alt.Scale(zero=False),
                    axis=alt.Axis(format=".1~%", tickMinStep=0.001) if percent else alt.Axis(format=".3~g")),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom") if len(names) > 1 else None,
                            scale=alt.Scale(range=theme.OKABE_ITO)),
            tooltip=[alt.Tooltip("generation:Q"), alt.Tooltip("series:N", title="measure"),
                     alt.Tooltip("value:Q", format=".3f")],
        ).transform_filter(alt.FieldOneOfPredicate(field="metric", oneOf=names))
        chart = chart.transform_filter(keep) if keep else chart
        return chart.properties(width=theme.WIDTH, height=150)

    # each chart its own colour scale (at every level of nesting), so the loss chart keeps its legend
    return alt.vconcat(
        alt.hconcat(small_chart(["vocabulary"], "share of gen. 1's vocabulary", True),
                    small_chart(["rare_word_survival"], "share of gen. 1's rare words", True),
                    ).resolve_scale(color="independent"),
        alt.hconcat(small_chart(["distinct_2"], "distinct pairs / all pairs", True),
                    small_chart(["heldout_loss", "self_cross_entropy"], "cross-entropy (bits/token)", False),
                    ).resolve_scale(color="independent"),
    ).resolve_scale(color="independent")


METRIC_PANELS_DESCRIPTION = (
    "Four line charts against generation: the share of generation 1's vocabulary the model can still write, the "
    "share of the rare words it still knows, distinct word pairs as a share of all pairs, and the cross-entropy in "
    "bits per token on held-out real plays and on its own writing.")


@functools.cache
def live_template() -> charts.Template:
    return charts.Template(metric_panels(alt.NamedData("metrics")).properties(description=METRIC_PANELS_DESCRIPTION))


def chart(**values) -> dict:
    """The live panel's chart for these settings (collapse.markov.MarkovSettings): how the model's vocabulary,
    diversity and losses move, generation by generation."""
    settings = MarkovSettings(**values)
    metrics = metrics_table(run(settings).history)
    last = metrics[metrics.generation == settings.generations].set_index("metric")["value"]
    return live_template().fill({"metrics": metrics}, description=(
        f"{METRIC_PANELS_DESCRIPTION} One run of {REGIME_LABELS[settings.regime]}, order {settings.order}: by "
        f"generation {settings.generations} the model can write {last['vocabulary']:.0%} of generation 1's "
        f"vocabulary and knows {last['rare_word_survival']:.0%} of its rare words; its loss on held-out plays is "
        f"{last['heldout_loss']:.2f} bits per token and on its own writing {last['self_cross_entropy']:.2f}."))


def side_by_side(**values) -> str:
    """HTML: real text, then what the first, middle and last generations wrote; words the last generation can no
    longer write are struck through."""
    settings = MarkovSettings(**values)
    text_run = run(settings)
    last = settings.generations
    middle = max(1, (last + 1) // 2)
    alive = set(text_run.known[last].tolist())
    columns = [("real plays", text_run.real)] + [(f"generation {g} wrote", text_run.writing[g])
                                                 for g in dict.fromkeys([1, middle, last])]
    cells = "".join(f'<td style="vertical-align:top">{marked_text(text_run.corpus, ids, alive)}</td>'
                    for _, ids in columns)
    heads = "".join(f"<th>{html.escape(title)}</th>" for title, _ in columns)
    distinct = len(set(text_run.real.tolist()) - {END_OF_LINE})
    return (f'<table class="collapse-text"><tr>{heads}</tr><tr>{cells}</tr></table>'
            f"<p><small>{REGIME_LABELS[settings.regime]}, order {settings.order}: <del>struck-through</del> words "
            f"can no longer be written by generation {last}; {len(lost_words(text_run, last))} of the real "
            f"passage's {distinct} distinct words are gone.</small></p>")


def marked_text(corpus: Corpus, ids: np.ndarray, alive: set[int]) -> str:
    """Token ids as HTML lines, with each word outside `alive` (token ids) struck through."""
    index = {token: i for i, token in enumerate(corpus.vocabulary)}

    def render(token: str) -> str:
        escaped = html.escape(token)
        return escaped if index[token] in alive else f"<del>{escaped}</del>"

    lines, line = [], []
    for token in np.asarray(ids).tolist():
        if token == END_OF_LINE:
            lines.append(line)
            line = []
        else:
            line.append(corpus.vocabulary[token])
    return "<br>".join(detokenize(words, render) for words in [*lines, line] if words)


def panel(**overrides) -> Panel:
    """The live panel: order, tokens per generation, generations, regime and seed re-run the experiment."""
    inputs, shown_when = controls.controls_from(MarkovSettings(**overrides))
    return Panel("Train a Markov model on its own writing", inputs, chart, shown_when=shown_when,
                 caption=side_by_side, note="Moves re-run the experiment in your kernel (about a second at the "
                                            "defaults).")


# --- the static chart: every (order, regime) run when the book is built (collapse.markov.static_grid) -------------
EXCERPT_WIDTH = 72  # characters of 13 px Georgia in a line of the 540 px excerpt panel
EXCERPT_LINES = 3


def wrapped_excerpt(text: str) -> str:
    """`text` broken into at most EXCERPT_LINES lines of EXCERPT_WIDTH characters (the last one ends with "..." if
    the excerpt goes on), joined by newlines for the chart's text mark."""
    return "\n".join(textwrap.wrap(text, EXCERPT_WIDTH, max_lines=EXCERPT_LINES, placeholder=" ..."))


def static_chart(grid: pd.DataFrame, lines: pd.DataFrame) -> alt.VConcatChart:
    """The four metric charts and a line of writing, with bound controls for order, regime and generation
    (`static_grid()`, made with collapse.markov.STATIC)."""
    grid = grid.assign(value=charts.significant(grid["value"], 4))  # a lighter page
    order = charts.slider("order", "order (context + 1) ", list(STATIC.orders), value=MarkovSettings().order)
    regime = charts.choice("regime", "regime ", [name for name, _, _ in STATIC.regimes],
                           [label for _, label, _ in STATIC.regimes], radio=False)
    generation = charts.slider("generation", "show writing of generation ",
                               list(range(1, int(grid["generation"].max()) + 1)), value=1)
    keep = charts.matches(order, regime)
    panels = metric_panels(grid, keep)
    # the excerpt in whole lines that fit the chart's width (a line cut with an ellipsis would hide what the model
    # wrote; on a phone the whole chart is scaled down with it, book_assets/static/chart-fit.js)
    wrapped = lines.assign(line=[wrapped_excerpt(text) for text in lines["line"]])
    writing = alt.Chart(wrapped).mark_text(align="left", baseline="top", fontSize=13, font="Georgia, serif",
                                           color=theme.NEUTRAL, lineBreak="\n", lineHeight=17).encode(
        x=alt.value(0), y=alt.value(2), text="line:N",
    ).transform_filter(f"{keep} && datum.generation == generation").properties(
        width=2 * theme.WIDTH + 40, height=17 * EXCERPT_LINES + 4)
    return alt.vconcat(panels, writing.properties(title="the first lines it wrote")).add_params(
        order, regime, generation).properties(description=(
            f"{METRIC_PANELS_DESCRIPTION} One run for the chosen order and regime; under replace the vocabulary and "
            "the rare words shrink generation by generation. Below the charts, the first lines that the chosen "
            "generation wrote."))


def survival_chart(table: pd.DataFrame) -> alt.LayerChart:
    base = alt.Chart(table).encode(x=alt.X("resamplings:Q", title="generations of resampling"),
                                   color=alt.Color("seen:N", title="word in the real sample",
                                                   scale=alt.Scale(range=theme.OKABE_ITO)))
    simulated = base.mark_point(filled=True, size=40).encode(
        y=alt.Y("simulated:Q", title="share of such words still written", axis=alt.Axis(format="%")),
        tooltip=["seen:N", "resamplings:Q", alt.Tooltip("simulated:Q", format=".3f"),
                 alt.Tooltip("closed form:Q", format=".3f")])
    closed = base.mark_line(strokeDash=[6, 4]).encode(y="closed form:Q")
    return alt.layer(closed, simulated).properties(
        width=2 * theme.WIDTH, height=220, title=["How long a rare word lasts", "points: simulated; dashed: predicted"],
        description="The share of the real sample's words seen once, twice and five times that a unigram model "
                    "still writes, against generations of resampling: simulated points on dashed curves of the "
                    "branching-process prediction. Every curve falls; the rarer the word, the sooner.")
