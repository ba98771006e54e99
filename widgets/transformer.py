"""Chapter "A tiny transformer": the drawing. The experiment, its settings and the stored results are in
collapse/transformer.py.

The static chart and the table of writing draw the stored runs (data/transformer_results.json, made by
`python -m collapse.transformer precompute`); the live panel trains in the reader's kernel when its Run button is
pressed, with a progress bar over the run's Adam steps.
"""

from __future__ import annotations

import functools
import html

import altair as alt
import pandas as pd
from IPython.display import HTML

from collapse.regimes import REGIME_LABELS
from collapse.transformer import (LIVE_PASSAGES, MEASURES, RESULTS, STORED, TransformerPanelSettings, TransformerRun,
                                  measure_frame, real_measures, run, shown_generations, stored_frame, stored_real,
                                  stored_run_of_seed)
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import RunPanel

__all__ = ["chart", "panel", "static_chart", "writing_markup", "writing_table"]

MONOSPACE = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"
NEWLINE_MARK = "↵"  # how a newline the model wrote is shown, so that a line break in its text stays visible
LIVE_MEASURES = ("heldout_bits_per_char", "real_word_share")  # the live chart's two measures
PROGRESS_UPDATES = 20  # the progress bar moves at most this many times a run (each move is a message to the page)


def generation_label(generation: int) -> str:
    return "real text" if generation == 0 else f"generation {generation}"


def choice_title(parameter: str, labels: dict[str, str]) -> alt.ExprRef:
    """A title that names the chosen option of a bound parameter: a Vega expression over its labels."""
    *first, last = labels
    chosen = " : ".join(f"{parameter} == {name!r} ? {labels[name]!r}" for name in first)
    return alt.expr(f"{chosen} : {labels[last]!r}" if first else repr(labels[last]))


# --- the static chart of the stored runs ---------------------------------------------------------------------------
def static_chart(frame: pd.DataFrame | None = None) -> alt.LayerChart:
    """Every stored regime against generation for the measure chosen in a menu: the mean over the stored seeds as a
    line, their range as a band. `frame` is `collapse.transformer.stored_frame()` (the default)."""
    frame = stored_frame() if frame is None else frame
    frame = frame.assign(value=charts.significant(frame["value"], 4))  # a lighter page
    measure = charts.choice("measure", "measure ", list(MEASURES), list(MEASURES.values()), radio=False)
    base = alt.Chart(frame).transform_filter("datum.measure == measure")
    x = alt.X("generation:Q", title="generation (0: real text)", axis=alt.Axis(tickMinStep=1),
              scale=alt.Scale(nice=False, domain=[0, STORED.generations]))
    color = alt.Color("regime:N", title=None, sort=list(STORED.regimes),
                      scale=alt.Scale(domain=list(STORED.regimes), range=theme.OKABE_ITO[:len(STORED.regimes)]))
    y_scale = alt.Scale(zero=False)
    spread = base.mark_area(opacity=0.2).encode(
        x=x, y=alt.Y("min(value):Q", title=None, scale=y_scale), y2="max(value):Q", color=color)
    mean = base.mark_line(point=True, strokeWidth=2.5).encode(
        x=x, y=alt.Y("mean(value):Q", title=None, scale=y_scale), color=color,
        tooltip=[alt.Tooltip("regime:N"), alt.Tooltip("generation:Q"),
                 alt.Tooltip("mean(value):Q", format=".4~g", title=f"mean of {STORED.seeds} seeds"),
                 alt.Tooltip("min(value):Q", format=".4~g", title="lowest seed"),
                 alt.Tooltip("max(value):Q", format=".4~g", title="highest seed")])
    return alt.layer(mean, spread).add_params(measure).properties(
        width=520, height=260, title=alt.Title(choice_title("measure", MEASURES), fontSize=13),
        autosize=alt.AutoSizeParams(type="pad", resize=True),  # re-laid out when the menu widens the tick labels
        description=f"Line chart against generation of the measure chosen in the menu ({', '.join(MEASURES.values())})"
                    f", for the stored runs of a tiny transformer under {', '.join(STORED.regimes)}: a line for the "
                    f"mean of {STORED.seeds} seeds and a band from the lowest to the highest seed. Generation 0 is "
                    "real text, for the measures of writing. Under replace the held-out bits per character rise "
                    "every generation and the share of real words falls; under accumulate both hold.")


# --- the writing, side by side -------------------------------------------------------------------------------------
def passage_markup(passage: str) -> str:
    """One passage as HTML: escaped, with every newline shown as NEWLINE_MARK and then broken."""
    return html.escape(passage).replace("\n", f"{NEWLINE_MARK}<br>")


