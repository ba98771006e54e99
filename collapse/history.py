"""The record of a run: one array per metric, shaped (generations, seeds), and the tidy tables charts are drawn from.

Every chapter's table comes from here: `fan` (quantiles across seeds, the bands of the fan charts), `relative` (a
typical value per generation divided by generation 1's, to put different measures on one axis), `seed_lines` (the
individual runs behind a fan) and `to_frame` (everything, one row per seed, generation and metric).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from collapse._checks import check_array, check_choice, check_fraction, check_instance, check_int, check_memory

CENTRES = {"mean": np.mean, "median": np.median}  # how `relative` sums up the seeds of a generation


@dataclass
class History:
    regime: str
    generations: int
    seeds: int
    metrics: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (generations, seeds); row 0 is generation 1

    def __post_init__(self):
        check_instance("regime", self.regime, str, "the regime's name, a string such as 'replace'")
        self.generations = check_int("generations", self.generations, 1)
        self.seeds = check_int("seeds", self.seeds, 1)
        check_memory(f"a History of {self.generations:,} generations x {self.seeds:,} seeds",
                     self.generations * self.seeds * 8, "the generations or the seeds")  # one metric, at least
        check_instance("metrics", self.metrics, dict, "a dict of metric name -> (generations, seeds) array")

    def record(self, generation: int, values: dict[str, np.ndarray]) -> None:
        check_int("generation", generation, 1, self.generations)
        check_instance("values", values, dict, "a dict of metric name -> per-seed values")
        for name, per_seed in values.items():
            if name not in self.metrics:
                self.metrics[name] = np.full((self.generations, self.seeds), np.nan)
            self.metrics[name][generation - 1] = per_seed

    def metric(self, name: str) -> np.ndarray:
        if name not in self.metrics:
            raise ValueError(f"no metric {name!r}; this run recorded {', '.join(sorted(self.metrics))}.")
        return self.metrics[name]

    def quantiles(self, name: str, levels=(0.1, 0.5, 0.9)) -> np.ndarray:
        """Quantiles across seeds of one metric: shape (len(levels), generations)."""
        levels = check_array("levels", levels, "quantile levels from 0 to 1")
        for level in levels.ravel():
            check_fraction("levels", level.item(), why="quantile levels")
        return np.quantile(self.metric(name), levels, axis=1)

    @staticmethod
    def from_metrics(regime: str, metrics: dict) -> "History":
        """A History of stored values: `metrics` maps names to (generations, seeds) arrays or nested lists."""
        check_instance("metrics", metrics, dict, "a dict of metric name -> (generations, seeds) values")
        arrays = {name: check_array(name, values, "(generations, seeds) values", finite=False).astype(float)
                  for name, values in metrics.items()}
        shapes = {array.shape for array in arrays.values()}
        if len(shapes) != 1 or len(next(iter(shapes))) != 2:
            raise ValueError(f"metrics must all be shaped (generations, seeds); got shapes {sorted(shapes)}.")
        generations, seeds = shapes.pop()
        return History(regime, generations, seeds, arrays)

    def generation_numbers(self) -> np.ndarray:
        return np.arange(1, self.generations + 1)

    def fan(self, name: str, levels=(0.1, 0.5, 0.9), floor: float | None = None) -> pd.DataFrame:
        """Per generation, the 10th percentile, median and 90th percentile across seeds of one metric: columns
        generation, low, median, high. `floor`, if given, lifts values below it to it (a log scale cannot draw the
        exact zeros of collapsed runs)."""
        low, median, high = self.quantiles(name, levels)
        if floor is not None:
            low, median, high = (np.maximum(q, floor) for q in (low, median, high))
        return pd.DataFrame({"generation": self.generation_numbers(), "low": low, "median": median, "high": high})

    def relative(self, name: str, centre: str = "mean") -> pd.DataFrame:
        """Per generation, the mean (or median) over seeds of one metric and that divided by generation 1's: columns
        generation, value, relative."""
        typical = CENTRES[check_choice("centre", centre, tuple(CENTRES))](self.metric(name), axis=1)
        return pd.DataFrame({"generation": self.generation_numbers(), "value": typical,
                             "relative": typical / typical[0]})

    def seed_lines(self, name: str, seeds: int | None = None) -> pd.DataFrame:
        """The first `seeds` runs' values of one metric (all of them by default): columns seed, generation, value."""
        shown = self.seeds if seeds is None else min(check_int("seeds", seeds, 1), self.seeds)
        values = self.metric(name)[:, :shown]
        return pd.DataFrame({"seed": np.repeat(np.arange(shown), self.generations),
                             "generation": np.tile(self.generation_numbers(), shown), "value": values.T.ravel()})

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per (seed, generation, metric), with columns seed, generation, regime, metric, value."""
        generation = np.repeat(np.arange(1, self.generations + 1), self.seeds)
        seed = np.tile(np.arange(self.seeds), self.generations)
        frames = [
            pd.DataFrame({"seed": seed, "generation": generation, "regime": self.regime, "metric": name,
                          "value": values.ravel()})
            for name, values in self.metrics.items()
        ]
        return pd.concat(frames, ignore_index=True)
