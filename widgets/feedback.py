"""Chapter "Reality is a moving target": human writing that drifts towards the models, under each remedy."""

from __future__ import annotations

import functools

import altair as alt
import numpy as np
import pandas as pd

from collapse import GaussianModel, GaussianSource, theory
from collapse._checks import check_choice
from collapse.feedback import REMEDIES, run_feedback
from collapse.models.ngram import NgramModel
from collapse.text import TextSource, load_corpus
from widgets import charts, theme
from widgets import panel as controls
from widgets.markov import TOKENS_PER_ROW
from widgets.panel import Panel

MODELS = {"gaussian": "Gaussian, n = 10", "markov": "Markov text, order 2"}
DISTANCES = {"gaussian": ("kl_from_real", "KL from the original (nats)"),
             "markov": ("heldout_loss", "bits/token, original plays")}
REMEDY_LABELS = {"fresh-crawl": "fresh crawl each generation", "accumulate-human": "accumulate human-written data",
                 "accumulate-everything": "accumulate everything, model output too"}
GAUSSIAN_SAMPLES = 10  # rows per generation: the Gaussian of the earlier chapters
MARKOV_TOKENS = 10_000  # tokens of fresh human writing per generation (100 passages of 100 tokens)
MARKOV_HELDOUT_ROWS = 200  # passages of the original held-out plays each model is scored on
MAX_GAUSSIAN_WORK = 200_000  # seeds x generations a panel run may take (each run is done twice: a and a = 0)
MAX_MARKOV_GENERATIONS = 15  # a text generation takes about 0.05 s (two runs are drawn: a and a = 0)
CLEAN, ADOPTING = "clean world (a = 0)", "people copy the models"
WORLD_COLOURS = alt.Scale(domain=[CLEAN, ADOPTING], range=[theme.NEUTRAL, theme.OKABE_ITO[5]])
SHARE_SERIES = ["latest fresh block", "all human data so far"]
PANE_WIDTH = theme.WIDTH - 20  # two panes with their axis titles side by side fit the text column
SHARE_COLOURS = alt.Scale(domain=SHARE_SERIES, range=[theme.OKABE_ITO[0], theme.OKABE_ITO[2]])


@functools.lru_cache(maxsize=32)  # the clean reference run is the same whatever the adoption slider says
def run(model: str, adoption: float, remedy: str, generations: int, seeds: int, seed: int):
    """One feedback run: the Gaussian with `seeds` runs, or one seeded Markov run (`seeds` is then ignored)."""
    if check_choice("model", model, tuple(MODELS)) == "gaussian":
        return run_feedback(GaussianModel(), GaussianSource(), adoption=adoption, remedy=remedy,
                            generations=generations, samples_per_generation=GAUSSIAN_SAMPLES, seeds=seeds,
                            seed=seed, heldout_rows=1)
    corpus = load_corpus()
    text_model = NgramModel(2, len(corpus.vocabulary), TOKENS_PER_ROW)
    return run_feedback(text_model, TextSource(corpus, TOKENS_PER_ROW), adoption=adoption, remedy=remedy,
                        generations=generations, samples_per_generation=MARKOV_TOKENS // TOKENS_PER_ROW,
                        seed=seed, heldout_rows=MARKOV_HELDOUT_ROWS)


def distance_curves(model: str, adoption: float, remedy: str, generations: int, seeds: int, seed: int
                    ) -> pd.DataFrame:
    """Median distance from the original human data per generation, with adoption a and in the clean world."""
    name = DISTANCES[model][0]
    frames = []
    for world, rate in ((CLEAN, 0.0), (ADOPTING, adoption)):
        values = run(model, rate, remedy, generations, seeds, seed).metric(name)
        frames.append(pd.DataFrame({"generation": np.arange(1, generations + 1), "world": world,
                                    "distance": np.median(values, axis=1)}))
    return pd.concat(frames, ignore_index=True)


