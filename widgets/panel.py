"""The pattern every live panel follows: controls over a pure `settings -> chart` function, and a message line.

A change to any control re-runs the function with the controls' values. A ValueError (bad or too costly settings)
shows its message in the panel instead of a traceback, and the last good chart stays on screen.
"""

from __future__ import annotations

import html
from typing import Callable

import altair as alt
import ipywidgets as widgets
from IPython.display import clear_output, display


class Panel:
    def __init__(self, title: str, controls: dict[str, widgets.ValueWidget], draw: Callable[..., dict],
                 shown_when: dict[str, Callable[[dict], bool]] | None = None, note: str = "",
                 caption: Callable[..., str] | None = None):
        """`draw(**settings)` returns a Vega-Lite specification (a dict); `shown_when[name](settings)` says whether
        control `name` matters for these settings (it is hidden when it does not); `caption(**settings)`, if given,
        returns HTML shown under the chart."""
        self.controls = controls
        self.draw = draw
        self.shown_when = shown_when or {}
        self.spec: dict | None = None  # the chart on screen
        self.caption = caption
        self.message = widgets.HTML(layout=widgets.Layout(min_height="1.5em"))
        self.output = widgets.Output()
        self.below = widgets.HTML()
        for control in controls.values():
            control.observe(lambda change: self.redraw(), names="value")
        header = widgets.HTML(f"<strong>{html.escape(title)}</strong>" + (f"<br><small>{note}</small>" if note else ""))
        grid = widgets.GridBox(list(controls.values()), layout=widgets.Layout(
            grid_template_columns="repeat(auto-fit, minmax(260px, 1fr))", grid_gap="4px 16px"))
        self.widget = widgets.VBox([header, grid, self.message, self.output, self.below])
        self.redraw()

    def settings(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def redraw(self) -> None:
        settings = self.settings()
        for name, is_shown in self.shown_when.items():
            self.controls[name].layout.display = None if is_shown(settings) else "none"
        try:
            spec = self.draw(**settings)
            below = self.caption(**settings) if self.caption else ""
        except ValueError as error:
            self.message.value = f'<span role="alert" style="color:#D55E00">{html.escape(str(error))}</span>'
            return
        self.message.value = ""
        self.spec = spec
        self.below.value = below
        with self.output:
            clear_output(wait=True)
            # the active Altair renderer turns a specification into what this front end displays
            display(alt.renderers.get()(spec), raw=True)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


# Controls, built the same way in every panel. Sliders report on release, so a drag runs one experiment, not fifty.
STYLE = {"description_width": "170px"}


def _wide() -> widgets.Layout:
    return widgets.Layout(width="100%")  # a Layout of its own: the panel hides controls one at a time


def int_slider(description: str, value: int, low: int, high: int) -> widgets.IntSlider:
    return widgets.IntSlider(value=value, min=low, max=high, description=description, continuous_update=False,
                             style=STYLE, layout=_wide())


def steps_slider(description: str, options: list, value) -> widgets.SelectionSlider:
    """A slider over uneven steps (1, 2, 5, 10, ...), for quantities that span orders of magnitude."""
    return widgets.SelectionSlider(options=options, value=value, description=description, continuous_update=False,
                                   style=STYLE, layout=_wide())


def share_slider(description: str, value: float) -> widgets.FloatSlider:
    return widgets.FloatSlider(value=value, min=0, max=1, step=0.05, description=description,
                               continuous_update=False, style=STYLE, layout=_wide())


def menu(description: str, options: list[tuple[str, str]], value: str) -> widgets.Dropdown:
    return widgets.Dropdown(options=options, value=value, description=description, style=STYLE, layout=_wide())


def buttons(description: str, options: list[tuple[str, str]], value: str) -> widgets.ToggleButtons:
    return widgets.ToggleButtons(options=options, value=value, description=description, style=STYLE)


def seed_box(value: int) -> widgets.IntText:
    return widgets.IntText(value=value, description="random seed", style=STYLE)


REGIME_LABELS = {"replace": "replace", "accumulate": "accumulate",
                 "accumulate-subsample": "accumulate, capped", "fresh-mix": "fresh real share"}


def regime_controls(regime: str, cap_generations: int, real_share: float):
    """The regime menu with the two options that belong to one regime each, and when to show those options."""
    controls = {
        "regime": menu("regime", [(label, name) for name, label in REGIME_LABELS.items()], regime),
        "cap_generations": int_slider("cap (generations' worth)", cap_generations, 1, 20),
        "real_share": share_slider("fresh real share", real_share),
    }
    shown_when = {"cap_generations": lambda s: s["regime"] == "accumulate-subsample",
                  "real_share": lambda s: s["regime"] == "fresh-mix"}
    return controls, shown_when
