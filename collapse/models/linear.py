"""Linear regression with a fixed design: the model Gerstgrasser et al. (2024, arXiv:2404.01413) prove theorems about.

The inputs X (T rows, d features) are drawn once per seed and never change. Generation 1 fits ordinary least squares
to real labels y = X w* + noise; every later generation's labels are the previous fit's predictions on the same X plus
fresh noise of the same size. The only thing that can go wrong is the estimate of w, so the error is
||w_hat - w*||^2, and it has a closed form under both replace and accumulate (see `collapse.theory`).

A row is (x_1, ..., x_d, y). The sufficient statistics X'X, X'y and the row count add up across blocks, so
accumulate costs no more per generation than replace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from collapse._checks import check_array, check_instance, check_int, check_memory, check_positive
from collapse.models.base import Model, RealData


@dataclass(frozen=True)
class RegressionSummary:
    gram: np.ndarray  # (seeds, d, d): X'X
    moment: np.ndarray  # (seeds, d): X'y
    rows: int

    @staticmethod
    def merge(blocks: Sequence["RegressionSummary"]) -> "RegressionSummary":
        return RegressionSummary(sum(b.gram for b in blocks), sum(b.moment for b in blocks),
                                 sum(b.rows for b in blocks))


@dataclass(frozen=True)
class FixedDesign(RealData):
    """The world of the regression chapters: one Gaussian design per seed, a true weight vector, label noise."""

    design: np.ndarray  # (seeds, T, d), entries N(0, 1)
    true_weights: np.ndarray  # (d,)
    noise: float  # standard deviation of the label noise, sigma

    def __post_init__(self):
        design = check_array("design", self.design, "an array of inputs shaped (seeds, T, d)")
        weights = check_array("true_weights", self.true_weights, "a weight vector shaped (d,)")
        if design.ndim != 3 or weights.shape != design.shape[2:]:
            raise ValueError(f"design must be shaped (seeds, T, d) and true_weights (d,); got {design.shape} and "
                             f"{weights.shape}.")
        check_positive("noise", self.noise, why="the standard deviation of the label noise")

    @property
    def values_per_row(self) -> int:
        return self.design.shape[2] + 1  # d inputs and the label

    @staticmethod
    def random(seeds: int, rows: int, dimension: int, noise: float = 1.0, seed: int = 0) -> "FixedDesign":
        """A random design with `rows` (T) rows of `dimension` (d) features per seed; w* = (1, ..., 1) / sqrt(d)."""
        dimension = check_int("dimension", dimension, 1, 1_000)
        rows = check_int("rows", rows, dimension + 2,
                         why="ordinary least squares needs more rows than features, and the error's mean is finite "
                             "only with at least d + 2")
        check_positive("noise", noise)
        seeds = check_int("seeds", seeds, 1)
        seed = check_int("seed", seed, 0)
        check_memory(f"a design of {seeds:,} seeds x {rows:,} rows x {dimension:,} features",
                     8 * seeds * rows * dimension, "the seeds, the rows or the dimension")
        # a stream of its own: np.random.default_rng(seed) would repeat the simulation's noise draws for the same seed
        rng = np.random.default_rng([seed, 0xDE5])
        design = rng.standard_normal((seeds, rows, dimension))
        return FixedDesign(design, np.full(dimension, 1 / np.sqrt(dimension)), noise)

    def labelled(self, weights: np.ndarray, rows: int, rng: np.random.Generator) -> np.ndarray:
        """The first `rows` design rows with labels X w + noise, w per seed (seeds, d): shape (seeds, rows, d + 1)."""
        x = self.design[:, :rows]
        labels = np.matmul(x, weights[..., None])[..., 0] + self.noise * rng.standard_normal(x.shape[:2])
        return np.concatenate([x, labels[..., None]], axis=2)

    # the RealData interface: real labels come from the true weights
    def draw(self, seeds: int, rows: int, rng: np.random.Generator) -> np.ndarray:
        if seeds != self.design.shape[0] or rows > self.design.shape[1]:
            raise ValueError(f"this design has {self.design.shape[0]:,} seeds of {self.design.shape[1]:,} rows; "
                             f"asked for {seeds:,} seeds of {rows:,} rows.")
        return self.labelled(np.broadcast_to(self.true_weights, (seeds, self.true_weights.size)), rows, rng)

    def heldout(self, rows: int, rng: np.random.Generator) -> np.ndarray:
        return np.empty((1, 0, self.true_weights.size + 1))  # the error is measured on the weights, not on data

    def validation(self, seeds: int, rows: int, rng: np.random.Generator) -> np.ndarray:
        """Real rows at new inputs x ~ N(0, I), labelled by w*: shape (seeds, rows, d + 1).

        The design holds only T inputs, all used for training; data for judging a fit must come from elsewhere."""
        inputs = rng.standard_normal((seeds, rows, self.true_weights.size))
        labels = inputs @ self.true_weights + self.noise * rng.standard_normal((seeds, rows))
        return np.concatenate([inputs, labels[..., None]], axis=2)


@dataclass(frozen=True)
class LinearRegressionModel(Model):
    """Ordinary least squares on a fixed design; it writes new labels for the same inputs."""

    world: FixedDesign
    name = "linear regression"
    additive_summaries = True
    true_error = "error"

    def __post_init__(self):
        check_instance("world", self.world, FixedDesign, "a FixedDesign, such as FixedDesign.random(seeds, rows, d)")

    @property
    def min_rows(self) -> int:
        return self.world.design.shape[2] + 1

    def summarise(self, rows: np.ndarray) -> RegressionSummary:
        x, y = rows[..., :-1], rows[..., -1]
        # batched matrix products (BLAS) rather than einsum: several times faster at these shapes
        x_transposed = x.transpose(0, 2, 1)
        return RegressionSummary(x_transposed @ x, (x_transposed @ y[..., None])[..., 0], rows.shape[1])

    def combine(self, summaries: Sequence[RegressionSummary]) -> RegressionSummary:
        return RegressionSummary.merge(summaries)

    def fit(self, summaries: Sequence[RegressionSummary], rng: np.random.Generator | None = None) -> np.ndarray:
        pooled = RegressionSummary.merge(summaries)
        return np.linalg.solve(pooled.gram, pooled.moment[..., None])[..., 0]  # (seeds, d)

    def sample(self, weights: np.ndarray, rows: int, rng: np.random.Generator) -> np.ndarray:
        return self.world.labelled(weights, rows, rng)

    def score(self, weights: np.ndarray, heldout: np.ndarray) -> np.ndarray:
        return self.error(weights)

    def error(self, weights: np.ndarray) -> np.ndarray:
        """||w_hat - w*||^2 per seed."""
        return ((weights - self.world.true_weights) ** 2).sum(axis=1)

    def validation_loss(self, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Mean squared prediction error on labelled rows (seeds, rows, d + 1), per seed.

        On rows from `FixedDesign.validation` its expectation is sigma^2 + ||w - w*||^2: the true error, plus noise."""
        predictions = (rows[..., :-1] @ weights[..., None])[..., 0]
        return ((rows[..., -1] - predictions) ** 2).mean(axis=1)

    def describe(self, weights: np.ndarray) -> dict[str, np.ndarray]:
        return {"error": self.error(weights)}
