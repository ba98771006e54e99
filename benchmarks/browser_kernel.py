"""Measure the live panels in the reader's browser (book_assets/browser_kernel.py) and record them in
benchmarks/results.json.

    python benchmarks/browser_kernel.py [chapter ...]     # default: telephone; BOOK_HTML=... for another build

For each chapter, in headless Chromium (Debian's, /usr/bin/chromium) on the built site served from 127.0.0.1:
- press -> live panel, cold: a fresh browser profile, nothing cached or kept; from the press of "Run this panel in
  your browser" to the first chart the browser's Python drew; with the worker's split of it (booting the
  interpreter; installing numpy, scipy and pandas; that and importing them; importing the book's code);
- the same, warm: the page opened again in the same profile, once the first start has kept its copy (the files come
  from the browser's cache, and the start from what the first one kept: browser-kernel-worker.js);
- a redraw after a control change (a new random seed, REDRAWS times): from the change to a new picture in the
  panel, and the part spent in the chapter's `chart()` in the browser. Beside it, the same seed changes in the same
  page with the panel run by Live Code on a local Jupyter server (`make live`: the server kernel's redraw, timed the
  same way, to the new picture), and the same `chart()` calls in this process.
Figures are printed beside the issue's targets, never asserted (machines are shared and noisy).
"""

from __future__ import annotations

import functools
import http.server
import importlib
import os
import statistics
import sys
import threading
import time
from pathlib import Path

from measure import ROOT, record

sys.path.insert(0, str(ROOT))
from tests.browser.helpers import DRAWING, chart_picture, wait_for_redraw  # noqa: E402  (the tests' own waits)

REDRAWS = 9
# A panel whose default settings the browser cannot run (measuring's Markov text needs nltk) is first set to ones it
# can: (the control's label, the option's label).
BROWSER_START = {"measuring": ("model", "Gaussian")}
TARGETS = {"browser_kernel_cold_s": "target: under 20 s", "browser_kernel_warm_s": "target: under 5 s",
           "browser_kernel_redraw_ratio_": "target: under 2x the server kernel's",
           "browser_kernel_chart_call_ratio_": "(the experiment alone, browser / server)"}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(site: Path) -> str:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/"


def press_to_live(page, url: str) -> tuple[float, dict]:
    """Seconds from the press to the first chart, and the worker's own split: {boot, packages, code} seconds."""
    page.goto(url, wait_until="load")
    page.locator(".browser-kernel-start").wait_for(timeout=60_000)
    pressed = time.perf_counter()
    page.locator(".browser-kernel-start").click()
    page.wait_for_function("() => window.bookBrowserKernel.draws >= 1 || window.bookBrowserKernel.state == 'failed'",
                           timeout=600_000)
    seconds = time.perf_counter() - pressed
    state = page.evaluate("() => window.bookBrowserKernel.state")
    if state == "failed":
        raise SystemExit(page.locator(".browser-kernel-status").first.inner_text())
    split = page.evaluate("() => window.bookBrowserKernel.timings.worker")
    found = page.evaluate("() => window.bookBrowserKernel.found")
    print(f"  press -> live {seconds:.1f} s: { {k: round(v, 2) for k, v in split.items()} }; found kept: {found}", flush=True)
    return seconds, split


def redraws(page, chapter: str) -> tuple[list[float], list[float], dict]:
    """(seconds from a seed change to the chart on the page, seconds in chart() in the browser, last settings)."""
    if chapter in BROWSER_START:
        label, option = BROWSER_START[chapter]
        menu = page.locator(".widget-inline-hbox", has=page.locator(f"label:text-is('{label}')")).locator("select")
        draws = page.evaluate("() => window.bookBrowserKernel.draws")
        menu.select_option(label=option)
        page.wait_for_function(f"() => window.bookBrowserKernel.draws > {draws}", timeout=600_000)
    box = page.locator(".widget-inline-hbox", has=page.locator("label:text-is('random seed')")).locator("input")
    chart = page.locator(".browser-kernel-chart").first
    totals, engine = [], []
    for seed in range(1, REDRAWS + 1):
        draws = page.evaluate("() => window.bookBrowserKernel.draws")
        before = chart_picture(chart)
        changed = time.perf_counter()
        box.fill(str(100 + seed))
        box.press("Enter")
        # as server_page_redraws waits: until the panel shows a new picture
        wait_for_redraw(page, chart, before, timeout_ms=600_000)
        totals.append(time.perf_counter() - changed)
        page.wait_for_function(f"() => window.bookBrowserKernel.draws > {draws}", timeout=600_000)
        reply = page.evaluate("() => window.bookBrowserKernel.lastReply")
        if "spec" not in reply:
            raise SystemExit(f"{chapter}: the browser drew no chart: {reply.get('message') or reply.get('fault')}")
        engine.append(reply["seconds"])
    return totals, engine, page.evaluate("() => window.bookBrowserKernel.lastReply.settings")


