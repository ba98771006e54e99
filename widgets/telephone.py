"""Chapter "A game of telephone": a Gaussian refitted to its own samples, as a static chart and a live panel."""

from __future__ import annotations

import functools

import altair as alt
import numpy as np
import pandas as pd

from collapse import ESTIMATORS, GaussianModel, GaussianSource, make_regime, simulate
from collapse.theory import closed_form_spread
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import REGIME_LABELS, Panel

REAL_TAIL_MASS = 0.0455  # mass of N(0, 1) beyond +-2, the tails the chapter follows
ESTIMATOR_LABELS = {"mle": "maximum likelihood (divide by n)", "unbiased": "unbiased (divide by n - 1)"}
MAX_DRAWS = 20_000_000  # seeds x samples x generations a panel run may draw: about half a second here
MAX_SUBSAMPLE_PICKS = 2_000_000  # seeds x cap x generations for the capped regime, whose draws cost more each
TRAJECTORIES_SHOWN = 30  # individual runs drawn in the fan; the band summarises all of them


def check_budget(samples_per_generation: int, generations: int, seeds: int, regime: str,
                 cap_generations: int) -> None:
    """Refuse, with a message saying what to lower, a panel run too large to answer within about a second."""
    draws = seeds * samples_per_generation * generations
    if draws > MAX_DRAWS:
        raise ValueError(f"That run would draw {draws:,} numbers; the panel allows {MAX_DRAWS:,} so that it answers "
                         "within a second. Lower the seeds, the generations or the samples per generation.")
    picks = seeds * cap_generations * samples_per_generation * generations
    if regime == "accumulate-subsample" and picks > MAX_SUBSAMPLE_PICKS:
        raise ValueError(f"The capped regime would pick {picks:,} rows at random; the panel allows "
                         f"{MAX_SUBSAMPLE_PICKS:,}. Lower the seeds, the generations or the cap.")


def run(samples_per_generation: int, generations: int, seeds: int, estimator: str, regime: str,
        cap_generations: int = 2, real_share: float = 0.1, seed: int = 0):
    """Simulate one setting. cap_generations: the capped regime's budget, in generations' worth of rows;
    real_share: the share of fresh real rows under fresh-mix."""
    return simulate(GaussianModel(estimator=estimator), GaussianSource(),
                    make_regime(regime, cap=cap_generations * samples_per_generation, real_share=real_share),
                    generations=generations, samples_per_generation=samples_per_generation, seeds=seeds, seed=seed)


def fan_table(history, name: str = "std") -> pd.DataFrame:
    """Per generation: the 10th percentile, median and 90th percentile of a metric across seeds."""
    low, median, high = history.quantiles(name)
    return pd.DataFrame({"generation": np.arange(1, history.generations + 1), "low": low, "median": median,
                         "high": high})


def theory_table(regime: str, estimator: str, samples_per_generation: int, generations: int) -> pd.DataFrame:
    """The closed-form curves for this setting, from generation 0 (the real data) on; empty where none is known."""
    t = np.arange(generations + 1)
    curves = closed_form_spread(regime, estimator, samples_per_generation, t)
    return pd.DataFrame([{"generation": g, "curve": name, "value": values[g]}
                         for name, values in curves.items() for g in t], columns=["generation", "curve", "value"])


def table(samples_per_generation=10, generations=60, seeds=200, estimator="mle", regime="replace",
          cap_generations=2, real_share=0.1, seed=0) -> pd.DataFrame:
    """The numbers behind the panel: per generation, the spread's fan, the median tail mass and the closed forms."""
    check_budget(samples_per_generation, generations, seeds, regime, cap_generations)
    history = run(samples_per_generation, generations, seeds, estimator, regime, cap_generations, real_share, seed)
    frame = fan_table(history)
    frame["median_tail_mass"] = np.median(history.metric("tail_mass"), axis=1)
    for name, values in closed_form_spread(regime, estimator, samples_per_generation, frame["generation"]).items():
        frame[f"closed form: {name}"] = values
    return frame


