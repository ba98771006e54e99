"""The live panels in the reader's own browser: a Sphinx extension, and the Python the browser runs.

A chapter's live panel is a set of controls over a pure function, `widgets.<chapter>.chart(**settings)`, which runs
the chapter's experiment (`collapse.<chapter>`) and fills a chart template. The published page shows the panel from
its saved widget state, with no kernel behind it. On the chapters listed in BROWSER_CHAPTERS, a button by the panel
starts Python in the reader's browser (Pyodide 0.27.7, in a Web Worker: book_assets/static/browser-kernel*.js); from
then on a change to one of the panel's own controls runs that same function there, on the book's own code, and
redraws the panel's chart in place.

What the build does (this extension):
- on each such page, loads browser-kernel.js after the widget manager, with the chapter's name; on the chapters whose
  experiment needs what the browser cannot load (torch, nltk), a note by the panel says so (BROWSER_CANNOT);
- when the build ends, writes `_static/browser-kernel/book.zip`: the engine (collapse/) and the widget modules the
  browser needs, from this checkout, with this module as `browser_kernel.py` and each chapter's live chart template
  built here, where altair is installed (`prebuilt_templates.json`: the browser has no altair);
- copies the verified Pyodide files into `_static/pyodide/` (scripts/pyodide_assets.py copy), when they are cached;
  otherwise the page says the browser kernel is not part of this build.

Why this route (a small runtime of the book's own, rather than a JupyterLite kernel behind the Live Code cells or
JupyterLite pages in iframes): the reader keeps the one set of controls already on the page, inline, and a redraw is
one function call, with no kernel protocol, no ipywidgets or altair to install in the browser (altair cannot be, its
dependencies have no Pyodide build here) and no notebook cell to run first. JupyterLite would add its own copy of
the controls (in an iframe, or in a re-run cell), and a bigger site: a JupyterLite build over the whole Pyodide
set of the transport package was 132 MB when tried; the files shipped here (numpy, scipy, pandas) are 43 MB.

What the browser keeps: after the first chart of a start, the worker keeps in the site's Cache Storage a memory
snapshot of the booted interpreter, the installed packages with the bytecode their imports compiled, and the book's
bytecode (`files_to_keep`, below), so that a later start, on any chapter, restores them instead of booting, unzipping
and compiling again: about 4 s instead of 10 s on 2 cores (benchmarks/browser_kernel.py).

What the browser runs (`draw`, below): the controls' values are turned back into the chapter's settings by their
labels and declarations (collapse.settings), and the chart comes back as a Vega-Lite specification, or a message.
"""

from __future__ import annotations

import importlib
import json
import struct
import time
import traceback
from pathlib import Path

# The chapters whose live panel runs in the browser: numpy, scipy and pandas only.
BROWSER_CHAPTERS = ("telephone", "accumulate", "capped", "fresh", "gate", "feedback", "measuring")
# The chapters whose experiment needs something the browser kernel cannot load, and what the page says instead.
BROWSER_CANNOT = {
    "vae": "torch",
    "transformer": "torch",
    "markov": "nltk",  # its tokeniser needs `regex`, which has no Pyodide build in the shipped set
    "specialise": "nltk",
}
# The widget modules the browser imports, besides the chapters' own.
SHARED_WIDGET_MODULES = ("__init__", "charts", "numbers", "theme", "panel")
BUNDLE = "browser-kernel/book.zip"  # under _static/
PYODIDE = "pyodide/"  # under _static/
TEMPLATES = "prebuilt_templates.json"


# --- in the browser ---------------------------------------------------------------------------------------------
def start(templates: str) -> str:
    """Load the prebuilt chart templates and import the chapters' modules (so that the first redraw does not pay for
    the imports); returns the Python and numpy versions, for the page's progress line."""
    import sys

    import numpy

    from widgets import charts

    charts.PREBUILT.update(json.loads(templates))
    return f"Python {sys.version.split()[0]}, numpy {numpy.__version__}"


