"""A validation gate on the generational loop: a new model is deployed only if it beats the deployed one.

The reply to the article (see the project's seeds) argues that models cannot get worse, because a worse one would be
thrown away and the better one kept. `simulate_gated` runs that policy. Generation 1 is fitted to the real sample and
deployed. Every later generation trains a *candidate* on data chosen by a regime from the deployed model's samples
(so that replace means "from the model in service"), scores it on a held-out real validation set, and deploys it only
if its validation loss is strictly lower than the deployed model's; otherwise the deployed model stays.

What matters is not the validation loss but the true error, measured from the parameters: KL(real || fitted) for a
Gaussian, ||w - w*||^2 for linear regression. The gate sees the true error only through a finite validation set, drawn
once per seed and reused every generation, as a held-out set is in practice. The "oracle" gate ranks by the true error
itself: a validation set of infinite size.

The gate uses three parts of the interface (`collapse.models.base`) that have defaults: `real.validation(seeds, rows,
rng)` draws the validation rows (a fresh draw, except for a fixed design, whose inputs are all training inputs),
`model.validation_loss(params, rows)` scores them (the held-out loss, except for least squares), and
`model.true_error` names the measurement the oracle ranks by (a model without one cannot be gated here).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from collapse._checks import check_choice, check_instance, check_int, check_interface
from collapse.history import History
from collapse.loop import check_run, check_run_memory, fitting_rng
from collapse.regimes import Pool

GATES = ("validation", "oracle")  # rank by the validation loss, or by the true error itself
MAX_VALIDATION_ROWS = 100_000
MAX_VALIDATION_VALUES = 20_000_000  # seeds x validation rows held at once: 160 MB of float64 for one-number rows


def select_per_seed(take_first: np.ndarray, first, second):
    """Per seed, `first`'s parameters where `take_first` (seeds,) is True and `second`'s elsewhere.

    Parameters are arrays shaped (seeds, ...) or dataclasses whose fields are; a dataclass is rebuilt field by field.
    """
    if dataclasses.is_dataclass(first):
        return dataclasses.replace(first, **{
            field.name: select_per_seed(take_first, getattr(first, field.name), getattr(second, field.name))
            for field in dataclasses.fields(first)})
    first = np.asarray(first)
    return np.where(take_first.reshape(take_first.shape + (1,) * (first.ndim - 1)), first, second)


def true_error_name(model) -> str:
    """The measurement of `model.describe` that says how far a fit is from the truth; refused for a model whose
    truth is unknown (a text model), which no gate can be judged on."""
    check_interface("model", model, "model")
    if model.true_error is None:
        raise ValueError(f"the gate needs a model whose true error is known (model.true_error, such as a Gaussian's "
                         f"KL or a regression's weight error); a {model.name} model has none.")
    return model.true_error


def simulate_gated(model, real, regime, *, generations: int, samples_per_generation: int, validation_rows: int,
                   seeds: int = 1, seed: int = 0, gate: str = "validation") -> History:
    """Run `seeds` gated chains side by side; return their History.

    Recorded per generation and seed: `true_error` and `validation_loss` of the deployed model (after this
    generation's decision), `candidate_true_error` and `candidate_validation_loss` of the model trained this
    generation, and `deployed` (1 where the candidate was deployed; generation 1 is always deployed).
    """
    generations, seeds, samples_per_generation, seed = check_run(model, regime, generations, seeds,
                                                                 samples_per_generation, seed)
    validation_rows = check_int("validation_rows", validation_rows, 1, MAX_VALIDATION_ROWS,
                                why="the real rows set aside to judge each candidate")
    if seeds * validation_rows > MAX_VALIDATION_VALUES:
        raise ValueError(f"seeds x validation_rows is {seeds * validation_rows:,}; at most {MAX_VALIDATION_VALUES:,} "
                         "validation rows are held at once. Lower the seeds or the validation rows.")
    check_choice("gate", gate, GATES)
    check_interface("real", real, "real data")
    error_name = true_error_name(model)
    check_run_memory(real, regime, generations, seeds, samples_per_generation, seeds * validation_rows,
                     "validation_rows")

    rng = np.random.default_rng(seed)
    validation = real.validation(seeds, validation_rows, rng)

    def measure(params) -> tuple[np.ndarray, np.ndarray]:
        return model.describe(params)[error_name], model.validation_loss(params, validation)

    pool = Pool(model, real.draw(seeds, samples_per_generation, rng), keep_old_rows=regime.keeps_old_rows,
                capacity_blocks=generations)
    history = History(regime=f"{regime.name}, {gate} gate", generations=generations, seeds=seeds)
    fitting = fitting_rng(seed)
    deployed = model.fit(pool.summaries, fitting)
    error, validation_loss = measure(deployed)
    history.record(1, {"true_error": error, "validation_loss": validation_loss, "candidate_true_error": error,
                       "candidate_validation_loss": validation_loss, "deployed": np.ones(seeds)})
    synthetic_rows = regime.synthetic_rows(samples_per_generation)
    for generation in range(2, generations + 1):
        pool.add(model.sample(deployed, synthetic_rows, rng))
        candidate = model.fit(regime.training_set(pool, real, samples_per_generation, rng), fitting)
        candidate_error, candidate_loss = measure(candidate)
        better = candidate_loss < validation_loss if gate == "validation" else candidate_error < error
        deployed = select_per_seed(better, candidate, deployed)
        error, validation_loss = np.where(better, candidate_error, error), np.where(better, candidate_loss,
                                                                                     validation_loss)
        history.record(generation, {"true_error": error, "validation_loss": validation_loss,
                                    "candidate_true_error": candidate_error,
                                    "candidate_validation_loss": candidate_loss, "deployed": better.astype(float)})
    return history


def harmful_deployments(history: History) -> np.ndarray:
    """Where a deployment raised the true error: (generations - 1, seeds) booleans, from generation 2 on."""
    check_instance("history", history, History, "the History of a gated run (simulate_gated)")
    error = history.metric("true_error")
    return (history.metric("deployed")[1:] == 1) & (error[1:] > error[:-1])


def outcomes(history: History, late_generations: int = 10) -> dict[str, float]:
    """What the gate did over a run, across seeds.

    - `runs_made_worse`: share of runs in which some deployment raised the true error;
    - `harmful_share`: share of deployments (after generation 1) that raised it;
    - `deployment_rate_first`, `deployment_rate_late`: share of candidates deployed at generation 2, and over the
      last `late_generations` generations (a stall shows as the second far below the first);
    - `runs_better_than_first`: share of runs whose final model has a lower true error than generation 1's;
    - `final_over_first`: mean final true error over mean generation-1 true error.
    """
    check_instance("history", history, History, "the History of a gated run (simulate_gated)")
    if history.generations < 2:
        raise ValueError("history must be of a gated run of at least 2 generations, so that some candidate was "
                         f"judged; got one of {history.generations}.")
    late_generations = check_int("late_generations", late_generations, 1, history.generations - 1,
                                 why="the generations after the first to average the late deployment rate over")
    harmful = harmful_deployments(history)
    deployed = history.metric("deployed")[1:] == 1
    error = history.metric("true_error")
    return {"runs_made_worse": float(harmful.any(axis=0).mean()),
            "harmful_share": float(harmful.sum() / max(deployed.sum(), 1)),
            "deployment_rate_first": float(deployed[0].mean()),
            "deployment_rate_late": float(deployed[-late_generations:].mean()),
            "runs_better_than_first": float((error[-1] < error[0]).mean()),
            "final_over_first": float(error[-1].mean() / error[0].mean())}
