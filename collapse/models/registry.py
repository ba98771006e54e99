"""The book's models in one place: how to build each one with its real world, what it measures, how it is named.

Chapters that compare models ("Replace versus accumulate", "Throw the worse models away?", "Beyond next-token loss")
read this registry instead of keeping lists of their own, so a new model is its own file plus one entry here, and
every chapter that compares models picks it up (each takes the entries that have what it needs: a known true error
for the gate, loss and diversity measures for the measuring chapter). An unknown name is refused.

A model that trains too slowly to run while a reader waits (the VAE, the transformer) has `stored` runs instead of
a `setup`: its chapter precomputes them into data/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from collapse._checks import check_choice, check_int
from collapse.history import History
from collapse.loop import simulate
from collapse.models.base import Model, RealData

LOSS, DIVERSITY = "loss", "diversity"
TOKENS_PER_ROW = 100  # a text model writes passages of 100 tokens: the Markov chapter's, and every chapter's
TEXT_ORDER = 2  # bigrams, the Markov chapter's default
OUTCOMES = 10  # the categorical model's K, equally likely in the real world


@dataclass(frozen=True)
class Measure:
    name: str  # as the engine records it
    label: str  # as charts and tables name it
    kind: str  # LOSS or DIVERSITY


@dataclass(frozen=True)
class Setup:
    """One run's model and real world, and its sizes in rows."""

    model: Model
    real: RealData
    samples_per_generation: int  # rows a generation draws
    heldout_rows: int  # real rows the models are scored on


@dataclass(frozen=True)
class ModelEntry:
    name: str  # the key chapters and panels use
    label: str  # how menus, legends and titles name it
    unit: str  # what a generation's size counts (samples, rows, tokens, draws, images)
    error: str  # the measurement that says how far a fit is from the truth, or how badly it predicts real data
    error_label: str  # that measurement in words
    true_error: str | None = None  # the model's true_error (collapse.models.base): where the truth is known
    measures: tuple[Measure, ...] = ()  # losses and diversity measures (the chapter "Beyond next-token loss")
    # size, seeds, seed, **options -> Setup; None for a model with stored runs only
    setup: Callable[..., Setup] | None = None
    stored: Callable[[str], History] | None = None  # regime -> the stored runs of a model too slow to run live
    needs_torch: bool = False  # False: numpy and scipy only (so it can also run in the browser's Python)

    @property
    def live(self) -> bool:
        return self.setup is not None

    def run(self, regime, size: int, generations: int, seeds: int = 1, seed: int = 0,
            heldout_rows: int | None = None, observe=None, **options) -> History:
        """Simulate this model under `regime` (a regime object) with generations of `size` (in its unit)."""
        if self.setup is None:
            raise ValueError(f"the {self.label} trains too slowly to run here; its chapter's stored runs are "
                             f"read with stored_history(regime) instead.")
        built = self.setup(size, seeds, seed, **options)
        return simulate(built.model, built.real, regime, generations=generations,
                        samples_per_generation=built.samples_per_generation, seeds=seeds, seed=seed,
                        heldout_rows=built.heldout_rows if heldout_rows is None else heldout_rows, observe=observe)

    def stored_history(self, regime: str) -> History:
        if self.stored is None:
            raise ValueError(f"the {self.label} has no stored runs; run it with run(...).")
        return self.stored(regime)


# --- how each model is built ------------------------------------------------------------------------------------
def gaussian_setup(size: int, seeds: int, seed: int, scores_own_output: bool = False) -> Setup:
    from collapse.models.gaussian import GaussianModel, GaussianSource

    return Setup(GaussianModel(scores_own_output=scores_own_output), GaussianSource(), size, 1_000)


def regression_setup(size: int, seeds: int, seed: int, dimension: int = 10) -> Setup:
    """A fixed Gaussian design of `size` rows (T) and `dimension` features (d) per seed."""
    from collapse.models.linear import FixedDesign, LinearRegressionModel

    world = FixedDesign.random(seeds, size, dimension, seed=seed)
    return Setup(LinearRegressionModel(world), world, size, 1)


