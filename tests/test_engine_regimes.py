"""Exactly which rows each generation trains on, under each regime.

A tagging model stands in for a real one: every row carries (origin tag, row number). Real rows drawn by the source
are tagged -1, -2, ... in the order they are drawn (-1 is the first real sample); synthetic rows of generation t are
tagged t. The model's summary is the rows themselves, and `fit` records what it was given.
"""

import math

import numpy as np
import pytest

from collapse import Accumulate, AccumulateSubsample, FreshMix, Replace, make_regime, simulate
from collapse import regimes
from collapse.regimes import random_subsets
from tests.tagging import TaggingModel, TaggingSource, tag_counts

SAMPLES = 6
SEEDS = 3


def training_sets(regime, generations=5, samples=SAMPLES):
    source = TaggingSource()
    model = TaggingModel(SEEDS)
    simulate(model, source, regime, generations=generations, samples_per_generation=samples, seeds=SEEDS)
    return model.training_sets


def all_rows(generations):
    """(tag, row) pairs of the first real sample and every synthetic block up to `generations`."""
    return {(tag, row) for tag in [-1, *range(1, generations + 1)] for row in range(SAMPLES)}


@pytest.mark.parametrize("regime", [Replace(), Accumulate(), AccumulateSubsample(cap=4 * SAMPLES), FreshMix(0.5)])
def test_generation_one_trains_on_the_first_real_sample(regime):
    first = training_sets(regime)[0]
    assert first.shape == (SEEDS, SAMPLES, 2)
    assert (first[..., 0] == -1).all() and (first[..., 1] == np.arange(SAMPLES)).all()


def test_replace_trains_only_on_the_previous_generation():
    for generation, rows in enumerate(training_sets(Replace()), start=1):
        if generation > 1:
            for seed_rows in rows:
                assert tag_counts(seed_rows) == {generation - 1: SAMPLES}
                assert sorted(seed_rows[:, 1]) == list(range(SAMPLES))


def test_accumulate_trains_on_the_real_sample_and_every_synthetic_block_once():
    for generation, rows in enumerate(training_sets(Accumulate()), start=1):
        expected = {-1: SAMPLES, **{tag: SAMPLES for tag in range(1, generation)}}
        for seed_rows in rows:
            assert tag_counts(seed_rows) == expected
            assert {tuple(map(int, row)) for row in seed_rows} == all_rows(generation - 1)


def test_accumulate_subsample_is_accumulate_until_the_pool_outgrows_the_cap():
    cap = 3 * SAMPLES
    for generation, rows in enumerate(training_sets(AccumulateSubsample(cap), generations=6), start=1):
        pool = all_rows(generation - 1)
        for seed_rows in rows:
            drawn = [tuple(map(int, row)) for row in seed_rows]
            assert len(drawn) == min(cap, len(pool))  # exactly the cap once the pool is larger
            assert len(set(drawn)) == len(drawn)  # without replacement
            assert set(drawn) <= pool  # only rows the run has produced, from the real sample onwards
            if len(pool) <= cap:
                assert set(drawn) == pool


def test_accumulate_subsample_draws_uniformly_from_the_whole_pool():
    # With cap = one generation's size, generation 6 draws SAMPLES of the 6 * SAMPLES pooled rows: the number that
    # come from any one block is hypergeometric with mean SAMPLES / 6. Check it for every block over many seeds.
    seeds, generations, cap = 4_000, 6, SAMPLES
    source = TaggingSource()
    model = TaggingModel(seeds)
    simulate(model, source, AccumulateSubsample(cap), generations=generations, samples_per_generation=SAMPLES,
             seeds=seeds)
    last = model.training_sets[-1]
    population, blocks = generations * SAMPLES, generations
    mean = cap / blocks
    variance = cap * (1 / blocks) * (1 - 1 / blocks) * (population - cap) / (population - 1)
    for tag in [-1, *range(1, generations)]:
        per_seed = (last[..., 0] == tag).sum(axis=1)
        assert abs(per_seed.mean() - mean) < 5 * np.sqrt(variance / seeds), tag


