"""Chapter "Specialise, and use tools": the drawing. The experiments and their settings are in collapse/specialise.py
(specialist and general Markov models judged on each kind of play) and collapse/tools.py (a model asked to count
letters beside a tool that counts them)."""

from __future__ import annotations

import functools

import altair as alt
import pandas as pd

from collapse.specialise import BUDGET_DRAWS, CONTENDERS, DOMAINS, SpecialiseSettings, live_tables, static_grid
from collapse.tools import ANSWERERS
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import Panel

__all__ = ["chart", "counting_chart", "panel", "static_chart", "static_grid"]

CONTENDER_COLOURS = alt.Scale(domain=list(CONTENDERS), range=[theme.OKABE_ITO[1], theme.OKABE_ITO[0], theme.NEUTRAL,
                                                              theme.OKABE_ITO[2]])
# re-lay the chart out when a control changes what it draws (Vega does not by default, so a state with wider labels
# than the opening one is cut at the chart's edge)
RELAYOUT = {"type": "pad", "resize": True}
DESCRIPTION = ("Held-out bits per token on comedies, histories and tragedies for four models: a specialist trained "
               "on one kind of play, a general model with the same number of training tokens, a general model "
               "with all the training plays, and that model tailored to the specialist's kind of play. Points are "
               "means, lines one standard error across passages.")


def point_layers(data) -> list[alt.Chart]:
    """Each contender's bits per token on each judged domain: a point, and a line one standard error either side."""
    contenders = list(CONTENDERS)
    base = alt.Chart(data).encode(
        y=alt.Y("judged on:N", title="judged on held-out", sort=list(DOMAINS)),
        yOffset=alt.YOffset("model:N", sort=contenders),
        color=alt.Color("model:N", scale=CONTENDER_COLOURS, title=None, sort=contenders,
                        legend=alt.Legend(columns=2)))
    rules = base.mark_rule(strokeWidth=2).encode(x=alt.X("low:Q", title="bits per token (lower is better)",
                                                         scale=alt.Scale(zero=False)), x2="high:Q")
    points = base.mark_point(filled=True, size=60).encode(
        x="bits:Q", shape=alt.Shape("model:N", scale=alt.Scale(domain=contenders), title=None, legend=None),
        tooltip=["model:N", "judged on:N", alt.Tooltip("bits:Q", format=".3f"), alt.Tooltip("error:Q", format=".3f")])
    return [rules, points]


@functools.cache
def live_template() -> charts.Template:
    return charts.Template(alt.layer(*point_layers(alt.NamedData("comparison"))).properties(
        width=2 * theme.WIDTH, height=260, description=DESCRIPTION, autosize=RELAYOUT))


def chart(**values) -> dict:
    """The live panel's picture for these settings (collapse.specialise.SpecialiseSettings), as a Vega-Lite
    specification: the four models' bits per token on every kind of play."""
    settings = SpecialiseSettings(**values)
    tables = live_tables(settings)
    return live_template().fill({"comparison": tables.comparison}, titles={(): headline(settings, tables.advantage)})


def headline(settings: SpecialiseSettings, advantage: float) -> list[str]:
    """The live chart's title, in lines that fit a narrow panel: what the specialist saves (or loses) on its own
    kind of play against the general model with its budget, in words rather than a signed number."""
    verdict = (f"{abs(advantage):.3f} bits per token {'better' if advantage > 0 else 'worse'} than" if advantage
               else "no better or worse than")
    return [f"{settings.domain} specialist, {settings.budget_tokens:,} tokens:", verdict,
            "the general model with the same budget"]


def panel(**overrides) -> Panel:
    """The live panel: every control retrains the budgeted models and redraws (on release, for sliders)."""
    inputs, shown_when = controls.controls_from(SpecialiseSettings(**overrides))
    return Panel("A specialist against a general model", inputs, chart, shown_when=shown_when,
                 note=f"Each budgeted model is the average of {BUDGET_DRAWS} random draws of training passages.")


# --- static chart ---------------------------------------------------------------------------------------------
def static_chart(grid: pd.DataFrame) -> alt.LayerChart:
    """The comparison with a menu for the specialist's domain and a slider for the budget (`static_grid()`, made
    with collapse.specialise.STATIC)."""
    grid = grid.assign(**{column: grid[column].round(4) for column in ("bits", "error", "low", "high")})  # lighter
    domain = charts.choice("domain", "specialist's domain ", list(DOMAINS), value="histories")
    budget = charts.slider("budget", "training tokens ", sorted(grid.budget.unique().tolist()))
    layers = [layer.transform_filter(charts.matches(domain, budget)) for layer in point_layers(grid)]
    return alt.layer(*layers).add_params(domain, budget).properties(
        width=2 * theme.WIDTH, height=260, description=DESCRIPTION, autosize=RELAYOUT,
        title=["A specialist and three general models:", "same budget, all the data, tailored"])


# --- counting -------------------------------------------------------------------------------------------------
# the legend's words for collapse.tools.ANSWERERS
ANSWERER_LABELS = ("{'model': 'the character model', 'commonest length': 'always the commonest length', "
                   "'tool': 'the counting tool'}[datum.label]")


def counting_chart(table: pd.DataFrame) -> alt.Chart:
    """Bars of the share of held-out words each answerer counts right, one panel per order
    (collapse.tools.counting_table())."""
    answerers = list(ANSWERERS)
    orders = sorted(table.order.unique().tolist())
    listed = ", ".join(map(str, orders[:-1])) + (" and " if len(orders) > 1 else "") + str(orders[-1])
    return alt.Chart(table).mark_bar().encode(
        x=alt.X("answerer:N", sort=answerers, title=None, axis=None),  # the legend names the bars
        y=alt.Y("correct:Q", title="held-out words counted right", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("answerer:N", sort=answerers, title=None, legend=alt.Legend(labelExpr=ANSWERER_LABELS),
                        scale=alt.Scale(domain=answerers, range=[theme.OKABE_ITO[1], theme.NEUTRAL,
                                                                 theme.OKABE_ITO[0]])),
        column=alt.Column("order:O", title="order of the character model"),
        tooltip=["order:O", "answerer:N", alt.Tooltip("correct:Q", format=".1%")],
    ).properties(width=140, height=200, description=(
        f"Share of held-out words whose letters were counted right, for character n-gram models of order {listed}, "
        "for always answering the commonest word length, and for a counting tool, which is always right."))
