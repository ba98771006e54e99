"""Chapter "Fresh data and filtering": fresh real data in every generation (Bertrand et al. 2023), and the synthetic
data filtered before the next generation trains on it (Feng et al. 2024); the experiments the chapter runs.

`FreshSettings` states every setting of the live panel once (default, range, steps); `filtered_run` is the experiment
(the Gaussian loop, its samples filtered, with a share of fresh real rows); `live_tables` gives the tables the live
chart draws. Three static charts each have a grid of their own, computed when the book is built: `filter_grid` (the
filters), `share_grid` (fresh shares, the Gaussian and a regression) and `lambda_grid` (a fixed real set plus lambda
times as much synthetic data). widgets/fresh.py only draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from collapse import GaussianModel, GaussianSource, History, make_regime, simulate, theory
from collapse._checks import check_choice
from collapse.filtering import FilteredModel, make_filter
from collapse.models.linear import FixedDesign, LinearRegressionModel
from collapse.settings import Settings, setting

SAMPLES = 10  # rows per generation in the Gaussian runs
FILTER_LABELS = {"none": "no filter", "likelihood": "likelihood filter", "verifier": "verifier"}
SPREAD_FLOOR = 1e-6  # collapsed runs reach a spread of exactly 0, which a log scale cannot draw
MAX_CANDIDATES = 1_500_000  # seeds x rows x generations x candidates per kept row a panel run may draw (< 1 s)
MEASURES = ("mean", "std")  # what the fans follow: the fitted mean and the fitted standard deviation


@dataclass(frozen=True)
class FreshSettings(Settings):
    """The live panel's settings; constructing one checks them, and refuses a run too large to answer at once."""

    filter_name: str = setting("likelihood", "filter", choices=FILTER_LABELS)
    # the likelihood filter keeps |x - mu| <= threshold * sigma of the model's own spread
    threshold: float = setting(1.0, "keep within (std devs)", steps=(0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0),
                               when=("filter_name", "likelihood"))
    # the verifier believes real data are N(bias, 1); the truth is N(0, 1). Quarters are exact in binary.
    bias: float = setting(0.5, "verifier's bias", steps=tuple(quarter / 4 for quarter in range(-8, 9)),
                          when=("filter_name", "verifier"))
    real_share: float = setting(0.0, "fresh real share", low=0.0, high=1.0, step=0.05)  # 0: replace
    generations: int = setting(50, "generations", low=5, high=200)
    seeds: int = setting(200, "seeds (runs)", steps=(20, 50, 100, 200, 500, 1_000))
    seed: int = setting(0, "random seed", control="box")

    def check_budget(self) -> None:
        # a filter too strict to fill its rows at all is refused by the engine, when it runs
        per_row = make_filter(self.filter_name, threshold=self.threshold, belief_mean=self.bias).candidates_per_row
        candidates = int(self.seeds * SAMPLES * self.generations * per_row)
        if candidates > MAX_CANDIDATES:
            raise ValueError(f"That run would draw about {candidates:,} candidate samples; the panel allows "
                             f"{MAX_CANDIDATES:,} so that it answers at once. Lower the seeds or the generations, or "
                             "loosen the filter.")


def filtered_run(filter_name: str = "none", threshold: float = 1.0, bias: float = 0.0, real_share: float = 0.0,
                 generations: int = 50, seeds: int = 200, seed: int = 0) -> History:
    """The Gaussian loop (SAMPLES rows a generation) with its samples filtered, and a share of fresh real rows (0:
    replace). threshold: the likelihood filter's, in the model's standard deviations; bias: the verifier's belief
    about the real mean."""
    regime = make_regime("fresh-mix", real_share=real_share) if real_share else make_regime("replace")
    keep = make_filter(filter_name, threshold=threshold, belief_mean=bias)
    model = GaussianModel() if filter_name == "none" else FilteredModel(GaussianModel(), keep)
    with np.errstate(divide="ignore", invalid="ignore"):  # a collapsed run reaches a spread of 0; its loss is inf
        return simulate(model, GaussianSource(), regime, generations=generations,
                        samples_per_generation=SAMPLES, seeds=seeds, seed=seed, heldout_rows=1)


def run(settings: FreshSettings) -> History:
    """The live panel's run: its settings, already checked against the panel's ranges and budget."""
    return filtered_run(settings.filter_name, settings.threshold, settings.bias, settings.real_share,
                        settings.generations, settings.seeds, settings.seed)


