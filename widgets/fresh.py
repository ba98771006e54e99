"""Chapter "Fresh data and filtering": fresh real data in every generation (Bertrand et al. 2023), and filtering the
synthetic data before the next generation trains on it (Feng et al. 2024)."""

from __future__ import annotations

import functools

import altair as alt
import numpy as np
import pandas as pd

from collapse import GaussianModel, GaussianSource, make_regime, simulate, theory
from collapse._checks import check_choice
from collapse.filtering import FilteredModel, make_filter
from collapse.models.linear import FixedDesign, LinearRegressionModel
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import Panel

SAMPLES = 10  # rows per generation in the Gaussian runs
FILTER_LABELS = {"none": "no filter", "likelihood": "likelihood filter", "verifier": "verifier"}
SPREAD_FLOOR = 1e-6  # collapsed runs reach a spread of exactly 0, which a log scale cannot draw
MAX_CANDIDATES = 1_500_000  # seeds x rows x generations x candidates per kept row a panel run may draw (< 1 s)


def filtered_run(filter_name: str = "none", threshold: float = 1.0, bias: float = 0.0, real_share: float = 0.0,
                 generations: int = 50, seeds: int = 200, seed: int = 0):
    """The Gaussian loop with its samples filtered, and a share of fresh real rows (0: replace)."""
    regime = make_regime("fresh-mix", real_share=real_share) if real_share else make_regime("replace")
    keep = make_filter(filter_name, threshold=threshold, belief_mean=bias)
    model = GaussianModel() if filter_name == "none" else FilteredModel(GaussianModel(), keep)
    with np.errstate(divide="ignore", invalid="ignore"):  # a collapsed run reaches a spread of 0; its loss is inf
        return simulate(model, GaussianSource(), regime, generations=generations,
                        samples_per_generation=SAMPLES, seeds=seeds, seed=seed, heldout_rows=1)


def fan_table(history) -> pd.DataFrame:
    """Per generation and measure (fitted mean, fitted standard deviation): 10th percentile, median, 90th.

    Spreads below SPREAD_FLOOR (collapsed runs reach exactly 0) are shown at the floor, so a log scale can draw them.
    """
    frames = []
    for measure in ("mean", "std"):
        low, median, high = history.quantiles(measure)
        if measure == "std":
            low, median, high = (np.maximum(q, SPREAD_FLOOR) for q in (low, median, high))
        frames.append(pd.DataFrame({"generation": np.arange(1, history.generations + 1), "measure": measure,
                                    "low": low, "median": median, "high": high}))
    return pd.concat(frames, ignore_index=True)


def spread_theory(filter_name: str, threshold: float, real_share: float, generations: int) -> pd.DataFrame:
    """sqrt(E[s_t^2]) where a closed form is known (no filter, any share; likelihood filter without fresh data)."""
    t = np.arange(1, generations + 1)
    if check_choice("filter", filter_name, tuple(FILTER_LABELS)) == "none":
        variance = theory.fresh_mix_moments(generations, SAMPLES, real_share)["variance"]
    elif filter_name == "likelihood" and real_share == 0:
        variance = theory.expected_variance_likelihood_filter(t, SAMPLES, threshold)
    else:
        return pd.DataFrame(columns=["generation", "curve", "value"])
    curve = pd.DataFrame({"generation": t, "curve": "root mean square", "value": np.sqrt(variance)})
    return curve[curve.value >= SPREAD_FLOOR]  # the fans stop at the floor; so does the curve


def check_budget(filter_name: str, threshold: float, bias: float, generations: int, seeds: int) -> None:
    """Refuse runs too large to answer at once (a run with too strict a filter is refused by the engine)."""
    per_row = make_filter(filter_name, threshold=threshold, belief_mean=bias).candidates_per_row
    candidates = int(seeds * SAMPLES * generations * per_row)
    if candidates > MAX_CANDIDATES:
        raise ValueError(f"That run would draw about {candidates:,} candidate samples; the panel allows "
                         f"{MAX_CANDIDATES:,} so that it answers at once. Lower the seeds or the generations, or "
                         "loosen the filter.")


