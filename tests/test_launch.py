"""Binder: repo2docker's own code turns binder/ into a Dockerfile (no container engine needed) that installs the
book's pins with CPU-only torch, and runs postBuild, which fetches the corpus."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from tests.conftest import ROOT

CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"


def requirement_lines(path: Path) -> list[str]:
    """Every non-comment line pip reads from a requirements file, following `-r` as pip does (relative to the file)."""
    lines = []
    for line in path.read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-r "):
            lines += requirement_lines(path.parent / line.removeprefix("-r ").strip())
        else:
            lines.append(line)
    return lines


@pytest.fixture(scope="module")
def dockerfile() -> str:
    beside_python = Path(sys.executable).with_name("jupyter-repo2docker")
    repo2docker = beside_python if beside_python.exists() else shutil.which("jupyter-repo2docker")
    if repo2docker is None:
        message = "jupyter-repo2docker is missing: pip install -r requirements-test.txt"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    # --no-build: repo2docker picks the buildpack and prints the Dockerfile it would build, without Docker.
    done = subprocess.run([str(repo2docker), "--no-build", "--debug", str(ROOT)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr  # the Dockerfile, then repo2docker's log


def test_repo2docker_builds_from_binder_folder(dockerfile):
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in dockerfile
    assert 'pip install --no-cache-dir -r "requirements.txt"' not in dockerfile  # the root file is not read directly
    assert "Building conda environment for python=3.11" in dockerfile  # from binder/runtime.txt
    # The requirements include ../requirements.txt and its `-e .`, so the whole repository is copied first.
    assert dockerfile.index(" src/ ${REPO_DIR}/") < dockerfile.index('-r "binder/requirements.txt"')
    assert dockerfile.index('-r "binder/requirements.txt"') < dockerfile.index("./binder/postBuild")


def test_postbuild_fetches_the_corpus():
    post_build = ROOT / "binder" / "postBuild"
    assert os.access(post_build, os.X_OK)
    assert "python -m collapse.text fetch" in post_build.read_text()


def test_binder_requirements_are_the_root_pins_with_cpu_torch():
    lines = requirement_lines(ROOT / "binder" / "requirements.txt")
    root = requirement_lines(ROOT / "requirements.txt")
    assert f"--extra-index-url {CPU_TORCH_INDEX}" in lines
    assert not any(line.startswith(("--index-url", "-i ")) for line in lines)  # PyPI stays the main index
    assert set(root) <= set(lines) and "-e ." in lines
    pins = [Requirement(line) for line in lines if not line.startswith("-")]
    assert not [pin.name for pin in pins if pin.name.startswith("nvidia")]
    assert all(len(pin.specifier) == 1 and next(iter(pin.specifier)).operator == "==" for pin in pins)
    torch = next(pin for pin in pins if pin.name == "torch")
    # PEP 440: a pin without a local label matches the CPU index's `+cpu` build, which sorts after the plain
    # version, so pip takes it over PyPI's CUDA build.
    pinned = Version(next(iter(torch.specifier)).version)
    assert torch.specifier.contains(f"{pinned}+cpu") and Version(f"{pinned}+cpu") > pinned
