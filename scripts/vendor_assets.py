"""Vendor the browser libraries the built book loads, so that it needs no CDN.

    python scripts/vendor_assets.py refresh   # needs npm and the npm registry
    python scripts/vendor_assets.py verify    # offline, pure Python

`refresh` packs each package below with `npm pack` (no dependency resolution), checks the
tarball's sha512 against npm's integrity (and against the lock when the version is unchanged),
extracts only the kept files into VENDOR and rewrites LOCK. `verify` checks that VENDOR holds
exactly the locked files with their sha256, that the table below and the lock agree, and that
vega, vega-lite and vega-embed satisfy the versions altair asks for.
"""

import argparse
import base64
import fnmatch
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "book_assets" / "static" / "npm"
LOCK = ROOT / "book_assets" / "vendor.lock.json"

# npm name -> (version, globs of kept files inside the package; `*` does not cross `/`).
# Files land in VENDOR/<name>/<path inside the package>.
PACKAGES = {
    "vega": ("6.4.0", ["LICENSE", "build/vega.min.js"]),
    "vega-lite": ("6.4.1", ["LICENSE", "build/vega-lite.min.js"]),
    "vega-embed": ("7.3.0", ["LICENSE", "build/vega-embed.min.js"]),
    "requirejs": ("2.3.4", ["require.js"]),  # licence is in the file's header
    # embed-amd.js asks for the FontAwesome woff2 files next to itself (the browser never
    # needs the eot/ttf/woff/svg fallbacks listed after them).
    "@jupyter-widgets/html-manager": ("1.0.6", ["LICENSE", "dist/embed-amd.js", "dist/*.woff2"]),
    # The combined TeX+MathML CHTML component, plus what it loads on demand: TeX extensions
    # (autoload), MathML extensions, menu/accessibility parts (with the English speech rules
    # the explorer reads), and the CHTML fonts.
    "mathjax": (
        "3.2.2",
        [
            "LICENSE",
            "es5/tex-mml-chtml.js",
            "es5/input/tex/extensions/*.js",
            "es5/input/mml/extensions/*.js",
            "es5/ui/*.js",
            "es5/a11y/*.js",
            "es5/sre/mathmaps/base.json",
            "es5/sre/mathmaps/en.json",
            "es5/output/chtml/fonts/woff-v2/*.woff",
        ],
    ),
    "thebe": ("0.9.3", ["lib/*.js", "lib/*.LICENSE.txt", "lib/thebe.css"]),  # no source maps
}

# altair's name for each library whose version it checks in the page.
ALTAIR_VERSIONS = {"vega": "VEGA_VERSION", "vega-lite": "VEGALITE_VERSION", "vega-embed": "VEGAEMBED_VERSION"}


def _kept(path, patterns):
    return any(fnmatch.fnmatchcase(path, p) and path.count("/") == p.count("/") for p in patterns)


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _load_lock():
    return json.loads(LOCK.read_text()) if LOCK.exists() else {}


def refresh():
    old = _load_lock()
    lock = {}
    with tempfile.TemporaryDirectory() as tmp:
        packed = {}
        for name, (version, patterns) in PACKAGES.items():
            out = subprocess.run(
                ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", tmp],
                cwd=tmp, capture_output=True, text=True, check=True,
            ).stdout
            info = json.loads(out)[0]
            tarball = Path(tmp) / info["filename"]
            integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
            if integrity != info["integrity"]:
                sys.exit(f"{name}@{version}: tarball sha512 {integrity} != npm's {info['integrity']}")
            if old.get(name, {}).get("version") == version and old[name]["integrity"] != integrity:
                sys.exit(f"{name}@{version}: registry tarball changed since the lock was written")
            packed[name] = (version, patterns, tarball, integrity)

        # Only replace the vendor folder once every package has been fetched and checked.
        shutil.rmtree(VENDOR, ignore_errors=True)
        for name, (version, patterns, tarball, integrity) in packed.items():
            files = {}
            with tarfile.open(tarball) as tar:
                for member in tar.getmembers():
                    rel = member.name.removeprefix("package/")
                    if member.name == "package/package.json":
                        licence = json.load(tar.extractfile(member))["license"]
                    if member.isfile() and _kept(rel, patterns):
                        dest = VENDOR / name / rel
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        dest.write_bytes(tar.extractfile(member).read())
                        files[f"{name}/{rel}"] = _sha256(dest)
            for p in patterns:
                if not any(_kept(f.removeprefix(f"{name}/"), [p]) for f in files):
                    sys.exit(f"{name}@{version}: pattern {p!r} kept no file")
            lock[name] = {"version": version, "integrity": integrity, "license": licence, "files": dict(sorted(files.items()))}
    LOCK.write_text(json.dumps(lock, indent=2) + "\n")
    print(f"wrote {LOCK.relative_to(ROOT)}: {sum(len(p['files']) for p in lock.values())} files")


def verify_errors(vendor=VENDOR, lock_path=LOCK):
    """Return a list of problems (empty when the vendored files are as locked)."""
    import altair as alt

    errors = []
    lock = json.loads(Path(lock_path).read_text())
    if {n: v for n, (v, _) in PACKAGES.items()} != {n: p["version"] for n, p in lock.items()}:
        errors.append("the lock's packages/versions differ from PACKAGES in scripts/vendor_assets.py: run refresh")
    listed = {}
    for package in lock.values():
        listed.update(package["files"])
    for rel, digest in listed.items():
        path = Path(vendor) / rel
        if not path.is_file():
            errors.append(f"missing: {rel}")
        elif _sha256(path) != digest:
            errors.append(f"sha256 mismatch: {rel}")
    for path in sorted(Path(vendor).rglob("*")):
        if path.is_file() and path.relative_to(vendor).as_posix() not in listed:
            errors.append(f"not in the lock: {path.relative_to(vendor).as_posix()}")
    # altair pins the major version of vega/vega-embed ("6", "7") and the full version of
    # vega-lite: the vendored version must equal it or start with it.
    for name, attr in ALTAIR_VERSIONS.items():
        wanted, have = getattr(alt, attr), lock.get(name, {}).get("version", "")
        if not (have == wanted or have.startswith(wanted + ".")):
            errors.append(f"{name} {have} does not match altair's {attr} = {wanted!r}")
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["refresh", "verify"])
    if parser.parse_args().command == "refresh":
        refresh()
    errors = verify_errors()
    for error in errors:
        print(f"vendor_assets: {error}", file=sys.stderr)
    if errors:
        sys.exit(1)
    print(f"vendor_assets: {VENDOR.relative_to(ROOT)} matches {LOCK.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
