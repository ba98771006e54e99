"""Time the n-gram engine against two real peers, markovify and nltk.lm, doing the same work on the same plays in one
process; print the figures and ratios and record them in benchmarks/results.json under keys starting with `peers_`.

    pip install -r benchmarks/requirements.txt   # markovify (`make benchmark` does this)
    python benchmarks/peers.py                   # about three minutes on two cores

Three comparisons, all on the training plays and held-out plays of `collapse.text.load_corpus()`:

- fit + generate: markovify with `state_size` s against our engine at order s + 1 (the same s tokens of context),
  both fitted on the training plays and writing 100,000 tokens (a line end counts as a token, as it does for us).
- held-out scoring: nltk.lm's order-3 `Laplace` against our order-3 model (interpolated Kneser-Ney), fitted on the
  same lines and scoring the same 50,000 held-out tokens. nltk's own `KneserNeyInterpolated` cannot score that in
  minutes from the whole training set, so it is compared on a slice of it, like for like, and its full-size cost
  is extrapolated from a sample.
- our engine's absolute figures against the issue's targets.

Our engine's operations are medians of a few runs; a peer's slow operations are timed once. The targets are printed
beside the figures, never asserted: machines are shared and noisy.
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import time
from importlib.metadata import version

import numpy as np

from measure import RESULTS, ROOT, record  # also puts the checkout on the path

from collapse.models.ngram import NgramModel  # noqa: E402  (needs ROOT on the path)
from collapse.models.registry import TOKENS_PER_ROW  # noqa: E402  (our passages: all advanced together)
from collapse.text import END_OF_LINE, HELDOUT_PLAYS, UNKNOWN, load_corpus, load_plays, tokenize  # noqa: E402

GENERATED_TOKENS = 100_000
SCORED_TOKENS = 50_000  # held-out tokens both scorers read
KNESER_NEY_LINES = 1_000  # training lines nltk's Kneser-Ney is fitted on (see kneser_ney)
KNESER_NEY_SAMPLE = 100  # held-out tokens its full-size model scores, to extrapolate from
REPEATS = 5  # for our engine's operations, which take well under a second

TARGETS = {  # from the issue: printed beside the figures, never asserted
    "peers_ngram_order3_fit_full_training_s": "target < 2 s",
    "peers_ngram_order3_generate_100k_s": "target < 0.3 s",
    "peers_ngram_order3_heldout_100k_s": "target < 0.3 s",
    "peers_ratio_fit_generate_markovify_over_ngram": "target >= 20x",
    "peers_ratio_score_nltk_laplace_over_ngram": "target >= 100x",
    "peers_ratio_score_nltk_kneser_ney": "target >= 100x",
}


def timed(action, repeats: int = 1):
    """Median seconds of `repeats` runs of `action`, and what its last run returned."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def training_lines(corpus) -> list[list[str]]:
    """The training plays' lines as token lists: exactly the tokens of `corpus.train`, without the line ends."""
    plays = load_plays()
    lines = [tokenize(line) for play, play_lines in plays.items() if play not in HELDOUT_PLAYS for line in play_lines]
    if sum(len(line) + 1 for line in lines) != corpus.train.size:
        raise SystemExit("the training lines do not match corpus.train; the peers would see different text")
    return lines


def ngram_fit(order: int, corpus, stream: np.ndarray):
    """Fit our engine on a whole token stream, as one row (it starts at a line start and ends with a line end)."""
    model = NgramModel(order, len(corpus.vocabulary), tokens_per_row=TOKENS_PER_ROW)
    return model, model.fit([model.summarise(stream[None, None, :])])


# --- fit + generate: markovify ------------------------------------------------------------------------------
def walk(chain, tokens: int) -> int:
    """Write lines with markovify's `Chain.walk` until `tokens` tokens (words plus one line end per line) are out.

    `walk` is what `Text.make_sentence` calls, without its overlap test: that test rejects and retries lines that
    copy the corpus, work our engine does not do, so leaving it out keeps the two on the same work.
    """
    written = 0
    while written < tokens:
        written += len(chain.walk()) + 1
    return written


