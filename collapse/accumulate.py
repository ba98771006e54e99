"""Chapter "Replace versus accumulate": every model of the book under both regimes, and the theorem for regression.

`AccumulateSettings` states every setting of the live panel once; `run` simulates one model of the registry
(collapse/models/registry.py) under one regime; `live_tables` gives what the live chart draws; `static_grid`
computes, at build time, every setting the static chart offers; `every_model` puts every model of the registry (run
here, or read from its stored runs) on one scale. widgets/accumulate.py only draws them.

The models this chapter runs are the registry's live ones. Each measures its error its own way (`ModelEntry.error`):
the Gaussian's divergence from the real distribution and the regression's squared weight error come from the fitted
parameters; the Markov text model's and the categorical model's are losses on held-out real data (the real data's
cross-entropy under the fit: its entropy plus the fit's divergence from it, so they rise when the fit drifts, as the
others do). Every curve is shown relative to its own generation 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from collapse import make_regime, theory
from collapse.history import History
from collapse.models.registry import MODELS, TOKENS_PER_ROW, ModelEntry, entries, model_entry
from collapse.settings import Settings, setting

REGIMES = ("replace", "accumulate")
THEOREM_MODEL = "regression"  # the model the theorem is about: it has d features, and its closed forms are drawn
HELDOUT_ROWS = 500  # real rows a model whose error is a held-out loss is scored on (the Markov chapter's)
MAX_WORK = 30_000_000  # seeds x rows x generations (x dimension, for regression) a panel run may take


def chapter_models() -> tuple[ModelEntry, ...]:
    """The models this chapter runs: every live model of the registry (the others have stored runs only)."""
    return entries(live=True)


def model_label(entry: ModelEntry) -> str:
    """A model and the error it is measured by, as menus and facets name it."""
    stored = "" if entry.live else "; stored runs"
    return f"{entry.label} ({entry.error_label}{stored})"


def is_text(entry: ModelEntry) -> bool:
    """A text model counts its size in tokens and writes 100-token passages."""
    return entry.unit == "tokens"


def units_per_sample(entry: ModelEntry) -> int:
    """One of the chapter's samples in the model's own unit: for a text model a passage of TOKENS_PER_ROW tokens."""
    return TOKENS_PER_ROW if is_text(entry) else 1


def runs_once(entry: ModelEntry) -> bool:
    """A text model keeps its n-gram counts seed by seed (a second or two a run), so the chapter runs it once."""
    return is_text(entry)


def heldout_rows(entry: ModelEntry) -> int:
    """Held-out real rows to score on: one where the error comes from the parameters (the score is not used)."""
    return 1 if entry.error == entry.true_error else HELDOUT_ROWS


def run(model: str, regime: str, samples_per_generation: int, generations: int, seeds: int = 1, seed: int = 0,
        dimension: int = 10, cap_generations: int = 1) -> History:
    """`seeds` runs of one model of the registry under `regime`, with `samples_per_generation` rows (passages, for
    text) per generation. dimension: the regression's features d; cap_generations: the accumulate-subsample
    budget, in generations' worth of rows."""
    entry = model_entry(model)
    chosen = make_regime(regime, cap=cap_generations * samples_per_generation)
    options = {"dimension": dimension} if entry.name == THEOREM_MODEL else {}
    return entry.run(chosen, samples_per_generation * units_per_sample(entry), generations, seeds=seeds, seed=seed,
                     heldout_rows=heldout_rows(entry), **options)


def errors(model: str, regime: str, samples_per_generation: int, generations: int, seeds: int = 1, seed: int = 0,
           dimension: int = 10, cap_generations: int = 1) -> np.ndarray:
    """The error (the registry's `error` of the model) per generation and seed of `run`: (generations, seeds)."""
    history = run(model, regime, samples_per_generation, generations, seeds, seed, dimension, cap_generations)
    return history.metric(model_entry(model).error)


def relative_curves(histories: dict[str, History], metric: str) -> pd.DataFrame:
    """Per regime and generation, the mean of `metric` over seeds (`error`) and that divided by generation 1's
    (`relative`): columns generation, regime, relative, error."""
    return pd.concat([history.relative(metric, centre="mean").rename(columns={"value": "error"}).assign(regime=regime)
                      for regime, history in histories.items()],
                     ignore_index=True)[["generation", "regime", "relative", "error"]]


def regression_theory(samples_per_generation: int, dimension: int, generations: int) -> pd.DataFrame:
    """The theorem's mean error per generation under both regimes: columns generation, regime, error."""
    t = np.arange(1, generations + 1)
    return pd.concat([pd.DataFrame({"generation": t, "regime": regime, "error": formula(t, dimension,
                                                                                        samples_per_generation)})
                      for regime, formula in (("replace", theory.regression_error_replace),
                                              ("accumulate", theory.regression_error_accumulate))],
                     ignore_index=True)


def closed_form(model: str, samples_per_generation: int, dimension: int, generations: int) -> pd.DataFrame:
    """The theorem's curves where the model is the theorem's; an empty table otherwise."""
    if model == THEOREM_MODEL:
        return regression_theory(samples_per_generation, dimension, generations)
    return pd.DataFrame(columns=["generation", "regime", "error"])


