"""The record of a run: one array per metric, shaped (generations, seeds), and its tidy table."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from collapse._checks import check_array, check_fraction, check_instance, check_int, check_memory


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