def prepare(chapter: str) -> None:
    panel_rules(chapter)  # imports the chapter's modules


def settings_class(module):
    """The Settings dataclass a chapter's `chart()` takes: the one its widget module imports."""
    from collapse.settings import Settings

    found = {value for value in vars(module).values()
             if isinstance(value, type) and issubclass(value, Settings) and value is not Settings}
    if len(found) != 1:
        raise LookupError(f"{module.__name__} imports {len(found)} Settings classes; the browser kernel needs one")
    return found.pop()


def settings_from_controls(settings, controls: list[dict]) -> dict:
    """The settings named by the controls' labels, from their values: a menu, buttons or a slider over steps reports
    the index of its option (the widget manager in the page has the labels, not the values), which the declaration
    turns back into the value; a number is taken as it is (a whole number where the default is one)."""
    by_label = {field.metadata["label"]: field for field in settings.declared().values()}
    values = {}
    for control in controls:
        field = by_label.get(control["label"])
        if field is None:
            raise LookupError(f"no setting of {settings.__name__} is labelled {control['label']!r}")
        meta = field.metadata
        options = list(meta["choices"]) if meta["choices"] is not None else meta["steps"]
        if options is not None:
            values[field.name] = options[control["index"]]
        elif isinstance(field.default, bool):
            values[field.name] = bool(control["value"])
        elif isinstance(field.default, float):
            values[field.name] = float(control["value"])
        else:
            values[field.name] = control["value"]
    return values


class PanelRules:
    """What a chapter's `panel()` gives its Panel: the drawing function, when each control is shown (`shown_when`,
    by setting name, with the chapter's own rules beside the declarations' `when=`) and the caption function.

    Read by calling the chapter's real `panel()` with stand-ins for the two things it needs ipywidgets for (the
    controls and the Panel), so that the browser follows the same rules as a server kernel's panel."""

    def __init__(self, module):
        from widgets import panel as shared

        captured = {}

        def controls_from(settings, names=None):
            declared = type(settings).declared()
            shown_when = {}
            for name in names or tuple(declared):
                if declared[name].metadata["when"] is not None:
                    other, wanted = declared[name].metadata["when"]
                    shown_when[name] = lambda values, other=other, wanted=wanted: values[other] == wanted
            return {name: None for name in names or tuple(declared)}, shown_when

        def panel(title, controls, draw, shown_when=None, caption=None, **options):
            captured.update(draw=draw, shown_when=shown_when or {}, caption=caption)

        real = shared.controls_from, module.Panel
        shared.controls_from, module.Panel = controls_from, panel
        try:
            module.panel()
        finally:
            shared.controls_from, module.Panel = real
        self.draw, self.shown_when, self.caption = captured["draw"], captured["shown_when"], captured["caption"]

    def shown(self, settings, values: dict) -> dict[str, bool]:
        """Whether each conditional control matters for these settings, keyed by its label."""
        return {settings.label(name): bool(is_shown(values)) for name, is_shown in self.shown_when.items()}


_RULES: dict[str, PanelRules] = {}


def panel_rules(chapter: str) -> PanelRules:
    if chapter not in _RULES:
        _RULES[chapter] = PanelRules(importlib.import_module(f"widgets.{chapter}"))
    return _RULES[chapter]


