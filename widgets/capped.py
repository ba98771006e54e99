"""Chapter "When the data cannot grow": accumulate with a fixed budget, over long horizons; and when synthetic data
helps or hurts depending on how much real data there is."""

from __future__ import annotations

import functools

import altair as alt
import numpy as np
import pandas as pd

from collapse._checks import check_choice
from collapse.models.kde import synthetic_boost
from widgets import charts, theme
from widgets import panel as controls
from widgets.accumulate import numpy_errors
from widgets.panel import Panel

SERIES = ["replace", "capped", "accumulate"]
SERIES_COLOURS = alt.Scale(domain=SERIES, range=[theme.OKABE_ITO[5], theme.OKABE_ITO[2], theme.OKABE_ITO[0]])
MODELS = {"regression": ("linear regression, d = 10, T = 32", dict(samples=32, dimension=10, seeds=200)),
          "gaussian": ("Gaussian, n = 10", dict(samples=10, dimension=0, seeds=1_000))}
MAX_WORK = 30_000_000  # seeds x rows x generations (x d for regression) a panel run may take
MAX_PICKS = 5_000_000  # seeds x cap x generations: rows drawn at random from the pool


def curves(model: str, cap_generations: int, samples: int, generations: int, seeds: int, dimension: int = 10,
           seed: int = 0, references: bool = True) -> pd.DataFrame:
    """Mean error per generation relative to generation 1: capped, and (with `references`) replace and accumulate."""
    series = {"capped": ("accumulate-subsample", cap_generations)}
    if references:
        series |= {"replace": ("replace", 1), "accumulate": ("accumulate", 1)}
    frames = []
    for name, (regime, cap) in series.items():
        error = numpy_errors(model, regime, samples, generations, seeds, dimension, seed, cap).mean(axis=1)
        frames.append(pd.DataFrame({"generation": np.arange(1, generations + 1), "series": name,
                                    "relative": error / error[0]}))
    return pd.concat(frames, ignore_index=True)


def check_budget(model, samples, generations, seeds, dimension, cap_generations) -> None:
    work = seeds * samples * generations * (dimension if model == "regression" else 1)
    picks = seeds * cap_generations * samples * generations
    if work > MAX_WORK or picks > MAX_PICKS:
        raise ValueError(f"That run is too large for the panel ({work:,} units of work, {picks:,} random picks; "
                         f"it allows {MAX_WORK:,} and {MAX_PICKS:,}). Lower the seeds, the generations or the cap.")
    if model == "regression" and samples < dimension + 2:
        raise ValueError(f"Linear regression needs at least d + 2 = {dimension + 2} samples per generation; "
                         f"got {samples}.")


def curve_layers(data) -> list[alt.Chart]:
    line = alt.Chart(data).mark_line(strokeWidth=2).encode(
        x=charts.GENERATION,
        y=alt.Y("relative:Q", title="error ÷ error of generation 1", scale=alt.Scale(type="log")),
        color=alt.Color("series:N", scale=SERIES_COLOURS, title=None),
        tooltip=["series:N", "generation:Q", alt.Tooltip("relative:Q", format=".3g")])
    return [line]


@functools.cache
def live_template() -> charts.Template:
    return charts.Template(alt.layer(*curve_layers(alt.NamedData("curves"))).properties(
        width=2 * theme.WIDTH, height=260, description=CURVES_DESCRIPTION))


CURVES_DESCRIPTION = ("Mean error relative to generation 1 against generation on a log scale, for replace, "
                      "capped accumulation and accumulate.")


def chart(model="regression", samples_per_generation=32, dimension=10, cap_generations=1, generations=150,
          seeds=50, seed=0) -> dict:
    check_choice("model", model, tuple(MODELS))
    check_budget(model, samples_per_generation, generations, seeds, dimension, cap_generations)
    data = curves(model, cap_generations, samples_per_generation, generations, seeds, dimension, seed)
    plateau = data[(data.series == "capped")]["relative"].iloc[-1]
    ends = data[data.generation == generations].set_index("series")["relative"]
    return live_template().fill({"curves": data}, titles={
        (): f"cap = {cap_generations} generation(s) of data: the error ends at {plateau:.2f} × the first"},
        description=f"{CURVES_DESCRIPTION} With a cap of {cap_generations} generation(s) of data, by generation "
                    f"{generations} the error is {ends['capped']:.3g} times generation 1's, against "
                    f"{ends['replace']:.3g} under replace and {ends['accumulate']:.3g} under accumulate.")


