"""A human-AI feedback loop: the "real" data are written by people who partly copy what the models wrote.

The remedies "keep the data fresh" and "accumulate the real data" assume that whatever people write stays human. Here
it does not. With an adoption rate a, a share a of people write like the latest model and keep doing so, so the
distribution of human writing moves:

    H_1 = the true distribution,   H_{t+1} = (1 - a) H_t + a M_t,

where M_t is the model of generation t. Unrolled, H_t = (1 - a)^(t-1) H_1 + sum_{k<t} a (1 - a)^(t-1-k) M_k: a row of
H_t copies model t - J, where J ~ Geometric(a) counts the generations back to the one it copied, or is an original
human row if that reaches before model 1. `FeedbackSource` draws rows exactly so, from the true source and from the
stored models of past generations.

Each generation trains on a remedy's choice of data (see REMEDIES): a fresh crawl of human writing (the reply's
remedy), every human-written block gathered so far, or those plus every model's own output (Gerstgrasser et al.
2024, arXiv:2404.01413, with fresh human data added each generation).

The chapter "Reality is a moving target" runs it with the models of FEEDBACK_MODELS (from the registry, at the sizes
the chapter uses): `FeedbackSettings` states every setting of its live panel once; `live_tables` gives the tables
the live chart draws; `static_grid` computes, at build time, every setting the static chart offers.
widgets/feedback.py only draws them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

import numpy as np
import pandas as pd

from collapse import theory
from collapse._checks import check_bool, check_choice, check_fraction, check_interface
from collapse.history import History
from collapse.loop import simulate
from collapse.models.base import RealData
from collapse.models.registry import TEXT_ORDER, ModelEntry, model_entry
from collapse.regimes import FreshMix, Pool, Regime
from collapse.settings import Settings, setting


@dataclass
class FeedbackSource(RealData):
    """Human writing that drifts towards the models: draws from H_t, where t - 1 is the number of models seen so far.

    Pass `observe` to `simulate`: it stores each generation's fitted model, so that later draws can copy it. Held-out
    data always come from the true source: distances are measured from the ORIGINAL human distribution.
    """

    true_source: object  # the real world before any model existed (GaussianSource, TextSource, ...)
    model: object  # the model whose fits people copy; its `sample` writes the copied rows
    adoption: float  # a: the share of the human distribution that moves to the latest model each generation
    fitted: list = field(default_factory=list, init=False)  # params of models 1, 2, ... in order
    model_shares: list = field(default_factory=list, init=False)  # per draw, the share of rows copied, (seeds,)

    def __post_init__(self):
        check_interface("true_source", self.true_source, "real data")
        check_interface("model", self.model, "model")
        self.adoption = check_fraction("adoption", self.adoption,
                                       why="the share of human writing that moves to the latest model each generation")

    @property
    def values_per_row(self) -> int:
        return self.true_source.values_per_row

    def observe(self, generation: int, params, output) -> None:
        if generation != len(self.fitted) + 1:
            raise ValueError(f"models must be observed in order: expected generation {len(self.fitted) + 1}, "
                             f"got {generation}; build a new FeedbackSource for each run.")
        self.fitted.append(params)

    def origins(self, seeds: int, rows: int, rng: np.random.Generator) -> np.ndarray:
        """Which distribution each row copies: 0 for the true one, k for model k. Shape (seeds, rows)."""
        models = len(self.fitted)
        if models == 0 or self.adoption == 0:
            return np.zeros((seeds, rows), dtype=np.intp)
        back = rng.geometric(self.adoption, size=(seeds, rows))  # generations back to the model copied, >= 1
        return np.where(back <= models, models + 1 - back, 0).astype(np.intp)

    def draw(self, seeds: int, rows: int, rng: np.random.Generator) -> np.ndarray:
        """`rows` rows per seed from H_t: each origin writes its rows in one call, for every seed at once."""
        origin = self.origins(seeds, rows, rng)
        origins = len(self.fitted) + 1
        # rows each seed takes from each origin, (seeds, origins)
        counts = np.bincount((origin + origins * np.arange(seeds)[:, None]).ravel(),
                             minlength=seeds * origins).reshape(seeds, origins)
        most = counts.max(axis=0)
        blocks = [(self.true_source.draw(seeds, int(size), rng) if source == 0
                   else self.model.sample(self.fitted[source - 1], int(size), rng))
                  for source, size in enumerate(most) if size]
        written = np.concatenate(blocks, axis=1)  # (seeds, most.sum(), *event_shape): origin by origin
        # the i-th row of a seed that copies an origin takes that seed's i-th row of the origin's block
        order = np.argsort(origin, axis=1, kind="stable")
        first = np.cumsum(counts, axis=1) - counts  # where each origin's rows begin in a seed's sorted rows
        rank = np.empty_like(origin)
        np.put_along_axis(rank, order, np.arange(rows) - np.take_along_axis(first, np.take_along_axis(
            origin, order, axis=1), axis=1), axis=1)
        offset = np.cumsum(most) - most  # where each origin's block begins in `written`
        self.model_shares.append((origin > 0).mean(axis=1))
        return written[np.arange(seeds)[:, None], offset[origin] + rank]

    def heldout(self, rows: int, rng: np.random.Generator) -> np.ndarray:
        return self.true_source.heldout(rows, rng)


class AccumulateHuman(Regime):
    """Each generation gathers a fresh block of human writing, n rows from H_{t+1}, and trains on every human block
    so far; with `with_synthetic`, on every model's own output too (the pool of `simulate`).

    The running total of the fresh blocks is kept per pool, so one regime object can serve several runs.
    """

    def __init__(self, with_synthetic: bool):
        self.with_synthetic = check_bool("with_synthetic", with_synthetic)
        self.name = "accumulate-everything" if self.with_synthetic else "accumulate-human"
        self._fresh_total = WeakKeyDictionary()  # pool -> summary of the human blocks after the first

    def training_set(self, pool: Pool, real, samples_per_generation: int, rng: np.random.Generator) -> list:
        if not pool.model.additive_summaries:
            raise ValueError(f"{self.name} needs a model whose summaries add up (additive_summaries); "
                             f"{pool.model.name} has none.")
        fresh = pool.model.summarise(real.draw(pool.latest_rows.shape[0], samples_per_generation, rng))
        total = self._fresh_total.get(pool)
        total = fresh if total is None else pool.model.combine([total, fresh])
        self._fresh_total[pool] = total
        first_human_block = pool.summaries[0]
        return [*pool.everything(), total] if self.with_synthetic else [first_human_block, total]


REMEDIES = {
    "fresh-crawl": "each generation trains on a fresh crawl of n human-written rows",
    "accumulate-human": "each generation adds n human-written rows and trains on all of them",
    "accumulate-everything": "as accumulate-human, plus every model's own output (Gerstgrasser et al.)",
}


def make_remedy(name: str):
    check_choice("remedy", name, list(REMEDIES))
    if name == "fresh-crawl":
        return FreshMix(real_share=1.0)
    return AccumulateHuman(with_synthetic=name == "accumulate-everything")


def run_feedback(model, true_source, *, adoption: float, remedy: str, generations: int, samples_per_generation: int,
                 seeds: int = 1, seed: int = 0, heldout_rows: int = 1_000) -> History:
    """Run the loop with human writing that drifts towards the models; returns the History of `simulate` plus
    two metrics per generation t and seed:

    - "fresh_model_share": the share of the human block drawn for generation t (from H_t) that copies a model;
    - "human_pool_model_share": the same share over every human block gathered up to generation t.
    """
    world = FeedbackSource(true_source, model, adoption)
    history = simulate(model, world, make_remedy(remedy), generations=generations,
                       samples_per_generation=samples_per_generation, seeds=seeds, seed=seed,
                       heldout_rows=heldout_rows, observe=world.observe)
    shares = np.array(world.model_shares[:generations])  # draw t - 1 is the block of generation t (equal sizes)
    pooled = np.cumsum(shares, axis=0) / np.arange(1, generations + 1)[:, None]
    for generation in range(1, generations + 1):
        history.record(generation, {"fresh_model_share": shares[generation - 1],
                                    "human_pool_model_share": pooled[generation - 1]})
    return history


# --- the chapter "Reality is a moving target": its settings, runs and tables ------------------------------------
@dataclass(frozen=True)
class FeedbackModel:
    """A model of the registry (collapse.models.registry) as this chapter runs it in a copying world."""

    name: str  # the registry's name
    size: int  # fresh human writing per generation, in the registry entry's unit (samples, tokens)
    detail: str  # what the menu adds to the registry's label
    distance_label: str  # the live chart's axis title for the entry's error, the distance from the original
    heldout_rows: int  # real rows the models are scored on (the Gaussian's KL needs none beyond the one drawn)
    one_seed: bool  # a panel run is one seeded run, whatever the seeds say (text: about 0.05 s a generation)
    max_live_generations: int | None = None  # a panel run stops there (None: at the settings' generations)

    @property
    def entry(self) -> ModelEntry:
        return model_entry(self.name)

    @property
    def label(self) -> str:
        return f"{self.entry.label}, {self.detail}"


GAUSSIAN_SAMPLES = 10  # rows per generation: the Gaussian of the earlier chapters
MARKOV_TOKENS = 10_000  # tokens of fresh human writing per generation
FEEDBACK_MODELS = {world.name: world for world in (
    FeedbackModel("gaussian", GAUSSIAN_SAMPLES, f"n = {GAUSSIAN_SAMPLES}", "KL from the original (nats)",
                  heldout_rows=1, one_seed=False),
    FeedbackModel("markov", MARKOV_TOKENS, f"order {TEXT_ORDER}", "bits/token, original plays", heldout_rows=200,
                  one_seed=True, max_live_generations=15),
)}
REMEDY_LABELS = {"fresh-crawl": "fresh crawl each generation", "accumulate-human": "accumulate human-written data",
                 "accumulate-everything": "accumulate everything, model output too"}
MAX_RUN_WORK = 200_000  # seeds x generations a panel run may take (each run is done twice: a and a = 0)
CLEAN, ADOPTING = "clean world (a = 0)", "people copy the models"
SHARE_SERIES = ["latest fresh block", "all human data so far"]


@dataclass(frozen=True)
class FeedbackSettings(Settings):
    """The live panel's settings; constructing one checks them, and refuses a run too large to answer at once."""

    model: str = setting("gaussian", "model", choices={name: world.label for name, world in FEEDBACK_MODELS.items()})
    adoption: float = setting(0.3, "adoption rate a", low=0.0, high=1.0, step=0.05)
    remedy: str = setting("accumulate-human", "remedy", choices=REMEDY_LABELS)
    generations: int = setting(100, "generations", low=2, high=200)
    # the runs whose median is drawn; the text model runs one seed, so only the Gaussian shows this
    seeds: int = setting(100, "seeds (runs)", steps=(50, 100, 200, 500, 1_000, 2_000), when=("model", "gaussian"))
    seed: int = setting(0, "random seed", control="box")

    @property
    def world(self) -> FeedbackModel:
        return FEEDBACK_MODELS[self.model]

    def check_budget(self) -> None:
        if not self.world.one_seed and self.seeds * self.generations > MAX_RUN_WORK:
            raise ValueError(f"That run is too large for the panel ({self.seeds:,} seeds × {self.generations:,} "
                             f"generations; it allows {MAX_RUN_WORK:,}). Lower the seeds or the generations.")

    def live_size(self) -> tuple[int, int]:
        """The generations and seeds a panel run takes: one seed, and at most `max_live_generations`, for a model
        too slow for more."""
        world = self.world
        generations = min(self.generations, world.max_live_generations or self.generations)
        return generations, 1 if world.one_seed else self.seeds


