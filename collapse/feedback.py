"""A human-AI feedback loop: the "real" data are written by people who partly copy what the models wrote.

The remedies "keep the data fresh" and "accumulate the real data" assume that whatever people write stays human. Here
it does not. With an adoption rate a, a share a of people write like the latest model and keep doing so, so the
distribution of human writing moves:

    H_1 = the true distribution,   H_{t+1} = (1 - a) H_t + a M_t,

where M_t is the model of generation t. Unrolled, H_t = (1 - a)^(t-1) H_1 + sum_{k<t} a (1 - a)^(t-1-k) M_k: a row of
H_t copies model t - J, where J ~ Geometric(a) counts the generations back to the one it copied, or is an original
human row if that reaches before model 1. `FeedbackSource` draws rows exactly so, from the true source and from the
stored models of past generations.

Each generation trains on a remedy's choice of data (see REMEDIES): a fresh crawl of human writing (the reply's
remedy), every human-written block gathered so far, or those plus every model's own output (Gerstgrasser et al.
2024, arXiv:2404.01413, with fresh human data added each generation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

import numpy as np

from collapse._checks import check_bool, check_choice, check_fraction, check_interface
from collapse.history import History
from collapse.loop import simulate
from collapse.models.base import RealData
from collapse.regimes import FreshMix, Pool, Regime


@dataclass
class FeedbackSource(RealData):
    """Human writing that drifts towards the models: draws from H_t, where t - 1 is the number of models seen so far.

    Pass `observe` to `simulate`: it stores each generation's fitted model, so that later draws can copy it. Held-out
    data always come from the true source: distances are measured from the ORIGINAL human distribution.
    """

    true_source: object  # the real world before any model existed (GaussianSource, TextSource, ...)
    model: object  # the model whose fits people copy; its `sample` writes the copied rows
    adoption: float  # a: the share of the human distribution that moves to the latest model each generation
    fitted: list = field(default_factory=list, init=False)  # params of models 1, 2, ... in order
    model_shares: list = field(default_factory=list, init=False)  # per draw, the share of rows copied, (seeds,)

    def __post_init__(self):
        check_interface("true_source", self.true_source, "real data")
        check_interface("model", self.model, "model")
        self.adoption = check_fraction("adoption", self.adoption,
                                       why="the share of human writing that moves to the latest model each generation")

    @property
    def values_per_row(self) -> int:
        return self.true_source.values_per_row

    def observe(self, generation: int, params, output) -> None:
        if generation != len(self.fitted) + 1:
            raise ValueError(f"models must be observed in order: expected generation {len(self.fitted) + 1}, "
                             f"got {generation}; build a new FeedbackSource for each run.")
        self.fitted.append(params)

    def origins(self, seeds: int, rows: int, rng: np.random.Generator) -> np.ndarray:
        """Which distribution each row copies: 0 for the true one, k for model k. Shape (seeds, rows)."""
        models = len(self.fitted)
        if models == 0 or self.adoption == 0:
            return np.zeros((seeds, rows), dtype=np.intp)
        back = rng.geometric(self.adoption, size=(seeds, rows))  # generations back to the model copied, >= 1
        return np.where(back <= models, models + 1 - back, 0)

    def draw(self, seeds: int, rows: int, rng: np.random.Generator) -> np.ndarray:
        """`rows` rows per seed from H_t: each origin writes its rows in one call, for every seed at once."""
        origin = self.origins(seeds, rows, rng)
        origins = len(self.fitted) + 1
        # rows each seed takes from each origin, (seeds, origins)
        counts = np.bincount((origin + origins * np.arange(seeds)[:, None]).ravel(),
                             minlength=seeds * origins).reshape(seeds, origins)
        most = counts.max(axis=0)
        blocks = [(self.true_source.draw(seeds, int(size), rng) if source == 0
                   else self.model.sample(self.fitted[source - 1], int(size), rng))
                  for source, size in enumerate(most) if size]
        written = np.concatenate(blocks, axis=1)  # (seeds, most.sum(), *event_shape): origin by origin
        # the i-th row of a seed that copies an origin takes that seed's i-th row of the origin's block
        order = np.argsort(origin, axis=1, kind="stable")
        first = np.cumsum(counts, axis=1) - counts  # where each origin's rows begin in a seed's sorted rows
        rank = np.empty_like(origin)
        np.put_along_axis(rank, order, np.arange(rows) - np.take_along_axis(first, np.take_along_axis(
            origin, order, axis=1), axis=1), axis=1)
        offset = np.cumsum(most) - most  # where each origin's block begins in `written`
        self.model_shares.append((origin > 0).mean(axis=1))
        return written[np.arange(seeds)[:, None], offset[origin] + rank]

    def heldout(self, rows: int, rng: np.random.Generator) -> np.ndarray:
        return self.true_source.heldout(rows, rng)


class AccumulateHuman(Regime):
    """Each generation gathers a fresh block of human writing, n rows from H_{t+1}, and trains on every human block
    so far; with `with_synthetic`, on every model's own output too (the pool of `simulate`).

    The running total of the fresh blocks is kept per pool, so one regime object can serve several runs.
    """

    def __init__(self, with_synthetic: bool):
        self.with_synthetic = check_bool("with_synthetic", with_synthetic)
        self.name = "accumulate-everything" if self.with_synthetic else "accumulate-human"
        self._fresh_total = WeakKeyDictionary()  # pool -> summary of the human blocks after the first

    def training_set(self, pool: Pool, real, samples_per_generation: int, rng: np.random.Generator) -> list:
        if not pool.model.additive_summaries:
            raise ValueError(f"{self.name} needs a model whose summaries add up (additive_summaries); "
                             f"{pool.model.name} has none.")
        fresh = pool.model.summarise(real.draw(pool.latest_rows.shape[0], samples_per_generation, rng))
        total = self._fresh_total.get(pool)
        total = fresh if total is None else pool.model.combine([total, fresh])
        self._fresh_total[pool] = total
        first_human_block = pool.summaries[0]
        return [*pool.everything(), total] if self.with_synthetic else [first_human_block, total]


REMEDIES = {
    "fresh-crawl": "each generation trains on a fresh crawl of n human-written rows",
    "accumulate-human": "each generation adds n human-written rows and trains on all of them",
    "accumulate-everything": "as accumulate-human, plus every model's own output (Gerstgrasser et al.)",
}


def make_remedy(name: str):
    check_choice("remedy", name, list(REMEDIES))
    if name == "fresh-crawl":
        return FreshMix(real_share=1.0)
    return AccumulateHuman(with_synthetic=name == "accumulate-everything")


def run_feedback(model, true_source, *, adoption: float, remedy: str, generations: int, samples_per_generation: int,
                 seeds: int = 1, seed: int = 0, heldout_rows: int = 1_000) -> History:
    """Run the loop with human writing that drifts towards the models; returns the History of `simulate` plus
    two metrics per generation t and seed:

    - "fresh_model_share": the share of the human block drawn for generation t (from H_t) that copies a model;
    - "human_pool_model_share": the same share over every human block gathered up to generation t.
    """
    world = FeedbackSource(true_source, model, adoption)
    history = simulate(model, world, make_remedy(remedy), generations=generations,
                       samples_per_generation=samples_per_generation, seeds=seeds, seed=seed,
                       heldout_rows=heldout_rows, observe=world.observe)
    shares = np.array(world.model_shares[:generations])  # draw t - 1 is the block of generation t (equal sizes)
    pooled = np.cumsum(shares, axis=0) / np.arange(1, generations + 1)[:, None]
    for generation in range(1, generations + 1):
        history.record(generation, {"fresh_model_share": shares[generation - 1],
                                    "human_pool_model_share": pooled[generation - 1]})
    return history
