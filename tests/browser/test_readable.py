"""Every page reads well for everyone: chart and control text reaches WCAG AA contrast in the theme's light and
dark modes, every chart has a text alternative, chart and panel controls work from the keyboard, and nothing is out
of reach on a phone-wide screen. Each page is screenshot in every view (into _build/screenshots/). Pages are
discovered from _toc.yml, so a new chapter is held to all of this once it is listed there."""

import pytest

from .conftest import seen_pages, site_pages
from .helpers import (CHARTS, SLIDERS, WIDGET_VIEWS, chart_picture, open_page, tab_to, text_contrasts,
                      unreachable_overflow, wait_for_redraw)

pytestmark = pytest.mark.browser

AA_TEXT = 4.5  # WCAG 2 level AA, for text under 18 pt
# The text of charts (axes, legends, titles, labels drawn in the plot), of their bound controls, and of widget panels.
CHART_TEXT = ".vega-embed svg.marks"
CONTROL_TEXT = ".vega-bindings, .widget-subarea"
# Vega's aria-label when a chart has no `description`.
VEGA_DEFAULT_LABEL = "Vega visualization"


@pytest.mark.parametrize("loaded", seen_pages("", "dark"), indirect=True, scope="session")
def test_text_contrast(loaded):
    page = loaded.page
    expected = "dark" if loaded.view == "dark" else "light"
    assert page.evaluate("() => document.documentElement.dataset.theme") == expected
    low = [t for selector in (CHART_TEXT, CONTROL_TEXT) for t in text_contrasts(page, selector)
           if t["ratio"] < AA_TEXT]
    assert not low, f"text below {AA_TEXT}:1 in {expected} mode:\n" + "\n".join(
        f"{t['text']!r}: {t['colour']} on {t['background']} = {t['ratio']:.2f}:1" for t in low[:20])


@pytest.mark.parametrize("loaded", seen_pages(""), indirect=True, scope="session")
def test_charts_have_text_alternatives(loaded):
    page, page_path = loaded.page, loaded.page_path
    labels = [chart.evaluate("""(c) => { const doc = c.querySelector('[role="graphics-document"]');
                                         return doc === null ? null : doc.getAttribute("aria-label"); }""")
              for chart in page.locator(CHARTS).all()]
    missing = [i for i, label in enumerate(labels) if not label or label.strip() == VEGA_DEFAULT_LABEL]
    assert not missing, (f"charts {missing} of {page_path} have no text alternative: give each chart "
                         '.properties(description="...") (or description= to Template.fill)')


@pytest.mark.parametrize("loaded", seen_pages("phone"), indirect=True, scope="session")
def test_phone_width(loaded):
    page, page_path = loaded.page, loaded.page_path
    width, scroll_width = page.evaluate("() => [innerWidth, document.documentElement.scrollWidth]")
    assert scroll_width <= width + 1, f"the page scrolls sideways at {width} px: it is {scroll_width} px wide"
    stuck = unreachable_overflow(page)
    assert not stuck, f"out of reach on the right at {width} px:\n" + "\n".join(stuck[:20])
    # bound controls and panel controls wrap to the screen, rather than scrolling away with a wide chart
    controls = page.locator(".vega-bind, .widget-subarea .widget-gridbox > *:visible")
    beyond = [i for i, right in enumerate(controls.evaluate_all("(els) => els.map((e) => e.getBoundingClientRect().right)"))
              if right > width + 1]
    assert not beyond, f"controls {beyond} of {page_path} end past the screen's edge"
    spilling = page.locator(".widget-subarea .widget-gridbox > *:visible").evaluate_all(
        "(els) => els.filter((e) => e.scrollHeight > e.clientHeight + 1).map((e) => e.textContent.trim().slice(0, 40))")
    assert not spilling, f"panel controls spill out of their boxes over the next ones: {spilling}"


def _first_page_with(browser_page, base_url, selector):
    """The first page of the book (in _toc.yml order) holding an element matching `selector`, opened."""
    for page_path in site_pages():
        page = open_page(browser_page, base_url, page_path)
        if page.locator(selector).count():
            return page
    pytest.fail(f"no page of the book has {selector}: the keyboard path is untested")


def _has_visible_focus(page):
    return page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
                                    return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0; }""")


def test_bound_controls_work_from_the_keyboard(browser_page, base_url):
    page = _first_page_with(browser_page, base_url, SLIDERS)
    assert tab_to(page, SLIDERS), "Tab never reaches a chart's bound slider"
    assert _has_visible_focus(page), "the focused slider shows no focus outline"
    chart = page.locator(CHARTS).filter(has=page.locator(":focus"))
    before_value, before_picture = page.evaluate("() => document.activeElement.value"), chart_picture(chart)
    at_maximum = page.evaluate("() => Number(document.activeElement.value) >= Number(document.activeElement.max)")
    page.keyboard.press("ArrowLeft" if at_maximum else "ArrowRight")
    assert page.evaluate("() => document.activeElement.value") != before_value, "the arrow key did not move the slider"
    wait_for_redraw(page, chart, before_picture)
    # a radio group (if the page has one) moves with the arrow keys too
    radios = ".vega-bindings input[type=radio]"
    if page.locator(radios).count():
        assert tab_to(page, radios, presses=50), "Tab never reaches the chart's radio buttons"
        chart = page.locator(CHARTS).filter(has=page.locator(":focus"))
        before_choice, before_picture = page.evaluate("() => document.activeElement.value"), chart_picture(chart)
        page.keyboard.press("ArrowRight")
        assert page.evaluate("() => document.activeElement.checked && document.activeElement.value") != before_choice
        wait_for_redraw(page, chart, before_picture)
    problems = browser_page.errors + browser_page.external_requests
    assert not problems, "\n".join(problems)


WIDGET_CONTROLS = ".widget-subarea :is(.noUi-handle, input, select, button)"


def test_widget_controls_are_reachable_from_the_keyboard(browser_page, base_url, panel_page):
    page = open_page(browser_page, base_url, panel_page)
    assert page.locator(WIDGET_VIEWS).count(), f"{panel_page} has a panel cell but shows no widget panel"
    controls = page.locator(f"{WIDGET_CONTROLS}:visible")
    assert controls.count(), "a widget panel with no control the keyboard can reach"
    untabbable = [html for html in controls.evaluate_all("(els) => els.filter((e) => e.tabIndex < 0)"
                                                          ".map((e) => e.outerHTML.slice(0, 120))")]
    assert not untabbable, "widget controls left out of the Tab order:\n" + "\n".join(untabbable)


def test_widget_slider_moves_from_the_keyboard(browser_page, base_url):
    """With no kernel, a widget slider still moves (nothing re-runs): its readout follows the arrow keys."""
    handle = ".widget-subarea .widget-slider .noUi-handle"
    page = _first_page_with(browser_page, base_url, handle)
    assert tab_to(page, handle), "Tab never reaches a panel's slider"
    assert _has_visible_focus(page), "the focused panel slider shows no focus outline"
    readout = "() => document.activeElement.closest('.widget-slider').querySelector('.widget-readout').textContent"
    before = page.evaluate(readout)
    page.keyboard.press("ArrowRight")
    if page.evaluate(readout) == before:  # it was at its maximum
        page.keyboard.press("ArrowLeft")
    assert page.evaluate(readout) != before, "the arrow keys did not move the panel's slider"
