"""The pattern every live panel follows: controls over a pure `settings -> chart` function, and a message line.

A change to any control re-runs the function with the controls' values. A ValueError or TypeError (bad or too costly
settings) shows its message in the panel instead of a traceback; any other exception is a fault of ours, so the panel
says that something went wrong and logs the traceback for the developer. Either way the last good chart stays on
screen. Experiments that take seconds use `RunPanel` instead: controls set up the next run, and a Run button starts it,
with a progress bar.
"""

from __future__ import annotations

import html
import logging
from typing import Callable

try:
    import altair as alt
    import ipywidgets as widgets
    from IPython.display import clear_output, display
except ModuleNotFoundError:  # the reader's in-browser kernel: it imports the chapters' modules but builds no panel
    alt = widgets = clear_output = display = None

from collapse._checks import check_choice
from collapse.regimes import REGIME_LABELS
from collapse.settings import Settings

logger = logging.getLogger(__name__)


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
            control.observe(lambda change: self.changed(), names="value")
        header = widgets.HTML(f"<strong>{html.escape(title)}</strong>" + (f"<br><small>{note}</small>" if note else ""))
        grid = widgets.GridBox(list(controls.values()), layout=widgets.Layout(
            grid_template_columns="repeat(auto-fit, minmax(min(260px, 100%), 1fr))", grid_gap="4px 16px"))
        self.widget = widgets.VBox([header, grid, *self.actions(), self.message, self.output, self.below])
        self.changed()

    def settings(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def actions(self) -> list[widgets.Widget]:
        """Widgets shown between the controls and the message line (none here; RunPanel's button and progress)."""
        return []

    def changed(self) -> None:
        """What a change to a control does (and what building the panel does): here, re-run and redraw."""
        self.redraw()

    def show_relevant_controls(self, settings: dict) -> None:
        for name, is_shown in self.shown_when.items():
            self.controls[name].layout.display = None if is_shown(settings) else "none"

    def alert(self, message: str) -> None:
        self.message.value = f'<span role="alert" style="color:#D55E00">{html.escape(message)}</span>'

    def attempt(self, make: Callable[[], tuple[dict, str]]) -> tuple[dict, str] | None:
        """`make()`'s chart and the HTML under it; or None, with the reason shown in the panel.

        A ValueError or TypeError is the experiment refusing the reader's settings: its message says what to change.
        Anything else is a fault in the book's code, not the reader's: the panel says so briefly, and the traceback
        goes to the log, where a developer can find it."""
        try:
            return make()
        except (TypeError, ValueError) as error:
            self.alert(str(error))
        except Exception as error:
            logger.exception("%s could not draw its chart with settings %r", type(self).__name__, self.settings())
            self.alert(f"Something went wrong drawing this chart: {type(error).__name__}: {error}. The last good "
                       "chart is kept; the full error is in the kernel's log for the book's developers.")
        return None

    def show(self, spec: dict, below: str = "") -> None:
        """Put a chart (and the HTML under it) on screen."""
        self.message.value = ""
        self.spec = spec
        self.below.value = below
        with self.output:
            clear_output(wait=True)
            # the active Altair renderer turns a specification into what this front end displays
            display(alt.renderers.get()(spec), raw=True)

    def redraw(self) -> None:
        settings = self.settings()
        self.show_relevant_controls(settings)
        drawn = self.attempt(lambda: (self.draw(**settings), self.caption(**settings) if self.caption else ""))
        if drawn:
            self.show(*drawn)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


class RunPanel(Panel):
    """A panel for experiments that take seconds: moving a control changes nothing until Run is pressed.

    `draw(progress=..., **settings)` returns the chart, calling `progress(done)` as it goes; `steps(**settings)` says
    how many steps a run has (the progress bar's length; it may raise ValueError to refuse the settings). While a run
    goes on, the controls and the button are disabled, so the settings on screen are the ones being run; they are
    enabled again when it ends, whether it succeeded or not. `initial()`, if given, returns the chart (and the HTML
    under it) to show before the first run, such as a stored run, so that a page with no kernel shows something.
    """

    def __init__(self, title: str, controls: dict[str, widgets.ValueWidget], draw: Callable[..., dict], *,
                 steps: Callable[..., int], initial: Callable[[], tuple[dict, str]] | None = None,
                 run_label: str = "Run", **options):
        self.steps = steps
        self.initial = initial
        self.button = widgets.Button(description=run_label, button_style="primary", icon="play",
                                     tooltip="Train with these settings")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="", style=STYLE,
                                            layout=widgets.Layout(width="60%"))
        self.button.on_click(lambda button: self.run())
        super().__init__(title, controls, draw, **options)
        if initial:
            self.show(*initial())

    def actions(self) -> list[widgets.Widget]:
        return [widgets.HBox([self.button, self.progress])]

    def changed(self) -> None:
        self.show_relevant_controls(self.settings())  # nothing runs until the button is pressed

    def set_running(self, running: bool) -> None:
        for control in [*self.controls.values(), self.button]:
            control.disabled = running

    def advance(self, done: int) -> None:
        self.progress.value = done
        self.progress.description = f"{done} of {self.progress.max}"

    def run(self) -> None:
        settings = self.settings()

        def train() -> tuple[dict, str]:
            self.progress.max = max(1, self.steps(**settings))
            self.advance(0)
            return self.draw(progress=self.advance, **settings), self.caption(**settings) if self.caption else ""

        self.set_running(True)
        try:
            drawn = self.attempt(train)
        finally:  # an interrupted run (KeyboardInterrupt) must not leave the controls disabled either
            self.set_running(False)
        if drawn:
            self.show(*drawn)
        else:
            self.progress.description = ""