@functools.cache
def live_template() -> charts.Template:
    """The live chart's structure: the fan of runs with the closed forms, and a histogram at one generation."""
    fan = alt.layer(
        charts.trajectories(alt.NamedData("runs")),
        charts.quantile_fan(alt.NamedData("fan"), title="fitted standard deviation", log=True,
                            label="median of the runs"),
        charts.closed_form_curves(alt.NamedData("theory")),
        charts.reference_rule(1.0, "real data"),
    )
    bars = alt.Chart(alt.NamedData("histogram")).mark_bar(color=theme.OKABE_ITO[0], opacity=0.8).encode(
        x=alt.X("log10_std:Q", bin=alt.Bin(maxbins=30), title="log10 of the fitted standard deviation"),
        y=alt.Y("count():Q", title="runs"))
    histogram = alt.layer(bars, charts.reference_rule(0.0, "real data", horizontal=False))
    return charts.Template(alt.hconcat(fan, histogram).resolve_scale(color="independent").properties(
        description="Left: the fitted standard deviation of every run against generation, on a log scale (faint "
                    "lines, a band from the 10th to the 90th percentile and the median), with the closed forms "
                    "dashed and the real value 1 marked. Right: a histogram of the runs' fitted standard deviations "
                    "at one generation."))


def chart(samples_per_generation=10, generations=60, seeds=200, estimator="mle", regime="replace",
          cap_generations=2, real_share=0.1, show_generation=60, seed=0) -> dict:
    """The live panel's picture, as a Vega-Lite specification: the fan of fitted spreads with the closed forms, and
    how the spreads are distributed across runs at generation `show_generation`."""
    controls.check_regime(regime)
    check_budget(samples_per_generation, generations, seeds, regime, cap_generations)
    history = run(samples_per_generation, generations, seeds, estimator, regime, cap_generations, real_share, seed)
    stds = history.metric("std")
    shown_runs = min(seeds, TRAJECTORIES_SHOWN)
    shown_generation = min(show_generation, generations)
    at_generation = stds[shown_generation - 1]
    runs = pd.DataFrame({"seed": np.repeat(np.arange(shown_runs), generations),
                         "generation": np.tile(np.arange(1, generations + 1), shown_runs),
                         "value": stds[:, :shown_runs].T.ravel()})
    return live_template().fill(
        {"runs": runs, "fan": fan_table(history),
         "theory": theory_table(regime, estimator, samples_per_generation, generations),
         "histogram": pd.DataFrame({"log10_std": np.log10(np.clip(at_generation, 1e-300, None))})},
        titles={("hconcat", 0): f"{seeds:,} runs of {REGIME_LABELS[regime]}, n = {samples_per_generation:,} "
                                "per generation",
                ("hconcat", 1): f"generation {shown_generation}: median {np.median(at_generation):.3g}, "
                                f"{np.mean(at_generation < 0.1):.0%} of runs below 0.1"},
        description=f"{live_template().spec['description']} {seeds:,} runs of {REGIME_LABELS[regime]} with "
                    f"{samples_per_generation:,} samples per generation: at generation {shown_generation} the median "
                    f"fitted standard deviation is {np.median(at_generation):.3g} (the real one is 1), and "
                    f"{np.mean(at_generation < 0.1):.0%} of runs are below 0.1.")


def panel(**overrides) -> Panel:
    """The live panel: every control re-runs the simulation and redraws (on release, for sliders)."""
    settings = dict(samples_per_generation=10, generations=60, seeds=200, estimator="mle", regime="replace",
                    cap_generations=2, real_share=0.1, show_generation=60, seed=0) | overrides
    regime, shown_when = controls.regime_controls(settings["regime"], settings["cap_generations"],
                                                  settings["real_share"])
    return Panel(
        "Refit a Gaussian to its own samples",
        {"samples_per_generation": controls.steps_slider("samples per generation", SAMPLE_SIZES,
                                                         settings["samples_per_generation"]),
         "generations": controls.int_slider("generations", settings["generations"], 1, 200),
         "seeds": controls.steps_slider("seeds (runs)", SEED_COUNTS, settings["seeds"]),
         "estimator": controls.buttons("variance estimator",
                                       [("MLE (÷ n)", "mle"), ("unbiased (÷ n − 1)", "unbiased")],
                                       settings["estimator"]),
         **regime,
         "show_generation": controls.int_slider("histogram at generation", settings["show_generation"], 1, 200),
         "seed": controls.seed_box(settings["seed"])},
        chart, shown_when=shown_when,
        note="Moves re-run the simulation in your kernel. Needs a live kernel: Live Code, Binder, Colab or Jupyter.")