def draw(chapter: str, controls_json: str) -> str:
    """The panel's chart for the controls' values, as JSON: {"spec", "below", "shown", "seconds"}, or {"message"} for
    settings the experiment refuses (a ValueError or TypeError, as a server kernel's panel shows it), or {"fault"}
    for an error of ours (with its traceback, which the page logs)."""
    began = time.perf_counter()
    settings = settings_class(importlib.import_module(f"widgets.{chapter}"))
    rules = panel_rules(chapter)
    reply: dict = {}
    try:
        values = settings_from_controls(settings, json.loads(controls_json))
        # the chapter's rules read the whole settings, defaults included (refused settings stop here, with a message)
        reply["shown"] = rules.shown(settings, settings(**values).as_dict())
        reply["settings"] = values
        reply["spec"] = rules.draw(**values)
        reply["below"] = rules.caption(**values) if rules.caption else ""
    except (TypeError, ValueError) as error:
        reply["message"] = str(error)
    except ModuleNotFoundError as error:  # a choice that needs torch or nltk, say
        reply["message"] = (f"These settings need {error.name}, which the Python in your browser cannot load: run "
                            "this panel in a Python kernel (Binder, or `make live`).")
    except Exception as error:  # a fault of the book's code: said briefly, the traceback goes to the console
        reply["fault"] = f"{type(error).__name__}: {error}"
        reply["traceback"] = traceback.format_exc()
    reply["seconds"] = time.perf_counter() - began
    return json.dumps(reply, allow_nan=False, default=_plain)


def _plain(value):
    """numpy numbers in settings, as JSON numbers."""
    return value.item() if hasattr(value, "item") else str(value)


# --- what the reader's browser keeps for the next start ------------------------------------------------------------
# A first start in the browser spends its time booting the interpreter, unpacking the packages' wheels and compiling
# the source of numpy, scipy, pandas and the book's code to bytecode (the Pyodide wheels hold .py files only, and the
# interpreter's file system is gone with the page). After its first chart the worker keeps, in the browser's Cache
# Storage, what it made: a memory snapshot of the booted interpreter, the installed files with the bytecode the
# imports wrote, and the book's own bytecode (book_assets/static/browser-kernel-worker.js). `files_to_keep` lists the
# files. Each .pyc becomes a *checked-hash* one (PEP 552): Python compares it with a hash of its source on every
# import and compiles afresh if they differ, so a kept file can be stale (another build of the book) but never wrong.
CHECKED_HASH = 0b11  # the flags of a hash-based .pyc whose hash is checked


def checked_hash_pyc(pyc: bytes, source: bytes) -> bytes:
    """The same bytecode as `pyc`, with a header that ties it to the hash of `source` instead of its timestamp."""
    import importlib.util

    return pyc[:4] + CHECKED_HASH.to_bytes(4, "little") + importlib.util.source_hash(source) + pyc[16:]


def files_to_keep(roots: list[str], compiled_only: bool = False) -> str:
    """The files under `roots` (only the .pyc files, with `compiled_only`) as JSON: {"files": [[path, size], ...],
    "compiled": how many are .pyc}. Each timestamp .pyc (as an import writes it) is first rewritten in place as a
    checked-hash one; a .pyc whose source is gone is left out."""
    import sys

    tag = f".{sys.implementation.cache_tag}.pyc"
    files, compiled = [], 0
    for root in map(Path, roots):
        for path in sorted(root.rglob("*")):
            if not path.is_file():
                continue
            if path.parent.name == "__pycache__" and path.name.endswith(tag):
                source = path.parent.parent / (path.name[: -len(tag)] + ".py")
                if not source.is_file():
                    continue
                data = path.read_bytes()
                if int.from_bytes(data[4:8], "little") & 1 == 0:
                    path.write_bytes(checked_hash_pyc(data, source.read_bytes()))
                compiled += 1
            elif compiled_only:
                continue
            files.append([path.as_posix(), path.stat().st_size])
    return json.dumps({"files": files, "compiled": compiled})


# The UTC time zone as a zone file (RFC 8536, version 1): one local time type, 0 s from UTC, no daylight saving,
# abbreviated "UTC"; no transitions, no leap seconds. The header's counts: UT/local and standard/wall indicators,
# leap seconds, transitions, local time types, abbreviation bytes.
UTC_ZONE_FILE = (b"TZif" + bytes(16) + struct.pack(">6l", 0, 0, 0, 0, 1, 4)
                 + struct.pack(">lBB", 0, 0, 0) + b"UTC\0")


