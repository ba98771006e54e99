"""Chapter "Mode collapse you can see": a VAE retrained on its own samples, the experiments the chapter runs.

`DATASETS` holds the two real worlds (handwritten digits, a ring of eight Gaussians) with the model and the measures
that suit each; `experiment` trains one run; `VAESettings` states the live panel's settings once, and `live_tables`
gives what its chart draws. Training takes seconds, so the static page is drawn from results precomputed into
data/vae_results.json by

    python -m collapse.vae precompute      # about two minutes on two cores

and read through `load_results`, `stored_history` and the tidy tables below; tests/test_panel_vae.py checks that the
stored results were made with the settings the code has now. widgets/vae.py only draws.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from collapse import make_regime, simulate
from collapse._checks import check_choice, check_int
from collapse.history import History
from collapse.images import (COVERED_SHARE, GREY_LEVELS, HELDOUT_SHARE, SPLIT_SEED, DigitMeasures, DigitsSource,
                             RingMeasures, RingSource, load_digits)
from collapse.models.vae import VAEConfig, VAEModel
from collapse.settings import Settings, cap_setting, real_share_setting, regime_setting, setting
from collapse.stored import precompute_command, processor_fingerprint

RESULTS = Path(__file__).resolve().parents[1] / "data" / "vae_results.json"
PRECOMPUTE_COMMAND = "python -m collapse.vae precompute"


@dataclass(frozen=True)
class Dataset:
    """One real world the VAE learns from, with the model settings and measures that suit it."""

    label: str
    source: object  # draw(seeds, rows, rng) and heldout(rows, rng)
    config: VAEConfig
    measures: Callable[[np.ndarray], dict]
    samples_per_generation: int
    heldout_rows: int
    metrics: dict[str, tuple[str, str]]  # chart panel -> (the metric the engine records, its title)
    shown: int  # samples of each generation kept for display

    def settings(self) -> dict:
        """Everything that decides this dataset's numbers, as plain JSON values."""
        return {"source": {"type": type(self.source).__name__, **dataclasses.asdict(self.source)},
                "config": self.config.to_dict(), "measures": {"type": type(self.measures).__name__,
                                                              **dataclasses.asdict(self.measures)},
                "samples_per_generation": self.samples_per_generation, "heldout_rows": self.heldout_rows,
                "shown": self.shown}


DATASETS = {
    "digits": Dataset(
        "handwritten digits", DigitsSource(), VAEConfig(), DigitMeasures(), samples_per_generation=1_000,
        heldout_rows=359, shown=16,
        metrics={"covered": ("classes_covered", "digit classes covered (of 10)"),
                 "entropy": ("class_entropy_bits", "entropy of the digit classes, bits"),
                 "spread": ("latent_spread", "spread of codes, generation-0 encoder"),
                 "loss": ("heldout_loss", "held-out −ELBO, nats per image")}),
    "ring": Dataset(
        "ring of 8 Gaussians", RingSource(), VAEConfig(latent_size=2, batch_size=64, decoder="gaussian"),
        RingMeasures(), samples_per_generation=1_000, heldout_rows=1_000, shown=250,
        metrics={"covered": ("modes_covered", "modes covered (of 8)"),
                 "entropy": ("mode_entropy_bits", "entropy of the modes, bits"),
                 "spread": ("near_mode_share", "share of points near a mode"),
                 "loss": ("heldout_loss", "held-out −ELBO, nats per point")}),
}
PANELS = ("covered", "entropy", "spread", "loss")  # every dataset's four measures, in the charts' order
REAL_DRAW_SEED = 0  # the draw of real ring points that the measures of real data are taken on


def dataset(name: str) -> Dataset:
    return DATASETS[check_choice("dataset", name, tuple(DATASETS))]


# --- one run ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VAERun:
    history: History
    samples: dict  # generation -> (shown, features): the first samples of seed 0; generation 0 is real data
    dataset: str


