"""Chapter "Markov text": an n-gram model of Shakespeare trained on its own writing, as charts, text and a panel."""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from collapse import make_regime, simulate, theory
from collapse.models.ngram import NgramModel
from collapse.text import END_OF_LINE, Corpus, FixedText, TextSource, detokenize, load_corpus
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import REGIME_LABELS, Panel

TOKENS_PER_ROW = 100  # each passage the models read and write is 100 tokens, starting at a line start
RARE_COUNT = 2  # a word is rare if the training plays use it at most this often
MAX_TOKEN_GENERATIONS = 2_000_000  # tokens per generation x generations a panel run may write: a few seconds
SAMPLE_LINES = 4  # lines of each generation's writing kept for display

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
class TextRun:
    history: object  # collapse.History
    writing: dict  # generation -> token ids of the first lines seed 0 wrote
    real: np.ndarray  # token ids of a real passage, for comparison
    known: dict  # generation -> sorted ids of the tokens the model can still write
    corpus: Corpus


def rare_words(corpus: Corpus) -> tuple[int, ...]:
    counts = corpus.word_counts()
    return tuple(np.flatnonzero((counts > 0) & (counts <= RARE_COUNT)).tolist())


def check_budget(tokens_per_generation: int, generations: int) -> None:
    written = tokens_per_generation * generations
    if written > MAX_TOKEN_GENERATIONS:
        raise ValueError(f"That run would write {written:,} tokens; the panel allows {MAX_TOKEN_GENERATIONS:,} so that "
                         "it answers within a few seconds. Lower the tokens per generation or the generations.")


