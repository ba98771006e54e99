"""Chapter "Replace versus accumulate": every model of the book under both regimes, on one scale, with the theorem."""

from __future__ import annotations

import functools

import altair as alt
import numpy as np
import pandas as pd

from collapse import GaussianModel, GaussianSource, make_regime, simulate, theory
from collapse._checks import check_choice
from collapse.models.linear import FixedDesign, LinearRegressionModel
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import Panel

REGIMES = ("replace", "accumulate")
REGIME_COLOURS = alt.Scale(domain=list(REGIMES), range=[theme.OKABE_ITO[5], theme.OKABE_ITO[0]])
MODELS = {"gaussian": "Gaussian (KL from the real distribution)",
          "regression": "linear regression (squared error of the weights)",
          "markov": "Markov text (held-out bits per token)"}
NUMPY_MODELS = ("gaussian", "regression")  # the models numpy_errors runs; Markov text has its own runner
VAE_LABEL = "VAE on digits (held-out −ELBO; stored runs)"
MAX_WORK = 30_000_000  # seeds x rows x generations (x dimension, for regression) a panel run may take


def numpy_errors(model: str, regime: str, samples_per_generation: int, generations: int, seeds: int,
                 dimension: int = 10, seed: int = 0, cap_generations: int = 1) -> np.ndarray:
    """Per generation and seed, the error of the Gaussian (KL) or regression (||w - w*||^2) model: (generations, seeds).

    cap_generations: the accumulate-subsample budget, in generations' worth of rows."""
    check_choice("model", model, NUMPY_MODELS)
    regime_object = make_regime(regime, cap=cap_generations * samples_per_generation)
    if model == "gaussian":
        history = simulate(GaussianModel(), GaussianSource(), regime_object, generations=generations,
                           samples_per_generation=samples_per_generation, seeds=seeds, seed=seed, heldout_rows=1)
        return history.metric("kl_from_real")
    world = FixedDesign.random(seeds, samples_per_generation, dimension, seed=seed)
    history = simulate(LinearRegressionModel(world), world, regime_object, generations=generations,
                       samples_per_generation=samples_per_generation, seeds=seeds, seed=seed, heldout_rows=1)
    return history.metric("error")


def markov_errors(regime: str, tokens_per_generation: int, generations: int, seed: int = 0) -> np.ndarray:
    """Held-out cross-entropy of the Markov model (order 2), one seed: (generations, 1)."""
    from widgets import markov

    return markov.experiment(2, tokens_per_generation, generations, regime, seed=seed).history.metric("heldout_loss")


def relative_curves(errors: dict[str, np.ndarray]) -> pd.DataFrame:
    """Mean error per generation, divided by the mean error of generation 1 (the same for both regimes)."""
    frames = []
    for regime, values in errors.items():
        mean = values.mean(axis=1)
        frames.append(pd.DataFrame({"generation": np.arange(1, mean.size + 1), "regime": regime,
                                    "relative": mean / mean[0], "error": mean}))
    return pd.concat(frames, ignore_index=True)


def regression_theory(samples_per_generation: int, dimension: int, generations: int) -> pd.DataFrame:
    t = np.arange(1, generations + 1)
    return pd.concat([pd.DataFrame({"generation": t, "regime": regime, "error": formula(t, dimension,
                                                                                        samples_per_generation)})
                      for regime, formula in (("replace", theory.regression_error_replace),
                                              ("accumulate", theory.regression_error_accumulate))],
                     ignore_index=True)


def check_budget(model: str, samples_per_generation: int, generations: int, seeds: int, dimension: int) -> None:
    work = seeds * samples_per_generation * generations * (dimension if model == "regression" else 1)
    if model != "markov" and work > MAX_WORK:
        raise ValueError(f"That run would take {work:,} units of work; the panel allows {MAX_WORK:,} so that it "
                         "answers at once. Lower the seeds, the generations or the samples per generation.")
    if model == "regression" and samples_per_generation < dimension + 2:
        raise ValueError(f"Linear regression needs at least d + 2 = {dimension + 2} samples per generation for "
                         f"its error to have a finite mean; got {samples_per_generation}.")


