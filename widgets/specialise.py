"""Chapter "Specialise, and use tools": specialist and general Markov models judged on each kind of play, and a
model asked to count letters beside a tool that counts them."""

from __future__ import annotations

import functools

import altair as alt
import numpy as np
import pandas as pd

from collapse import specialise, tools
from collapse._checks import check_choice
from collapse.specialise import DOMAINS, GENERAL
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import Panel

SEEDS = 3  # draws of each training budget; the panel averages them
MODELS = ["specialist", "general, same budget", "general, all data", "general, tailored"]
MODEL_COLOURS = alt.Scale(domain=MODELS, range=[theme.OKABE_ITO[1], theme.OKABE_ITO[0], theme.NEUTRAL,
                                                theme.OKABE_ITO[2]])
BUDGETS = [10_000, 25_000, 50_000, 100_000, 150_000, 200_000, 250_000]  # training tokens; every domain has 285k+
MAX_WORK = 1_500_000  # seeds x budget x order of the budgeted fits a panel redraw may take (about a second)


def comparison(domain: str, budget_tokens: int | None, order: int = 2, seeds: int = SEEDS,
               seed: int = 0) -> pd.DataFrame:
    """Held-out bits per token on every domain for the specialist, the general model with the same budget (all the
    specialist's text when `budget_tokens` is None), the general model with all the data, and that model tailored to
    the domain (mixed with the specialist).

    `bits` averages over seeds; `error` is one standard error across held-out passages (the seed-averaged bits).
    """
    check_choice("domain", domain, DOMAINS)
    budget = budget_tokens if budget_tokens is not None else specialise.domain_split().max_budget(domain)
    runs = {"specialist": specialise.heldout_bits(domain, budget_tokens, order, seeds, seed),
            "general, same budget": specialise.heldout_bits(GENERAL, budget, order, seeds, seed),
            "general, all data": specialise.heldout_bits(GENERAL, None, order),
            "general, tailored": specialise.tailored_bits(domain, budget_tokens, order, seeds, seed)}
    rows = []
    for model, by_domain in runs.items():
        for judged, bits in by_domain.items():
            per_passage = bits.mean(axis=0)
            rows.append({"model": model, "judged on": judged, "bits": per_passage.mean(),
                         "error": per_passage.std(ddof=1) / np.sqrt(per_passage.size)})
    table = pd.DataFrame(rows)
    table["low"], table["high"] = table.bits - table.error, table.bits + table.error
    return table


def advantage(table: pd.DataFrame, domain: str, rival: str = "general, same budget") -> float:
    """How many bits per token the specialist saves over `rival` on its own domain (negative: it loses)."""
    own = table[table["judged on"] == domain].set_index("model")["bits"]
    return float(own[rival] - own["specialist"])


def check_budget(domain: str, budget_tokens: int, order: int) -> None:
    work = SEEDS * budget_tokens * order
    if work > MAX_WORK:
        raise ValueError(f"That run is too large for the panel ({work:,} units of work: seeds x tokens x order; it "
                         f"allows {MAX_WORK:,}). Lower the budget or the order.")


def point_layers(data) -> list[alt.Chart]:
    base = alt.Chart(data).encode(
        y=alt.Y("judged on:N", title="judged on held-out", sort=list(DOMAINS)),
        yOffset=alt.YOffset("model:N", sort=MODELS),
        color=alt.Color("model:N", scale=MODEL_COLOURS, title=None, sort=MODELS, legend=alt.Legend(columns=2)))
    rules = base.mark_rule(strokeWidth=2).encode(x=alt.X("low:Q", title="bits per token (lower is better)",
                                                         scale=alt.Scale(zero=False)), x2="high:Q")
    points = base.mark_point(filled=True, size=60).encode(
        x="bits:Q", shape=alt.Shape("model:N", scale=alt.Scale(domain=MODELS), title=None, legend=None),
        tooltip=["model:N", "judged on:N", alt.Tooltip("bits:Q", format=".3f"), alt.Tooltip("error:Q", format=".3f")])
    return [rules, points]


