"""Chapter "Fresh data and filtering": the drawing. The experiments and their settings are in collapse/fresh.py."""

from __future__ import annotations

try:
    import altair as alt
except ModuleNotFoundError:  # the reader's in-browser kernel: chart() fills a prebuilt template (widgets.charts)
    alt = None
import pandas as pd

from collapse.fresh import (FILTER_GRID, FILTER_LABELS, LAMBDA_GRID, SAMPLES, SHARE_GRID, SPREAD_FLOOR, FilterTables,
                            FreshSettings, filter_grid, lambda_grid, live_tables, replace_variance, share_grid)
from widgets import charts, theme
from widgets.numbers import power_of_ten, readable
from widgets import panel as controls
from widgets.panel import Panel

__all__ = ["chart", "filter_chart", "filter_grid", "lambda_chart", "lambda_grid", "panel",
           "share_chart", "share_grid"]

SERIES = ["simulated", "closed form"]  # simulated: solid blue; closed form: dashed orange
# channels as dicts (altair takes them), so that the module imports where altair is missing; the legend below the
# panels: beside them it would widen the chart
SERIES_COLOURS = {"shorthand": "series:N", "title": None, "legend": {"orient": "bottom"},
                  "scale": {"domain": SERIES, "range": [theme.OKABE_ITO[0], theme.OKABE_ITO[1]]}}
SERIES_DASHES = {"shorthand": "series:N", "legend": None, "scale": {"domain": SERIES, "range": [[1, 0], [6, 4]]}}


# re-lay the chart out when a control changes what it draws (Vega does not by default, so a state with wider labels
# than the opening one is cut at the chart's edge)
RELAYOUT = {"type": "pad", "resize": True}
def curve_label(curves, condition: str | None = None) -> alt.Chart:
    """"closed form" written above the start of each dashed curve (where every curve is near the real spread, and
    clear of the real spread's own label at the right): drawn only where a curve is, so no state of a chart names a
    series it does not draw (a legend would be empty where no closed form is known, and would widen the chart).
    `condition` selects the curves first, so that the start is that of the curve drawn."""
    label = alt.Chart(curves)
    if condition:
        label = label.transform_filter(condition)
    return label.transform_joinaggregate(first="min(generation)", groupby=["curve"]).transform_filter(
        "datum.generation == datum.first").mark_text(align="left", dx=4, dy=-10, fontSize=11,
                                                     color=theme.OKABE_ITO[1]).encode(
        x=charts.GENERATION, y="value:Q", text=alt.value("closed form"))


def spread_ticks(low: float, high: float) -> list[float]:
    """Where the spread's log axis puts its ticks between `low` and `high`: every power of ten, and 2 and 5 times
    each as well where the axis spans two decades or less (more would crowd the labels together)."""
    powers = range(int(f"{max(low, SPREAD_FLOOR):.0e}".split("e")[1]), int(f"{high:.0e}".split("e")[1]) + 2)
    steps = (1, 2, 5) if high <= 100 * low else (1,)
    return [float(f"{step}e{power}") for power in powers for step in steps]


def spread_axis(values: list[float]) -> alt.Axis:
    """The log axis of the fitted spread, ticks at `values` (spread_ticks): plain numbers down to 0.001, powers of
    ten below (never "0.000001" beside "0.5"). Its labels take a fixed width, so that moving a control never
    shifts the panel beside it."""
    lowest = int(f"{SPREAD_FLOOR:.0e}".split("e")[1])  # the floor's power of ten
    powers = [power_of_ten(power) for power in range(lowest, -3)]
    label = (f"datum.value >= 0.001 ? format(datum.value, '~g') : "
             "[" + ", ".join(f"'{power}'" for power in powers) + f"][round(log(datum.value) / LN10) - ({lowest})]")
    return alt.Axis(values=values, labelExpr=label, minExtent=LABEL_EXTENT, maxExtent=LABEL_EXTENT)


SPREAD_TOP = 10.0  # the static chart's spread axis ends here in every state (no fitted spread of N(0, 1) comes near)


LABEL_EXTENT = 36  # px that the y axes' ticks and labels take, whatever the state of the controls