def experiment(dataset_name: str = "digits", regime: str = "replace", generations: int = 10,
               latent_size: int | None = None, epochs: int | None = None, seed: int = 0, seeds: int = 1,
               cap_generations: int = 2, real_share: float = 0.1,
               progress: Callable[[int], None] | None = None) -> VAERun:
    """Train a VAE on real data, then each generation on the regime's mix of real data and the last one's samples.

    `latent_size` and `epochs` default to the dataset's; `progress(generation)` is called as each one finishes."""
    data = dataset(dataset_name)
    seed = check_int("seed", seed, 0)  # before it seeds the draw of real samples shown beside the generations
    config = dataclasses.replace(data.config, **{k: v for k, v in
                                                 (("latent_size", latent_size), ("epochs", epochs)) if v is not None})
    rows = data.samples_per_generation
    model = VAEModel(config, epoch_rows=rows, output_measures=data.measures)
    real = data.source.draw(1, data.shown, np.random.default_rng(seed))[0]
    samples = {0: real}

    def keep(generation, params, output):
        samples[generation] = output[0, : data.shown]
        if progress:
            progress(generation)

    history = simulate(model, data.source, make_regime(regime, cap=cap_generations * rows, real_share=real_share),
                       generations=generations, samples_per_generation=rows, seeds=seeds, seed=seed,
                       heldout_rows=data.heldout_rows, observe=keep)
    return VAERun(history, samples, dataset_name)


@functools.cache
def real_measures(dataset_name: str) -> dict[str, float]:
    """The measures of real data, the reference every generation is compared with: held-out digits, or a fresh
    draw from the ring as large as a generation's sample."""
    data = dataset(dataset_name)
    if dataset_name == "digits":
        real = load_digits().heldout[None]
    else:
        real = data.source.draw(1, data.samples_per_generation, np.random.default_rng(REAL_DRAW_SEED))
    return {name: float(values[0]) for name, values in data.measures(real).items()}


# --- tidy tables ------------------------------------------------------------------------------------------------
def metric_frame(metrics: dict[str, np.ndarray], dataset_name: str, real: dict[str, float]) -> pd.DataFrame:
    """One row per (generation, seed, panel): `metrics` maps a metric to (generations, seeds) values. Generation 0
    holds the real data's measures (none for the held-out loss, which only a model has)."""
    rows = []
    for panel, (name, _) in dataset(dataset_name).metrics.items():
        values = np.asarray(metrics[name], dtype=float)
        generations, seeds = values.shape
        if name in real:
            values = np.vstack([np.full((1, seeds), real[name]), values])
        first = 0 if name in real else 1
        rows.append(pd.DataFrame({"generation": np.repeat(np.arange(first, generations + 1), seeds),
                                  "seed": np.tile(np.arange(seeds), values.shape[0]), "panel": panel,
                                  "value": values.ravel()}))
    return pd.concat(rows, ignore_index=True)


def sample_records(samples: dict, dataset_name: str) -> list[dict]:
    """What each generation wrote, compactly: per digit image its 64 grey levels 0-16 (row by row); per generation
    of the ring, lists of x and y. The charts unpack them in the browser."""
    if dataset_name == "digits":
        return [{"generation": int(generation), "image": image,
                 "ink": np.rint(np.clip(pixels, 0, 1) * GREY_LEVELS).astype(int).tolist()}
                for generation, images in samples.items() for image, pixels in enumerate(images)]
    points_of = {g: np.asarray(p, dtype=float) for g, p in samples.items()}  # float64: rounds to short decimals
    return [{"generation": int(generation), "xs": np.round(points[:, 0], 2).tolist(),
             "ys": np.round(points[:, 1], 2).tolist()} for generation, points in points_of.items()]


# --- the live panel -----------------------------------------------------------------------------------------------
MAX_LIVE_GENERATIONS = 10  # the live panel's longest run: ten VAEs, each trained from scratch
LIVE_DIGITS = 8  # digit images per generation in the live chart: one row of eight


