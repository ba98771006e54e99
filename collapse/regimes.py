"""Regimes: which data generation t + 1 trains on, given everything produced so far.

Generation 1 always trains on the real sample R (n rows per seed). Generation t then draws n synthetic rows S_t, and the
regime picks the next training set from the pool:

| regime                     | generation t + 1 trains on                                                   | source                      |
|----------------------------|-------------------------------------------------------------------------------|-----------------------------|
| replace                    | S_t only                                                                      | Shumailov et al. 2023       |
| accumulate                 | R, S_1, ..., S_t (the pool grows by n rows a generation)                     | Gerstgrasser et al. 2024    |
| accumulate-subsample(cap)  | `cap` rows drawn without replacement from R, S_1, ..., S_t (all of it if smaller) | Kazdan, Schaeffer et al. 2024 |
| fresh-mix(share)           | k fresh real rows plus n - k rows of S_t, with E[k] = share * n (see below)   | Bertrand et al. 2023        |
| fixed-real-mix(lambda)     | R again, plus round(lambda * n) rows of S_t (the loop draws that many)       | Bertrand et al. 2023        |

Under fresh-mix, k is share * n when that is a whole number; otherwise it is drawn anew each generation, the whole
part of share * n or one more, one more with probability equal to the fractional part (`fresh_row_counts`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from collapse._checks import (check_bool, check_choice, check_fraction, check_instance, check_int, check_interface,
                              MAX_RUN_BYTES, check_memory, check_real)


class Pool:
    """Everything a run has produced, per seed: the real sample, then each generation's synthetic rows.

    Each block is summarised once, when it arrives. Raw rows are kept only while a regime may still need them: the
    last block always (fresh-mix trains on part of it), every block for accumulate-subsample, which stores them in
    one preallocated array so that drawing from the whole pool never copies it.
    """

    def __init__(self, model, real_rows: np.ndarray, keep_old_rows: bool, capacity_blocks: int):
        check_interface("model", model, "model")
        check_instance("real_rows", real_rows, np.ndarray, "an array shaped (seeds, rows, *event_shape)")
        if real_rows.ndim < 2:
            raise ValueError(f"real_rows must be shaped (seeds, rows, *event_shape); got shape {real_rows.shape}.")
        keep_old_rows = check_bool("keep_old_rows", keep_old_rows)
        capacity_blocks = check_int("capacity_blocks", capacity_blocks, 1, why="the real block and each generation's")
        self.model = model
        self.summaries = [model.summarise(real_rows)]
        # Models whose summaries add up (model.combine) keep a running total, so that training on everything so far
        # costs one merge per generation instead of merging every block again.
        self.running = self.summaries[0] if model.additive_summaries else None
        self.latest_rows = real_rows
        self._stored = None
        if keep_old_rows:
            seeds, rows = real_rows.shape[:2]
            self._stored = np.empty((seeds, capacity_blocks * rows, *real_rows.shape[2:]), dtype=real_rows.dtype)
            self._filled = 0
            self._store(real_rows)

    def _store(self, rows: np.ndarray) -> None:
        self._stored[:, self._filled : self._filled + rows.shape[1]] = rows
        self._filled += rows.shape[1]

    def add(self, synthetic_rows: np.ndarray) -> None:
        self.summaries.append(self.model.summarise(synthetic_rows))
        if self.running is not None:
            self.running = self.model.combine([self.running, self.summaries[-1]])
        self.latest_rows = synthetic_rows
        if self._stored is not None:
            self._store(synthetic_rows)

    def everything(self) -> list:
        """Summaries of every block so far, as a training set: the running total where the model keeps one."""
        return [self.running] if self.running is not None else list(self.summaries)

    def all_rows(self) -> np.ndarray:
        """Every row so far, (seeds, total rows, *event_shape): a view, only for pools that keep old rows."""
        if self._stored is None:
            raise RuntimeError("this pool dropped its old rows; build it with keep_old_rows=True")
        return self._stored[:, : self._filled]


def random_subsets(rng: np.random.Generator, seeds: int, population: int, size: int,
                   method: str = "auto") -> np.ndarray:
    """Indices of a uniformly random `size`-subset of range(population), drawn independently for each seed.

    Returns (seeds, size) integers, distinct within each row. Two exact methods, picked by their cost: sorting random
    keys touches the whole population; Robert Floyd's algorithm touches only `size` numbers per seed (`_floyd`).
    `method` is "keys", "floyd" or "auto" (the cheaper).
    """
    check_instance("rng", rng, np.random.Generator, "a numpy Generator, such as np.random.default_rng(0)")
    check_choice("method", method, ("auto", "keys", "floyd"))
    seeds = check_int("seeds", seeds, 0)
    # the rows of an array in memory: a run holds at most MAX_RUN_BYTES, so never more rows than that
    population = check_int("population", population, 0, MAX_RUN_BYTES, why="the number of rows to draw from")
    size = check_int("size", size, 0)
    if not 0 <= size <= population:
        raise ValueError(f"size must be from 0 to population ({population:,}); got {size:,}.")
    if method == "auto":
        keys_seconds = seeds * population * 15e-9  # rough costs, measured on the book's 2-core reference machine
        floyd_seconds = 150e-6 + seeds * size * 100e-9
        method = "keys" if keys_seconds <= floyd_seconds else "floyd"
    # keys: a float per seed and candidate, and the result; floyd: a few arrays the size of the result
    check_memory(f"drawing {size:,} of {population:,} per seed for {seeds:,} seeds",
                 seeds * (population * 8 + size * 8 if method == "keys" else size * 64 + 8),
                 "the seeds or the population")
    if method == "keys":
        # The `size` smallest of independent uniform keys are a uniformly random subset.
        keys = rng.random((seeds, population))
        return np.argpartition(keys, size - 1, axis=1)[:, :size] if size else np.empty((seeds, 0), dtype=np.intp)
    return _floyd(rng, seeds, population, size)


def _floyd(rng: np.random.Generator, seeds: int, population: int, size: int) -> np.ndarray:
    """Robert Floyd's algorithm (Bentley and Floyd, 1987), every seed and every step at once.

    Step j (j = 0 .. size - 1, top_j = population - size + j) draws a candidate uniformly from 0 .. top_j and takes
    it, or takes top_j itself if an earlier step took the candidate (it "clashes"); the picks are a uniform random
    subset. Run step by step that is a Python loop of `size` small array operations, slow where each operation costs
    much (the reader's browser: book_assets/browser_kernel.py). Here all candidates are drawn first. An earlier step
    took step j's candidate v exactly when an earlier step drew v too, or v is top_k of an earlier step k that
    clashed: so clash_j = repeat_j or (linked_j and clash_k), a chain of earlier steps that pointer jumping resolves
    in about log2(size) rounds of whole-array operations, with the same picks as the step-by-step loop.
    """
    tops = np.arange(population - size, population)
    candidates = rng.integers(0, tops + 1, size=(seeds, size))
    # repeat: an earlier step drew the same candidate (each row's values moved into a range of their own, so that one
    # stable sort finds them in every row; among equal values the earliest step sorts first)
    flat = (candidates + (np.arange(seeds) * population)[:, None]).ravel()
    order = np.argsort(flat, kind="stable")
    repeat = np.zeros(flat.size, dtype=bool)
    repeat[order[1:][flat[order[1:]] == flat[order[:-1]]]] = True
    clash = repeat.reshape(seeds, size)
    # linked: the candidate is top_k of an earlier step k, taken by it if it clashed. Invariant of the rounds:
    # clash_j (final) = clash_j or (linked_j and clash_{link_j} (final)); each round halves the chains left.
    link = candidates - (population - size)
    linked = (link >= 0) & (link < np.arange(size)) & ~clash
    link = np.where(linked, link, 0)
    while linked.any():
        clash = clash | (linked & np.take_along_axis(clash, link, axis=1))
        linked = linked & np.take_along_axis(linked, link, axis=1) & ~clash
        link = np.take_along_axis(link, link, axis=1)
    return np.where(clash, tops, candidates)


class Regime:
    """What every regime defines, and the options a regime may have, each with its default."""

    name: str = "regime"
    keeps_old_rows: bool = False  # the pool stores every generation's rows (a regime that draws from all of them)
    cap: int | None = None  # the most rows a generation trains on, if the regime caps it

    def synthetic_rows(self, samples_per_generation: int) -> int:
        """Synthetic rows each generation draws: one generation's worth, unless a regime asks for another amount."""
        return samples_per_generation

    def training_set(self, pool: Pool, real, samples_per_generation: int, rng: np.random.Generator) -> list:
        """The summaries generation t + 1 trains on, picked from the pool (and, for some regimes, fresh real data)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Replace(Regime):
    """Train only on the previous generation's samples."""

    name = "replace"

    def training_set(self, pool: Pool, real, samples_per_generation: int, rng: np.random.Generator) -> list:
        return [pool.summaries[-1]]


@dataclass(frozen=True)
class Accumulate(Regime):
    """Train on the real data plus every synthetic sample so far."""

    name = "accumulate"

    def training_set(self, pool: Pool, real, samples_per_generation: int, rng: np.random.Generator) -> list:
        return pool.everything()


@dataclass(frozen=True)
class AccumulateSubsample(Regime):
    """Train on a fixed budget of `cap` rows drawn at random, without replacement, from the whole growing pool."""

    cap: int

    name = "accumulate-subsample"
    keeps_old_rows = True

    def __post_init__(self):
        check_int("cap", self.cap, 1, why="the number of rows each generation may train on")

    def training_set(self, pool: Pool, real, samples_per_generation: int, rng: np.random.Generator) -> list:
        everything = pool.all_rows()
        seeds, available = everything.shape[:2]
        if available <= self.cap:
            return pool.everything()
        chosen = random_subsets(rng, seeds, available, self.cap)
        return [pool.model.summarise(everything[np.arange(seeds)[:, None], chosen])]


def fresh_row_counts(real_share: float, rows: int) -> list[tuple[int, float]]:
    """The numbers k of fresh real rows a fresh-mix generation of `rows` rows may train on, with their probabilities.

    The share means what it says: E[k] = real_share * rows exactly. When real_share * rows is a whole number, k is
    that number ([(k, 1.0)]); otherwise k is its whole part or one more, one more with probability equal to its
    fractional part ([(k, 1 - fraction), (k + 1, fraction)]). Rounding instead would turn 5% of 10 rows into none
    (plain replace) and, rounding half to even, 25% of 10 rows into 20%.
    """
    expected = real_share * rows
    nearest = round(expected)
    # share * rows carries float error (a slider's 0.6000000000000001 times 10); within it the share is exact
    if math.isclose(expected, nearest, rel_tol=1e-12, abs_tol=1e-12):
        return [(nearest, 1.0)]
    fewer = math.floor(expected)
    fraction = expected - fewer
    return [(fewer, 1 - fraction), (fewer + 1, fraction)]


@dataclass(frozen=True)
class FreshMix(Regime):
    """Each generation trains on n rows: a share of them fresh from the real world, the rest the last model's output.

    The number of fresh rows is drawn anew each generation so that it averages real_share * n exactly
    (`fresh_row_counts`; a share that n expresses exactly draws no random number). The draw is one per generation,
    shared by all seeds, because the loop keeps each block as one rectangular (seeds, rows) array. So the seeds of one
    run share the same sequence of counts: averages over one run's seeds are conditional on it, and the closed form
    (`theory.fresh_mix_moments`) is the average over runs with different `seed`s.
    """

    real_share: float

    name = "fresh-mix"

    def __post_init__(self):
        check_fraction("real_share", self.real_share, why="the share of each generation's data that is fresh and real")

    def fresh_rows(self, samples_per_generation: int, rng: np.random.Generator) -> int:
        """This generation's number of fresh real rows, for every seed at once."""
        choices = fresh_row_counts(self.real_share, samples_per_generation)
        if len(choices) == 1:
            return choices[0][0]
        (fewer, _), (more, chance_of_more) = choices
        return more if rng.random() < chance_of_more else fewer

    def training_set(self, pool: Pool, real, samples_per_generation: int, rng: np.random.Generator) -> list:
        fresh = self.fresh_rows(samples_per_generation, rng)
        synthetic = samples_per_generation - fresh
        seeds = pool.latest_rows.shape[0]
        blocks = []
        if fresh:
            blocks.append(pool.model.summarise(real.draw(seeds, fresh, rng)))
        if synthetic:
            # The last `synthetic` rows: for independent draws any fixed subset is a uniformly random one, and for a
            # fixed design (whose real draw of k rows is its first k design rows) they are the other n - k rows, so
            # the generation trains on every design row once, as the fixed-design theorems assume.
            blocks.append(pool.model.summarise(pool.latest_rows[:, fresh:]))
        return blocks


MAX_SYNTHETIC_PER_REAL = 100.0


@dataclass(frozen=True)
class FixedRealMix(Regime):
    """Bertrand et al.'s setting: every generation trains on the same real sample plus `synthetic_per_real` (lambda)
    times as many rows freshly drawn from the last model.

    The loop asks `synthetic_rows` how many rows to draw, so lambda may exceed 1.
    """

    synthetic_per_real: float

    name = "fixed-real-mix"

    def __post_init__(self):
        check_real("synthetic_per_real", self.synthetic_per_real, 0.0, MAX_SYNTHETIC_PER_REAL,
                   why="synthetic rows per real row, lambda", low_inclusive=False)

    def synthetic_rows(self, samples_per_generation: int) -> int:
        rows = round(self.synthetic_per_real * samples_per_generation)
        if rows < 1:
            raise ValueError(f"synthetic_per_real ({self.synthetic_per_real:g}) times samples_per_generation "
                             f"({samples_per_generation:,}) must come to at least one synthetic row.")
        return rows

    def training_set(self, pool: Pool, real, samples_per_generation: int, rng: np.random.Generator) -> list:
        return [pool.summaries[0], pool.summaries[-1]]


# The regimes the chapters' panels offer, with the labels their menus and titles show.
REGIME_LABELS = {"replace": "replace", "accumulate": "accumulate",
                 "accumulate-subsample": "accumulate, capped", "fresh-mix": "fresh real share"}

REGIME_NAMES = ("replace", "accumulate", "accumulate-subsample", "fresh-mix", "fixed-real-mix")


def make_regime(name: str, cap: int | None = None, real_share: float | None = None,
                synthetic_per_real: float | None = None):
    """Build a regime from its name; `cap` is needed by accumulate-subsample, `real_share` by fresh-mix and
    `synthetic_per_real` by fixed-real-mix."""
    check_choice("regime", name, REGIME_NAMES)
    if name == "fixed-real-mix":
        if synthetic_per_real is None:
            raise ValueError("fixed-real-mix needs synthetic_per_real, the synthetic rows per real row (lambda).")
        return FixedRealMix(synthetic_per_real)
    if name == "accumulate-subsample":
        if cap is None:
            raise ValueError("accumulate-subsample needs cap, the number of rows each generation trains on.")
        return AccumulateSubsample(cap)
    if name == "fresh-mix":
        if real_share is None:
            raise ValueError("fresh-mix needs real_share, the share (0 to 1) of each generation's data that is real.")
        return FreshMix(real_share)
    return Replace() if name == "replace" else Accumulate()
