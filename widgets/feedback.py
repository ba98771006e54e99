"""Chapter "Reality is a moving target": the drawing. The experiment and its settings are in collapse/feedback.py."""

from __future__ import annotations

try:
    import altair as alt
except ModuleNotFoundError:  # the reader's in-browser kernel: chart() fills a prebuilt template (widgets.charts)
    alt = None
import numpy as np
import pandas as pd

from collapse.feedback import (ADOPTING, CLEAN, FEEDBACK_MODELS, REMEDY_LABELS, SHARE_SERIES, STATIC,
                               FeedbackModel, FeedbackSettings, live_tables, static_grid)
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import Panel

__all__ = ["chart", "panel", "static_chart", "static_grid"]

# scales as dicts (altair takes them), so that the module imports where altair is missing
WORLD_COLOURS = {"domain": [CLEAN, ADOPTING], "range": [theme.NEUTRAL, theme.OKABE_ITO[5]]}
PANE_WIDTH = theme.WIDTH - 20  # two panes with their axis titles side by side fit the text column
SHARE_COLOURS = {"domain": SHARE_SERIES, "range": [theme.OKABE_ITO[0], theme.OKABE_ITO[2]]}


# --- chart pieces shared by the static chart and the live panel ---------------------------------------------------
def distance_layer(data, title: str, log: bool = True) -> alt.Chart:
    """Median distance against generation, the copying world solid and the clean one dashed: on a log axis labelled
    at powers of ten (a Gaussian's KL spans many of them), or on a linear one (bits per token)."""
    scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
    axis = alt.Axis(labelExpr=charts.power_of_ten_labels()) if log else alt.Axis(format=".1f")
    return alt.Chart(data).mark_line(strokeWidth=2.5).encode(
        x=charts.GENERATION, y=alt.Y("distance:Q", title=title, scale=scale, axis=axis),
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


@charts.cached_template
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


def static_chart(grid: pd.DataFrame, shares: pd.DataFrame, model: str) -> alt.HConcatChart:
    """One model's distances and the copied shares, over that model's generations, with a menu for the remedy and a
    slider for the adoption rate (`static_grid()`, made with collapse.feedback.STATIC). The slider starts above 0:
    the clean world (a = 0) is drawn dashed at every rate."""
    names = sorted(set(grid.model))
    if model not in names:
        raise ValueError(f"model must be one of {names}, not {model!r}")
    rows = grid[grid.model == model]
    world, generations = FEEDBACK_MODELS[model], int(rows.generation.max())
    rows = rows.assign(distance=charts.significant(rows["distance"], 4))  # a lighter page
    shares = shares[shares.generation <= generations].round(4)
    remedy = charts.choice("remedy", "remedy ", list(REMEDY_LABELS), list(REMEDY_LABELS.values()), radio=False,
                           value=FeedbackSettings().remedy)
    adoption = charts.slider("adoption", "adoption rate a ", [a for a in STATIC.adoptions if a > 0], value=0.25)
    worlds = rows.assign(world=np.where(rows.adoption == 0, CLEAN, ADOPTING))
    # the clean curve is drawn at every adoption rate; the other only at the chosen one
    keep = "datum.remedy == remedy && (datum.adoption == 0 || datum.adoption == adoption)"
    many_decades = rows.distance.max() > 100 * rows.distance.min()  # the Gaussian's KL: a log axis
    left = distance_layer(worlds, world.distance_label, log=many_decades).transform_filter(keep).properties(
        title="distance from the original", width=PANE_WIDTH)
    right = alt.layer(*[layer.transform_filter("datum.adoption == adoption") for layer in share_layers(shares)]
                      ).properties(title="share of human data copied", width=PANE_WIDTH)
    return alt.hconcat(left, right).resolve_scale(color="independent").add_params(remedy, adoption).properties(
        autosize=alt.AutoSizeParams(type="pad", resize=True),
        description=f"{world.label}, {generations} generations. {DESCRIPTION}")