@pytest.mark.parametrize("share, fresh", [(0.0, 0), (0.5, 3), (1.0, SAMPLES), (1 / 3, 2)])  # shares 6 rows express
def test_fresh_mix_trains_on_new_real_rows_plus_the_last_generation(share, fresh):
    for generation, rows in enumerate(training_sets(FreshMix(share)), start=1):
        if generation == 1:
            continue
        for seed_rows in rows:
            counts = tag_counts(seed_rows)
            assert sum(counts.values()) == SAMPLES
            assert counts.get(generation - 1, 0) == SAMPLES - fresh
            # fresh real rows are rows 0..k-1 of a draw and the synthetic ones rows k..n-1 of the last sample: each
            # row number once, so a fixed design trains on every design row (collapse.models.linear)
            assert sorted(seed_rows[:, 1].tolist()) == list(range(SAMPLES))
            real_tags = [tag for tag in counts if tag < 0]
            # fresh rows come from a new real draw each generation, never the first real sample again
            assert sum(counts[tag] for tag in real_tags) == fresh
            if fresh:
                assert real_tags == [-generation] and -1 not in counts


@pytest.mark.parametrize("method", ["keys", "floyd"])
@pytest.mark.parametrize("population, size", [(10, 3), (10, 10), (50, 1), (7, 0)])
def test_random_subsets_are_distinct_and_uniform(method, population, size):
    seeds = 20_000
    chosen = random_subsets(np.random.default_rng(1), seeds, population, size, method=method)
    assert chosen.shape == (seeds, size)
    assert ((chosen >= 0) & (chosen < population)).all()
    assert all(len(set(row)) == size for row in chosen[:200])
    sorted_rows = np.sort(chosen, axis=1)
    assert (np.diff(sorted_rows, axis=1) > 0).all()  # distinct in every row
    # each element is included with probability size / population, independently across seeds
    inclusion = np.bincount(chosen.ravel(), minlength=population) / seeds
    p = size / population
    assert np.all(np.abs(inclusion - p) <= 5 * np.sqrt(p * (1 - p) / seeds) + 1e-12)



@pytest.mark.parametrize("method", ["keys", "floyd"])
def test_random_subsets_draw_every_subset_equally_often(method):
    """Uniform over whole subsets, not only over each element's inclusion: all C(6, 3) = 20 subsets, each with
    probability 1/20, within 5 binomial standard deviations over the seeds."""
    seeds, population, size = 40_000, 6, 3
    chosen = np.sort(random_subsets(np.random.default_rng(2), seeds, population, size, method=method), axis=1)
    subsets, counts = np.unique(chosen, axis=0, return_counts=True)
    assert len(subsets) == math.comb(population, size)
    p = 1 / len(subsets)
    assert np.all(np.abs(counts / seeds - p) <= 5 * np.sqrt(p * (1 - p) / seeds))


@pytest.mark.parametrize("population, size", [(10, 10), (10, 3), (64, 32), (4_800, 32), (100, 99), (3, 2), (7, 0)])
def test_floyd_at_once_picks_what_floyd_step_by_step_picks(population, size):
    """The whole-array version (`_floyd`) against the algorithm as Bentley and Floyd wrote it, one step at a time,
    on the same candidates: the same picks, clashes and chains of clashes included."""
    seeds = 200
    tops = np.arange(population - size, population)
    candidates = np.random.default_rng(3).integers(0, tops + 1, size=(seeds, size))
    expected = np.empty_like(candidates)
    for row in range(seeds):
        taken = set()
        for step, top in enumerate(tops):
            pick = top if candidates[row, step] in taken else candidates[row, step]
            taken.add(pick)
            expected[row, step] = pick
    assert np.array_equal(regimes._floyd(np.random.default_rng(3), seeds, population, size), expected)

def test_make_regime_builds_each_regime_and_explains_missing_options():
    assert make_regime("replace") == Replace()
    assert make_regime("accumulate") == Accumulate()
    assert make_regime("accumulate-subsample", cap=40) == AccumulateSubsample(40)
    assert make_regime("fresh-mix", real_share=0.25) == FreshMix(0.25)
    with pytest.raises(ValueError, match="needs cap"):
        make_regime("accumulate-subsample")
    with pytest.raises(ValueError, match="needs real_share"):
        make_regime("fresh-mix")
    with pytest.raises(ValueError, match="regime must be one of 'replace', 'accumulate'"):
        make_regime("resample")


@pytest.mark.parametrize("bad, message", [
    (lambda: AccumulateSubsample(0), "cap must be a whole number of at least 1"),
    (lambda: AccumulateSubsample(2.5), "cap must be a whole number"),
    (lambda: FreshMix(1.5), "real_share must be a number from 0 to 1"),
    (lambda: FreshMix("half"), "real_share must be a number from 0 to 1"),
    (lambda: random_subsets(np.random.default_rng(0), 2, 5, 6), "size must be from 0 to population"),
    (lambda: training_sets(AccumulateSubsample(SAMPLES - 1)), "cap must be at least samples_per_generation"),
])
def test_bad_regime_options_raise_clear_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        bad()