def server_redraw(chapter: str, settings: dict) -> float:
    """The median time of the same chart() calls in this process, on the same seeds as the browser's redraws (each a
    new run: some chapters keep the runs of settings they have seen, which a repeated call would only look up)."""
    chart = importlib.import_module(f"widgets.{chapter}").chart
    chart(**{**settings, "seed": 0})  # imports and first-call costs, as a server kernel has paid them before
    times = []
    for seed in range(1, REDRAWS + 1):
        began = time.perf_counter()
        chart(**{**settings, "seed": 100 + seed})
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def pick_start_settings(page, chapter: str, within) -> None:
    if chapter in BROWSER_START:
        label, option = BROWSER_START[chapter]
        within.locator(".widget-inline-hbox", has=page.locator(f"label:text-is('{label}')")).locator(
            "select").select_option(label=option)


def server_page_redraws(browser, book_url: str, chapter: str) -> list[float]:
    """The same seed changes in the same page, with the panel run by Live Code on a local Jupyter server (`make
    live`): seconds from the change to a new picture in the panel's output (the kernel's chart() and everything
    around it: the widget messages, the chart's specification and its drawing)."""
    from scripts import live_book

    process, url, token = live_book.start_jupyter_server(origin=book_url.rstrip("/"))
    try:
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.goto(live_book.live_url(book_url, url, token, page=f"chapters/{chapter}.html"), wait_until="load")
        page.locator(".dropdown-launch-buttons .dropdown-toggle").click()
        page.locator("button.btn-launch-thebe").click()
        page.locator(".thebe-launch-button.thebe-status-ready").wait_for(timeout=300_000)
        cell = page.locator("div.cell", has=page.locator(".CodeMirror-code", has_text="panel()")).last
        cell.locator(".thebe-run-button").click()
        output = cell.locator(".thebe-output .jp-OutputArea-executeResult")
        output.locator(DRAWING).first.wait_for(timeout=300_000)
        def settle():
            page.wait_for_timeout(1500)  # the first chart drawn, and nothing pending
        settle()
        if chapter in BROWSER_START:
            before = chart_picture(output)
            pick_start_settings(page, chapter, output)
            wait_for_redraw(page, output, before, timeout_ms=300_000)
            settle()
        box = output.locator(".widget-inline-hbox", has=page.locator("label:text-is('random seed')")).locator("input")
        times = []
        for seed in range(1, REDRAWS + 1):
            before = chart_picture(output)
            changed = time.perf_counter()
            box.fill(str(100 + seed))
            box.press("Enter")
            wait_for_redraw(page, output, before, timeout_ms=300_000)
            times.append(time.perf_counter() - changed)
            settle()
        page.context.close()
        return times
    finally:
        live_book.stop(process)


def measure(chapter: str, site: Path) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    book_url = serve(site)
    url = book_url + f"chapters/{chapter}.html"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--headless", "--no-sandbox", "--disable-gpu"])
        server_totals = server_page_redraws(browser, book_url, chapter)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        cold, cold_split = press_to_live(page, url)
        # what the first start keeps for the next (stored after its first chart; redraws wait meanwhile)
        page.wait_for_function("() => window.bookBrowserKernel.kept", timeout=120_000)
        print(f"  kept: {page.evaluate('() => window.bookBrowserKernel.kept')}", flush=True)
        totals, engine, settings = redraws(page, chapter)
        page.close()
        page = context.new_page()  # the same profile: its HTTP cache holds the files
        warm, warm_split = press_to_live(page, url)
        browser.close()
    server = server_redraw(chapter, settings)
    redraw = statistics.median(totals)
    server_total = statistics.median(server_totals)
    split = {f"browser_kernel_{kind}_{part}_s[{chapter}]": seconds
             for kind, parts in (("cold", cold_split), ("warm", warm_split)) for part, seconds in parts.items()}
    return {f"browser_kernel_cold_s[{chapter}]": cold, f"browser_kernel_warm_s[{chapter}]": warm, **split,
            f"browser_kernel_redraw_s[{chapter}]": redraw,
            f"browser_kernel_redraw_chart_call_s[{chapter}]": statistics.median(engine),
            f"server_kernel_chart_call_s[{chapter}]": server,
            f"server_kernel_page_redraw_s[{chapter}]": server_total,
            f"browser_kernel_redraw_ratio_[{chapter}]": redraw / server_total,
            f"browser_kernel_chart_call_ratio_[{chapter}]": statistics.median(engine) / server}


def main(chapters: list[str]) -> None:
    site = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html"))
    if not (site / "_static" / "pyodide" / "pyodide.asm.wasm").is_file():
        raise SystemExit(f"{site} has no Pyodide files: build the book with them (make pyodide, then make book)")
    figures = {}
    for chapter in chapters:
        figures.update(measure(chapter, site))
    print(f"browser kernel on {os.cpu_count()} cores, site {site}")
    record(figures, TARGETS, width=56)


if __name__ == "__main__":
    main(sys.argv[1:] or ["telephone"])
