"""Build the book repeatedly from a clean cache and measure each chapter's execution time, some builds with a second
CPU-heavy process running, print the table and record the figures in benchmarks/results.json (keys `build_times_`).

    python benchmarks/build_times.py                 # 10 builds, the CPU hog running in builds 2, 4, 7 and 9
    python benchmarks/build_times.py --builds 4 --hog 1,3
    python benchmarks/build_times.py --summarise     # the table and figures of the builds already made

Each build empties the execution cache and Sphinx's doctrees first, then runs scripts/build_book.py in this checkout,
with PYTHONPATH set to it so that the chapters' kernels import this checkout's collapse/ and widgets/. The chapter and
cell times come from _build/execution_times.json, which scripts/build_book.py writes; the raw figures of every build
go to _build/build_times.json. The issue's target, no chapter over twice its median, is printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

from measure import ROOT, record

BUILD = ROOT / "_build"
RAW = BUILD / "build_times.json"
TARGETS = {"build_times_ratio_max_over_median": "< 2x", "build_times_chapters_over_twice_median": "0"}


def start_hog() -> subprocess.Popen:
    """A second process that keeps one core busy, pinned to the last core so that it competes, as another job
    on a shared machine does, rather than being moved out of the build's way."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(hog.pid, {max(os.sched_getaffinity(0))})
    return hog


def one_build(with_hog: bool) -> dict:
    for saved in (BUILD / ".jupyter_cache", BUILD / ".doctrees"):
        shutil.rmtree(saved, ignore_errors=True)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    hog = start_hog() if with_hog else None
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_book.py")], cwd=ROOT, env=environment,
                              capture_output=True, text=True)
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()
    seconds = time.perf_counter() - start
    stalls = [line for line in done.stderr.splitlines() if line.startswith("build_book:")]
    if done.returncode != 0:
        raise SystemExit(f"the build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    chapters = json.loads((BUILD / "execution_times.json").read_text())
    return {"hog": with_hog, "build_s": seconds, "messages": stalls, "chapters": chapters}


def summary(builds: list[dict]) -> dict[str, float]:
    names = sorted({name for build in builds for name in build["chapters"]})
    figures = {}
    over = 0
    print(f"{'chapter':14} {'median s':>9} {'max s':>8} {'max/med':>8} {'slowest cell (median s)':>30}  per build")
    for name in names:
        times = [build["chapters"][name]["seconds"] for build in builds if name in build["chapters"]]
        median, most = statistics.median(times), max(times)
        cells = {}  # cell number -> its times over the builds
        for build in builds:
            for cell in build["chapters"].get(name, {}).get("cells", []):
                cells.setdefault(cell["cell"], []).append(cell["seconds"])
        slowest = max(((statistics.median(t), number) for number, t in cells.items()), default=(0.0, 0))
        slowest_max = max((max(t) for t in cells.values()), default=0.0)
        over += most > 2 * median
        stem = name.removeprefix("chapters/").removesuffix(".md")
        marks = " ".join(f"{t:.1f}{'*' if build['hog'] else ''}" for t, build in zip(times, builds))
        print(f"{stem:14} {median:9.2f} {most:8.2f} {most / median:7.2f}x {slowest[0]:20.2f} (cell {slowest[1]:2}) "
              f" {marks}{'  OVER 2x' if most > 2 * median else ''}")
        figures[f"build_times_chapter_median_s[{stem}]"] = median
        figures[f"build_times_chapter_max_s[{stem}]"] = most
        figures[f"build_times_ratio_max_over_median[{stem}]"] = most / median
        figures[f"build_times_slowest_cell_median_s[{stem}]"] = slowest[0]
        figures[f"build_times_slowest_cell_max_s[{stem}]"] = slowest_max
    build_seconds = [build["build_s"] for build in builds]
    figures["build_times_builds"] = len(builds)
    figures["build_times_builds_with_cpu_hog"] = sum(build["hog"] for build in builds)
    figures["build_times_book_build_median_s"] = statistics.median(build_seconds)
    figures["build_times_book_build_max_s"] = max(build_seconds)
    figures["build_times_chapters_over_twice_median"] = over
    print(f"(* = a CPU hog ran during that build) whole builds: {', '.join(f'{s:.0f}' for s in build_seconds)} s; "
          f"chapters over twice their median: {over}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builds", type=int, default=10)
    parser.add_argument("--hog", default="2,4,7,9", help="which builds (from 1) run beside a CPU hog")
    parser.add_argument("--summarise", action="store_true",
                        help=f"build nothing: summarise and record the builds already in {RAW.relative_to(ROOT)}")
    arguments = parser.parse_args()
    if arguments.summarise:
        record(summary(json.loads(RAW.read_text())), TARGETS, width=52)
        return
    hogged = {int(number) for number in arguments.hog.split(",") if number}
    builds = []
    for number in range(1, arguments.builds + 1):
        builds.append(one_build(number in hogged))
        build = builds[-1]
        print(f"build {number}/{arguments.builds}{' (with the CPU hog)' if build['hog'] else ''}: "
              f"{build['build_s']:.0f} s", *build["messages"], sep="\n  ", flush=True)
        RAW.write_text(json.dumps(builds, indent=1) + "\n")  # kept as it goes: a long run can be cut short
    record(summary(builds), TARGETS, width=52)
    print(f"raw figures of every build in {RAW.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
