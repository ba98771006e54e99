"""Time the VAE chapter: a generation of training at the chapter's defaults (1 and 2 torch threads), the panel's default
run, and the chapter executed in a real kernel (seconds and peak memory); print the figures and record them in
benchmarks/results.json under keys starting with `vae_`.

    python benchmarks/vae.py            # about three minutes on two cores

A generation is everything the loop does for it: train a VAE from scratch, score the held-out set, sample 1,000
rows and measure them. Figures are medians over the generations of a run (after a first, warm-up generation). The
targets are printed beside the figures, never asserted: machines are shared and noisy.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import platform
import statistics
import time

from measure import RESULTS, ROOT, record, run_chapter  # also puts the checkout on the path

CHAPTER = ROOT / "chapters" / "vae.md"

from collapse import make_regime, simulate, vae  # noqa: E402  (needs ROOT on the path)
from collapse.models.vae import VAEModel  # noqa: E402
from widgets import vae as vae_widgets  # noqa: E402

GENERATIONS = 6  # per timed run; the first is a warm-up and is not counted

TARGETS = {  # from the issue: printed beside the figures, never asserted
    "vae_digits_generation_s": "target < 3 s",
    "vae_ring_generation_s": "target < 1 s",
    "vae_panel_default_run_s": "target < 30 s",
    "vae_kernel_peak_rss_mb": "target < 1024 MB",
    "vae_kernel_execute_s": "target < 60 s",
}


def seconds_per_generation(name: str, threads: int, seeds: int = 1) -> float:
    """Median seconds per generation of a replace run at the dataset's defaults, with `threads` torch threads."""
    data = vae.DATASETS[name]
    model = VAEModel(dataclasses.replace(data.config, threads=threads), epoch_rows=data.samples_per_generation,
                     output_measures=data.measures)
    stamps = [time.perf_counter()]
    simulate(model, data.source, make_regime("replace"), generations=GENERATIONS,
             samples_per_generation=data.samples_per_generation, seeds=seeds, heldout_rows=data.heldout_rows,
             observe=lambda *_: stamps.append(time.perf_counter()))
    return statistics.median(later - earlier for earlier, later in zip(stamps[1:], stamps[2:]))


def engine() -> dict:
    vae.real_measures("digits")  # the classifier and the reference encoder: trained once per kernel, not timed
    figures = {}
    for name in vae.DATASETS:
        for threads in (1, 2):
            figures[f"vae_{name}_generation_s[threads={threads}]"] = seconds_per_generation(name, threads)
        # the precomputed results train this many seeds side by side
        figures[f"vae_{name}_{vae.STATIC.seeds}_seeds_generation_s"] = seconds_per_generation(
            name, 1, vae.STATIC.seeds)
    return figures


def panel() -> dict:
    """The panel built as the chapter builds it, then Run pressed at its default settings."""
    with contextlib.redirect_stdout(io.StringIO()):  # outside a kernel, display() prints the chart
        start = time.perf_counter()
        view = vae_widgets.panel()
        built = time.perf_counter() - start
        start = time.perf_counter()
        view.button.click()
        run = time.perf_counter() - start
    if view.message.value:
        raise SystemExit(f"the panel's default run failed: {view.message.value}")
    return {"vae_panel_build_s": built, "vae_panel_default_run_s": run}


def kernel() -> dict:
    """The chapter executed cell by cell in a fresh kernel: seconds, and peak resident memory."""
    seconds, peak = run_chapter(CHAPTER)
    return {"vae_kernel_execute_s": seconds, "vae_kernel_peak_rss_mb": peak}


PARTS = {"seconds per generation at the chapter's defaults (replace, 1,000 rows per generation, one seed)": engine,
         "the live panel (digits, replace, 10 generations)": panel,
         "the chapter in a real kernel": kernel}


def main() -> None:
    import torch

    start = time.perf_counter()
    print(f"torch {torch.__version__}, python {platform.python_version()}, {os.cpu_count()} cores")
    for title, part in PARTS.items():
        print(f"\n{title}")
        record(part(), TARGETS)
    print(f"\nrecorded in {RESULTS.relative_to(ROOT)} ({time.perf_counter() - start:.0f} s in all)")


if __name__ == "__main__":
    main()
