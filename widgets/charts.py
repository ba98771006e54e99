"""Chart pieces shared by every chapter: quantile fans, closed-form curves, reference lines, bound controls.

Each builder takes a tidy pandas DataFrame and returns an Altair chart, so chapters and panels compose them instead of
repeating encodings. Bound controls (`slider`, `choice`) are Vega-Lite parameters: they work on the static site with
no kernel, because the browser filters data that was computed when the book was built.

Every chart the book shows carries a text alternative: `.properties(description=...)` on the top-level chart (or
`description=` to `Template.fill`, for a live chart whose numbers change), which vega-embed turns into the SVG's
`aria-label`. The browser tests check that every chart on every page has one.
"""

from __future__ import annotations

import copy
import functools
import json

try:
    import altair as alt
except ModuleNotFoundError:  # the reader's in-browser kernel (Pyodide) cannot install altair: see cached_template
    alt = None
import numpy as np
import pandas as pd

from widgets.theme import NEUTRAL, OKABE_ITO, THEME

# a plain channel definition (altair takes dicts), so that the module imports where altair is missing
GENERATION = {"shorthand": "generation:Q", "title": "generation", "scale": {"nice": False}}


def quantile_fan(data: pd.DataFrame, *, title: str, log: bool = False, color: str = OKABE_ITO[0],
                 label: str = "simulated runs", columns: tuple[str, str, str] = ("low", "median", "high"),
                 axis: dict | None = None) -> alt.LayerChart:
    """A shaded band between the `columns` low and high, with the median drawn over it, against `generation`; `axis`
    draws the y axis (power_of_ten_labels, say)."""
    low, median, high = columns
    scale = alt.Scale(type="log") if log else alt.Scale(zero=False)
    base = alt.Chart(data).encode(x=GENERATION)
    band = base.mark_area(opacity=0.25, color=color).encode(
        y=alt.Y(f"{low}:Q", title=title, scale=scale, axis=alt.Undefined if axis is None else axis), y2=f"{high}:Q",
        tooltip=[alt.Tooltip("generation:Q"), alt.Tooltip(f"{low}:Q", format=".3g", title="10th percentile"),
                 alt.Tooltip(f"{median}:Q", format=".3g", title="median"),
                 alt.Tooltip(f"{high}:Q", format=".3g", title="90th percentile")])
    line = base.mark_line(color=color, strokeWidth=2.5).encode(
        y=f"{median}:Q", strokeDash=alt.StrokeDash("series:N", title=None, legend=None))
    return alt.layer(band, line.transform_calculate(series=f"'{label}'"))


POWERS_FROM = 1e4  # a log axis whose domain spans this factor labels every tick as a power of ten (10⁴, 10⁻⁷)


def power_of_ten_labels(scale: str | None = None, digits: int = 3) -> str:
    """A Vega label expression for a log axis. With no `scale`: every power of ten with a superscript exponent (10⁻²,
    10⁰, 10¹⁰) and nothing between them, so that every label has one form however many decades the axis spans (no
    "1,000,000" beside "1e+10"). With the axis's `scale` (the compiled scale's name: "y" for a single view,
    "concat_0_y" for the first panel of an hconcat): plain numbers ("0.1", "20", "500") while its domain spans less
    than a factor POWERS_FROM, the powers of ten once it spans more. Exponents up to `digits` digits."""
    exponent = "round(log(datum.value) / LN10)"
    superscript = "substring('⁰¹²³⁴⁵⁶⁷⁸⁹', {d}, {d} + 1)"
    places = [superscript.format(d=f"floor(abs({exponent}) / {10 ** place}) % 10") for place in range(digits)]
    # the higher digits only where the exponent has them
    written = places[0]
    for place in range(1, digits):
        written = f"(abs({exponent}) >= {10 ** place} ? {places[place]} : '') + {written}"
    # only the powers themselves are labelled (a log axis also ticks at 2, 3, ... 9 times each)
    is_power = f"abs(log(datum.value) / LN10 - {exponent}) < 1e-6"
    power = f"{is_power} ? '10' + ({exponent} < 0 ? '⁻' : '') + {written} : ''"
    if scale is None:
        return power
    # plain numbers label the ticks that start with 1, 2 or 5 (a label on every tick would crowd the axis)
    leading = "round(datum.value / pow(10, floor(log(datum.value) / LN10 + 1e-9)))"
    plain = f"indexof([1, 2, 5], {leading}) >= 0 ? format(datum.value, ',~g') : ''"
    return f"peek(domain('{scale}')) / domain('{scale}')[0] >= {POWERS_FROM:g} ? {power} : {plain}"


def closed_form_curves(data: pd.DataFrame) -> alt.Chart:
    """Dashed curves of `value` against `generation`, one per `curve` name, each in its own colour with a legend."""
    return alt.Chart(data).mark_line(strokeDash=[6, 4], strokeWidth=2).encode(
        x=GENERATION, y="value:Q",
        color=alt.Color("curve:N", title="closed form", scale=alt.Scale(range=OKABE_ITO[1:3])),
        tooltip=[alt.Tooltip("curve:N"), alt.Tooltip("generation:Q"), alt.Tooltip("value:Q", format=".3g")])


def trajectories(data: pd.DataFrame, *, color: str = OKABE_ITO[0]) -> alt.Chart:
    """One thin, faint line of `value` against `generation` per `seed`: the individual runs behind a fan."""
    return alt.Chart(data).mark_line(strokeWidth=0.8, opacity=0.35, color=color).encode(
        x=GENERATION, y="value:Q", detail="seed:N")


