"""Shared fixtures: the book, built once per test session exactly as `make book` builds it."""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class BuiltBook:
    html: Path
    log: str  # everything jupyter-book printed ("" when an existing build was given with BOOK_HTML)
    returncode: int


@pytest.fixture(scope="session")
def built_book() -> BuiltBook:
    """Build the book as `make book` does (warnings as errors, every chapter executed), or use $BOOK_HTML if set."""
    if os.environ.get("BOOK_HTML"):
        return BuiltBook(Path(os.environ["BOOK_HTML"]), "", 0)
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_book.py")],
                          capture_output=True, text=True, cwd=ROOT)
    book = BuiltBook(ROOT / "_build" / "html", done.stdout + done.stderr, done.returncode)
    if book.returncode != 0:
        pytest.fail(f"jupyter-book build -W failed (exit {book.returncode}):\n{book.log[-4000:]}")
    return book
