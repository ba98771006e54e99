"""Measure the engine, the panels and the book build, print the figures and record them in benchmarks/results.json.

    python benchmarks/run.py              # everything (the build part takes a minute or two)
    python benchmarks/run.py engine panel # only some parts

Figures are medians of repeated runs, measured in one process on whatever machine runs this; they are recorded with
the machine's core count so that later runs can be compared. Tests never assert these times (machines are shared
and noisy); the issue targets are printed beside each figure.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import RESULTS, ROOT, median_seconds, record, run_chapter


def engine() -> dict:
    from collapse import GaussianModel, GaussianSource, make_regime, simulate

    figures = {}
    for regime in ("replace", "accumulate", "fresh-mix"):
        def loop():
            simulate(GaussianModel(), GaussianSource(), make_regime(regime, real_share=0.1), generations=200,
                     samples_per_generation=100, seeds=1_000)
        loop()  # warm up
        figures[f"gaussian_{regime}_1000x200x100_s"] = median_seconds(loop, 5)

    from collapse.models.linear import FixedDesign, LinearRegressionModel

    world = FixedDesign.random(1_000, 30, 10)
    for regime in ("replace", "accumulate"):
        def regression():
            simulate(LinearRegressionModel(world), world, make_regime(regime), generations=100,
                     samples_per_generation=30, seeds=1_000, heldout_rows=1)
        regression()
        figures[f"regression_{regime}_1000x100_d10_T30_s"] = median_seconds(regression, 5)
    return figures


def panel() -> dict:
    from widgets import telephone

    figures = {}
    with contextlib.redirect_stdout(io.StringIO()):  # outside a kernel, display() prints the chart
        built = median_seconds(lambda: telephone.panel(), 5)
        view = telephone.panel()
        seeds = [7, 8] * 10
        def redraw():
            view.controls["seed"].value = seeds.pop()
        redraw_time = median_seconds(redraw, 20)
    figures["telephone_panel_build_s"] = built
    figures["telephone_panel_redraw_default_s"] = redraw_time
    figures["telephone_static_grid_s"] = median_seconds(lambda: telephone.static_grid(), 1)

    from collapse.text import load_corpus
    from widgets import markov

    load_corpus()  # once per kernel; a reader's first run pays it, every redraw after does not
    with contextlib.redirect_stdout(io.StringIO()):
        view = markov.panel()
        fresh_seeds = list(range(100, 107))  # new seeds, so the panel's cache of recent runs cannot answer
        def markov_redraw():
            view.controls["seed"].value = fresh_seeds.pop()
        figures["markov_panel_redraw_default_s"] = median_seconds(markov_redraw, 7)

    from widgets import accumulate

    with contextlib.redirect_stdout(io.StringIO()):
        view = accumulate.panel()
        for model in ("regression", "gaussian"):
            view.controls["model"].value = model
            seeds = [7, 8] * 10
            def accumulate_redraw():
                view.controls["seed"].value = seeds.pop()
            figures[f"accumulate_panel_redraw_default_s[{model}]"] = median_seconds(accumulate_redraw, 20)

    from widgets import capped

    with contextlib.redirect_stdout(io.StringIO()):
        view = capped.panel()
        for model in ("regression", "gaussian"):
            view.controls["model"].value = model
            seeds = [7, 8] * 5
            def capped_redraw():
                view.controls["seed"].value = seeds.pop()
            figures[f"capped_panel_redraw_default_s[{model}]"] = median_seconds(capped_redraw, 10)

    from widgets import gate

    with contextlib.redirect_stdout(io.StringIO()):
        view = gate.panel()
        seeds = [7, 8] * 5
        def gate_redraw():
            view.controls["seed"].value = seeds.pop()
        figures["gate_panel_redraw_default_s"] = median_seconds(gate_redraw, 10)

    from widgets import measuring

    with contextlib.redirect_stdout(io.StringIO()):
        view = measuring.panel()
        for model in measuring.LIVE_MODELS:
            view.controls["model"].value = model
            fresh_seeds = list(range(200, 207))  # new seeds, so the panel's cache of recent runs cannot answer
            def measuring_redraw():
                view.controls["seed"].value = fresh_seeds.pop()
            figures[f"measuring_panel_redraw_default_s[{model}]"] = median_seconds(measuring_redraw, 7)

    from widgets import feedback

    with contextlib.redirect_stdout(io.StringIO()):
        view = feedback.panel()
        def feedback_redraw():  # a new seed: both runs, the adopting and the clean one, are re-run
            view.controls["seed"].value += 1
        figures["feedback_panel_redraw_default_s[gaussian]"] = median_seconds(feedback_redraw, 10)
        view.controls["generations"].value = 10
        view.controls["model"].value = "markov"
        figures["feedback_panel_redraw_default_s[markov, 10 generations]"] = median_seconds(feedback_redraw, 3)
    figures["feedback_static_grid_s"] = median_seconds(lambda: feedback.static_grid(seed=1), 1)

    from widgets import specialise

    with contextlib.redirect_stdout(io.StringIO()):
        view = specialise.panel()
        fresh_seeds = list(range(100, 107))  # new seeds: the engine's cache of recent runs cannot answer
        def specialise_redraw():
            view.controls["seed"].value = fresh_seeds.pop()
        figures["specialise_panel_redraw_default_s"] = median_seconds(specialise_redraw, 7)

    from widgets import fresh

    with contextlib.redirect_stdout(io.StringIO()):
        view = fresh.panel()
        for filter_name in fresh.FILTER_LABELS:
            view.controls["filter"].value = filter_name
            seeds = [7, 8] * 5
            def fresh_redraw():
                view.controls["seed"].value = seeds.pop()
            figures[f"fresh_panel_redraw_default_s[{filter_name}]"] = median_seconds(fresh_redraw, 10)
    return figures


def build() -> dict:
    """Build the whole book from a clean cache in a scratch copy of the repository."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "book"
        shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv*", "_build", ".git", "__pycache__"))
        command = [sys.executable, str(copy / "scripts" / "build_book.py")]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"the build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return {"book_build_clean_cache_s": seconds}


