"""Chapter "Markov text": an n-gram model of Shakespeare trained on its own writing, the experiments the chapter runs.

`MarkovSettings` states every setting of the live panel once (default, range, steps); `experiment` runs one setting
and keeps what the chapter shows besides the metrics (the first lines each generation wrote, the words it can still
write); `metrics_table` is the table the metric charts draw; `survival_table` checks the branching-process law for
rare words; `static_grid` computes, at build time, every setting the static chart offers. widgets/markov.py only draws
them.

Every passage the models read and write is `TOKENS_PER_ROW` tokens long, the registry's length for every text model.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from collapse import make_regime, simulate, theory
from collapse.history import History
from collapse.models.ngram import NgramModel
from collapse.models.registry import TEXT_ORDER, TOKENS_PER_ROW
from collapse.settings import Settings, cap_setting, real_share_setting, regime_setting, setting
from collapse.text import END_OF_LINE, Corpus, FixedText, TextSource, load_corpus

__all__ = ["TOKENS_PER_ROW", "MarkovSettings", "TextRun", "experiment", "run", "metrics_table", "lost_words",
           "rare_words", "first_lines", "survival_table", "StaticGrid", "STATIC", "static_grid"]

RARE_COUNT = 2  # a word is rare if the training plays use it at most this often
MAX_TOKEN_GENERATIONS = 2_000_000  # tokens per generation x generations a panel run may write: a few seconds
SAMPLE_LINES = 4  # lines of each generation's writing kept for display
HELDOUT_ROWS = 500  # passages of the held-out plays every generation is scored on

# What each metric is called on the page, and whether it is shown relative to generation 1.
METRICS = {
    "vocabulary": ("words it can still write", True),
    "rare_word_survival": ("rare words it still knows", True),
    "distinct_2": ("distinct word pairs, share", False),
    "heldout_loss": ("bits per token", False),
    "self_cross_entropy": ("bits per token", False),
}
LOSS_LABELS = {"heldout_loss": "on held-out real plays", "self_cross_entropy": "on its own writing"}


@dataclass(frozen=True)
class MarkovSettings(Settings):
    """The live panel's settings; constructing one checks them, and refuses a run too large to answer at once."""

    order: int = setting(TEXT_ORDER, "order (context + 1)", low=1, high=4)  # 1 reads no context, 4 three tokens
    tokens_per_generation: int = setting(50_000, "tokens per generation",
                                         steps=(10_000, 20_000, 50_000, 100_000, 200_000))
    generations: int = setting(10, "generations", low=1, high=30)
    regime: str = regime_setting()
    cap_generations: int = cap_setting()  # the capped regime's budget, in generations' worth of passages
    real_share: float = real_share_setting()  # the share of fresh real passages under fresh-mix
    seed: int = setting(0, "random seed", control="box")

    def check_budget(self) -> None:
        written = self.tokens_per_generation * self.generations
        if written > MAX_TOKEN_GENERATIONS:
            raise ValueError(f"That run would write {written:,} tokens; the panel allows {MAX_TOKEN_GENERATIONS:,} so "
                             "that it answers within a few seconds. Lower the tokens per generation or the "
                             "generations.")


@dataclass(frozen=True)
class TextRun:
    """One seeded run, and what the chapter shows of it besides the metrics."""

    history: History  # every generation's metrics (one seed)
    writing: dict  # generation -> token ids of the first SAMPLE_LINES lines that generation wrote
    real: np.ndarray  # token ids of the first SAMPLE_LINES lines of a real passage, for comparison
    known: dict  # generation -> sorted ids of the tokens that generation's model can still write
    corpus: Corpus


def rare_words(corpus: Corpus) -> tuple[int, ...]:
    """The ids of the words the training plays use at least once and at most RARE_COUNT times."""
    counts = corpus.word_counts()
    return tuple(np.flatnonzero((counts > 0) & (counts <= RARE_COUNT)).tolist())


def first_lines(ids: np.ndarray, lines: int) -> np.ndarray:
    """The first `lines` lines of a passage (all of it if it has fewer), line ends included."""
    ends = np.flatnonzero(ids == END_OF_LINE)
    return ids[: ends[lines - 1] + 1] if ends.size >= lines else ids