def reference_rule(value: float, label: str, *, horizontal: bool = True) -> alt.LayerChart:
    """A grey dotted line at `value`, labelled at its end (for "the real data")."""
    frame = pd.DataFrame({"value": [value], "label": [label]})
    channel = "y" if horizontal else "x"
    rule = alt.Chart(frame).mark_rule(color=NEUTRAL, strokeDash=[2, 3]).encode(**{channel: "value:Q"})
    text = alt.Chart(frame).mark_text(color=NEUTRAL, align="right" if horizontal else "left", dy=-6,
                                      dx=0 if horizontal else 4, fontSize=11)
    # the label sits at the right end of a horizontal line ("width": the plot's width, whatever the page makes it),
    # or at the top of a vertical one
    position = {"y": "value:Q", "x": alt.value("width")} if horizontal else {"x": "value:Q", "y": alt.value(8)}
    return alt.layer(rule, text.encode(text="label:N", **position))


def slider(name: str, label: str, values: list[int | float], value=None) -> alt.Parameter:
    """A bound range slider over evenly spaced `values` (first, second, ..., last)."""
    step = values[1] - values[0]
    return alt.param(name=name, value=values[0] if value is None else value,
                     bind=alt.binding_range(min=values[0], max=values[-1], step=step, name=label))


def choice(name: str, label: str, options: list[str], labels: list[str] | None = None, value=None,
           radio: bool = True) -> alt.Parameter:
    """A bound radio group (or drop-down menu with radio=False) over `options`, shown with `labels`."""
    binding = alt.binding_radio if radio else alt.binding_select
    return alt.param(name=name, value=options[0] if value is None else value,
                     bind=binding(options=options, labels=labels or options, name=label))


def matches(*parameters: alt.Parameter) -> str:
    """A Vega expression keeping the rows whose column of each parameter's name equals the parameter's value."""
    return " && ".join(f"datum.{p.name} == {p.name}" for p in parameters)


class Template:
    """A chart whose structure is fixed and whose data change: validated once, then refilled for each redraw.

    Building and validating an Altair chart takes a tenth of a second or more; a live panel redraws on every move of a
    control. So the panel's chart is built once over named, empty datasets (`alt.NamedData`), and each redraw copies
    that specification and fills in the data (and any titles) directly.
    """

    def __init__(self, chart: alt.TopLevelMixin):
        with alt.theme.enable(THEME):  # the panel's chart carries the book's look wherever it is shown
            self.spec = chart.to_dict()

    def fill(self, datasets: dict[str, pd.DataFrame], titles: dict[tuple, str] | None = None,
             description: str | None = None) -> dict:
        """A Vega-Lite specification with `datasets` filled in, each title at a path (keys down the spec) set, and the
        text alternative replaced by `description` when given (so that it can state this redraw's numbers)."""
        spec = copy.deepcopy(self.spec)
        if description is not None:
            spec["description"] = description
        # keep the template's own inline data (reference lines), add the named datasets
        spec["datasets"] = {**spec.get("datasets", {}), **{name: records(frame) for name, frame in datasets.items()}}
        for path, title in (titles or {}).items():
            node = spec
            for key in path:
                node = node[key]
            node["title"] = title
        return spec


def significant(values, digits: int):
    """`values` rounded to `digits` significant figures (a static chart's data need no more, and weigh less)."""
    values = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0, inf and NaN have no magnitude: they stay as they are
        magnitude = np.floor(np.log10(np.abs(values)))
    # (the exponent is kept within float range: a subnormal spread of a collapsed run, 1e-310 say, rounds to 0)
    scale = 10.0 ** np.clip(np.where(np.isfinite(magnitude), digits - 1 - magnitude, 0), -300, 300)
    return np.round(values * scale) / scale


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts: numpy numbers become Python numbers, and NaN becomes null, as Vega-Lite expects.
    Numbers keep 6 significant figures, so a tiny value on a log scale (a collapsed spread) is not rounded to 0."""
    rounded = frame.assign(**{column: significant(frame[column], 6) for column in frame.columns
                              if pd.api.types.is_float_dtype(frame[column])})
    return json.loads(rounded.to_json(orient="records", double_precision=15))


# --- the live charts in the reader's browser -----------------------------------------------------------------------
# The in-browser kernel (Pyodide; book_assets/browser_kernel.py) has no altair, so it cannot build a Template. The
# book's build builds each chapter's live template where altair is installed and ships its specification; there,
# PREBUILT maps "<module>.<function>" (e.g. "widgets.telephone.live_template") to it, and `fill` runs as it does
# in a server kernel.
PREBUILT: dict[str, dict] = {}


class PrebuiltTemplate(Template):
    """A Template made from a specification built elsewhere (by `Template(chart).spec`), with no altair at hand."""

    def __init__(self, spec: dict):
        self.spec = spec


def cached_template(build):
    """Decorator for a chapter's `live_template()`: builds its Template once, as `functools.cache` would; where
    altair is missing, the Template is the one prebuilt at book-build time (PREBUILT)."""
    key = f"{build.__module__}.{build.__qualname__}"

    @functools.cache
    @functools.wraps(build)
    def template(*args) -> Template:
        if alt is None:
            return PrebuiltTemplate(PREBUILT[key])
        return build(*args)

    template.key = key
    return template
