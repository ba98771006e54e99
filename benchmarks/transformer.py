"""Time the tiny transformer at the stored setting: seconds per generation, milliseconds per training step, sampling
speed, the live panel's default run and the peak memory; print the figures and record them in
benchmarks/results.json under keys starting with `transformer_`.

    python benchmarks/transformer.py      # about two minutes on two cores

A generation is everything the loop does for it: train a GPT from scratch on one generation's 200,000 characters,
score the held-out passages, write 200,000 characters and measure them. The targets are printed beside the figures,
never asserted: machines are shared and noisy.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import resource
import statistics
import time

import numpy as np

from measure import RESULTS, ROOT, median_seconds, record  # also puts the checkout on the path

from collapse.chars import CharSource, load_char_corpus, training_words  # noqa: E402  (needs ROOT on the path)
from collapse.transformer import STORED, TransformerPanelSettings, experiment, run  # noqa: E402

LIVE_DEFAULT = TransformerPanelSettings()

TARGETS = {  # from the issue: printed beside the figures, never asserted
    "transformer_generation_s": "target < 60 s",
    "transformer_live_default_run_s": "target < 60 s",
    "transformer_sampling_chars_per_s": "expected 50-100k",
    "transformer_peak_rss_mb": "target < 1024 MB",
}


def training_and_writing() -> dict:
    """One fit on a generation's real passages, timed per step; then its writing of a generation's characters."""
    model, rows = STORED.model(), STORED.passages_per_generation
    real = CharSource(STORED.config.context).draw(1, rows, np.random.default_rng(0))
    start = time.perf_counter()
    params = model.fit([real], np.random.default_rng(1))
    fit_seconds = time.perf_counter() - start
    write_seconds = median_seconds(lambda: model.sample(params, rows, np.random.default_rng(2)), 3)
    return {"transformer_train_step_ms": 1_000 * fit_seconds / params.steps[0],
            "transformer_sampling_chars_per_s": rows * STORED.config.context / write_seconds}


def live_run() -> dict:
    """The live panel's default run (TransformerPanelSettings(): one seed of one regime on less text), whole."""
    start = time.perf_counter()
    run(LIVE_DEFAULT)
    return {"transformer_live_default_run_s": time.perf_counter() - start}


def stored_generations() -> dict:
    """One seed of replace at the stored setting, two generations: the median of its generations is what one
    seed's generation costs in the precompute."""
    stamps = [time.perf_counter()]
    settings = dataclasses.replace(STORED, generations=2, seeds=1, regimes=("replace",))
    experiment(settings, "replace", progress=lambda generation: stamps.append(time.perf_counter()))
    return {"transformer_generation_s": statistics.median(b - a for a, b in zip(stamps, stamps[1:]))}


def main() -> None:
    import torch

    start = time.perf_counter()
    print(f"torch {torch.__version__}, python {platform.python_version()}, {os.cpu_count()} cores")
    load_char_corpus(), training_words()  # once per kernel: a reader's first run pays it (a few seconds), not timed
    print("\ntraining and writing at the stored setting (d_model 64, context 32, 200,000 characters)")
    record(training_and_writing(), TARGETS)
    print("\none seed's generation at the stored setting")
    record(stored_generations(), TARGETS)
    print(f"\nthe live panel's default ({LIVE_DEFAULT.generations} generations of {LIVE_DEFAULT.regime}, "
          f"{LIVE_DEFAULT.characters_per_generation:,} characters, {LIVE_DEFAULT.epochs} epochs)")
    record(live_run(), TARGETS)
    print("\nmemory")
    record({"transformer_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}, TARGETS)
    print(f"\nrecorded in {RESULTS.relative_to(ROOT)} ({time.perf_counter() - start:.0f} s in all)")


if __name__ == "__main__":
    main()
