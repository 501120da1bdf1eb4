# skillcert — every target a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: help run dev test openapi-lint test-pg fmt fmt-check clippy test-rust test-frontend build build-rust frontend frontend-deps test-browser openapi openapi-check bench bench-healthz bench-list bench-create bench-approve bench-import bench-pdf bench-lookup

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

SKILLCERT := target/release/skillcert

NPM ?= npm
# `skillcert serve` serves the built SPA from here (one origin for the app and the API).
export SKILLCERT__SERVER__STATIC_DIR ?= $(CURDIR)/frontend/dist

run: build ## Build, migrate, seed the demo accounts and serve the app and API on SKILLCERT__SERVER__BIND (default 127.0.0.1:8080)
	$(SKILLCERT) migrate
	$(SKILLCERT) seed-demo
	@echo "skillcert: open http://$${SKILLCERT__SERVER__BIND:-127.0.0.1:8080}/ (demo accounts in README; password Demo@2026)"
	$(SKILLCERT) serve

dev: build-rust frontend-deps ## The API on 127.0.0.1:8080 and Vite (hot reload, proxy to the API) on 127.0.0.1:5173
	$(SKILLCERT) migrate
	$(SKILLCERT) seed-demo
	$(SKILLCERT) serve & trap 'kill %1' EXIT; cd frontend && $(NPM) run dev

test: fmt-check clippy openapi-check openapi-lint test-rust test-frontend test-browser ## Every check CI runs: formatting, lints, contract, all tests (the black-box suite e2e/scenarios runs in test-rust against target/debug/skillcert)

fmt: ## Format the Rust code
	$(CARGO) fmt --all

fmt-check: ## Fail when the Rust code is not formatted
	$(CARGO) fmt --all -- --check

clippy: ## Lints, warnings as errors (unwrap/expect/panic outside tests are warnings)
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

test-rust: ## Rust tests of every crate (on PostgreSQL too when TEST_DATABASE_URL is set)
	$(CARGO) test --workspace --locked

test-pg: ## The Rust tests on SQLite and on this machine's PostgreSQL (127.0.0.1:5432)
	TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test $(CARGO) test --workspace --locked

openapi: ## Regenerate openapi/openapi.json from the code
	$(CARGO) run --quiet --locked -p skillcert-server --bin skillcert -- openapi --out openapi/openapi.json

openapi-check: ## Fail when openapi/openapi.json is stale
	$(CARGO) run --quiet --locked -p skillcert-server --bin skillcert -- openapi --check --out openapi/openapi.json

openapi/node_modules/.package-lock.json: openapi/package-lock.json
	cd openapi && $(NPM) ci --no-audit --no-fund

openapi-lint: openapi/node_modules/.package-lock.json ## Lint openapi/openapi.json with Redocly's recommended rules (@redocly/cli pinned in openapi/package.json); fails on any error
	cd openapi && $(NPM) run --silent lint

build: build-rust frontend ## Release build of every crate and of the SPA

build-rust: ## Release build of every crate
	$(CARGO) build --workspace --release --locked

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && $(NPM) ci --no-audit --no-fund

frontend-deps: frontend/node_modules/.package-lock.json ## Install the SPA's npm packages (npm ci) when its lockfile changed

frontend: frontend-deps ## Build the SPA into frontend/dist (type check, then Vite)
	cd frontend && $(NPM) run build

test-frontend: frontend-deps ## SPA: generated API types match openapi.json, type check, vitest
	cd frontend && $(NPM) run check:types && $(NPM) run typecheck && $(NPM) test

e2e/browser/node_modules/.package-lock.json: e2e/browser/package-lock.json
	cd e2e/browser && $(NPM) ci --no-audit --no-fund

# The debug binary (built by the Rust tests already) is enough for the browser; set
# SKILLCERT_BIN=../../target/release/skillcert to test the release one.
test-browser: frontend e2e/browser/node_modules/.package-lock.json ## Browser tests: Playwright in Debian's Chromium against the real binary and the built SPA; screenshots in e2e/browser/screenshots/
	$(CARGO) build --locked -p skillcert-server
	cd e2e/browser && SKILLCERT_BIN=$${SKILLCERT_BIN:-../../target/debug/skillcert} $(NPM) test

