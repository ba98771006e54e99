"""The human-AI feedback loop (collapse/feedback.py): exactly which rows the drifting "real" world hands out, and
the closed forms of collapse/theory.py checked over many seeds, with tolerances of 5 standard errors."""

import numpy as np
import pytest

from collapse import GaussianModel, GaussianSource, theory
from collapse.feedback import REMEDIES, AccumulateHuman, FeedbackSource, make_remedy, run_feedback
from collapse.loop import simulate
from collapse.models.base import RealData
from tests.tagging import TaggingModel, tag_counts, tagged

SEEDS = 4


class AddingTaggingModel(TaggingModel):
    """Its summaries add up, as the accumulating remedies need."""

    additive_summaries = True

    def combine(self, summaries):
        return np.concatenate(summaries, axis=1)


class TrueRows(RealData):
    """The true world: its rows have origin 0, where a row written by model k has origin k (tests/tagging.py)."""

    def draw(self, seeds, rows, rng):
        return tagged(seeds, rows, 0)

    def heldout(self, rows, rng):
        return tagged(1, rows, -1)


def tagging_run(adoption, remedy, generations=6, samples=50):
    model = AddingTaggingModel(SEEDS)
    history = run_feedback(model, TrueRows(), adoption=adoption, remedy=remedy, generations=generations,
                           samples_per_generation=samples, seeds=SEEDS)
    return model.training_sets, history


def origins(rows):
    return set(np.unique(rows[..., 0]).astype(int).tolist())


@pytest.mark.parametrize("remedy", list(REMEDIES))
def test_no_adoption_gives_only_true_human_rows(remedy):
    sets, history = tagging_run(0.0, remedy, samples=50)
    if remedy == "accumulate-everything":  # every human block is true; the models' own blocks are there beside them
        for generation, rows in enumerate(sets, 1):
            assert all(tag_counts(seed_rows) == {0: 50 * generation, **{g: 50 for g in range(1, generation)}}
                       for seed_rows in rows)
    else:
        assert all(origins(rows) == {0} for rows in sets)
    assert np.all(history.metric("human_pool_model_share") == 0)


def test_full_adoption_gives_only_the_latest_models_rows():
    sets, history = tagging_run(1.0, "fresh-crawl")
    assert origins(sets[0]) == {0}  # generation 1 trains on the true world
    for generation in range(2, len(sets) + 1):
        assert origins(sets[generation - 1]) == {generation - 1}  # fresh "human" rows are model t - 1's writing
    assert np.all(history.metric("fresh_model_share")[1:] == 1)


def test_accumulate_human_trains_on_every_human_block_and_everything_adds_the_models_output():
    human, _ = tagging_run(1.0, "accumulate-human", generations=4, samples=5)
    everything, _ = tagging_run(1.0, "accumulate-everything", generations=4, samples=5)
    for generation in range(1, 5):
        # human blocks: block 1 is true, block s > 1 copies model s - 1 (a = 1)
        expected = sorted([0] * 5 + [s for s in range(1, generation) for _ in range(5)])
        assert sorted(human[generation - 1][0, :, 0].astype(int).tolist()) == expected
        # plus the synthetic block each model 1..generation-1 wrote, which a = 1 makes look the same
        assert sorted(everything[generation - 1][0, :, 0].astype(int).tolist()) == sorted(expected + expected[5:])


