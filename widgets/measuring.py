"""Chapter "Beyond next-token loss": the drawing. The experiment, its settings and its tables are in
collapse/measuring.py.

Every measure is drawn as the typical run's value divided by its generation-1 value: dashed for losses, solid for
diversity measures.
"""

from __future__ import annotations

import html
import textwrap

try:
    import altair as alt
except ModuleNotFoundError:  # the reader's in-browser kernel: chart() fills a prebuilt template (widgets.charts)
    alt = None
import pandas as pd

from collapse.measuring import (NOISE_RULE, RELATIVE_CHANGE, SIZE_RULE, STANDARD_ERRORS, MeasuringSettings,
                                live_reactions, live_relative, model_label)
from collapse.models.registry import DIVERSITY, LOSS, model_entry
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import Panel

__all__ = ["caption", "chart", "panel", "static_chart"]

Y_CAP = 2.0  # values above twice generation 1's are drawn at the top edge (held-out losses can explode)
# a channel as a dict (altair takes them), so that the module imports where altair is missing
GENERATION = {"shorthand": "generation:Q", "title": "generation", "scale": {"nice": False}, "axis": {"format": "d"}}
# The first six Okabe-Ito colours (one per measure of a model): the yellow is faint on a light page, the black
# invisible on a dark one
METRIC_COLOURS = theme.OKABE_ITO[:6]
READOUT_CHARACTERS = 32  # the static chart's readout breaks a measure's name after about this many characters


def relative_lines(data, keep: str | None = None, legend_columns: int = 1, metrics: list[str] | None = None,
                   ) -> alt.Chart:
    """One line per measure of median ÷ generation-1 median: dashed for losses, solid for diversity. With `metrics`
    (the measures' labels, in order) the colours follow that order and the chart draws no legend of its own (the
    static chart's readout names the lines)."""
    chart = alt.Chart(data)
    chart = chart.transform_filter(keep) if keep else chart
    colours = alt.Scale(range=METRIC_COLOURS) if metrics is None else metric_colours(metrics)
    # one column: some labels (the VAE's) are too long for two side by side
    legend = alt.Legend(columns=legend_columns, labelLimit=320) if metrics is None else None
    return chart.mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2, clip=True).encode(
        x=GENERATION,
        y=alt.Y("relative:Q", title="typical run ÷ generation 1", scale=alt.Scale(domain=[0, Y_CAP], clamp=True)),
        color=alt.Color("metric:N", title=None, scale=colours, legend=legend),
        strokeDash=kind_dashes(),
        tooltip=[alt.Tooltip("metric:N"), alt.Tooltip("generation:Q"),
                 alt.Tooltip("value:Q", format=".4g", title="median over seeds"),
                 alt.Tooltip("relative:Q", format=".3f", title="÷ generation 1")])


def metric_colours(metrics: list[str]) -> alt.Scale:
    """Each of a model's measures (labels, in order) in its own colour, the same in every layer of a chart."""
    return alt.Scale(domain=list(metrics), range=METRIC_COLOURS[:len(metrics)])


def kind_dashes() -> alt.StrokeDash:
    """Losses dashed, diversity measures solid (no legend: the titles say it)."""
    return alt.StrokeDash("kind:N", title=None, scale=alt.Scale(domain=[LOSS, DIVERSITY], range=[[6, 3], [1, 0]]),
                          legend=None)


def unit_rule() -> alt.Chart:
    return alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(color=theme.NEUTRAL, strokeDash=[2, 3]).encode(y="y:Q")


DESCRIPTION = ("Line chart: for each metric, the median over seeds divided by its generation-1 value, against "
               "generation. Dashed lines are losses (on held-out real data, and on the model's own output); solid "
               "lines are diversity measures.")


# --- the live panel -----------------------------------------------------------------------------------------------
@charts.cached_template
def live_template() -> charts.Template:
    return charts.Template(alt.layer(unit_rule(), relative_lines(alt.NamedData("relative"))).properties(
        width=2 * theme.WIDTH, height=260, title="…", description=DESCRIPTION))


def chart(**values) -> dict:
    """The live panel's chart for these settings (collapse.measuring.MeasuringSettings): every chosen measure of
    one set of runs, relative to generation 1."""
    settings = MeasuringSettings(**values)
    entry = model_entry(settings.model)
    return live_template().fill({"relative": live_relative(settings)}, titles={
        (): f"{model_label(entry)}: {settings.size:,} {entry.unit} a generation, {settings.seeds} seeds, replace; "
            "losses dashed"})