# --- the chart shared by the live panel and the static filter chart ---------------------------------------------
def fan_layers(fans, theory_curves, belief, condition: str | None = None) -> list[alt.LayerChart]:
    """Two panels: the fitted mean (with the truth and the verifier's belief) and the fitted spread (log scale).
    `condition`, a Vega expression, picks the rows of a static grid that the chart's controls select."""
    def keep(fan, measure):
        # each layer of the fan carries its own data, so each is filtered
        wanted = f"datum.measure == '{measure}'" + (f" && {condition}" if condition else "")
        fan.layer = [layer.transform_filter(wanted) for layer in fan.layer]
        return fan

    belief_rule = alt.Chart(belief).mark_rule(color=theme.OKABE_ITO[3], strokeDash=[6, 3], strokeWidth=2).encode(
        y="belief:Q", tooltip=[alt.Tooltip("belief:Q", title="verifier believes the mean is")])
    if condition:
        belief_rule = belief_rule.transform_filter(condition)
    mean_fan = keep(charts.quantile_fan(fans, title="fitted mean", label="median of the runs"), "mean")
    mean_fan.layer[0].encoding.y.axis = alt.Axis(minExtent=LABEL_EXTENT, maxExtent=LABEL_EXTENT)  # the band's y
    mean_panel = alt.layer(
        mean_fan,
        charts.reference_rule(0.0, "real mean"), belief_rule).properties(width=theme.WIDTH, height=theme.HEIGHT)
    spread = keep(charts.quantile_fan(fans, title="fitted standard deviation", log=True, color=theme.OKABE_ITO[2],
                                      label="median of the runs"), "std")
    if condition:
        # a static chart: one axis, floor to top, for every filter, so that moving between them compares like with
        # like, with ticks at the powers of ten
        spread.layer[0].encoding.y.scale = alt.Scale(type="log", domain=[SPREAD_FLOOR, SPREAD_TOP])
        spread.layer[0].encoding.y.axis = spread_axis(spread_ticks(SPREAD_FLOOR, SPREAD_TOP))
    else:  # a live chart: its ticks are set for each redraw's range (chart)
        spread.layer[0].encoding.y.axis = spread_axis([])
    # the dashed curve is named by a label at its end instead of a legend (see curve_label)
    curves = charts.closed_form_curves(theory_curves).encode(
        color=alt.Color("curve:N", legend=None, scale=alt.Scale(range=theme.OKABE_ITO[1:3])))
    label = curve_label(theory_curves, condition)
    if condition:
        curves = curves.transform_filter(condition)
    spread_panel = alt.layer(spread, curves, label, charts.reference_rule(1.0, "real spread")).properties(
        width=theme.WIDTH, height=theme.HEIGHT)
    return [mean_panel, spread_panel]


@charts.cached_template
def live_template() -> charts.Template:
    panels = fan_layers(alt.NamedData("fans"), alt.NamedData("theory"), alt.NamedData("belief"))
    return charts.Template(alt.hconcat(*panels).resolve_scale(color="independent").properties(
        autosize=RELAYOUT,
        description="Two panels over generations for the panel's settings: the fitted mean and the fitted standard "
                    "deviation (log scale) of a Gaussian refitted to its own filtered samples, median and 10-90% band "
                    "across runs, with the real values and the verifier's belief as reference lines."))


def chart(**values) -> dict:
    """The live panel's picture for these settings (collapse.fresh.FreshSettings), as a Vega-Lite specification:
    the fans of the fitted mean and spread, with the closed form where one is known."""
    settings = FreshSettings(**values)
    tables = live_tables(settings)
    spec = live_template().fill(
        {"fans": tables.fans, "theory": tables.theory, "belief": tables.belief},
        titles={("hconcat", 0): [f"{FILTER_LABELS[settings.filter_name]}, {settings.real_share:.0%} fresh real data",
                                 f"{settings.seeds:,} runs"],
                ("hconcat", 1): [f"median spread at generation {settings.generations}:",
                                 readable(tables.final_median_spread)]})
    spread = tables.fans[tables.fans.measure == "std"]
    band = spec["hconcat"][1]["layer"][0]["layer"][0]  # the spread fan's band, which carries the y axis
    band["encoding"]["y"]["axis"]["values"] = spread_ticks(spread["low"].min(), spread["high"].max())
    return spec


def panel(**overrides) -> Panel:
    """The live panel: every control re-runs the simulation and redraws (on release, for sliders)."""
    inputs, shown_when = controls.controls_from(FreshSettings(**overrides))
    return Panel(
        "Filter the synthetic data, add fresh real data", inputs, chart, shown_when=shown_when,
        note="The likelihood filter keeps samples within a threshold of the model's own mean; the verifier keeps "
             "samples as if they came from N(bias, 1), its belief about real data.")


