"""Chapter "Throw the worse models away?": the drawing. The experiments and their settings are in collapse/gate.py."""

from __future__ import annotations

try:
    import altair as alt
except ModuleNotFoundError:  # the reader's in-browser kernel: chart() fills a prebuilt template (widgets.charts)
    alt = None
import pandas as pd

from collapse.gate import (LATE_GENERATIONS, RATES, STATIC, GateSettings, error_curves, headline, live_runs,
                           model_label, rate_curves, static_grid)
from collapse.models.registry import model_entry
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import Panel

__all__ = ["chart", "panel", "static_chart", "static_grid"]

SERIES = ["validation gate", "oracle gate", "no gate", "accumulate, no gate"]
# scales as dicts (altair takes them), so that the module imports where altair is missing
SERIES_COLOURS = {"domain": SERIES, "range": [theme.OKABE_ITO[0], theme.OKABE_ITO[3], theme.OKABE_ITO[5],
                                              theme.NEUTRAL]}
SERIES_DASHES = {"domain": SERIES, "range": [[1, 0], [6, 3], [1, 0], [2, 3]]}
RATE_COLOURS = {"domain": list(RATES), "range": [theme.OKABE_ITO[0], theme.OKABE_ITO[5]]}
# re-lay the chart out when a control changes what it draws (Vega does not by default, so a state with wider labels
# than the opening one is cut at the chart's edge)
RELAYOUT = {"type": "pad", "resize": True}
ERROR_TICKS = [10.0**power for power in range(-4, 4)]  # 0.0001 to TOP
TOP = 1_000  # the error axis stops here: ungated replace of the Gaussian climbs by many powers of ten more


def error_layer(data) -> alt.Chart:
    # A line that climbs past TOP is drawn up to the chart's edge and no further: its first point above TOP is
    # clamped to TOP and the later ones dropped, so that the axis follows the data below TOP in every state (a fixed
    # domain would squash a state whose lines all stay low).
    return alt.Chart(data).transform_window(
        previous="lag(relative)", groupby=["series", "model", "regime", "validation"], sort=[{"field": "generation"}]
    ).transform_filter(f"datum.relative <= {TOP} || !(datum.previous > {TOP})").transform_calculate(
        shown=f"min(datum.relative, {TOP})").mark_line(strokeWidth=2).encode(
        x=charts.GENERATION,
        # ticks at the powers of ten only: with 2 and 5 times each as well, the labels of a log axis spanning five
        # decades collide
        y=alt.Y("shown:Q", title="true error ÷ generation 1's", scale=alt.Scale(type="log"),
                axis=alt.Axis(values=ERROR_TICKS, format=",~g")),
        # legends below their panels: beside them they would widen the chart
        color=alt.Color("series:N", scale=SERIES_COLOURS, title=None, legend=alt.Legend(columns=2, orient="bottom")),
        strokeDash=alt.StrokeDash("series:N", scale=SERIES_DASHES, legend=None),
        tooltip=["series:N", "generation:Q", alt.Tooltip("relative:Q", format=".3g")])


def rate_layer(data) -> alt.Chart:
    # one row per generation with both rates (half the rows of a long table), folded here into one line each
    return alt.Chart(data).transform_fold(list(RATES), as_=["series", "rate"]).mark_line(strokeWidth=2).encode(
        x=charts.GENERATION,
        y=alt.Y("rate:Q", title="share of runs (validation gate)", axis=alt.Axis(format="%")),
        color=alt.Color("series:N", scale=RATE_COLOURS, title=None, legend=alt.Legend(columns=1, orient="bottom")),
        tooltip=["series:N", "generation:Q", alt.Tooltip("rate:Q", format=".1%")])


DESCRIPTION = ("Left: mean true error of the deployed model (KL from the real distribution for the Gaussian, "
               "squared distance of the weights for regression) relative to generation 1, on a log scale, for the "
               "validation gate, the oracle gate (ranking by the true error), the same regime without a gate, and "
               f"accumulate without a gate (a line that passes {TOP:,} stops at the chart's top). Right: per "
               "generation, the share of "
               "runs whose candidate was deployed and the share whose deployment made the true error worse.")


# `collapse.gate.outcomes` as the chapter's results table shows it (widgets.tables.results_table)
OUTCOME_HEADERS = {"validation rows": "validation rows", "runs_made_worse": "runs made worse at least once",
                   "harmful_share": "deployments that made it worse",
                   "deployment_rate_first": "candidates deployed at generation 2",
                   "deployment_rate_late": f"deployed over the last {LATE_GENERATIONS} generations",
                   "runs_better_than_first": "runs ending better than generation 1",
                   "final_over_first": "final error ÷ generation 1's"}
OUTCOME_FORMATS = {"runs_made_worse": "{:.0%}", "harmful_share": "{:.0%}", "deployment_rate_first": "{:.0%}",
                   "deployment_rate_late": "{:.1%}", "runs_better_than_first": "{:.0%}", "final_over_first": "{:.3g}"}


@charts.cached_template
def live_template() -> charts.Template:
    return charts.Template(alt.hconcat(error_layer(alt.NamedData("errors")), rate_layer(alt.NamedData("rates")))
                           .resolve_scale(color="independent").properties(description=DESCRIPTION,
                                                                           autosize=RELAYOUT))


def chart(**values) -> dict:
    """The live panel's picture for these settings (collapse.gate.GateSettings): the true error of the gated model
    beside its references, and how often candidates were deployed and made the model worse."""
    settings = GateSettings(**values)
    result = live_runs(settings)
    gated = result["validation gate"]
    return live_template().fill({"errors": error_curves(result), "rates": rate_curves(gated)},
                                titles={(): headline(gated, settings.validation_rows)})


def panel(**overrides) -> Panel:
    """The live panel: every control re-runs the gated run and its references, and redraws."""
    inputs, shown_when = controls.controls_from(GateSettings(**overrides))
    return Panel("Deploy a new generation only if it scores better on held-out real data", inputs, chart,
                 shown_when=shown_when,
                 note="Validation rows are drawn once per run and reused every generation. The oracle gate ranks "
                      "candidates by their true error, as an infinite validation set would.")


def static_chart(grid: tuple[pd.DataFrame, pd.DataFrame]) -> alt.HConcatChart:
    """The error and rate curves, with menus for the model and the regime and a slider for the validation rows
    bound to the grid (`static_grid()`, made with collapse.gate.STATIC)."""
    errors, rates = grid
    errors = errors.assign(relative=charts.significant(errors["relative"], 3))  # a lighter page
    rates = rates.assign(**{rate: rates[rate].round(4) for rate in RATES})
    names = [m.name for m in STATIC.models]
    model = charts.choice("model", "model ", names, [model_label(model_entry(name)) for name in names])
    regime_labels = {"replace": "replace (from the deployed model)",
                     "fresh-mix": f"fresh real share {STATIC.real_share:.0%}"}
    regime = charts.choice("regime", "regime ", list(STATIC.regimes),
                           [regime_labels.get(name, name) for name in STATIC.regimes])
    validation = charts.slider("validation", "validation rows ", list(STATIC.validation), value=10)
    keep_errors = ("datum.model == model && (datum.regime == regime || datum.regime == 'any') && "
                   "(datum.validation == 0 || datum.validation == validation)")
    left = error_layer(errors).transform_filter(keep_errors)
    right = rate_layer(rates).transform_filter(charts.matches(model, regime, validation))
    return alt.hconcat(left, right).resolve_scale(color="independent").add_params(model, regime, validation).properties(
        description=DESCRIPTION, title=STATIC.title_lines(), autosize=RELAYOUT)
