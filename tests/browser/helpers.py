"""Page helpers for the browser tests: open a page of the book, find its outputs, drive its charts, measure how
readable they are."""

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


# The screenshots saved in this test session: each page is saved once in each view, as its first visit found it
# after loading (a full-page screenshot of a chapter takes 1.5 s, and many tests open the same page in the same view).
_SCREENSHOTS_TAKEN = set()


def open_page(visit, base_url, page_path, timeout_ms=30_000, screenshot=True):
    """Load a page, wait until its outputs have rendered, and (unless told not to, or it is saved already in this
    view) save a full-page screenshot."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError  # CI without playwright skips in conftest

    page = visit.page
    page.goto(base_url + page_path, wait_until="load")
    try:
        page.wait_for_function(_SETTLED, timeout=timeout_ms)
    except PlaywrightTimeoutError:
        pass  # the assertions in the tests say what did not render
    page.wait_for_load_state("networkidle")
    name = page_path.replace("/", "__").removesuffix(".html") + (f"-{visit.view}" if visit.view else "")
    if not screenshot or name in _SCREENSHOTS_TAKEN:
        return page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    _SCREENSHOTS_TAKEN.add(name)
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


# The ways test_readable.py looks at every page, as Playwright context options ("" is conftest's default view).
VIEWS = {"": {}, "dark": {"color_scheme": "dark"}, "phone": {"viewport": {"width": 390, "height": 844}}}

# Colour arithmetic in the page, shared by the contrast checks: CSS colour parsing, alpha compositing, WCAG 2
# relative luminance and contrast ratio, and the opaque background behind an element (its ancestors composited).
COLOURS = r"""
  const rgba = (css) => { const m = /rgba?\(([^)]*)\)/.exec(css); if (!m) return null;
                          const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
                          return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const luminance = (c) => { const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
                            return (l1 + 0.05) / (l2 + 0.05); };
  const behind = (el) => { const chain = []; for (let e = el; e; e = e.parentElement) chain.unshift(e);
    return chain.reduce((bg, e) => { const c = rgba(getComputedStyle(e).backgroundColor);
                                     return c && c[3] > 0 ? over(c, bg) : bg; }, [255, 255, 255, 1]); };
"""

# WCAG 2 contrast of text against what lies behind it, from computed styles: each text's colour (SVG `fill`, or
# `color`), with its opacity and its ancestors', over the backgrounds of its ancestors composited from the root down.
# Returns [{text, ratio, colour, background}] for every text drawn in the elements matching the selector.
_CONTRASTS = r"""(selector) => {
""" + COLOURS + r"""  const opacity = (el) => { let o = 1; for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
                            return o; };
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility === "visible";
  const texts = [];
  for (const root of document.querySelectorAll(selector)) {
    for (const el of [root, ...root.querySelectorAll("*")]) {
      const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
      if (!own || !visible(el)) continue;
      const style = getComputedStyle(el);
      const svg = el instanceof SVGElement;
      const colour = rgba(svg ? style.fill : style.color);
      if (!colour) continue;  // an SVG text filled with a gradient or none
      colour[3] *= (svg ? Number(style.fillOpacity) : 1) * opacity(el);
      if (colour[3] === 0) continue;  // not drawn: Vega hides axis labels that would overlap with opacity 0
      const background = behind(el);
      texts.push({text: own.slice(0, 40), ratio: ratio(over(colour, background), background),
                  colour: svg ? style.fill : style.color, background: `rgb(${background.slice(0, 3).map(Math.round)})`});
    }
  }
  return texts;
}"""


def text_contrasts(page, selector):
    """The contrast ratio (WCAG 2) of every visible text inside the elements matching `selector`, with its colours."""
    return page.evaluate(_CONTRASTS, selector)


# Elements of the article that reach past the right edge of the screen with no scrolling box (one that fits on the
# screen) around them to scroll them into view: what a reader on a narrow screen cannot reach. An SVG counts as one.
_OFF_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (e) => ["auto", "scroll"].includes(getComputedStyle(e).overflowX);
  const stuck = [];
  for (const el of document.querySelectorAll("article.bd-article *")) {
    if (el.ownerSVGElement || el.getClientRects().length === 0) continue;  // inside an SVG, or not displayed
    if (el.closest("mjx-assistive-mml")) continue;  // MathJax's copy for screen readers, clipped to nothing on screen
    if (el.getBoundingClientRect().right <= width + 1) continue;
    let box = el.parentElement;
    while (box && !scrolls(box)) box = box.parentElement;
    if (!box || box.getBoundingClientRect().right > width + 1) {
      stuck.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} ends at ${Math.round(el.getBoundingClientRect().right)} px`);
    }
  }
  return stuck;
}"""


def unreachable_overflow(page):
    """What sticks out of the screen on the right with no scrolling box to bring it into view (see _OFF_SCREEN)."""
    return page.evaluate(_OFF_SCREEN)


def tab_to(page, selector, presses=400):
    """Press Tab until the focused element matches `selector`; returns whether it got there within `presses`."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement !== null && document.activeElement.matches(s)", selector):
            return True
    return False
