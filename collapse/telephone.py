"""Chapter "A game of telephone": a Gaussian refitted to its own samples, the experiments the chapter runs.

`TelephoneSettings` states every setting of the live panel once (default, range, steps); `run` simulates one
setting; `live_tables` gives the tables the live chart draws; `static_grid` computes, at build time, every setting the
static chart offers. widgets/telephone.py only draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from collapse import make_regime, simulate
from collapse.history import History
from collapse.models.gaussian import ESTIMATORS, GaussianModel, GaussianSource
from collapse.settings import Settings, cap_setting, real_share_setting, regime_setting, setting
from collapse.theory import closed_form_spread

REAL_TAIL_MASS = 0.0455  # mass of N(0, 1) beyond +-2, the tails the chapter follows
ESTIMATOR_LABELS = {"mle": "maximum likelihood (divide by n)", "unbiased": "unbiased (divide by n - 1)"}
MAX_DRAWS = 20_000_000  # seeds x samples x generations a panel run may draw: about half a second here
MAX_SUBSAMPLE_PICKS = 2_000_000  # seeds x cap x generations for the capped regime, whose draws cost more each
TRAJECTORIES_SHOWN = 30  # individual runs drawn in the fan; the band summarises all of them
COLLAPSED_BELOW = 0.1  # a run "has collapsed" when its fitted standard deviation is below this (the real one is 1)


@dataclass(frozen=True)
class TelephoneSettings(Settings):
    """The live panel's settings; constructing one checks them, and refuses a run too large to answer at once."""

    samples_per_generation: int = setting(10, "samples per generation",
                                          steps=(2, 3, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000))
    generations: int = setting(60, "generations", low=1, high=200)
    seeds: int = setting(200, "seeds (runs)", steps=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000))
    estimator: str = setting("mle", "variance estimator", choices={"mle": "MLE (÷ n)", "unbiased": "unbiased (÷ n − 1)"},
                             control="buttons")
    regime: str = regime_setting()
    cap_generations: int = cap_setting()  # the capped regime's budget, in generations' worth of rows
    real_share: float = real_share_setting()  # the share of fresh real rows under fresh-mix
    show_generation: int = setting(60, "histogram at generation", low=1, high=200)
    seed: int = setting(0, "random seed", control="box")

    def check_budget(self) -> None:
        draws = self.seeds * self.samples_per_generation * self.generations
        if draws > MAX_DRAWS:
            raise ValueError(f"That run would draw {draws:,} numbers; the panel allows {MAX_DRAWS:,} so that it "
                             "answers within a second. Lower the seeds, the generations or the samples per generation.")
        picks = self.seeds * self.cap_generations * self.samples_per_generation * self.generations
        if self.regime == "accumulate-subsample" and picks > MAX_SUBSAMPLE_PICKS:
            raise ValueError(f"The capped regime would pick {picks:,} rows at random; the panel allows "
                             f"{MAX_SUBSAMPLE_PICKS:,}. Lower the seeds, the generations or the cap.")


def experiment(samples_per_generation: int, generations: int, seeds: int, estimator: str = "mle",
               regime: str = "replace", cap_generations: int = 2, real_share: float = 0.1, seed: int = 0) -> History:
    """`seeds` chains of Gaussians, each refitted to `samples_per_generation` of its own samples (or the regime's
    mix) for `generations` generations. cap_generations: the capped regime's budget in generations' worth of rows;
    real_share: the share of fresh real rows under fresh-mix."""
    chosen = make_regime(regime, cap=cap_generations * samples_per_generation, real_share=real_share)
    return simulate(GaussianModel(estimator=estimator), GaussianSource(), chosen, generations=generations,
                    samples_per_generation=samples_per_generation, seeds=seeds, seed=seed)


def run(settings: TelephoneSettings) -> History:
    """The live panel's run: its settings, already checked against the panel's ranges and budget."""
    return experiment(settings.samples_per_generation, settings.generations, settings.seeds, settings.estimator,
                      settings.regime, settings.cap_generations, settings.real_share, settings.seed)


def theory_table(regime: str, estimator: str, samples_per_generation: int, generations: int) -> pd.DataFrame:
    """The closed-form curves for this setting, from generation 0 (the real data) on; empty where none is known."""
    t = np.arange(generations + 1)
    curves = closed_form_spread(regime, estimator, samples_per_generation, t)
    return pd.DataFrame([{"generation": g, "curve": name, "value": values[g]}
                         for name, values in curves.items() for g in t], columns=["generation", "curve", "value"])


