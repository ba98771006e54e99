"""The browser kernel without a browser: the pinned Pyodide files (scripts/pyodide_assets.py, book_assets/
pyodide.lock.json), the code bundle the build writes, and the Python the browser runs (book_assets/browser_kernel.py),
run here the way the browser runs it: with altair, ipywidgets and IPython missing."""

import importlib
import json
import math
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from book_assets import browser_kernel
from scripts import pyodide_assets

ROOT = Path(__file__).resolve().parents[1]

LOCK = json.loads(pyodide_assets.LOCK.read_text())


def test_every_file_is_pinned_with_its_source_and_licence():
    assert set(pyodide_assets.CORE) <= set(LOCK["files"])
    for name, entry in LOCK["files"].items():
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]), name
        assert entry["licence"] and entry["size"] > 0, name
        assert entry["source"].startswith((f"npm:pyodide@{pyodide_assets.VERSION}/",
                                           f"pypi:{pyodide_assets.TRANSPORT[0]}=={pyodide_assets.TRANSPORT[1]}/")), name
        if "package" in entry:  # a wheel, taken from the transport and checked against the official lock
            assert entry["verified_against"] == f"npm:pyodide@{pyodide_assets.VERSION}/package/pyodide-lock.json"
    assert LOCK["core"]["npm"] == f"pyodide@{pyodide_assets.VERSION}"


def test_the_makefile_tests_the_engine_under_the_browsers_numpy():
    numpy = next(entry["version"] for entry in LOCK["files"].values() if entry.get("package") == "numpy")
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(rf"^NUMPY_BROWSER := {re.escape(numpy)}$", makefile, re.M), f"Makefile's NUMPY_BROWSER != {numpy}"
    tests = re.search(r"^BROWSER_ENGINE_TESTS := ((?:.*\\\n)*.*)$", makefile, re.M).group(1).split()
    assert all((ROOT / path).is_file() for path in tests if path != "\\")


@pytest.fixture(scope="module")
def cached():
    """The verified files, when this machine has fetched them (`make pyodide`); CI must have them."""
    if not pyodide_assets.FILES.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail("no Pyodide files in .cache/pyodide: run `make pyodide`")
        pytest.skip("no Pyodide files in .cache/pyodide (run `make pyodide`)")
    return pyodide_assets.FILES


def test_the_cached_files_match_the_lock_and_the_official_release_lock(cached):
    assert pyodide_assets.problems() == []
    release = json.loads((cached / "pyodide-lock.json").read_bytes())
    assert release["info"]["version"] == pyodide_assets.VERSION
    # exactly the packages the browser kernel imports and what they depend on, by the official lock
    wheels = {entry["package"] for entry in LOCK["files"].values() if "package" in entry}
    assert wheels == set(pyodide_assets.closure(release["packages"], pyodide_assets.PACKAGES))


def test_a_changed_file_is_refused(cached, tmp_path, monkeypatch):
    copy = tmp_path / "files"
    copy.mkdir()
    for path in cached.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    wheel = next(name for name, entry in LOCK["files"].items() if entry.get("package") == "six")
    (copy / wheel).write_bytes((copy / wheel).read_bytes() + b"\0")
    monkeypatch.setattr(pyodide_assets, "FILES", copy)
    assert pyodide_assets.problems() == [f"{wheel}: sha256 differs from the lock"]
    with pytest.raises(SystemExit):
        pyodide_assets.copy(tmp_path / "site")


# --- the bundle and the Python the browser runs --------------------------------------------------------------------
@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return browser_kernel.write_bundle(tmp_path_factory.mktemp("site") / "book.zip", ROOT)


def test_the_bundle_holds_this_checkout_and_is_reproducible(bundle, tmp_path):
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        assert archive.read("collapse/telephone.py") == (ROOT / "collapse" / "telephone.py").read_bytes()
        templates = json.loads(archive.read(browser_kernel.TEMPLATES))
    assert {f"widgets/{chapter}.py" for chapter in browser_kernel.BROWSER_CHAPTERS} <= names
    assert {"browser_kernel.py", "kept_bytecode.py", "collapse/settings.py"} <= names
    assert set(templates) == {f"widgets.{chapter}.live_template" for chapter in browser_kernel.BROWSER_CHAPTERS}
    again = browser_kernel.write_bundle(tmp_path / "again.zip", ROOT)
    assert again.read_bytes() == bundle.read_bytes()



