"""What every benchmark script shares: timing, running a chapter in a real kernel, and recording the figures.

Figures go to benchmarks/results.json, each with the machine's core count, Python version and date, so that later
runs can be compared. Targets are printed beside the figures, never asserted: machines are shared and noisy.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import statistics
import sys
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the scripts import the book's packages from the checkout
RESULTS = ROOT / "benchmarks" / "results.json"


def median_seconds(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_chapter(chapter: Path) -> tuple[float, float]:
    """Execute a chapter cell by cell in a fresh kernel: (seconds, peak resident MB of the kernel, sampled every
    50 ms, children included)."""
    import jupytext
    import psutil
    from nbclient import NotebookClient

    notebook = jupytext.read(chapter)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(chapter.parent)}})
    peak = 0
    with client.setup_kernel():
        process = psutil.Process(client.km.provisioner.process.pid)
        running = True

        def sample():
            nonlocal peak
            while running:
                with contextlib.suppress(psutil.Error):
                    peak = max(peak, sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        start = time.perf_counter()
        try:
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
        finally:
            running = False
            sampler.join()
    return time.perf_counter() - start, peak / 2**20


def record(figures: dict[str, float], targets: dict[str, str], width: int = 50) -> None:
    """Print each figure beside its target (matched by key prefix) and store it in RESULTS."""
    recorded = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    machine = {"cores": os.cpu_count(), "python": platform.python_version(), "date": date.today().isoformat()}
    for key, value in figures.items():
        target = next((t for prefix, t in targets.items() if key.startswith(prefix)), "")
        unit = "x" if "_ratio_" in key else " "  # a ratio of two timings, not seconds ("generations" holds "ratio")
        print(f"  {key:{width}} {value:10.3f}{unit}  {target}")
        if math.isfinite(value):  # JSON has no infinity: an infinite figure is printed, not recorded
            recorded[key] = {"value": round(value, 4), **machine}
    RESULTS.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")
