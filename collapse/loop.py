"""The generational loop shared by every model and regime: fit, sample, pick the next training set, repeat."""

from __future__ import annotations

import numpy as np

from collapse._checks import check_callable, check_int, check_interface, check_memory
from collapse.history import History
from collapse.regimes import Pool

MAX_GENERATIONS = 10_000
MAX_SEEDS = 100_000
BYTES_PER_VALUE = 8  # float64 or int64: an upper guess for the float32 and int32 rows some sources draw
METRICS_UPPER_GUESS = 16  # metrics a run records per generation and seed; the most today is 12 (n-gram, feedback)


def check_run(model, regime, generations, seeds, samples_per_generation, seed) -> tuple[int, int, int, int]:
    """The settings every generational loop shares, checked: (generations, seeds, samples_per_generation, seed)."""
    check_interface("model", model, "model")
    check_interface("regime", regime, "regime")
    generations = check_int("generations", generations, 1, MAX_GENERATIONS)
    seeds = check_int("seeds", seeds, 1, MAX_SEEDS)
    samples_per_generation = check_int(
        "samples_per_generation", samples_per_generation, model.min_rows,
        why=f"a {model.name} model needs at least {model.min_rows} rows to fit")
    seed = check_int("seed", seed, 0)
    cap = regime.cap
    if cap is not None and cap < samples_per_generation:
        raise ValueError(f"cap must be at least samples_per_generation ({samples_per_generation:,}), so a generation "
                         f"can train on as much as one generation produces; got {cap:,}.")
    return generations, seeds, samples_per_generation, seed


def check_run_memory(real, regime, generations: int, seeds: int, samples_per_generation: int, held_rows: int,
                     held_name: str = "heldout_rows") -> None:
    """Refuse, before anything is allocated, a run whose arrays would need more than MAX_RUN_BYTES.

    Counted: the History (one (generations, seeds) array per metric, METRICS_UPPER_GUESS of them), the real sample
    and one generation's synthetic sample (seeds x rows x values per row), the `held_rows` of real data held for
    judging (`held_name`: the held-out or the validation rows), and, for a regime that keeps old rows
    (accumulate-subsample), the store of every generation's rows, the `cap` rows drawn from it and the random keys
    that draw them. Not counted: what a model keeps inside its fit (a kernel density estimate keeps its points).
    """
    row_bytes = real.values_per_row * BYTES_PER_VALUE
    synthetic_rows = regime.synthetic_rows(samples_per_generation)
    needed = (generations * seeds * METRICS_UPPER_GUESS * BYTES_PER_VALUE
              + seeds * (samples_per_generation + synthetic_rows) * row_bytes + held_rows * row_bytes)
    if regime.keeps_old_rows:
        stored_rows = generations * samples_per_generation
        drawn_rows = stored_rows if regime.cap is None else min(regime.cap, stored_rows)
        needed += seeds * (stored_rows + drawn_rows) * row_bytes + seeds * stored_rows * BYTES_PER_VALUE
    check_memory(f"a run of generations={generations:,} x seeds={seeds:,} x samples_per_generation="
                 f"{samples_per_generation:,} ({held_name}: {held_rows:,} rows)", needed,
                 f"generations, seeds, samples_per_generation or {held_name}")


def fitting_rng(seed: int) -> np.random.Generator:
    """The generator a run's fits draw from (a network's initial weights, its minibatches): a child stream of `seed`,
    independent of the one that draws the data, so models whose fit uses no randomness keep their numbers."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])


def simulate(model, real, regime, *, generations: int, samples_per_generation: int, seeds: int = 1,
             seed: int = 0, heldout_rows: int = 1_000, observe=None) -> History:
    """Run `seeds` independent chains of `generations` models side by side and record every model's metrics.

    Generation 1 is fitted to a real sample of `samples_per_generation` rows per seed; each generation then draws
    that many synthetic rows, and `regime` decides what the next generation trains on. Every model is scored on one
    held-out real test set. The same arguments always give the same numbers.

    `observe(generation, params, output)`, if given, is called after each generation (for progress bars, or to keep
    samples of what the models wrote); `output` is None where the loop did not sample.
    """
    generations, seeds, samples_per_generation, seed = check_run(model, regime, generations, seeds,
                                                                 samples_per_generation, seed)
    heldout_rows = check_int("heldout_rows", heldout_rows, 1)
    check_interface("real", real, "real data")
    check_callable("observe", observe, "a function observe(generation, params, output)")
    check_run_memory(real, regime, generations, seeds, samples_per_generation, heldout_rows)

    rng = np.random.default_rng(seed)
    fitting = fitting_rng(seed)
    heldout = real.heldout(heldout_rows, rng)
    pool = Pool(model, real.draw(seeds, samples_per_generation, rng), keep_old_rows=regime.keeps_old_rows,
                capacity_blocks=generations)
    history = History(regime=regime.name, generations=generations, seeds=seeds)
    training_set = list(pool.summaries)
    synthetic_rows = regime.synthetic_rows(samples_per_generation)
    for generation in range(1, generations + 1):
        params = model.fit(training_set, fitting)
        history.record(generation, {**model.describe(params), "heldout_loss": model.score(params, heldout)})
        last = generation == generations
        # After the last fit nothing trains on the samples: only a model that measures its own output (text
        # diversity, say) draws them, so that its last generation is measured like the others.
        output = model.sample(params, synthetic_rows, rng) if not last or model.describes_output else None
        if model.describes_output:
            history.record(generation, model.describe_output(params, output))
        if observe:
            observe(generation, params, output)
        if not last:
            pool.add(output)
            training_set = regime.training_set(pool, real, samples_per_generation, rng)
    return history
