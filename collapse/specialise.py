"""Specialised versus general Markov models: train on one kind of play, or on all of them, and judge on held-out
plays of each kind; the experiments the chapter "Specialise, and use tools" runs (the letter-counting quiz is in
collapse/tools.py).

The domains are the three kinds of play of Shakespeare's First Folio (1623), whose catalogue sorts its 36 plays into
comedies, histories and tragedies. Each domain keeps its plays from `collapse.text.HELDOUT_PLAYS` for judging, so no
model ever trains on the text it is judged on. Every model, specialist or general, shares the corpus's one vocabulary,
so their bits per token are directly comparable.

`heldout_bits` and `tailored_bits` train and judge one kind of model; `comparison` puts the four side by side (the
table the chapter's charts draw); `SpecialiseSettings` states the live panel's settings once, and `static_grid`
computes, at build time, every setting the static chart offers.
"""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

from collapse._checks import (InputTypeError, check_array, check_choice, check_fraction, check_instance, check_int,
                              describe)
from collapse.models.ngram import MAX_ORDER, NgramModel, NgramTables
from collapse.models.registry import TOKENS_PER_ROW  # the book's passage length, stated once
from collapse.regimes import random_subsets
from collapse.settings import Settings, setting
from collapse.text import HELDOUT_PLAYS, Corpus, load_corpus

# The catalogue page of "Mr. William Shakespeares Comedies, Histories, & Tragedies" (London, 1623), in its order.
# Troilus and Cressida is missing from the catalogue but printed between the histories and the tragedies under the
# running title "The Tragedie of Troylus and Cressida", so it counts as a tragedy here; Cymbeline closes the tragedies.
FIRST_FOLIO = {
    "comedies": ("the-tempest", "two-gentlemen-of-verona", "the-merry-wives-of-windsor", "measure-for-measure",
                 "the-comedy-of-errors", "much-ado-about-nothing", "love-s-labours-lost", "a-midsummer-night-s-dream",
                 "the-merchant-of-venice", "as-you-like-it", "the-taming-of-the-shrew", "all-s-well-that-ends-well",
                 "twelfth-night", "a-winter-s-tale"),
    "histories": ("king-john", "richard-ii", "henry-iv-part-1", "henry-iv-part-2", "henry-v", "henry-vi-part-1",
                  "henry-vi-part-2", "henry-vi-part-3", "richard-iii", "henry-viii"),
    "tragedies": ("troilus-and-cressida", "coriolanus", "titus-andronicus", "romeo-and-juliet", "timon-of-athens",
                  "julius-caesar", "macbeth", "hamlet", "king-lear", "othello", "antony-and-cleopatra", "cymbeline"),
}
OUTSIDE_FIRST_FOLIO = ("edward-iii", "pericles")  # later attributions: only the general model trains on them
DOMAINS = tuple(FIRST_FOLIO)
GENERAL = "all plays"  # what the general model trains on: every training play, of every kind
BUDGET_DRAWS = 3  # random draws of training passages per budgeted model; the tables average them


def to_passages(stream: np.ndarray, tokens_per_row: int = TOKENS_PER_ROW) -> np.ndarray:
    """Consecutive, non-overlapping passages of a token stream, shape (passages, tokens_per_row); the tail is dropped."""
    stream = check_array("stream", stream, "a 1-d array of token ids", integer=True).ravel()
    tokens_per_row = check_int("tokens_per_row", tokens_per_row, 1)
    rows = stream.size // tokens_per_row
    return stream[: rows * tokens_per_row].reshape(rows, tokens_per_row)