# --- the live panel ---------------------------------------------------------------------------------------------
@functools.cache
def live_template() -> charts.Template:
    simulated = alt.Chart(alt.NamedData("curves")).mark_line(point=True, strokeWidth=2).encode(
        x=charts.GENERATION, y=alt.Y("error:Q", title="mean error", scale=alt.Scale(type="log")),
        color=alt.Color("regime:N", scale=REGIME_COLOURS, title="regime"),
        tooltip=["regime:N", "generation:Q", alt.Tooltip("error:Q", format=".3g"),
                 alt.Tooltip("relative:Q", format=".3g", title="relative to generation 1")])
    closed = alt.Chart(alt.NamedData("theory")).mark_line(strokeDash=[6, 4], color=theme.NEUTRAL).encode(
        x=charts.GENERATION, y="error:Q", detail="regime:N",
        tooltip=["regime:N", "generation:Q", alt.Tooltip("error:Q", format=".3g", title="closed form")])
    return charts.Template(alt.layer(simulated, closed).properties(
        width=2 * theme.WIDTH, height=260, description=LIVE_DESCRIPTION))


LIVE_DESCRIPTION = ("Mean error against generation on a log scale, one line with points for replace and one for "
                    "accumulate, with the closed forms dashed where the theorem gives them.")


def chart(model="regression", samples_per_generation=30, dimension=10, generations=30, seeds=500, seed=0) -> dict:
    """Mean error per generation under replace and accumulate, with the closed forms where the theorem gives them."""
    check_choice("model", model, tuple(MODELS))
    check_budget(model, samples_per_generation, generations, seeds, dimension)
    if model == "markov":
        errors = {regime: markov_errors(regime, 100 * samples_per_generation, generations, seed)
                  for regime in REGIMES}
    else:
        errors = {regime: numpy_errors(model, regime, samples_per_generation, generations, seeds, dimension, seed)
                  for regime in REGIMES}
    closed = (regression_theory(samples_per_generation, dimension, generations) if model == "regression"
              else pd.DataFrame(columns=["generation", "regime", "error"]))
    runs = "one run" if model == "markov" else f"mean of {seeds:,} runs"
    curves = relative_curves(errors)
    growth = curves[curves.generation == generations].set_index("regime")["relative"]
    return live_template().fill({"curves": curves, "theory": closed},
                                titles={(): f"{MODELS[model]}: {runs}; dashed: closed form"},
                                description=f"{LIVE_DESCRIPTION} {MODELS[model]}, {runs}: by generation "
                                            f"{generations} the error is {growth['replace']:.3g} times generation "
                                            f"1's under replace and {growth['accumulate']:.3g} times under "
                                            "accumulate.")


def panel(**overrides) -> Panel:
    settings = dict(model="regression", samples_per_generation=30, dimension=10, generations=30, seeds=500,
                    seed=0) | overrides
    return Panel(
        "Replace or accumulate: the same model, both ways",
        {"model": controls.menu("model", [(label.split(" (")[0], name) for name, label in MODELS.items()],
                                settings["model"]),
         "samples_per_generation": controls.steps_slider(
             "samples per generation", [5, 10, 20, 30, 50, 100, 200, 500], settings["samples_per_generation"]),
         "dimension": controls.int_slider("dimension d", settings["dimension"], 1, 40),
         "generations": controls.int_slider("generations", settings["generations"], 1, 100),
         "seeds": controls.steps_slider("seeds (runs)", [10, 50, 100, 200, 500, 1_000, 2_000], settings["seeds"]),
         "seed": controls.seed_box(settings["seed"])},
        chart, shown_when={"dimension": lambda s: s["model"] == "regression",
                           "seeds": lambda s: s["model"] != "markov"},
        note="For Markov text a sample is a 100-token passage, and one seeded run is shown (it takes a second or two).")


# --- static charts ------------------------------------------------------------------------------------------------
STATIC_SAMPLES = list(range(30, 101, 10))
STATIC_DIMENSIONS = [5, 10, 15, 20]


def static_grid(generations: int = 30, seeds: int = 400, seed: int = 0) -> pd.DataFrame:
    """Regression (every T and d) and Gaussian (every n) under both regimes: mean error and its closed form."""
    frames = []
    for samples in STATIC_SAMPLES:
        for dimension in STATIC_DIMENSIONS:
            curves = relative_curves({r: numpy_errors("regression", r, samples, generations, seeds, dimension, seed)
                                      for r in REGIMES})
            closed = regression_theory(samples, dimension, generations).rename(columns={"error": "closed_form"})
            frames.append(curves.merge(closed, on=["generation", "regime"]).assign(
                model="regression", samples=samples, dimension=dimension))
        curves = relative_curves({r: numpy_errors("gaussian", r, samples, generations, seeds, seed=seed)
                                  for r in REGIMES})
        frames.append(curves.assign(model="gaussian", samples=samples, dimension=0, closed_form=np.nan))
    grid = pd.concat(frames, ignore_index=True)
    for column in ("relative", "error", "closed_form"):
        grid[column] = grid[column].map(lambda v: float(f"{v:.3g}") if np.isfinite(v) else None)
    return grid