def test_the_prose_names_the_button_on_the_chapters_that_have_it():
    """Each chapter the browser runs tells the reader, beside its panel, to press the button by the label the page
    gives it (browser-kernel.js), and the preface lists exactly those chapters; a chapter the browser cannot run never
    mentions the button (its page says what it needs instead)."""
    label = re.search(r'button\.textContent = "([^"]+)"', (ROOT / "book_assets/static/browser-kernel.js").read_text())[1]
    named = f"**{label}**"

    def prose(chapter: str) -> str:  # line breaks inside the bold label are the wrapping's, not the reader's
        return " ".join((ROOT / "chapters" / f"{chapter}.md").read_text().split())

    for chapter in browser_kernel.BROWSER_CHAPTERS:
        assert named in prose(chapter), f"chapters/{chapter}.md does not name the button {named}"
    for chapter in browser_kernel.BROWSER_CANNOT:
        assert label not in prose(chapter), f"chapters/{chapter}.md names a button its page does not have"
    preface = prose("preface")
    paragraph = next(part for part in preface.split("**In ") if named in part)
    assert set(re.findall(r"\{doc\}`(\w+)`", paragraph)) == set(browser_kernel.BROWSER_CHAPTERS)

# What the browser's worker does, for a list of (chapter, settings) CASES: each case's settings given as the page's
# widget models give them (labels, and option indices), drawn by browser_kernel.draw from the unpacked bundle at BOOK.
# Run by a fresh CPython below (with the modules the browser lacks made unimportable) and by Pyodide further down.
DRAW_CASES = r"""
import importlib, json, sys
sys.path.insert(0, BOOK)
import browser_kernel
browser_kernel.start(open(BOOK + "/prebuilt_templates.json").read())
replies = []
for chapter, overrides in CASES:
    settings = browser_kernel.settings_class(importlib.import_module(f"widgets.{chapter}"))
    chosen = settings(**overrides)
    controls = []
    for name, field in settings.declared().items():
        meta, value = field.metadata, getattr(chosen, name)
        options = list(meta["choices"]) if meta["choices"] is not None else meta["steps"]
        controls.append({"label": meta["label"], "value": None if options else value,
                         "index": options.index(value) if options else None})
    replies.append(json.loads(browser_kernel.draw(chapter, json.dumps(controls))))
REPLIES = json.dumps(replies)
"""
WITHOUT_WHAT_THE_BROWSER_LACKS = r"""
import json, sys
MISSING = {"altair", "ipywidgets", "IPython", "nltk", "torch", "regex"}
class Missing:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in MISSING:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Missing())
BOOK, CASES = sys.argv[1], json.loads(sys.argv[2])
"""
# Settings a test can afford on two shared cores, and that the browser can run (measuring's default is Markov text).
BROWSER_RUNS = [("telephone", {"seeds": 20}), ("accumulate", {"seeds": 50}),
                ("capped", {"seeds": 20, "generations": 40}), ("fresh", {"seeds": 20}), ("gate", {"seeds": 50}),
                ("feedback", {"seeds": 50}), ("measuring", {"model": "gaussian"})]


