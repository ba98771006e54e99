"""Stored runs and what a re-run of them can honestly promise on another processor.

Some results are too slow to compute at build time (the VAE's), so they are computed once, stored in `data/`, and a
cheap check setting is stored beside them for the tests to re-run. Re-running it gives the same numbers bit for bit
only on the same kind of processor, with the same libraries: torch picks its vectorised kernels (and its BLAS its
code path) by the instructions the processor has, so sums and exponentials can differ in the last bits; a network
trained for hundreds of steps turns those bits into differences of about 1e-4 to 1e-2 (measured here across torch's
`ATEN_CPU_CAPABILITY` levels default, avx2 and avx512 on one AMD EPYC: avx2 and avx512 agree exactly, default
differs by at most 0.012 bits of mode entropy and 0.0025 of latent spread in the check run, well inside the
seed-to-seed spread). So the promise has two levels:

- on the processor and libraries that made the stored runs (`processor_fingerprint`, recorded in the results
  file): the re-run reproduces the stored numbers exactly, to the precision they were stored with;
- anywhere: the re-run is the same experiment, so every per-generation mean over seeds agrees with the stored one
  within what seed-to-seed noise allows (`rerun_disagreements`, a two-sample t test per generation and measure,
  Bonferroni-corrected). That test would pass even if the last-bit differences had grown into a different run
  entirely, which they do not, and it fails when the code changes what the experiment measures.
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

from collapse._checks import check_fraction

FALSE_ALARM_RATE = 1e-3  # the chance that the "anywhere" check fails a correct re-run, over all its comparisons


def cpu_model() -> str:
    """The processor's model name (Linux: /proc/cpuinfo; elsewhere what the platform module reports)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def processor_fingerprint() -> dict[str, str]:
    """What decides the last bits of a torch run on the CPU: processor, the vectorised kernels torch chose for it
    (`ATEN_CPU_CAPABILITY` can force a lower level), and the library versions."""
    import torch  # only the chapters that store torch runs need it

    return {"machine": platform.machine(), "cpu": cpu_model(),
            "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "torch": torch.__version__.split("+")[0], "numpy": np.__version__}


def same_processor(recorded: dict | None) -> bool:
    """Whether this machine is the kind the stored runs were made on (then a re-run must match them exactly)."""
    return recorded == processor_fingerprint()


def rerun_disagreements(stored: dict[str, list], rerun: dict[str, np.ndarray],
                        false_alarm_rate: float = FALSE_ALARM_RATE) -> list[str]:
    """The (measure, generation) pairs whose mean over seeds differs between a stored run and its re-run by more
    than seed-to-seed noise allows; an empty list when they agree.

    Each measure is (generations, seeds). Per generation, Welch's t statistic of the two sets of seeds is compared
    with the t quantile for `false_alarm_rate` split evenly over every comparison (Bonferroni), so that two
    independent runs of the same experiment fail this check with probability at most `false_alarm_rate`. Where
    both runs give the same value on every seed (a count that never varies) the difference must be zero.
    """
    false_alarm_rate = check_fraction("false_alarm_rate", false_alarm_rate)
    if set(stored) != set(rerun):
        return [f"measures differ: stored {sorted(stored)}, re-run {sorted(rerun)}"]
    shapes = {name: np.shape(values) for name, values in stored.items()}
    comparisons = sum(shape[0] for shape in shapes.values())
    disagreements = []
    for name, values in stored.items():
        before, after = np.asarray(values, dtype=float), np.asarray(rerun[name], dtype=float)
        if before.shape != after.shape:
            disagreements.append(f"{name}: stored shape {before.shape}, re-run {after.shape}")
            continue
        seeds = before.shape[1]
        if seeds < 2:
            disagreements.append(f"{name}: a spread needs at least 2 seeds; the run has {seeds}")
            continue
        variance_of_difference = (before.var(axis=1, ddof=1) + after.var(axis=1, ddof=1)) / seeds
        difference = after.mean(axis=1) - before.mean(axis=1)
        # Welch-Satterthwaite degrees of freedom; 2 (seeds - 1) when both spreads are equal
        per_run = before.var(axis=1, ddof=1) ** 2 + after.var(axis=1, ddof=1) ** 2
        with np.errstate(invalid="ignore", divide="ignore"):
            freedom = np.where(per_run > 0, variance_of_difference**2 * seeds**2 * (seeds - 1) / per_run,
                               2 * (seeds - 1))
        allowed = stats.t.ppf(1 - false_alarm_rate / (2 * comparisons), freedom) * np.sqrt(variance_of_difference)
        for generation in np.flatnonzero(np.abs(difference) > allowed):
            disagreements.append(f"{name}, generation {generation + 1}: stored mean {before[generation].mean():.6g},"
                                 f" re-run {after[generation].mean():.6g}, allowed difference "
                                 f"{allowed[generation]:.3g}")
    return disagreements


def precompute_command(precompute, results: Path, command: str) -> None:
    """What `python -m collapse.<chapter> precompute` does: make the stored runs, then say where they went."""
    if sys.argv[1:] != ["precompute"]:
        raise SystemExit(f"usage: {command}")
    start = time.perf_counter()
    precompute()
    print(f"wrote {results} ({results.stat().st_size / 1e3:.0f} kB) in {time.perf_counter() - start:.0f} s")
