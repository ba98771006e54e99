"""The live panels in the reader's browser (book_assets/browser_kernel.py): on each chapter whose experiment the
browser can run, pressing "Run this panel in your browser" starts Pyodide from the site's own files, a change to the
panel's own controls re-runs the chapter's experiment there, and the chart on the page is redrawn from it. Nothing
leaves 127.0.0.1 and the console stays free of errors.

"A fresh computation" is checked against this test's own Python: the same `widgets.<chapter>.chart(**settings)`, run
here on the settings the browser ran, must give the same numbers (within a tolerance: the browser has numpy 2.0.2,
this process another numpy, so no bit-for-bit agreement is asked for), and they must differ from the numbers drawn
before the control moved.
"""

import importlib
import json
import math
import time

import pytest

from book_assets import browser_kernel

from .helpers import SCREENSHOTS, SLIDERS, chart_picture, move_bound_slider, open_page, wait_for_redraw

pytestmark = pytest.mark.browser

# Booting Pyodide and loading numpy, scipy and pandas on a slow, shared machine; a run of the heavier panels there.
START_TIMEOUT_MS = 240_000
DRAW_TIMEOUT_MS = 120_000
# Records keep 6 significant figures (widgets.charts.records): a value next to a rounding boundary may round the
# other way on another numpy, by one unit in the 6th figure.
RELATIVE_TOLERANCE = 2e-5
NEW_SEED = 7  # every panel has a "random seed" box; another seed is a run only the engine can draw
# Settings a panel starts with that the browser cannot run (measuring's default model is Markov text, which needs
# nltk): the test first picks one it can: (setting, its control's label, the value).
BROWSER_SETTINGS = {"measuring": ("model", "model", "gaussian")}


def kernel_state(page) -> dict:
    return page.evaluate("() => ({state: window.bookBrowserKernel.state, draws: window.bookBrowserKernel.draws})")


def wait_for_draws(page, count: int, timeout_ms: int) -> dict:
    page.wait_for_function(f"() => window.bookBrowserKernel.draws >= {count} || "
                           "window.bookBrowserKernel.state === 'failed'", timeout=timeout_ms)
    state = kernel_state(page)
    assert state["state"] != "failed", page.locator(".browser-kernel-status").first.inner_text()
    return page.evaluate("() => window.bookBrowserKernel.lastReply")


def close(browser_value, our_value) -> bool:
    if isinstance(our_value, float) or isinstance(browser_value, float):
        if our_value is None or browser_value is None:
            return our_value is browser_value
        return math.isclose(browser_value, our_value, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-300)
    return browser_value == our_value


def assert_same_numbers(browser_spec: dict, our_spec: dict) -> None:
    """The named datasets of two filled templates agree, row by row, within the tolerance."""
    assert browser_spec["datasets"].keys() == our_spec["datasets"].keys()
    for name, rows in our_spec["datasets"].items():
        theirs = browser_spec["datasets"][name]
        assert len(theirs) == len(rows), f"dataset {name}: {len(theirs)} rows in the browser, {len(rows)} here"
        for number, (their_row, our_row) in enumerate(zip(theirs, rows)):
            assert their_row.keys() == our_row.keys(), f"dataset {name}, row {number}"
            differ = {key: (their_row[key], value) for key, value in our_row.items()
                      if not close(their_row[key], value)}
            assert not differ, f"dataset {name}, row {number}: (browser, here) {differ}"


def set_control(panel, label: str, value: str) -> None:
    """Type `value` into the panel's text box labelled `label`, or pick the option labelled `value` of its menu, as
    a reader would (a box reports on Enter)."""
    control = panel.locator(".widget-inline-hbox", has=panel.page.locator(f"label:text-is('{label}')"))
    menu = control.locator("select")
    if menu.count():
        menu.select_option(label=value)
    else:
        box = control.locator("input")
        box.fill(value)
        box.press("Enter")


# The chart the browser kernel drew, whose aria-label vega-embed sets to the specification's description.
DRAWN_CHART = '.browser-kernel-chart[role="graphics-document"], .browser-kernel-chart [role="graphics-document"]'