class DomainSplit:
    """Training and held-out passages of each domain, and the general model's training passages."""

    def __init__(self, corpus: Corpus, heldout_plays: tuple[str, ...] = HELDOUT_PLAYS):
        check_instance("corpus", corpus, Corpus, "a Corpus, such as collapse.text.load_corpus()")
        if isinstance(heldout_plays, str) or not all(isinstance(play, str) for play in heldout_plays):
            raise InputTypeError(f"heldout_plays must be a tuple of play names such as ('hamlet',); "
                                 f"got {describe(heldout_plays)}.")
        listed = [play for plays in FIRST_FOLIO.values() for play in plays] + list(OUTSIDE_FIRST_FOLIO)
        unlisted = sorted(set(corpus.plays) - set(listed))
        if unlisted or len(listed) != len(set(listed)):
            raise ValueError(f"every play must be in exactly one domain or outside the Folio; unlisted: {unlisted}.")
        self.vocabulary_size = len(corpus.vocabulary)
        self.training = {domain: np.concatenate([to_passages(corpus.plays[p]) for p in plays if p not in heldout_plays])
                         for domain, plays in FIRST_FOLIO.items()}
        self.training[GENERAL] = np.concatenate([to_passages(stream) for play, stream in corpus.plays.items()
                                                 if play not in heldout_plays])
        self.heldout = {}
        for domain, plays in FIRST_FOLIO.items():
            judged = [play for play in plays if play in heldout_plays]
            if not judged:
                raise ValueError(f"the {domain} have no held-out play among {heldout_plays}; name one.")
            self.heldout[domain] = np.concatenate([to_passages(corpus.plays[play]) for play in judged])

    def max_budget(self, trained_on: str) -> int:
        """The most training tokens a model of this kind can have."""
        return self.training[trained_on].size


@functools.cache
def domain_split() -> DomainSplit:
    return DomainSplit(load_corpus())