# --- the chart shared by the live panel and the static filter chart ---------------------------------------------
def fan_layers(fans, theory_curves, belief, filter_expression: str | None = None) -> list[alt.LayerChart]:
    """Two panels: the fitted mean (with the truth and the verifier's belief) and the fitted spread (log scale)."""
    def keep(fan, measure):
        # each layer of the fan carries its own data, so each is filtered
        condition = f"datum.measure == '{measure}'" + (f" && {filter_expression}" if filter_expression else "")
        fan.layer = [layer.transform_filter(condition) for layer in fan.layer]
        return fan

    belief_rule = alt.Chart(belief).mark_rule(color=theme.OKABE_ITO[3], strokeDash=[6, 3], strokeWidth=2).encode(
        y="belief:Q", tooltip=[alt.Tooltip("belief:Q", title="verifier believes the mean is")])
    if filter_expression:
        belief_rule = belief_rule.transform_filter(filter_expression)
    mean_panel = alt.layer(
        keep(charts.quantile_fan(fans, title="fitted mean", label="median of the runs"), "mean"),
        charts.reference_rule(0.0, "real mean"), belief_rule).properties(width=theme.WIDTH, height=theme.HEIGHT)
    spread = keep(charts.quantile_fan(fans, title="fitted standard deviation", log=True, color=theme.OKABE_ITO[2],
                                      label="median of the runs"), "std")
    curves = charts.closed_form_curves(theory_curves)
    if filter_expression:
        curves = curves.transform_filter(filter_expression)
    spread_panel = alt.layer(spread, curves, charts.reference_rule(1.0, "real spread")).properties(
        width=theme.WIDTH, height=theme.HEIGHT)
    return [mean_panel, spread_panel]


@functools.cache
def live_template() -> charts.Template:
    panels = fan_layers(alt.NamedData("fans"), alt.NamedData("theory"), alt.NamedData("belief"))
    return charts.Template(alt.hconcat(*panels).resolve_scale(color="independent").properties(
        description="Two panels over generations for the panel's settings: the fitted mean and the fitted standard "
                    "deviation (log scale) of a Gaussian refitted to its own filtered samples, median and 10-90% band "
                    "across runs, with the real values and the verifier's belief as reference lines."))


def chart(filter="likelihood", threshold=1.0, bias=0.5, real_share=0.0, generations=50, seeds=200, seed=0) -> dict:
    check_budget(filter, threshold, bias, generations, seeds)
    history = filtered_run(filter, threshold, bias, real_share, generations, seeds, seed)
    belief = pd.DataFrame({"belief": [bias] if filter == "verifier" else []})
    final_std = np.median(history.metric("std")[-1])
    return live_template().fill(
        {"fans": fan_table(history), "theory": spread_theory(filter, threshold, real_share, generations),
         "belief": belief},
        titles={("hconcat", 0): f"{FILTER_LABELS[filter]}, {real_share:.0%} fresh real data, {seeds:,} runs",
                ("hconcat", 1): f"median spread at generation {generations}: {final_std:.3g}"})


def panel(**overrides) -> Panel:
    settings = dict(filter="likelihood", threshold=1.0, bias=0.5, real_share=0.0, generations=50, seeds=200,
                    seed=0) | overrides
    return Panel(
        "Filter the synthetic data, add fresh real data",
        {"filter": controls.menu("filter", [(label, name) for name, label in FILTER_LABELS.items()],
                                 settings["filter"]),
         "threshold": controls.steps_slider("keep within (std devs)", [0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0],
                                            settings["threshold"]),
         "bias": controls.steps_slider("verifier's bias", [round(b, 2) for b in np.arange(-2, 2.01, 0.25)],
                                       settings["bias"]),
         "real_share": controls.share_slider("fresh real share", settings["real_share"]),
         "generations": controls.int_slider("generations", settings["generations"], 5, 200),
         "seeds": controls.steps_slider("seeds (runs)", [20, 50, 100, 200, 500, 1_000], settings["seeds"]),
         "seed": controls.seed_box(settings["seed"])},
        chart, shown_when={"threshold": lambda s: s["filter"] == "likelihood",
                           "bias": lambda s: s["filter"] == "verifier"},
        note="The likelihood filter keeps samples within a threshold of the model's own mean; the verifier keeps "
             "samples as if they came from N(bias, 1), its belief about real data.")


# --- static chart: filters ----------------------------------------------------------------------------------------
STATIC_BIASES = [0.0, 0.25, 0.5, 0.75, 1.0]  # exact in binary, so the slider's values match the data's
STATIC_GENERATIONS = 60
STATIC_SEEDS = 300


