"""What instructors rely on: every chapter states its objectives, time and prerequisites in the house form (the
guide's table is built from them), the built pages launch and download the generated notebooks, and the student
edition shows every exercise and no solution."""

import os
import re
import subprocess
import sys
from html import unescape
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

from book_assets.teaching import configured_hub, read_chapters
from tests.conftest import ROOT
from tests.solutions import exercise_labels, solution_lines, squeezed

CHAPTERS = read_chapters(ROOT)
TITLES = [chapter.title for chapter in CHAPTERS]
HUB = configured_hub(yaml.safe_load((ROOT / "_config.yml").read_text()).get("launch_buttons", {}))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.docname)
def test_chapter_states_objectives_time_and_prerequisites(chapter):
    assert chapter.title != chapter.docname, "no '# Title' line"
    assert len(chapter.objectives) >= 2, "expected a '**You will be able to**' list"
    assert re.search(r"\d+ minutes", chapter.time), f"'**Time:** about N minutes ...' line, got {chapter.time!r}"
    assert chapter.prerequisites, "expected '**Prerequisites:** ...' after the time"
    assert chapter.exercises >= 1


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.docname)
def test_prerequisites_name_chapters_of_the_book(chapter):
    for named in chapter.named_prerequisites:  # the house style names a chapter in italics: *A game of telephone*
        assert named in TITLES and named != chapter.title, f"{named!r} is not another chapter's title: {TITLES}"


def page_text(path: Path) -> str:
    """The page's text with whitespace collapsed and Sphinx's typographic quotes made plain again."""
    text = unescape(re.sub(r"<[^>]+>", " ", path.read_text()))
    return " ".join(text.translate(str.maketrans("\u2018\u2019\u201c\u201d", "''\"\"")).split())


@pytest.mark.book
def test_instructors_guide_lists_every_chapter(built_book):
    text = page_text(built_book.html / "chapters" / "instructors.html")
    for chapter in CHAPTERS:
        assert chapter.title in text and " ".join(chapter.time.split()) in text
        for objective in chapter.objectives:  # its longest stretch of plain text (math and code render differently)
            plain = max(re.split(r"\$[^$]*\$|[*`]", objective), key=len)
            assert " ".join(plain.split()) in text, plain


@pytest.mark.book
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.docname)
def test_launch_and_download_use_the_generated_notebook(built_book, chapter):
    html = (built_book.html / f"{chapter.docname}.html").read_text()
    stem = Path(chapter.docname).name
    links = [unescape(unquote(link)) for link in re.findall(r'href="([^"]+)"', html)]
    colab = [link for link in links if link.startswith("https://colab.research.google.com/")]
    hub = [link for link in links if "/hub/user-redirect/git-pull?" in link]
    binder = [link for link in links if link.startswith("https://mybinder.org/v2/")]
    assert binder and all(link.endswith(f"?urlpath=tree/notebooks/{stem}.ipynb") for link in binder), binder
    assert colab and all(link.endswith(f"/notebooks/{stem}.ipynb") for link in colab), colab
    # a JupyterHub button only where _config.yml names a real hub (teaching.configured_hub), and then to the notebook
    assert bool(hub) == bool(HUB) and all(f"/notebooks/{stem}.ipynb" in link for link in hub), hub
    downloaded = built_book.html / "_sources" / f"{chapter.docname}.ipynb"
    assert f"_sources/{chapter.docname}.ipynb" in html
    assert downloaded.read_text() == (ROOT / "notebooks" / f"{stem}.ipynb").read_text()


@pytest.fixture(scope="module")
def student_html(built_book) -> Path:
    """The student edition as `make student` builds it (from the full build's execution cache), or $STUDENT_HTML."""
    if os.environ.get("STUDENT_HTML"):
        return Path(os.environ["STUDENT_HTML"])
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_book.py"), "--student"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    return ROOT / "_build" / "student" / "_build" / "html"


@pytest.mark.book
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.docname)
def test_student_edition_has_the_exercises_and_no_solutions(built_book, student_html, chapter):
    full, student = (root / f"{chapter.docname}.html" for root in (built_book.html, student_html))
    source = ROOT / f"{chapter.docname}.md"
    labels = exercise_labels(source)
    assert labels and all(f'id="{label}"' in student.read_text() for label in labels)
    assert 'class="solution' not in student.read_text() and 'class="solution' in full.read_text()
    for line in solution_lines(source):
        assert squeezed(line) in squeezed(page_text(full)), line  # so that its absence below means something
        assert squeezed(line) not in squeezed(page_text(student)), line
    assert not (student_html / "_sources" / f"{chapter.docname}.md").exists()  # the source holds the solutions


@pytest.mark.book
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.docname)
def test_student_edition_launches_and_downloads_the_student_notebook(student_html, chapter):
    html = (student_html / f"{chapter.docname}.html").read_text()
    stem = Path(chapter.docname).name
    links = [unescape(unquote(link)) for link in re.findall(r'href="([^"]+)"', html)]
    launches = [link for link in links if link.startswith(("https://mybinder.org/v2/", "https://colab.research."))
                or "/hub/user-redirect/git-pull?" in link]
    expected = 3 if HUB else 2  # Binder, Colab and (where one is configured) JupyterHub
    assert len(launches) == expected and all(f"notebooks/student/{stem}.ipynb" in link for link in launches), launches
    assert f"_sources/{chapter.docname}.ipynb" in html and f"_sources/{chapter.docname}.md" not in html
    downloaded = student_html / "_sources" / f"{chapter.docname}.ipynb"
    assert downloaded.read_text() == (ROOT / "notebooks" / "student" / f"{stem}.ipynb").read_text()