def keep_utc_zone(folder: str) -> bool:
    """Write the UTC time zone's file into `folder` (the first place dateutil looks for a zone's file) unless one is
    there already; returns whether one was written. pandas asks dateutil for "UTC" when it is imported; with no
    system zone files (the browser has none) dateutil builds every zone of its own tarball to find it, about half a
    second there."""
    target = Path(folder) / "UTC"
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(UTC_ZONE_FILE)
    return True


# --- at book-build time -----------------------------------------------------------------------------------------
def prebuilt_templates(chapters=BROWSER_CHAPTERS) -> dict[str, dict]:
    """Each chapter's live chart template, built with altair: {"widgets.<chapter>.live_template": spec}."""
    templates = {}
    for chapter in chapters:
        live_template = importlib.import_module(f"widgets.{chapter}").live_template
        templates[live_template.key] = live_template().spec
    return templates


def bundle_files(root: Path, chapters=BROWSER_CHAPTERS) -> dict[str, Path]:
    """What the browser imports, by its path in the bundle: the engine, the widget modules it needs, this module."""
    files = {path.relative_to(root).as_posix(): path for path in sorted((root / "collapse").rglob("*.py"))}
    for name in (*SHARED_WIDGET_MODULES, *chapters):
        files[f"widgets/{name}.py"] = root / "widgets" / f"{name}.py"
    files["browser_kernel.py"] = Path(__file__)
    files["kept_bytecode.py"] = Path(__file__).with_name("kept_bytecode.py")
    return files


def write_bundle(destination: Path, root: Path, chapters=BROWSER_CHAPTERS) -> Path:
    """The zip the browser unpacks: this checkout's code and the prebuilt templates (written deterministically: the
    same code gives the same bytes)."""
    import zipfile

    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as bundle:
        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, data)

        for name, path in bundle_files(root, chapters).items():
            add(name, path.read_bytes())
        add(TEMPLATES, json.dumps(prebuilt_templates(chapters), sort_keys=True).encode())
    return destination


def _page_chapter(pagename: str) -> str | None:
    folder, _, name = pagename.rpartition("/")
    return name if folder == "chapters" else None


def _add_page_script(app, pagename, templatename, context, doctree):
    chapter = _page_chapter(pagename)
    if chapter not in BROWSER_CHAPTERS and chapter not in BROWSER_CANNOT:
        return
    config = {"chapter": chapter, "needs": BROWSER_CANNOT.get(chapter),
              "available": app.browser_kernel_available}
    # after the widget manager (nb_ipywidgets_js, priority 500), whose models the script listens to
    app.add_js_file("browser-kernel.js", priority=510, **{"data-config": json.dumps(config)})
    app.add_css_file("browser-kernel.css")


def _check_assets(app):
    """Whether this build can ship the browser kernel: the verified Pyodide files are cached."""
    import sys

    root = Path(app.srcdir)
    sys.path.insert(0, str(root / "scripts"))
    try:
        import pyodide_assets
    finally:
        sys.path.pop(0)
    found = pyodide_assets.problems() if pyodide_assets.LOCK.exists() else ["no lock"]
    app.browser_kernel_available = not found  # on the app: the environment is pickled
    if found:
        from sphinx.util import logging

        logging.getLogger(__name__).info(
            "browser kernel: the Pyodide files are not cached (run `python scripts/pyodide_assets.py fetch`); the "
            "pages say that this build has no browser kernel")
    app.browser_kernel_assets = pyodide_assets


def _write_outputs(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    write_bundle(static / BUNDLE, Path(app.srcdir))
    if app.browser_kernel_available:
        app.browser_kernel_assets.copy(static / PYODIDE)


def setup(app):
    app.connect("builder-inited", _check_assets)
    app.connect("html-page-context", _add_page_script)
    app.connect("build-finished", _write_outputs)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
