# Central Asia Critical Minerals Atlas: the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 5000
HOST ?= 127.0.0.1
# Raw data is read in place: ATLAS_RAW_DIR if set, else data/raw/ if it holds files, else the
# workplace's staged copy ../shared/data if present.
ATLAS_RAW_DIR ?= $(if $(wildcard data/raw/*),$(CURDIR)/data/raw,$(if $(wildcard ../shared/data),$(abspath ../shared/data),$(CURDIR)/data/raw))
export ATLAS_RAW_DIR
STORE := data/atlas.gpkg
# The analysis is published as data/analysis -> data/analysis-<generation>/{analysis.gpkg,rasters/}.
ANALYSIS := data/analysis/analysis.gpkg
# Everything the store is built from: code of layers/, the manifest, our tables, and the raw files present.
STORE_INPUTS := $(wildcard layers/*.py layers/*/*.py) data/sources.toml $(wildcard data/curated/*.csv) \
	$(wildcard data/reference/*.csv) $(shell find "$(ATLAS_RAW_DIR)" -type f 2>/dev/null | sed 's/ /\\ /g')

.PHONY: run dev test build data lint bench bench-deps clean translations postgis

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(STORE): $(VENV)/.installed $(STORE_INPUTS)
	$(PY) -m layers.build

$(ANALYSIS): $(STORE) $(wildcard geo/*.py)
	$(PY) -m geo.analyze

build: $(VENV)/.installed  ## rebuild the store and the corridor analysis now, whatever their age
	$(PY) -m layers.build
	$(PY) -m geo.analyze

run: $(ANALYSIS)  ## create the environment, build the store and analysis if their inputs are newer, serve (gunicorn)
	ATLAS_HOST=$(HOST) ATLAS_PORT=$(PORT) $(PY) -m webapp.serve

dev: $(ANALYSIS)  ## the same, on Flask's development server, reloading on code changes
	$(PY) -m flask --app "webapp:create_app()" run --debug --reload --host $(HOST) --port $(PORT)

data: $(VENV)/.installed  ## fetch missing raw sources that have a direct download URL
	$(PY) -m layers.fetch

test: $(VENV)/.installed postgis  ## lint and run every test (the browser test needs Debian chromium; the backend tests the private PostGIS cluster)
	$(VENV)/bin/ruff check .
	ATLAS_TEST_DATABASE_URL="$$(scripts/postgis.sh url)" $(PY) -m pytest

postgis:  ## install PostgreSQL + PostGIS (Debian) if missing, start the private cluster in .postgis/, print ATLAS_DATABASE_URL
	scripts/postgis.sh start

translations: $(VENV)/.installed  ## after changing UI text: extract messages, update the Russian catalogue, compile it
	$(VENV)/bin/pybabel extract -F webapp/translations/babel.cfg -k lazy_gettext --no-location --omit-header \
		-o webapp/translations/messages.pot .
	$(VENV)/bin/pybabel update -i webapp/translations/messages.pot -d webapp/translations -l ru --no-fuzzy-matching
	$(VENV)/bin/pybabel compile -d webapp/translations

bench-deps:  ## system libraries the pygeoapi side of bench/bench_ogc.py needs (Debian, as root)
	test -e /usr/lib/x86_64-linux-gnu/mod_spatialite.so || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsqlite3-mod-spatialite)

bench: $(VENV)/.installed bench-deps postgis $(ANALYSIS)  ## benchmarks (figures only); the load test serves data/atlas.gpkg
	$(PY) bench/bench_build.py
	$(PY) bench/bench_linkage.py
	$(PY) bench/bench_api.py
	$(PY) bench/bench_corridor_distance.py --postgis
	$(PY) bench/bench_backends.py --sizes 10000,100000
	$(PY) bench/bench_ogc.py
	$(PY) bench/bench_large_national.py --rows 200000
	$(PY) bench/bench_scale.py --sizes 10000,100000
	$(PY) bench/bench_linkage_buckets.py --sizes 1000,2000,4000
	$(PY) bench/bench_load.py --clients 50 --seconds 60 --compare-dev

clean:
	scripts/postgis.sh remove
	rm -rf $(VENV) $(STORE) data/analysis data/analysis-* data/.analysis-* data/.analysis.lock .pytest_cache .ruff_cache
	# the flat layout before data/analysis/
	rm -rf data/analysis.gpkg data/rasters
