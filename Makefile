# The two commands of the README: `make run` (install, then open the app on the bundled demo
# project) and `make test` (install, then run the whole test suite). .ci/run calls `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test bench demo clean-cache

$(BIN)/lmapp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,cluster]'
	touch $@

run: $(BIN)/lmapp
	packaging/check-qt-libs $(BIN)/python
	$(BIN)/lmapp --demo

test: $(BIN)/lmapp
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

bench: $(BIN)/lmapp
	$(BIN)/lmapp bench

# regenerate the bundled demo project (lmapp/resources/demo.lmapp, about 15 s)
demo: $(BIN)/lmapp
	$(BIN)/python -m lmapp.gui.window.demo

# numba caches compiled kernels beside the sources; a caller's cache does not notice a changed
# callee, so clear it after editing lmapp/engines during development.
clean-cache:
	find lmapp -name '*.nbi' -delete -o -name '*.nbc' -delete
