"""A live panel's controls on the static site (html-manager draws them from the stored widget state), at phone, tablet,
laptop and wide-screen widths, in dark mode: every label shown in full, nothing running out of the panel's grid of
controls, every slider long enough to move, and menus and number boxes drawn as controls (an edge that stands out
from what lies behind them, text that reads on them). Styles: book_assets/static/readable.css; the controls:
widgets/panel.py."""

import pytest

from .conftest import visit_site
from .helpers import COLOURS, SCREENSHOTS, open_page

pytestmark = pytest.mark.browser

WIDTHS = (390, 768, 1200, 1440)
# Readers' fonts differ from this machine's (the report of "samples per gener..." came from a wider one): the labels
# are checked at ipywidgets' size and at a quarter larger.
FONT_SCALES = (1.0, 1.25)
MIN_SLIDER_PX = 100  # a slider shorter than this cannot be set to a chosen value with a mouse or a finger
MIN_EDGE_CONTRAST = 3.0  # WCAG 2.1, 1.4.11: a control's boundary against what is next to it
MIN_TEXT_CONTRAST = 4.5

# Every visible control's problems in the panels' grids: a label cut (wider or taller than its box), a grid whose
# content is wider than the grid, a slider under `min` px.
_LAYOUT = """(min) => {
  const visible = (e) => e.getClientRects().length > 0;
  const all = (selector) => [...document.querySelectorAll(selector)].filter(visible);
  const problems = [];
  for (const label of all(".widget-subarea .widget-gridbox .widget-label")) {
    if (label.scrollWidth > label.clientWidth + 1 || label.scrollHeight > label.clientHeight + 1) {
      problems.push(`label "${label.textContent}" cut: ${label.scrollWidth}x${label.scrollHeight} px of text in a `
                    + `${label.clientWidth}x${label.clientHeight} px box`);
    }
  }
  for (const grid of all(".widget-subarea .widget-gridbox")) {
    if (grid.scrollWidth > grid.clientWidth + 1) {
      problems.push(`a grid of controls holds ${grid.scrollWidth} px in ${grid.clientWidth} px`);
    }
  }
  for (const slider of all(".widget-subarea .widget-gridbox .noUi-target")) {
    const width = slider.getBoundingClientRect().width;
    const label = slider.closest(".widget-inline-hbox").querySelector(".widget-label").textContent;
    if (width < min) problems.push(`slider "${label}" is ${Math.round(width)} px long`);
  }
  return problems;
}"""

# For every visible menu and number box in the panels: the contrast of its edge against what lies behind it, and of its
# text against its own background (opaque colours composited from the root down).
_FIELDS = r"""() => {
""" + COLOURS + r"""  const fields = [...document.querySelectorAll(".widget-subarea :is(select, input[type=text], input[type=number])")];
  return fields.filter((e) => e.getClientRects().length > 0).map((field) => {
    const style = getComputedStyle(field);
    const around = behind(field.parentElement);
    const own = behind(field);
    return {field: `${field.tagName.toLowerCase()} of "${field.closest(".widget-inline-hbox")?.querySelector(".widget-label")?.textContent}"`,
            edge: style.borderTopStyle === "none" || parseFloat(style.borderTopWidth) < 1 ? 1
                  : ratio(over(rgba(style.borderTopColor), around), around),
            text: ratio(over(rgba(style.color), own), own)};
  });
}"""


def test_panel_controls_fit_and_read_as_controls(browser, base_url, panel_page):
    with visit_site(browser, view="dark", color_scheme="dark") as visit:
        page = open_page(visit, base_url, panel_page)
        assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
        fields = page.evaluate(_FIELDS)
        assert fields, f"{panel_page}: no menu or number box in its panel"
        faint = [f"{f['field']}: edge {f['edge']:.2f}, text {f['text']:.2f}" for f in fields
                 if f["edge"] < MIN_EDGE_CONTRAST or f["text"] < MIN_TEXT_CONTRAST]
        assert not faint, f"{panel_page}, dark mode: controls that do not read as controls:\n" + "\n".join(faint)

        problems = []
        for scale in FONT_SCALES:
            page.evaluate("(scale) => document.documentElement.style.setProperty('--jp-widgets-font-size', "
                          "`${13 * scale}px`)", scale)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
                found = page.evaluate(_LAYOUT, MIN_SLIDER_PX)
                if found:
                    name = f"{panel_page.replace('/', '__').removesuffix('.html')}-controls-{width}-{scale}.png"
                    page.locator(".widget-subarea").first.screenshot(path=SCREENSHOTS / name)
                    problems += [f"{width} px, font x{scale}: {problem}" for problem in found]
        assert not problems, f"{panel_page}:\n" + "\n".join(problems)