def test_copied_rows_follow_the_geometric_weights():
    adoption, draws = 0.4, 20_000
    source = FeedbackSource(TrueRows(), TaggingModel(SEEDS), adoption)
    for generation in range(1, 5):
        source.observe(generation, generation, None)
    rows = source.draw(SEEDS, draws // SEEDS, np.random.default_rng(3))[..., 0].ravel()
    weights = {0: (1 - adoption) ** 4, **{k: adoption * (1 - adoption) ** (4 - k) for k in range(1, 5)}}
    for origin, weight in weights.items():
        share = np.mean(rows == origin)
        assert abs(share - weight) < 5 * np.sqrt(weight * (1 - weight) / draws), (origin, share, weight)


def test_shares_match_their_closed_forms():
    adoption, seeds, generations = 0.3, 2_000, 12
    history = run_feedback(GaussianModel(), GaussianSource(), adoption=adoption, remedy="accumulate-human",
                           generations=generations, samples_per_generation=10, seeds=seeds, heldout_rows=1)
    t = np.arange(1, generations + 1)
    for name, closed in (("fresh_model_share", theory.feedback_fresh_share(t, adoption)),
                         ("human_pool_model_share", theory.feedback_pool_share(t, adoption))):
        values = history.metric(name)
        error = values.std(axis=1, ddof=1) / np.sqrt(seeds)
        assert np.all(np.abs(values.mean(axis=1) - closed) <= 5 * error + 1e-12), name


def test_pool_share_closed_form_is_the_average_of_the_block_shares():
    t = np.arange(1, 30)
    blocks = theory.feedback_fresh_share(t, 0.2)
    assert np.allclose(theory.feedback_pool_share(t, 0.2), np.cumsum(blocks) / t)
    assert np.all(theory.feedback_pool_share(t, 0.0) == 0)


@pytest.mark.parametrize("adoption", [0.5, 1.0])
def test_fresh_crawl_gaussian_moments_match_the_closed_form(adoption):
    n, seeds, generations = 10, 4_000, 30
    history = run_feedback(GaussianModel(), GaussianSource(), adoption=adoption, remedy="fresh-crawl",
                           generations=generations, samples_per_generation=n, seeds=seeds, seed=11, heldout_rows=1)
    closed = theory.feedback_fresh_crawl_moments(np.arange(1, generations + 1), n, adoption)
    for simulated, name in ((history.metric("std") ** 2, "model variance"),
                            (history.metric("mean") ** 2, "model mean drift")):
        error = simulated.std(axis=1, ddof=1) / np.sqrt(seeds)
        assert np.all(np.abs(simulated.mean(axis=1) - closed[name]) <= 5 * error), name


def test_full_adoption_fresh_crawl_is_replace():
    t = np.arange(1, 20)
    closed = theory.feedback_fresh_crawl_moments(t, 10, 1.0)
    assert np.allclose(closed["model variance"], theory.expected_variance_replace(t, 10))
    assert np.allclose(closed["model mean drift"], theory.expected_mean_drift_replace(t, 10))


def test_accumulating_human_data_converges_without_adoption_and_is_accumulate_at_full_adoption():
    n, seeds, generations = 10, 4_000, 20
    t = np.arange(1, generations + 1)
    runs = {a: run_feedback(GaussianModel(), GaussianSource(), adoption=a, remedy="accumulate-human",
                            generations=generations, samples_per_generation=n, seeds=seeds, seed=5, heldout_rows=1)
            for a in (0.0, 1.0)}
    # a = 0: t n true rows, so E[mu_t^2] = 1 / (t n) and E[s_t^2] = (t n - 1) / (t n)
    # a = 1: block s + 1 is model s's writing: Gerstgrasser et al.'s accumulate
    for a, variance in ((0.0, (t * n - 1) / (t * n)), (1.0, theory.expected_variance_accumulate(t, n))):
        simulated = runs[a].metric("std") ** 2
        error = simulated.std(axis=1, ddof=1) / np.sqrt(seeds)
        assert np.all(np.abs(simulated.mean(axis=1) - variance) <= 5 * error), a
    drift = runs[0.0].metric("mean") ** 2
    assert np.all(np.abs(drift.mean(axis=1) - 1 / (t * n)) <= 5 * drift.std(axis=1, ddof=1) / np.sqrt(seeds))


def test_same_arguments_give_the_same_numbers():
    def run(seed):
        return run_feedback(GaussianModel(), GaussianSource(), adoption=0.3, remedy="accumulate-everything",
                            generations=8, samples_per_generation=10, seeds=50, seed=seed, heldout_rows=1)

    first, again, other = run(1), run(1), run(2)
    for name in ("kl_from_real", "human_pool_model_share"):
        assert np.array_equal(first.metric(name), again.metric(name))
    assert not np.array_equal(first.metric("kl_from_real"), other.metric("kl_from_real"))


@pytest.mark.parametrize("adoption", [-0.1, 1.5, "half", True])
def test_bad_adoption_is_refused(adoption):
    with pytest.raises(ValueError, match="adoption must be a number from 0 to 1"):
        FeedbackSource(GaussianSource(), GaussianModel(), adoption)


def test_unknown_remedy_lists_the_choices():
    with pytest.raises(ValueError, match="remedy must be one of 'fresh-crawl'"):
        make_remedy("filter")


def test_models_must_be_observed_in_order():
    source = FeedbackSource(GaussianSource(), GaussianModel(), 0.5)
    with pytest.raises(ValueError, match="expected generation 1, got 2"):
        source.observe(2, None, None)


def test_accumulating_needs_a_model_whose_summaries_add_up():
    with pytest.raises(ValueError, match="summaries add up"):
        simulate(TaggingModel(SEEDS), TrueRows(), AccumulateHuman(False), generations=2, samples_per_generation=3,
                 seeds=SEEDS)