def mean_and_spread_fans(history: History) -> pd.DataFrame:
    """Per generation and measure (fitted mean, fitted standard deviation): 10th percentile, median, 90th; columns
    generation, measure, low, median, high. Spreads below SPREAD_FLOOR are shown at the floor (a log scale)."""
    fans = [history.fan(measure, floor=SPREAD_FLOOR if measure == "std" else None) for measure in MEASURES]
    for measure, fan in zip(MEASURES, fans):
        fan.insert(1, "measure", measure)
    return pd.concat(fans, ignore_index=True)


def spread_theory(filter_name: str, threshold: float, real_share: float, generations: int) -> pd.DataFrame:
    """sqrt(E[s_t^2]) where a closed form is known (no filter, any share; likelihood filter without fresh data):
    columns generation, curve, value; empty where none is known."""
    t = np.arange(1, generations + 1)
    if check_choice("filter_name", filter_name, tuple(FILTER_LABELS)) == "none":
        variance = theory.fresh_mix_moments(generations, SAMPLES, real_share)["variance"]
    elif filter_name == "likelihood" and real_share == 0:
        variance = theory.expected_variance_likelihood_filter(t, SAMPLES, threshold)
    else:
        return pd.DataFrame(columns=["generation", "curve", "value"])
    curve = pd.DataFrame({"generation": t, "curve": "root mean square", "value": np.sqrt(variance)})
    return curve[curve.value >= SPREAD_FLOOR]  # the fans stop at the floor; so does the curve


def belief_table(filter_name: str, bias: float) -> pd.DataFrame:
    """The verifier's belief about the real mean, as one row (none for the other filters): column belief."""
    return pd.DataFrame({"belief": [bias] if filter_name == "verifier" else []})


@dataclass(frozen=True)
class LiveTables:
    """What the live chart draws for one setting, and the number its title states."""

    fans: pd.DataFrame  # generation, measure, low, median, high (mean_and_spread_fans)
    theory: pd.DataFrame  # generation, curve, value: the closed form of the spread, where known
    belief: pd.DataFrame  # belief: the verifier's, or no row
    final_median_spread: float  # the median fitted spread at the last generation


def live_tables(settings: FreshSettings) -> LiveTables:
    history = run(settings)
    return LiveTables(
        fans=mean_and_spread_fans(history),
        theory=spread_theory(settings.filter_name, settings.threshold, settings.real_share, settings.generations),
        belief=belief_table(settings.filter_name, settings.bias),
        final_median_spread=float(np.median(history.metric("std")[-1])))


# --- static chart: the filters, with no fresh data -----------------------------------------------------------------
@dataclass(frozen=True)
class FilterGrid:
    """What the static filter chart offers: no filter, the likelihood filter, and the verifier at each bias."""

    biases: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)  # exact in binary, so the slider's values match the data's
    threshold: float = 1.0  # the likelihood filter's
    generations: int = 60
    seeds: int = 300  # runs per setting
    seed: int = 0


FILTER_GRID = FilterGrid()


@dataclass(frozen=True)
class FilterTables:
    """The static filter chart's data, one row per setting (filter, bias) and generation."""

    fans: pd.DataFrame  # filter, bias, generation, measure, low, median, high
    curves: pd.DataFrame  # filter, bias, generation, curve, value: the closed forms
    belief: pd.DataFrame  # filter, bias, belief: the verifier's, per bias


def filter_grid(grid: FilterGrid = FILTER_GRID) -> FilterTables:
    """Fans for no filter, the likelihood filter and the verifier at each bias, and the closed forms."""
    settings = [("none", 0.0), ("likelihood", 0.0)] + [("verifier", bias) for bias in grid.biases]
    fans, curves = [], []
    for name, bias in settings:
        history = filtered_run(name, grid.threshold, bias, 0.0, grid.generations, grid.seeds, grid.seed)
        fans.append(mean_and_spread_fans(history).assign(filter=name, bias=bias))
        curves.append(spread_theory(name, grid.threshold, 0.0, grid.generations).assign(filter=name, bias=bias))
    belief = pd.DataFrame({"filter": "verifier", "bias": grid.biases, "belief": grid.biases})
    return FilterTables(pd.concat(fans, ignore_index=True), pd.concat(curves, ignore_index=True), belief)


