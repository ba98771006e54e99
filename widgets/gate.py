"""Chapter "Throw the worse models away?": a validation gate on the generational loop, as a static chart and a panel."""

from __future__ import annotations

import functools

import altair as alt
import numpy as np
import pandas as pd

from collapse import GaussianModel, GaussianSource, make_regime, simulate
from collapse._checks import check_choice
from collapse.gate import harmful_deployments, outcomes, simulate_gated, true_error_name
from collapse.models.linear import FixedDesign, LinearRegressionModel
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import Panel

MODELS = {"gaussian": "Gaussian", "regression": "linear regression (d = 10)"}
DIMENSION = 10  # features of the regression model
SERIES = ["validation gate", "oracle gate", "no gate", "accumulate, no gate"]
SERIES_COLOURS = alt.Scale(domain=SERIES, range=[theme.OKABE_ITO[0], theme.OKABE_ITO[3], theme.OKABE_ITO[5],
                                                 theme.NEUTRAL])
SERIES_DASHES = alt.Scale(domain=SERIES, range=[[1, 0], [6, 3], [1, 0], [2, 3]])
RATES = ["candidate deployed", "deployed and worse"]
RATE_COLOURS = alt.Scale(domain=RATES, range=[theme.OKABE_ITO[0], theme.OKABE_ITO[5]])
MAX_WORK = 15_000_000  # seeds x generations x (samples + 2 x validation rows), x d for regression, a redraw may take


def world_and_model(model: str, samples_per_generation: int, seeds: int, seed: int):
    """The real world and the model of one setting: N(0, 1) and a Gaussian fit, or a fixed design and least squares."""
    if check_choice("model", model, tuple(MODELS)) == "gaussian":
        return GaussianSource(), GaussianModel()
    world = FixedDesign.random(seeds, samples_per_generation, DIMENSION, seed=seed)
    return world, LinearRegressionModel(world)


def runs(model: str, regime: str, validation_rows: int, samples_per_generation: int, generations: int, seeds: int,
         seed: int = 0, real_share: float = 0.2, cap_generations: int = 2, references: bool = True) -> dict:
    """The gated run (History) under `regime`, and with `references` the oracle gate's and the ungated regime's and
    ungated accumulate's true errors per generation and seed, by series name."""
    world, fitted = world_and_model(model, samples_per_generation, seeds, seed)
    chosen = make_regime(regime, cap=cap_generations * samples_per_generation, real_share=real_share)
    settings = dict(generations=generations, samples_per_generation=samples_per_generation, seeds=seeds, seed=seed)
    result = {"validation gate": simulate_gated(fitted, world, chosen, validation_rows=validation_rows, **settings)}
    if references:
        error_name = true_error_name(fitted)
        result["oracle gate"] = simulate_gated(fitted, world, chosen, validation_rows=1, gate="oracle",
                                               **settings).metric("true_error")
        for name, ungated in (("no gate", chosen), ("accumulate, no gate", make_regime("accumulate"))):
            result[name] = simulate(fitted, world, ungated, heldout_rows=1, **settings).metric(error_name)
    return result


def error_curves(result: dict) -> pd.DataFrame:
    """Mean true error per generation of each series, divided by the mean true error of generation 1."""
    frames = []
    for name, values in result.items():
        error = values.metric("true_error") if name == "validation gate" else values
        mean = error.mean(axis=1)
        frames.append(pd.DataFrame({"generation": np.arange(1, mean.size + 1), "series": name,
                                    "relative": mean / mean[0]}))
    return pd.concat(frames, ignore_index=True)


def rate_curves(history) -> pd.DataFrame:
    """Per generation from 2 on: the share of runs whose candidate was deployed, and whose deployment raised the
    true error."""
    return pd.DataFrame({"generation": np.arange(2, history.generations + 1),
                         RATES[0]: history.metric("deployed")[1:].mean(axis=1),
                         RATES[1]: harmful_deployments(history).mean(axis=1)})


