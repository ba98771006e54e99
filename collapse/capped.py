"""Chapter "When the data cannot grow": accumulate with a fixed budget, over long horizons; and when synthetic data
helps or hurts depending on how much real data there is.

`CappedSettings` states every setting of the live panel once; `curves` runs the capped regime (and, for reference,
replace and accumulate) for one model; `static_grid` computes, at build time, every setting the static chart offers;
`scarcity_table` measures what adding synthetic data does to a kernel density estimate. widgets/capped.py only draws.
The runs themselves are the previous chapter's (`collapse.accumulate.run`), with the accumulate-subsample regime.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from collapse.accumulate import THEOREM_MODEL, run
from collapse.models.kde import synthetic_boost
from collapse.models.registry import ModelEntry, entries, model_entry
from collapse.settings import Settings, setting

# series -> (regime, its cap in generations' worth of rows: None for the chosen cap)
SERIES = {"capped": ("accumulate-subsample", None), "replace": ("replace", 1), "accumulate": ("accumulate", 1)}
MAX_WORK = 30_000_000  # seeds x rows x generations (x d for regression) a panel run may take
MAX_PICKS = 5_000_000  # seeds x cap x generations: rows drawn at random from the pool


def chapter_models() -> tuple[ModelEntry, ...]:
    """The models this chapter runs: those whose error the fitted parameters give (hundreds of generations of
    many seeds have to be fast)."""
    return entries(with_true_error=True)


def curves(model: str, cap_generations: int, samples: int, generations: int, seeds: int, dimension: int = 10,
           seed: int = 0, references: bool = True) -> pd.DataFrame:
    """Mean error per generation relative to generation 1: capped at `cap_generations` generations' worth of rows,
    and (with `references`) replace and accumulate. Columns generation, series, relative."""
    error = model_entry(model).error
    frames = []
    for name, (regime, cap) in SERIES.items():
        if name != "capped" and not references:
            continue
        history = run(model, regime, samples, generations, seeds, seed, dimension, cap or cap_generations)
        frames.append(history.relative(error, centre="mean").assign(series=name)[["generation", "series",
                                                                                  "relative"]])
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class CappedSettings(Settings):
    """The live panel's settings; constructing one checks them, and refuses a run too large to answer at once."""

    model: str = setting(THEOREM_MODEL, "model", choices={entry.name: entry.label for entry in chapter_models()})
    samples_per_generation: int = setting(32, "samples per generation", steps=(10, 16, 32, 64, 128))
    dimension: int = setting(10, "dimension d", low=1, high=30, when=("model", THEOREM_MODEL))
    cap_generations: int = setting(1, "cap (generations' worth)", low=1, high=50)  # rows each generation trains on
    generations: int = setting(150, "generations", low=10, high=500)
    seeds: int = setting(50, "seeds (runs)", steps=(20, 50, 100, 200, 500))
    seed: int = setting(0, "random seed", control="box")

    def check_budget(self) -> None:
        features = self.dimension if self.model == THEOREM_MODEL else 1
        work = self.seeds * self.samples_per_generation * self.generations * features
        picks = self.seeds * self.cap_generations * self.samples_per_generation * self.generations
        if work > MAX_WORK or picks > MAX_PICKS:
            raise ValueError(f"That run is too large for the panel ({work:,} units of work, {picks:,} random picks; "
                             f"it allows {MAX_WORK:,} and {MAX_PICKS:,}). Lower the seeds, the generations or the "
                             "cap.")
        if self.model == THEOREM_MODEL and self.samples_per_generation < self.dimension + 2:
            raise ValueError(f"Linear regression needs at least d + 2 = {self.dimension + 2} samples per generation; "
                             f"got {self.samples_per_generation}.")


def live_curves(settings: CappedSettings) -> pd.DataFrame:
    """The live chart's curves: capped, replace and accumulate for these settings."""
    return curves(settings.model, settings.cap_generations, settings.samples_per_generation, settings.generations,
                  settings.seeds, settings.dimension, settings.seed)


# --- the static chart: every combination of its controls, simulated when the book is built --------------------
@dataclass(frozen=True)
class StaticModel:
    """One model of the static chart, at its size."""

    name: str  # the registry's
    samples: int  # rows per generation
    seeds: int  # runs
    dimension: int = 0  # the regression's d; 0 for a model without one

    @property
    def label(self) -> str:
        size = f"d = {self.dimension}, T = {self.samples}" if self.dimension else f"n = {self.samples}"
        return f"{model_entry(self.name).label}, {size}"


@dataclass(frozen=True)
class StaticGrid:
    """What the static chart offers; the browser filters the grid, so every combination is computed."""

    models: tuple[StaticModel, ...] = (StaticModel(THEOREM_MODEL, samples=32, seeds=200, dimension=10),
                                       StaticModel("gaussian", samples=10, seeds=1_000))
    caps: tuple[int, ...] = tuple(range(1, 9))  # the cap slider, in generations' worth of rows
    generations: int = 150
    seed: int = 0


STATIC = StaticGrid()


def static_grid(grid: StaticGrid = STATIC) -> pd.DataFrame:
    """The capped curve for every model and cap of the grid, and the reference curves (replace and accumulate) once
    per model, with cap 0. Columns generation, series, relative, model, cap."""
    frames = []
    for model in grid.models:
        for cap in grid.caps:
            capped = curves(model.name, cap, model.samples, grid.generations, model.seeds, model.dimension or 10,
                            grid.seed, references=cap == grid.caps[0])
            frames.append(capped.assign(model=model.name, cap=np.where(capped.series == "capped", cap, 0)))
    return pd.concat(frames, ignore_index=True)


# --- when does synthetic data help? ---------------------------------------------------------------------------
REAL_SIZES = {10: 400, 30: 200, 100: 100, 300: 40}  # real points -> runs averaged (small sizes are noisier)
SYNTHETIC_MULTIPLES = (0, 1, 2, 4, 8)  # synthetic points added per real point


def scarcity_table(seed: int = 0) -> pd.DataFrame:
    """Change in held-out loss from adding k times as much synthetic as real data, for each amount of real data:
    columns real points, synthetic per real point, change, standard error."""
    rows = []
    for real, runs in REAL_SIZES.items():
        losses = synthetic_boost(real, list(SYNTHETIC_MULTIPLES), seeds=runs, seed=seed)
        change = losses - losses[:, [0]]  # paired: same real points and test set within a run
        for index, multiple in enumerate(SYNTHETIC_MULTIPLES):
            rows.append({"real points": real, "synthetic per real point": multiple,
                         "change": change[:, index].mean(),
                         "standard error": change[:, index].std(ddof=1) / np.sqrt(runs) if multiple else 0.0})
    return pd.DataFrame(rows)