@pytest.mark.parametrize("chapter", browser_kernel.BROWSER_CHAPTERS)
def test_the_panel_runs_in_the_browser(browser_page, base_url, chapter):
    page = open_page(browser_page, base_url, f"chapters/{chapter}.html")
    button = page.locator(".browser-kernel-start")
    assert button.count() == 1, "one button by the chapter's live panel"
    pressed = time.monotonic()
    button.click()
    status = page.locator(".browser-kernel-status")
    page.wait_for_function("() => document.querySelector('.browser-kernel-status').textContent.includes("
                           "'starting Python in your browser')", timeout=10_000)
    # the page stays usable while Python boots: a static chart's bound slider still redraws it
    static_chart = page.locator(".vega-embed", has=page.locator(SLIDERS)).first
    before_picture = chart_picture(static_chart)
    move_bound_slider(page, static_chart, 0, static_chart.locator(SLIDERS).first.get_attribute("max"))
    wait_for_redraw(page, static_chart, before_picture, timeout_ms=10_000)
    assert kernel_state(page)["draws"] == 0, "moved while Python was still starting"
    reply = wait_for_draws(page, 1, START_TIMEOUT_MS)
    live = time.monotonic()
    assert "Live" in status.inner_text()
    draws = 1
    panel = page.locator(".widget-vbox", has=page.locator(".widget-gridbox")).last  # the innermost: the panel
    if chapter in BROWSER_SETTINGS:
        name, label, value = BROWSER_SETTINGS[chapter]
        settings = browser_kernel.settings_class(importlib.import_module(f"widgets.{chapter}"))
        set_control(panel, label, settings.declared()[name].metadata["choices"][value])
        draws += 1
        reply = wait_for_draws(page, draws, DRAW_TIMEOUT_MS)
    assert "spec" in reply, f"the panel's first chart: {reply.get('message') or reply.get('fault')}"
    before = reply

    moved = time.monotonic()
    set_control(panel, "random seed", str(NEW_SEED))
    reply = wait_for_draws(page, draws + 1, DRAW_TIMEOUT_MS)
    redrawn = time.monotonic()
    assert "spec" in reply, reply.get("message") or reply.get("fault")
    assert reply["settings"]["seed"] == NEW_SEED and before["settings"]["seed"] != NEW_SEED
    assert reply["spec"]["datasets"] != before["spec"]["datasets"], "another seed, other runs"
    page.wait_for_function(f"(text) => [...document.querySelectorAll('{DRAWN_CHART}')]"
                           ".some((e) => e.getAttribute('aria-label') === text)", arg=reply["spec"]["description"],
                           timeout=10_000)

    # the controls that matter for these settings are shown, the others hidden, by the chapter's panel's own rules
    for label, shown in reply["shown"].items():
        control = panel.locator(".widget-inline-hbox", has=page.locator(f"label:text-is(\"{label}\")")).first
        assert control.is_visible() is shown, f"{label!r} should be {'shown' if shown else 'hidden'}"

    # the same call in this test's own Python, on the settings the browser ran
    ours = importlib.import_module(f"widgets.{chapter}").chart(**reply["settings"])
    assert_same_numbers(reply["spec"], json.loads(json.dumps(ours)))

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"browser_kernel__{chapter}.png", full_page=True)
    print(f"{chapter}: live {live - pressed:.1f} s after the press; redrawn {redrawn - moved:.2f} s after the seed "
          f"changed ({reply['seconds'] * 1000:.0f} ms in the engine)")
    assert not browser_page.external_requests, "requests off 127.0.0.1:\n" + "\n".join(browser_page.external_requests)
    assert not browser_page.errors, "console errors:\n" + "\n".join(browser_page.errors)


@pytest.mark.parametrize("chapter", sorted(browser_kernel.BROWSER_CANNOT))
def test_chapters_the_browser_cannot_run_say_so(browser_page, base_url, chapter):
    page = open_page(browser_page, base_url, f"chapters/{chapter}.html")
    assert page.locator(".browser-kernel-start").count() == 0
    note = page.locator(".browser-kernel-status").first.inner_text()
    needs = browser_kernel.BROWSER_CANNOT[chapter]
    assert f"needs {needs}" in note and "Binder" in note and "make live" in note
    assert not browser_page.errors, "console errors:\n" + "\n".join(browser_page.errors)


def test_a_kernel_that_cannot_load_says_so(browser_page, base_url):
    """A failed download (here: the worker's script refused) gives a message, and the static charts on the
    page keep working."""
    page = browser_page.page
    page.route("**/browser-kernel-worker.js", lambda route: route.abort())
    page = open_page(browser_page, base_url, "chapters/telephone.html")
    page.locator(".browser-kernel-start").click()
    page.wait_for_function("() => window.bookBrowserKernel.state === 'failed'", timeout=START_TIMEOUT_MS)
    status = page.locator(".browser-kernel-status").first
    assert "could not start" in status.inner_text() and "Binder" in status.inner_text()
    assert page.locator(".browser-kernel-start").is_enabled(), "the reader may try again"
    assert page.locator(".vega-embed svg.marks, .vega-embed canvas.marks").count() > 0
