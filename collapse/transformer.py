"""Chapter "A tiny transformer": a GPT retrained on its own writing, the experiments the chapter runs, its stored
results and their check.

Generation 1 is a GPT (`collapse.models.transformer`) trained from scratch on 200,000 characters of the plays
(`collapse.chars`); it writes 200,000 characters, and the regime decides what generation 2 trains on, and so on.
Every generation is judged on the same held-out plays, in bits per character, and by what it wrote: how many
different words, how many of them real, how many different runs of four characters.

The budget rule decides how many Adam steps a generation takes. "epochs" (the stored runs) follows Gerstgrasser et
al. (2024, arXiv:2404.01413), who trained every model for a fixed number of epochs: accumulate's training set grows
by a generation each generation, and so do its steps. "equal-steps" gives every generation the steps of one
generation's worth of text, so accumulate sees each passage less often the longer the chain runs. The two rules
separate two effects that accumulate mixes: keeping the real text, and spending more compute on a larger pool.

Training takes minutes, so the results are precomputed into data/transformer_results.json by

    python -m collapse.transformer precompute      # 22 minutes on two shared cores (2026-12)

and tests/test_engine_transformer.py re-runs a cheap check setting stored beside them (see collapse.stored). The
chapter reads them through `stored_history`, `stored_frame` and `stored_run_of_seed`; `TransformerPanelSettings` states
the live panel's settings once, with the budget that keeps its runs within a minute. widgets/transformer.py only
draws.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from collapse import make_regime, simulate
from collapse._checks import check_choice, check_instance, check_int
from collapse.chars import CharSource, decode, writing_measures
from collapse.history import History
from collapse.models.transformer import GPTConfig, GPTModel
from collapse.regimes import REGIME_LABELS
from collapse.settings import Settings, setting
from collapse.stored import precompute_command, processor_fingerprint

RESULTS = Path(__file__).resolve().parents[1] / "data" / "transformer_results.json"
PRECOMPUTE_COMMAND = "python -m collapse.transformer precompute"
BUDGETS = ("epochs", "equal-steps")
REGIMES = ("replace", "accumulate", "accumulate-subsample")
NATS_TO_BITS = 1 / math.log(2)
STORED_DECIMALS = 4  # measures are stored rounded to this many decimals (the check re-run is rounded the same way)
PARALLEL_RUNS = 2  # regimes trained at once by the precompute: one per core of the book's 2-core reference machine


@dataclass(frozen=True)
class TransformerSettings:
    characters_per_generation: int = 200_000  # the real sample's size, and what each generation writes
    generations: int = 4  # models in each chain, the first trained on real text
    seeds: int = 3  # independent chains per regime
    budget: str = "epochs"  # "epochs": steps grow with the training set; "equal-steps": one generation's steps each
    regimes: tuple[str, ...] = REGIMES  # what the precompute runs
    subsample_generations: int = 1  # accumulate-subsample's cap, in generations' worth of passages
    heldout_rows: int = 4_000  # held-out passages every model is scored on (of about 10,300 in the held-out plays)
    shown_passages: int = 12  # passages of seed 0 kept to show what a generation wrote
    config: GPTConfig = field(default_factory=GPTConfig)  # the network and its training; config.epochs sets steps

    def __post_init__(self):
        check_instance("config", self.config, GPTConfig, "a GPTConfig, such as GPTConfig(d_model=64)")
        check_int("characters_per_generation", self.characters_per_generation, self.config.context,
                  why=f"at least one passage of {self.config.context} characters")
        check_int("generations", self.generations, 1, 1_000)
        check_int("seeds", self.seeds, 1, 1_000)
        check_choice("budget", self.budget, BUDGETS)
        for regime in self.regimes:
            check_choice("regimes", regime, REGIMES)
        check_int("subsample_generations", self.subsample_generations, 1)
        check_int("heldout_rows", self.heldout_rows, 1)
        check_int("shown_passages", self.shown_passages, 1, self.passages_per_generation,
                  why="passages a generation writes")

    @property
    def passages_per_generation(self) -> int:
        """Rows of the loop: passages of `config.context` characters, as many as fill a generation's characters."""
        return self.characters_per_generation // self.config.context

    def model(self, on_step: Callable[[int, int], None] | None = None) -> GPTModel:
        """The GPT of every generation, under this budget rule; `on_step` as GPTModel's (it changes no number)."""
        epoch_rows = self.passages_per_generation if self.budget == "equal-steps" else None
        return GPTModel(self.config, epoch_rows=epoch_rows, output_measures=writing_measures, on_step=on_step)

    def training_rows(self, regime: str, generation: int) -> int:
        """The passages generation `generation` (from 1) trains on under `regime`: one generation's under replace,
        all of them so far under accumulate, the capped draw under accumulate-subsample."""
        check_choice("regime", regime, REGIMES)
        blocks = {"replace": 1, "accumulate": generation,
                  "accumulate-subsample": min(generation, self.subsample_generations)}[regime]
        return blocks * self.passages_per_generation

    def planned_steps(self, regime: str) -> int:
        """Adam steps a run under `regime` takes, over every generation and seed: what a progress bar counts."""
        model = self.model()
        return self.seeds * sum(model.steps_for(self.training_rows(regime, generation))
                                for generation in range(1, self.generations + 1))

    def to_dict(self) -> dict:
        return {**dataclasses.asdict(self), "regimes": list(self.regimes),
                "passages_per_generation": self.passages_per_generation}


