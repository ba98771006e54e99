"""The record of a run: one array per metric, shaped (generations, seeds), and its tidy table."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass
class History:
    regime: str
    generations: int
    seeds: int
    metrics: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (generations, seeds); row 0 is generation 1

    def record(self, generation: int, values: dict[str, np.ndarray]) -> None:
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
