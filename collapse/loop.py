"""The generational loop shared by every model and regime: fit, sample, pick the next training set, repeat."""

from __future__ import annotations

import numpy as np

from collapse._checks import check_int
from collapse.history import History
from collapse.regimes import Pool

MAX_GENERATIONS = 10_000
MAX_SEEDS = 100_000


def check_run(model, regime, generations, seeds, samples_per_generation, seed) -> tuple[int, int, int, int]:
    """The settings every generational loop shares, checked: (generations, seeds, samples_per_generation, seed)."""
    generations = check_int("generations", generations, 1, MAX_GENERATIONS)
    seeds = check_int("seeds", seeds, 1, MAX_SEEDS)
    samples_per_generation = check_int(
        "samples_per_generation", samples_per_generation, model.min_rows,
        why=f"a {model.name} model needs at least {model.min_rows} rows to fit")
    seed = check_int("seed", seed, 0)
    cap = getattr(regime, "cap", None)
    if cap is not None and cap < samples_per_generation:
        raise ValueError(f"cap must be at least samples_per_generation ({samples_per_generation:,}), so a generation "
                         f"can train on as much as one generation produces; got {cap:,}.")
    return generations, seeds, samples_per_generation, seed


def rows_to_sample(regime, samples_per_generation: int) -> int:
    """Synthetic rows each generation draws: one generation's worth, unless the regime asks for another amount
    (fixed-real-mix)."""
    return getattr(regime, "synthetic_rows", lambda rows: rows)(samples_per_generation)


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

    rng = np.random.default_rng(seed)
    heldout = real.heldout(heldout_rows, rng)
    pool = Pool(model, real.draw(seeds, samples_per_generation, rng), keep_old_rows=regime.keeps_old_rows,
                capacity_blocks=generations)
    history = History(regime=regime.name, generations=generations, seeds=seeds)
    training_set = list(pool.summaries)
    # Models that can say something about their own output (text diversity, say) see every generation's samples,
    # the last one's included; the others stop sampling after the last fit.
    describes_output = hasattr(model, "describe_output")
    synthetic_rows = rows_to_sample(regime, samples_per_generation)
    for generation in range(1, generations + 1):
        params = model.fit(training_set)
        history.record(generation, {**model.describe(params), "heldout_loss": model.score(params, heldout)})
        if generation == generations and not describes_output:
            if observe:
                observe(generation, params, None)
            break
        output = model.sample(params, synthetic_rows, rng)
        if describes_output:
            history.record(generation, model.describe_output(params, output))
        if observe:
            observe(generation, params, output)
        if generation == generations:
            break
        pool.add(output)
        training_set = regime.training_set(pool, real, samples_per_generation, rng)
    return history