def panel(**overrides) -> Panel:
    settings = dict(model="regression", samples_per_generation=32, dimension=10, cap_generations=1,
                    generations=150, seeds=50, seed=0) | overrides
    return Panel(
        "A fixed budget drawn from a growing pool",
        {"model": controls.menu("model", [("linear regression", "regression"), ("Gaussian", "gaussian")],
                                settings["model"]),
         "samples_per_generation": controls.steps_slider("samples per generation", [10, 16, 32, 64, 128],
                                                         settings["samples_per_generation"]),
         "dimension": controls.int_slider("dimension d", settings["dimension"], 1, 30),
         "cap_generations": controls.int_slider("cap (generations' worth)", settings["cap_generations"], 1, 50),
         "generations": controls.int_slider("generations", settings["generations"], 10, 500),
         "seeds": controls.steps_slider("seeds (runs)", [20, 50, 100, 200, 500], settings["seeds"]),
         "seed": controls.seed_box(settings["seed"])},
        chart, shown_when={"dimension": lambda s: s["model"] == "regression"})


# --- static charts --------------------------------------------------------------------------------------------
STATIC_CAPS = list(range(1, 9))
STATIC_GENERATIONS = 150


def static_grid(generations: int = STATIC_GENERATIONS, seed: int = 0) -> pd.DataFrame:
    frames = []
    for model, (_, size) in MODELS.items():
        for cap in STATIC_CAPS:
            capped = curves(model, cap, size["samples"], generations, size["seeds"], size["dimension"] or 10, seed,
                            references=cap == STATIC_CAPS[0])
            frames.append(capped.assign(model=model, cap=np.where(capped.series == "capped", cap, 0)))
    grid = pd.concat(frames, ignore_index=True)
    grid["relative"] = charts.significant(grid["relative"], 3)
    return grid


def static_chart(grid: pd.DataFrame) -> alt.LayerChart:
    model = charts.choice("model", "model ", list(MODELS), [label for label, _ in MODELS.values()])
    cap = charts.slider("cap", "cap (generations' worth of data) ", STATIC_CAPS, value=1)
    keep = "datum.model == model && (datum.cap == 0 || datum.cap == cap)"  # cap 0: the reference curves
    layers = [layer.transform_filter(keep) for layer in curve_layers(grid)]
    return alt.layer(*layers).add_params(model, cap).properties(
        width=2 * theme.WIDTH, height=260, title="Capped accumulation between replace and accumulate",
        description=f"{CURVES_DESCRIPTION} For the chosen model and cap, the capped curve lies between the other "
                    "two and keeps drifting up slowly; the larger the cap, the closer it comes to accumulate.")


REAL_SIZES = {10: 400, 30: 200, 100: 100, 300: 40}  # real points -> runs averaged (small sizes are noisier)
SYNTHETIC_MULTIPLES = [0, 1, 2, 4, 8]


def scarcity_table(seed: int = 0) -> pd.DataFrame:
    """Change in held-out loss from adding k times as much synthetic as real data, for each amount of real data."""
    rows = []
    for real, runs in REAL_SIZES.items():
        losses = synthetic_boost(real, SYNTHETIC_MULTIPLES, seeds=runs, seed=seed)
        change = losses - losses[:, [0]]  # paired: same real points and test set within a run
        for index, multiple in enumerate(SYNTHETIC_MULTIPLES):
            rows.append({"real points": real, "synthetic per real point": multiple,
                         "change": change[:, index].mean(),
                         "standard error": change[:, index].std(ddof=1) / np.sqrt(runs) if multiple else 0.0})
    return pd.DataFrame(rows)


def scarcity_chart(table: pd.DataFrame) -> alt.LayerChart:
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
                    "of real data (10, 30, 100 and 300 points), with zero marked: below zero the synthetic data "
                    "help, above it they hurt. With few real points the lines fall below zero; with many they "
                    "rise above it.")
