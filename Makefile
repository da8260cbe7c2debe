# Two entry points on a fresh machine (Python 3.11 + make): `make run`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# vpdq builds against FFmpeg's development libraries; the tests generate clips with ffmpeg;
# the dashboard's end-to-end tests drive Debian's Chromium through Playwright; the store
# tests start a private PostgreSQL server (tests/pg.py).
DEBIAN_PACKAGES := ffmpeg pkg-config cmake libavcodec-dev libavformat-dev libavdevice-dev \
	libavutil-dev libswscale-dev libswresample-dev libavfilter-dev chromium chromium-driver \
	postgresql

.PHONY: run test lint bench clean system-packages

system-packages:
	@if pkg-config --exists libavcodec libavformat libswscale 2>/dev/null && command -v ffmpeg >/dev/null \
		&& [ -x /usr/bin/chromium ] && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES); \
	else echo "Please install: $(DEBIAN_PACKAGES) (Debian/Ubuntu names)"; exit 1; fi

$(STAMP): pyproject.toml | system-packages
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/blockfirst $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict core adapters bots

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.bench_hashing
	$(BIN)/python -m bench.bench_index
	$(BIN)/python -m bench.bench_quality
	$(BIN)/python -m bench.bench_engine
	$(BIN)/python -m bench.bench_video
	$(BIN)/python -m bench.bench_dashboard
	$(BIN)/python -m bench.bench_memory
	$(BIN)/python -m bench.bench_scale import --lines 1000000
	$(BIN)/python -m bench.bench_scale processes

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
