"""Chapter "Beyond next-token loss": losses and diversity measured on the same runs, side by side.

Every metric is shown as the typical run's value (the median over seeds) divided by its generation-1 value, so a
loss and a count of surviving outcomes share one axis. Three models run live (Markov text, a Gaussian, a categorical
distribution); the VAE's runs are the stored ones of the chapter "Mode collapse you can see" (data/vae_results.json),
read, never retrained.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from collapse import make_regime, metrics, simulate
from collapse._checks import check_choice
from collapse.models.categorical import CategoricalModel, CategoricalSource
from collapse.models.gaussian import GaussianModel, GaussianSource
from collapse.models.ngram import NgramModel
from collapse.text import TextSource, load_corpus
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import Panel

TOKENS_PER_ROW = 100  # passages of 100 tokens, as in the Markov chapter
TEXT_ORDER = 2  # bigrams, the Markov chapter's default
OUTCOMES = 10  # the categorical model's K, equally likely in the real world
STANDARD_ERRORS = 5.0  # the noise rule: a change beyond this many standard errors of itself
RELATIVE_CHANGE = 0.1  # the size rule: a change of at least 10% of generation 1's value


@dataclass(frozen=True)
class Metric:
    name: str  # as the engine records it
    label: str
    kind: str  # "loss" or "diversity"


LOSS, DIVERSITY = "loss", "diversity"


@dataclass(frozen=True)
class ModelChoice:
    label: str
    unit: str  # what a generation's sample is counted in
    metrics: tuple[Metric, ...]


MODELS = {
    "text": ModelChoice("Markov text (bigrams of Shakespeare)", "tokens", (
        Metric("heldout_loss", "loss on held-out real plays", LOSS),
        Metric("self_cross_entropy", "loss on its own writing", LOSS),
        Metric("distinct_2", "distinct-2", DIVERSITY),
        Metric("type_token_ratio", "type-token ratio", DIVERSITY),
        Metric("unigram_entropy_bits", "unigram entropy", DIVERSITY),
        Metric("vocabulary", "vocabulary", DIVERSITY))),
    "gaussian": ModelChoice("Gaussian", "samples", (
        Metric("heldout_loss", "loss on held-out real data", LOSS),
        Metric("self_loss", "loss on its own samples", LOSS),
        Metric("tail_mass", "tail mass beyond ±2 real sd", DIVERSITY),
        Metric("std", "standard deviation", DIVERSITY))),
    "categorical": ModelChoice(f"categorical, {OUTCOMES} equal outcomes", "draws", (
        Metric("heldout_loss", "loss on held-out real draws", LOSS),
        Metric("self_loss", "loss on its own draws", LOSS),
        Metric("gini_simpson", "Gini-Simpson index", DIVERSITY),
        Metric("entropy_bits", "entropy", DIVERSITY),
        Metric("outcomes_alive", "outcomes still drawn", DIVERSITY))),
    "vae": ModelChoice("VAE on digits (stored runs)", "images", (
        Metric("heldout_loss", "loss (−ELBO) on held-out real digits", LOSS),
        Metric("train_loss", "loss on its training set (last generation's images)", LOSS),
        Metric("classes_covered", "digit classes covered", DIVERSITY),
        Metric("class_entropy_bits", "entropy of the digit classes", DIVERSITY),
        Metric("latent_spread", "spread of codes", DIVERSITY))),
}
LIVE_MODELS = ("text", "gaussian", "categorical")  # the VAE trains for minutes: the page shows its stored runs


def model_choice(model: str) -> ModelChoice:
    return MODELS[check_choice("model", model, tuple(MODELS))]


@functools.lru_cache(maxsize=8)
def run(model: str, samples_per_generation: int, generations: int, seeds: int, seed: int = 0) -> dict:
    """Every metric of a replace run, each shaped (generations, seeds). `samples_per_generation` counts the model's
    unit: tokens for text (written as passages of 100), samples for the Gaussian, draws for the categorical."""
    model_choice(model)
    if model == "vae":
        return stored_vae_metrics()
    if model == "text":
        corpus = load_corpus()
        engine = NgramModel(TEXT_ORDER, len(corpus.vocabulary), TOKENS_PER_ROW)
        real = TextSource(corpus, TOKENS_PER_ROW)
        rows, heldout_rows = max(samples_per_generation // TOKENS_PER_ROW, 1), 200  # 20,000 held-out tokens
    elif model == "gaussian":
        engine, real = GaussianModel(scores_own_output=True), GaussianSource()
        rows, heldout_rows = samples_per_generation, 1_000
    else:
        engine, real = CategoricalModel(OUTCOMES), CategoricalSource.uniform(OUTCOMES)
        rows, heldout_rows = samples_per_generation, 1_000
    history = simulate(engine, real, make_regime("replace"), generations=generations, samples_per_generation=rows,
                       seeds=seeds, seed=seed, heldout_rows=heldout_rows)
    return history.metrics


def stored_vae_metrics() -> dict:
    """The stored digit VAE runs under replace, as (generations, seeds) arrays: nothing is trained here."""
    from widgets import vae  # imports torch: only when the VAE is asked for

    stored = vae.load_results()["runs"]["digits"]["replace"]["metrics"]
    return {name: np.asarray(values, dtype=float) for name, values in stored.items()}


def relative_table(model: str, measured: dict) -> pd.DataFrame:
    """Per metric and generation, the median over seeds divided by generation 1's median."""
    frames = []
    for metric in model_choice(model).metrics:
        median = np.median(measured[metric.name], axis=1)
        frames.append(pd.DataFrame({"generation": np.arange(1, median.size + 1), "metric": metric.label,
                                    "kind": metric.kind, "value": median, "relative": median / median[0]}))
    return pd.concat(frames, ignore_index=True)