def writing_markup(writing: dict[str, dict[int, list[str]]], passages: int = 4) -> str:
    """An HTML table of what each regime's chain wrote: a column per generation (real text first), `passages` rows
    per regime. `writing[regime][generation]` lists the passages; everything is escaped."""
    generations = sorted({generation for by_generation in writing.values() for generation in by_generation})
    cell = (f"font-family:{MONOSPACE};white-space:pre-wrap;word-break:break-all;vertical-align:top;"
            "padding:3px 6px;border-top:1px solid rgba(136,136,136,0.3)")
    header = "".join(f'<th style="text-align:left;padding:3px 6px">{generation_label(g)}</th>' for g in generations)
    rows = []
    for regime, by_generation in writing.items():
        rows.append(f'<tr><th colspan="{len(generations)}" style="text-align:left;padding:8px 6px 2px">'
                    f"{html.escape(REGIME_LABELS.get(regime, regime))}</th></tr>")
        for index in range(passages):
            cells = "".join(f'<td style="{cell}">{passage_markup(by_generation[g][index])}</td>'
                            if g in by_generation and index < len(by_generation[g]) else f'<td style="{cell}"></td>'
                            for g in generations)
            rows.append(f"<tr>{cells}</tr>")
    return (f'<table style="table-layout:fixed;width:100%;max-width:700px;border-collapse:collapse;font-size:12px">'
            f"<thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def writing_table(regimes: tuple[str, ...] = ("replace", "accumulate"), passages: int = 4) -> HTML:
    """What seed 0 of each stored regime wrote at the generations stored (real text, the first, the middle, the
    last), side by side."""
    return HTML(writing_markup({regime: stored_run_of_seed(regime).passages for regime in regimes}, passages))


# --- the live panel ------------------------------------------------------------------------------------------------
@functools.cache
def live_template() -> charts.Template:
    """The panel's chart: held-out bits per character and the share of real words against generation, then the
    first passages each generation wrote."""
    x = alt.X("generation:Q", title="generation", axis=alt.Axis(tickMinStep=1), scale=alt.Scale(nice=False))

    def line(name: str) -> alt.Chart:
        return alt.Chart(alt.NamedData("measures")).transform_filter(
            alt.FieldEqualPredicate(field="measure", equal=name)).mark_line(point=True, color=theme.OKABE_ITO[0]).encode(
            x=x, y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False), axis=alt.Axis(format=".3~g")),
            tooltip=[alt.Tooltip("generation:Q"), alt.Tooltip("value:Q", format=".3f")],
        ).properties(title=alt.Title(MEASURES[name], fontSize=12))

    writing = alt.Chart(alt.NamedData("writing")).mark_text(
        align="left", baseline="middle", font=MONOSPACE, fontSize=12, color=theme.NEUTRAL).encode(
        y=alt.Y("row:O", axis=None), x=alt.value(0), text="text:N",
    ).properties(width=600, height=alt.Step(16), title=alt.Title("What it wrote", fontSize=12))
    return charts.Template(alt.vconcat(alt.hconcat(*(line(name) for name in LIVE_MEASURES)), writing).properties(
        title="…", description="Two line charts against generation: the held-out bits per character on real plays "
                               "and the share of the words it wrote that are real (generation 0: real text). Below "
                               "them, the first passages real text and each shown generation wrote."))


def writing_rows(passages: dict[int, list[str]], generations: int) -> pd.DataFrame:
    """The live chart's lines of text: the first passages of real text and of each shown generation."""
    rows = [f"{generation_label(g):>13} │ {passage.replace(chr(10), NEWLINE_MARK)}"
            for g in shown_generations(generations) for passage in passages[g][:LIVE_PASSAGES]]
    return pd.DataFrame({"row": range(len(rows)), "text": rows})


def fill(trained: TransformerRun, real: dict[str, float], regime: str, title: str) -> dict:
    """The live chart filled with one chain's measures and writing, under `title` (its numbers in the text
    alternative too)."""
    measures = measure_frame(trained.measures, real, regime)
    measures = measures[measures["measure"].isin(LIVE_MEASURES)]
    generations = len(trained.measures["heldout_bits_per_char"])
    spec = live_template().fill({"measures": measures, "writing": writing_rows(trained.passages, generations)},
                                titles={(): title})
    spec["description"] += f" {title}."
    return spec


def run_title(settings: TransformerPanelSettings, trained: TransformerRun) -> str:
    bits = trained.measures["heldout_bits_per_char"][:, 0]
    return (f"{REGIME_LABELS[settings.regime]}, {settings.characters_per_generation:,} characters a generation: "
            f"held-out bits per character {bits[0]:.3f} at generation 1, {bits[-1]:.3f} at generation "
            f"{settings.generations}")


def throttled(progress, total: int):
    """`progress`, called only when a run has gone another 1/PROGRESS_UPDATES of its `total` steps (and at the end)."""
    def report(done: int) -> None:
        if done == total or done * PROGRESS_UPDATES // total != (done - 1) * PROGRESS_UPDATES // total:
            progress(done)
    return report


def chart(progress=None, **values) -> dict:
    """The live panel's picture for one chain with these settings (collapse.transformer.TransformerPanelSettings), as
    a Vega-Lite specification; `progress(done)` is called as the Adam steps go by."""
    settings = TransformerPanelSettings(**values)
    trained = run(settings, throttled(progress, settings.planned_steps()) if progress else None)
    real = real_measures(settings.engine_settings(), settings.seed)  # real text as long as a generation's writing
    return fill(trained, real, settings.regime, run_title(settings, trained))


def stored_view() -> tuple[dict, str]:
    """The panel's first picture, before any run: seed 0 of the stored runs under replace."""
    title = (f"A stored run (replace, {STORED.characters_per_generation:,} characters a generation, seed 0). "
             "Press Run to train your own.")
    return fill(stored_run_of_seed("replace"), stored_real(), "replace", title), ""


def panel(**overrides) -> RunPanel:
    """The live panel: choose the settings, press Run, and watch the progress bar count the Adam steps."""
    inputs, shown_when = controls.controls_from(TransformerPanelSettings(**overrides))
    return RunPanel(
        "Retrain a tiny transformer on its own writing", inputs, chart,
        steps=lambda **values: TransformerPanelSettings(**values).planned_steps(),  # checks the settings first
        initial=stored_view if RESULTS.exists() else None, shown_when=shown_when,
        note="Needs a live kernel (Live Code, Binder, Colab or Jupyter). Each generation trains a new GPT from scratch "
             f"on one CPU thread; the bar counts its Adam steps, and runs longer than about a minute are refused.")