@functools.lru_cache(maxsize=32)  # the clean reference run is the same whatever the adoption slider says
def experiment(model: str, adoption: float, remedy: str, generations: int, seeds: int, seed: int) -> History:
    """One feedback run of a FEEDBACK_MODELS model: `seeds` runs with its size of fresh human writing per
    generation, scored on its held-out rows."""
    world = FEEDBACK_MODELS[check_choice("model", model, tuple(FEEDBACK_MODELS))]
    built = world.entry.setup(world.size, seeds, seed)
    return run_feedback(built.model, built.real, adoption=adoption, remedy=remedy, generations=generations,
                        samples_per_generation=built.samples_per_generation, seeds=seeds, seed=seed,
                        heldout_rows=world.heldout_rows)


def distance_curves(model: str, adoption: float, remedy: str, generations: int, seeds: int, seed: int
                    ) -> pd.DataFrame:
    """Median distance from the original human data per generation, with adoption a and in the clean world:
    columns generation, world, distance."""
    error = FEEDBACK_MODELS[model].entry.error
    frames = [experiment(model, rate, remedy, generations, seeds, seed).relative(error, "median").assign(world=world)
              for world, rate in ((CLEAN, 0.0), (ADOPTING, adoption))]
    return pd.concat(frames, ignore_index=True).rename(columns={"value": "distance"})[
        ["generation", "world", "distance"]]


