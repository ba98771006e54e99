"""Fixtures for testing the built book in Chromium, served from 127.0.0.1 with every other host blocked.

The site is the one `tests/conftest.py` builds (or `$BOOK_HTML`, when set, to test another build).
"""

import contextlib
import functools
import http.server
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from .helpers import VIEWS, open_page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: loads the built book in Chromium (needs `make book`)")


def site_pages():
    """The HTML page of every document in _toc.yml (stale pages left in the build are ignored)."""
    def files(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("root", "file"):
                    yield value.removesuffix(".md").removesuffix(".ipynb") + ".html"
                else:
                    yield from files(value)
        elif isinstance(node, list):
            for item in node:
                yield from files(item)

    return list(dict.fromkeys(files(yaml.safe_load((ROOT / "_toc.yml").read_text()))))


def panel_pages():
    """The pages whose source has a live panel cell (a call to a widget module's `panel()`)."""
    return [page for page in site_pages() if ".panel(" in (ROOT / page).with_suffix(".md").read_text()]


def pytest_generate_tests(metafunc):
    if "page_path" in metafunc.fixturenames:
        metafunc.parametrize("page_path", site_pages())
    if "panel_page" in metafunc.fixturenames:
        metafunc.parametrize("panel_page", panel_pages())


def _unavailable(reason):
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def site(built_book):
    root = built_book.html
    missing = [page for page in site_pages() if not (root / page).is_file()]
    if missing:
        pytest.fail(f"{root} lacks {', '.join(missing)}: the build did not produce them")
    return root


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def base_url(site):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is missing: pip install playwright")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        _unavailable("no Chromium on PATH: apt-get install -y chromium (never `playwright install`)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class BrowserPage:
    """A Playwright page plus what it did wrong: requests off 127.0.0.1 (aborted) and errors.

    `view` names the way the page is seen (helpers.VIEWS: "" is the default, light mode on a wide screen); it is in
    the names of the screenshots `helpers.open_page` saves."""

    page: object
    external_requests: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    view: str = ""
    page_path: str = ""  # the page of the book it holds, for a `loaded` visit


def seen_pages(*views):
    """Parameters for `loaded`: every page of the book in each of these views (helpers.VIEWS), for
    `@pytest.mark.parametrize("loaded", seen_pages(...), indirect=True, scope="session")`."""
    return [pytest.param((page, view), id=f"{page}-{view}" if view else page) for page in site_pages() for view in views]


@pytest.fixture(scope="session")
def loaded(request, browser, base_url):
    """A page of the book opened once in one view, shared by the checks that only read it: the test of its console
    errors and requests, of its outputs, its contrast, its text alternatives and its fit on a phone. As a
    session-scoped parameter, (page, view) makes pytest run those tests together and close the visit before the next
    one (a chapter takes 3 to 4 s to load and draw, and was loaded once for each of those tests)."""
    page_path, view = request.param
    with visit_site(browser, view, **VIEWS[view]) as visit:
        visit.page_path = page_path
        open_page(visit, base_url, page_path)
        yield visit


@pytest.fixture
def browser_page(browser):
    with visit_site(browser) as visit:
        yield visit


@contextlib.contextmanager
def visit_site(browser, view: str = "", **context_options):
    """A fresh browser context (by default 1280 x 900, light mode; `context_options` go to Playwright) whose requests
    off 127.0.0.1 are aborted and recorded, and whose console errors are recorded."""
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **context_options})
    visit = BrowserPage(context.new_page(), view=view)

    def route(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            visit.external_requests.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    visit.page.on("console", lambda m: m.type == "error" and visit.errors.append(f"console: {m.text} at {m.location}"))
    visit.page.on("pageerror", lambda e: visit.errors.append(f"pageerror: {e}"))
    try:
        yield visit
    finally:
        context.close()