DESCRIPTION = ("Held-out bits per token on comedies, histories and tragedies for four models: a specialist trained "
               "on one kind of play, a general model with the same number of training tokens, a general model "
               "with all the training plays, and that model tailored to the specialist's kind of play. Points are "
               "means, lines one standard error across passages.")


@functools.cache
def live_template() -> charts.Template:
    return charts.Template(alt.layer(*point_layers(alt.NamedData("comparison"))).properties(
        width=2 * theme.WIDTH, height=260, description=DESCRIPTION))


def chart(domain="histories", budget_tokens=100_000, order=2, seed=0) -> dict:
    check_budget(domain, budget_tokens, order)
    table = comparison(domain, budget_tokens, order, SEEDS, seed)
    saved = advantage(table, domain)
    return live_template().fill({"comparison": table}, titles={
        (): f"{domain} specialist, {budget_tokens:,} tokens: {saved:+.3f} bits per token against the general model"})


def panel(**overrides) -> Panel:
    settings = dict(domain="histories", budget_tokens=100_000, order=2, seed=0) | overrides
    return Panel(
        "A specialist against a general model",
        {"domain": controls.menu("specialist's domain", [(d, d) for d in DOMAINS], settings["domain"]),
         "budget_tokens": controls.steps_slider("training tokens", BUDGETS, settings["budget_tokens"]),
         "order": controls.int_slider("order (context + 1)", settings["order"], 1, 4),
         "seed": controls.seed_box(settings["seed"])},
        chart, note=f"Each budgeted model is the average of {SEEDS} random draws of training passages.")


# --- static chart ---------------------------------------------------------------------------------------------
STATIC_BUDGETS = [50_000, 100_000, 150_000, 200_000, 250_000]


def static_grid(budgets=tuple(STATIC_BUDGETS), order: int = 2, seed: int = 0) -> pd.DataFrame:
    frames = [comparison(domain, budget, order, SEEDS, seed).assign(domain=domain, budget=budget)
              for domain in DOMAINS for budget in budgets]
    grid = pd.concat(frames, ignore_index=True)
    for column in ("bits", "error", "low", "high"):
        grid[column] = grid[column].round(4)
    return grid


def static_chart(grid: pd.DataFrame) -> alt.LayerChart:
    domain = charts.choice("domain", "specialist's domain ", list(DOMAINS), value="histories")
    budget = charts.slider("budget", "training tokens ", sorted(grid.budget.unique().tolist()))
    layers = [layer.transform_filter(charts.matches(domain, budget)) for layer in point_layers(grid)]
    return alt.layer(*layers).add_params(domain, budget).properties(
        width=2 * theme.WIDTH, height=260, description=DESCRIPTION,
        title="A specialist, a general model with its budget, and one with everything")


# --- counting -------------------------------------------------------------------------------------------------
ANSWERERS = ["model", "commonest length", "tool"]


def counting_table(orders=(2, 3, 4), seed: int = 0) -> pd.DataFrame:
    rows = []
    for order in orders:
        quiz = tools.counting_quiz(order, seed=seed)
        rows += [{"order": order, "answerer": name, "correct": quiz[name]} for name in ANSWERERS]
    return pd.DataFrame(rows)


def counting_chart(table: pd.DataFrame) -> alt.Chart:
    return alt.Chart(table).mark_bar().encode(
        x=alt.X("answerer:N", sort=ANSWERERS, title=None, axis=None),  # the legend names the bars
        y=alt.Y("correct:Q", title="held-out words counted right", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("answerer:N", sort=ANSWERERS, title=None,
                        scale=alt.Scale(domain=ANSWERERS, range=[theme.OKABE_ITO[1], theme.NEUTRAL,
                                                                 theme.OKABE_ITO[0]])),
        column=alt.Column("order:O", title="order of the character model"),
        tooltip=["order:O", "answerer:N", alt.Tooltip("correct:Q", format=".1%")],
    ).properties(width=140, height=200, description=(
        "Share of held-out words whose letters were counted right, for character n-gram models of order 2, 3 and 4, "
        "for always answering the commonest word length, and for a counting tool, which is always right."))
