"""Diversity measures shared by the models, and a rule for when a measured change stands out from seed noise.

The diversity measures take counts (how often each outcome, word or class occurred) or token ids, so every model
can report them on what it writes. The reaction rule takes a metric recorded by the generational loop, shaped
(generations, seeds), and asks from which generation on the typical run has moved away from generation 1.
"""

from __future__ import annotations

import numpy as np

from collapse._checks import check_array, check_int, check_memory, check_positive


def shares(counts: np.ndarray) -> np.ndarray:
    """Counts along the last axis, divided by their total: the empirical distribution."""
    counts = check_array("counts", counts, "counts of each outcome, non-negative numbers").astype(float)
    if counts.ndim == 0 or counts.shape[-1] == 0 or (counts < 0).any():
        raise ValueError("counts must be an array of non-negative numbers with at least one outcome.")
    total = counts.sum(axis=-1, keepdims=True)
    if (total == 0).any():
        raise ValueError("counts must not all be zero: there is no distribution to measure.")
    return counts / total


def entropy_bits(counts: np.ndarray) -> np.ndarray:
    """Shannon entropy, in bits, of the distribution in `counts` (last axis): log2 K for K equal outcomes, 0 for one."""
    p = shares(counts)
    return -np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0).sum(axis=-1) + 0.0  # + 0.0: no -0


def gini_simpson(counts: np.ndarray) -> np.ndarray:
    """1 - sum p^2: the chance that two draws (with replacement) differ. 1 - 1/K for K equal outcomes, 0 for one.

    Population genetics calls it the heterozygosity (Simpson 1949 introduced sum p^2 as a concentration index)."""
    p = shares(counts)
    return 1.0 - (p**2).sum(axis=-1)


def type_token_ratio(tokens: np.ndarray) -> float:
    """Distinct tokens divided by all tokens. It falls as text gets longer, so compare texts of equal length."""
    tokens = np.asarray(tokens).ravel()
    if tokens.size == 0:
        raise ValueError("type_token_ratio needs at least one token.")
    return np.unique(tokens).size / tokens.size


def unigram_entropy_bits(tokens: np.ndarray) -> float:
    """Entropy, in bits, of the frequencies of the distinct tokens: how unpredictable one word is, out of context."""
    tokens = np.asarray(tokens).ravel()
    if tokens.size == 0:
        raise ValueError("unigram_entropy_bits needs at least one token.")
    _, counts = np.unique(tokens, return_counts=True)
    return float(entropy_bits(counts))


# --- when does a metric react? -------------------------------------------------------------------------------------
def _generations_by_seeds(values, fewest: int) -> np.ndarray:
    """A recorded metric as a float array shaped (generations, seeds), at least `fewest` of each. NaN may stand where
    a seed recorded nothing (no words written, say); it is carried into the medians, never refused."""
    values = check_array("values", values, "a metric shaped (generations, seeds)", finite=False).astype(float)
    if values.ndim != 2 or values.shape[0] < fewest or values.shape[1] < fewest:
        raise ValueError(f"values must be shaped (generations, seeds) with at least {fewest} of each; "
                         f"got {values.shape}.")
    return values


def median_change(values: np.ndarray) -> np.ndarray:
    """Per generation, the median over seeds of each seed's change since generation 1: shape (generations,).

    Paired by seed (a run is compared with its own first model), and a median, because a few runs that wander far
    dominate a mean (the Gaussian's variance is the classic case)."""
    values = _generations_by_seeds(values, 1)
    return np.median(values - values[:1], axis=1)


def median_change_standard_error(values: np.ndarray, generation: int, resamples: int = 400,
                                 seed: int = 0) -> float:
    """Bootstrap standard error of `median_change` at one generation (1-based): the seeds resampled with replacement."""
    values = _generations_by_seeds(values, 1)
    generation = check_int("generation", generation, 1, values.shape[0])
    resamples = check_int("resamples", resamples, 2)
    seed = check_int("seed", seed, 0)
    changes = values[generation - 1] - values[0]
    check_memory(f"{resamples:,} bootstrap resamples of {changes.size:,} seeds", 16 * resamples * changes.size,
                 "the resamples or the seeds")
    picks = np.random.default_rng(seed).integers(0, changes.size, size=(resamples, changes.size))
    return float(np.median(changes[picks], axis=1).std(ddof=1))


def first_reaction(values: np.ndarray, standard_errors: float = 5.0, relative: float | None = None,
                   seed: int = 0) -> int | None:
    """The first generation whose median change since generation 1 stands out, or None if none does.

    With `relative` unset, "stands out" means the change exceeds `standard_errors` bootstrap standard errors of
    itself (a change the seed-to-seed noise cannot explain). With `relative` set, it means the change is at least
    that share of generation 1's median (a change large enough to matter, however many seeds measured it).
    """
    values = _generations_by_seeds(values, 2)
    seed = check_int("seed", seed, 0)
    change = np.abs(median_change(values))
    if relative is not None:
        later = np.flatnonzero(change[1:] >= check_positive("relative", relative) * abs(np.median(values[0])))
        return int(later[0]) + 2 if later.size else None
    check_positive("standard_errors", standard_errors)
    for generation in range(2, values.shape[0] + 1):  # generation by generation: the bootstrap is the costly part
        # a change with no noise at all (every seed moved alike) still has to be a change
        if change[generation - 1] > 0 and \
                change[generation - 1] > standard_errors * median_change_standard_error(values, generation, seed=seed):
            return generation
    return None
