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


def redraw_seconds(view, seeds) -> float:
    """Median seconds a panel takes to redraw, moving its seed control to each of `seeds` in turn (one timed redraw
    each). Seeds it has not drawn recently make it re-run rather than answer from its cache of recent runs."""
    remaining = iter(seeds)

    def redraw():
        view.controls["seed"].value = next(remaining)
    return median_seconds(redraw, len(seeds))


def panel() -> dict:
    from widgets import telephone

    figures = {}
    with contextlib.redirect_stdout(io.StringIO()):  # outside a kernel, display() prints the chart
        built = median_seconds(lambda: telephone.panel(), 5)
        redraw_time = redraw_seconds(telephone.panel(), [8, 7] * 10)
    figures["telephone_panel_build_s"] = built
    figures["telephone_panel_redraw_default_s"] = redraw_time
    figures["telephone_static_grid_s"] = median_seconds(lambda: telephone.static_grid(), 1)

    from collapse.text import load_corpus
    from widgets import markov

    load_corpus()  # once per kernel; a reader's first run pays it, every redraw after does not
    with contextlib.redirect_stdout(io.StringIO()):
        figures["markov_panel_redraw_default_s"] = redraw_seconds(markov.panel(), range(106, 99, -1))  # new seeds

    from widgets import accumulate

    with contextlib.redirect_stdout(io.StringIO()):
        view = accumulate.panel()
        for model in ("regression", "gaussian"):
            view.controls["model"].value = model
            figures[f"accumulate_panel_redraw_default_s[{model}]"] = redraw_seconds(view, [8, 7] * 10)

    from widgets import capped

    with contextlib.redirect_stdout(io.StringIO()):
        view = capped.panel()
        for model in ("regression", "gaussian"):
            view.controls["model"].value = model
            figures[f"capped_panel_redraw_default_s[{model}]"] = redraw_seconds(view, [8, 7] * 5)

    from widgets import gate

    with contextlib.redirect_stdout(io.StringIO()):
        figures["gate_panel_redraw_default_s"] = redraw_seconds(gate.panel(), [8, 7] * 5)

    from collapse.measuring import live_models
    from widgets import measuring

    with contextlib.redirect_stdout(io.StringIO()):
        view = measuring.panel()
        for model in (entry.name for entry in live_models()):
            view.controls["model"].value = model
            figures[f"measuring_panel_redraw_default_s[{model}]"] = redraw_seconds(view, range(206, 199, -1))

    from collapse.feedback import StaticGrid as FeedbackGrid
    from widgets import feedback

    with contextlib.redirect_stdout(io.StringIO()):
        view = feedback.panel()
        first = view.controls["seed"].value + 1  # new seeds: both runs, the adopting and the clean one, are re-run
        figures["feedback_panel_redraw_default_s[gaussian]"] = redraw_seconds(view, range(first, first + 10))
        view.controls["generations"].value = 10
        view.controls["model"].value = "markov"
        figures["feedback_panel_redraw_default_s[markov, 10 generations]"] = redraw_seconds(
            view, range(first + 10, first + 13))
    figures["feedback_static_grid_s"] = median_seconds(lambda: feedback.static_grid(FeedbackGrid(seed=1)), 1)

    from widgets import specialise

    with contextlib.redirect_stdout(io.StringIO()):
        figures["specialise_panel_redraw_default_s"] = redraw_seconds(specialise.panel(), range(106, 99, -1))

    from collapse.fresh import FILTER_LABELS
    from widgets import fresh

    with contextlib.redirect_stdout(io.StringIO()):
        view = fresh.panel()
        for filter_name in FILTER_LABELS:
            view.controls["filter_name"].value = filter_name
            figures[f"fresh_panel_redraw_default_s[{filter_name}]"] = redraw_seconds(view, [8, 7] * 5)
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
