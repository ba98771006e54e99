"""A one-dimensional Gaussian, refitted generation after generation: the smallest model that collapses.

The experiment of Shumailov et al. (2023, arXiv:2305.17493), section 4: fit a mean and a spread to n points, draw n
new points from the fit, and repeat. Each fit is noisy and the noise compounds, so the spread performs a random walk
that drifts towards zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.special import ndtr

from collapse._checks import check_bool, check_choice, check_positive, check_real
from collapse.models.base import Model, RealData

ESTIMATORS = ("mle", "unbiased")  # divide the sum of squares by n, or by n - 1


@dataclass(frozen=True)
class GaussianSummary:
    """Sufficient statistics of a block of rows, per seed (each shaped (seeds,))."""

    count: np.ndarray  # rows in the block
    mean: np.ndarray
    squared_deviations: np.ndarray  # sum of (x - mean)^2, kept instead of sum(x^2) so tiny spreads stay exact

    @staticmethod
    def merge(blocks: Sequence["GaussianSummary"]) -> "GaussianSummary":
        """Pool blocks with the parallel formula of Chan, Golub and LeVeque (1979): stable when the spread is tiny."""
        count, mean, squared = blocks[0].count, blocks[0].mean, blocks[0].squared_deviations
        for block in blocks[1:]:
            total = count + block.count
            delta = block.mean - mean
            mean = mean + delta * (block.count / total)
            squared = squared + block.squared_deviations + delta**2 * (count * block.count / total)
            count = total
        return GaussianSummary(count, mean, squared)


@dataclass(frozen=True)
class GaussianParams:
    mean: np.ndarray  # (seeds,)
    std: np.ndarray  # (seeds,) standard deviation


@dataclass(frozen=True)
class GaussianModel(Model):
    """Fits N(mean, std^2) by maximum likelihood (estimator="mle") or with the unbiased variance ("unbiased")."""

    estimator: str = "mle"
    real_mean: float = 0.0  # the real distribution, for measuring how much tail mass the fit keeps
    real_std: float = 1.0
    tail_cutoff: float = 2.0  # a "tail" lies beyond this many real standard deviations from the real mean
    # also score the model on its own samples each generation (the loop then samples once more, after the last fit,
    # which chapters that do not need it should not pay for)
    scores_own_output: bool = False

    name = "gaussian"
    min_rows = 2
    additive_summaries = True
    true_error = "kl_from_real"

    def __post_init__(self):
        check_choice("estimator", self.estimator, ESTIMATORS)
        check_real("real_mean", self.real_mean)
        check_positive("real_std", self.real_std)
        check_positive("tail_cutoff", self.tail_cutoff)
        check_bool("scores_own_output", self.scores_own_output)

    def summarise(self, rows: np.ndarray) -> GaussianSummary:
        mean = rows.mean(axis=1)
        squared = ((rows - mean[:, None]) ** 2).sum(axis=1)
        return GaussianSummary(np.full(rows.shape[0], rows.shape[1], dtype=float), mean, squared)

    def combine(self, summaries: Sequence[GaussianSummary]) -> GaussianSummary:
        return GaussianSummary.merge(summaries)

    def fit(self, summaries: Sequence[GaussianSummary], rng: np.random.Generator | None = None) -> GaussianParams:
        pooled = GaussianSummary.merge(summaries)
        divisor = pooled.count if self.estimator == "mle" else pooled.count - 1
        return GaussianParams(pooled.mean, np.sqrt(pooled.squared_deviations / divisor))

    def sample(self, params: GaussianParams, rows: int, rng: np.random.Generator) -> np.ndarray:
        noise = rng.standard_normal((params.mean.shape[0], rows))
        return params.mean[:, None] + params.std[:, None] * noise

    def score(self, params: GaussianParams, heldout: np.ndarray) -> np.ndarray:
        # The mean negative log-likelihood needs only the test set's mean and spread, so scoring costs O(seeds)
        # whatever the size of the test set: mean((x - mu)^2) = var(x) + (mean(x) - mu)^2.
        test = self.summarise(heldout)
        mean_square_error = test.squared_deviations / test.count + (test.mean - params.mean) ** 2
        variance = params.std**2
        return 0.5 * np.log(2 * np.pi * variance) + mean_square_error / (2 * variance)

    def describe(self, params: GaussianParams) -> dict[str, np.ndarray]:
        # Probability mass the fitted model puts beyond +-tail_cutoff real standard deviations (4.55% for the truth).
        low = self.real_mean - self.tail_cutoff * self.real_std
        high = self.real_mean + self.tail_cutoff * self.real_std
        tail_mass = ndtr((low - params.mean) / params.std) + ndtr((params.mean - high) / params.std)
        # KL(real || fitted): the extra nats per sample paid for using the fit instead of the truth (0 when exact)
        kl = (np.log(params.std / self.real_std) + (self.real_std**2 + (params.mean - self.real_mean) ** 2)
              / (2 * params.std**2) - 0.5)
        return {"mean": params.mean, "std": params.std, "tail_mass": tail_mass, "kl_from_real": kl}

    @property
    def describes_output(self) -> bool:
        return self.scores_own_output

    def describe_output(self, params: GaussianParams, rows: np.ndarray) -> dict[str, np.ndarray]:
        """The model's loss on its own samples, nats per sample: about ln(std) + 1.42, so it falls as std shrinks."""
        return {"self_loss": self.score(params, rows)}


@dataclass(frozen=True)
class GaussianSource(RealData):
    """The real world of the Gaussian chapters: N(mean, std^2)."""

    mean: float = 0.0
    std: float = 1.0

    def __post_init__(self):
        check_real("mean", self.mean)
        check_positive("std", self.std)

    def draw(self, seeds: int, rows: int, rng: np.random.Generator) -> np.ndarray:
        return self.mean + self.std * rng.standard_normal((seeds, rows))

    def heldout(self, rows: int, rng: np.random.Generator) -> np.ndarray:
        return self.draw(1, rows, rng)