STORED = TransformerSettings()
# The cheap setting stored beside the results and re-run by the tests: a smaller network on less text, a few
# seconds in all. Its models barely leave the unigram plateau; it checks that the code still computes what it
# computed, not the effect.
CHECK = TransformerSettings(characters_per_generation=16_000, generations=2, seeds=4, regimes=("replace",),
                            heldout_rows=500, shown_passages=2,
                            config=GPTConfig(context=16, d_model=32, heads=2, blocks=1, epochs=2, warmup_steps=10))
CHECK_SEED = 3


@dataclass(frozen=True)
class TransformerRun:
    measures: dict[str, np.ndarray]  # name -> (generations, seeds), in the stored units (`stored_measures`)
    passages: dict[int, list[str]]  # generation -> the first passages seed 0 wrote; generation 0 is real text


def stored_measures(history: History) -> dict[str, np.ndarray]:
    """The loop's record in the units the book shows: losses in bits per character, the rest as recorded.

    heldout_bits_per_char: cross-entropy on the held-out plays; train_bits_per_char: on the last training batches;
    self_bits_per_char: on the model's own writing; steps: Adam steps of the fit; and `collapse.chars`'s
    writing measures (distinct_words, distinct_real_words, real_word_share, distinct_4grams)."""
    renamed = {"heldout_loss": "heldout_bits_per_char", "train_loss": "train_bits_per_char",
               "self_loss": "self_bits_per_char"}
    return {renamed.get(name, name): values * NATS_TO_BITS if name in renamed else values
            for name, values in history.metrics.items()}


def experiment(settings: TransformerSettings, regime: str, seed: int = 0,
               progress: Callable[[int], None] | None = None,
               step_progress: Callable[[int], None] | None = None) -> TransformerRun:
    """`settings.seeds` chains of `settings.generations` GPTs under `regime`, through `collapse.simulate`.

    `progress(generation)` is called as each generation finishes (all its seeds); `step_progress(done)` after every
    Adam step, with the steps done so far in the whole run (of `settings.planned_steps(regime)`)."""
    check_instance("settings", settings, TransformerSettings, "a TransformerSettings")
    check_choice("regime", regime, REGIMES)
    seed = check_int("seed", seed, 0)
    finished_steps = [0]  # the steps of the generations already trained

    def stepped(done: int, fit_steps: int) -> None:
        step_progress(finished_steps[0] + done)
        if done == fit_steps:
            finished_steps[0] += fit_steps

    rows = settings.passages_per_generation
    source = CharSource(settings.config.context)
    shown = settings.shown_passages
    passages = {0: [decode(row) for row in source.draw(1, shown, np.random.default_rng(seed))[0]]}

    def keep(generation, params, output):
        passages[generation] = [decode(row) for row in output[0, :shown]]
        if progress:
            progress(generation)

    history = simulate(settings.model(stepped if step_progress else None), source, make_regime(regime, cap=settings.subsample_generations * rows),
                       generations=settings.generations, samples_per_generation=rows, seeds=settings.seeds,
                       seed=seed, heldout_rows=settings.heldout_rows, observe=keep)
    return TransformerRun(stored_measures(history), passages)


def real_measures(settings: TransformerSettings, seed: int = 0) -> dict[str, float]:
    """The writing measures of real text, as much of it as a generation writes: the reference for every chart."""
    real = CharSource(settings.config.context).draw(1, settings.passages_per_generation, np.random.default_rng(seed))
    return {name: float(values[0]) for name, values in writing_measures(real).items()}


def rounded(measures: dict[str, np.ndarray]) -> dict[str, list]:
    return {name: np.round(values, STORED_DECIMALS).tolist() for name, values in measures.items()}


def rerun_checks() -> dict[str, np.ndarray]:
    """The cheap check run, run now, rounded as stored: measure -> (generations, seeds)."""
    run = experiment(CHECK, CHECK.regimes[0], CHECK_SEED)
    return {name: np.round(values, STORED_DECIMALS) for name, values in run.measures.items()}