@dataclass(frozen=True)
class VAESettings(Settings):
    """The live panel's settings. Their ranges keep every run within about fifteen seconds (ten generations of 150
    epochs), so no combination is refused for its cost; the Run button's progress bar counts the generations."""

    dataset: str = setting("digits", "real data", choices={name: data.label for name, data in DATASETS.items()},
                           control="buttons")
    regime: str = regime_setting()
    cap_generations: int = cap_setting()  # the capped regime's budget, in generations' worth of rows
    real_share: float = real_share_setting()  # the share of fresh real rows under fresh-mix
    generations: int = setting(10, "generations", low=1, high=MAX_LIVE_GENERATIONS)
    # the digits' code size; the panel switches to each dataset's own when the dataset changes
    latent_size: int = setting(DATASETS["digits"].config.latent_size, "latent size", steps=(1, 2, 4, 8, 16, 32))
    epochs: int = setting(DATASETS["digits"].config.epochs, "epochs per generation",
                          steps=(5, 10, 20, 30, 60, 100, 150))
    seed: int = setting(0, "random seed", control="box")


def run(settings: VAESettings, progress: Callable[[int], None] | None = None) -> VAERun:
    """The live panel's run, one seed: its settings, already checked against the panel's ranges."""
    return experiment(settings.dataset, settings.regime, settings.generations, settings.latent_size,
                      settings.epochs, settings.seed, cap_generations=settings.cap_generations,
                      real_share=settings.real_share, progress=progress)


@dataclass(frozen=True)
class LiveTables:
    """What the live chart draws for one run (seed 0), and the numbers its title states."""

    metrics: pd.DataFrame  # generation, seed, panel, value: the four measures; generation 0 holds the real data's
    samples: pd.DataFrame  # sample_records of what it wrote: 8 digit images, or every ring point, per generation
    covered: np.ndarray  # digit classes (or ring modes) covered, per generation from 1


def seed_zero_tables(dataset_name: str, metrics: dict, records: list[dict], real: dict[str, float]) -> LiveTables:
    """LiveTables of seed 0 of a run: `metrics` maps names to (generations, seeds) values, `records` is what
    sample_records gives."""
    data = dataset(dataset_name)
    first_seed = {name: np.asarray(metrics[name], dtype=float)[:, :1] for name, _ in data.metrics.values()}
    # a digit record is one numbered image; a ring record holds a whole generation's points
    shown = [record for record in records if record.get("image", 0) < LIVE_DIGITS]
    return LiveTables(metric_frame(first_seed, dataset_name, real), pd.DataFrame(shown),
                      first_seed[data.metrics["covered"][0]][:, 0])


def live_tables(trained: VAERun) -> LiveTables:
    return seed_zero_tables(trained.dataset, trained.history.metrics, sample_records(trained.samples, trained.dataset),
                            real_measures(trained.dataset))


# --- the stored runs ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StaticGrid:
    """What the stored runs hold, and so what the static charts offer: every dataset under each regime."""

    regimes: tuple[str, ...] = ("replace", "accumulate")
    generations: int = 10
    seeds: int = 8  # independent runs per (dataset, regime), trained side by side
    seed: int = 0


STATIC = StaticGrid()
CHECK_DECIMALS = 6  # the check runs are stored to this many decimals; an exact re-run matches to rounding
# Cheap settings stored beside the results and re-run by the tests (a few seconds each): both datasets, so the
# digit classifier and the reference encoder are checked too; 16 seeds, so the seed-to-seed spread that the check
# on another processor allows is measured well (collapse.stored).
CHECKS = {name: dict(dataset_name=name, regime="replace", generations=3, epochs=5, seed=3, seeds=16)
          for name in DATASETS}


def precompute_settings() -> dict:
    """Everything that decides the stored numbers; the test compares this with what the stored file records."""
    return {"generations": STATIC.generations, "seeds": STATIC.seeds, "seed": STATIC.seed,
            "regimes": list(STATIC.regimes), "datasets": {name: d.settings() for name, d in DATASETS.items()},
            "digit_split": {"heldout_share": HELDOUT_SHARE, "split_seed": SPLIT_SEED},
            "reference_encoder": {"config": VAEConfig().to_dict()}, "real_draw_seed": REAL_DRAW_SEED,
            "covered_share": COVERED_SHARE, "checks": CHECKS}


def rerun_checks() -> dict[str, dict[str, np.ndarray]]:
    """The cheap runs stored beside the results, run now: dataset -> measure -> (generations, seeds), rounded as
    stored. The tests compare them with the stored ones (exactly on the processor that made them, within seed noise
    anywhere else: see collapse.stored)."""
    return {name: {metric: np.round(values, CHECK_DECIMALS) for metric, values in
                   experiment(**settings).history.metrics.items()} for name, settings in CHECKS.items()}