def share_curves(history: History, adoption: float) -> pd.DataFrame:
    """Mean share of copied rows in the latest human block and in all human data so far, with the closed forms:
    columns generation, series, simulated, closed_form."""
    t = history.generation_numbers()
    frames = []
    for series, metric, closed in (
            (SHARE_SERIES[0], "fresh_model_share", theory.feedback_fresh_share(t, adoption)),
            (SHARE_SERIES[1], "human_pool_model_share", theory.feedback_pool_share(t, adoption))):
        frames.append(pd.DataFrame({"generation": t, "series": series, "simulated": history.metric(metric).mean(axis=1),
                                    "closed_form": closed}))
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class LiveTables:
    """What the live chart draws for one setting, and the numbers its titles state."""

    distance: pd.DataFrame  # generation, world, distance: `distance_curves`
    shares: pd.DataFrame  # generation, series, simulated, closed_form: `share_curves`
    generations: int  # the generations run (a slow model's panel run stops early)
    adopting_last: float  # the median distance at the last generation, people copying
    clean_last: float  # the same in the clean world


def live_tables(settings: FeedbackSettings) -> LiveTables:
    generations, seeds = settings.live_size()
    size = (settings.model, settings.adoption, settings.remedy, generations)
    distance = distance_curves(*size, seeds, settings.seed)
    shares = share_curves(experiment(*size, seeds, settings.seed), settings.adoption)
    last = distance[distance.generation == generations].set_index("world")["distance"]
    return LiveTables(distance, shares, generations, float(last[ADOPTING]), float(last[CLEAN]))


