"""Chapter "Beyond next-token loss": the drawing. The experiment, its settings and its tables are in
collapse/measuring.py.

Every measure is drawn as the typical run's value divided by its generation-1 value: dashed for losses, solid for
diversity measures.
"""

from __future__ import annotations

import functools
import html

import altair as alt
import pandas as pd

from collapse.measuring import (NOISE_RULE, RELATIVE_CHANGE, SIZE_RULE, STANDARD_ERRORS, MeasuringSettings,
                                live_reactions, live_relative, measured_models, model_label)
from collapse.models.registry import DIVERSITY, LOSS, model_entry
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import Panel

__all__ = ["caption", "chart", "panel", "static_chart"]

Y_CAP = 2.0  # values above twice generation 1's are drawn at the top edge (held-out losses can explode)
GENERATION = alt.X("generation:Q", title="generation", scale=alt.Scale(nice=False), axis=alt.Axis(format="d"))
# The first six Okabe-Ito colours (one per measure of a model): the yellow is faint on a light page, the black
# invisible on a dark one
METRIC_COLOURS = theme.OKABE_ITO[:6]


def relative_lines(data, keep: str | None = None, legend_columns: int = 2) -> alt.Chart:
    """One line per measure of median ÷ generation-1 median: dashed for losses, solid for diversity."""
    chart = alt.Chart(data)
    chart = chart.transform_filter(keep) if keep else chart
    return chart.mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2, clip=True).encode(
        x=GENERATION,
        y=alt.Y("relative:Q", title="typical run ÷ generation 1", scale=alt.Scale(domain=[0, Y_CAP], clamp=True)),
        color=alt.Color("metric:N", title=None, scale=alt.Scale(range=METRIC_COLOURS),
                        legend=alt.Legend(columns=legend_columns, labelLimit=260)),
        strokeDash=alt.StrokeDash("kind:N", title=None, scale=alt.Scale(domain=[LOSS, DIVERSITY],
                                                                        range=[[6, 3], [1, 0]]),
                                  legend=None),  # the titles say it: a second legend would not fit beside the first
        tooltip=[alt.Tooltip("metric:N"), alt.Tooltip("generation:Q"),
                 alt.Tooltip("value:Q", format=".4g", title="median over seeds"),
                 alt.Tooltip("relative:Q", format=".3f", title="÷ generation 1")])


def unit_rule() -> alt.Chart:
    return alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(color=theme.NEUTRAL, strokeDash=[2, 3]).encode(y="y:Q")


DESCRIPTION = ("Line chart: for each metric, the median over seeds divided by its generation-1 value, against "
               "generation. Dashed lines are losses (on held-out real data, and on the model's own output); solid "
               "lines are diversity measures.")


# --- the live panel -----------------------------------------------------------------------------------------------
@functools.cache
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
def static_chart(grid: pd.DataFrame) -> alt.LayerChart:
    """All the models' measures, relative to generation 1 (`collapse.measuring.static_grid`), with a model menu and
    a generation slider that marks one generation and labels every measure's value there."""
    grid = grid.assign(**{column: charts.significant(grid[column], 4) for column in ("value", "relative")})
    models = measured_models()
    model = charts.choice("model", "model ", [entry.name for entry in models], [model_label(e) for e in models],
                          value=MeasuringSettings().model)  # the chapter opens on the text model
    generation = charts.slider("generation", "mark generation ", list(range(1, int(grid.generation.max()) + 1)),
                               value=5)
    keep = "datum.model == model"
    marked = alt.Chart(grid).transform_filter(f"{keep} && datum.generation == generation")
    points = marked.mark_point(size=60, filled=True, color=theme.NEUTRAL).encode(
        x=GENERATION, y=alt.Y("relative:Q", scale=alt.Scale(domain=[0, Y_CAP], clamp=True)))
    labels = marked.mark_text(align="left", dx=6, fontSize=10, color=theme.NEUTRAL).encode(
        x=GENERATION, y=alt.Y("relative:Q", scale=alt.Scale(domain=[0, Y_CAP], clamp=True)),
        text=alt.Text("relative:Q", format=".2f"))
    rule = alt.Chart(pd.DataFrame({"at": [0]})).mark_rule(color=theme.NEUTRAL, strokeDash=[2, 3]).encode(
        x=alt.datum(alt.expr(generation.name), type="quantitative"))
    return alt.layer(unit_rule(), relative_lines(grid, keep), rule, points, labels).add_params(
        model, generation).properties(
        width=2 * theme.WIDTH, height=280, title="Losses (dashed) and diversity (solid), relative to generation 1",
        description=DESCRIPTION + " A menu picks the model; a slider marks one generation and labels each metric's "
                                  "value there.")