@functools.lru_cache(maxsize=8)  # the panel's chart and its text both ask for the same run
def experiment(order: int = 2, tokens_per_generation: int = 50_000, generations: int = 10, regime: str = "replace",
               cap_generations: int = 2, real_share: float = 0.1, seed: int = 0) -> TextRun:
    """Train an n-gram model on real passages, then each generation on the regime's mix of real and written text."""
    corpus = load_corpus()
    rows = max(tokens_per_generation // TOKENS_PER_ROW, 1)
    model = NgramModel(order, len(corpus.vocabulary), TOKENS_PER_ROW, tracked_words=rare_words(corpus))
    writing, known = {}, {}

    def keep(generation, params, output):
        known[generation] = model.known_tokens(params[0])
        if output is not None:
            writing[generation] = first_lines(output[0].ravel(), SAMPLE_LINES)

    history = simulate(model, TextSource(corpus, TOKENS_PER_ROW), make_regime(regime, cap=cap_generations * rows,
                       real_share=real_share), generations=generations, samples_per_generation=rows, seed=seed,
                       heldout_rows=500, observe=keep)
    real = TextSource(corpus, TOKENS_PER_ROW).draw(1, 1, np.random.default_rng(seed))[0, 0]
    return TextRun(history, writing, first_lines(real, SAMPLE_LINES), known, corpus)


def first_lines(ids: np.ndarray, lines: int) -> np.ndarray:
    ends = np.flatnonzero(ids == END_OF_LINE)
    return ids[: ends[lines - 1] + 1] if ends.size >= lines else ids


def metrics_table(history) -> pd.DataFrame:
    """Per generation, each metric of seed 0 (relative to generation 1 where METRICS says so), with its label."""
    rows = []
    for name, (label, relative) in METRICS.items():
        values = history.metric(name)[:, 0]
        if relative:
            values = values / values[0]
        rows.append(pd.DataFrame({"generation": np.arange(1, values.size + 1), "metric": name, "value": values,
                                  "series": LOSS_LABELS.get(name, label)}))
    return pd.concat(rows, ignore_index=True)


def metric_panels(data, keep: str | None = None) -> alt.VConcatChart:
    """Four small charts against generation: vocabulary, rare words, diversity, and the two cross-entropies."""
    def small_chart(names: list[str], title: str, percent: bool) -> alt.Chart:
        chart = alt.Chart(data).mark_line(point=True).encode(
            x=charts.GENERATION,
            y=alt.Y("value:Q", title=title, axis=alt.Axis(format="%" if percent else ".3~g"),
                    scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom") if len(names) > 1 else None,
                            scale=alt.Scale(range=theme.OKABE_ITO)),
            tooltip=[alt.Tooltip("generation:Q"), alt.Tooltip("series:N", title="measure"),
                     alt.Tooltip("value:Q", format=".3f")],
        ).transform_filter(alt.FieldOneOfPredicate(field="metric", oneOf=names))
        chart = chart.transform_filter(keep) if keep else chart
        return chart.properties(width=theme.WIDTH, height=150)

    # each chart its own colour scale (at every level of nesting), so the loss chart keeps its legend
    return alt.vconcat(
        alt.hconcat(small_chart(["vocabulary"], "vocabulary, share of generation 1", True),
                    small_chart(["rare_word_survival"], "rare words known, share of gen. 1", True),
                    ).resolve_scale(color="independent"),
        alt.hconcat(small_chart(["distinct_2"], "distinct word pairs / all pairs", True),
                    small_chart(["heldout_loss", "self_cross_entropy"], "cross-entropy, bits per token", False),
                    ).resolve_scale(color="independent"),
    ).resolve_scale(color="independent")


METRIC_PANELS_DESCRIPTION = (
    "Four line charts against generation: the share of generation 1's vocabulary the model can still write, the "
    "share of the rare words it still knows, distinct word pairs as a share of all pairs, and the cross-entropy in "
    "bits per token on held-out real plays and on its own writing.")


@functools.cache
def live_template() -> charts.Template:
    return charts.Template(metric_panels(alt.NamedData("metrics")).properties(description=METRIC_PANELS_DESCRIPTION))


def chart(order=2, tokens_per_generation=50_000, generations=10, regime="replace", cap_generations=2,
          real_share=0.1, seed=0) -> dict:
    """The live panel's chart: how the model's vocabulary, diversity and losses move, generation by generation."""
    controls.check_regime(regime)
    check_budget(tokens_per_generation, generations)
    run = experiment(order, tokens_per_generation, generations, regime, cap_generations, real_share, seed)
    metrics = metrics_table(run.history)
    last = metrics[metrics.generation == generations].set_index("metric")["value"]
    return live_template().fill({"metrics": metrics}, description=(
        f"{METRIC_PANELS_DESCRIPTION} One run of {REGIME_LABELS[regime]}, order {order}: by generation {generations} "
        f"the model can write {last['vocabulary']:.0%} of generation 1's vocabulary and knows "
        f"{last['rare_word_survival']:.0%} of its rare words; its loss on held-out plays is "
        f"{last['heldout_loss']:.2f} bits per token and on its own writing {last['self_cross_entropy']:.2f}."))


def side_by_side(order=2, tokens_per_generation=50_000, generations=10, regime="replace", cap_generations=2,
                 real_share=0.1, seed=0) -> str:
    """HTML: real text, then what the middle and last generations wrote; words the last generation can no longer
    write are struck through."""
    controls.check_regime(regime)
    check_budget(tokens_per_generation, generations)
    run = experiment(order, tokens_per_generation, generations, regime, cap_generations, real_share, seed)
    last = generations
    middle = max(1, (generations + 1) // 2)
    alive = run.known[last]
    columns = [("real plays", run.real)] + [(f"generation {g} wrote", run.writing[g])
                                            for g in dict.fromkeys([1, middle, last])]
    cells = "".join(f'<td style="vertical-align:top">{marked_text(run.corpus, ids, alive)}</td>' for _, ids in columns)
    heads = "".join(f"<th>{html.escape(title)}</th>" for title, _ in columns)
    gone = [w for w in dict.fromkeys(run.real.tolist()) if w != END_OF_LINE and not _contains(alive, w)]
    return (f'<table class="collapse-text"><tr>{heads}</tr><tr>{cells}</tr></table>'
            f"<p><small>{REGIME_LABELS[regime]}, order {order}: <del>struck-through</del> words can no longer be "
            f"written by generation {last}; {len(gone)} of the real passage's {len(set(run.real.tolist()) - {0})} "
            "distinct words are gone.</small></p>")


def _contains(sorted_ids: np.ndarray, token: int) -> bool:
    where = np.searchsorted(sorted_ids, token)
    return bool(where < sorted_ids.size and sorted_ids[where] == token)


def marked_text(corpus: Corpus, ids: np.ndarray, alive: np.ndarray) -> str:
    """Token ids as HTML lines, with each word outside `alive` (sorted ids) struck through."""
    index = {token: i for i, token in enumerate(corpus.vocabulary)}

    def render(token: str) -> str:
        escaped = html.escape(token)
        return escaped if _contains(alive, index[token]) else f"<del>{escaped}</del>"

    lines, line = [], []
    for token in np.asarray(ids).tolist():
        if token == END_OF_LINE:
            lines.append(line)
            line = []
        else:
            line.append(corpus.vocabulary[token])
    return "<br>".join(detokenize(words, render) for words in [*lines, line] if words)


def panel(**overrides) -> Panel:
    """The live panel: order, tokens per generation, generations, regime and seed re-run the experiment."""
    settings = dict(order=2, tokens_per_generation=50_000, generations=10, regime="replace", cap_generations=2,
                    real_share=0.1, seed=0) | overrides
    regime, shown_when = controls.regime_controls(settings["regime"], settings["cap_generations"],
                                                  settings["real_share"])
    return Panel(
        "Train a Markov model on its own writing",
        {"order": controls.int_slider("order (context + 1)", settings["order"], 1, 4),
         "tokens_per_generation": controls.steps_slider("tokens per generation", TOKEN_STEPS,
                                                        settings["tokens_per_generation"]),
         "generations": controls.int_slider("generations", settings["generations"], 1, 30),
         **regime,
         "seed": controls.seed_box(settings["seed"])},
        chart, shown_when=shown_when, caption=side_by_side,
        note="Moves re-run the experiment in your kernel (about a second at the defaults).")


TOKEN_STEPS = [10_000, 20_000, 50_000, 100_000, 200_000]


# --- the static chart: every (order, regime) run when the book is built; the browser filters --------------------
STATIC_REGIMES = {"replace": {}, "accumulate": {}, "accumulate-subsample": {"cap_generations": 1},
                  "fresh-mix": {"real_share": 0.1}}
STATIC_SETTINGS = dict(tokens_per_generation=40_000, generations=20, seed=0)


def static_grid(**settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Metrics and the first lines written, for every order and regime, at each generation of one seeded run.

    `settings` override STATIC_SETTINGS (tokens_per_generation, generations, seed)."""
    settings = STATIC_SETTINGS | settings
    metrics, lines = [], []
    for order in range(1, 5):
        for regime, options in STATIC_REGIMES.items():
            run = experiment(order, regime=regime, **settings, **options)
            metrics.append(metrics_table(run.history).assign(order=order, regime=regime))
            for generation, ids in run.writing.items():
                excerpt = " / ".join(run.corpus.text(first_lines(ids, 3)).splitlines())
                lines.append({"order": order, "regime": regime, "generation": generation,
                              "line": excerpt if len(excerpt) <= 100 else excerpt[:99] + "…"})
    grid = pd.concat(metrics, ignore_index=True)
    grid["value"] = charts.significant(grid["value"], 4)
    return grid, pd.DataFrame(lines)


def static_chart(grid: pd.DataFrame, lines: pd.DataFrame) -> alt.VConcatChart:
    """The four metric charts and a line of writing, with bound controls for order, regime and generation."""
    order = charts.slider("order", "order (context + 1) ", [1, 2, 3, 4], value=2)
    regime = charts.choice("regime", "regime ", list(STATIC_REGIMES), [
        "replace", "accumulate", "accumulate, capped at one generation", "fresh real share 10%"], radio=False)
    generation = charts.slider("generation", "show writing of generation ",
                               list(range(1, int(grid["generation"].max()) + 1)), value=1)
    keep = charts.matches(order, regime)
    panels = metric_panels(grid, keep)
    writing = alt.Chart(lines).mark_text(align="left", fontSize=13, font="Georgia, serif", color=theme.NEUTRAL).encode(
        x=alt.value(0), y=alt.value(12), text="line:N",
    ).transform_filter(f"{keep} && datum.generation == generation").properties(width=2 * theme.WIDTH + 40, height=24)
    return alt.vconcat(panels, writing.properties(title="the first lines it wrote")).add_params(
        order, regime, generation).properties(description=(
            f"{METRIC_PANELS_DESCRIPTION} One run for the chosen order and regime; under replace the vocabulary and "
            "the rare words shrink generation by generation. Below the charts, the first lines that the chosen "
            "generation wrote."))


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
    return pd.DataFrame([{"resamplings": k, "count": f"seen {count}×", "simulated": survived[count][k],
                          "closed form": theory.word_survival(count, k), "words": words[count].size}
                         for count in counts for k in range(generations + 1)])


def survival_chart(table: pd.DataFrame) -> alt.LayerChart:
    base = alt.Chart(table).encode(x=alt.X("resamplings:Q", title="generations of resampling"),
                                   color=alt.Color("count:N", title="word in the real sample",
                                                   scale=alt.Scale(range=theme.OKABE_ITO)))
    simulated = base.mark_point(filled=True, size=40).encode(
        y=alt.Y("simulated:Q", title="share of such words still written", axis=alt.Axis(format="%")),
        tooltip=["count:N", "resamplings:Q", alt.Tooltip("simulated:Q", format=".3f"),
                 alt.Tooltip("closed form:Q", format=".3f")])
    closed = base.mark_line(strokeDash=[6, 4]).encode(y="closed form:Q")
    return alt.layer(closed, simulated).properties(
        width=2 * theme.WIDTH, height=220, title="Points: simulation. Dashed: branching-process prediction",
        description="The share of the real sample's words seen once, twice and five times that a unigram model "
                    "still writes, against generations of resampling: simulated points on dashed curves of the "
                    "branching-process prediction. Every curve falls; the rarer the word, the sooner.")
