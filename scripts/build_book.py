"""Build the book as `make book` does: warnings are errors, every chapter is executed (from the cache if unchanged).

    python scripts/build_book.py [extra jupyter-book arguments]
    python scripts/build_book.py --student     # the student edition (`make student`): no solutions,
                                                # into _build/student/_build/html

Sphinx re-reads, and jupyter-book's cache re-executes, a chapter whose source changed, but neither notices a change
to the modules a chapter imports. So both the execution cache and Sphinx's saved environment are emptied whenever
the engine (`collapse/`) or the widgets (`widgets/`) differ from the last successful build.
"""

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
STAMP = BUILD / ".jupyter_cache.code-hash"
STUDENT = BUILD / "student"


def code_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("collapse/**/*.py"), *ROOT.glob("widgets/**/*.py")]):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def student_arguments() -> list[str]:
    """jupyter-book arguments for the student edition: _config.yml with solutions removed (book_assets/teaching.py),
    built into its own folder but executed from, and into, the full edition's cache."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config.setdefault("execute", {})["cache"] = str(BUILD / ".jupyter_cache")
    extensions = config["sphinx"].get("local_extensions", {})
    config["sphinx"]["local_extensions"] = {name: str(ROOT / path) for name, path in extensions.items()}
    settings = config["sphinx"].setdefault("config", {})
    settings["student_edition"] = True
    settings["html_copy_source"] = False  # the page sources hold the solutions
    STUDENT.mkdir(parents=True, exist_ok=True)
    student_config = STUDENT / "_config.yml"
    student_config.write_text(yaml.safe_dump(config, sort_keys=False))
    return ["--config", str(student_config), "--path-output", str(STUDENT)]


def main(extra: list[str]) -> int:
    if "--student" in extra:
        extra = [argument for argument in extra if argument != "--student"] + student_arguments()
    current = code_hash()
    if not STAMP.exists() or STAMP.read_text() != current:
        for saved in (BUILD / ".jupyter_cache", BUILD / ".doctrees", STUDENT / "_build" / ".doctrees"):
            shutil.rmtree(saved, ignore_errors=True)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    done = subprocess.run([str(jupyter_book), "build", str(ROOT), "-W", "-n", "--keep-going", *extra], cwd=ROOT)
    if done.returncode == 0:
        STAMP.write_text(current)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