def check_budget(model: str, validation_rows: int, samples_per_generation: int, generations: int, seeds: int) -> None:
    features = DIMENSION if model == "regression" else 1
    work = seeds * generations * (samples_per_generation + 2 * validation_rows) * features
    if work > MAX_WORK:
        raise ValueError(f"That run would take {work:,} units of work; the panel allows {MAX_WORK:,} so that it "
                         "answers at once. Lower the seeds, the generations or the validation rows.")
    if model == "regression" and samples_per_generation < DIMENSION + 2:
        raise ValueError(f"Linear regression with d = {DIMENSION} needs at least {DIMENSION + 2} samples per "
                         f"generation; got {samples_per_generation}.")


# --- the charts -------------------------------------------------------------------------------------------------
TOP = 1_000  # the error axis stops here: ungated replace of the Gaussian climbs by many powers of ten more


def error_layer(data) -> alt.Chart:
    return alt.Chart(data).mark_line(strokeWidth=2, clip=True).encode(
        x=charts.GENERATION,
        y=alt.Y("relative:Q", title="true error ÷ generation 1's", scale=alt.Scale(type="log", domainMax=TOP)),
        color=alt.Color("series:N", scale=SERIES_COLOURS, title=None, legend=alt.Legend(columns=2)),
        strokeDash=alt.StrokeDash("series:N", scale=SERIES_DASHES, legend=None),
        tooltip=["series:N", "generation:Q", alt.Tooltip("relative:Q", format=".3g")])


def rate_layer(data) -> alt.Chart:
    # one row per generation with both rates (half the rows of a long table), folded here into one line each
    return alt.Chart(data).transform_fold(RATES, as_=["series", "rate"]).mark_line(strokeWidth=2).encode(
        x=charts.GENERATION,
        y=alt.Y("rate:Q", title="share of runs (validation gate)", axis=alt.Axis(format="%")),
        color=alt.Color("series:N", scale=RATE_COLOURS, title=None, legend=alt.Legend(columns=1)),
        tooltip=["series:N", "generation:Q", alt.Tooltip("rate:Q", format=".1%")])


DESCRIPTION = ("Left: mean true error of the deployed model (KL from the real distribution for the Gaussian, "
               "squared distance of the weights for regression) relative to generation 1, on a log scale, for the "
               "validation gate, the oracle gate (ranking by the true error), the same regime without a gate, and "
               "accumulate without a gate (lines above 1,000 leave the chart). Right: per generation, the share of "
               "runs whose candidate was deployed and the share whose deployment made the true error worse.")


@functools.cache
def live_template() -> charts.Template:
    return charts.Template(alt.hconcat(error_layer(alt.NamedData("errors")), rate_layer(alt.NamedData("rates")))
                           .resolve_scale(color="independent").properties(description=DESCRIPTION))


def headline(history, validation_rows: int) -> str:
    found = outcomes(history, late_generations=max(1, min(10, history.generations - 1)))
    return (f"{validation_rows:,} validation rows: {found['runs_made_worse']:.0%} of runs made worse at least once; "
            f"{found['harmful_share']:.0%} of deployments harmful")


def chart(model="gaussian", validation_rows=20, regime="replace", cap_generations=2, real_share=0.2,
          samples_per_generation=10, generations=50, seeds=500, seed=0) -> dict:
    check_choice("model", model, tuple(MODELS))
    controls.check_regime(regime)
    check_budget(model, validation_rows, samples_per_generation, generations, seeds)
    if generations < 2:
        raise ValueError("The gate needs at least 2 generations: one deployed model and one candidate.")
    result = runs(model, regime, validation_rows, samples_per_generation, generations, seeds, seed, real_share,
                  cap_generations)
    return live_template().fill({"errors": error_curves(result), "rates": rate_curves(result["validation gate"])},
                                titles={(): headline(result["validation gate"], validation_rows)})


