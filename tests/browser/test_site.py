"""Every page of the built book renders offline: no request leaves 127.0.0.1, no console error,
and every chart, formula and widget it holds is drawn. Pages are discovered, not listed."""

import pytest

from .conftest import seen_pages, site_pages
from .helpers import CHARTS, DRAWING, SLIDERS, WIDGET_VIEWS, chart_picture, move_bound_slider, open_page, wait_for_redraw

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("loaded", seen_pages(""), indirect=True, scope="session")
def test_page_loads_offline_without_errors(loaded):
    page = loaded.page
    assert not loaded.external_requests, "requests off 127.0.0.1:\n" + "\n".join(loaded.external_requests)
    assert not loaded.errors, "console errors:\n" + "\n".join(loaded.errors)
    # sphinx-thebe loads thebe only on "Live Code": it must come from this site too.
    thebe_host = page.evaluate(
        "() => typeof THEBE_JS_URL === 'undefined' ? null : new URL(THEBE_JS_URL, location.href).hostname"
    )
    assert thebe_host in (None, "127.0.0.1"), f"thebe would load from {thebe_host}"


@pytest.mark.parametrize("loaded", seen_pages(""), indirect=True, scope="session")
def test_page_outputs_render(loaded):
    page = loaded.page
    for i, chart in enumerate(page.locator(CHARTS).all()):
        assert chart.locator(DRAWING).count() > 0, f"chart {i} not drawn: {chart.inner_text()[:300]!r}"
    math = page.locator(".math")
    if math.count():
        assert math.count() == page.locator(".math:has(mjx-container)").count(), "formulas left untypeset"
        assert page.locator("mjx-merror").count() == 0, "MathJax reports a TeX error"
    views = page.locator(WIDGET_VIEWS).count()
    if views:
        assert page.locator(".widget-subarea > .jupyter-widgets").count() == views, "widget views not rendered"
        assert page.locator(".jupyter-widgets-error-widget").count() == 0, "a widget shows its error placeholder"
    assert not loaded.errors, "\n".join(loaded.errors)


def test_bound_sliders_redraw_charts(browser_page, base_url):
    moved = 0
    for page_path in site_pages():
        page = open_page(browser_page, base_url, page_path)
        for chart in [c for c in page.locator(CHARTS).all() if c.locator(SLIDERS).count()]:
            slider = chart.locator(SLIDERS).first
            lo, hi, now = (slider.evaluate(f"el => Number(el.{a})") for a in ("min", "max", "value"))
            before = chart_picture(chart)
            move_bound_slider(page, chart, 0, lo if now != lo else hi)
            wait_for_redraw(page, chart, before)
            moved += 1
    assert moved, "no page of the book has a chart with a bound slider: the static path is untested"
    problems = browser_page.errors + browser_page.external_requests
    assert not problems, "\n".join(problems)