def reactions_html(table: pd.DataFrame) -> str:
    """A reactions table (collapse.measuring.reactions) as a small HTML table for under the panel's chart."""
    def cell(value):
        return "never" if value is None or pd.isna(value) else f"{int(value)}"
    body = "".join(f"<tr><td>{html.escape(r['metric'])}</td><td>{cell(r[NOISE_RULE])}</td>"
                   f"<td>{cell(r[SIZE_RULE])}</td><td>{r['at the end']:.2f}×</td></tr>" for _, r in table.iterrows())
    return (f"<table><thead><tr><th>metric</th><th>first generation beyond {STANDARD_ERRORS:g} SE</th>"
            f"<th>first generation ≥ {RELATIVE_CHANGE:.0%}</th><th>last ÷ first</th></tr></thead>"
            f"<tbody>{body}</tbody></table>")


def caption(**values) -> str:
    table = live_reactions(MeasuringSettings(**values))
    return ("<small>When each metric reacts: the first generation at which the median change since generation 1 "
            f"exceeds {STANDARD_ERRORS:g} bootstrap standard errors, and the first at which it reaches "
            f"{RELATIVE_CHANGE:.0%}.</small>" + reactions_html(table))


def panel(**overrides) -> Panel:
    inputs, shown_when = controls.controls_from(MeasuringSettings(**overrides))
    # the two sizes take turns: tokens for the text model, samples (or draws) for every other
    shown_when["samples_per_generation"] = lambda values: not shown_when["tokens_per_generation"](values)
    return Panel("Losses and diversity on the same runs", inputs, chart, caption=caption, shown_when=shown_when,
                 note="Needs a live kernel (Live Code, Binder, Colab or Jupyter). Text runs take about half a second.")


# --- the static chart ---------------------------------------------------------------------------------------------
def static_chart(grid: pd.DataFrame, model: str) -> alt.VConcatChart:
    """One model's measures relative to generation 1 (its rows of `collapse.measuring.static_grid`), with a slider
    that marks a generation, from 1 to the model's last; under the lines, a readout names each line and gives its
    value at the marked generation (one row per measure, so no label sits on another)."""
    models = sorted(set(grid.model))
    if model not in models:
        raise ValueError(f"model must be one of {models}, not {model!r}")
    entry = model_entry(model)
    rows = grid[grid.model == model]
    rows = rows.assign(**{column: charts.significant(rows[column], 4) for column in ("value", "relative")})
    # the readout's names, a long one on two lines, so that the readout is no wider than a phone's column
    rows = rows.assign(name=[textwrap.wrap(label, READOUT_CHARACTERS) for label in rows.metric])
    metrics = [measure.label for measure in entry.measures]
    lines_per_row = max(len(textwrap.wrap(label, READOUT_CHARACTERS)) for label in metrics)
    last = int(rows.generation.max())
    generation = charts.slider("generation", "mark generation ", list(range(1, last + 1)), value=min(5, last))
    marked = alt.Chart(rows).transform_filter("datum.generation == generation")
    y = alt.Y("relative:Q", scale=alt.Scale(domain=[0, Y_CAP], clamp=True))
    points = marked.mark_point(size=60, filled=True, color=theme.NEUTRAL).encode(x=GENERATION, y=y)
    rule = alt.Chart(pd.DataFrame({"at": [0]})).mark_rule(color=theme.NEUTRAL, strokeDash=[2, 3]).encode(
        x=alt.datum(alt.expr(generation.name), type="quantitative"))
    lines = alt.layer(unit_rule(), relative_lines(rows, metrics=metrics), rule, points).properties(
        width=2 * theme.WIDTH, height=220,
        title=alt.Title(model_label(entry), subtitle="each measure ÷ its generation-1 value; losses dashed",
                        subtitleColor=theme.NEUTRAL))
    # the readout: a line sample in each measure's colour and dash, its value at the marked generation, its name
    row = alt.Y("metric:N", sort=metrics, axis=None)
    readout = marked.transform_calculate(shown="format(datum.relative, '.2f') + '×'")
    swatch = readout.mark_rule(strokeWidth=2.5).encode(
        y=row, x=alt.value(0), x2=alt.value(22), color=alt.Color("metric:N", scale=metric_colours(metrics),
                                                                  legend=None), strokeDash=kind_dashes())
    values = readout.mark_text(align="right", fontSize=11, color=theme.NEUTRAL).encode(
        y=row, x=alt.value(72), text="shown:N")
    names = readout.mark_text(align="left", fontSize=11, color=theme.NEUTRAL).encode(
        y=row, x=alt.value(82), text="name:N")
    at = alt.layer(swatch, values, names).properties(
        width=2 * theme.WIDTH, height=alt.Step(4 + 13 * lines_per_row),
        title=alt.Title(alt.expr(f"'at generation ' + {generation.name} + ' (÷ generation 1)'"), fontSize=12))
    return alt.vconcat(lines, at, spacing=8).add_params(generation).properties(
        autosize=alt.AutoSizeParams(type="pad", resize=True),
        description=f"{DESCRIPTION} The {entry.label}, over {last} generations. A slider marks one generation; "
                    "below the chart, each measure is named with its value there.")