def test_the_browser_path_draws_what_the_server_kernel_draws(bundle, tmp_path):
    assert {chapter for chapter, _ in BROWSER_RUNS} == set(browser_kernel.BROWSER_CHAPTERS)
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path)
    program = WITHOUT_WHAT_THE_BROWSER_LACKS + DRAW_CASES + "print(REPLIES)\n"
    done = subprocess.run([sys.executable, "-c", program, str(tmp_path), json.dumps(BROWSER_RUNS)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    for (chapter, overrides), reply in zip(BROWSER_RUNS, json.loads(done.stdout)):
        assert "spec" in reply, f"{chapter}: {reply.get('message') or reply.get('fault')}\n{reply.get('traceback')}"
        module = importlib.import_module(f"widgets.{chapter}")
        expected = browser_kernel.settings_class(module)(**overrides).as_dict()
        assert reply["settings"] == json.loads(json.dumps(expected))
        # the same numpy here and there: the same specification, to the byte
        assert reply["spec"] == json.loads(json.dumps(module.chart(**expected))), chapter


def test_the_browser_follows_the_panels_own_rules_for_its_controls():
    """The chapter's own rules, beside the declarations: measuring shows tokens for text and samples otherwise."""
    from collapse.measuring import MeasuringSettings
    from widgets import measuring

    rules = browser_kernel.panel_rules("measuring")
    assert rules.draw is measuring.chart and rules.caption is measuring.caption
    for model, text in (("markov", True), ("gaussian", False)):
        shown = rules.shown(MeasuringSettings, MeasuringSettings(model=model).as_dict())
        assert shown[MeasuringSettings.label("tokens_per_generation")] is text
        assert shown[MeasuringSettings.label("samples_per_generation")] is not text


def test_refused_settings_give_the_panels_message():
    controls = [{"label": "samples per generation", "value": None, "index": 0},
                {"label": "seeds (runs)", "value": None, "index": 9},  # 1,000 seeds of 10,000 generations: too costly
                {"label": "generations", "value": 10_000, "index": None}]
    reply = json.loads(browser_kernel.draw("telephone", json.dumps(controls)))
    assert "spec" not in reply and "generations" in reply["message"]


def test_controls_map_to_settings_by_label_and_option():
    from collapse.telephone import TelephoneSettings

    controls = [{"label": "variance estimator", "value": None, "index": 1},
                {"label": "regime", "value": None, "index": 3},
                {"label": "fresh real share", "value": 0, "index": None},
                {"label": "random seed", "value": 3, "index": None}]
    values = browser_kernel.settings_from_controls(TelephoneSettings, controls)
    assert values == {"estimator": "unbiased", "regime": "fresh-mix", "real_share": 0.0, "seed": 3}
    assert isinstance(values["real_share"], float)
    shown = browser_kernel.panel_rules("telephone").shown(TelephoneSettings, TelephoneSettings(**values).as_dict())
    assert shown == {"cap (generations' worth)": False, "fresh real share": True}
    with pytest.raises(LookupError, match="labelled 'no such control'"):
        browser_kernel.settings_from_controls(TelephoneSettings, [{"label": "no such control", "value": 1}])


# --- the engine under the browser's own Python: Pyodide itself, run by Node.js -------------------------------------
# The shipped interpreter and wheels (Python 3.12, numpy 2.0.2, 32-bit WebAssembly), run outside a browser: each case
# is drawn by browser_kernel.draw there, and compared with the same chart() here. This is where the browser's
# differences show (an index is 32 bits there: numpy refuses to cast int64 counts to it).
IN_PYODIDE = r"""
const fs = require("fs");
const [files, bundle, cases, out] = process.argv.slice(2);
const { loadPyodide } = require(files + "/pyodide.js");
(async () => {
  const pyodide = await loadPyodide({ indexURL: files + "/" });
  await pyodide.loadPackage(["numpy", "scipy", "pandas"], { messageCallback: () => {} });
  pyodide.unpackArchive(new Uint8Array(fs.readFileSync(bundle)), "zip", { extractDir: "/home/pyodide/book" });
  pyodide.globals.set("CASES_JSON", fs.readFileSync(cases, "utf8"));
  fs.writeFileSync(out, pyodide.runPython(fs.readFileSync(cases + ".py", "utf8")));
})().catch((error) => { console.error(error); process.exit(1); });
"""
# A few settings per chapter, reaching each model and regime the browser can run (Markov text needs nltk).
PYODIDE_CASES = [
    ("telephone", {"seeds": 20}), ("telephone", {"seeds": 20, "regime": "accumulate-subsample"}),
    ("telephone", {"seeds": 20, "regime": "fresh-mix", "estimator": "unbiased"}),
    ("accumulate", {"seeds": 50}), ("accumulate", {"seeds": 50, "model": "gaussian"}),
    ("accumulate", {"seeds": 50, "model": "categorical"}),
    ("capped", {"seeds": 20, "generations": 40}), ("capped", {"seeds": 20, "generations": 40, "model": "gaussian"}),
    ("fresh", {"seeds": 20}), ("fresh", {"seeds": 20, "filter_name": "verifier", "real_share": 0.2}),
    ("gate", {"seeds": 50}), ("gate", {"seeds": 50, "model": "regression", "samples_per_generation": 20}),
    ("gate", {"seeds": 50, "regime": "fresh-mix"}),
    ("feedback", {"seeds": 50}), ("feedback", {"seeds": 50, "remedy": "fresh-crawl"}),
    ("measuring", {"model": "gaussian"}), ("measuring", {"model": "categorical"}),
]


def test_the_engine_under_pyodide_draws_what_the_server_kernel_draws(cached, bundle, tmp_path):
    import shutil

    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no Node.js: apt-get install nodejs")
        pytest.skip("no Node.js to run Pyodide outside a browser")
    assert {chapter for chapter, _ in PYODIDE_CASES} == set(browser_kernel.BROWSER_CHAPTERS)
    (tmp_path / "run.js").write_text(IN_PYODIDE)
    (tmp_path / "cases.json").write_text(json.dumps(PYODIDE_CASES))
    (tmp_path / "cases.json.py").write_text("import json\nBOOK = '/home/pyodide/book'\nCASES = json.loads(CASES_JSON)\n"
                                            + DRAW_CASES + "REPLIES\n")  # runPython's value: the last expression
    done = subprocess.run([node, str(tmp_path / "run.js"), str(cached), str(bundle), str(tmp_path / "cases.json"),
                           str(tmp_path / "replies.json")], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    replies = json.loads((tmp_path / "replies.json").read_text())
    failed = {f"{chapter} {overrides}": reply.get("message") or reply.get("fault")
              for (chapter, overrides), reply in zip(PYODIDE_CASES, replies) if "spec" not in reply}
    assert not failed, f"under Pyodide: {failed}"
    for (chapter, overrides), reply in zip(PYODIDE_CASES, replies):
        module = importlib.import_module(f"widgets.{chapter}")
        ours = json.loads(json.dumps(module.chart(**reply["settings"])))
        assert reply["settings"]["seed"] == browser_kernel.settings_class(module)(**overrides).seed
        # another numpy on another platform: the same numbers within the records' rounding, not to the byte
        browser = reply["spec"]
        assert browser["datasets"].keys() == ours["datasets"].keys()
        for name, rows in ours["datasets"].items():
            assert len(browser["datasets"][name]) == len(rows), f"{chapter} {overrides}: dataset {name}"
            for theirs, mine in zip(browser["datasets"][name], rows):
                for key, value in mine.items():
                    if isinstance(value, float) and isinstance(theirs[key], (int, float)):
                        assert math.isclose(theirs[key], value, rel_tol=2e-5, abs_tol=1e-300), \
                            f"{chapter} {overrides}: dataset {name}, {key}: {theirs[key]} there, {value} here"
                    else:
                        assert theirs[key] == value, f"{chapter} {overrides}: dataset {name}, {key}"


# --- what the reader's browser keeps for its next start (browser_kernel.files_to_keep) ------------------------------
def test_kept_bytecode_is_checked_against_its_source(tmp_path, monkeypatch):
    """The .pyc files an import writes become checked-hash ones: the same bytecode, tied to the source's hash, so
    that a changed source is compiled afresh even when its size and time stamp are those of the old one."""
    import importlib.util

    package = tmp_path / "kept_package"
    package.mkdir()
    (package / "__init__.py").write_text("")
    source = package / "module.py"
    source.write_text("VALUE = 'first'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    importlib.import_module("kept_package.module")
    pyc = Path(importlib.util.cache_from_source(str(source)))
    written = pyc.read_bytes()
    assert int.from_bytes(written[4:8], "little") == 0, "an import writes a timestamp .pyc"

    listing = json.loads(browser_kernel.files_to_keep([str(tmp_path)]))
    kept = pyc.read_bytes()
    assert int.from_bytes(kept[4:8], "little") == browser_kernel.CHECKED_HASH
    assert kept[8:16] == importlib.util.source_hash(source.read_bytes()) and kept[16:] == written[16:]
    paths = {path for path, _ in listing["files"]}
    assert {str(source), str(pyc), str(package / "__init__.py")} <= paths
    assert all(size == Path(path).stat().st_size for path, size in listing["files"])
    assert listing["compiled"] == sum(path.endswith(".pyc") for path in paths) == 2
    only_compiled = json.loads(browser_kernel.files_to_keep([str(tmp_path)], True))
    assert {path for path, _ in only_compiled["files"]} == {path for path in paths if path.endswith(".pyc")}

    # another source of the same size and time stamp: a timestamp .pyc would be taken as current, this one is not
    stamp = source.stat().st_mtime_ns
    source.write_text("VALUE = 'other'\n")
    os.utime(source, ns=(stamp, stamp))
    for name in ("kept_package.module", "kept_package"):
        sys.modules.pop(name)
    importlib.invalidate_caches()
    assert importlib.import_module("kept_package.module").VALUE == "other"
    sys.modules.pop("kept_package.module"), sys.modules.pop("kept_package")


def test_a_pyc_without_its_source_is_not_kept(tmp_path):
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    (cache / f"gone.{sys.implementation.cache_tag}.pyc").write_bytes(b"\0" * 16)
    assert json.loads(browser_kernel.files_to_keep([str(tmp_path)])) == {"files": [], "compiled": 0}


def test_kept_standard_library_bytecode_is_taken_instead_of_compiling(tmp_path, monkeypatch):
    """kept_bytecode: what the zip importer compiled for the modules imported from a zip, written after one start,
    is what it takes on the next instead of compiling the source: shown here by changing the source in the zip in
    between (which the key of the kept copy rules out in the browser: the same Pyodide lock, the same standard
    library)."""
    import zipimport

    from book_assets import kept_bytecode

    monkeypatch.setattr(zipimport, "_get_module_code", zipimport._get_module_code)  # restored after
    archive = tmp_path / "library.zip"

    def write_library(value: str) -> None:
        with zipfile.ZipFile(archive, "w") as library:
            library.writestr("kept_first.py", f"VALUE = {value!r}\n")
            library.writestr("kept_second.py", f"VALUE = {value!r}\n")
        zipimport._zip_directory_cache.pop(str(archive), None)  # (the importer caches a zip's table of contents)
        sys.path_importer_cache.pop(str(archive), None)

    write_library("first")
    monkeypatch.syspath_prepend(str(archive))
    assert importlib.import_module("kept_first").VALUE == "first"
    kept = tmp_path / "stdlib.marshal"
    assert kept_bytecode.keep(str(kept), str(archive)) == 1 and kept.is_file()
    assert kept_bytecode.keep(str(tmp_path / "again"), str(archive), known=1) == 1
    assert not (tmp_path / "again").exists(), "nothing new: nothing written"
    assert kept_bytecode.keep(str(tmp_path / "other"), str(tmp_path / "other.zip")) == 0, "only that zip's modules"

    write_library("changed")
    sys.modules.pop("kept_first")
    assert kept_bytecode.use(str(kept), str(archive)) == 1
    first = importlib.import_module("kept_first")
    assert first.VALUE == "first", "the kept code, not the zip's source"
    assert first.__file__ == str(archive / "kept_first.py") and first.__spec__.origin == first.__file__
    assert importlib.import_module("kept_second").VALUE == "changed", "a module not kept is compiled"
    sys.modules.pop("kept_first"), sys.modules.pop("kept_second")


def test_the_kept_utc_zone_is_utc(tmp_path):
    """browser_kernel.keep_utc_zone: the file dateutil finds first for "UTC" is the UTC zone, read by dateutil and
    by the standard library's own zone reader: no offset and no daylight saving, at any date."""
    import datetime
    import io
    import zoneinfo

    from dateutil import tz

    assert browser_kernel.keep_utc_zone(str(tmp_path)) is True
    kept = (tmp_path / "UTC").read_bytes()
    for zone in (tz.tzfile(io.BytesIO(kept)), zoneinfo.ZoneInfo.from_file(io.BytesIO(kept))):
        for year in (1900, 1970, 2000, 2026, 2100):
            for month in (1, 7):
                moment = datetime.datetime(year, month, 1, 12, tzinfo=zone)
                assert moment.utcoffset() == datetime.timedelta(0) and moment.dst() == datetime.timedelta(0)
                assert moment.tzname() == "UTC"
    assert browser_kernel.keep_utc_zone(str(tmp_path)) is False, "kept already: left as it is"
