"""Chapter "Reality is a moving target": the drawing. The experiment and its settings are in collapse/feedback.py."""

from __future__ import annotations

import functools

import altair as alt
import numpy as np
import pandas as pd

from collapse.feedback import (ADOPTING, CLEAN, FEEDBACK_MODELS, REMEDY_LABELS, SHARE_SERIES, STATIC,
                               FeedbackModel, FeedbackSettings, live_tables, static_grid)
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import Panel

__all__ = ["chart", "panel", "static_chart", "static_grid"]

WORLD_COLOURS = alt.Scale(domain=[CLEAN, ADOPTING], range=[theme.NEUTRAL, theme.OKABE_ITO[5]])
PANE_WIDTH = theme.WIDTH - 20  # two panes with their axis titles side by side fit the text column
SHARE_COLOURS = alt.Scale(domain=SHARE_SERIES, range=[theme.OKABE_ITO[0], theme.OKABE_ITO[2]])


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


def chart(**values) -> dict:
    """The live panel's chart for these settings (collapse.feedback.FeedbackSettings): distance from the original
    human data, and the copied share of the human data."""
    settings = FeedbackSettings(**values)
    tables = live_tables(settings)
    return live_template().fill({"distance": tables.distance, "shares": tables.shares}, titles={
        ("hconcat", 0, "encoding", "y"): settings.world.distance_label,
        ("hconcat", 0): f"at generation {tables.generations}: {tables.adopting_last:.3g} "
                        f"(clean: {tables.clean_last:.3g})",
        ("hconcat", 1): f"a = {settings.adoption:.2f}: share of human data copied"})


def panel(**overrides) -> Panel:
    """The live panel: every control re-runs both worlds, the copying one and the clean one, and redraws."""
    inputs, shown_when = controls.controls_from(FeedbackSettings(**overrides))
    return Panel("People copy the models: how far do the models drift from the original human data?", inputs, chart,
                 shown_when=shown_when, note=" ".join(what_a_run_is(world) for world in FEEDBACK_MODELS.values()))


def what_a_run_is(world: FeedbackModel) -> str:
    """The panel's note on what one model's chart shows: the median of many runs, or one short seeded run."""
    if not world.one_seed:
        return f"{world.entry.label}: median of the runs."
    return (f"{world.entry.label}: one seeded run, {world.size:,} {world.entry.unit} per generation, its first "
            f"{world.max_live_generations} generations at most (about a second).")


def static_chart(grid: pd.DataFrame, shares: pd.DataFrame) -> alt.HConcatChart:
    """Distances and copied shares with a menu for the model and the remedy and a slider for the adoption rate
    (`static_grid()`, made with collapse.feedback.STATIC)."""
    grid = grid.assign(distance=charts.significant(grid["distance"], 4))  # a lighter page
    shares = shares.round(4)
    names = [runs.model for runs in STATIC.runs]
    model = charts.choice("model", "model ", names, [FEEDBACK_MODELS[name].label for name in names])
    remedy = charts.choice("remedy", "remedy ", list(REMEDY_LABELS), list(REMEDY_LABELS.values()), radio=False,
                           value=FeedbackSettings().remedy)
    adoption = charts.slider("adoption", "adoption rate a ", list(STATIC.adoptions), value=0.25)
    worlds = grid.assign(world=np.where(grid.adoption == 0, CLEAN, ADOPTING))
    # the clean curve is drawn at every adoption rate; the other only at the chosen one
    keep = "datum.model == model && datum.remedy == remedy && (datum.adoption == 0 || datum.adoption == adoption)"
    left = distance_layer(worlds, "KL (nats) or bits per token").transform_filter(keep).properties(
        title="distance from the original", width=PANE_WIDTH)
    right = alt.layer(*[layer.transform_filter("datum.adoption == adoption") for layer in share_layers(shares)]
                      ).properties(title="share of human data copied", width=PANE_WIDTH)
    return alt.hconcat(left, right).resolve_scale(color="independent").add_params(model, remedy, adoption).properties(
        description=DESCRIPTION)
