"""Chapter "Beyond next-token loss": losses and diversity measured on the same runs, the experiments the chapter runs.

Every measure is summed up as the typical run's value (the median over seeds) divided by its generation-1 value, so
a loss and a count of surviving outcomes share one axis (`relative_table`); `reactions` says when each one has moved,
by two rules. The models and their measures are the registry's (collapse.models.registry, `entries(with_measures=
True)`): the live ones run here in seconds; the VAE's runs are the stored ones of the chapter "Mode collapse you can
see", read, never retrained. `MeasuringSettings` states the live panel's settings once; `STATIC` the chapter's
standard runs. widgets/measuring.py only draws.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pandas as pd

from collapse import make_regime, metrics
from collapse.history import History
from collapse.models.registry import DIVERSITY, LOSS, ModelEntry, entries, model_entry
from collapse.settings import Settings, setting

STANDARD_ERRORS = 5.0  # the noise rule: a change beyond this many standard errors of itself
RELATIVE_CHANGE = 0.1  # the size rule: a change of at least 10% of generation 1's value
NOISE_RULE, SIZE_RULE = "beyond noise", f"by {RELATIVE_CHANGE:.0%}"  # the reactions table's columns
TEXT_MODEL = "markov"  # the one model whose generations are counted in tokens (its size has a slider of its own)
# The Gaussian records its loss on its own samples only when built to score them (collapse.models.gaussian)
SETUP_OPTIONS = {"gaussian": {"scores_own_output": True}}
REGIME = "replace"  # every run here: the harshest regime, where collapse shows soonest


def measured_models() -> tuple[ModelEntry, ...]:
    """The registry's models that record losses and diversity measures, in its order."""
    return entries(with_measures=True)


def live_models() -> tuple[ModelEntry, ...]:
    """Those of them that run in a reader's kernel; the others have stored runs."""
    return entries(live=True, with_measures=True)


def model_label(entry: ModelEntry) -> str:
    return entry.label if entry.live else f"{entry.label} (stored runs)"


# --- the runs -----------------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def experiment(model: str, samples_per_generation: int, generations: int, seeds: int, seed: int = 0) -> History:
    """Every measure of a replace run of a live model, each (generations, seeds). `samples_per_generation` counts the
    model's unit: tokens for text (written as passages of 100), samples for the Gaussian, draws for the
    categorical. (The History is shared by later calls with the same arguments: read it, do not change it.)"""
    return model_entry(model).run(make_regime(REGIME), samples_per_generation, generations, seeds, seed,
                                  **SETUP_OPTIONS.get(model, {}))


@dataclass(frozen=True)
class StandardRun:
    samples_per_generation: int  # in the model's unit
    generations: int
    seeds: int


@dataclass(frozen=True)
class StaticGrid:
    """The chapter's standard runs, one per live model, computed when the book is built; a model with stored runs
    contributes those."""

    runs: dict[str, StandardRun] = field(default_factory=lambda: {
        TEXT_MODEL: StandardRun(20_000, 10, 8),
        "gaussian": StandardRun(100, 40, 1_000),
        "categorical": StandardRun(100, 40, 1_000)})
    seed: int = 0


STATIC = StaticGrid()


def standard_run(model: str, grid: StaticGrid = STATIC) -> History:
    """The chapter's run of one model: the grid's sizes for a live model, the stored runs under replace otherwise."""
    entry = model_entry(model)
    if not entry.live:
        return entry.stored_history(REGIME)
    if model not in grid.runs:
        raise ValueError(f"the chapter has no standard run of the {entry.label}: give its sizes in StaticGrid.runs.")
    sizes = grid.runs[model]
    return experiment(model, sizes.samples_per_generation, sizes.generations, sizes.seeds, grid.seed)


def standard_runs(grid: StaticGrid = STATIC, **known: History) -> dict[str, History]:
    """The chapter's runs, one per model with measures. A run the caller already made with the grid's settings can
    be passed in by model name (the chapter's text experiment), so it is not made twice."""
    return {entry.name: known[entry.name] if entry.name in known else standard_run(entry.name, grid)
            for entry in measured_models()}


# --- the tables ---------------------------------------------------------------------------------------------------
def relative_table(model: str, history: History) -> pd.DataFrame:
    """Per measure and generation, the median over seeds and that divided by generation 1's median: columns
    generation, metric (its label), kind (loss or diversity), value, relative."""
    frames = [history.relative(measure.name, centre="median").assign(metric=measure.label, kind=measure.kind)
              for measure in model_entry(model).measures]
    return pd.concat(frames, ignore_index=True)[["generation", "metric", "kind", "value", "relative"]]


