"""Build the book as `make book` does: warnings are errors, every chapter is executed (from the cache if unchanged).

    python scripts/build_book.py [extra jupyter-book arguments]

Sphinx re-reads, and jupyter-book's cache re-executes, a chapter whose source changed, but neither notices a change
to the modules a chapter imports. So both the execution cache and Sphinx's saved environment are emptied whenever
the engine (`collapse/`) or the widgets (`widgets/`) differ from the last successful build.
"""

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
STAMP = BUILD / ".jupyter_cache.code-hash"


def code_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted([*ROOT.glob("collapse/**/*.py"), *ROOT.glob("widgets/**/*.py")]):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def main(extra: list[str]) -> int:
    current = code_hash()
    if not STAMP.exists() or STAMP.read_text() != current:
        for saved in (".jupyter_cache", ".doctrees"):
            shutil.rmtree(BUILD / saved, ignore_errors=True)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    done = subprocess.run([str(jupyter_book), "build", str(ROOT), "-W", "-n", "--keep-going", *extra], cwd=ROOT)
    if done.returncode == 0:
        STAMP.write_text(current)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