def share_curves(history, adoption: float) -> pd.DataFrame:
    """Mean share of copied rows in the latest human block and in all human data so far, with the closed forms."""
    t = np.arange(1, history.generations + 1)
    frames = []
    for series, metric, closed in (
            (SHARE_SERIES[0], "fresh_model_share", theory.feedback_fresh_share(t, adoption)),
            (SHARE_SERIES[1], "human_pool_model_share", theory.feedback_pool_share(t, adoption))):
        frames.append(pd.DataFrame({"generation": t, "series": series, "simulated": history.metric(metric).mean(axis=1),
                                    "closed_form": closed}))
    return pd.concat(frames, ignore_index=True)


def check_budget(model: str, generations: int, seeds: int) -> None:
    if model == "gaussian" and seeds * generations > MAX_GAUSSIAN_WORK:
        raise ValueError(f"That run is too large for the panel ({seeds:,} seeds × {generations:,} generations; it "
                         f"allows {MAX_GAUSSIAN_WORK:,}). Lower the seeds or the generations.")


# --- chart pieces shared by the static chart and the live panel ---------------------------------------------------
def distance_layer(data, title: str) -> alt.Chart:
    return alt.Chart(data).mark_line(strokeWidth=2.5).encode(
        x=charts.GENERATION, y=alt.Y("distance:Q", title=title, scale=alt.Scale(type="log")),
        color=alt.Color("world:N", scale=WORLD_COLOURS, title=None),
        strokeDash=alt.StrokeDash("world:N", scale=alt.Scale(domain=[CLEAN, ADOPTING], range=[[4, 3], [1, 0]]),
                                  legend=None),
        tooltip=["world:N", "generation:Q", alt.Tooltip("distance:Q", format=".4g", title="median distance")])