def draw_budget(passages: np.ndarray, budget_tokens: int, seeds: int, rng: np.random.Generator) -> np.ndarray:
    """Per seed, `budget_tokens` worth of whole passages drawn without replacement: shape (seeds, rows, length)."""
    budget_tokens = check_int("budget_tokens", budget_tokens, passages.shape[1], passages.size,
                              why="whole passages from those given")
    return passages[random_subsets(rng, seeds, passages.shape[0], budget_tokens // passages.shape[1])]


@functools.lru_cache(maxsize=4)  # the general model with all the data is the same for every domain and seed
def _fit_everything(order: int) -> tuple[NgramModel, NgramTables]:
    split = domain_split()
    model = NgramModel(order, split.vocabulary_size, TOKENS_PER_ROW)
    return model, model.fit([model.summarise(split.training[GENERAL][None])])[0]


def check_training(trained_on: str, budget_tokens: int | None, order: int, seeds: int, seed: int) -> int:
    """Check what a specialist or general model is trained on; returns the seed. Of `budget_tokens`, only that it is
    a number or None (its range needs the corpus, and is checked where the corpus is read)."""
    check_choice("trained_on", trained_on, [*DOMAINS, GENERAL])
    if budget_tokens is not None and not isinstance(budget_tokens, numbers.Real):
        check_int("budget_tokens", budget_tokens, TOKENS_PER_ROW)  # raises: the type is wrong
    check_int("order", order, 1, MAX_ORDER)
    check_int("seeds", seeds, 1, 50)
    return check_int("seed", seed, 0)


@functools.lru_cache(maxsize=24)  # a chapter asks for the same general runs for every domain: read, never modify
def heldout_probabilities(trained_on: str, budget_tokens: int | None = None, order: int = 2, seeds: int = BUDGET_DRAWS,
                          seed: int = 0) -> dict[str, np.ndarray]:
    """Train on `budget_tokens` of `trained_on` text (a domain, or GENERAL), once per seed, and read every domain.

    `budget_tokens=None` trains once on all of that text (no draw, so one "seed"). Returns, for each judged domain,
    the probability of every held-out token, shaped (seeds, held-out passages, TOKENS_PER_ROW).
    """
    seed = check_training(trained_on, budget_tokens, order, seeds, seed)
    split = domain_split()  # after the checks: the first call reads the whole corpus
    if budget_tokens is None and trained_on == GENERAL:
        model, tables = _fit_everything(order)
        fitted = [tables]
    else:
        available = split.max_budget(trained_on)
        budget = available if budget_tokens is None else check_int(
            "budget_tokens", budget_tokens, TOKENS_PER_ROW, available,
            why=f"the {trained_on} training plays hold {available:,} tokens")
        rng = np.random.default_rng([seed, [*DOMAINS, GENERAL].index(trained_on)])
        rows = draw_budget(split.training[trained_on], budget, seeds if budget_tokens else 1, rng)
        model = NgramModel(order, split.vocabulary_size, TOKENS_PER_ROW)
        fitted = model.fit([model.summarise(rows)])
    return {domain: np.stack([model.probabilities(tables, model.keys(split.heldout[domain])) for tables in fitted])
            for domain in DOMAINS}


def to_bits(probabilities: np.ndarray) -> np.ndarray:
    """Bits per token of each passage: (seeds, passages, tokens) probabilities -> (seeds, passages)."""
    return -np.log2(probabilities).mean(axis=-1)


def heldout_bits(trained_on: str, budget_tokens: int | None = None, order: int = 2, seeds: int = BUDGET_DRAWS,
                 seed: int = 0) -> dict[str, np.ndarray]:
    """Bits per token of every held-out passage of each domain, shaped (seeds, passages); see heldout_probabilities."""
    check_training(trained_on, budget_tokens, order, seeds, seed)  # before the cache, which needs hashable values
    probabilities = heldout_probabilities(trained_on, budget_tokens, order, seeds, seed)
    return {domain: to_bits(p) for domain, p in probabilities.items()}


TAILOR_SHARE = 0.25  # weight of the specialist in a tailored model; the exercises try others


def tailored_bits(domain: str, budget_tokens: int | None = None, order: int = 2, seeds: int = BUDGET_DRAWS,
                  seed: int = 0, share: float = TAILOR_SHARE) -> dict[str, np.ndarray]:
    """A general model tailored to a domain: its probabilities mixed with the specialist's, `share` of the latter.

    This is linear interpolation of language models (Jelinek and Mercer 1980), the n-gram form of taking a general
    base model and adapting it to a domain. Shaped like heldout_bits.
    """
    check_choice("domain", domain, DOMAINS)
    share = check_fraction("share", share, why="the specialist's weight in the mixture")
    check_training(domain, budget_tokens, order, seeds, seed)
    general = heldout_probabilities(GENERAL, None, order)
    special = heldout_probabilities(domain, budget_tokens, order, seeds, seed)
    return {judged: to_bits((1 - share) * general[judged] + share * special[judged]) for judged in DOMAINS}


def paired_difference(bits: np.ndarray, rival: np.ndarray) -> tuple[float, float]:
    """How many bits per token `bits` saves over `rival` on the same held-out passages, and its standard error.

    Both are shaped (seeds, passages) and are averaged over seeds first; the pairing removes the passage-to-passage
    spread that both models share (some passages are simply harder), so the error is that of the difference itself.
    """
    bits = check_array("bits", bits, "bits per token shaped (seeds, passages)")
    rival = check_array("rival", rival, "bits per token shaped (seeds, passages)")
    if bits.ndim != 2 or rival.shape[1:] != bits.shape[1:] or bits.shape[1] < 2:
        raise ValueError(f"bits and rival must be shaped (seeds, passages) over the same passages, at least 2; got "
                         f"{bits.shape} and {rival.shape}.")
    saved = rival.mean(axis=0) - bits.mean(axis=0)
    return float(saved.mean()), float(saved.std(ddof=1) / np.sqrt(saved.size))


# --- the chapter's comparison: four models side by side ---------------------------------------------------------
CONTENDERS = ("specialist", "general, same budget", "general, all data", "general, tailored")


def comparison(domain: str, budget_tokens: int | None, order: int = 2, seeds: int = BUDGET_DRAWS,
               seed: int = 0) -> pd.DataFrame:
    """Held-out bits per token on every domain for the CONTENDERS: the specialist, the general model with the same
    budget (all the specialist's text when `budget_tokens` is None), the general model with all the data, and that
    model tailored to the domain (mixed with the specialist).

    Columns model, judged on, bits, error, low, high: `bits` averages over seeds; `error` is one standard error
    across held-out passages (the seed-averaged bits); low and high are bits minus and plus the error.
    """
    check_choice("domain", domain, DOMAINS)
    budget = budget_tokens if budget_tokens is not None else domain_split().max_budget(domain)
    runs = {"specialist": heldout_bits(domain, budget_tokens, order, seeds, seed),
            "general, same budget": heldout_bits(GENERAL, budget, order, seeds, seed),
            "general, all data": heldout_bits(GENERAL, None, order),
            "general, tailored": tailored_bits(domain, budget_tokens, order, seeds, seed)}
    rows = []
    for model, by_domain in runs.items():
        for judged, bits in by_domain.items():
            per_passage = bits.mean(axis=0)
            rows.append({"model": model, "judged on": judged, "bits": per_passage.mean(),
                         "error": per_passage.std(ddof=1) / np.sqrt(per_passage.size)})
    table = pd.DataFrame(rows)
    table["low"], table["high"] = table.bits - table.error, table.bits + table.error
    return table


def advantage(table: pd.DataFrame, domain: str, rival: str = "general, same budget") -> float:
    """How many bits per token the specialist saves over `rival` on its own domain (negative: it loses), read from a
    `comparison` table."""
    check_choice("rival", rival, CONTENDERS)
    own = table[table["judged on"] == domain].set_index("model")["bits"]
    return float(own[rival] - own["specialist"])


# --- the live panel -----------------------------------------------------------------------------------------------
BUDGETS = (10_000, 25_000, 50_000, 100_000, 150_000, 200_000, 250_000)  # training tokens; every domain has 285k+
MAX_WORK = 1_500_000  # draws x budget x order of the budgeted fits a panel redraw may take (about a second)


@dataclass(frozen=True)
class SpecialiseSettings(Settings):
    """The live panel's settings; constructing one checks them, and refuses a run too large to answer at once."""

    domain: str = setting("histories", "specialist's domain", choices={domain: domain for domain in DOMAINS})
    budget_tokens: int = setting(100_000, "training tokens", steps=BUDGETS)  # of the specialist, and of its rival
    order: int = setting(2, "order (context + 1)", low=1, high=MAX_ORDER)
    seed: int = setting(0, "random seed", control="box")  # of the draws of training passages

    def check_budget(self) -> None:
        work = BUDGET_DRAWS * self.budget_tokens * self.order
        if work > MAX_WORK:
            raise ValueError(f"That run is too large for the panel ({work:,} units of work: draws x tokens x order; "
                             f"it allows {MAX_WORK:,}). Lower the budget or the order.")


@dataclass(frozen=True)
class LiveTables:
    """What the live chart draws for one setting, and the number its title states."""

    comparison: pd.DataFrame  # the four models judged on every domain (`comparison`)
    advantage: float  # bits per token the specialist saves over the general model with its budget, on its domain


def live_tables(settings: SpecialiseSettings) -> LiveTables:
    table = comparison(settings.domain, settings.budget_tokens, settings.order, BUDGET_DRAWS, settings.seed)
    return LiveTables(table, advantage(table, settings.domain))


# --- the static chart: every (domain, budget) it offers, computed when the book is built -------------------------
@dataclass(frozen=True)
class StaticGrid:
    """What the static chart offers; the browser filters the grid, so every combination is computed."""

    budgets: tuple[int, ...] = (50_000, 100_000, 150_000, 200_000, 250_000)  # training tokens on its slider
    order: int = 2
    seeds: int = BUDGET_DRAWS  # draws of training passages per budgeted model
    seed: int = 0


STATIC = StaticGrid()


def static_grid(grid: StaticGrid = STATIC) -> pd.DataFrame:
    """`comparison` for every domain and budget of the grid, with columns domain and budget added."""
    frames = [comparison(domain, budget, grid.order, grid.seeds, grid.seed).assign(domain=domain, budget=budget)
              for domain in DOMAINS for budget in grid.budgets]
    return pd.concat(frames, ignore_index=True)
