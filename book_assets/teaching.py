"""Sphinx extension for teaching with the book.

- `{chapter-guide}`: the instructors' table of chapters, read at build time from the chapters listed under the
  "Chapters" caption of _toc.yml (title, "You will be able to" objectives, **Time:**, **Prerequisites:**,
  exercises), so it stays true as chapters are added or changed.
- Launch and download links that use the generated notebooks in notebooks/ (scripts/make_notebooks.py): Colab and
  nbgitpuller cannot open a chapter's MyST source, which is what Jupyter Book's buttons point at. A page with no
  notebook there (no code: the preface) gets no launch menu and no .ipynb download, and the JupyterHub button
  appears only when `launch_buttons.jupyterhub_url` names a hub (not a reserved example name).
- The student edition (`student_edition = True`, set by `scripts/build_book.py --student`): every exercise's
  solution is removed from the pages; its launch and .ipynb download buttons use notebooks/student/, the same
  notebooks without solutions, and the download of the page's MyST source (solutions and all) is withdrawn.
"""

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.transforms import SphinxTransform
from sphinx.util.docutils import SphinxDirective

CHAPTERS_CAPTION = "Chapters"
OBJECTIVES_MARK = "**You will be able to**"
TIME_MARK = "**Time:**"
PREREQUISITES_MARK = "**Prerequisites:**"
NOTEBOOK_FOLDER = "notebooks"
STUDENT_NOTEBOOK_FOLDER = "notebooks/student"
LAUNCHERS = ("Binder", "Colab", "JupyterHub")  # the theme's launch buttons that open a notebook, by their text
# Names reserved for examples and documentation (RFC 2606, RFC 6761): a hub URL on one is a placeholder, not a hub.
EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")
EXAMPLE_TOP_LEVEL = ("example", "invalid", "test")


def notebook_path(root: Path, docname: str, student: bool = False) -> Path:
    """Where scripts/make_notebooks.py writes a page's notebook: notebooks/<name>.ipynb, or under notebooks/student/."""
    return root / (STUDENT_NOTEBOOK_FOLDER if student else NOTEBOOK_FOLDER) / f"{Path(docname).name}.ipynb"


def configured_hub(launch_buttons: dict) -> str:
    """The JupyterHub of `launch_buttons.jupyterhub_url`, or "" when none is set or the URL is a placeholder (an
    http(s) URL whose host is an example name, or no URL at all): no button should lead there."""
    url = (launch_buttons.get("jupyterhub_url") or "").strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme not in ("http", "https") or not host:
        return ""
    if host.rsplit(".", 1)[-1] in EXAMPLE_TOP_LEVEL or any(host == d or host.endswith("." + d) for d in EXAMPLE_DOMAINS):
        return ""
    return url


@dataclass
class Chapter:
    docname: str  # e.g. chapters/capped
    title: str
    objectives: list[str]
    time: str
    prerequisites: str
    exercises: int

    @property
    def named_prerequisites(self) -> list[str]:
        """The titles the prerequisites line names in italics (the house style for naming a chapter)."""
        return re.findall(r"(?<![*\w])\*([^*]+)\*(?!\*)", self.prerequisites)


def _paragraph_after(lines: list[str], start: int) -> list[str]:
    end = start
    while end < len(lines) and lines[end].strip():
        end += 1
    return lines[start:end]


def read_chapter(root: Path, docname: str) -> Chapter:
    """Parse a chapter's source for what the guide shows; a missing part gives an empty field (the tests catch it)."""
    text = (root / f"{docname}.md").read_text()
    lines = text.splitlines()
    title = next((line[2:].strip() for line in lines if line.startswith("# ")), docname)
    objectives = []
    if OBJECTIVES_MARK in lines:
        for line in _paragraph_after(lines, lines.index(OBJECTIVES_MARK) + 1):
            if line.startswith("- "):
                objectives.append(line[2:].strip())
            elif objectives:
                objectives[-1] += " " + line.strip()  # a wrapped item
    time = prerequisites = ""
    timed = [i for i, line in enumerate(lines) if line.startswith(TIME_MARK)]
    if timed:
        paragraph = " ".join(line.strip() for line in _paragraph_after(lines, timed[0]))
        time, _, prerequisites = paragraph.removeprefix(TIME_MARK).partition(PREREQUISITES_MARK)
    exercises = len(re.findall(r"^```\{exercise\}", text, flags=re.MULTILINE))
    return Chapter(docname, title, objectives, time.strip(), prerequisites.strip(), exercises)


def chapter_docnames(root: Path) -> list[str]:
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    return [chapter["file"].removesuffix(".md") for part in toc["parts"] if part.get("caption") == CHAPTERS_CAPTION
            for chapter in part["chapters"]]


def read_chapters(root: Path) -> list[Chapter]:
    return [read_chapter(root, docname) for docname in chapter_docnames(root)]