def markovify_vs_ngram(corpus, lines: list[list[str]]) -> dict:
    import markovify

    # one line of speech per line, our tokens joined by spaces: markovify splits on whitespace, so it sees our tokens
    text = "\n".join(" ".join(line) for line in lines)
    figures = {}
    for state_size in (2, 3):
        order = state_size + 1
        # well_formed=False: its default drops lines with quotes, brackets or a word-initial apostrophe ("'tis"),
        # 5% of these lines, and it must count the same lines as we do. retain_original=False: the kept text
        # only serves the overlap test, which walk() skips.
        fit, model = timed(lambda: markovify.NewlineText(text, state_size=state_size, well_formed=False,
                                                         retain_original=False))
        begin = model.chain.model[(markovify.chain.BEGIN,) * state_size]
        if sum(begin.values()) != len(lines):
            raise SystemExit(f"markovify kept {sum(begin.values()):,} of {len(lines):,} lines")
        random.seed(0)  # markovify draws from the random module
        generate, _ = timed(lambda: walk(model.chain, GENERATED_TOKENS))
        # A compiled chain keeps cumulative weights per state instead of summing them at every step: slower to
        # build, faster to walk. Both routes are timed and markovify is credited with the faster one.
        compile_time, _ = timed(lambda: model.compile(inplace=True))
        random.seed(0)
        generate_compiled, _ = timed(lambda: walk(model.chain, GENERATED_TOKENS))
        pretokenised, _ = timed(lambda: markovify.Text(None, parsed_sentences=lines, state_size=state_size,
                                                       well_formed=False, retain_original=False))
        best = min(fit + generate, fit + compile_time + generate_compiled)

        ours_fit, (ngram, tables) = timed(lambda: ngram_fit(order, corpus, corpus.train), REPEATS)
        rng = np.random.default_rng(0)
        ours_generate, _ = timed(lambda: ngram.sample(tables, GENERATED_TOKENS // TOKENS_PER_ROW, rng), REPEATS)

        prefix = f"peers_markovify_state{state_size}"
        figures |= {
            f"{prefix}_fit_s": fit,
            f"{prefix}_generate_walk_100k_s": generate,
            f"{prefix}_compile_s": compile_time,
            f"{prefix}_generate_walk_compiled_100k_s": generate_compiled,
            f"{prefix}_fit_from_token_lists_s": pretokenised,
            f"{prefix}_fit_generate_best_s": best,
            f"peers_ngram_order{order}_fit_s": ours_fit,
            f"peers_ngram_order{order}_generate_100k_s": ours_generate,
            f"peers_ngram_order{order}_fit_generate_s": ours_fit + ours_generate,
            f"peers_ratio_fit_generate_markovify_over_ngram[order{order}]": best / (ours_fit + ours_generate),
            f"peers_ratio_fit_markovify_over_ngram[order{order}]": fit / ours_fit,
            f"peers_ratio_generate_markovify_compiled_over_ngram[order{order}]": generate_compiled / ours_generate,
        }
    return figures


# --- held-out scoring: nltk.lm ------------------------------------------------------------------------------
def nltk_trigrams(ids: np.ndarray, vocabulary: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """The trigram ending at each token of an id stream, in nltk.lm's padding: "<s> <s>" before a line's first word,
    "</s>" for its end, so that nltk scores exactly the tokens our engine scores (one per id, line ends included).
    UNKNOWN becomes "<UNK>", the label nltk's vocabulary gives every word it never saw in training."""
    grams, context = [], ("<s>", "<s>")
    for token_id in ids.tolist():
        word = "</s>" if token_id == END_OF_LINE else "<UNK>" if token_id == UNKNOWN else vocabulary[token_id]
        grams.append(context + (word,))
        context = ("<s>", "<s>") if token_id == END_OF_LINE else (context[1], word)
    return grams


def nltk_fit(estimator, lines: list[list[str]]):
    from nltk.lm.preprocessing import padded_everygram_pipeline

    model = estimator(3)
    model.fit(*padded_everygram_pipeline(3, lines))  # the pipeline nltk documents: padded 1-, 2- and 3-grams
    return model


def ngram_scoring(corpus, stream: np.ndarray, heldout: np.ndarray) -> tuple[float, float, float]:
    """Our order-3 model on a training stream: fit seconds, seconds to score `heldout`, and its bits per token."""
    fit, (model, tables) = timed(lambda: ngram_fit(3, corpus, stream), REPEATS)
    score, bits = timed(lambda: model.cross_entropy(tables[0], heldout[None, :]), REPEATS)
    return fit, score, bits


def laplace(corpus, lines: list[list[str]]) -> dict:
    from nltk.lm import KneserNeyInterpolated, Laplace

    heldout = corpus.heldout[:SCORED_TOKENS]
    grams = nltk_trigrams(heldout, corpus.vocabulary)
    fit, model = timed(lambda: nltk_fit(Laplace, lines))
    # nltk fits every estimator the same way (it only counts; smoothing happens when scoring), so a Kneser-Ney
    # model over the same counts costs no second fit. Score a sample with it first: scoring adds empty contexts
    # to the shared counts, and they would lengthen its scans.
    kneser_ney = KneserNeyInterpolated(3, vocabulary=model.vocab, counter=model.counts)
    sample, _ = timed(lambda: [kneser_ney.score(gram[-1], gram[:-1]) for gram in grams[:KNESER_NEY_SAMPLE]])
    score, bits = timed(lambda: model.entropy(grams), 3)
    ours_fit, ours_score, ours_bits = ngram_scoring(corpus, corpus.train, heldout)
    return {
        "peers_nltk_laplace3_fit_s": fit,
        "peers_nltk_laplace3_score_50k_s": score,
        "peers_nltk_laplace3_heldout_bits_per_token": bits,
        "peers_ngram_order3_fit_s": ours_fit,
        "peers_ngram_order3_score_50k_s": ours_score,
        "peers_ngram_order3_heldout_bits_per_token": ours_bits,
        "peers_ratio_fit_nltk_laplace_over_ngram": fit / ours_fit,
        "peers_ratio_score_nltk_laplace_over_ngram": score / ours_score,
        f"peers_nltk_kneser_ney3_full_training_score_{KNESER_NEY_SAMPLE}_s": sample,
        "peers_nltk_kneser_ney3_full_training_score_50k_extrapolated_s": sample * SCORED_TOKENS / KNESER_NEY_SAMPLE,
        "peers_ratio_score_nltk_kneser_ney_full_training_extrapolated_over_ngram":
            sample * SCORED_TOKENS / KNESER_NEY_SAMPLE / ours_score,
    }


def kneser_ney(corpus, lines: list[list[str]]) -> dict:
    """nltk's Kneser-Ney against ours, both fitted on the first KNESER_NEY_LINES training lines.

    nltk computes each continuation count by scanning every n-gram of the order above, for every token it scores
    (nltk/lm/smoothing.py, KneserNey._continuation_counts), so its time per token grows with the training set: on
    the whole of it, 50,000 tokens would take hours. On a slice both models see the same lines and score the same
    50,000 held-out tokens, with words the slice never uses made UNKNOWN for both.
    """
    from nltk.lm import KneserNeyInterpolated

    end = np.flatnonzero(corpus.train == END_OF_LINE)[KNESER_NEY_LINES - 1] + 1
    stream = corpus.train[:end]
    seen = np.zeros(len(corpus.vocabulary), dtype=bool)
    seen[stream] = True
    heldout = corpus.heldout[:SCORED_TOKENS]
    heldout = np.where(seen[heldout], heldout, UNKNOWN).astype(np.int32)
    grams = nltk_trigrams(heldout, corpus.vocabulary)

    fit, model = timed(lambda: nltk_fit(KneserNeyInterpolated, lines[:KNESER_NEY_LINES]))
    score, bits = timed(lambda: model.entropy(grams))
    ours_fit, ours_score, ours_bits = ngram_scoring(corpus, stream, heldout)
    prefix = f"peers_nltk_kneser_ney3_{KNESER_NEY_LINES}_lines"
    return {
        f"{prefix}_fit_s": fit,
        f"{prefix}_score_50k_s": score,
        # infinite when a held-out word is unknown: nltk's Kneser-Ney gives "<UNK>" no probability at all
        f"{prefix}_heldout_bits_per_token": bits,
        f"peers_ngram_order3_{KNESER_NEY_LINES}_lines_fit_s": ours_fit,
        f"peers_ngram_order3_{KNESER_NEY_LINES}_lines_score_50k_s": ours_score,
        f"peers_ngram_order3_{KNESER_NEY_LINES}_lines_heldout_bits_per_token": ours_bits,
        f"peers_ratio_fit_nltk_kneser_ney_over_ngram[{KNESER_NEY_LINES}_lines]": fit / ours_fit,
        f"peers_ratio_score_nltk_kneser_ney_over_ngram[{KNESER_NEY_LINES}_lines]": score / ours_score,
    }


# --- our engine against the targets -------------------------------------------------------------------
def targets(corpus) -> dict:
    fit, (model, tables) = timed(lambda: ngram_fit(3, corpus, corpus.train), REPEATS)
    rng = np.random.default_rng(0)
    generate, _ = timed(lambda: model.sample(tables, GENERATED_TOKENS // TOKENS_PER_ROW, rng), REPEATS)
    score, _ = timed(lambda: model.cross_entropy(tables[0], corpus.heldout[None, :100_000]), REPEATS)
    return {
        "peers_ngram_order3_fit_full_training_s": fit,
        "peers_ngram_order3_generate_100k_s": generate,
        "peers_ngram_order3_heldout_100k_s": score,
    }


PARTS = {
    "fit + generate 100,000 tokens: markovify (Chain.walk, no overlap test) vs our engine at order state_size + 1":
        markovify_vs_ngram,
    "held-out scoring of 50,000 tokens: nltk.lm order-3 Laplace vs our order 3 (Kneser-Ney), whole training set":
        laplace,
    f"held-out scoring of 50,000 tokens: nltk.lm order-3 KneserNeyInterpolated vs our order 3, first "
    f"{KNESER_NEY_LINES:,} training lines": kneser_ney,
}


def main() -> None:
    start = time.perf_counter()
    corpus = load_corpus()
    lines = training_lines(corpus)
    print(f"markovify {version('markovify')}, nltk {version('nltk')}, numpy {np.__version__}, "
          f"python {platform.python_version()}, {os.cpu_count()} cores; training plays {corpus.train.size:,} tokens "
          f"in {len(lines):,} lines, held-out plays {corpus.heldout.size:,} tokens")
    parts = {**PARTS, "our engine against the issue's targets (order 3, whole training set)": lambda c, _: targets(c)}
    for title, part in parts.items():
        print(f"\n{title}")
        record(part(corpus, lines), TARGETS, width=78)
    print(f"\nrecorded in {RESULTS.relative_to(ROOT)} ({time.perf_counter() - start:.0f} s in all)")


if __name__ == "__main__":
    main()