def reactions(model: str, measured: dict) -> pd.DataFrame:
    """For each metric, the first generation at which the typical run has moved away from generation 1: by the
    noise rule (beyond 5 standard errors) and by the size rule (at least 10%); None where it never does."""
    rows = []
    for metric in model_choice(model).metrics:
        values = measured[metric.name]
        rows.append({"metric": metric.label, "kind": metric.kind,
                     "beyond noise": metrics.first_reaction(values, STANDARD_ERRORS),
                     "by 10%": metrics.first_reaction(values, relative=RELATIVE_CHANGE),
                     "at the end": float(np.median(values[-1]) / np.median(values[0]))})
    return pd.DataFrame(rows)


def reactions_html(table: pd.DataFrame) -> str:
    """The reactions table as a small HTML table for under the panel's chart."""
    def cell(value):
        return "never" if value is None or pd.isna(value) else f"{int(value)}"
    body = "".join(f"<tr><td>{html.escape(r['metric'])}</td><td>{cell(r['beyond noise'])}</td>"
                   f"<td>{cell(r['by 10%'])}</td><td>{r['at the end']:.2f}×</td></tr>" for _, r in table.iterrows())
    return ("<table><thead><tr><th>metric</th><th>first generation beyond 5 SE</th><th>first generation ≥ 10%</th>"
            f"<th>last ÷ first</th></tr></thead><tbody>{body}</tbody></table>")


# --- charts -------------------------------------------------------------------------------------------------------
Y_CAP = 2.0  # values above twice generation 1's are drawn at the top edge (held-out losses can explode)
GENERATION = alt.X("generation:Q", title="generation", scale=alt.Scale(nice=False), axis=alt.Axis(format="d"))
# The first six Okabe-Ito colours (one per metric of a model): the yellow is faint on a light page, the black
# invisible on a dark one
METRIC_COLOURS = theme.OKABE_ITO[:6]