def reactions(model: str, history: History) -> pd.DataFrame:
    """For each measure, the first generation at which the typical run has moved away from generation 1: by the
    noise rule (beyond STANDARD_ERRORS standard errors) and by the size rule (at least RELATIVE_CHANGE); None where
    it never does. "at the end": the last generation's median over the first's."""
    rows = []
    for measure in model_entry(model).measures:
        values = history.metric(measure.name)
        rows.append({"metric": measure.label, "kind": measure.kind,
                     NOISE_RULE: metrics.first_reaction(values, STANDARD_ERRORS),
                     SIZE_RULE: metrics.first_reaction(values, relative=RELATIVE_CHANGE),
                     "at the end": float(history.relative(measure.name, centre="median")["relative"].iloc[-1])})
    return pd.DataFrame(rows)


def static_grid(runs: dict[str, History]) -> pd.DataFrame:
    """Every model's relative table, with a model column: what the static chart filters."""
    return pd.concat([relative_table(model, history).assign(model=model) for model, history in runs.items()],
                     ignore_index=True)


# --- the live panel -----------------------------------------------------------------------------------------------
MAX_TOKENS_WRITTEN = 1_000_000  # tokens x generations x seeds: about two seconds of n-gram writing and fitting
MAX_DRAWS = 5_000_000  # samples x generations x seeds for the numpy models: a tenth of a second
SHOWN = {"all": (LOSS, DIVERSITY), "losses": (LOSS,), "diversity": (DIVERSITY,)}  # which kinds of measure to draw


@dataclass(frozen=True)
class MeasuringSettings(Settings):
    """The live panel's settings; constructing one checks them, and refuses a run too large to answer at once."""

    model: str = setting(TEXT_MODEL, "model", choices={entry.name: model_label(entry) for entry in live_models()})
    tokens_per_generation: int = setting(5_000, "tokens per generation", steps=(2_000, 5_000, 10_000, 20_000, 50_000),
                                         when=("model", TEXT_MODEL))
    # every other model's size (samples, draws); the panel shows it for every model but the text one
    samples_per_generation: int = setting(100, "samples per generation", steps=(10, 20, 50, 100, 200, 500, 1_000))
    generations: int = setting(10, "generations", low=2, high=100)
    # at least 2: the noise rule needs the spread across seeds
    seeds: int = setting(4, "seeds (runs)", steps=(2, 4, 8, 16, 50, 100, 200, 500, 1_000))
    shown: str = setting("all", "show", choices={name: name for name in SHOWN}, control="buttons")
    seed: int = setting(0, "random seed", control="box")

    def __post_init__(self):
        stored = [entry for entry in measured_models() if not entry.live and entry.name == self.model]
        if stored:  # a known model, so say why it is not offered rather than that it is unknown
            raise ValueError(f"The live panel runs {', '.join(entry.name for entry in live_models())}; the runs "
                             f"of the {stored[0].label} are stored (see the chart above).")
        super().__post_init__()

    @property
    def size(self) -> int:
        """The sample size per generation, in the chosen model's unit."""
        return self.tokens_per_generation if self.model == TEXT_MODEL else self.samples_per_generation

    def check_budget(self) -> None:
        work = self.size * self.generations * self.seeds
        limit = MAX_TOKENS_WRITTEN if self.model == TEXT_MODEL else MAX_DRAWS
        if work > limit:
            raise ValueError(f"That run would make {work:,} {model_entry(self.model).unit} in all; the panel allows "
                             f"{limit:,} so that it answers quickly. Lower the seeds, the generations or the sample "
                             "size.")


def run(settings: MeasuringSettings) -> History:
    """The live panel's run: its settings, already checked against the panel's ranges and budget."""
    return experiment(settings.model, settings.size, settings.generations, settings.seeds, settings.seed)


def live_relative(settings: MeasuringSettings) -> pd.DataFrame:
    """The live chart's table: the relative table of the chosen kinds of measure."""
    table = relative_table(settings.model, run(settings))
    return table[table.kind.isin(SHOWN[settings.shown])]


def live_reactions(settings: MeasuringSettings) -> pd.DataFrame:
    """The table under the live chart: when each measure of the run reacts, by both rules."""
    return reactions(settings.model, run(settings))