def panel(**overrides) -> Panel:
    settings = dict(model="gaussian", validation_rows=20, regime="replace", cap_generations=2, real_share=0.2,
                    samples_per_generation=10, generations=50, seeds=500, seed=0) | overrides
    regime_menu, regime_shown = controls.regime_controls(settings["regime"], settings["cap_generations"],
                                                         settings["real_share"])
    return Panel(
        "Deploy a new generation only if it scores better on held-out real data",
        {"model": controls.menu("model", [(label, name) for name, label in MODELS.items()], settings["model"]),
         "validation_rows": controls.steps_slider("validation rows", [2, 5, 10, 20, 50, 100, 200, 500, 1_000],
                                                  settings["validation_rows"]),
         **regime_menu,
         "samples_per_generation": controls.steps_slider("samples per generation", [5, 10, 20, 30, 50, 100],
                                                         settings["samples_per_generation"]),
         "generations": controls.int_slider("generations", settings["generations"], 2, 200),
         "seeds": controls.steps_slider("seeds (runs)", [50, 100, 200, 500, 1_000, 2_000], settings["seeds"]),
         "seed": controls.seed_box(settings["seed"])},
        chart, shown_when=regime_shown,
        note="Validation rows are drawn once per run and reused every generation. The oracle gate ranks candidates "
             "by their true error, as an infinite validation set would.")


# --- the static chart -------------------------------------------------------------------------------------------
STATIC_VALIDATION = list(range(5, 101, 5))
STATIC_REGIMES = ["replace", "fresh-mix"]
STATIC_SIZES = {"gaussian": dict(samples=10, seeds=1_000), "regression": dict(samples=30, seeds=300)}
STATIC_GENERATIONS = 40
STATIC_REAL_SHARE = 0.2


def static_grid(generations: int = STATIC_GENERATIONS, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Error and rate curves for every model, regime and validation size in the grid: (errors, rates).

    Rows that do not depend on the validation size (the oracle gate, no gate) have validation 0; accumulate, which
    depends on neither, has regime "any"."""
    errors, rates = [], []
    for model, size in STATIC_SIZES.items():
        for regime in STATIC_REGIMES:
            for validation in STATIC_VALIDATION:
                first = validation == STATIC_VALIDATION[0]
                result = runs(model, regime, validation, size["samples"], generations, size["seeds"], seed,
                              STATIC_REAL_SHARE, references=first)
                curves = error_curves(result)
                curves["validation"] = np.where(curves.series == "validation gate", validation, 0)
                curves["regime"] = np.where(curves.series == "accumulate, no gate", "any", regime)
                if first and regime != STATIC_REGIMES[0]:
                    curves = curves[curves.series != "accumulate, no gate"]  # one copy is enough
                errors.append(curves.assign(model=model))
                rates.append(rate_curves(result["validation gate"]).assign(model=model, regime=regime,
                                                                            validation=validation))
    errors, rates = pd.concat(errors, ignore_index=True), pd.concat(rates, ignore_index=True)
    errors["relative"] = charts.significant(errors["relative"], 3)
    rates[RATES] = rates[RATES].round(4)
    return errors, rates


def static_chart(grid: tuple[pd.DataFrame, pd.DataFrame]) -> alt.HConcatChart:
    errors, rates = grid
    model = charts.choice("model", "model ", list(MODELS), list(MODELS.values()))
    regime = charts.choice("regime", "regime ", STATIC_REGIMES,
                           ["replace (from the deployed model)",
                            f"fresh real share {STATIC_REAL_SHARE:.0%}"])
    validation = charts.slider("validation", "validation rows ", STATIC_VALIDATION, value=10)
    keep_errors = ("datum.model == model && (datum.regime == regime || datum.regime == 'any') && "
                   "(datum.validation == 0 || datum.validation == validation)")
    left = error_layer(errors).transform_filter(keep_errors)
    right = rate_layer(rates).transform_filter(charts.matches(model, regime, validation))
    return alt.hconcat(left, right).resolve_scale(color="independent").add_params(model, regime, validation).properties(
        description=DESCRIPTION,
        title=f"{STATIC_GENERATIONS} generations; Gaussian: n = 10, 1,000 runs; regression: T = 30, 300 runs")
