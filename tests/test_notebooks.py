"""notebooks/ holds every chapter as a plain notebook, generated from its MyST source and never edited by hand; its
first cell sets up a kernel outside the repository (Colab, a JupyterHub) and does nothing inside it. notebooks/student/
holds the same notebooks with the solutions taken out and everything else kept."""

import importlib.util
import json
import re
import shutil
import sys

import pytest

from scripts import make_notebooks
from tests.conftest import ROOT
from tests.solutions import SOLUTION, exercise_labels, solution_lines, squeezed

CHAPTERS = make_notebooks.chapters()


EDITIONS = {"full": False, "student": True}


def cells(chapter, student=False):
    return json.loads(make_notebooks.target(chapter, student).read_text())["cells"]


@pytest.mark.parametrize("student", EDITIONS.values(), ids=EDITIONS.keys())
def test_every_chapter_has_a_notebook_and_nothing_else_is_there(student):
    assert CHAPTERS
    folder = make_notebooks.STUDENT_NOTEBOOKS if student else make_notebooks.NOTEBOOKS
    assert sorted(folder.glob("*.ipynb")) == sorted(make_notebooks.target(chapter, student) for chapter in CHAPTERS)


@pytest.mark.parametrize("student", EDITIONS.values(), ids=EDITIONS.keys())
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.stem)
def test_committed_notebook_equals_a_fresh_one(chapter, student):
    assert make_notebooks.target(chapter, student).read_text() == make_notebooks.notebook_text(chapter, student), (
        "run: python scripts/make_notebooks.py")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.stem)
def test_student_notebook_has_every_exercise_and_no_solution(chapter):
    full, student = ("".join("".join(cell["source"]) for cell in cells(chapter, edition)) for edition in (False, True))
    assert exercise_labels(chapter) and all(f":label: {label}" in student for label in exercise_labels(chapter))
    assert "solution-start" in full and "solution-start" not in student and "solution-end" not in student
    for line in solution_lines(chapter):
        assert squeezed(line) in squeezed(full), line  # so that its absence below means something
        assert squeezed(line) not in squeezed(student), line


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.stem)
def test_student_notebook_keeps_every_code_cell_outside_the_solutions(chapter):
    solutions = squeezed("".join(re.findall(SOLUTION, chapter.read_text(), flags=re.DOTALL)))
    kept = [cell["source"] for cell in cells(chapter, True) if cell["cell_type"] == "code"]
    expected = [cell["source"] for cell in cells(chapter) if cell["cell_type"] == "code"
                and squeezed("".join(cell["source"])) not in solutions]
    assert kept == expected


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.stem)
def test_notebook_starts_with_the_setup_cell_and_keeps_the_removed_cells(chapter):
    first, *rest = cells(chapter)
    assert first["cell_type"] == "code" and make_notebooks.SETUP_TAG in first["metadata"]["tags"]
    assert 'find_spec("collapse") is None' in "".join(first["source"])
    removed = [cell for cell in rest if "remove-cell" in cell["metadata"].get("tags", [])]
    assert len(removed) == chapter.read_text().count(":tags: [remove-cell]")  # they compute the glued numbers


@pytest.mark.parametrize("folder", ["notebooks", "notebooks/student"])
def test_setup_cell_uses_the_repository_a_hub_pulled(tmp_path, monkeypatch, folder):
    """On a hub, nbgitpuller puts the repository in the user's home and the notebook runs in its notebooks/ (or
    notebooks/student/) folder: the cell must find the code above it (no clone), put it on sys.path and fetch the
    corpus there."""
    for code in ("collapse", "data"):
        shutil.copytree(ROOT / code, tmp_path / code)
    (tmp_path / folder).mkdir(parents=True)
    monkeypatch.chdir(tmp_path / folder)
    monkeypatch.setenv("COLLAPSE_CACHE", str(ROOT / ".cache"))  # the corpus already fetched here: no download
    monkeypatch.setattr(sys, "path", list(sys.path))
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "collapse" else find_spec(name, *a))
    exec(make_notebooks.setup_source(), {})
    assert sys.path[0] == str(tmp_path)
    assert not (tmp_path / folder / "model-collapse-book").exists()  # nothing cloned
