"""Page helpers for the browser tests: open a page of the book, find its outputs, drive its charts."""

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "_build" / "screenshots"  # ignored by git

# Altair's output div (`altair-viz-...`) gets the class `vega-embed` once vega-embed runs.
CHARTS = '[id^="altair-viz-"], .vega-embed'
WIDGET_VIEWS = 'script[type="application/vnd.jupyter.widget-view+json"]'
SLIDERS = ".vega-bindings input[type=range]"
DRAWING = "svg.marks, canvas.marks"  # what Vega renders into (not the actions menu's icon)
# The chart's SVG markup, or its canvas pixels as a data URL.
_PICTURE = f"""(c) => {{ const d = c.querySelector("{DRAWING}");
                        return d === null ? null : d.tagName === "CANVAS" ? d.toDataURL() : d.innerHTML; }}"""

# True once every chart, formula and widget on the page has rendered (or visibly failed).
_SETTLED = f"""() => {{
  const all = (sel) => [...document.querySelectorAll(sel)];
  const charts = all('{CHARTS}').every((c) => c.querySelector("{DRAWING}, .error"));
  const math = !window.MathJax || all(".math").every((m) => m.querySelector("mjx-container"));
  // html-manager puts a .widget-subarea before each view script and renders into it.
  const widgets = all('{WIDGET_VIEWS}').every((s) => {{
    const area = s.previousElementSibling;
    return area && area.classList.contains("widget-subarea") && area.children.length > 0;
  }});
  return charts && math && widgets;
}}"""


def open_page(visit, base_url, page_path, timeout_ms=30_000):
    """Load a page, wait until its outputs have rendered, and save a full-page screenshot."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # CI without playwright skips in conftest

    page = visit.page
    page.goto(base_url + page_path, wait_until="load")
    try:
        page.wait_for_function(_SETTLED, timeout=timeout_ms)
    except PlaywrightTimeoutError:
        pass  # the assertions in the tests say what did not render
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / (page_path.replace("/", "__").removesuffix(".html") + ".png"), full_page=True)
    return page


def chart_picture(chart):
    """What a chart currently draws: the SVG markup, or the canvas pixels as a data URL."""
    return chart.evaluate(_PICTURE)


def wait_for_redraw(page, chart, before, timeout_ms=5_000):
    """Wait until the chart's picture differs from `before` (raises Playwright's TimeoutError)."""
    page.wait_for_function(f"([c, before]) => ({_PICTURE})(c) !== before", arg=[chart.element_handle(), before],
                           timeout=timeout_ms)


def move_bound_slider(page, chart_locator, slider_index, value):
    """Set the slider_index-th Vega-Lite bound slider of a chart to value, as a user would.

    Vega listens for `input` on range bindings; `change` is dispatched too for other listeners.
    Waits two animation frames so that Vega has had the chance to redraw.
    """
    slider = chart_locator.locator(SLIDERS).nth(slider_index)
    slider.evaluate(
        """(el, v) => { el.value = String(v);
                        el.dispatchEvent(new Event("input", {bubbles: true}));
                        el.dispatchEvent(new Event("change", {bubbles: true})); }""",
        value,
    )
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