def stored_run(regime: str) -> dict:
    """One regime at the stored setting, as stored: its measures, and the passages of generation 1, the middle one
    and the last."""
    start = time.perf_counter()

    def report(generation):
        print(f"  {regime:21} generation {generation}/{STORED.generations} after "
              f"{time.perf_counter() - start:5.0f} s", file=sys.stderr, flush=True)

    run = experiment(STORED, regime, progress=report)
    shown = sorted({0, 1, (STORED.generations + 1) // 2, STORED.generations})
    return {"measures": rounded(run.measures), "passages": {str(g): run.passages[g] for g in shown},
            "seconds": round(time.perf_counter() - start, 1)}


def precompute(path: Path = RESULTS) -> dict:
    """Run every stored regime (PARALLEL_RUNS at a time, in separate processes) and the check; write `path`."""
    # spawn: fresh interpreters, so no torch state is shared with (or forked from) this one
    with ProcessPoolExecutor(PARALLEL_RUNS, mp_context=multiprocessing.get_context("spawn")) as pool:
        # the longest first: accumulate's steps grow every generation under the epochs rule
        order = sorted(STORED.regimes, key=lambda regime: regime != "accumulate")
        futures = {regime: pool.submit(stored_run, regime) for regime in order}
        runs = {regime: futures[regime].result() for regime in STORED.regimes}
    results = {"settings": {"stored": STORED.to_dict(), "check": CHECK.to_dict(), "check_seed": CHECK_SEED},
               "made_on": processor_fingerprint(), "real": real_measures(STORED), "runs": runs,
               "check": {name: values.tolist() for name, values in rerun_checks().items()}}
    path.write_text(json.dumps(results, separators=(",", ":")) + "\n")
    return results


def settings_record() -> dict:
    """What the stored file must record for its numbers to be this code's (the tests compare the two)."""
    return json.loads(json.dumps({"stored": STORED.to_dict(), "check": CHECK.to_dict(), "check_seed": CHECK_SEED}))


class StoredResultsMissing(FileNotFoundError):
    """data/transformer_results.json is missing; the message names the command that makes it."""


@functools.cache
def load_results(path: Path = RESULTS) -> dict:
    if not path.exists():
        raise StoredResultsMissing(f"No stored transformer results at {path}. Make them (about 20 minutes on two cores) with: "
                                   f"{PRECOMPUTE_COMMAND}")
    return json.loads(path.read_text())



# --- the stored runs, as the chapter reads them ---------------------------------------------------------------------
# The measures the chapter's charts offer, in their order, and how they are named there. The writing measures also
# have a value for real text (generation 0), a passage count's worth of the plays.
MEASURES = {
    "heldout_bits_per_char": "held-out bits per character",
    "self_bits_per_char": "bits per character on its own writing",
    "real_word_share": "share of its words that are real",
    "distinct_real_words": "distinct real words",
    "distinct_words": "distinct words, real or invented",
    "distinct_4grams": "distinct character 4-grams",
}
WRITING_MEASURES = ("real_word_share", "distinct_real_words", "distinct_words", "distinct_4grams")


def stored_regime(regime: str) -> dict:
    """One stored regime as stored: "measures" (name -> (generations, seeds)), "passages", "seconds". A regime that
    was not stored is refused by name."""
    return load_results()["runs"][check_choice("regime", regime, STORED.regimes)]


def stored_history(regime: str) -> History:
    """The stored runs of one regime, every measure (generations, seeds) in the stored units: nothing is trained."""
    return History.from_metrics(regime, stored_regime(regime)["measures"])


def stored_real() -> dict[str, float]:
    """The writing measures of real text, as stored beside the runs (as much text as a generation writes)."""
    return load_results()["real"]


def stored_run_of_seed(regime: str, seed: int = 0) -> TransformerRun:
    """One stored chain (measures (generations, 1)), with the passages seed 0 wrote: what a live run returns."""
    history = stored_history(regime)
    seed = check_int("seed", seed, 0, history.seeds - 1, why=f"the stored runs have {history.seeds} seeds")
    passages = {int(generation): rows for generation, rows in stored_regime(regime)["passages"].items()}
    return TransformerRun({name: values[:, seed : seed + 1] for name, values in history.metrics.items()}, passages)


def measure_frame(measures: dict[str, np.ndarray], real: dict[str, float], regime: str) -> pd.DataFrame:
    """One row per (generation, seed, measure) of the chart's MEASURES: columns regime, generation, seed, measure,
    value. Generation 0 holds real text's value of each writing measure (a loss needs a model: it has none)."""
    frames = []
    for name in MEASURES:
        values = np.asarray(measures[name], dtype=float)  # (generations, seeds)
        generations, seeds = values.shape
        first = 0 if name in WRITING_MEASURES else 1
        if first == 0:
            values = np.vstack([np.full((1, seeds), real[name]), values])
        frames.append(pd.DataFrame({"regime": regime, "generation": np.repeat(np.arange(first, generations + 1), seeds),
                                    "seed": np.tile(np.arange(seeds), len(values)), "measure": name,
                                    "value": values.ravel()}))
    return pd.concat(frames, ignore_index=True)


def stored_frame() -> pd.DataFrame:
    """Every stored regime's measures, one row per (regime, generation, seed, measure): the static chart's data."""
    return pd.concat([measure_frame(stored_history(regime).metrics, stored_real(), regime)
                      for regime in STORED.regimes], ignore_index=True)


def mean_measure(regime: str, name: str) -> np.ndarray:
    """The mean over the stored seeds of one measure, per generation (index 0 is generation 1)."""
    return stored_history(regime).metric(name).mean(axis=1)


def shown_generations(generations: int) -> list[int]:
    """The generations whose writing is shown side by side: real text (0), the first, the middle and the last."""
    return sorted({0, 1, (generations + 1) // 2, generations})


# --- the live panel -------------------------------------------------------------------------------------------------
LIVE_SECONDS = 60  # the longest run the panel starts, on one CPU thread of a 2-core machine
SECONDS_PER_STEP = 0.02  # one Adam step of the stored network at batch 32, one thread (measured: 18-21 ms)
CHARACTERS_WRITTEN_PER_SECOND = 50_000  # its writing with the key-value cache, one thread (measured: 45-80 thousand)
LIVE_PASSAGES = 4  # passages of each generation's writing the live chart shows


@dataclass(frozen=True)
class TransformerPanelSettings(Settings):
    """The live panel's settings: one seed of one regime at the stored network's size, on less text. Constructing
    one checks them, and refuses a run estimated to take more than LIVE_SECONDS."""

    regime: str = setting("replace", "regime", choices={name: REGIME_LABELS[name] for name in REGIMES})
    generations: int = setting(3, "generations", low=1, high=4)
    characters_per_generation: int = setting(50_000, "characters per generation",
                                             steps=(5_000, 10_000, 25_000, 50_000, 100_000, 200_000))
    # passes over a generation's text (under "equal-steps": over one generation's worth, whatever the pool)
    epochs: int = setting(6, "epochs per generation", steps=(1, 2, 3, 4, 6, 8))
    budget: str = setting("epochs", "budget rule", control="buttons",
                          choices={"epochs": "fixed epochs", "equal-steps": "equal steps"})
    seed: int = setting(0, "random seed", control="box")

    def engine_settings(self) -> TransformerSettings:
        """The experiment's settings for this run: the stored network and held-out passages, this much text."""
        return TransformerSettings(
            characters_per_generation=self.characters_per_generation, generations=self.generations, seeds=1,
            budget=self.budget, regimes=(self.regime,), heldout_rows=STORED.heldout_rows,
            shown_passages=LIVE_PASSAGES, config=dataclasses.replace(STORED.config, epochs=float(self.epochs)))

    def planned_steps(self) -> int:
        return self.engine_settings().planned_steps(self.regime)

    def estimated_seconds(self) -> float:
        """Training and writing time, from the measured speeds (scoring and measuring add a second or two)."""
        written = self.generations * self.characters_per_generation
        return self.planned_steps() * SECONDS_PER_STEP + written / CHARACTERS_WRITTEN_PER_SECOND

    def check_budget(self) -> None:
        seconds = self.estimated_seconds()
        if seconds > LIVE_SECONDS:
            raise ValueError(
                f"That run would take about {seconds:.0f} s ({self.planned_steps():,} Adam steps and "
                f"{self.generations * self.characters_per_generation:,} characters written); the panel starts runs "
                f"of up to about {LIVE_SECONDS} s. Lower the generations, the characters per generation or the "
                "epochs, or choose equal steps.")


def run(settings: TransformerPanelSettings, progress: Callable[[int], None] | None = None) -> TransformerRun:
    """The live panel's run, its settings already checked; `progress(done)` counts Adam steps, of
    `settings.planned_steps()`."""
    check_instance("settings", settings, TransformerPanelSettings, "a TransformerPanelSettings")
    return experiment(settings.engine_settings(), settings.regime, settings.seed, step_progress=progress)

if __name__ == "__main__":
    precompute_command(precompute, RESULTS, PRECOMPUTE_COMMAND)
