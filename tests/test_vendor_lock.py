"""The vendored browser libraries match book_assets/vendor.lock.json and the versions altair asks for."""

import importlib.util
import json
import shutil
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "vendor_assets", Path(__file__).resolve().parents[1] / "scripts" / "vendor_assets.py"
)
vendor_assets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(vendor_assets)


def test_vendored_files_match_the_lock():
    assert vendor_assets.verify_errors() == []


def test_a_corrupted_copy_is_detected(tmp_path):
    vendor = tmp_path / "npm"
    shutil.copytree(vendor_assets.VENDOR, vendor)
    lock = json.loads(vendor_assets.LOCK.read_text())
    (vendor / "vega/build/vega.min.js").write_text("tampered")
    (vendor / "requirejs/require.js").unlink()
    (vendor / "extra.js").write_text("")
    lock["vega-lite"]["version"] = "5.0.0"
    (tmp_path / "lock.json").write_text(json.dumps(lock))

    errors = "\n".join(vendor_assets.verify_errors(vendor, tmp_path / "lock.json"))
    assert "sha256 mismatch: vega/build/vega.min.js" in errors
    assert "missing: requirejs/require.js" in errors
    assert "not in the lock: extra.js" in errors
    assert "vega-lite 5.0.0 does not match altair's VEGALITE_VERSION" in errors
