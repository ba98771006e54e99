"""An n-gram Markov text model: the language model of the 1990s, and of every "Markov chain text generator".

It counts which token follows each context of `order - 1` tokens. It *writes* the way classic generators do, from
the raw counts (maximum likelihood), so it can only ever produce n-grams it has seen: an n-gram that drops out of one
generation's text is gone for good. It *reads* (scores held-out text) with interpolated Kneser-Ney smoothing (Kneser
and Ney 1995; Chen and Goodman 1998, with one fixed discount), so that an n-gram it never saw, or a word it does not
know, costs a finite number of bits instead of infinitely many.

Everything is integer arithmetic on numpy arrays. An n-gram is one int64 key: its tokens are digits in base
`vocabulary_size + 1` (the extra digit is the padding before a line starts). A model is sorted arrays of keys and
counts; looking up a batch of n-grams is one `np.searchsorted`, and generating text advances thousands of passages
by one token per step.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from collapse._checks import check_array, check_instance, check_int, check_memory
from collapse.metrics import type_token_ratio, unigram_entropy_bits
from collapse.models.base import Model
from collapse.text import END_OF_LINE

MAX_ORDER = 4
DISCOUNT = 0.75  # Kneser-Ney's absolute discount; 0.75 is the customary value for all orders


@dataclass(frozen=True)
class NgramCounts:
    """The summary of a block of text: its n-grams of the model's order, and where its passages stop."""

    keys: np.ndarray  # int64, sorted, unique
    counts: np.ndarray  # int64, > 0
    # contexts left open by a passage that stops mid-line (what its next token would have followed), sorted unique:
    # the only contexts that can lack a continuation
    open_contexts: np.ndarray

    @staticmethod
    def merge(blocks: Sequence["NgramCounts"]) -> "NgramCounts":
        if len(blocks) == 1:
            return blocks[0]
        keys, inverse = np.unique(np.concatenate([b.keys for b in blocks]), return_inverse=True)
        counts = np.bincount(inverse, weights=np.concatenate([b.counts for b in blocks])).astype(np.int64)
        return NgramCounts(keys, counts, np.unique(np.concatenate([b.open_contexts for b in blocks])))


