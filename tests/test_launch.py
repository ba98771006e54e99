"""Launch paths. Binder: repo2docker's own code turns binder/ into a Dockerfile (no container engine needed) that
installs the book's pins with CPU-only torch, and runs postBuild, which fetches the corpus. The launch menus
(book_assets/teaching.py): every Binder, Colab and JupyterHub link and every .ipynb download of the built pages opens
a generated notebook of notebooks/ (never a page's MyST source); a page without one (no code) has no launch menu; the
JupyterHub button only where a real hub is configured."""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup
from packaging.requirements import Requirement
from packaging.version import Version

from book_assets import teaching
from scripts import make_notebooks
from tests.conftest import ROOT

CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"


def requirement_lines(path: Path) -> list[str]:
    """Every non-comment line pip reads from a requirements file, following `-r` as pip does (relative to the file)."""
    lines = []
    for line in path.read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-r "):
            lines += requirement_lines(path.parent / line.removeprefix("-r ").strip())
        else:
            lines.append(line)
    return lines


@pytest.fixture(scope="module")
def dockerfile() -> str:
    beside_python = Path(sys.executable).with_name("jupyter-repo2docker")
    repo2docker = beside_python if beside_python.exists() else shutil.which("jupyter-repo2docker")
    if repo2docker is None:
        message = "jupyter-repo2docker is missing: pip install -r requirements-test.txt"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    # --no-build: repo2docker picks the buildpack and prints the Dockerfile it would build, without Docker.
    done = subprocess.run([str(repo2docker), "--no-build", "--debug", str(ROOT)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr  # the Dockerfile, then repo2docker's log


def test_repo2docker_builds_from_binder_folder(dockerfile):
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in dockerfile
    assert 'pip install --no-cache-dir -r "requirements.txt"' not in dockerfile  # the root file is not read directly
    assert "Building conda environment for python=3.11" in dockerfile  # from binder/runtime.txt
    # The requirements include ../requirements.txt and its `-e .`, so the whole repository is copied first.
    assert dockerfile.index(" src/ ${REPO_DIR}/") < dockerfile.index('-r "binder/requirements.txt"')
    assert dockerfile.index('-r "binder/requirements.txt"') < dockerfile.index("./binder/postBuild")


def test_postbuild_fetches_the_corpus():
    post_build = ROOT / "binder" / "postBuild"
    assert os.access(post_build, os.X_OK)
    assert "python -m collapse.text fetch" in post_build.read_text()


def test_binder_requirements_are_the_root_pins_with_cpu_torch():
    lines = requirement_lines(ROOT / "binder" / "requirements.txt")
    root = requirement_lines(ROOT / "requirements.txt")
    assert f"--extra-index-url {CPU_TORCH_INDEX}" in lines
    assert not any(line.startswith(("--index-url", "-i ")) for line in lines)  # PyPI stays the main index
    assert set(root) <= set(lines) and "-e ." in lines
    pins = [Requirement(line) for line in lines if not line.startswith("-")]
    assert not [pin.name for pin in pins if pin.name.startswith("nvidia")]
    assert all(len(pin.specifier) == 1 and next(iter(pin.specifier)).operator == "==" for pin in pins)
    torch = next(pin for pin in pins if pin.name == "torch")
    # PEP 440: a pin without a local label matches the CPU index's `+cpu` build, which sorts after the plain
    # version, so pip takes it over PyPI's CUDA build.
    pinned = Version(next(iter(torch.specifier)).version)
    assert torch.specifier.contains(f"{pinned}+cpu") and Version(f"{pinned}+cpu") > pinned


# ---- the launch menus ----

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


@pytest.mark.parametrize("url", ["", None, "https://jupyterhub.example.org", "https://hub.example.com/", "https://example.net",
                                 "https://jupyter.school.test", "http://hub.invalid", "jupyterhub.university.edu",
                                 "ftp://hub.university.edu"])
def test_no_hub_is_configured_by_a_placeholder(url):
    assert teaching.configured_hub({"jupyterhub_url": url}) == ""


@pytest.mark.parametrize("url", ["https://hub.university.edu", "https://jupyter.example-university.org/",
                                 "http://127.0.0.1:8000"])
def test_a_real_hub_is_configured(url):
    assert teaching.configured_hub({"jupyterhub_url": url}) == url


def test_the_book_names_no_placeholder_hub():
    hub = (CONFIG.get("launch_buttons") or {}).get("jupyterhub_url")
    assert hub is None or teaching.configured_hub(CONFIG["launch_buttons"]), \
        f"launch_buttons.jupyterhub_url is a placeholder ({hub}): delete the line or name a real hub"


def theme_buttons(source: str, hub: str) -> list[dict]:
    """The header buttons sphinx-book-theme makes for the MyST notebook `source` (chapters/<name>.md), before
    teaching.py: its launch menu (with a JupyterHub button, for `hub`) and its download menu."""
    launchers = [{"type": "link", "text": "Binder", "url": f"https://mybinder.org/v2/gh/o/r/main?urlpath=tree/{source}"},
                 {"type": "link", "text": "Colab", "url": f"https://colab.research.google.com/github/o/r/blob/main/{source}"},
                 {"type": "javascript", "text": "Live Code", "label": "launch-thebe"}]
    if hub:
        launchers.insert(1, {"type": "link", "text": "JupyterHub",
                             "url": f"{hub}/hub/user-redirect/git-pull?repo=o&urlpath=tree/r/{source}&branch=main"})
    downloads = [{"type": "link", "label": "download-notebook-button", "url": f"../_sources/{source[:-3]}.ipynb"},
                 {"type": "link", "label": "download-source-button", "url": f"../_sources/{source}"}]
    return [{"type": "group", "label": "launch-buttons", "buttons": launchers},
            {"type": "group", "label": "download-buttons", "buttons": downloads}]


def pass_page(tmp_path, docname: str, hub: str, with_notebook: bool) -> dict:
    """The header buttons of `docname` after teaching.py's html-page-context handler, in a source folder of tmp_path
    (with or without its generated notebook), with `hub` as launch_buttons.jupyterhub_url."""
    source, outdir = tmp_path / "src", tmp_path / "out"
    (source / "chapters").mkdir(parents=True, exist_ok=True)
    (source / f"{docname}.md").write_text("# a page\n")
    notebook = teaching.notebook_path(source, docname)
    if with_notebook:
        notebook.parent.mkdir(parents=True, exist_ok=True)
        notebook.write_text("{}")
    app = SimpleNamespace(srcdir=str(source), outdir=str(outdir),
                          config=SimpleNamespace(student_edition=False,
                                                 html_theme_options={"launch_buttons": {"jupyterhub_url": hub}}),
                          env=SimpleNamespace(all_docs={docname: 0}, doc2path=lambda name, base=True: f"{name}.md"))
    context = {"header_buttons": theme_buttons(f"{docname}.md", hub), "pathto": lambda *args: "../_sources"}
    teaching._use_generated_notebooks(app, docname, "page.html", context, None)
    return {group["label"]: group["buttons"] for group in context["header_buttons"]}


@pytest.mark.parametrize("hub", ["", "https://jupyterhub.example.org", "https://hub.university.edu"])
def test_a_chapters_launchers_open_its_notebook_and_the_hub_button_needs_a_hub(tmp_path, hub):
    groups = pass_page(tmp_path, "chapters/capped", hub, with_notebook=True)
    launchers = {button["text"]: button.get("url") for button in groups["launch-buttons"]}
    expected = {"Binder", "Colab", "Live Code"} | ({"JupyterHub"} if hub == "https://hub.university.edu" else set())
    assert set(launchers) == expected
    for text in expected - {"Live Code"}:
        assert "notebooks/capped.ipynb" in launchers[text] and ".md" not in launchers[text], (text, launchers[text])


def test_a_page_without_a_notebook_has_nothing_to_launch(tmp_path):
    groups = pass_page(tmp_path, "chapters/preface", "https://hub.university.edu", with_notebook=False)
    assert "launch-buttons" not in groups
    assert [button["label"] for button in groups["download-buttons"]] == ["download-source-button"]


def notebook_of_launch_link(text: str, url: str) -> str:
    """The repository path that a Binder, Colab or JupyterHub link of the theme opens."""
    parts = urlsplit(url)
    if text == "Colab":  # https://colab.research.google.com/github/<org>/<repo>/blob/<branch>/<path>
        return parts.path.split("/blob/", 1)[1].split("/", 1)[1]
    urlpath = parse_qs(parts.query)["urlpath"][0]  # tree/<path> (Binder), tree/<repo>/<path> (nbgitpuller)
    path = urlpath.removeprefix("tree/")
    return path.split("/", 1)[1] if text == "JupyterHub" else path


def test_every_launch_link_of_the_built_pages_opens_a_generated_notebook(built_book):
    from tests.browser.conftest import site_pages

    hub = teaching.configured_hub(CONFIG["launch_buttons"])
    with_code = {source.relative_to(ROOT).with_suffix(".html").as_posix() for source in make_notebooks.chapters()}
    assert with_code, "no page has code"
    problems = []
    for page in site_pages():
        html = built_book.html / page
        soup = BeautifulSoup(html.read_text(), "html.parser")
        launchers = {a.get_text(strip=True): a["href"] for a in soup.select(".dropdown-launch-buttons a")}
        live_code = soup.select(".dropdown-launch-buttons .btn-launch-thebe")
        if page not in with_code:
            if launchers or live_code:
                problems.append(f"{page}: a launch menu on a page with no code ({sorted(launchers)})")
        else:
            expected = {"Binder", "Colab"} | ({"JupyterHub"} if hub else set())
            if set(launchers) != expected or not live_code:
                problems.append(f"{page}: launch menu {sorted(launchers)}, Live Code {bool(live_code)}; "
                                f"expected {sorted(expected)} and Live Code")
        notebook = f"{teaching.NOTEBOOK_FOLDER}/{Path(page).stem}.ipynb"
        for text, url in launchers.items():
            if text == "JupyterHub" and urlsplit(url).netloc != urlsplit(hub).netloc:
                problems.append(f"{page}: the JupyterHub button goes to {url}, not the configured hub {hub!r}")
            opened = notebook_of_launch_link(text, url) if text in teaching.LAUNCHERS else url
            if opened != notebook or not (ROOT / opened).is_file():
                problems.append(f"{page}: {text} opens {opened}, not {notebook} (which must exist)")
        for a in soup.select(".dropdown-download-buttons a"):
            target = (html.parent / a["href"]).resolve()
            if a["href"].endswith(".ipynb"):
                generated = ROOT / notebook
                if not (generated.is_file() and target.is_file() and target.read_bytes() == generated.read_bytes()):
                    problems.append(f"{page}: the .ipynb download {a['href']} is not {notebook}")
            elif not (a["href"].endswith(".md") and "source" in (a.get("title") or "").lower()):
                problems.append(f"{page}: a download of {a['href']} ({a.get('title')})")
    assert not problems, "\n".join(problems)
