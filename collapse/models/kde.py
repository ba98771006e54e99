"""A kernel density estimate with a fixed bandwidth: the model of the "scarce versus abundant real data" experiment.

It keeps every training point and puts a Gaussian of width `bandwidth` on each. Sampling from it picks a training
point at random and adds kernel noise, so its synthetic data are real points, jittered. Training a new estimate on
real plus synthetic points therefore smooths more than training on the real points alone: a help when the real
points are too few for the bandwidth, a harm when they are plenty (Kazdan, Schaeffer et al. 2024, arXiv:2410.16713,
study this model among others).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.special import logsumexp

from collapse._checks import check_array, check_int, check_memory, check_positive
from collapse.models.base import Model


MAX_BOOST_SEEDS = 10_000  # synthetic_boost fits and scores one seed at a time, in a Python loop


@dataclass(frozen=True)
class KernelDensityModel(Model):
    bandwidth: float = 0.4  # standard deviation of the Gaussian kernel, in units of the real data's spread
    name = "kernel density"
    min_rows = 1
    additive_summaries = True

    def __post_init__(self):
        check_positive("bandwidth", self.bandwidth)

    def summarise(self, rows: np.ndarray) -> np.ndarray:
        return rows  # a KDE is its points

    def combine(self, summaries: Sequence[np.ndarray]) -> np.ndarray:
        return np.concatenate(summaries, axis=1)

    def fit(self, summaries: Sequence[np.ndarray], rng: np.random.Generator | None = None) -> np.ndarray:
        return self.combine(summaries)  # (seeds, points)

    def sample(self, points: np.ndarray, rows: int, rng: np.random.Generator) -> np.ndarray:
        seeds, available = points.shape
        chosen = points[np.arange(seeds)[:, None], rng.integers(0, available, size=(seeds, rows))]
        return chosen + self.bandwidth * rng.standard_normal((seeds, rows))

    def score(self, points: np.ndarray, heldout: np.ndarray) -> np.ndarray:
        """Mean negative log-likelihood of held-out real points (nats), per seed."""
        return np.array([self.negative_log_likelihood(seed_points, heldout[0]) for seed_points in points])

    def negative_log_likelihood(self, points: np.ndarray, test: np.ndarray) -> float:
        z = (test[:, None] - points[None, :]) / self.bandwidth
        log_density = logsumexp(-0.5 * z**2, axis=1) - np.log(points.size * self.bandwidth * np.sqrt(2 * np.pi))
        return float(-log_density.mean())

    def describe(self, points: np.ndarray) -> dict[str, np.ndarray]:
        return {"points": np.full(points.shape[0], float(points.shape[1]))}


def synthetic_boost(real_rows: int, synthetic_multiples: Sequence[int], bandwidth: float = 0.4, seeds: int = 20,
                    test_rows: int = 500, seed: int = 0) -> np.ndarray:
    """Held-out loss of a KDE fitted to `real_rows` real points plus k times as many points sampled from a KDE of the
    real points, for each k in `synthetic_multiples`: shape (seeds, len(synthetic_multiples)).

    Within a seed every k shares the real points and the test set, so differences between k are paired.
    """
    real_rows = check_int("real_rows", real_rows, 1)
    multiples = check_array("synthetic_multiples", synthetic_multiples, "whole numbers of at least 0", integer=True)
    if multiples.ndim != 1 or multiples.size == 0 or (multiples < 0).any():
        raise ValueError(f"synthetic_multiples must be a list of whole numbers of at least 0; "
                         f"got {synthetic_multiples!r}.")
    seeds = check_int("seeds", seeds, 1, MAX_BOOST_SEEDS, why="each seed is one pass of a Python loop")
    test_rows = check_int("test_rows", test_rows, 1)
    seed = check_int("seed", seed, 0)
    # the largest fit's points, and scoring them: a (test rows, points) matrix of kernel distances
    points = real_rows * (1 + int(multiples.max()))
    check_memory(f"a KDE of {points:,} points scored on {test_rows:,} test rows", 8 * points * (test_rows + 2),
                 "real_rows, the synthetic multiples or test_rows")
    from collapse.models.gaussian import GaussianSource

    model, source, rng = KernelDensityModel(bandwidth), GaussianSource(), np.random.default_rng(seed)
    losses = np.empty((seeds, len(synthetic_multiples)))
    for run in range(seeds):
        real, test = source.draw(1, real_rows, rng), source.heldout(test_rows, rng)
        for index, multiple in enumerate(synthetic_multiples):
            synthetic = model.sample(real, multiple * real_rows, rng)
            losses[run, index] = model.score(model.fit([real, synthetic]), test)[0]
    return losses