SAMPLE_SIZES = [2, 3, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000]
SEED_COUNTS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000]


# The static chart: every combination of its controls is simulated when the book is built, and the browser filters.
STATIC_SAMPLES = list(range(10, 101, 10))
STATIC_REGIMES = {"replace": {}, "accumulate": {}, "accumulate-subsample": {"cap_generations": 1},
                  "fresh-mix": {"real_share": 0.1}}


def static_grid(generations: int = 100, seeds: int = 400, every: int = 4, seed: int = 0) -> pd.DataFrame:
    """Fans of the spread and of the tail mass for every (samples, estimator, regime) the static chart offers.

    One row per setting and generation (0, the real data, then 1 and every `every`-th), with both metrics' 10th
    percentile, median and 90th percentile across `seeds` runs, to three significant figures: the page carries
    all of it, so it is kept small (about 2,000 rows).
    """
    kept = np.r_[0, np.arange(every, generations + 1, every) - 1]  # row g - 1 holds generation g
    rows = []
    for samples in STATIC_SAMPLES:
        for estimator in ESTIMATORS:
            for regime, options in STATIC_REGIMES.items():
                history = run(samples, generations, seeds, estimator, regime, seed=seed, **options)
                spread, tails = fan_table(history, "std").iloc[kept], fan_table(history, "tail_mass").iloc[kept]
                frame = spread.merge(tails, on="generation", suffixes=("", "_tail"))
                rows.append(frame.assign(samples=samples, estimator=estimator, regime=regime))
    grid = pd.concat(rows, ignore_index=True)
    real = grid.drop_duplicates(["samples", "estimator", "regime"]).assign(
        generation=0, low=1.0, median=1.0, high=1.0, low_tail=REAL_TAIL_MASS, median_tail=REAL_TAIL_MASS,
        high_tail=REAL_TAIL_MASS)
    grid = pd.concat([real, grid], ignore_index=True)
    numbers = ["low", "median", "high", "low_tail", "median_tail", "high_tail"]
    grid[numbers] = charts.significant(grid[numbers], 3)
    return grid


def static_chart(grid: pd.DataFrame) -> alt.HConcatChart:
    """Spread and tail mass against generation, with sliders and buttons bound to the grid's settings."""
    samples = charts.slider("samples", "samples per generation ", STATIC_SAMPLES)
    estimator = charts.choice("estimator", "variance estimator ", list(ESTIMATORS),
                              [ESTIMATOR_LABELS[e] for e in ESTIMATORS])
    regime = charts.choice("regime", "regime ", list(STATIC_REGIMES), [
        "replace", "accumulate", "accumulate, capped at one generation", "fresh real share 10%"], radio=False)
    keep = charts.matches(samples, estimator, regime)
    spread = alt.layer(
        charts.quantile_fan(grid, title="fitted standard deviation", log=True,
                            label="median of 400 runs").transform_filter(keep),
        charts.reference_rule(1.0, "real data"),
    ).properties(title="How wide the model is")
    tails = alt.layer(
        charts.quantile_fan(grid, title="mass beyond ±2 real std. devs.", color=theme.OKABE_ITO[5],
                            label="median of 400 runs", columns=("low_tail", "median_tail", "high_tail"),
                            ).transform_filter(keep),
        charts.reference_rule(REAL_TAIL_MASS, "real data: 4.55%"),
    ).properties(title="How much of the tails it keeps")
    return alt.hconcat(spread, tails).add_params(samples, estimator, regime).properties(
        description="Two charts against generation for the chosen samples per generation, variance estimator and "
                    "regime, each showing the median of 400 runs and a band from the 10th to the 90th percentile. "
                    "Left: the fitted standard deviation on a log scale, with the real value 1 marked. Right: the "
                    "share of the model's probability beyond two real standard deviations, with the real 4.55% "
                    "marked. Under replace both fall as the generations pass; the more samples per generation, "
                    "the slower.")
