"""Chapter "When the data cannot grow": the drawing. The experiments and their settings are in collapse/capped.py."""

from __future__ import annotations

try:
    import altair as alt
except ModuleNotFoundError:  # the reader's in-browser kernel: chart() fills a prebuilt template (widgets.charts)
    alt = None
import pandas as pd

from collapse.capped import REAL_SIZES, STATIC, CappedSettings, live_curves, scarcity_table, static_grid
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import Panel

__all__ = ["chart", "panel", "scarcity_chart", "scarcity_table", "static_chart", "static_grid"]

# a scale as a dict (altair takes them), so that the module imports where altair is missing
SERIES_COLOURS = {"domain": ["replace", "capped", "accumulate"],
                  "range": [theme.OKABE_ITO[5], theme.OKABE_ITO[2], theme.OKABE_ITO[0]]}


def curve_layers(data) -> list[alt.Chart]:
    line = alt.Chart(data).mark_line(strokeWidth=2).encode(
        x=charts.GENERATION,
        y=alt.Y("relative:Q", title="error ÷ error of generation 1", scale=alt.Scale(type="log"),
                axis=alt.Axis(labelExpr=charts.power_of_ten_labels("y"))),
        color=alt.Color("series:N", scale=SERIES_COLOURS, title=None),
        tooltip=["series:N", "generation:Q", alt.Tooltip("relative:Q", format=".3g")])
    return [line]


@charts.cached_template
def live_template() -> charts.Template:
    return charts.Template(alt.layer(*curve_layers(alt.NamedData("curves"))).properties(
        width=2 * theme.WIDTH, height=260, description=CURVES_DESCRIPTION))


CURVES_DESCRIPTION = ("Mean error relative to generation 1 against generation on a log scale, for replace, "
                      "capped accumulation and accumulate.")


def chart(**values) -> dict:
    """The live panel's picture for these settings (collapse.capped.CappedSettings): the capped curve between
    replace and accumulate."""
    settings = CappedSettings(**values)
    data = live_curves(settings)
    ends = data[data.generation == settings.generations].set_index("series")["relative"]
    cap = settings.cap_generations
    return live_template().fill({"curves": data}, titles={
        (): [f"cap: {cap} generation(s)' worth of data", f"capped error ends at {ends['capped']:.2f} × the first"]},
        description=f"{CURVES_DESCRIPTION} With a cap of {cap} generation(s) of data, by generation "
                    f"{settings.generations} the error is {ends['capped']:.3g} times generation 1's, against "
                    f"{ends['replace']:.3g} under replace and {ends['accumulate']:.3g} under accumulate.")


def panel(**overrides) -> Panel:
    """The live panel: every control re-runs the three regimes and redraws (on release, for sliders)."""
    inputs, shown_when = controls.controls_from(CappedSettings(**overrides))
    return Panel("A fixed budget drawn from a growing pool", inputs, chart, shown_when=shown_when)


# --- static charts --------------------------------------------------------------------------------------------
def static_chart(grid: pd.DataFrame) -> alt.LayerChart:
    """The curves against generation, with a menu for the model and a slider for the cap bound to the grid
    (`static_grid()`, made with collapse.capped.STATIC)."""
    grid = grid.assign(relative=charts.significant(grid["relative"], 3))  # a lighter page
    model = charts.choice("model", "model ", [m.name for m in STATIC.models], [m.label for m in STATIC.models])
    cap = charts.slider("cap", "cap (generations' worth of data) ", list(STATIC.caps), value=STATIC.caps[0])
    keep = "datum.model == model && (datum.cap == 0 || datum.cap == cap)"  # cap 0: the reference curves
    layers = [layer.transform_filter(keep) for layer in curve_layers(grid)]
    return alt.layer(*layers).add_params(model, cap).properties(
        width=2 * theme.WIDTH, height=260, title="Capped: between replace and accumulate",
        description=f"{CURVES_DESCRIPTION} For the chosen model and cap, the capped curve lies between the other "
                    "two: it rises over the first generations and then levels off; the larger the cap, the lower it "
                    "levels off, closer to accumulate.")


def scarcity_chart(table: pd.DataFrame) -> alt.LayerChart:
    """The change in held-out loss against the synthetic points added (`scarcity_table()`), one line per amount of
    real data."""
    sizes = ", ".join(f"{size:,}" for size in list(REAL_SIZES)[:-1]) + f" and {list(REAL_SIZES)[-1]:,}"
    base = alt.Chart(table).encode(
        x=alt.X("synthetic per real point:Q", title="synthetic points added per real point"),
        color=alt.Color("real points:O", title="real points", scale=alt.Scale(scheme="viridis")))
    lines = base.mark_line(point=True).encode(
        y=alt.Y("change:Q", title="change in held-out loss (nats); below 0 = helps"),
        tooltip=["real points:O", "synthetic per real point:Q", alt.Tooltip("change:Q", format=".4f"),
                 alt.Tooltip("standard error:Q", format=".4f")])
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=theme.NEUTRAL, strokeDash=[2, 3]).encode(y="y:Q")
    return alt.layer(zero, lines).properties(
        width=2 * theme.WIDTH, height=240,
        description="Change in held-out loss against synthetic points added per real point, one line per amount "
                    f"of real data ({sizes} points), with zero marked: below zero the synthetic data "
                    "help, above it they hurt. With few real points the lines fall below zero; with many they "
                    "rise above it.")
