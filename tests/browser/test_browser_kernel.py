"""The live panels in the reader's browser (book_assets/browser_kernel.py): on each chapter whose experiment the
browser can run, pressing "Run this panel in your browser" starts Pyodide from the site's own files, a change to the
panel's own controls re-runs the chapter's experiment there, and the chart on the page is redrawn from it. Nothing
leaves 127.0.0.1 and the console stays free of errors.

The chapters are opened one after another in one browser tab, as a reader goes through the book: the first start is
cold (nothing kept), and every later one must use what the one before kept for it (a snapshot of the booted
interpreter, the installed packages with their bytecode, the book's bytecode), and still draw the same numbers. A
damaged copy is set aside and Python starts afresh.

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

from .conftest import visit_site
from .helpers import SCREENSHOTS, SLIDERS, chart_picture, move_bound_slider, open_page, wait_for_redraw

pytestmark = pytest.mark.browser

# Booting Pyodide and loading numpy, scipy and pandas on a slow, shared machine; a run of the heavier panels there.
START_TIMEOUT_MS = 240_000
DRAW_TIMEOUT_MS = 120_000
KEEP_TIMEOUT_MS = 120_000  # packing about 100 MB of installed files into the browser's Cache Storage
# Records keep 6 significant figures (widgets.charts.records): a value next to a rounding boundary may round the
# other way on another numpy, by one unit in the 6th figure.
RELATIVE_TOLERANCE = 2e-5
NEW_SEED = 7  # every panel has a "random seed" box; another seed is a run only the engine can draw
# Settings a panel starts with that the browser cannot run (measuring's default model is Markov text, which needs
# nltk): the test first picks one it can: (setting, its control's label, the value).
BROWSER_SETTINGS = {"measuring": ("model", "model", "gaussian")}


@pytest.fixture(scope="module")
def reader_tab(browser):
    """One tab for the chapters, one after another; `kept` is what the last start kept for the next (None at first)."""
    with visit_site(browser) as tab:
        tab.kept = None
        yield tab


@pytest.fixture
def tab(reader_tab):
    reader_tab.errors.clear()
    reader_tab.external_requests.clear()
    return reader_tab


def wait_for_kept(page) -> dict:
    page.wait_for_function("() => window.bookBrowserKernel.kept", timeout=KEEP_TIMEOUT_MS)
    return page.evaluate("() => window.bookBrowserKernel.kept")


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
def test_the_panel_runs_in_the_browser(tab, base_url, chapter):
    page = open_page(tab, base_url, f"chapters/{chapter}.html")
    button = page.locator(".browser-kernel-start")
    assert button.count() == 1, "one button by the chapter's live panel"
    # the estimate the reader is given: a first start, or one from the copy an earlier start kept
    expected = "about 5 s: this browser keeps a copy" if tab.kept else "about 40 MB to download"
    page.wait_for_function("(text) => document.querySelector('.browser-kernel-status').textContent.includes(text)",
                           arg=expected, timeout=10_000)
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
    found = page.evaluate("() => window.bookBrowserKernel.found")
    if tab.kept is None:  # the tab's first start: nothing kept yet
        assert found == {"snapshot": False, "packages": 0, "book": 0, "stdlib": 0}
    else:  # what the start before kept
        assert found["snapshot"], "the interpreter restored from the kept snapshot"
        assert found["packages"] >= tab.kept["packages"] > 0, "the packages installed from the kept copy"
        assert found["book"] > 0, "the book's bytecode from the kept copy"
        assert found["stdlib"] > 0, "the standard library's bytecode from the kept copy"
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
    kept = wait_for_kept(page)
    if tab.kept is None:
        assert kept["snapshot"] and kept["packages"] > kept["stdlib"] > 0 and kept["book"] > 0, \
            f"the first start keeps all: {kept}"
        megabytes = round(kept["bytes"] / 1e6)
        assert 50 < megabytes < 300 and f"keeps a copy of Python's files for the next start ({megabytes} MB" in \
            status.inner_text(), "the reader is told what the browser keeps, and how large it is"
    tab.kept = {"packages": max(kept["packages"], found["packages"]), "book": max(kept["book"], found["book"])}
    print(f"{chapter}: live {live - pressed:.1f} s after the press ({'warm' if found['snapshot'] else 'cold'}); "
          f"redrawn {redrawn - moved:.2f} s after the seed changed ({reply['seconds'] * 1000:.0f} ms in the engine); "
          f"kept {kept}")
    assert not tab.external_requests, "requests off 127.0.0.1:\n" + "\n".join(tab.external_requests)
    assert not tab.errors, "console errors:\n" + "\n".join(tab.errors)


def test_a_damaged_kept_copy_is_set_aside(tab, base_url):
    """Every copy the browser keeps, overwritten with other bytes: Python starts afresh, draws what this test's
    Python draws, and keeps new copies; the reader sees no error."""
    page = open_page(tab, base_url, "chapters/fresh.html", screenshot=False)
    if tab.kept is None:  # run on its own: a start to keep something first
        page.locator(".browser-kernel-start").click()
        wait_for_draws(page, 1, START_TIMEOUT_MS)
        wait_for_kept(page)
        page = open_page(tab, base_url, "chapters/fresh.html", screenshot=False)
    damaged = page.evaluate("""async () => {
        const cache = await caches.open("book-browser-kernel");
        const keys = await cache.keys();
        for (const key of keys) await cache.put(key, new Response(new Uint8Array(4096).fill(7)));
        return keys.map((key) => key.url.split("/").pop().split("-")[0]).sort();
    }""")
    assert damaged == ["book", "packages", "snapshot"], "what the tab's earlier starts kept"
    page.locator(".browser-kernel-start").click()
    reply = wait_for_draws(page, 1, START_TIMEOUT_MS)
    assert page.evaluate("() => window.bookBrowserKernel.found") == {"snapshot": False, "packages": 0, "book": 0,
                                                                      "stdlib": 0}
    ours = importlib.import_module("widgets.fresh").chart(**reply["settings"])
    assert_same_numbers(reply["spec"], json.loads(json.dumps(ours)))
    kept = wait_for_kept(page)
    assert kept["snapshot"] and kept["packages"] > 0 and kept["book"] > 0
    assert not tab.errors, "console errors:\n" + "\n".join(tab.errors)
    assert not tab.external_requests


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