def precompute(path: Path = RESULTS) -> dict:
    """Run every stored setting and write the results (a few hundred kilobytes) to `path`."""
    results = {"settings": precompute_settings(), "made_on": processor_fingerprint(),
               "real": {name: real_measures(name) for name in DATASETS}, "runs": {}}
    for name in DATASETS:
        results["runs"][name] = {}
        for regime in STATIC.regimes:
            start = time.perf_counter()
            trained = experiment(name, regime, STATIC.generations, seed=STATIC.seed, seeds=STATIC.seeds)
            metrics = {metric: np.round(values, 4).tolist() for metric, values in trained.history.metrics.items()}
            results["runs"][name][regime] = {"metrics": metrics, "samples": sample_records(trained.samples, name)}
            print(f"{name:7} {regime:11} {time.perf_counter() - start:6.1f} s", file=sys.stderr)
    results["checks"] = {name: {metric: values.tolist() for metric, values in checked.items()}
                         for name, checked in rerun_checks().items()}
    path.write_text(json.dumps(results, separators=(",", ":")) + "\n")
    return results


class StoredResultsMissing(FileNotFoundError):
    """data/vae_results.json is missing; the message names the command that makes it."""


@functools.cache
def load_results(path: Path = RESULTS) -> dict:
    """The stored results: "settings" and "made_on" (what made them), "real" (dataset -> the real data's
    measures), "runs" (dataset -> regime -> "metrics" and "samples") and "checks" (the cheap re-runs)."""
    if not path.exists():
        raise StoredResultsMissing(f"No stored VAE results at {path}. Make them (about two minutes) with: "
                                   f"{PRECOMPUTE_COMMAND}")
    return json.loads(path.read_text())


def stored_run(results: dict, dataset_name: str, regime: str) -> dict:
    """One stored (dataset, regime) run: "metrics" (name -> (generations, seeds) values) and "samples" (the
    sample_records of seed 0); names the page does not offer are refused."""
    dataset(dataset_name)
    check_choice("regime", regime, STATIC.regimes)
    return results["runs"][dataset_name][regime]


def stored_history(dataset_name: str, regime: str) -> History:
    """The stored runs of one dataset under one regime, every measure (generations, seeds): nothing is trained."""
    return History.from_metrics(regime, stored_run(load_results(), dataset_name, regime)["metrics"])


def stored_real(dataset_name: str) -> dict[str, float]:
    """The real data's measures as stored beside the runs (what real_measures gives, without training the rulers)."""
    dataset(dataset_name)
    return load_results()["real"][dataset_name]


def mean_metric(results: dict, name: str, regime: str, metric: str) -> np.ndarray:
    """The mean over the stored seeds of one metric, per generation (index 0 is generation 1)."""
    return np.asarray(stored_run(results, name, regime)["metrics"][metric], dtype=float).mean(axis=1)


def stored_metrics(results: dict) -> pd.DataFrame:
    """Every stored run's measures: columns generation, seed, panel, value, dataset, regime."""
    frames = [metric_frame(stored_run(results, name, regime)["metrics"], name, results["real"][name])
              .assign(dataset=name, regime=regime) for name in DATASETS for regime in STATIC.regimes]
    return pd.concat(frames, ignore_index=True)


def stored_samples(results: dict, name: str) -> pd.DataFrame:
    """What seed 0 of each stored regime wrote for one dataset: its sample_records, with a regime column."""
    return pd.DataFrame([{**record, "regime": regime} for regime in STATIC.regimes
                         for record in stored_run(results, name, regime)["samples"]])


def stored_live_tables(dataset_name: str = "digits", regime: str = "replace") -> LiveTables:
    """The live chart's tables for seed 0 of a stored run: the panel's picture before any run of its own."""
    stored = stored_run(load_results(), dataset_name, regime)
    return seed_zero_tables(dataset_name, stored["metrics"], stored["samples"], stored_real(dataset_name))


if __name__ == "__main__":
    precompute_command(precompute, RESULTS, PRECOMPUTE_COMMAND)