# Controls, built the same way in every panel. Sliders report on release, so a drag runs one experiment, not fifty.
# A label beside its control is 170 px wide; book_assets/static/readable.css puts it above the control in a grid
# cell too narrow for both, and lets it wrap rather than be cut.
STYLE = {"description_width": "170px"}


def _wide() -> widgets.Layout:
    # "auto" fills the panel's grid cell less the control's margins (ipywidgets' own width is a fixed 300 px; "100%"
    # plus the margins runs out of the cell). A Layout of its own: the panel hides controls one at a time.
    return widgets.Layout(width="auto")


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
    return widgets.IntText(value=value, description="random seed", style=STYLE, layout=_wide())




def check_regime(regime: str) -> str:
    """Refuse, by name, a regime the panels' regime menu does not offer."""
    return check_choice("regime", regime, tuple(REGIME_LABELS))


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


def controls_from(settings: Settings, names: tuple[str, ...] | None = None
                  ) -> tuple[dict[str, widgets.ValueWidget], dict[str, Callable[[dict], bool]]]:
    """The controls of a chapter's settings (all of them, or `names`), set to `settings`' values, built from their
    declarations (collapse.settings), and when each conditional one is shown."""
    declared = type(settings).declared()
    controls, shown_when = {}, {}
    for name in names or tuple(declared):
        meta, value = declared[name].metadata, getattr(settings, name)
        label = meta["label"]
        if meta["choices"] is not None:
            options = [(text, key) for key, text in meta["choices"].items()]
            controls[name] = (buttons if meta["control"] == "buttons" else menu)(label, options, value)
        elif meta["steps"] is not None:
            controls[name] = steps_slider(label, list(meta["steps"]), value)
        elif meta["control"] == "box":
            controls[name] = widgets.IntText(value=value, description=label, style=STYLE, layout=_wide())
        elif isinstance(value, float):
            controls[name] = widgets.FloatSlider(value=value, min=meta["low"], max=meta["high"],
                                                 step=meta["step"] or 0.05, description=label,
                                                 continuous_update=False, style=STYLE, layout=_wide())
        else:
            controls[name] = int_slider(label, value, meta["low"], meta["high"])
        if meta["when"] is not None:
            other, wanted = meta["when"]
            shown_when[name] = lambda values, other=other, wanted=wanted: values[other] == wanted
    return controls, shown_when