def guide_markdown(chapters: list[Chapter]) -> list[str]:
    """The guide as MyST markdown: one table row per chapter, then which chapters build on which."""
    lines = ["```{list-table}", ":header-rows: 1", ":widths: 22 42 16 20", "",
             "* - Chapter", "  - You will be able to", "  - Time", "  - Prerequisites"]
    for chapter in chapters:
        lines.append(f"* - {{doc}}`/{chapter.docname}`")
        lines.append(f"  - - {chapter.objectives[0]}" if chapter.objectives else "  - ")
        lines += [f"    - {objective}" for objective in chapter.objectives[1:]]
        lines.append(f"  - {chapter.time} {chapter.exercises} exercises.")
        lines.append(f"  - {chapter.prerequisites}")
    lines += ["```", "", "**Which chapters build on which.**", ""]
    by_title = {chapter.title: chapter for chapter in chapters}
    for chapter in chapters:
        earlier = [by_title[title] for title in chapter.named_prerequisites if title in by_title]
        needs = ", ".join(f"{{doc}}`/{other.docname}`" for other in earlier) or "no other chapter: a starting point"
        lines.append(f"- {{doc}}`/{chapter.docname}` needs {needs}.")
    return lines


class ChapterGuide(SphinxDirective):
    """`{chapter-guide}`: the table of the book's chapters, built from the chapters themselves."""

    def run(self):
        root = Path(self.env.srcdir)
        self.env.note_dependency(str(root / "_toc.yml"))
        chapters = read_chapters(root)
        for chapter in chapters:
            self.env.note_dependency(str(root / f"{chapter.docname}.md"))  # re-read the guide when one changes
        container = nodes.container(classes=["chapter-guide"])
        self.state.nested_parse(StringList(guide_markdown(chapters), source=self.env.docname), 0, container)
        return [container]


class RemoveSolutions(SphinxTransform):
    """Student edition: drop every solution, after sphinx-exercise has merged each gated solution-start ...
    solution-end span (prose and code cells) into one node. (sphinx-exercise's own `hide_solutions` only drops the
    solution-start marker, leaving a gated solution's content on the page.)"""

    default_priority = 11  # sphinx-exercise's MergeGatedSolutions runs at 10

    def apply(self):
        if not self.config.student_edition:
            return
        from sphinx_exercise.nodes import solution_node

        for node in list(self.document.findall(solution_node)):
            node.parent.remove(node)


def _use_generated_notebooks(app, pagename, templatename, context, doctree):
    """Point the Binder, Colab and JupyterHub buttons, and the .ipynb download, at notebooks/<chapter>.ipynb
    (notebooks/student/<chapter>.ipynb in the student edition). A page with no such notebook has no code to run: it
    loses the launch menu and the .ipynb download (the theme's would open or download its MyST source as a notebook
    of prose). The JupyterHub button goes unless a hub is configured (`configured_hub`).

    (Binder could open the MyST source through jupytext, but Notebook 7 opens a .md file in its text editor.)"""
    notebook = notebook_path(Path(app.srcdir), pagename, app.config.student_edition)
    hub = configured_hub(app.config.html_theme_options.get("launch_buttons", {}))
    groups = context.get("header_buttons", [])
    if not notebook.is_file():
        groups[:] = [group for group in groups if group.get("label") != "launch-buttons"]
    # e.g. chapters/capped.md: what the theme's launch links open (its `sourcename` is empty without copied sources)
    source = Path(app.env.doc2path(pagename, False)).as_posix() if pagename in app.env.all_docs else ""
    downloaded = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"  # where the theme copied the executed notebook
    for group in groups:
        if group.get("label") == "download-buttons":
            buttons = group["buttons"]
            offered = any(button.get("label") == "download-notebook-button" for button in buttons)
            if app.config.student_edition:  # it copies no page sources (they hold the solutions): the theme offers
                buttons[:] = [button for button in buttons if button.get("label") != "download-source-button"]
            if not notebook.is_file():
                buttons[:] = [button for button in buttons if button.get("label") != "download-notebook-button"]
            if notebook.is_file() and not offered:  # no download, so the notebook's is added here
                buttons.insert(0, {"type": "link", "url": f"{context['pathto']('_sources', 1)}/{pagename}.ipynb",
                                   "text": ".ipynb", "icon": "fas fa-code", "label": "download-notebook-button",
                                   "tooltip": "Download notebook file (exercises, no solutions)"})
        if group.get("label") == "launch-buttons":
            if not hub:
                group["buttons"][:] = [button for button in group["buttons"] if button.get("text") != "JupyterHub"]
            for button in group["buttons"]:
                if source and button.get("text") in LAUNCHERS:
                    button["url"] = button["url"].replace(source, notebook.relative_to(app.srcdir).as_posix())
    if notebook.is_file():  # (the student edition copies no page sources, so the folder may not be there yet)
        downloaded.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(notebook, downloaded)


def setup(app):
    app.add_config_value("student_edition", False, "env")
    app.add_directive("chapter-guide", ChapterGuide)
    app.add_transform(RemoveSolutions)
    app.connect("html-page-context", _use_generated_notebooks, priority=950)  # after the theme's buttons (501)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