bench: bench-healthz bench-list bench-create bench-import bench-approve bench-pdf bench-lookup ## All seven benchmarks of BENCHMARKS.md (S1–S7; release build, about an hour); each writes its section of docs/benchmarks.md, then one combined table is printed and written at its top
	target/release/skillcert-bench summary --out docs/benchmarks.md

bench-healthz: ## S1: GET /healthz through the full middleware stack vs a bare actix-web hello world, 64 connections with wrk (release build; about a minute)
	$(CARGO) build --release --locked -p skillcert-server -p skillcert-bench
	target/release/skillcert-bench healthz --out docs/benchmarks.md

bench-list: ## S2: an institution's batch (page 20) and candidate (page 50) lists, 64 connections with wrk, on 500,000 seeded candidates, SQLite and PostgreSQL (release build; several minutes)
	$(CARGO) build --release --locked -p skillcert-server -p skillcert-bench
	target/release/skillcert-bench list --pg "$(BENCH_PG_URL)" --out docs/benchmarks.md

bench-create: ## S3: create batches through the API (wrk POST) vs raw inserts of the same rows, SQLite and PostgreSQL (release build; several minutes)
	$(CARGO) build --release --locked -p skillcert-server -p skillcert-bench
	target/release/skillcert-bench create --pg "$(BENCH_PG_URL)" --out docs/benchmarks.md

bench-approve: ## S5: concurrent plan approvals through the API vs raw UPDATE + INSERT transactions, SQLite and PostgreSQL (release build; several minutes)
	$(CARGO) build --release --locked -p skillcert-server -p skillcert-bench
	target/release/skillcert-bench approve --pg "$(BENCH_PG_URL)" --out docs/benchmarks.md

bench-import: ## S4: import 10,000- and 50,000-row rosters against a seeded database (release build; several minutes)
	$(CARGO) build --release --locked -p skillcert-server -p skillcert-bench
	target/release/skillcert-bench import --out docs/benchmarks.md

bench-pdf: ## S6: 1,000 certificate PDFs (singles and one merged) against the renderer alone (release build; needs fonts-noto-cjk; a few minutes)
	$(CARGO) build --release --locked -p skillcert-server -p skillcert-bench
	target/release/skillcert-bench pdf --out docs/benchmarks.md

# The PostgreSQL server of S2, S3, S5 and S7: a fresh database is created there for the run and dropped after it
# (empty: SQLite only).
BENCH_PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres

bench-lookup: ## S7: public certificate lookup on 1,000,000 signed certificates with wrk (apt-get install wrk), SQLite and PostgreSQL (release build; several minutes)
	$(CARGO) build --release --locked -p skillcert-server -p skillcert-bench
	target/release/skillcert-bench lookup --pg "$(BENCH_PG_URL)" --out docs/benchmarks.md

# cargo-fuzz on the stable toolchain (RUSTC_BOOTSTRAP=1), its own workspace and target dir in fuzz/.
# New inputs go to fuzz/target/corpus/<target> (ignored); fuzz/README.md says how to keep some.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= roster pdf_check codecs problem_json
.PHONY: fuzz

fuzz: ## Fuzz each target for FUZZ_SECONDS (default 60) s; needs `cargo install cargo-fuzz --locked`; not part of `make test` (the corpus replay is)
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  mkdir -p target/corpus/$$t && \
	  RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run --sanitizer none $$t target/corpus/$$t corpus/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=4096 -max_len=1048576 || exit 1; \
	done

.PHONY: fuzz-api
# schemathesis (pinned in e2e/fuzz-api/requirements.txt, installed into e2e/fuzz-api/.venv on
# first use) against the debug binary, once per demo role; FUZZ_API_DATABASE_URL=postgres://…
# runs it on PostgreSQL (a fresh database per role).
FUZZ_API_SECONDS ?= 60
fuzz-api: ## API fuzzing: schemathesis with every check and the stateful phase, FUZZ_API_SECONDS (default 60) s per demo role, seed FUZZ_API_SEED (default 1; `random` for a fresh one, printed), fails on any failure or server panic
	$(CARGO) build --locked -p skillcert-server
	FUZZ_API_SECONDS=$(FUZZ_API_SECONDS) e2e/fuzz-api/run.sh