def relative_lines(data, keep: str | None = None, legend_columns: int = 2) -> alt.Chart:
    """One line per metric of median ÷ generation-1 median: dashed for losses, solid for diversity."""
    chart = alt.Chart(data)
    chart = chart.transform_filter(keep) if keep else chart
    return chart.mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2, clip=True).encode(
        x=GENERATION,
        y=alt.Y("relative:Q", title="typical run ÷ generation 1", scale=alt.Scale(domain=[0, Y_CAP], clamp=True)),
        color=alt.Color("metric:N", title=None, scale=alt.Scale(range=METRIC_COLOURS),
                        legend=alt.Legend(columns=legend_columns, labelLimit=260)),
        strokeDash=alt.StrokeDash("kind:N", title=None, scale=alt.Scale(domain=[LOSS, DIVERSITY],
                                                                        range=[[6, 3], [1, 0]]),
                                  legend=None),  # the titles say it: a second legend would not fit beside the first
        tooltip=[alt.Tooltip("metric:N"), alt.Tooltip("generation:Q"),
                 alt.Tooltip("value:Q", format=".4g", title="median over seeds"),
                 alt.Tooltip("relative:Q", format=".3f", title="÷ generation 1")])


def unit_rule() -> alt.Chart:
    return alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(color=theme.NEUTRAL, strokeDash=[2, 3]).encode(y="y:Q")


DESCRIPTION = ("Line chart: for each metric, the median over seeds divided by its generation-1 value, against "
               "generation. Dashed lines are losses (on held-out real data, and on the model's own output); solid "
               "lines are diversity measures.")


@functools.cache
def live_template() -> charts.Template:
    return charts.Template(alt.layer(unit_rule(), relative_lines(alt.NamedData("relative"))).properties(
        width=2 * theme.WIDTH, height=260, title="…", description=DESCRIPTION))


# --- the live panel -----------------------------------------------------------------------------------------------
TOKEN_STEPS = [2_000, 5_000, 10_000, 20_000, 50_000]
SAMPLE_STEPS = [10, 20, 50, 100, 200, 500, 1_000]
SEED_STEPS = [2, 4, 8, 16, 50, 100, 200, 500, 1_000]
MAX_TOKENS_WRITTEN = 1_000_000  # tokens x generations x seeds: about two seconds of n-gram writing and fitting
MAX_DRAWS = 5_000_000  # samples x generations x seeds for the numpy models: a tenth of a second
SHOWN = {"all": (LOSS, DIVERSITY), "losses": (LOSS,), "diversity": (DIVERSITY,)}


def check_budget(model: str, samples_per_generation: int, generations: int, seeds: int) -> None:
    model_choice(model)  # an unknown name is refused by name; the VAE is known, but not run live
    if model not in LIVE_MODELS:
        raise ValueError(f"The live panel runs {', '.join(LIVE_MODELS)}; the VAE's runs are stored (see above).")
    work = samples_per_generation * generations * seeds
    limit = MAX_TOKENS_WRITTEN if model == "text" else MAX_DRAWS
    if work > limit:
        raise ValueError(f"That run would make {work:,} {MODELS[model].unit} in all; the panel allows {limit:,} so "
                         "that it answers quickly. Lower the seeds, the generations or the sample size.")
    if seeds < 2:
        raise ValueError("Use at least 2 seeds: the typical run and its noise need more than one.")


def chart(model="text", tokens_per_generation=5_000, samples_per_generation=100, generations=10, seeds=4,
          shown="all", seed=0) -> dict:
    """The live panel's chart: every chosen metric of one set of runs, relative to generation 1."""
    size = tokens_per_generation if model == "text" else samples_per_generation
    check_budget(model, size, generations, seeds)
    check_choice("shown", shown, tuple(SHOWN))
    measured = run(model, size, generations, seeds, seed)
    table = relative_table(model, measured)
    table = table[table.kind.isin(SHOWN[shown])]
    choice = MODELS[model]
    return live_template().fill({"relative": table}, titles={
        (): f"{choice.label}: {size:,} {choice.unit} a generation, {seeds} seeds, replace; losses dashed"})


def caption(model="text", tokens_per_generation=5_000, samples_per_generation=100, generations=10, seeds=4,
            shown="all", seed=0) -> str:
    size = tokens_per_generation if model == "text" else samples_per_generation
    table = reactions(model, run(model, size, generations, seeds, seed))
    return ("<small>When each metric reacts: the first generation at which the median change since generation 1 "
            "exceeds 5 bootstrap standard errors, and the first at which it reaches 10%.</small>"
            + reactions_html(table))


