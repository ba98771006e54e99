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

Below the gate itself are the experiments of the chapter "Throw the worse models away?": `runs` puts the validation
gate beside its references (the oracle gate, no gate, accumulate) for a model of the registry whose true error is
known; `GateSettings` states every setting of the live panel once; `static_grid` computes, at build time, every
setting the static chart offers. widgets/gate.py only draws them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from collapse._checks import check_choice, check_instance, check_int, check_interface
from collapse.history import History
from collapse.loop import check_run, check_run_memory, fitting_rng, simulate
from collapse.models.registry import ModelEntry, Setup, entries, model_entry
from collapse.regimes import Pool, make_regime
from collapse.settings import Settings, cap_setting, real_share_setting, regime_setting, setting

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


LATE_GENERATIONS = 10  # the last generations over which `outcomes` averages the late deployment rate


def outcomes(history: History, late_generations: int = LATE_GENERATIONS) -> dict[str, float]:
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


# --- the chapter's experiments: the gated run beside its references, the live panel's settings, the static grid --
DIMENSION = 10  # features of the regression model
SETUP_OPTIONS = {"regression": {"dimension": DIMENSION}}  # what this chapter fixes in a model's setup
MAX_WORK = 15_000_000  # seeds x generations x (samples + 2 x validation rows), x d for regression, a redraw may take


def chapter_models() -> tuple[ModelEntry, ...]:
    """The models a gate can be judged on: the registry's live models whose true error is known."""
    return entries(with_true_error=True)


def model_label(entry: ModelEntry) -> str:
    """How menus name a model, with the sizes this chapter fixes (the regression's d)."""
    dimension = SETUP_OPTIONS.get(entry.name, {}).get("dimension")
    return f"{entry.label} (d = {dimension})" if dimension else entry.label


def world_and_model(model: str, samples_per_generation: int, seeds: int, seed: int) -> Setup:
    """The real world and the model of one setting, built by the registry: N(0, 1) and a Gaussian fit, or a fixed
    design of `samples_per_generation` rows per seed and least squares."""
    entry = model_entry(check_choice("model", model, tuple(entry.name for entry in chapter_models())))
    return entry.setup(samples_per_generation, seeds, seed, **SETUP_OPTIONS.get(entry.name, {}))


def runs(model: str, regime: str, validation_rows: int, samples_per_generation: int, generations: int, seeds: int,
         seed: int = 0, real_share: float = 0.2, cap_generations: int = 2, references: bool = True
         ) -> dict[str, History]:
    """The validation gate's run under `regime` and, with `references`, the oracle gate's, the ungated regime's and
    ungated accumulate's, by series name. Each History records the deployed model's true error as `true_error`."""
    built = world_and_model(model, samples_per_generation, seeds, seed)
    chosen = make_regime(regime, cap=cap_generations * samples_per_generation, real_share=real_share)
    sizes = dict(generations=generations, samples_per_generation=samples_per_generation, seeds=seeds, seed=seed)
    result = {"validation gate": simulate_gated(built.model, built.real, chosen, validation_rows=validation_rows,
                                                **sizes)}
    if references:
        error_name = true_error_name(built.model)
        result["oracle gate"] = simulate_gated(built.model, built.real, chosen, validation_rows=1, gate="oracle",
                                               **sizes)
        for name, ungated in (("no gate", chosen), ("accumulate, no gate", make_regime("accumulate"))):
            history = simulate(built.model, built.real, ungated, heldout_rows=1, **sizes)
            result[name] = History.from_metrics(history.regime, {"true_error": history.metric(error_name)})
    return result


def error_curves(result: dict[str, History]) -> pd.DataFrame:
    """Mean true error per generation of each series, divided by the mean true error of generation 1: columns
    generation, series, relative."""
    return pd.concat([history.relative("true_error", centre="mean").assign(series=name)
                      for name, history in result.items()], ignore_index=True)[["generation", "series", "relative"]]


RATES = ("candidate deployed", "deployed and worse")


def rate_curves(history: History) -> pd.DataFrame:
    """Per generation from 2 on: the share of runs whose candidate was deployed, and whose deployment raised the
    true error."""
    return pd.DataFrame({"generation": np.arange(2, history.generations + 1),
                         RATES[0]: history.metric("deployed")[1:].mean(axis=1),
                         RATES[1]: harmful_deployments(history).mean(axis=1)})


def outcomes_table(histories: dict) -> pd.DataFrame:
    """`outcomes` of each gated run, one row per key of `histories` (a validation size, or "oracle")."""
    table = pd.DataFrame({key: outcomes(history) for key, history in histories.items()}).T
    table.index.name = "validation rows"
    return table