# --- static chart: a share of fresh real rows, for the Gaussian and for linear regression --------------------------
@dataclass(frozen=True)
class ShareGrid:
    """What the static fresh-share chart offers: shares of fresh real rows, for a Gaussian and a regression."""

    share_percents: tuple[int, ...] = (0, 10, 20, 30, 40, 50)  # 0 is replace
    generations: int = 100
    gaussian_seeds: int = 2_000
    regression_seeds: int = 200
    regression_rows: int = 32  # T: rows per generation, on a fixed design
    regression_dimension: int = 10  # d: features
    seed: int = 0


SHARE_GRID = ShareGrid()


def share_grid(grid: ShareGrid = SHARE_GRID) -> pd.DataFrame:
    """Mean over runs per generation and fresh share: the Gaussian's s^2 (with its closed form) and the regression's
    error relative to a single fit's expected error. Columns model, share (percent), generation, series (simulated
    or closed form), value."""
    world = FixedDesign.random(grid.regression_seeds, grid.regression_rows, grid.regression_dimension, seed=grid.seed)
    first = theory.regression_first_error(grid.regression_dimension, grid.regression_rows)
    t = np.arange(1, grid.generations + 1)
    frames = []
    for percent in grid.share_percents:
        regime = make_regime("fresh-mix", real_share=percent / 100)
        gaussian = simulate(GaussianModel(), GaussianSource(), regime, generations=grid.generations,
                            samples_per_generation=SAMPLES, seeds=grid.gaussian_seeds, seed=grid.seed, heldout_rows=1)
        closed = theory.fresh_mix_moments(grid.generations, SAMPLES, percent / 100)["variance"]
        regression = simulate(LinearRegressionModel(world), world, regime, generations=grid.generations,
                              samples_per_generation=grid.regression_rows, seeds=grid.regression_seeds,
                              seed=grid.seed, heldout_rows=1)
        frames += [pd.DataFrame({"model": "gaussian", "share": percent, "generation": t, "series": "simulated",
                                 "value": (gaussian.metric("std") ** 2).mean(axis=1)}),
                   pd.DataFrame({"model": "gaussian", "share": percent, "generation": t, "series": "closed form",
                                 "value": closed}),
                   pd.DataFrame({"model": "regression", "share": percent, "generation": t, "series": "simulated",
                                 "value": regression.metric("error").mean(axis=1) / first})]
    return pd.concat(frames, ignore_index=True)


# --- static chart: Bertrand et al.'s fixed real set plus lambda times as much synthetic data ------------------------
@dataclass(frozen=True)
class LambdaGrid:
    """What the static lambda chart offers: lambda, synthetic rows per real row, from 1 to 10."""

    lambdas: tuple[int, ...] = tuple(range(1, 11))
    generations: int = 60
    seeds: int = 1_000
    seed: int = 0


LAMBDA_GRID = LambdaGrid()


def lambda_grid(grid: LambdaGrid = LAMBDA_GRID) -> pd.DataFrame:
    """Fixed real set plus lambda x synthetic: the spread and the mean gap relative to the real set, per lambda.
    Columns lam, measure (variance or mean_drift), generation, series (simulated or closed form), value."""
    t = np.arange(1, grid.generations + 1)
    frames = []
    for lam in grid.lambdas:
        history = simulate(GaussianModel(), GaussianSource(), make_regime("fixed-real-mix", synthetic_per_real=lam),
                           generations=grid.generations, samples_per_generation=SAMPLES, seeds=grid.seeds,
                           seed=grid.seed, heldout_rows=1)
        real_mean, real_variance = history.metric("mean")[0], history.metric("std")[0] ** 2
        closed = theory.fixed_real_moments(grid.generations, SAMPLES, lam * SAMPLES)
        simulated = {"variance": (history.metric("std") ** 2 / real_variance).mean(axis=1),
                     "mean_drift": ((history.metric("mean") - real_mean) ** 2 / real_variance).mean(axis=1)}
        for measure in ("variance", "mean_drift"):
            frames += [pd.DataFrame({"lam": lam, "measure": measure, "generation": t, "series": "simulated",
                                     "value": simulated[measure]}),
                       pd.DataFrame({"lam": lam, "measure": measure, "generation": t, "series": "closed form",
                                     "value": closed[measure]})]
    return pd.concat(frames, ignore_index=True)


def replace_variance(generations: int) -> pd.DataFrame:
    """E[s^2] under replace relative to generation 1's, the lambda chart's reference: columns generation, value."""
    t = np.arange(1, generations + 1)
    return pd.DataFrame({"generation": t, "value": theory.expected_variance_replace(t - 1, SAMPLES)})
