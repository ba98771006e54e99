"""notebooks/ holds every chapter as a plain notebook, generated from its MyST source and never edited by hand; its
first cell sets up a kernel outside the repository (Colab, a JupyterHub) and does nothing inside it."""

import importlib.util
import json
import shutil
import sys

import pytest

from scripts import make_notebooks
from tests.conftest import ROOT

CHAPTERS = make_notebooks.chapters()


def cells(chapter):
    return json.loads(make_notebooks.target(chapter).read_text())["cells"]


def test_every_chapter_has_a_notebook_and_nothing_else_is_there():
    assert CHAPTERS
    assert sorted(make_notebooks.NOTEBOOKS.glob("*.ipynb")) == sorted(map(make_notebooks.target, CHAPTERS))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.stem)
def test_committed_notebook_equals_a_fresh_one(chapter):
    assert make_notebooks.target(chapter).read_text() == make_notebooks.notebook_text(chapter), (
        "run: python scripts/make_notebooks.py")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda chapter: chapter.stem)
def test_notebook_starts_with_the_setup_cell_and_keeps_the_removed_cells(chapter):
    first, *rest = cells(chapter)
    assert first["cell_type"] == "code" and make_notebooks.SETUP_TAG in first["metadata"]["tags"]
    assert 'find_spec("collapse") is None' in "".join(first["source"])
    removed = [cell for cell in rest if "remove-cell" in cell["metadata"].get("tags", [])]
    assert len(removed) == chapter.read_text().count(":tags: [remove-cell]")  # they compute the glued numbers


def test_setup_cell_uses_the_repository_a_hub_pulled(tmp_path, monkeypatch):
    """On a hub, nbgitpuller puts the repository in the user's home and the notebook runs in its notebooks/ folder:
    the cell must find the code one level up (no clone), put it on sys.path and fetch the corpus there."""
    for folder in ("collapse", "data"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    monkeypatch.setenv("COLLAPSE_CACHE", str(ROOT / ".cache"))  # the corpus already fetched here: no download
    monkeypatch.setattr(sys, "path", list(sys.path))
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "collapse" else find_spec(name, *a))
    exec(make_notebooks.setup_source(), {})
    assert sys.path[0] == str(tmp_path)
    assert not (tmp_path / "notebooks" / "model-collapse-book").exists()  # nothing cloned
