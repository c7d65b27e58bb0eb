# Lotline — two commands: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PYTHONPATH := $(CURDIR)
# deploy/infra.sh reads LOTLINE_PG_PORT / LOTLINE_KAFKA_PORT; the Python settings read the
# nested names. Set the infra ones and the services follow.
ifdef LOTLINE_PG_PORT
export LOTLINE_PG__PORT := $(LOTLINE_PG_PORT)
endif
ifdef LOTLINE_KAFKA_PORT
export LOTLINE_KAFKA__BOOTSTRAP_SERVERS := 127.0.0.1:$(LOTLINE_KAFKA_PORT)
endif

.PHONY: run test test-collect setup bootstrap browser infra-up infra-down up down status seed lint unit integration e2e bench bench-tools bench-trace chaos clean-data backup restore

## make run: set up, start Kafka + PostgreSQL, all services and the gateway; seed demo data;
## stays in the foreground — Ctrl-C stops every process (Kafka/PostgreSQL keep running: make down).
run: setup infra-up bootstrap
	$(PY) deploy/supervisor.py run $(PY) -m services.cli demo seed

## make test: set up, start the servers it needs, lint, type-check, then the whole suite.
## The suite's PostgreSQL skips fsync for speed (LOTLINE_PG_DURABLE=0); make run's is durable.
## Three pytest-xdist workers (TEST_WORKERS) each take a whole file at a time, in the order
## tests/conftest.py gives (run_order); each has its own databases, topics and ports. The
## suite mostly waits (for processes, brokers, deadlines), so three share two cores well.
## The servers start while lint and the type check run (each step's output kept together),
## and so does a first collection of the suite (test-collect).
TEST_WORKERS ?= 3
PYTEST_PARALLEL = -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder
test: export LOTLINE_PG_DURABLE ?= 0
## The suite's brokers compile with the JVM's quick compiler only: a broker spent about half
## its CPU in the optimising compiler's warm-up (start 7.0 -> 3.9 s, three e2e files 8.5 ->
## 4.0 s measured), which a run this short never earns back. make run and make bench keep it.
test: export LOTLINE_KAFKA_JAVA_OPTS ?= -XX:TieredStopAtLevel=1
test: export PYTHONDONTWRITEBYTECODE =
test: setup
	@$(MAKE) --no-print-directory -j4 --output-sync=target infra-up browser lint test-collect
	$(PY) -m pytest $(PYTEST_PARALLEL)

## pytest rewrites the asserts of every test module it imports (about 14 s of CPU for the
## suite) and keeps the result in __pycache__: collected once here, beside the type check,
## the workers read it there instead of each rewriting the whole suite again at once. A
## collection error is reported by the run itself.
test-collect:
	@$(PY) -m pytest --collect-only -q -p no:cacheprovider 2>&1 | tail -1

setup: $(STAMP)
	@deploy/infra.sh fetch

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is missing: Lotline needs Python 3.11"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements-dev.txt -c constraints.txt
	@touch $(STAMP)

infra-up:
	deploy/infra.sh start

## The gateway's database, the first admin (its password printed once) and the CLI's key.
CLI_CONFIG ?= $(or $(LOTLINE_CLI_CONFIG),$(HOME)/.config/lotline/cli.toml)
bootstrap: setup infra-up
	$(PY) -m services.gateway.manage bootstrap --cli-config "$(CLI_CONFIG)"

## Debian's chromium for the dashboard's browser tests (apt-get when missing).
browser:
	@deploy/browser.sh

infra-down:
	deploy/infra.sh stop

## Background mode: make up / make status / make down.
up: setup infra-up bootstrap
	$(PY) deploy/supervisor.py up
	$(PY) -m services.cli demo seed

down:
	-$(PY) deploy/supervisor.py down
	deploy/infra.sh stop

status:
	-deploy/infra.sh status
	$(PY) deploy/supervisor.py status

seed:
	$(PY) -m services.cli demo seed

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports
	$(PY) deploy/asyncapi.py --check

unit: setup
	$(PY) -m pytest tests/unit

integration: setup infra-up
	$(PY) -m pytest tests/integration

e2e: setup infra-up
	$(PY) -m pytest tests/e2e

## Orders per second, end to end (a benchmark, not a test): the whole system in a namespace
## of its own, open-loop signed Shopify webhooks at 10–200 orders/s, beside pgbench -N and
## Kafka's producer perf test; writes bench/results/throughput-*.json and .png.
## Other rates: make bench BENCH_ARGS="--rates 10,25,50 --duration 20"
## Two processes per consuming service: make bench BENCH_ARGS="--instances 2"
bench: setup infra-up bench-tools
	$(PY) -m bench.throughput $(BENCH_ARGS)

## The whole system under faults (a check, not a benchmark): orders in (webhooks with
## redeliveries and cancellations, manual orders, goods receipts) while every process is
## SIGKILLed and started again by deploy/supervisor.py, the broker and PostgreSQL restarted
## once; then every database is checked (lost, duplicated, oversold, ledger, settled, outbox).
## Exits non-zero on a violation; writes bench/results/chaos-*.json. ~15–20 minutes here.
## A smaller one: make chaos CHAOS_ARGS="--orders 500 --kills 1 --no-infra"
CHAOS_ARGS ?= --orders 3600 --rate 4 --kills 3
chaos: setup infra-up
	$(PY) -m bench.chaos $(CHAOS_ARGS)

## Every service's database dumped with its consumers' Kafka offsets (while running);
## restored onto empty databases with every Lotline process stopped (make down), after
## which the system carries on from the broker. BACKUP_DIR defaults to backups/<UTC time>.
backup: setup infra-up
	$(PY) -m deploy.backup backup $(if $(BACKUP_DIR),--to "$(BACKUP_DIR)")

restore: setup infra-up
	@test -n "$(FROM)" || { echo "usage: make restore FROM=backups/<time>"; exit 2; }
	$(PY) -m deploy.backup restore "$(FROM)" --yes

## Kafka's perf tools (kafka-tools, not needed by the broker) next to the broker's jars.
KAFKA_TOOLS_VERSION ?= 4.4.0
bench-tools:
	@ls .cache/kafka-tools/kafka-tools-*.jar >/dev/null 2>&1 || mvn -B -q dependency:copy \
		-Dartifact=org.apache.kafka:kafka-tools:$(KAFKA_TOOLS_VERSION) -DoutputDirectory=.cache/kafka-tools

## Time traces over a generated history of 1M+ stock movements and 100k orders (not a test).
bench-trace: setup infra-up
	$(PY) bench/trace_benchmark.py

## Delete Kafka and PostgreSQL data (the jars cache stays).
clean-data:
	deploy/infra.sh reset
