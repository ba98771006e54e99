"""A Gaussian whose spread is known and whose mean alone is fitted: the smallest model a validation gate can act on.

With the spread fixed at the real one, a fit is one number, the mean, and both a model's held-out loss and its
distance from the truth depend only on how far its mean lies from a target (the held-out data's mean, or the real
mean). That is what makes the gate's behaviour solvable in closed form (`collapse.theory.gate_deploy_probability`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from collapse.models.gaussian import GaussianModel, GaussianParams, GaussianSummary


@dataclass(frozen=True)
class KnownSpreadGaussianModel(GaussianModel):
    """Fits N(mean, real_std^2): the sample mean, with the spread held at the real one (`estimator` is unused)."""

    min_rows = 1

    def fit(self, summaries: Sequence[GaussianSummary], rng: np.random.Generator | None = None) -> GaussianParams:
        mean = GaussianSummary.merge(summaries).mean
        return GaussianParams(mean, np.full_like(mean, self.real_std))
