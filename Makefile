# The two commands of the README: `make run` (install, then open the app on the bundled demo
# project) and `make test` (install, lint and type-check, then run the whole test suite).
# .ci/run calls `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test lint bench demo clean-cache

$(BIN)/lmapp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,cluster]'
	touch $@

run: $(BIN)/lmapp
	packaging/check-qt-libs $(BIN)/python
	$(BIN)/lmapp --demo

test: $(BIN)/lmapp lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

# ruff (lint + format check) and mypy, configured in pyproject.toml; `ruff format` fixes layout
lint: $(BIN)/lmapp
	$(BIN)/ruff check --quiet .
	$(BIN)/ruff format --check --quiet .
	$(BIN)/mypy

bench: $(BIN)/lmapp
	$(BIN)/lmapp bench

# regenerate the bundled demo project (lmapp/resources/demo.lmapp, about 15 s)
demo: $(BIN)/lmapp
	$(BIN)/python -m lmapp.gui.window.demo

# numba caches compiled kernels beside the sources; a caller's cache does not notice a changed
# callee, so clear it after editing lmapp/engines during development.
clean-cache:
	find lmapp -name '*.nbi' -delete -o -name '*.nbc' -delete

# Packaging (README "Install"): the wheel and sdist in dist/, the one-folder app
# dist/lmapp-bundle/ (PyInstaller; work files in build/bundle/), their smoke tests (also run by
# tests/test_packaging.py) and the icon PNGs drawn from lmapp/resources/icons/lmapp.svg.
PACKAGING_TOOLS := 'build>=1.2' 'pyinstaller>=6.10' 'pyinstaller-hooks-contrib>=2025.1'
.PHONY: wheel bundle smoke-wheel smoke-bundle icons

$(BIN)/pyinstaller: $(BIN)/lmapp
	$(BIN)/pip install --quiet $(PACKAGING_TOOLS)
	touch $@

wheel: $(BIN)/pyinstaller
	rm -f dist/lmapp-*.whl dist/lmapp-*.tar.gz
	$(BIN)/python -m build --outdir dist .

bundle: $(BIN)/pyinstaller
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/bundle \
	  packaging/lmapp.spec

smoke-wheel: wheel
	packaging/smoke-test wheel dist/lmapp-*.whl

smoke-bundle: bundle
	packaging/smoke-test bundle dist/lmapp-bundle/lmapp

icons: $(BIN)/lmapp
	$(BIN)/python packaging/make-icons.py