@dataclass(frozen=True)
class GateSettings(Settings):
    """The live panel's settings; constructing one checks them, and refuses a run too large to answer at once."""

    model: str = setting("gaussian", "model", choices={entry.name: model_label(entry) for entry in chapter_models()})
    validation_rows: int = setting(20, "validation rows", steps=(2, 5, 10, 20, 50, 100, 200, 500, 1_000))
    regime: str = regime_setting()  # the regime that builds each candidate's training set
    cap_generations: int = cap_setting()
    real_share: float = real_share_setting(0.2)
    samples_per_generation: int = setting(10, "samples per generation", steps=(5, 10, 20, 30, 50, 100))
    generations: int = setting(50, "generations", low=2, high=200)  # two at least: one deployed model, one candidate
    seeds: int = setting(500, "seeds (runs)", steps=(50, 100, 200, 500, 1_000, 2_000))
    seed: int = setting(0, "random seed", control="box")

    def check_budget(self) -> None:
        features = SETUP_OPTIONS.get(self.model, {}).get("dimension", 1)
        work = self.seeds * self.generations * (self.samples_per_generation + 2 * self.validation_rows) * features
        if work > MAX_WORK:
            raise ValueError(f"That run would take {work:,} units of work; the panel allows {MAX_WORK:,} so that it "
                             "answers at once. Lower the seeds, the generations or the validation rows.")
        if features > 1 and self.samples_per_generation < features + 2:
            raise ValueError(f"Linear regression with d = {features} needs at least {features + 2} samples per "
                             f"generation; got {self.samples_per_generation}.")


def live_runs(settings: GateSettings) -> dict[str, History]:
    return runs(settings.model, settings.regime, settings.validation_rows, settings.samples_per_generation,
                settings.generations, settings.seeds, settings.seed, settings.real_share, settings.cap_generations)


def headline(history: History, validation_rows: int) -> list[str]:
    """The live chart's title, in lines that fit a narrow panel: how often the validation gate made the deployed
    model truly worse."""
    found = outcomes(history, late_generations=max(1, min(LATE_GENERATIONS, history.generations - 1)))
    return [f"{validation_rows:,} validation rows:",
            f"{found['runs_made_worse']:.0%} of runs made worse at least once,",
            f"{found['harmful_share']:.0%} of deployments made it worse"]


@dataclass(frozen=True)
class StaticModel:
    """One model of the static chart, at its size."""

    name: str  # the registry's
    samples: int  # rows per generation
    seeds: int  # runs


@dataclass(frozen=True)
class StaticGrid:
    """What the static chart offers; the browser filters the grid, so every combination is computed."""

    models: tuple[StaticModel, ...] = (StaticModel("gaussian", samples=10, seeds=1_000),
                                       StaticModel("regression", samples=30, seeds=300))
    regimes: tuple[str, ...] = ("replace", "fresh-mix")
    validation: tuple[int, ...] = tuple(range(5, 101, 5))  # the validation-rows slider
    generations: int = 40
    real_share: float = 0.2  # fresh-mix's
    seed: int = 0

    def describe(self) -> str:
        """The grid's sizes in words, for the prose."""
        return "; ".join([f"{self.generations} generations", *self.model_sizes()])

    def model_sizes(self) -> list[str]:
        return [f"{model_entry(m.name).label}: n = {m.samples}, {m.seeds:,} runs" for m in self.models]

    def title_lines(self) -> list[str]:
        """The static chart's title, one short line each (they fit a narrow panel)."""
        return [f"The validation gate, {self.generations} generations", *self.model_sizes()]


STATIC = StaticGrid()


def static_grid(grid: StaticGrid = STATIC) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Error and rate curves for every model, regime and validation size in the grid: (errors, rates).

    Rows that do not depend on the validation size (the oracle gate, no gate) have validation 0; accumulate, which
    depends on neither, has regime "any"."""
    errors, rates = [], []
    for model in grid.models:
        for regime in grid.regimes:
            for validation in grid.validation:
                first = validation == grid.validation[0]
                result = runs(model.name, regime, validation, model.samples, grid.generations, model.seeds,
                              grid.seed, grid.real_share, references=first)
                curves = error_curves(result)
                curves["validation"] = np.where(curves.series == "validation gate", validation, 0)
                curves["regime"] = np.where(curves.series == "accumulate, no gate", "any", regime)
                if first and regime != grid.regimes[0]:
                    curves = curves[curves.series != "accumulate, no gate"]  # one copy is enough
                errors.append(curves.assign(model=model.name))
                rates.append(rate_curves(result["validation gate"]).assign(model=model.name, regime=regime,
                                                                            validation=validation))
    return pd.concat(errors, ignore_index=True), pd.concat(rates, ignore_index=True)
