# skillcert — every target a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: help run dev test test-pg fmt fmt-check clippy test-rust test-frontend build build-rust frontend frontend-deps test-browser openapi openapi-check bench bench-import

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

test: fmt-check clippy openapi-check test-rust test-frontend test-browser ## Every check CI runs: formatting, lints, contract, all tests

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

bench: bench-import ## The benchmarks of BENCHMARKS.md built so far (S4); prints the table, writes docs/benchmarks.md

bench-import: ## S4: import 10,000- and 50,000-row rosters against a seeded database (release build; several minutes)
	$(CARGO) build --release --locked -p skillcert-server -p skillcert-bench
	target/release/skillcert-bench import --out docs/benchmarks.md
