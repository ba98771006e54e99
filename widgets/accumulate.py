"""Chapter "Replace versus accumulate": the drawing. The experiments and their settings: collapse/accumulate.py."""

from __future__ import annotations

try:
    import altair as alt
except ModuleNotFoundError:  # the reader's in-browser kernel: chart() fills a prebuilt template (widgets.charts)
    alt = None
import pandas as pd

from collapse.accumulate import (REGIMES, STATIC, AccumulateSettings, live_tables, model_label, runs_once,
                                 static_grid, static_models)
from collapse.models.registry import MODELS, TOKENS_PER_ROW, model_entry
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import Panel

__all__ = ["chart", "every_model_chart", "panel", "static_chart", "static_grid"]

# a scale as a dict (altair takes them), so that the module imports where altair is missing
REGIME_COLOURS = {"domain": list(REGIMES), "range": [theme.OKABE_ITO[5], theme.OKABE_ITO[0]]}
LIVE_DESCRIPTION = ("Mean error against generation on a log scale, one line with points for replace and one for "
                    "accumulate, with the closed forms dashed where the theorem gives them.")


@charts.cached_template
def live_template() -> charts.Template:
    simulated = alt.Chart(alt.NamedData("curves")).mark_line(point=True, strokeWidth=2).encode(
        x=charts.GENERATION, y=alt.Y("error:Q", title="mean error", scale=alt.Scale(type="log")),
        color=alt.Color("regime:N", scale=REGIME_COLOURS, title="regime"),
        tooltip=["regime:N", "generation:Q", alt.Tooltip("error:Q", format=".3g"),
                 alt.Tooltip("relative:Q", format=".3g", title="relative to generation 1")])
    closed = alt.Chart(alt.NamedData("theory")).mark_line(strokeDash=[6, 4], color=theme.NEUTRAL).encode(
        x=charts.GENERATION, y="error:Q", detail="regime:N",
        tooltip=["regime:N", "generation:Q", alt.Tooltip("error:Q", format=".3g", title="closed form")])
    return charts.Template(alt.layer(simulated, closed).properties(
        width=2 * theme.WIDTH, height=260, description=LIVE_DESCRIPTION))


def chart(**values) -> dict:
    """The live panel's picture for these settings (collapse.accumulate.AccumulateSettings): mean error per
    generation under replace and accumulate, with the closed forms where the theorem gives them."""
    settings = AccumulateSettings(**values)
    tables = live_tables(settings)
    model = model_label(settings.entry)
    runs = "one run" if tables.runs == 1 else f"mean of {tables.runs:,} runs"
    curves = tables.curves
    growth = curves[curves.generation == settings.generations].set_index("regime")["relative"]
    # short title lines (a panel may be 300 px wide): the model, then the runs; the error's name goes on the axis
    second = f"{runs}; dashed: closed form" if len(tables.theory) else runs
    return live_template().fill({"curves": curves, "theory": tables.theory},
                                titles={(): [settings.entry.label, second],
                                        ("layer", 0, "encoding", "y"): f"mean {settings.entry.error_label}"},
                                description=f"{LIVE_DESCRIPTION} {model}, {runs}: by generation "
                                            f"{settings.generations} the error is {growth['replace']:.3g} times "
                                            f"generation 1's under replace and {growth['accumulate']:.3g} times "
                                            "under accumulate.")


def panel(**overrides) -> Panel:
    """The live panel: every control re-runs both regimes and redraws (on release, for sliders)."""
    inputs, shown_when = controls.controls_from(AccumulateSettings(**overrides))
    shown_when["seeds"] = lambda values: not runs_once(model_entry(values["model"]))
    return Panel("Replace or accumulate: the same model, both ways", inputs, chart, shown_when=shown_when,
                 note=f"For Markov text a sample is a {TOKENS_PER_ROW}-token passage, and one seeded run is shown (it "
                      "takes a second or two).")


def static_chart(grid: pd.DataFrame) -> alt.LayerChart:
    """Mean error against generation, with a menu for the model and sliders bound to the grid's samples and
    dimension (`static_grid()`, made with collapse.accumulate.STATIC)."""
    models = static_models()
    model = charts.choice("model", "model ", [entry.name for entry in models], [model_label(e) for e in models],
                          value="regression")
    samples = charts.slider("samples", "samples per generation ", list(STATIC.samples), value=30)
    dimension = charts.slider("dimension", "dimension d (regression) ", list(STATIC.dimensions), value=10)
    keep = ("datum.model == model && datum.samples == samples && "
            "(datum.dimension == 0 || datum.dimension == dimension)")  # dimension 0: a model without one
    base = alt.Chart(grid).transform_filter(keep).encode(x=charts.GENERATION)
    simulated = base.mark_line(point=True, strokeWidth=2).encode(
        y=alt.Y("error:Q", title=f"mean error ({STATIC.seeds:,} runs)", scale=alt.Scale(type="log")),
        color=alt.Color("regime:N", scale=REGIME_COLOURS, title="regime"),
        tooltip=["regime:N", "generation:Q", alt.Tooltip("error:Q", format=".3g"),
                 alt.Tooltip("closed_form:Q", format=".3g", title="closed form")])
    closed = base.transform_filter("isValid(datum.closed_form)").mark_line(
        strokeDash=[6, 4], color=theme.NEUTRAL).encode(y="closed_form:Q", detail="regime:N")
    return alt.layer(simulated, closed).add_params(model, samples, dimension).properties(
        width=2 * theme.WIDTH, height=260,
        title=["Mean error under both regimes", "dashed: closed form (regression only)"],
        description=f"Mean error of {STATIC.seeds:,} runs against generation on a log scale, for the chosen model, "
                    "samples per generation and dimension: under replace it keeps growing, under accumulate it "
                    "levels off; for linear regression the closed forms are drawn dashed beside the simulation.")


def every_model_chart(table: pd.DataFrame) -> alt.FacetChart:
    """One small chart per model of `table` (collapse.accumulate.every_model): its error relative to generation 1
    under both regimes."""
    models = ", ".join(entry.label for entry in MODELS.values() if model_label(entry) in set(table["model"]))
    return alt.Chart(table).mark_line(point=True).encode(
        x=charts.GENERATION,
        y=alt.Y("relative:Q", title="error ÷ error of generation 1", scale=alt.Scale(type="log")),
        color=alt.Color("regime:N", scale=REGIME_COLOURS, title="regime"),
        tooltip=["model:N", "regime:N", "generation:Q", alt.Tooltip("relative:Q", format=".3g")],
    ).properties(width=270, height=170).facet(  # two facets a row fit the ~700 px text column
        # each header in two lines, "model" over "(its error)", so that it fits a facet's width
        facet=alt.Facet("model:N", title=None, header=alt.Header(
            labelLimit=280, labelFontSize=11,
            labelExpr="[slice(datum.value, 0, lastindexof(datum.value, ' (')), "
                      "slice(datum.value, lastindexof(datum.value, ' (') + 1)]")), columns=2,
    ).properties(description=f"Small charts, one per model of the book ({models}), each showing its error "
                             "relative to generation 1 on a log scale under replace and under accumulate: in every "
                             "one, replace climbs above accumulate.")