# --- the static chart: every (model, remedy, adoption) when the book is built; the browser filters ---------------
@dataclass(frozen=True)
class StaticRuns:
    model: str  # a FEEDBACK_MODELS name
    generations: int
    seeds: int  # runs per setting, of which the chart draws the median


@dataclass(frozen=True)
class StaticGrid:
    """What the static chart offers; the browser filters the grid, so every combination is computed."""

    adoptions: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)  # on its adoption slider
    runs: tuple[StaticRuns, ...] = (StaticRuns("gaussian", 100, 400), StaticRuns("markov", 8, 1))
    seed: int = 0

    def runs_of(self, model: str) -> StaticRuns:
        return next(runs for runs in self.runs if runs.model == model)


STATIC = StaticGrid()


def static_grid(grid: StaticGrid = STATIC) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Distances (generation, distance, model, remedy, adoption) for every model, remedy and adoption rate; and the
    copied shares (`share_curves`' columns and adoption) for every adoption rate, which depend on neither model nor
    remedy (they are taken from the first model's fresh crawl)."""
    distances, shares = [], []
    for runs in grid.runs:
        error = FEEDBACK_MODELS[runs.model].entry.error
        for remedy in REMEDIES:
            for adoption in grid.adoptions:
                history = experiment(runs.model, adoption, remedy, runs.generations, runs.seeds, grid.seed)
                distances.append(history.relative(error, "median")[["generation", "value"]].rename(
                    columns={"value": "distance"}).assign(model=runs.model, remedy=remedy, adoption=adoption))
                if runs is grid.runs[0] and remedy == "fresh-crawl":
                    shares.append(share_curves(history, adoption).assign(adoption=adoption))
    return pd.concat(distances, ignore_index=True), pd.concat(shares, ignore_index=True)


def distance_at(grid: pd.DataFrame, model: str, remedy: str, generation: int) -> pd.Series:
    """From `static_grid`'s distances: the median distance at `generation` for each adoption rate."""
    chosen = grid[(grid.model == model) & (grid.remedy == remedy) & (grid.generation == generation)]
    return chosen.set_index("adoption")["distance"]