def kernel_memory() -> dict:
    """Peak resident memory and run time of a real kernel executing each chapter."""
    figures = {}
    for chapter in sorted((ROOT / "chapters").glob("*.md")):
        seconds, peak = run_chapter(chapter)
        figures[f"kernel_peak_rss_mb[{chapter.stem}]"] = peak
        figures[f"kernel_execute_s[{chapter.stem}]"] = seconds
    return figures


PARTS = {"engine": engine, "panel": panel, "build": build, "memory": kernel_memory}
TARGETS = {  # from the issues: printed beside the figures, never asserted
    "gaussian_replace_1000x200x100_s": "< 0.5 s",
    "telephone_panel_redraw_default_s": "median < 0.1 s",
    "markov_panel_redraw_default_s": "< 1 s",
    "regression_": "< 1 s",
    "accumulate_panel_redraw_default_s": "< 0.2 s",
    "capped_panel_redraw_default_s": "< 0.2 s",
    "gate_panel_redraw_default_s": "< 0.2 s",
    "measuring_panel_redraw_default_s[text]": "< 1 s",
    "measuring_panel_redraw_default_s[gaussian]": "< 0.2 s",
    "measuring_panel_redraw_default_s[categorical]": "< 0.2 s",
    "feedback_panel_redraw_default_s[gaussian]": "< 0.2 s",
    "feedback_panel_redraw_default_s[markov": "< 1 s",
    "specialise_panel_redraw_default_s": "< 1 s",
    "fresh_panel_redraw_default_s": "< 0.2 s",
    "book_build_clean_cache_s": "< 120 s",
    "kernel_peak_rss_mb": "< 1024 MB",
}


def main(names: list[str]) -> None:
    unknown = set(names) - set(PARTS)
    if unknown:
        raise SystemExit(f"unknown part(s) {sorted(unknown)}; choose from {sorted(PARTS)}")
    for name in names or list(PARTS):
        record(PARTS[name](), TARGETS)
    print(f"recorded in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