@dataclass(frozen=True)
class Level:
    """One order's table, for Kneser-Ney: counts (raw at the top order, continuation counts below) of each n-gram,
    and, per context, their total and the number of distinct continuations."""

    keys: np.ndarray
    counts: np.ndarray
    contexts: np.ndarray  # sorted unique context keys (key // base)
    starts: np.ndarray  # where each context's n-grams begin in `keys`
    context_totals: np.ndarray
    context_types: np.ndarray

    @staticmethod
    def from_counts(keys: np.ndarray, counts: np.ndarray, base: int) -> "Level":
        """`keys` sorted and unique, so each context's n-grams are one contiguous block."""
        contexts, starts = sorted_unique(keys // base)
        return Level(keys, counts, contexts, starts, np.add.reduceat(counts, starts) if keys.size else counts,
                     np.diff(np.r_[starts, keys.size]))


def sorted_unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique values of a sorted array and where each first occurs: one pass, where np.unique would sort again."""
    first = np.flatnonzero(np.r_[True, values[1:] != values[:-1]]) if values.size else np.empty(0, np.intp)
    return values[first], first


@dataclass(frozen=True)
class NgramTables:
    """A fitted model for one seed. Writing needs only `writer`; the smoothing tables are built when first scored."""

    counts: NgramCounts  # every n-gram of the model's order in its training text
    order: int
    base: int
    writer: Level  # the n-grams it writes from: those of its own order that lead somewhere
    cumulative: np.ndarray  # running total of writer.counts, for sampling by inverse CDF

    @functools.cached_property
    def levels(self) -> tuple[Level, ...]:
        """Orders 1 .. the model's own: raw counts at the top, Kneser-Ney continuation counts below."""
        levels = [Level.from_counts(self.counts.keys, self.counts.counts, self.base)]
        keys = self.counts.keys
        for order in range(self.order - 1, 0, -1):
            # continuation count of an (order)-gram: how many distinct (order + 1)-grams end with it
            keys, extensions = np.unique(keys % self.base**order, return_counts=True)
            levels.append(Level.from_counts(keys, extensions.astype(np.int64), self.base))
        return tuple(reversed(levels))


@dataclass(frozen=True)
class NgramModel(Model):
    """Markov text model of a given order (1: unigram, 2: bigram, ...) over `vocabulary_size` token ids."""

    order: int
    vocabulary_size: int
    tokens_per_row: int = 100  # length of each passage it writes (match the TextSource it learns from)
    tracked_words: tuple[int, ...] = ()  # ids whose survival `describe` reports (the real corpus's rare words)
    name: str = field(default="n-gram", init=False)
    min_rows: int = field(default=1, init=False)
    additive_summaries = True
    describes_output = True

    def __post_init__(self):
        check_int("order", self.order, 1, MAX_ORDER)
        # keys are `order` digits in base vocabulary_size + 1 and must fit in an int64
        largest = int(np.floor((2**63 - 1) ** (1 / MAX_ORDER))) - 1
        check_int("vocabulary_size", self.vocabulary_size, 2, largest,
                  why=f"order-{MAX_ORDER} keys must fit in 64 bits")
        check_int("tokens_per_row", self.tokens_per_row, 1, 10_000)
        check_instance("tracked_words", self.tracked_words, tuple, "a tuple of token ids")
        self.token_ids("tracked_words", self.tracked_words)

    @property
    def base(self) -> int:
        return self.vocabulary_size + 1

    @property
    def padding(self) -> int:
        return self.vocabulary_size  # the context digit before a line's first token

    def token_ids(self, name: str, ids) -> np.ndarray:
        """`ids` as an int64 array if every one is a token id of this model's vocabulary (0 .. vocabulary_size - 1).

        A larger id would be read as a digit of the next token in an n-gram key, so it is refused, not wrapped."""
        ids = check_array(name, ids, f"token ids from 0 to {self.vocabulary_size - 1:,}", integer=True)
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocabulary_size):
            wrong = ids[(ids < 0) | (ids >= self.vocabulary_size)].ravel()[0]
            raise ValueError(f"{name} must be token ids from 0 to {self.vocabulary_size - 1:,} (the model's "
                             f"vocabulary_size is {self.vocabulary_size:,}); got {wrong} among them.")
        return ids.astype(np.int64, copy=False)

    # --- counting ----------------------------------------------------------------------------------------------
    def keys(self, rows: np.ndarray) -> np.ndarray:
        """The n-gram key ending at every token of every row, shape rows.shape.

        A row is a passage that starts at a line start. A context never reaches back past the start of its line:
        those digits are padding, as at the start of a row.
        """
        rows = self.token_ids("rows", rows)
        keys = rows.copy()
        # tokens since the start of the line, before this one: 0 at a line's first token
        position = np.arange(rows.shape[-1])
        line_ended = np.maximum.accumulate(np.where(rows == END_OF_LINE, position, -1), axis=-1)
        since_line_start = np.broadcast_to(position, rows.shape).copy()
        since_line_start[..., 1:] -= line_ended[..., :-1] + 1
        for back in range(1, self.order):
            place = self.base**back
            keys[..., :back] += self.padding * place  # before the row starts: padding
            keys[..., back:] += np.where(since_line_start[..., back:] >= back, rows[..., :-back], self.padding) * place
        return keys

    def summarise(self, rows: np.ndarray) -> list[NgramCounts]:
        """Per seed, the n-gram counts of rows shaped (seeds, rows, tokens_per_row)."""
        summaries = []
        for seed_rows in rows:
            keys = self.keys(seed_rows)
            last = keys[..., -1]
            stops_mid_line = last % self.base != END_OF_LINE
            open_contexts = np.unique(last[stops_mid_line] % self.base ** (self.order - 1)) if self.order > 1 \
                else np.empty(0, np.int64)
            unique, counts = np.unique(keys, return_counts=True)
            summaries.append(NgramCounts(unique, counts.astype(np.int64), open_contexts))
        return summaries

    # --- fitting -----------------------------------------------------------------------------------------------
    def combine(self, summaries: Sequence[list[NgramCounts]]) -> list[NgramCounts]:
        return [NgramCounts.merge(list(per_seed)) for per_seed in zip(*summaries)]

    def fit(self, summaries: Sequence[list[NgramCounts]],
            rng: np.random.Generator | None = None) -> list[NgramTables]:
        seeds = len(summaries[0])
        return [self.tables(NgramCounts.merge([block[seed] for block in summaries])) for seed in range(seeds)]

    def tables(self, counts: NgramCounts) -> NgramTables:
        live = self.leads_somewhere(counts)
        writer = Level.from_counts(counts.keys[live], counts.counts[live], self.base)
        return NgramTables(counts, self.order, self.base, writer, np.cumsum(writer.counts))

    def leads_somewhere(self, counts: NgramCounts) -> np.ndarray:
        """Which n-grams the writer may use: those after which it can go on writing.

        Training passages are cut at a fixed length, mid-line, so a context seen only at the very end of a passage
        has no continuation. Writing into such a dead end would force an n-gram the model never saw. So drop the
        n-grams that lead into one, and repeat (a context whose every n-gram was dropped is a dead end too), until
        every n-gram left leads somewhere. Ending a line always does: a new line starts from padding.
        """
        keys = counts.keys
        live = np.ones(keys.size, dtype=bool)
        if self.order == 1:
            return live
        contexts, starts = sorted_unique(keys // self.base)
        dead = counts.open_contexts[_lookup(contexts, counts.open_contexts) < 0]
        if dead.size == 0:
            return live
        continues = keys % self.base != END_OF_LINE
        next_context = keys % self.base ** (self.order - 1)  # drop the oldest digit; the written token joins
        known_dead = dead
        while dead.size:
            leads_to_dead = live & continues & (_lookup(dead, next_context) >= 0)
            if not leads_to_dead.any():
                break
            live &= ~leads_to_dead
            emptied = contexts[~np.logical_or.reduceat(live, starts)]  # every n-gram of the context dropped
            dead = np.setdiff1d(emptied, known_dead)
            known_dead = np.union1d(known_dead, dead)
        return live

    # --- writing -----------------------------------------------------------------------------------------------
    def sample(self, params: list[NgramTables], rows: int, rng: np.random.Generator) -> np.ndarray:
        """Write `rows` passages of `tokens_per_row` tokens per seed, each starting at a line start, from raw counts."""
        rows = check_int("rows", rows, 1)
        check_memory(f"{rows:,} passages of {self.tokens_per_row:,} tokens for {len(params):,} seeds",
                     8 * len(params) * rows * self.tokens_per_row, "the rows or the seeds")
        return np.stack([self._write(tables, rows, self.tokens_per_row, rng) for tables in params])

    def _write(self, tables: NgramTables, rows: int, length: int, rng: np.random.Generator) -> np.ndarray:
        out = np.empty((rows, length), dtype=np.int32)
        context = np.full((rows, self.order - 1), self.padding, dtype=np.int64)  # oldest digit first
        place_values = self.base ** np.arange(self.order - 1, 0, -1, dtype=np.int64) // self.base
        writer = tables.writer
        for step in range(length):
            context_key = context @ place_values if self.order > 1 else np.zeros(rows, np.int64)
            where = np.searchsorted(writer.contexts, context_key)  # always found: every written n-gram leads on
            start = writer.starts[where]
            before = np.where(start > 0, tables.cumulative[start - 1], 0)
            # an integer draw: searching an int64 array for floats would convert the whole array at every step
            pick = before + rng.integers(0, writer.context_totals[where])
            token = writer.keys[np.searchsorted(tables.cumulative, pick, side="right")] % self.base
            out[:, step] = token
            if self.order > 1:
                context = np.concatenate([context[:, 1:], token[:, None]], axis=1)
                context[token == END_OF_LINE] = self.padding
        return out

    # --- reading -----------------------------------------------------------------------------------------------
    def probabilities(self, tables: NgramTables, keys: np.ndarray) -> np.ndarray:
        """Interpolated Kneser-Ney probability of each n-gram key's last token given its context."""
        keys = np.asarray(keys, dtype=np.int64)
        probability = np.full(keys.shape, 1.0 / self.vocabulary_size)  # order 0: uniform over the vocabulary
        for order, level in enumerate(tables.levels, start=1):
            gram = keys % self.base**order
            found = _lookup(level.keys, gram)
            count = np.where(found >= 0, level.counts[np.maximum(found, 0)], 0)
            at = _lookup(level.contexts, gram // self.base)
            seen = at >= 0
            total = np.where(seen, level.context_totals[np.maximum(at, 0)], 1)
            types = np.where(seen, level.context_types[np.maximum(at, 0)], 0)
            smoothed = (np.maximum(count - DISCOUNT, 0) + DISCOUNT * types * probability) / total
            probability = np.where(seen, smoothed, probability)  # an unseen context backs off entirely
        return probability

    def cross_entropy(self, tables: NgramTables, rows: np.ndarray) -> float:
        """Bits per token of `rows` (passages starting at line starts) under the smoothed model."""
        return float(-np.log2(self.probabilities(tables, self.keys(rows))).mean())

    def score(self, params: list[NgramTables], heldout: np.ndarray) -> np.ndarray:
        """Held-out cross-entropy per seed, in bits per token."""
        return np.array([self.cross_entropy(tables, heldout[0]) for tables in params])

    def describe(self, params: list[NgramTables]) -> dict[str, np.ndarray]:
        """Vocabulary the model can still write, survival of the tracked words, and the slope of its Zipf plot."""
        vocabulary, survival, slope = [], [], []
        for tables in params:
            alive = self.known_tokens(tables)
            vocabulary.append(alive.size)
            if self.tracked_words:
                survival.append(np.isin(np.asarray(self.tracked_words), alive).mean())
            slope.append(zipf_slope(self.token_counts(tables)))
        measures = {"vocabulary": np.array(vocabulary, float), "zipf_slope": np.array(slope)}
        if self.tracked_words:
            measures["rare_word_survival"] = np.array(survival)
        return measures

    def known_tokens(self, tables: NgramTables) -> np.ndarray:
        """Sorted ids of every token the model can still write (each ends some n-gram it has seen)."""
        return tables.levels[0].keys % self.base

    def token_counts(self, tables: NgramTables) -> np.ndarray:
        """How often each token occurred in the model's training text."""
        top = tables.levels[-1]
        return np.bincount(top.keys % self.base, weights=top.counts, minlength=self.vocabulary_size)

    def describe_output(self, params: list[NgramTables], rows: np.ndarray) -> dict[str, np.ndarray]:
        """Diversity of what the model wrote (distinct-1/2/3; the type-token ratio and unigram entropy of its words)
        and its own cross-entropy on it."""
        measures = {f"distinct_{n}": np.array([distinct_n(seed_rows, n) for seed_rows in rows]) for n in (1, 2, 3)}
        # words only: every passage has many line ends, which would count as one frequent "word"
        words = [seed_rows[seed_rows != END_OF_LINE] for seed_rows in rows]
        measures["type_token_ratio"] = np.array([type_token_ratio(w) if w.size else np.nan for w in words])
        measures["unigram_entropy_bits"] = np.array([unigram_entropy_bits(w) if w.size else np.nan for w in words])
        measures["self_cross_entropy"] = np.array([self.cross_entropy(t, r) for t, r in zip(params, rows)])
        return measures


def _lookup(sorted_keys: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Index of each query in `sorted_keys`, or -1 where it is absent."""
    where = np.minimum(np.searchsorted(sorted_keys, queries), max(sorted_keys.size - 1, 0))
    return np.where((sorted_keys.size > 0) & (sorted_keys[where] == queries), where, -1)


def distinct_n(rows: np.ndarray, n: int) -> float:
    """Distinct n-grams divided by all n-grams, within rows (a standard diversity measure; Li et al. 2016)."""
    n = check_int("n", n, 1, 3, why="each token is a 20-bit digit of a 64-bit key")
    rows = check_array("rows", rows, "token ids", integer=True).astype(np.int64, copy=False)
    if rows.shape[-1] < n:
        return float("nan")
    grams = sum(rows[..., i : rows.shape[-1] - n + 1 + i] * (2**20) ** (n - 1 - i) for i in range(n))
    return np.unique(grams).size / grams.size


def zipf_slope(counts: np.ndarray) -> float:
    """Slope of log frequency against log rank, fitted by least squares over the tokens that occur."""
    frequencies = np.sort(counts[counts > 0])[::-1]
    if frequencies.size < 2:
        return float("nan")
    ranks = np.arange(1, frequencies.size + 1)
    return float(np.polyfit(np.log(ranks), np.log(frequencies), 1)[0])
