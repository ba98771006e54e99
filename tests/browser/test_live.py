"""Live Code, end to end: by default a page asks the BinderHub of _config.yml for the book's repository; given a local
Jupyter server's address, the tab runs a chapter's live panel in a real kernel on this machine, a slider moved in the
page redraws the panel's chart from the kernel, and nothing is fetched off 127.0.0.1, with no console error."""

import time
from urllib.parse import urlsplit

import pytest
import yaml

from scripts import live_book

from .conftest import ROOT
from .helpers import DRAWING, SCREENSHOTS, chart_picture, open_page, wait_for_redraw

pytestmark = pytest.mark.browser

PANEL_PAGE = "chapters/telephone.html"
PANEL_CODE = "telephone.panel()"
KERNEL_TIMEOUT_MS = 120_000  # a kernel importing numpy, scipy and altair on a slow, shared machine



@pytest.fixture(scope="module")
def jupyter_server(base_url):
    """The Jupyter server `make live` starts (127.0.0.1, a random token, the book's origin only): (URL, token)."""
    process, url, token = live_book.start_jupyter_server(origin=base_url.rstrip("/"))
    yield url, token
    live_book.stop(process)


def press_live_code(page):
    page.locator(".dropdown-launch-buttons .dropdown-toggle").click()
    page.locator("button.btn-launch-thebe").click()


def test_live_code_runs_the_panel_on_a_local_server(browser_page, base_url, jupyter_server):
    page = browser_page.page
    url, token = jupyter_server
    # The server is given once, on the first page of the tab; the chapter opened next finds it in the session.
    page.goto(live_book.live_url(base_url, url, token, page="chapters/preface.html"), wait_until="load")
    assert token not in page.url, "the token stays in the address bar"
    open_page(browser_page, base_url, PANEL_PAGE)

    pressed = time.monotonic()
    press_live_code(page)
    page.locator(".thebe-launch-button.thebe-status-ready").wait_for(timeout=KERNEL_TIMEOUT_MS)
    ready = time.monotonic()
    assert "Local Jupyter server" in page.locator(".thebe-launch-button").inner_text()

    # A reader runs just the panel's cell, as it stands: it imports what it needs itself.
    cell = page.locator("div.cell", has=page.locator(".CodeMirror-code", has_text=PANEL_CODE))
    cell.locator(".thebe-run-button").click()
    # What the kernel returned (the page's stored output of the cell is replaced when the run starts).
    output = cell.locator(".thebe-output .jp-OutputArea-executeResult")
    output.locator(DRAWING).first.wait_for(timeout=KERNEL_TIMEOUT_MS)
    drawn = time.monotonic()

    before = chart_picture(output)
    slider = output.locator(".widget-slider .noUi-handle").first
    value = slider.get_attribute("aria-valuenow")
    slider.focus()
    page.keyboard.press("ArrowRight")  # the panel's sliders report on release: one key press, one run
    wait_for_redraw(page, output, before, timeout_ms=KERNEL_TIMEOUT_MS)
    redrawn = time.monotonic()
    assert slider.get_attribute("aria-valuenow") != value
    page.screenshot(path=SCREENSHOTS / "live__telephone.png", full_page=True)
    print(f"Live Code on a local server: kernel ready {ready - pressed:.1f} s after the press, panel drawn "
          f"{drawn - pressed:.1f} s, chart redrawn {redrawn - drawn:.1f} s after the slider moved")

    assert not browser_page.external_requests, "requests off 127.0.0.1:\n" + "\n".join(browser_page.external_requests)
    assert not browser_page.errors, "console errors:\n" + "\n".join(browser_page.errors)


def test_live_code_asks_binder_by_default(browser_page, base_url):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repository = urlsplit(config["repository"]["url"]).path.strip("/")
    hub = urlsplit(config["launch_buttons"]["binderhub_url"]).hostname
    page = open_page(browser_page, base_url, PANEL_PAGE)
    thebe_config = page.evaluate(
        """() => Function(`return (${document.querySelector("script[type='text/x-thebe-config']").textContent})`)()""")
    assert thebe_config["kernelOptions"]["kernelName"] == "python3", "thebe 0.9 would ask Binder for a kernel 'python'"
    with page.expect_request(lambda request: urlsplit(request.url).hostname == hub) as binder:
        press_live_code(page)  # the request is aborted (conftest lets nothing leave 127.0.0.1)
    assert urlsplit(binder.value.url).path.startswith(f"/build/gh/{repository}/{config['repository']['branch']}")
