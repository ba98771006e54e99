"""The book builds with warnings as errors, and every chapter executes in a real kernel without an error."""

import re

import jupytext
import pytest
import yaml
from jupyter_cache import get_cache

from tests.conftest import ROOT

pytestmark = pytest.mark.book


def toc_documents() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [chapter["file"] for part in toc["parts"] for chapter in part["chapters"]]


def executable_chapters() -> list[str]:
    return [doc for doc in toc_documents() if "{code-cell}" in (ROOT / f"{doc}.md").read_text()]


def test_build_succeeds_with_warnings_as_errors(built_book):
    assert built_book.returncode == 0  # -W turns any warning (a missing glue key, a bad reference) into a failure
    for document in toc_documents():
        assert (built_book.html / f"{document}.html").is_file(), document


@pytest.mark.parametrize("chapter", executable_chapters())
def test_chapter_executed_without_errors(built_book, chapter):
    # The page's outputs come from the execution cache's run of this very code (a chapter whose prose alone changed
    # is not re-run; the notebook the build writes then has no execution counts, so the cache's own record is read).
    cache = get_cache(built_book.html.parent / ".jupyter_cache")
    record = cache.match_cache_notebook(jupytext.read(ROOT / f"{chapter}.md"))  # KeyError: the code never ran
    notebook = cache.get_cache_bundle(record.pk).nb
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code_cells and all(cell.get("execution_count") for cell in code_cells), "a code cell did not run"
    errors = [output for cell in code_cells for output in cell.get("outputs", []) if output["output_type"] == "error"]
    assert not errors, errors


def test_telephone_prose_quotes_the_closed_form_drift(built_book):
    # The drift of E[ln s^2] per generation at n = 10 is -0.2206 (SCIENCE.md); the page glues it from the code.
    text = re.sub(r"<[^>]+>", "", (built_book.html / "chapters" / "telephone.html").read_text())
    assert "the drift is -0.2206 per generation" in " ".join(text.split())
