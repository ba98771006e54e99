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
                 shown_when: dict[str, Callable[[dict], bool]] | None = None, note: str = ""):
        """`draw(**settings)` returns a Vega-Lite specification (a dict); `shown_when[name](settings)` says whether
        control `name` matters for these settings (it is hidden when it does not)."""
        self.controls = controls
        self.draw = draw
        self.shown_when = shown_when or {}
        self.spec: dict | None = None  # the chart on screen
        self.message = widgets.HTML(layout=widgets.Layout(min_height="1.5em"))
        self.output = widgets.Output()
        for control in controls.values():
            control.observe(lambda change: self.redraw(), names="value")
        header = widgets.HTML(f"<strong>{html.escape(title)}</strong>" + (f"<br><small>{note}</small>" if note else ""))
        grid = widgets.GridBox(list(controls.values()), layout=widgets.Layout(
            grid_template_columns="repeat(auto-fit, minmax(260px, 1fr))", grid_gap="4px 16px"))
        self.widget = widgets.VBox([header, grid, self.message, self.output])
        self.redraw()

    def settings(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def redraw(self) -> None:
        settings = self.settings()
        for name, is_shown in self.shown_when.items():
            self.controls[name].layout.display = None if is_shown(settings) else "none"
        try:
            spec = self.draw(**settings)
        except ValueError as error:
            self.message.value = f'<span role="alert" style="color:#D55E00">{html.escape(str(error))}</span>'
            return
        self.message.value = ""
        self.spec = spec
        with self.output:
            clear_output(wait=True)
            # the active Altair renderer turns a specification into what this front end displays
            display(alt.renderers.get()(spec), raw=True)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
