"""The interface every model in the book follows, and the interface of the real data it starts from.

Data always travels as arrays shaped (seeds, rows, *event_shape): many independent runs ("seeds") side by side,
so that one numpy call advances all of them.

A model is fitted from *summaries*: the sufficient statistics of a block of rows, which add up across blocks. The
generational loop summarises each block of data once and keeps the summaries, so a regime that trains on everything
seen so far (accumulate) costs the same per generation as one that trains on the last block only. A model with no
sufficient statistics (a neural network) simply uses the rows themselves as the summary.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence

import numpy as np

Summary = Any  # whatever a model's `summarise` returns; only the same model's `fit` reads it
Params = Any  # whatever a model's `fit` returns: the fitted parameters of every seed


class Model(Protocol):
    name: str
    min_rows: int  # the fewest rows a fit can use (a Gaussian needs 2 to estimate a spread)

    def summarise(self, rows: np.ndarray) -> Summary:
        """Sufficient statistics of rows shaped (seeds, rows, *event_shape)."""

    def fit(self, summaries: Sequence[Summary], rng: np.random.Generator | None = None) -> Params:
        """Fit one model per seed to the union of the summarised blocks.

        `rng` is the randomness a fit may use (a network's initial weights and minibatches); a fit that is a
        closed-form computation ignores it. The loop passes a generator of its own for fitting, apart from the one
        that draws the data, so a model that uses it leaves every other model's numbers unchanged. A fit must never
        derive its randomness from the data's bits: on another processor the data differ in the last bits, and a
        seed hashed from them would start an entirely different run."""

    def sample(self, params: Params, rows: int, rng: np.random.Generator) -> np.ndarray:
        """Draw `rows` synthetic rows per seed: shape (seeds, rows, *event_shape)."""

    def score(self, params: Params, heldout: np.ndarray) -> np.ndarray:
        """Held-out loss per seed (mean negative log-likelihood of real rows, in nats): shape (seeds,)."""

    def describe(self, params: Params) -> dict[str, np.ndarray]:
        """Named per-seed measurements of the fitted models, each shaped (seeds,)."""


class RealData(Protocol):
    """The data-generating process of the real world: fresh draws, and a held-out test set."""

    def draw(self, seeds: int, rows: int, rng: np.random.Generator) -> np.ndarray:
        """Fresh real rows, independent per seed: shape (seeds, rows, *event_shape)."""

    def heldout(self, rows: int, rng: np.random.Generator) -> np.ndarray:
        """One real test set shared by every seed: shape (1, rows, *event_shape)."""