def filter_grid(generations: int = STATIC_GENERATIONS, seeds: int = STATIC_SEEDS, seed: int = 0):
    """Fans for no filter, the likelihood filter (threshold 1) and the verifier at each bias, and the closed forms."""
    settings = [("none", 0.0), ("likelihood", 0.0)] + [("verifier", bias) for bias in STATIC_BIASES]
    fans, curves = [], []
    for name, bias in settings:
        history = filtered_run(name, 1.0, bias, 0.0, generations, seeds, seed)
        fans.append(fan_table(history).assign(filter=name, bias=bias))
        curves.append(spread_theory(name, 1.0, 0.0, generations).assign(filter=name, bias=bias))
    fans = pd.concat(fans, ignore_index=True)
    for column in ("low", "median", "high"):  # four significant digits: a smaller page, and small spreads kept
        fans[column] = charts.significant(fans[column], 4)
    belief = pd.DataFrame({"filter": "verifier", "bias": STATIC_BIASES, "belief": STATIC_BIASES})
    return fans, pd.concat(curves, ignore_index=True), belief


def filter_chart(grid) -> alt.HConcatChart:
    fans, curves, belief = grid
    # opens on the verifier, so that the bias slider, the chart's first, changes what is drawn
    filter_param = charts.choice("filter", "filter ", list(FILTER_LABELS), list(FILTER_LABELS.values()),
                                 value="verifier")
    bias = charts.slider("bias", "verifier's bias (used by the verifier) ", STATIC_BIASES)
    keep = "datum.filter == filter && (datum.filter != 'verifier' || datum.bias == bias)"
    return alt.hconcat(*fan_layers(fans, curves, belief, keep)).add_params(filter_param, bias).resolve_scale(
        color="independent").properties(
        title=f"{STATIC_SEEDS} runs of the Gaussian, n = {SAMPLES}, no fresh data; dashed: closed form",
        description="Two panels over generations: the fitted mean and the fitted standard deviation (log scale) of a "
                    "Gaussian refitted to its own filtered samples, median and 10-90% band across runs. With no "
                    "filter the spread shrinks slowly, with the likelihood filter fast; the verifier holds the "
                    "spread near 1 and pulls the mean to its belief.")


# --- static charts: fresh data --------------------------------------------------------------------------------------
SHARE_PERCENTS = [0, 10, 20, 30, 40, 50]
SERIES = ["simulated", "closed form"]  # simulated: solid blue; closed form: dashed orange
SERIES_COLOURS = alt.Color("series:N", title=None,
                           scale=alt.Scale(domain=SERIES, range=[theme.OKABE_ITO[0], theme.OKABE_ITO[1]]))
SERIES_DASHES = alt.StrokeDash("series:N", legend=None, scale=alt.Scale(domain=SERIES, range=[[1, 0], [6, 4]]))
REGRESSION = dict(rows=32, dimension=10)  # T and d for the regression runs


def share_grid(generations: int = 100, seed: int = 0) -> pd.DataFrame:
    """Mean over runs per generation and fresh share: the Gaussian's s^2 (2,000 runs, with its closed form) and the
    regression's error relative to a single fit's expected error (200 runs)."""
    world = FixedDesign.random(200, REGRESSION["rows"], REGRESSION["dimension"], seed=seed)
    first = theory.regression_first_error(REGRESSION["dimension"], REGRESSION["rows"])
    frames = []
    t = np.arange(1, generations + 1)
    for percent in SHARE_PERCENTS:
        regime = make_regime("fresh-mix", real_share=percent / 100)
        gaussian = simulate(GaussianModel(), GaussianSource(), regime, generations=generations,
                            samples_per_generation=SAMPLES, seeds=2_000, seed=seed, heldout_rows=1)
        closed = theory.fresh_mix_moments(generations, SAMPLES, percent / 100)["variance"]
        regression = simulate(LinearRegressionModel(world), world, regime, generations=generations,
                              samples_per_generation=REGRESSION["rows"], seeds=200, seed=seed, heldout_rows=1)
        frames += [pd.DataFrame({"model": "gaussian", "share": percent, "generation": t, "series": "simulated",
                                 "value": (gaussian.metric("std") ** 2).mean(axis=1)}),
                   pd.DataFrame({"model": "gaussian", "share": percent, "generation": t, "series": "closed form",
                                 "value": closed}),
                   pd.DataFrame({"model": "regression", "share": percent, "generation": t, "series": "simulated",
                                 "value": regression.metric("error").mean(axis=1) / first})]
    grid = pd.concat(frames, ignore_index=True)
    grid["value"] = charts.significant(grid["value"], 4)
    return grid