# --- static chart: filters ----------------------------------------------------------------------------------------
def filter_chart(tables: FilterTables) -> alt.HConcatChart:
    """The filters' fans, with a menu for the filter and a slider for the verifier's bias (`filter_grid()`, made
    with collapse.fresh.FILTER_GRID)."""
    fans = tables.fans.assign(**{column: charts.significant(tables.fans[column], 4)  # a lighter page; small
                                 for column in ("low", "median", "high")})          # spreads kept
    # opens on the verifier, so that the bias slider, the chart's first, changes what is drawn
    filter_menu = charts.choice("filter", "filter ", list(FILTER_LABELS), list(FILTER_LABELS.values()),
                                value="verifier")
    bias = charts.slider("bias", "verifier's bias (used by the verifier) ", list(FILTER_GRID.biases))
    selected = "datum.filter == filter && (datum.filter != 'verifier' || datum.bias == bias)"
    return alt.hconcat(*fan_layers(fans, tables.curves, tables.belief, selected)).add_params(
        filter_menu, bias).resolve_scale(color="independent").properties(
        title=[f"{FILTER_GRID.seeds:,} runs of the Gaussian, n = {SAMPLES}", "no fresh data; band: 10–90% of runs"],
        autosize=RELAYOUT,
        description="Two panels over generations: the fitted mean and the fitted standard deviation (log scale) of a "
                    "Gaussian refitted to its own filtered samples, median and 10-90% band across runs. With no "
                    "filter the spread shrinks slowly, with the likelihood filter fast; the verifier holds the "
                    "spread near 1 and pulls the mean to its belief.")


# --- static charts: fresh data --------------------------------------------------------------------------------------
def series_lines(grid: pd.DataFrame, condition: str, title: str, log: bool = False) -> alt.Chart:
    """Simulated (solid) and closed-form (dashed) lines against generation, for the grid's rows that `condition`
    (a Vega expression) selects."""
    y = alt.Y("value:Q", title=title, scale=alt.Scale(type="log")) if log else alt.Y("value:Q", title=title)
    return alt.Chart(grid).mark_line(strokeWidth=2).encode(
        x=charts.GENERATION, y=y, color=SERIES_COLOURS, strokeDash=SERIES_DASHES,
        tooltip=["series:N", "generation:Q", alt.Tooltip("value:Q", format=".3g")],
    ).transform_filter(condition).properties(width=theme.WIDTH, height=theme.HEIGHT)


def share_chart(grid: pd.DataFrame) -> alt.HConcatChart:
    """The Gaussian's variance and the regression's error against generation, with a slider for the fresh share
    (`share_grid()`, made with collapse.fresh.SHARE_GRID)."""
    grid = grid.assign(value=charts.significant(grid["value"], 4))  # a lighter page
    share = charts.slider("share", "fresh real share (%; 0 is replace) ", list(SHARE_GRID.share_percents), value=30)
    return alt.hconcat(
        series_lines(grid, "datum.model == 'gaussian' && datum.share == share", "Gaussian: mean fitted s²"),
        series_lines(grid, "datum.model == 'regression' && datum.share == share",
                     "regression error ÷ one fit's", log=True)).add_params(share).properties(autosize=RELAYOUT,
        title="Fresh real data each generation",
        description=f"Two panels over {SHARE_GRID.generations} generations, for the chosen share of fresh real data: "
                    f"the mean fitted variance of a Gaussian (n = {SAMPLES}) with its closed form, which settles at a "
                    "level that rises with the share, and the mean error of a linear regression "
                    f"(d = {SHARE_GRID.regression_dimension}, T = {SHARE_GRID.regression_rows}) relative to one "
                    "fit's, which stays bounded once the fresh rows number at least d.")


def lambda_chart(grid: pd.DataFrame) -> alt.HConcatChart:
    """The variance and the mean gap relative to the fixed real set, with a slider for lambda (`lambda_grid()`,
    made with collapse.fresh.LAMBDA_GRID); replace's variance for reference."""
    grid = grid.assign(value=charts.significant(grid["value"], 4))  # a lighter page
    lam = charts.slider("lam", "synthetic rows per real row (λ) ", list(LAMBDA_GRID.lambdas), value=4)
    replace_line = alt.Chart(replace_variance(int(grid.generation.max()))).mark_line(
        color=theme.NEUTRAL, strokeDash=[2, 3]).encode(
        x=charts.GENERATION, y="value:Q", tooltip=[alt.Tooltip("value:Q", format=".3g", title="replace")])
    return alt.hconcat(
        alt.layer(series_lines(grid, "datum.measure == 'variance' && datum.lam == lam",
                               "E[s²] ÷ real set's variance"), replace_line),
        series_lines(grid, "datum.measure == 'mean_drift' && datum.lam == lam",
                     "E[gap²] ÷ real set's variance")).add_params(lam).properties(
        title=["A fixed real set plus λ times as much", "synthetic data (grey dotted: replace)"], autosize=RELAYOUT,
        description="Two panels over generations for the chosen lambda: the mean fitted variance of a Gaussian "
                    "relative to its fixed real set, which settles near 1 for every lambda while replace (grey) "
                    "decays, and the mean squared gap between the fitted mean and the real set's mean, which "
                    "settles at a small level; simulated curves lie on the closed forms.")