def text_setup(size: int, seeds: int, seed: int, order: int = TEXT_ORDER) -> Setup:
    """An n-gram model of the Shakespeare corpus; `size` counts tokens, written as passages of TOKENS_PER_ROW."""
    from collapse.models.ngram import NgramModel
    from collapse.text import TextSource, load_corpus

    size = check_int("size", size, 1)
    corpus = load_corpus()
    model = NgramModel(order, len(corpus.vocabulary), TOKENS_PER_ROW)
    return Setup(model, TextSource(corpus, TOKENS_PER_ROW), max(size // TOKENS_PER_ROW, 1), 200)


def categorical_setup(size: int, seeds: int, seed: int) -> Setup:
    from collapse.models.categorical import CategoricalModel, CategoricalSource

    return Setup(CategoricalModel(OUTCOMES), CategoricalSource.uniform(OUTCOMES), size, 1_000)


def vae_stored(regime: str) -> History:
    from collapse import vae  # imports torch: only when the VAE is asked for

    return vae.stored_history("digits", regime)


def transformer_stored(regime: str) -> History:
    from collapse import transformer  # imports torch: only when the transformer is asked for

    return transformer.stored_history(regime)


MODELS = {entry.name: entry for entry in (
    ModelEntry("gaussian", "Gaussian", "samples", "kl_from_real", "KL from the real distribution",
               true_error="kl_from_real", measures=(
        Measure("heldout_loss", "loss on held-out real data", LOSS),
        Measure("self_loss", "loss on its own samples", LOSS),
        Measure("tail_mass", "tail mass beyond ±2 real sd", DIVERSITY),
        Measure("std", "standard deviation", DIVERSITY)), setup=gaussian_setup),
    ModelEntry("regression", "linear regression", "rows", "error", "squared error of the weights",
               true_error="error", setup=regression_setup),
    ModelEntry("markov", "Markov text", "tokens", "heldout_loss", "held-out bits per token", measures=(
        Measure("heldout_loss", "loss on held-out real plays", LOSS),
        Measure("self_cross_entropy", "loss on its own writing", LOSS),
        Measure("distinct_2", "distinct-2", DIVERSITY),
        Measure("type_token_ratio", "type-token ratio", DIVERSITY),
        Measure("unigram_entropy_bits", "unigram entropy", DIVERSITY),
        Measure("vocabulary", "vocabulary", DIVERSITY)), setup=text_setup),
    ModelEntry("categorical", f"categorical, {OUTCOMES} equal outcomes", "draws", "heldout_loss",
               "held-out loss, nats per draw", measures=(
                   Measure("heldout_loss", "loss on held-out real draws", LOSS),
                   Measure("self_loss", "loss on its own draws", LOSS),
                   Measure("gini_simpson", "Gini-Simpson index", DIVERSITY),
                   Measure("entropy_bits", "entropy", DIVERSITY),
                   Measure("outcomes_alive", "outcomes still drawn", DIVERSITY)), setup=categorical_setup),
    ModelEntry("vae", "VAE on digits", "images", "heldout_loss", "held-out −ELBO", measures=(
        Measure("heldout_loss", "loss (−ELBO) on held-out real digits", LOSS),
        Measure("train_loss", "loss on its training set (last generation's images)", LOSS),
        Measure("classes_covered", "digit classes covered", DIVERSITY),
        Measure("class_entropy_bits", "entropy of the digit classes", DIVERSITY),
        Measure("latent_spread", "spread of codes", DIVERSITY)), stored=vae_stored, needs_torch=True),
    ModelEntry("transformer", "tiny transformer (GPT)", "characters", "heldout_bits_per_char",
               "held-out bits per character", measures=(
                   Measure("heldout_bits_per_char", "loss on held-out real plays", LOSS),
                   Measure("self_bits_per_char", "loss on its own writing", LOSS),
                   Measure("real_word_share", "share of real words", DIVERSITY),
                   Measure("distinct_real_words", "distinct real words", DIVERSITY),
                   Measure("distinct_4grams", "distinct character 4-grams", DIVERSITY)),
               stored=transformer_stored, needs_torch=True),
)}


def model_entry(name: str) -> ModelEntry:
    """The registry's entry for `name`; an unknown name is refused with the list of the book's models."""
    return MODELS[check_choice("model", name, tuple(MODELS))]


def entries(*, live: bool | None = None, with_true_error: bool = False, with_measures: bool = False,
            numpy_only: bool = False) -> tuple[ModelEntry, ...]:
    """The entries that have what a chapter needs, in the registry's order."""
    chosen = []
    for entry in MODELS.values():
        if live is not None and entry.live != live:
            continue
        if with_measures and not entry.measures:
            continue
        if numpy_only and entry.needs_torch:
            continue
        if with_true_error and not (entry.live and entry.true_error):
            continue
        chosen.append(entry)
    return tuple(chosen)