# --- the live panel ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AccumulateSettings(Settings):
    """The live panel's settings; constructing one checks them, and refuses a run too large to answer at once."""

    model: str = setting(THEOREM_MODEL, "model", choices={entry.name: entry.label for entry in chapter_models()})
    samples_per_generation: int = setting(30, "samples per generation", steps=(5, 10, 20, 30, 50, 100, 200, 500))
    dimension: int = setting(10, "dimension d", low=1, high=40, when=("model", THEOREM_MODEL))
    generations: int = setting(30, "generations", low=1, high=100)
    seeds: int = setting(500, "seeds (runs)", steps=(10, 50, 100, 200, 500, 1_000, 2_000))  # text: one run
    seed: int = setting(0, "random seed", control="box")

    @property
    def entry(self) -> ModelEntry:
        return model_entry(self.model)

    @property
    def runs(self) -> int:
        """The runs made: `seeds`, or one for a model the chapter runs once."""
        return 1 if runs_once(self.entry) else self.seeds

    def check_budget(self) -> None:
        features = self.dimension if self.model == THEOREM_MODEL else 1
        work = self.seeds * self.samples_per_generation * self.generations * features
        if not runs_once(self.entry) and work > MAX_WORK:
            raise ValueError(f"That run would take {work:,} units of work; the panel allows {MAX_WORK:,} so that it "
                             "answers at once. Lower the seeds, the generations or the samples per generation.")
        if self.model == THEOREM_MODEL and self.samples_per_generation < self.dimension + 2:
            raise ValueError(f"Linear regression needs at least d + 2 = {self.dimension + 2} samples per generation "
                             f"for its error to have a finite mean; got {self.samples_per_generation}.")


@dataclass(frozen=True)
class LiveTables:
    """What the live chart draws for one setting."""

    curves: pd.DataFrame  # generation, regime, relative, error: the mean error under each regime
    theory: pd.DataFrame  # generation, regime, error: the closed forms (empty but for regression)
    runs: int  # the runs each curve is the mean of


def live_tables(settings: AccumulateSettings) -> LiveTables:
    histories = {regime: run(settings.model, regime, settings.samples_per_generation, settings.generations,
                             settings.runs, settings.seed, settings.dimension) for regime in REGIMES}
    return LiveTables(relative_curves(histories, settings.entry.error),
                      closed_form(settings.model, settings.samples_per_generation, settings.dimension,
                                  settings.generations), settings.runs)


# --- the static chart: every combination of its controls, simulated when the book is built --------------------
def static_models() -> tuple[ModelEntry, ...]:
    """The models the static chart offers: those whose error the fitted parameters give (fast, many seeds)."""
    return entries(with_true_error=True)


@dataclass(frozen=True)
class StaticGrid:
    """What the static chart offers; the browser filters the grid, so every combination is computed."""

    samples: tuple[int, ...] = tuple(range(30, 101, 10))  # samples per generation on its slider
    dimensions: tuple[int, ...] = (5, 10, 15, 20)  # the regression's d on its slider
    generations: int = 30
    seeds: int = 400  # runs per setting
    seed: int = 0


STATIC = StaticGrid()


def static_grid(grid: StaticGrid = STATIC) -> pd.DataFrame:
    """Mean error under both regimes, and its closed form where there is one, for every model, samples per
    generation and (regression) dimension the static chart offers. Models without a dimension have dimension 0."""
    frames = []
    for samples in grid.samples:
        for entry in static_models():
            for dimension in grid.dimensions if entry.name == THEOREM_MODEL else (0,):
                histories = {regime: run(entry.name, regime, samples, grid.generations, grid.seeds, grid.seed,
                                         dimension) for regime in REGIMES}
                closed = closed_form(entry.name, samples, dimension, grid.generations).rename(
                    columns={"error": "closed_form"})
                frames.append(relative_curves(histories, entry.error).merge(closed, on=["generation", "regime"],
                                                                            how="left")
                              .assign(model=entry.name, samples=samples, dimension=dimension))
    table = pd.concat(frames, ignore_index=True)
    for column in ("relative", "error", "closed_form"):  # three significant figures: a lighter page
        table[column] = table[column].map(lambda v: float(f"{v:.3g}") if np.isfinite(v) else None)
    return table


# --- every model of the book, both ways -------------------------------------------------------------------------
@dataclass(frozen=True)
class EveryModel:
    """The runs of the every-model chart: each live model at its chapter's default size (in samples; passages for
    text), the others from their stored runs."""

    sizes: tuple[tuple[str, int], ...] = (("gaussian", 10), ("regression", 30), ("markov", 400), ("categorical", 100))
    generations: int = 15
    seeds: int = 2_000  # runs of each model that is not run once
    dimension: int = 10  # the regression's d
    seed: int = 0

    def size(self, entry: ModelEntry) -> int:
        """The model's size; a model added to the registry since runs at the live panel's default."""
        return dict(self.sizes).get(entry.name, AccumulateSettings().samples_per_generation)


EVERY_MODEL = EveryModel()


def model_curves(entry: ModelEntry, grid: EveryModel = EVERY_MODEL) -> pd.DataFrame:
    """One model's error relative to generation 1 under both regimes: run here, or read from its stored runs."""
    if entry.live:
        seeds = 1 if runs_once(entry) else grid.seeds
        histories = {regime: run(entry.name, regime, grid.size(entry), grid.generations, seeds, grid.seed,
                                 grid.dimension) for regime in REGIMES}
    else:
        histories = {regime: entry.stored_history(regime) for regime in REGIMES}
    return relative_curves(histories, entry.error).assign(model=model_label(entry))


def every_model(grid: EveryModel = EVERY_MODEL) -> pd.DataFrame:
    """Every model of the registry under both regimes, as error relative to generation 1: columns generation,
    regime, relative, error, model (its label)."""
    return pd.concat([model_curves(entry, grid) for entry in MODELS.values()], ignore_index=True)