@functools.lru_cache(maxsize=8)  # the panel's chart and its text both ask for the same run
def experiment(order: int = TEXT_ORDER, tokens_per_generation: int = 50_000, generations: int = 10,
               regime: str = "replace", cap_generations: int = 2, real_share: float = 0.1, seed: int = 0) -> TextRun:
    """Train an n-gram model on real passages, then each generation on the regime's mix of real and written text.

    cap_generations: the capped regime's budget in generations' worth of passages; real_share: the share of fresh
    real passages under fresh-mix. Generation 1 reads tokens_per_generation // TOKENS_PER_ROW real passages.
    """
    corpus = load_corpus()
    rows = max(tokens_per_generation // TOKENS_PER_ROW, 1)
    model = NgramModel(order, len(corpus.vocabulary), TOKENS_PER_ROW, tracked_words=rare_words(corpus))
    writing, known = {}, {}

    def keep(generation, params, output):
        known[generation] = model.known_tokens(params[0])
        if output is not None:
            writing[generation] = first_lines(output[0].ravel(), SAMPLE_LINES)

    chosen = make_regime(regime, cap=cap_generations * rows, real_share=real_share)
    history = simulate(model, TextSource(corpus, TOKENS_PER_ROW), chosen, generations=generations,
                       samples_per_generation=rows, seed=seed, heldout_rows=HELDOUT_ROWS, observe=keep)
    real = TextSource(corpus, TOKENS_PER_ROW).draw(1, 1, np.random.default_rng(seed))[0, 0]
    return TextRun(history, writing, first_lines(real, SAMPLE_LINES), known, corpus)


def run(settings: MarkovSettings) -> TextRun:
    """The live panel's run: its settings, already checked against the panel's ranges and budget."""
    return experiment(settings.order, settings.tokens_per_generation, settings.generations, settings.regime,
                      settings.cap_generations, settings.real_share, settings.seed)


def metrics_table(history: History) -> pd.DataFrame:
    """Per generation, each metric of METRICS (divided by generation 1's where METRICS says so), with its label:
    columns generation, metric, value, series. `history` is one seeded run, so its mean is that run."""
    rows = []
    for name, (label, relative) in METRICS.items():
        table = history.relative(name)
        rows.append(pd.DataFrame({"generation": table["generation"], "metric": name,
                                  "value": table["relative" if relative else "value"],
                                  "series": LOSS_LABELS.get(name, label)}))
    return pd.concat(rows, ignore_index=True)


def lost_words(text_run: TextRun, generation: int) -> list[int]:
    """The distinct words of the real passage (in order of appearance) that `generation`'s model can no longer
    write."""
    alive = text_run.known[generation]
    return [token for token in dict.fromkeys(text_run.real.tolist())
            if token != END_OF_LINE and not np.isin(token, alive)]


def survival_table(tokens_per_generation: int = 100_000, generations: int = 30, seeds: int = 3,
                   counts=(1, 2, 5)) -> pd.DataFrame:
    """Share of the real sample's words seen c times that a unigram model still writes, against the closed form.

    The real sample is the same every time (the law is about one fixed sample), and each generation writes as many
    tokens as it read.
    """
    corpus = load_corpus()
    rows = tokens_per_generation // TOKENS_PER_ROW
    real = corpus.train[: rows * TOKENS_PER_ROW].reshape(1, rows, TOKENS_PER_ROW)
    frequency = np.bincount(real.ravel(), minlength=len(corpus.vocabulary))
    words = {count: np.flatnonzero(frequency == count) for count in counts}
    model = NgramModel(1, len(corpus.vocabulary), TOKENS_PER_ROW)
    survived = {count: np.zeros(generations + 1) for count in counts}

    def count_survivors(generation, params, output):
        for tables in params:
            known = model.known_tokens(tables)
            for count in counts:
                survived[count][generation - 1] += np.isin(words[count], known).mean() / len(params)

    simulate(model, FixedText(real, corpus), make_regime("replace"), generations=generations + 1,
             samples_per_generation=rows, seeds=seeds, heldout_rows=10, observe=count_survivors)
    # (the label's column is not called "count": Vega's grouping of line marks writes a field of that name)
    return pd.DataFrame([{"resamplings": k, "seen": f"seen {count}×", "simulated": survived[count][k],
                          "closed form": theory.word_survival(count, k), "words": words[count].size}
                         for count in counts for k in range(generations + 1)])


# --- the static chart: every (order, regime) run when the book is built; the browser filters --------------------
@dataclass(frozen=True)
class StaticGrid:
    """What the static chart offers; the browser filters the grid, so every combination is computed."""

    orders: tuple[int, ...] = (1, 2, 3, 4)  # on its order slider
    regimes: tuple[tuple[str, str, dict], ...] = (  # name, label, the regime's option
        ("replace", "replace", {}), ("accumulate", "accumulate", {}),
        ("accumulate-subsample", "accumulate, capped at one generation", {"cap_generations": 1}),
        ("fresh-mix", "fresh real share 10%", {"real_share": 0.1}))
    tokens_per_generation: int = 40_000
    generations: int = 20
    seed: int = 0
    excerpt_lines: int = 3  # lines of each generation's writing shown under the charts, joined by " / "
    excerpt_characters: int = 100  # longer excerpts are cut, with an ellipsis


STATIC = StaticGrid()


def excerpt(corpus: Corpus, ids: np.ndarray, grid: StaticGrid) -> str:
    """The first lines of a passage as one line of text, cut to the grid's length."""
    text = " / ".join(corpus.text(first_lines(ids, grid.excerpt_lines)).splitlines())
    return text if len(text) <= grid.excerpt_characters else text[: grid.excerpt_characters - 1] + "…"


def static_grid(grid: StaticGrid = STATIC) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Metrics (`metrics_table`'s columns plus order and regime) and the first lines written (order, regime,
    generation, line), for every order and regime of `grid`, at each generation of one seeded run."""
    metrics, lines = [], []
    for order in grid.orders:
        for regime, _, options in grid.regimes:
            text_run = experiment(order, grid.tokens_per_generation, grid.generations, regime, seed=grid.seed,
                                  **options)
            metrics.append(metrics_table(text_run.history).assign(order=order, regime=regime))
            lines += [{"order": order, "regime": regime, "generation": generation,
                       "line": excerpt(text_run.corpus, ids, grid)} for generation, ids in text_run.writing.items()]
    return pd.concat(metrics, ignore_index=True), pd.DataFrame(lines)
