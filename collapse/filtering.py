"""Filtering synthetic data before the next generation trains on it (Feng et al. 2024, arXiv:2406.07515).

`FilteredModel` wraps a model: its `sample` draws candidates from the model, keeps those a filter accepts, and draws
more until every seed has exactly the number of rows asked for. Kept rows are the first accepted candidates in draw
order; candidates and accept decisions are independent, so the kept rows are independent draws from the accepted
distribution. Everything else (fit, score, describe) is the wrapped model's, so the loop and the regimes are unchanged.

Two filters for the one-dimensional Gaussian model:
- `LikelihoodFilter(threshold)`: keep what the model itself finds likely, |x - mu| <= threshold * sigma. The kept rows
  are a truncated normal: the tails are cut every generation.
- `VerifierFilter(belief_mean, belief_std, envelope)`: keep what a verifier believes real data look like. A candidate
  x is accepted with probability min(1, q(x) / (envelope * p(x))), where q = N(belief_mean, belief_std^2) is the
  verifier's belief and p the model. This is rejection sampling towards the belief: where envelope * p >= q the kept
  rows follow q exactly; elsewhere (a model too narrow for the belief) they follow min(envelope * p, q), normalised.
  `envelope` is the verifier's budget: about `envelope` candidates are looked at per kept row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from collapse._checks import (InputTypeError, check_choice, check_int, check_interface, check_positive, check_real,
                              describe)
from collapse.models.gaussian import GaussianParams
from collapse.theory import likelihood_filter_keep_share

MAX_CANDIDATES_PER_ROW = 1_000  # a filter that keeps fewer than 1 in 1,000 candidates is refused, not waited for
MAX_ENVELOPE = 100.0


@dataclass(frozen=True)
class NoFilter:
    """Keep every sample: the unfiltered loop, for comparisons."""

    name = "none"
    candidates_per_row = 1.0  # a first guess at how many candidates each kept row costs, to size the first draw

    def accepts(self, params, candidates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return np.ones(candidates.shape[:2], dtype=bool)


@dataclass(frozen=True)
class LikelihoodFilter:
    """Keep the samples the model finds likely: within `threshold` of its own standard deviations of its mean."""

    threshold: float  # c: rows with |x - mu| >= c sigma are thrown away

    name = "likelihood"

    def __post_init__(self):
        check_positive("threshold", self.threshold)

    @property
    def candidates_per_row(self) -> float:
        return 1 / likelihood_filter_keep_share(self.threshold)

    def accepts(self, params: GaussianParams, candidates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        # <= rather than <: a model whose spread has underflowed to 0 still keeps its own (identical) samples
        return np.abs(candidates - params.mean[:, None]) <= self.threshold * params.std[:, None]


@dataclass(frozen=True)
class VerifierFilter:
    """Keep the samples a verifier believes are real: rejection sampling towards its belief N(belief_mean,
    belief_std^2).

    A perfect verifier believes the truth; a biased one has the wrong `belief_mean`.
    """

    belief_mean: float = 0.0
    belief_std: float = 1.0
    envelope: float = 4.0  # M: acceptance min(1, q / (M p)); about M candidates per kept row

    name = "verifier"

    @property
    def candidates_per_row(self) -> float:
        return self.envelope  # exactly so while the model covers the belief

    def __post_init__(self):
        check_real("belief_mean", self.belief_mean)
        check_positive("belief_std", self.belief_std)
        if not 1 <= check_positive("envelope", self.envelope) <= MAX_ENVELOPE:
            raise ValueError(f"envelope must be from 1 to {MAX_ENVELOPE:g} (candidates looked at per kept row); "
                             f"got {self.envelope!r}.")

    def log_density_ratio(self, params: GaussianParams, candidates: np.ndarray) -> np.ndarray:
        """ln q(x) - ln p(x): the verifier's belief over the model, per candidate."""
        mean, std = params.mean[:, None], params.std[:, None]
        belief = -0.5 * ((candidates - self.belief_mean) / self.belief_std) ** 2 - np.log(self.belief_std)
        model = -0.5 * ((candidates - mean) / std) ** 2 - np.log(std)
        return belief - model

    def accepts(self, params: GaussianParams, candidates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        log_accept = np.minimum(0.0, self.log_density_ratio(params, candidates) - np.log(self.envelope))
        return np.log(rng.random(candidates.shape)) < log_accept


FILTER_NAMES = ("none", "likelihood", "verifier")


def make_filter(name: str, threshold: float = 1.0, belief_mean: float = 0.0, belief_std: float = 1.0,
                envelope: float = 4.0):
    """Build a filter from its name: "none", "likelihood" (uses threshold) or "verifier" (uses the belief)."""
    check_choice("filter", name, FILTER_NAMES)
    if name == "none":
        return NoFilter()
    if name == "likelihood":
        return LikelihoodFilter(threshold)
    return VerifierFilter(belief_mean, belief_std, envelope)


@dataclass(frozen=True)
class FilteredModel:
    """A model whose samples pass through `sample_filter` before anyone trains on them; all else is the wrapped
    model."""

    model: object
    sample_filter: object  # NoFilter, LikelihoodFilter or VerifierFilter (make_filter builds one by name)

    def __post_init__(self):
        check_interface("model", self.model, "model")
        if not (hasattr(self.sample_filter, "accepts") and hasattr(self.sample_filter, "candidates_per_row")) \
                or isinstance(self.sample_filter, type):
            raise InputTypeError(f"sample_filter must be a filter object such as LikelihoodFilter(1.0) or "
                                 f"make_filter('likelihood'); got {describe(self.sample_filter)}.")

    def __getattr__(self, attribute):
        # name, min_rows, summarise, combine (where the model has it), fit, score, describe: the wrapped model's
        if attribute in ("model", "sample_filter"):  # not set yet (while copying): avoid endless recursion
            raise AttributeError(attribute)
        return getattr(self.model, attribute)

    def sample(self, params, rows: int, rng: np.random.Generator) -> np.ndarray:
        """Exactly `rows` accepted rows per seed, (seeds, rows, *event_shape), in the order they were drawn."""
        rows = check_int("rows", rows, 1)
        kept = None
        filled = None
        drawn = 0
        # one round, most of the time; never more than the cap, so a filter too tight reaches the message below
        first_guess = np.ceil(1.5 * rows * self.sample_filter.candidates_per_row) + 16
        batch = int(min(first_guess, MAX_CANDIDATES_PER_ROW * rows))
        while drawn < MAX_CANDIDATES_PER_ROW * rows:
            candidates = self.model.sample(params, batch, rng)
            drawn += batch
            if kept is None:
                kept = np.empty((candidates.shape[0], rows, *candidates.shape[2:]), dtype=candidates.dtype)
                filled = np.zeros(candidates.shape[0], dtype=int)
            accepted = self.sample_filter.accepts(params, candidates, rng)
            # where each accepted candidate goes: after the rows this seed already has, while there is room
            slot = filled[:, None] + np.cumsum(accepted, axis=1) - 1
            take = accepted & (slot < rows)
            seed_index, column = np.nonzero(take)
            kept[seed_index, slot[seed_index, column]] = candidates[seed_index, column]
            filled += take.sum(axis=1)
            if (filled == rows).all():
                return kept
            # draw enough for the seed that is furthest behind, at the acceptance rate it has shown so far
            rate = max(filled.min(), 1) / drawn
            batch = int(min(np.ceil(1.5 * (rows - filled.min()) / rate) + 8, MAX_CANDIDATES_PER_ROW * rows))
        raise ValueError(f"the {self.sample_filter.name} filter kept fewer than {rows:,} of {drawn:,} candidates for "
                         f"some runs; a filter must keep at least 1 candidate in {MAX_CANDIDATES_PER_ROW:,}. "
                         "Loosen it.")