@dataclass(frozen=True)
class LiveTables:
    """What the live chart draws for one setting, and the numbers its titles state."""

    runs: pd.DataFrame  # seed, generation, value: the first TRAJECTORIES_SHOWN runs' fitted spreads
    fan: pd.DataFrame  # generation, low, median, high of the fitted spread
    theory: pd.DataFrame  # generation, curve, value: the closed forms
    histogram: pd.DataFrame  # log10_std of every run at the chosen generation
    shown_generation: int  # the histogram's generation (the chosen one, within the run)
    median_at_shown: float  # the median fitted spread there
    collapsed_share: float  # the share of runs below COLLAPSED_BELOW there


def live_tables(settings: TelephoneSettings) -> LiveTables:
    history = run(settings)
    shown_generation = min(settings.show_generation, settings.generations)
    at_generation = history.metric("std")[shown_generation - 1]
    return LiveTables(
        runs=history.seed_lines("std", TRAJECTORIES_SHOWN), fan=history.fan("std"),
        theory=theory_table(settings.regime, settings.estimator, settings.samples_per_generation, settings.generations),
        histogram=pd.DataFrame({"log10_std": np.log10(np.clip(at_generation, 1e-300, None))}),
        shown_generation=shown_generation, median_at_shown=float(np.median(at_generation)),
        collapsed_share=float(np.mean(at_generation < COLLAPSED_BELOW)))


def summary_table(settings: TelephoneSettings) -> pd.DataFrame:
    """The numbers behind the panel: per generation, the spread's fan, the median tail mass and the closed forms."""
    history = run(settings)
    frame = history.fan("std")
    frame["median_tail_mass"] = np.median(history.metric("tail_mass"), axis=1)
    for name, values in closed_form_spread(settings.regime, settings.estimator, settings.samples_per_generation,
                                           frame["generation"]).items():
        frame[f"closed form: {name}"] = values
    return frame


# --- the static chart: every combination of its controls, simulated when the book is built --------------------
@dataclass(frozen=True)
class StaticGrid:
    """What the static chart offers; the browser filters the grid, so every combination is computed."""

    samples: tuple[int, ...] = tuple(range(10, 101, 10))  # samples per generation on its slider
    regimes: tuple[tuple[str, str, dict], ...] = (  # name, label, the regime's option
        ("replace", "replace", {}), ("accumulate", "accumulate", {}),
        ("accumulate-subsample", "accumulate, capped at one generation", {"cap_generations": 1}),
        ("fresh-mix", "fresh real share 10%", {"real_share": 0.1}))
    generations: int = 100
    seeds: int = 400  # runs per setting
    every: int = 4  # generations kept: 0 (the real data), 1 and every 4th, so the page stays small
    seed: int = 0


STATIC = StaticGrid()


def static_grid(grid: StaticGrid = STATIC) -> pd.DataFrame:
    """Fans of the spread and of the tail mass for every (samples, estimator, regime) the static chart offers.

    One row per setting and generation (0, the real data, then 1 and every `every`-th), with both metrics' 10th
    percentile, median and 90th percentile across `seeds` runs (about 2,000 rows: the page carries all of it).
    """
    kept = np.r_[0, np.arange(grid.every, grid.generations + 1, grid.every) - 1]  # row g - 1 holds generation g
    rows = []
    for samples in grid.samples:
        for estimator in ESTIMATORS:
            for regime, _, options in grid.regimes:
                history = experiment(samples, grid.generations, grid.seeds, estimator, regime, seed=grid.seed,
                                     **options)
                spread, tails = history.fan("std").iloc[kept], history.fan("tail_mass").iloc[kept]
                frame = spread.merge(tails, on="generation", suffixes=("", "_tail"))
                rows.append(frame.assign(samples=samples, estimator=estimator, regime=regime))
    table = pd.concat(rows, ignore_index=True)
    real = table.drop_duplicates(["samples", "estimator", "regime"]).assign(
        generation=0, low=1.0, median=1.0, high=1.0, low_tail=REAL_TAIL_MASS, median_tail=REAL_TAIL_MASS,
        high_tail=REAL_TAIL_MASS)
    return pd.concat([real, table], ignore_index=True)
