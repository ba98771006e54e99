"""The interface every model in the book follows, and the interface of the real data it starts from.

Data always travels as arrays shaped (seeds, rows, *event_shape): many independent runs ("seeds") side by side,
so that one numpy call advances all of them.

A model is fitted from *summaries*: the sufficient statistics of a block of rows, which add up across blocks. The
generational loop summarises each block of data once and keeps the summaries, so a regime that trains on everything
seen so far (accumulate) costs the same per generation as one that trains on the last block only. A model with no
sufficient statistics (a neural network) simply uses the rows themselves as the summary.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

Summary = Any  # whatever a model's `summarise` returns; only the same model's `fit` reads it
Params = Any  # whatever a model's `fit` returns: the fitted parameters of every seed


class Model:
    """What every model defines, and the capabilities a model may have, each with its default.

    The loop, the regimes and the chapters read the capabilities below; nothing is discovered by looking for a
    method. A model that has a capability sets the flag and defines the method that goes with it.
    """

    name: str = "model"
    min_rows: int = 1  # the fewest rows a fit can use (a Gaussian needs 2 to estimate a spread)
    # Its summaries add up (`combine`): accumulate keeps one running total instead of refitting every block.
    additive_summaries: bool = False
    # It measures what it writes (`describe_output`): the loop samples after the last fit too, to record it.
    describes_output: bool = False
    # The `describe` measurement that says how far the fitted model is from the truth (KL, weight error), where the
    # truth is known; the validation gate's oracle and the chapters that compare models read it.
    true_error: str | None = None

    def summarise(self, rows: np.ndarray) -> Summary:
        """Sufficient statistics of rows shaped (seeds, rows, *event_shape)."""
        raise NotImplementedError

    def fit(self, summaries: Sequence[Summary], rng: np.random.Generator | None = None) -> Params:
        """Fit one model per seed to the union of the summarised blocks.

        `rng` is the randomness a fit may use (a network's initial weights and minibatches); a fit that is a
        closed-form computation ignores it. The loop passes a generator of its own for fitting, apart from the one
        that draws the data, so a model that uses it leaves every other model's numbers unchanged. A fit must never
        derive its randomness from the data's bits: on another processor the data differ in the last bits, and a
        seed hashed from them would start an entirely different run."""
        raise NotImplementedError

    def sample(self, params: Params, rows: int, rng: np.random.Generator) -> np.ndarray:
        """Draw `rows` synthetic rows per seed: shape (seeds, rows, *event_shape)."""
        raise NotImplementedError

    def score(self, params: Params, heldout: np.ndarray) -> np.ndarray:
        """Held-out loss per seed (mean negative log-likelihood of real rows, in nats): shape (seeds,)."""
        raise NotImplementedError

    def describe(self, params: Params) -> dict[str, np.ndarray]:
        """Named per-seed measurements of the fitted models, each shaped (seeds,)."""
        return {}

    def combine(self, summaries: Sequence[Summary]) -> Summary:
        """One summary of several blocks (only where `additive_summaries`)."""
        raise NotImplementedError(f"the summaries of a {self.name} model do not add up")

    def describe_output(self, params: Params, output: np.ndarray) -> dict[str, np.ndarray]:
        """Named per-seed measurements of what the models wrote (only where `describes_output`)."""
        return {}

    def validation_loss(self, params: Params, rows: np.ndarray) -> np.ndarray:
        """The loss a validation gate ranks candidates by, per seed: the held-out loss, unless a model says
        otherwise (least squares ranks by squared error)."""
        return self.score(params, rows)


class RealData:
    """The data-generating process of the real world: fresh draws, and a held-out test set."""

    values_per_row: int = 1  # numbers in one row (its event size), for the memory a run will need

    def draw(self, seeds: int, rows: int, rng: np.random.Generator) -> np.ndarray:
        """Fresh real rows, independent per seed: shape (seeds, rows, *event_shape)."""
        raise NotImplementedError

    def heldout(self, rows: int, rng: np.random.Generator) -> np.ndarray:
        """One real test set shared by every seed: shape (1, rows, *event_shape)."""
        raise NotImplementedError

    def validation(self, seeds: int, rows: int, rng: np.random.Generator) -> np.ndarray:
        """Real rows set aside to judge candidates, per seed: a fresh draw unless the world says otherwise (a fixed
        design validates on its own inputs)."""
        return self.draw(seeds, rows, rng)
