# skillcert — every target a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: help run test test-pg fmt fmt-check clippy test-rust build openapi openapi-check

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

SKILLCERT := target/release/skillcert

run: build ## Build, migrate, seed the demo accounts and serve on SKILLCERT__SERVER__BIND (default 127.0.0.1:8080)
	$(SKILLCERT) migrate
	$(SKILLCERT) seed-demo
	$(SKILLCERT) serve

test: fmt-check clippy openapi-check test-rust ## Every check CI runs: formatting, lints, contract, all tests

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

build: ## Release build of every crate
	$(CARGO) build --workspace --release --locked
