"""Live Code, end to end: by default a page asks the BinderHub of _config.yml for the book's repository; given a local
Jupyter server's address, the tab runs a chapter's live panel in a real kernel on this machine, a slider moved in the
page redraws the panel's chart from the kernel, and nothing is fetched off 127.0.0.1, with no console error. When the
BinderHub cannot be reached (refused, or silent), the page says so under the launch button within 15 s, with the
other ways to run the chapter; a BinderHub that answers and builds is not cut off."""

import http.server
import json
import threading
import time
from urllib.parse import urlsplit

import pytest
import yaml

from scripts import live_book

from .conftest import ROOT, visit_site
from .helpers import DRAWING, SCREENSHOTS, chart_picture, open_page, text_contrasts, wait_for_redraw

pytestmark = pytest.mark.browser

PANEL_PAGE = "chapters/telephone.html"
PANEL_CODE = "telephone.panel()"
KERNEL_TIMEOUT_MS = 120_000  # a kernel importing numpy, scipy and altair on a slow, shared machine
NOTICE = ".live-code-notice[role=alert]"  # what live-code.js shows when Live Code's server cannot be reached
NOTICE_WITHIN_MS = 15_000  # issue 13: a reader is told within about 15 s
BUILDING_FOR_S = 18  # how long the fake BinderHub below builds: longer than NOTICE_WITHIN_MS, so a watch that cut a
                     # building Binder off at that point would show its note before the build's end


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


def binder_hub(page) -> str:
    """The host of the BinderHub the page's thebe config names (what the notice must name)."""
    config = page.evaluate("() => document.querySelector(\"script[type='text/x-thebe-config']\").textContent")
    return urlsplit(json.loads(config.split("binderUrl:", 1)[1].split(",", 1)[0])).netloc


def other_ways(page) -> dict:
    """The notice's links, and the page's own Colab and notebook download links (absolute URLs)."""
    return page.evaluate("""(notice) => ({
        notice: [...document.querySelectorAll(`${notice} a`)].map((a) => a.href),
        colab: [...document.querySelectorAll(".dropdown-launch-buttons a")].find((a) => a.textContent.trim() === "Colab")?.href,
        download: document.querySelector(".dropdown-download-buttons a[href$='.ipynb']")?.href})""", NOTICE)


@pytest.mark.parametrize("view", ["", "dark"])
def test_live_code_says_when_binder_cannot_be_reached(browser, base_url, view):
    # conftest aborts every request off 127.0.0.1, as a network without the BinderHub refuses them
    with visit_site(browser, view=f"binder-unreachable{'-' + view if view else ''}", color_scheme=view or "light") as visit:
        page = open_page(visit, base_url, PANEL_PAGE)
        hub = binder_hub(page)
        press_live_code(page)
        notice = page.locator(NOTICE)
        notice.wait_for(timeout=NOTICE_WITHIN_MS)
        text = notice.inner_text()
        page.screenshot(path=SCREENSHOTS / f"live__binder-unreachable{'-' + view if view else ''}.png")
        assert f"cannot reach the Binder server {hub}" in text and "failed before it answered" in text
        assert "make live" in text
        assert notice.evaluate("(n) => n.previousElementSibling.matches('.thebe-launch-button')"), \
            "the notice is not under the launch button"
        links = other_ways(page)
        assert links["colab"] and links["colab"] in links["notice"], "the notice does not link the chapter's Colab"
        assert links["download"] and links["download"] in links["notice"], "the notice does not link the download"
        assert not page.locator(".thebe-launch-button .spinner").is_visible(), "the launch button still spins"
        faint = [t for t in text_contrasts(page, NOTICE) if t["ratio"] < 4.5]
        assert not faint, f"notice text under AA contrast ({view or 'light'} mode): {faint}"


def test_live_code_says_when_binder_does_not_answer(browser_page, base_url):
    page = open_page(browser_page, base_url, PANEL_PAGE)
    hub = binder_hub(page)
    held = []  # neither answered nor refused: a hub whose packets are dropped on the way
    page.route(lambda url: urlsplit(url).netloc == hub, lambda route: held.append(route))
    press_live_code(page)
    notice = page.locator(NOTICE)
    notice.wait_for(timeout=NOTICE_WITHIN_MS)
    assert held, "the page did not ask the BinderHub"
    text = notice.inner_text()
    assert f"no answer from the Binder server {hub}" in text and "make live" in text
    assert "keeps waiting" in text  # a hub that answers late is still used


class _BuildingBinderHub(http.server.BaseHTTPRequestHandler):
    """A BinderHub answering a build request with its event stream, as mybinder.org does while it builds an image: a
    "building" event each second for BUILDING_FOR_S s, then a failed build."""

    failure = "test hub: the image could not be built"
    asked = []

    def do_GET(self):
        self.asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Access-Control-Allow-Origin", "*")  # the page is served from another port
        self.end_headers()
        for step in range(BUILDING_FOR_S):
            self.event({"phase": "building", "message": f"Step {step + 1}/{BUILDING_FOR_S}\n"})
            time.sleep(1)
        self.event({"phase": "failed", "message": self.failure})

    def event(self, data):
        self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
        self.wfile.flush()

    def log_message(self, *args):
        pass


def test_live_code_lets_a_building_binder_build(browser_page, base_url):
    hub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BuildingBinderHub)
    hub.daemon_threads = True
    threading.Thread(target=hub.serve_forever, daemon=True).start()
    try:
        page = open_page(browser_page, base_url, PANEL_PAGE)
        address = f"127.0.0.1:{hub.server_port}"
        # Point the page's thebe config at the fake hub (thebe and live-code.js read it when Live Code is pressed),
        # and keep every note that live-code.js shows, however briefly.
        page.evaluate("""(address) => {
            const config = document.querySelector("script[type='text/x-thebe-config']");
            config.textContent = config.textContent.replace(/binderUrl: "[^"]*"/, `binderUrl: "http://${address}"`);
            window.liveCodeNotes = [];
            new MutationObserver((changes) => changes.forEach((change) => change.addedNodes.forEach((node) => {
                if (node.classList?.contains("live-code-notice")) window.liveCodeNotes.push(node.textContent);
            }))).observe(document.body, {childList: true, subtree: true});
        }""", address)
        press_live_code(page)
        page.locator(NOTICE, has_text=_BuildingBinderHub.failure).wait_for(
            timeout=BUILDING_FOR_S * 1000 + NOTICE_WITHIN_MS)
        assert _BuildingBinderHub.asked and _BuildingBinderHub.asked[0].startswith("/build/")
        notes = page.evaluate("() => window.liveCodeNotes")
        assert len(notes) == 1, f"notes shown while the hub was building: {notes[:-1]}"
        assert f"The Binder server {address} answered but could not start a kernel" in notes[0]
        assert "make live" in notes[0]
    finally:
        hub.shutdown()
        hub.server_close()
