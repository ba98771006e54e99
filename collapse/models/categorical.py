"""A categorical distribution over K outcomes, refitted by counting: the smallest discrete model that collapses.

Generation 1 counts n real draws; each later generation counts n draws from the previous fit. Under replace this is
the Wright-Fisher model of population genetics (Fisher 1930; Wright 1931): outcomes are alleles, a generation's
draws are its offspring, and resampling noise ("genetic drift") loses outcomes until one has taken everything. It
has closed forms (see `collapse.theory`), which is why the book uses it to check what the text models only suggest.

Like the n-gram model, it *writes* from the raw counts, so an outcome that drops out never comes back, and it *reads*
(scores rows) with a small pseudo-count on every outcome, so that a lost outcome costs a finite number of nats.
Rows are outcome ids, shaped (seeds, rows); every operation covers all seeds at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from collapse._checks import check_int, check_positive, check_probabilities
from collapse.metrics import entropy_bits, gini_simpson
from collapse.models.base import Model, RealData

MAX_OUTCOMES = 10_000


@dataclass(frozen=True)
class CategoricalModel(Model):
    """Fits outcome probabilities by counting (maximum likelihood); scores with `pseudo_count` added to each count."""

    outcomes: int  # K
    pseudo_count: float = 0.5  # added to every count when scoring only (0.5: Krichevsky and Trofimov 1981)
    name: str = field(default="categorical", init=False)
    min_rows: int = field(default=1, init=False)
    additive_summaries = True
    describes_output = True

    def __post_init__(self):
        check_int("outcomes", self.outcomes, 2, MAX_OUTCOMES)
        check_positive("pseudo_count", self.pseudo_count)

    def summarise(self, rows: np.ndarray) -> np.ndarray:
        """How often each outcome occurs per seed: rows (seeds, n) of ids in 0..K-1 -> counts (seeds, K)."""
        rows = np.asarray(rows)
        if rows.ndim != 2 or not np.issubdtype(rows.dtype, np.integer) or rows.size == 0:
            raise ValueError(f"rows must be a (seeds, rows) array of whole-number outcome ids; got shape {rows.shape} "
                             f"of {rows.dtype}.")
        if rows.min() < 0 or rows.max() >= self.outcomes:
            raise ValueError(f"outcome ids must lie in 0..{self.outcomes - 1}; got {rows.min()}..{rows.max()}.")
        seeds = rows.shape[0]
        offsets = (np.arange(seeds) * self.outcomes)[:, None]
        # np.intp: bincount refuses int64 ids where an index is 32 bits (WebAssembly, in the reader's browser)
        ids = (rows + offsets).ravel().astype(np.intp)
        return np.bincount(ids, minlength=seeds * self.outcomes).reshape(seeds, self.outcomes)

    def combine(self, summaries: Sequence[np.ndarray]) -> np.ndarray:
        return np.sum(summaries, axis=0)

    def fit(self, summaries: Sequence[np.ndarray], rng: np.random.Generator | None = None) -> np.ndarray:
        """The fit per seed is its training counts, (seeds, K): probabilities are counts / their total."""
        return self.combine(summaries)

    def probabilities(self, params: np.ndarray) -> np.ndarray:
        return params / params.sum(axis=1, keepdims=True)

    def sample(self, params: np.ndarray, rows: int, rng: np.random.Generator) -> np.ndarray:
        """n draws per seed: multinomial counts, spelled out as ids and shuffled, shape (seeds, rows)."""
        seeds = params.shape[0]
        counts = rng.multinomial(rows, self.probabilities(params))  # (seeds, K), one multinomial per seed
        ids = np.repeat(np.tile(np.arange(self.outcomes), seeds), counts.ravel().astype(np.intp))  # see above
        # shuffled so that any slice of a generation's rows (fresh-mix keeps the first ones) is a fair draw
        return rng.permuted(ids.reshape(seeds, rows), axis=1)

    def log_loss(self, params: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Mean negative log-probability, in nats, of each seed's rows (or of one set of rows shared by every seed)
        under the fit smoothed by `pseudo_count`."""
        total = params.sum(axis=1, keepdims=True) + self.pseudo_count * self.outcomes
        smoothed = (params + self.pseudo_count) / total
        return -(self.summarise(rows) * np.log(smoothed)).sum(axis=1) / rows.shape[1]

    def score(self, params: np.ndarray, heldout: np.ndarray) -> np.ndarray:
        """Held-out loss per seed: nats per real draw."""
        return self.log_loss(params, heldout)

    def describe(self, params: np.ndarray) -> dict[str, np.ndarray]:
        """Diversity of each seed's fit: Gini-Simpson index, entropy (bits), outcomes still alive, the largest share."""
        p = self.probabilities(params)
        return {"gini_simpson": gini_simpson(p), "entropy_bits": entropy_bits(p),
                "outcomes_alive": (p > 0).sum(axis=1).astype(float), "largest_share": p.max(axis=1)}

    def describe_output(self, params: np.ndarray, rows: np.ndarray) -> dict[str, np.ndarray]:
        """The model's loss on its own draws, nats per draw: about its entropy, so it falls as the fit narrows."""
        return {"self_loss": self.log_loss(params, rows)}


@dataclass(frozen=True)
class CategoricalSource(RealData):
    """The real world: independent draws from fixed outcome probabilities (equal ones by default)."""

    probabilities: tuple[float, ...] = (0.1,) * 10

    def __post_init__(self):
        check_probabilities("probabilities", self.probabilities)

    @staticmethod
    def uniform(outcomes: int) -> "CategoricalSource":
        return CategoricalSource((1.0 / check_int("outcomes", outcomes, 2, MAX_OUTCOMES),) * outcomes)

    def draw(self, seeds: int, rows: int, rng: np.random.Generator) -> np.ndarray:
        return rng.choice(len(self.probabilities), size=(seeds, rows), p=np.asarray(self.probabilities))

    def heldout(self, rows: int, rng: np.random.Generator) -> np.ndarray:
        return self.draw(1, rows, rng)
