"""Every chart and output fits the text column at 390, 768, 1200 and 1440 px, and every state of every chart's bound
controls reads well: no text outside the chart's drawing or the column, none cut short, no marks past their plot, no
legend entry without marks, no empty legend, no legend labels over each other (tests/browser/fit_checks.py says how
each is measured).

Each page is opened at phone width, then widened to each of the other widths, as a reader turning a tablet or
resizing a window does (so both ways a chart gets its size are tested: laid out as the page opens, and corrected when
its column changes). At each width every control is driven through its values (a menu's and a radio group's every
option, a slider's ends and middle) from the chart's initial state, one control at a time, then put back. Failing
charts are screenshot into _build/screenshots/fit/, and the counts per width go to _build/fit-report.json (quoted in
the issue notes).
"""

import json

import pytest

from .conftest import visit_site
from .fit_checks import CHART, CHART_COUNT, CONTROLS, LAYOUT, SET_CONTROL
from .helpers import SCREENSHOTS, open_page

pytestmark = pytest.mark.browser

WIDTHS = (390, 768, 1200, 1440)  # a phone, a tablet, a laptop, a desktop
HEIGHT = 900
REPORT = SCREENSHOTS.parent / "fit-report.json"
COUNTS = ("charts wider than the column", "outputs cut or scrolling", "cells with split output",
          "chart states checked", "chart states with problems")

# After a change of width: the resize observers have fired and every chart has corrected its panels.
_SETTLE = """async () => {
  for (let wait = 0; wait < 100; wait += 1) {  // at most about 5 s
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    await window.bookCharts?.allSettled();
    if (!window.bookCharts?.stale()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}"""


@pytest.fixture(scope="session")
def fit_report():
    """Counts per width, summed over pages, written once the session's fit tests are done."""
    counts = {str(width): dict.fromkeys(COUNTS, 0) for width in WIDTHS}
    yield counts
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(counts, indent=1) + "\n")


def _screenshot(page, index, name):
    folder = SCREENSHOTS / "fit"
    folder.mkdir(parents=True, exist_ok=True)
    page.locator(".vega-embed").nth(index).screenshot(path=folder / f"{name}.png")


def _problems_at(page, name, totals):
    """Everything that does not fit on the page as it is now, driving every chart's controls."""
    layout = page.evaluate(LAYOUT)
    problems = [f"wide chart: {p}" for p in layout["charts"]] + [f"output: {p}" for p in layout["outputs"]]
    problems += [f"split output: {p}" for p in layout["split"]]
    totals["charts wider than the column"] += len(layout["charts"])
    totals["outputs cut or scrolling"] += len(layout["outputs"])
    totals["cells with split output"] += len(layout["split"])
    for index in range(page.evaluate(CHART_COUNT)):
        initial = page.evaluate(CHART, index)
        totals["chart states checked"] += 1
        if initial:
            totals["chart states with problems"] += 1
            problems += [f"chart {index}, as drawn: {p}" for p in initial]
            _screenshot(page, index, f"{name}-chart{index}")
        for control in page.evaluate(CONTROLS, index):
            pictured = False  # one screenshot per control: its first failing value
            for value in control["values"]:
                page.evaluate(SET_CONTROL, [index, control["position"], value])
                found = page.evaluate(CHART, index)
                totals["chart states checked"] += 1
                if found:
                    totals["chart states with problems"] += 1
                    problems += [f"chart {index}, {control['name']!r} = {value}: {p}" for p in found]
                    if not pictured:
                        _screenshot(page, index, f"{name}-chart{index}-{control['position']}-{value}"[:120])
                        pictured = True
            if control["now"] is not None:
                page.evaluate(SET_CONTROL, [index, control["position"], control["now"]])
    return problems


def test_every_chart_and_output_fits_in_every_state(browser, base_url, page_path, fit_report):
    first = WIDTHS[0]
    problems = {}
    with visit_site(browser, f"w{first}", viewport={"width": first, "height": HEIGHT}) as visit:
        page = open_page(visit, base_url, page_path, screenshot=False)  # the failing charts are screenshot
        stem = page_path.replace("/", "__").removesuffix(".html")
        for width in WIDTHS:
            if width != first:
                page.set_viewport_size({"width": width, "height": HEIGHT})
                page.evaluate(_SETTLE)
            problems[width] = _problems_at(page, f"{stem}-w{width}", fit_report[str(width)])
        assert not visit.errors, "\n".join(visit.errors)
    failing = {width: found for width, found in problems.items() if found}
    assert not failing, "\n".join(
        f"{page_path} at {width} px:\n  " + "\n  ".join(found[:25]) + (f"\n  ... and {len(found) - 25} more"
                                                                       if len(found) > 25 else "")
        for width, found in failing.items())


# The top-left corners of the panels of chart `index`, from its scenegraph.
_PANEL_CORNERS = """(index) => {
  const chart = document.querySelectorAll(".vega-embed")[index];
  const entry = window.bookCharts.views().find((v) => v.element === chart);
  const root = entry.view.scenegraph().root.items[0];
  return root.items.filter((mark) => mark.marktype === "group" && mark.role === "scope")
    .flatMap((mark) => mark.items.map((group) => [Math.round(group.x), Math.round(group.y)]));
}"""


def test_two_panel_charts_stack_on_a_phone_and_sit_side_by_side_on_a_laptop(browser, base_url):
    """The telephone chapter's static chart has two panels: under each other at 390 px, beside each other at 1200 px
    (and back again when the window narrows)."""
    with visit_site(browser, "stacking", viewport={"width": 1200, "height": HEIGHT}) as visit:
        page = open_page(visit, base_url, "chapters/telephone.html", screenshot=False)
        first_chart = 0
        corners = page.evaluate(_PANEL_CORNERS, first_chart)
        assert len(corners) == 2, f"expected the telephone chart's two panels, found {corners}"
        (x0, y0), (x1, y1) = corners
        assert y0 == y1 and x1 > x0 + 200, f"at 1200 px the panels should sit side by side: {corners}"
        for width, side_by_side in ((390, False), (1200, True)):
            page.set_viewport_size({"width": width, "height": HEIGHT})
            page.evaluate(_SETTLE)
            (x0, y0), (x1, y1) = page.evaluate(_PANEL_CORNERS, first_chart)
            if side_by_side:
                assert y0 == y1 and x1 > x0, f"at {width} px the panels should be side by side again"
            else:
                assert x0 == x1 and y1 > y0 + 100, f"at {width} px the panels should be stacked: {(x0, y0, x1, y1)}"
        assert not visit.errors, "\n".join(visit.errors)