def share_layers(data) -> list[alt.Chart]:
    base = alt.Chart(data).encode(x=charts.GENERATION, color=alt.Color("series:N", scale=SHARE_COLOURS, title=None))
    simulated = base.mark_line(strokeWidth=2.5).encode(
        y=alt.Y("simulated:Q", title="copied from models", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        tooltip=["series:N", "generation:Q", alt.Tooltip("simulated:Q", format=".1%"),
                 alt.Tooltip("closed_form:Q", format=".1%", title="closed form")])
    closed = base.mark_line(strokeDash=[2, 2], strokeWidth=1.5).encode(
        y="closed_form:Q", detail="series:N")
    return [simulated, closed]


DESCRIPTION = ("Left: how far the models are from the original human data, generation by generation, when people "
               "copy the models (solid) and in a clean world (dashed). Right: the share of the human-written data "
               "that copies some model, in the latest block and in all blocks so far, simulated (solid) and from "
               "the closed form (dotted).")


@functools.cache
def live_template() -> charts.Template:
    left = distance_layer(alt.NamedData("distance"), "distance").properties(title="distance", width=PANE_WIDTH)
    right = alt.layer(*share_layers(alt.NamedData("shares"))).properties(title="copied share", width=PANE_WIDTH)
    return charts.Template(alt.hconcat(left, right).resolve_scale(color="independent").properties(
        description=DESCRIPTION))


def chart(model="gaussian", adoption=0.3, remedy="accumulate-human", generations=100, seeds=100, seed=0) -> dict:
    """The live panel's chart: distance from the original human data, and the copied share of the human data."""
    check_choice("model", model, tuple(MODELS))
    check_budget(model, generations, seeds)
    if model == "markov":  # one seeded run (seeds unused) of the first MAX_MARKOV_GENERATIONS generations at most
        generations, seeds = min(generations, MAX_MARKOV_GENERATIONS), 1
    distances = distance_curves(model, adoption, remedy, generations, seeds, seed)
    shares = share_curves(run(model, adoption, remedy, generations, seeds, seed), adoption)
    last = distances[distances.generation == generations].set_index("world")["distance"]
    return live_template().fill({"distance": distances, "shares": shares}, titles={
        ("hconcat", 0, "encoding", "y"): DISTANCES[model][1],
        ("hconcat", 0): f"at generation {generations}: {last[ADOPTING]:.3g} (clean: {last[CLEAN]:.3g})",
        ("hconcat", 1): f"a = {adoption:.2f}: share of human data copied"})


def panel(**overrides) -> Panel:
    settings = dict(model="gaussian", adoption=0.3, remedy="accumulate-human", generations=100, seeds=100,
                    seed=0) | overrides
    return Panel(
        "People copy the models: how far do the models drift from the original human data?",
        {"model": controls.menu("model", [(label, name) for name, label in MODELS.items()], settings["model"]),
         "adoption": controls.share_slider("adoption rate a", settings["adoption"]),
         "remedy": controls.menu("remedy", [(label, name) for name, label in REMEDY_LABELS.items()],
                                 settings["remedy"]),
         "generations": controls.int_slider("generations", settings["generations"], 2, 200),
         "seeds": controls.steps_slider("seeds (runs)", [50, 100, 200, 500, 1_000, 2_000], settings["seeds"]),
         "seed": controls.seed_box(settings["seed"])},
        chart, shown_when={"seeds": lambda s: s["model"] == "gaussian"},
        note=f"Gaussian: median of the runs. Markov text: one seeded run, {MARKOV_TOKENS:,} tokens per generation, "
             f"its first {MAX_MARKOV_GENERATIONS} generations at most (about a second).")


# --- the static chart: every (model, remedy, adoption) when the book is built; the browser filters -----------------
STATIC_ADOPTIONS = [0.0, 0.25, 0.5, 0.75, 1.0]
STATIC_SIZES = {"gaussian": dict(generations=100, seeds=400), "markov": dict(generations=8, seeds=1)}


def static_grid(seed: int = 0, sizes: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Distances for every model, remedy and adoption rate; and the copied shares for every adoption rate."""
    sizes = sizes or STATIC_SIZES
    distances, shares = [], []
    for model, size in sizes.items():
        for remedy in REMEDIES:
            for adoption in STATIC_ADOPTIONS:
                history = run(model, adoption, remedy, size["generations"], size["seeds"], seed)
                values = np.median(history.metric(DISTANCES[model][0]), axis=1)
                distances.append(pd.DataFrame({"generation": np.arange(1, values.size + 1), "distance": values,
                                               "model": model, "remedy": remedy, "adoption": adoption}))
                if model == "gaussian" and remedy == "fresh-crawl":  # the shares do not depend on model or remedy
                    shares.append(share_curves(history, adoption).assign(adoption=adoption))
    grid = pd.concat(distances, ignore_index=True)
    grid["distance"] = charts.significant(grid["distance"], 4)
    return grid, pd.concat(shares, ignore_index=True).round(4)


def static_chart(grid: pd.DataFrame, shares: pd.DataFrame) -> alt.HConcatChart:
    model = charts.choice("model", "model ", list(MODELS), list(MODELS.values()))
    remedy = charts.choice("remedy", "remedy ", list(REMEDY_LABELS), list(REMEDY_LABELS.values()), radio=False,
                           value="accumulate-human")
    adoption = charts.slider("adoption", "adoption rate a ", STATIC_ADOPTIONS, value=0.25)
    worlds = grid.assign(world=np.where(grid.adoption == 0, CLEAN, ADOPTING))
    # the clean curve is drawn at every adoption rate; the other only at the chosen one
    keep = "datum.model == model && datum.remedy == remedy && (datum.adoption == 0 || datum.adoption == adoption)"
    left = distance_layer(worlds, "KL (nats) or bits per token").transform_filter(keep).properties(
        title="distance from the original", width=PANE_WIDTH)
    right = alt.layer(*[layer.transform_filter("datum.adoption == adoption") for layer in share_layers(shares)]
                      ).properties(title="share of human data copied", width=PANE_WIDTH)
    return alt.hconcat(left, right).resolve_scale(color="independent").add_params(model, remedy, adoption).properties(
        description=DESCRIPTION)
