"""Chapter "A game of telephone": the drawing. The experiment and its settings are in collapse/telephone.py."""

from __future__ import annotations

try:
    import altair as alt
except ModuleNotFoundError:  # the reader's in-browser kernel: chart() fills a prebuilt template (widgets.charts)
    alt = None
import numpy as np
import pandas as pd

from collapse.models.gaussian import ESTIMATORS
from collapse.regimes import REGIME_LABELS
from collapse.telephone import (COLLAPSED_BELOW, ESTIMATOR_LABELS, REAL_TAIL_MASS, STATIC, TelephoneSettings,
                                live_tables, static_grid)
from widgets import charts, theme
from widgets.numbers import title_number
from widgets import panel as controls
from widgets.panel import Panel

__all__ = ["chart", "panel", "static_chart", "static_grid"]


# (axes as dicts, which altair takes, so that the module imports where altair is missing)
SPREAD_AXIS = {"labelExpr": charts.power_of_ten_labels("concat_0_y")}  # the spread falls to 10⁻⁷ and below
SHARE_AXIS = {"format": ".1~%"}  # a tail mass is a share of the probability, as "real data: 4.55%" is


@charts.cached_template
def live_template() -> charts.Template:
    """The live chart's structure: the fan of runs with the closed forms, and a histogram at one generation."""
    fan = alt.layer(
        charts.trajectories(alt.NamedData("runs")),
        charts.quantile_fan(alt.NamedData("fan"), title="fitted standard deviation", log=True,
                            label="median of the runs", axis=SPREAD_AXIS),
        charts.closed_form_curves(alt.NamedData("theory")),
        charts.reference_rule(1.0, "real data"),
    )
    bars = alt.Chart(alt.NamedData("histogram")).mark_bar(color=theme.OKABE_ITO[0], opacity=0.8).encode(
        x=alt.X("log10_std:Q", bin=alt.Bin(maxbins=30), title="log10 of the fitted standard deviation"),
        y=alt.Y("count():Q", title="runs", axis=alt.Axis(tickMinStep=1)))  # whole runs: no tick at 0.5
    histogram = alt.layer(bars, charts.reference_rule(0.0, "real data", horizontal=False))
    return charts.Template(alt.hconcat(fan, histogram).resolve_scale(color="independent").properties(
        description="Left: the fitted standard deviation of every run against generation, on a log scale (faint "
                    "lines, a band from the 10th to the 90th percentile and the median), with the closed forms "
                    "dashed and the real value 1 marked. Right: a histogram of the runs' fitted standard deviations "
                    "at one generation."))


def chart(**values) -> dict:
    """The live panel's picture for these settings (collapse.telephone.TelephoneSettings), as a Vega-Lite
    specification: the fan of fitted spreads with the closed forms, and how the spreads are distributed across runs
    at generation `show_generation`."""
    settings = TelephoneSettings(**values)
    tables = live_tables(settings)
    runs = f"{settings.seeds:,} runs of {REGIME_LABELS[settings.regime]}"
    numbers = (f"median {title_number(tables.median_at_shown)}; {tables.collapsed_share:.0%} of runs below "
               f"{COLLAPSED_BELOW:g}")
    spec = live_template().fill(
        {"runs": tables.runs, "fan": tables.fan, "theory": tables.theory, "histogram": tables.histogram},
        titles={("hconcat", 0): [runs, f"n = {settings.samples_per_generation:,} per generation"],
                ("hconcat", 1): [f"generation {tables.shown_generation}", numbers]},
        description=f"{live_template().spec['description']} {runs} with {settings.samples_per_generation:,} "
                    f"samples per generation: at generation {tables.shown_generation} the median fitted standard "
                    f"deviation is {title_number(tables.median_at_shown)} (the real one is 1), and "
                    f"{tables.collapsed_share:.0%} of runs are below {COLLAPSED_BELOW:g}.")
    if tables.theory.empty:  # no closed form is known for this regime: no "closed form" legend over nothing
        for encoding in encodings(spec):
            if encoding.get("color", {}).get("title") == "closed form":
                encoding["color"]["legend"] = None
    return spec


def encodings(spec: dict):
    """Every `encoding` of a Vega-Lite specification, however deeply its layers and panels are nested."""
    if isinstance(spec, dict):
        if isinstance(spec.get("encoding"), dict):
            yield spec["encoding"]
        for key in ("layer", "hconcat", "vconcat", "concat"):
            for part in spec.get(key, []):
                yield from encodings(part)


def panel(**overrides) -> Panel:
    """The live panel: every control re-runs the simulation and redraws (on release, for sliders)."""
    inputs, shown_when = controls.controls_from(TelephoneSettings(**overrides))
    return Panel("Refit a Gaussian to its own samples", inputs, chart, shown_when=shown_when,
                 note="Moves re-run the simulation in your kernel. Needs a live kernel: Live Code, Binder, Colab or "
                      "Jupyter.")


def static_chart(grid: pd.DataFrame) -> alt.HConcatChart:
    """Spread and tail mass against generation, with sliders and buttons bound to the grid's settings
    (`static_grid()`, made with collapse.telephone.STATIC)."""
    numbers = ["low", "median", "high", "low_tail", "median_tail", "high_tail"]
    grid = grid.assign(**{column: charts.significant(grid[column], 3) for column in numbers})  # a lighter page
    samples = charts.slider("samples", "samples per generation ", list(STATIC.samples))
    estimator = charts.choice("estimator", "variance estimator ", list(ESTIMATORS),
                              [ESTIMATOR_LABELS[e] for e in ESTIMATORS])
    regime = charts.choice("regime", "regime ", [name for name, _, _ in STATIC.regimes],
                           [label for _, label, _ in STATIC.regimes], radio=False)
    keep = charts.matches(samples, estimator, regime)
    runs = f"median of {STATIC.seeds:,} runs"
    spread = alt.layer(
        charts.quantile_fan(grid, title="fitted standard deviation", log=True, label=runs,
                            axis=SPREAD_AXIS).transform_filter(keep),
        charts.reference_rule(1.0, "real data"),
    ).properties(title="How wide the model is")
    tails = alt.layer(
        charts.quantile_fan(grid, title="mass beyond ±2 real std. devs.", color=theme.OKABE_ITO[5], label=runs,
                            columns=("low_tail", "median_tail", "high_tail"), axis=SHARE_AXIS).transform_filter(keep),
        charts.reference_rule(REAL_TAIL_MASS, f"real data: {REAL_TAIL_MASS:.2%}"),
    ).properties(title="How much of the tails it keeps")
    return alt.hconcat(spread, tails).add_params(samples, estimator, regime).properties(
        description="Two charts against generation for the chosen samples per generation, variance estimator and "
                    f"regime, each showing the {runs} and a band from the 10th to the 90th percentile. "
                    "Left: the fitted standard deviation on a log scale, with the real value 1 marked. Right: the "
                    "share of the model's probability beyond two real standard deviations, with the real "
                    f"{REAL_TAIL_MASS:.2%} marked. Under replace both fall as the generations pass; the more samples "
                    "per generation, the slower.")