def share_chart(grid: pd.DataFrame) -> alt.HConcatChart:
    share = charts.slider("share", "fresh real share (%) ", SHARE_PERCENTS, value=30)
    def panel_for(model, title, log):
        return alt.Chart(grid).mark_line(strokeWidth=2).encode(
            x=charts.GENERATION, y=alt.Y("value:Q", title=title, scale=alt.Scale(type="log") if log else alt.Scale()),
            color=SERIES_COLOURS, strokeDash=SERIES_DASHES,
            tooltip=["series:N", "generation:Q", alt.Tooltip("value:Q", format=".3g")],
        ).transform_filter(f"datum.model == '{model}' && datum.share == share").properties(
            width=theme.WIDTH, height=theme.HEIGHT)
    return alt.hconcat(
        panel_for("gaussian", "Gaussian: mean fitted variance s²", False),
        panel_for("regression", "regression: error ÷ one fit's error", True)).add_params(share).properties(
        title="Fresh real data each generation (0% is replace)",
        description="Two panels over 100 generations, for the chosen share of fresh real data: the mean fitted "
                    "variance of a Gaussian (n = 10) with its closed form, which settles at a level that rises with "
                    "the share, and the mean error of a linear regression (d = 10, T = 32) relative to one fit's, "
                    "which stays bounded once the fresh rows number at least d.")


LAMBDAS = list(range(1, 11))


def lambda_grid(generations: int = 60, seeds: int = 1_000, seed: int = 0) -> pd.DataFrame:
    """Fixed real set plus lambda x synthetic: the spread and the mean gap relative to the real set, per lambda."""
    t = np.arange(1, generations + 1)
    frames = []
    for lam in LAMBDAS:
        history = simulate(GaussianModel(), GaussianSource(), make_regime("fixed-real-mix", synthetic_per_real=lam),
                           generations=generations, samples_per_generation=SAMPLES, seeds=seeds, seed=seed,
                           heldout_rows=1)
        real_mean, real_variance = history.metric("mean")[0], history.metric("std")[0] ** 2
        closed = theory.fixed_real_moments(generations, SAMPLES, lam * SAMPLES)
        simulated = {"variance": (history.metric("std") ** 2 / real_variance).mean(axis=1),
                     "mean_drift": ((history.metric("mean") - real_mean) ** 2 / real_variance).mean(axis=1)}
        for measure in ("variance", "mean_drift"):
            frames += [pd.DataFrame({"lam": lam, "measure": measure, "generation": t, "series": "simulated",
                                     "value": simulated[measure]}),
                       pd.DataFrame({"lam": lam, "measure": measure, "generation": t, "series": "closed form",
                                     "value": closed[measure]})]
    grid = pd.concat(frames, ignore_index=True)
    grid["value"] = charts.significant(grid["value"], 4)
    return grid


def lambda_chart(grid: pd.DataFrame) -> alt.HConcatChart:
    lam = charts.slider("lam", "synthetic rows per real row (λ) ", LAMBDAS, value=4)
    replace = pd.DataFrame({"generation": np.arange(1, grid.generation.max() + 1)})
    replace["value"] = theory.expected_variance_replace(replace.generation - 1, SAMPLES)  # relative to generation 1

    def panel_for(measure, title):
        lines = alt.Chart(grid).mark_line(strokeWidth=2).encode(
            x=charts.GENERATION, y=alt.Y("value:Q", title=title), color=SERIES_COLOURS, strokeDash=SERIES_DASHES,
            tooltip=["series:N", "generation:Q", alt.Tooltip("value:Q", format=".3g")],
        ).transform_filter(f"datum.measure == '{measure}' && datum.lam == lam")
        return lines.properties(width=theme.WIDTH, height=theme.HEIGHT)

    replace_line = alt.Chart(replace).mark_line(color=theme.NEUTRAL, strokeDash=[2, 3]).encode(
        x=charts.GENERATION, y="value:Q", tooltip=[alt.Tooltip("value:Q", format=".3g", title="replace")])
    return alt.hconcat(
        alt.layer(panel_for("variance", "E[s²] ÷ real set's variance"), replace_line),
        panel_for("mean_drift", "E[(μ − real set's mean)²] ÷ its variance")).add_params(lam).properties(
        title="A fixed real set plus λ times as much synthetic data (grey dotted: replace)",
        description="Two panels over generations for the chosen lambda: the mean fitted variance of a Gaussian "
                    "relative to its fixed real set, which settles near 1 for every lambda while replace (grey) "
                    "decays, and the mean squared gap between the fitted mean and the real set's mean, which "
                    "settles at a small level; simulated curves lie on the closed forms.")
