"""scripts/build_book.py empties the execution cache when what a chapter imports or reads changes (code_hash)."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_build_script():
    spec = importlib.util.spec_from_file_location("build_book", ROOT / "scripts" / "build_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_tree(root: Path) -> None:
    for relative, text in {"collapse/__init__.py": "x = 1\n", "collapse/models/vae.py": "y = 2\n",
                           "widgets/vae.py": "z = 3\n", "data/vae_results.json": '{"runs": []}\n',
                           "data/corpora.json": "{}\n", "chapters/vae.md": "# VAE\n"}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_code_hash_covers_engine_widgets_and_data(tmp_path):
    code_hash = load_build_script().code_hash
    make_tree(tmp_path)
    before = code_hash(tmp_path)
    assert code_hash(tmp_path) == before  # the same tree, the same key
    for relative in ("collapse/models/vae.py", "widgets/vae.py", "data/vae_results.json"):
        path = tmp_path / relative
        original = path.read_text()
        path.write_text(original + " ")
        assert code_hash(tmp_path) != before, f"a change to {relative} must empty the execution cache"
        path.write_text(original)
        assert code_hash(tmp_path) == before
    (tmp_path / "data" / "new.csv").write_text("a,b\n")  # a new data file, too
    assert code_hash(tmp_path) != before


def test_code_hash_ignores_bytecode_and_chapters(tmp_path):
    # Chapters are keyed by jupyter-cache itself (their source); bytecode changes whenever Python runs.
    code_hash = load_build_script().code_hash
    make_tree(tmp_path)
    before = code_hash(tmp_path)
    (tmp_path / "collapse" / "__pycache__").mkdir()
    (tmp_path / "collapse" / "__pycache__" / "vae.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "chapters" / "vae.md").write_text("# VAE, edited\n")
    assert code_hash(tmp_path) == before


def test_moving_bytes_between_files_changes_the_hash(tmp_path):
    code_hash = load_build_script().code_hash
    make_tree(tmp_path)
    before = code_hash(tmp_path)
    (tmp_path / "data" / "corpora.json").write_text("{}\n" + '{"runs": []}\n')
    (tmp_path / "data" / "vae_results.json").write_text("")
    assert code_hash(tmp_path) != before