DEFAULTS = dict(model="text", tokens_per_generation=5_000, samples_per_generation=100, generations=10, seeds=4,
                shown="all", seed=0)


def panel(**overrides) -> Panel:
    settings = DEFAULTS | overrides
    return Panel(
        "Losses and diversity on the same runs",
        {"model": controls.menu("model", [(MODELS[m].label, m) for m in LIVE_MODELS], settings["model"]),
         "tokens_per_generation": controls.steps_slider("tokens per generation", TOKEN_STEPS,
                                                        settings["tokens_per_generation"]),
         "samples_per_generation": controls.steps_slider("samples per generation", SAMPLE_STEPS,
                                                         settings["samples_per_generation"]),
         "generations": controls.int_slider("generations", settings["generations"], 2, 100),
         "seeds": controls.steps_slider("seeds (runs)", SEED_STEPS, settings["seeds"]),
         "shown": controls.buttons("show", [("all", "all"), ("losses", "losses"), ("diversity", "diversity")],
                                   settings["shown"]),
         "seed": controls.seed_box(settings["seed"])},
        chart, caption=caption,
        shown_when={"tokens_per_generation": lambda s: s["model"] == "text",
                    "samples_per_generation": lambda s: s["model"] != "text"},
        note="Needs a live kernel (Live Code, Binder, Colab or Jupyter). Text runs take about half a second.")


# --- the static chart ---------------------------------------------------------------------------------------------
STATIC_SETTINGS = {  # model -> (sample size, generations, seeds): the chapter's runs, computed when the book is built
    "text": (20_000, 10, 8),
    "gaussian": (100, 40, 1_000),
    "categorical": (100, 40, 1_000),
    "vae": (1_000, 10, 8),  # as stored
}
STATIC_SEED = 0


def standard_runs(**known: dict) -> dict[str, dict]:
    """The chapter's runs, one per model: every metric, (generations, seeds). A run the caller already made with
    these settings can be passed in by model name (the chapter's text experiment), so it is not made twice."""
    return {model: known[model] if model in known else run(model, *settings, STATIC_SEED)
            for model, settings in STATIC_SETTINGS.items()}


def static_grid(runs: dict[str, dict]) -> pd.DataFrame:
    frames = [relative_table(model, measured).assign(model=model) for model, measured in runs.items()]
    grid = pd.concat(frames, ignore_index=True)
    for column in ("value", "relative"):
        grid[column] = charts.significant(grid[column], 4)
    return grid


def static_chart(grid: pd.DataFrame) -> alt.LayerChart:
    """All four models' metrics, relative to generation 1, with a model menu and a generation slider that marks one
    generation and labels every metric's value there."""
    names = list(MODELS)
    model = charts.choice("model", "model ", names, [MODELS[m].label for m in names])
    longest = max(settings[1] for settings in STATIC_SETTINGS.values())
    generation = charts.slider("generation", "mark generation ", list(range(1, longest + 1)), value=5)
    keep = "datum.model == model"
    marked = alt.Chart(grid).transform_filter(f"{keep} && datum.generation == generation")
    points = marked.mark_point(size=60, filled=True, color=theme.NEUTRAL).encode(
        x=GENERATION, y=alt.Y("relative:Q", scale=alt.Scale(domain=[0, Y_CAP], clamp=True)))
    labels = marked.mark_text(align="left", dx=6, fontSize=10, color=theme.NEUTRAL).encode(
        x=GENERATION, y=alt.Y("relative:Q", scale=alt.Scale(domain=[0, Y_CAP], clamp=True)),
        text=alt.Text("relative:Q", format=".2f"))
    rule = alt.Chart(pd.DataFrame({"at": [0]})).mark_rule(color=theme.NEUTRAL, strokeDash=[2, 3]).encode(
        x=alt.datum(alt.expr(generation.name), type="quantitative"))
    return alt.layer(unit_rule(), relative_lines(grid, keep), rule, points, labels).add_params(
        model, generation).properties(
        width=2 * theme.WIDTH, height=280, title="Losses (dashed) and diversity (solid), relative to generation 1",
        description=DESCRIPTION + " A menu picks the model; a slider marks one generation and labels each metric's "
                                  "value there.")