def static_chart(grid: pd.DataFrame) -> alt.LayerChart:
    model = charts.choice("model", "model ", ["regression", "gaussian"],
                          ["linear regression (||w − w*||²)", "Gaussian (KL from the real distribution)"])
    samples = charts.slider("samples", "samples per generation ", STATIC_SAMPLES, value=30)
    dimension = charts.slider("dimension", "dimension d (regression) ", STATIC_DIMENSIONS, value=10)
    keep = ("datum.model == model && datum.samples == samples && "
            "(datum.model == 'gaussian' || datum.dimension == dimension)")
    base = alt.Chart(grid).transform_filter(keep).encode(x=charts.GENERATION)
    simulated = base.mark_line(point=True, strokeWidth=2).encode(
        y=alt.Y("error:Q", title="mean error (400 runs)", scale=alt.Scale(type="log")),
        color=alt.Color("regime:N", scale=REGIME_COLOURS, title="regime"),
        tooltip=["regime:N", "generation:Q", alt.Tooltip("error:Q", format=".3g"),
                 alt.Tooltip("closed_form:Q", format=".3g", title="closed form")])
    closed = base.transform_filter("isValid(datum.closed_form)").mark_line(
        strokeDash=[6, 4], color=theme.NEUTRAL).encode(y="closed_form:Q", detail="regime:N")
    return alt.layer(simulated, closed).add_params(model, samples, dimension).properties(
        width=2 * theme.WIDTH, height=260, title="Simulated (solid) and closed form (dashed)",
        description="Mean error of 400 runs against generation on a log scale, for the chosen model, samples per "
                    "generation and dimension: under replace it keeps growing, under accumulate it levels off; for "
                    "linear regression the closed forms are drawn dashed beside the simulation.")


def every_model(generations: int = 15, seed: int = 0) -> pd.DataFrame:
    """Every model at its chapter's default size under both regimes, as error relative to generation 1."""
    frames = [relative_curves({r: numpy_errors("gaussian", r, 10, generations, 2_000, seed=seed) for r in REGIMES})
              .assign(model=MODELS["gaussian"]),
              relative_curves({r: numpy_errors("regression", r, 30, generations, 2_000, 10, seed) for r in REGIMES})
              .assign(model=MODELS["regression"]),
              relative_curves({r: markov_errors(r, 40_000, generations, seed) for r in REGIMES})
              .assign(model=MODELS["markov"]),
              vae_curves()]
    return pd.concat(frames, ignore_index=True)


def vae_curves() -> pd.DataFrame:
    """The VAE's held-out loss from its chapter's stored runs (training it here would take minutes)."""
    from widgets import vae

    results = vae.load_results()
    return relative_curves({r: vae.mean_metric(results, "digits", r, "heldout_loss")[:, None] for r in REGIMES}
                           ).assign(model=VAE_LABEL)


def every_model_chart(table: pd.DataFrame) -> alt.Chart:
    return alt.Chart(table).mark_line(point=True).encode(
        x=charts.GENERATION,
        y=alt.Y("relative:Q", title="error ÷ error of generation 1", scale=alt.Scale(type="log")),
        color=alt.Color("regime:N", scale=REGIME_COLOURS, title="regime"),
        tooltip=["model:N", "regime:N", "generation:Q", alt.Tooltip("relative:Q", format=".3g")],
    ).properties(width=270, height=170).facet(  # two facets a row fit the ~700 px text column
        facet=alt.Facet("model:N", title=None, header=alt.Header(labelLimit=280, labelFontSize=11)), columns=2,
    ).properties(description="Four small charts, one per model of the book (Gaussian, linear regression, Markov "
                             "text, VAE on digits), each showing its error relative to generation 1 on a log scale "
                             "under replace and under accumulate: in every one, replace climbs above accumulate.")
