# The two commands of the README:
#   make demo   installs what is missing, builds everything, serves Guichet on http://127.0.0.1:3000
#   make test   installs what is missing, builds everything, runs every test tier:
#     test-unit         native unit tests of every crate (no wasm build)
#     test-integration  the integration binary (tests/tests/integration) but its browser and
#                       conformance modules: the built .wasm through the host
#     test-browser      its `browser::` modules: Chromium through tests/node
#     test-conformance  its `conformance::` module: the main journeys on real Spin 4.0.2 and on
#                       the host (Spin from infra/spin.sh; without it: said loudly, host only)
.PHONY: setup build wasm host demo release test test-unit test-integration test-browser test-conformance bench clean

LISTEN ?= 127.0.0.1:3000
COMPONENTS = identity catalog requests notifications signatures portal tokens

setup:
	@bash infra/setup.sh

wasm: setup
	bash infra/wasm-build.sh $(COMPONENTS) probe

host:
	cargo build --release -p guichet-host -p guichet-bench -p guichet-tests -p guichet-verify --bins

build: wasm host

demo: build
	LISTEN=$(LISTEN) bash infra/demo.sh

# The release bundle of one machine (docs/DEPLOY.md): target/release-bundle/guichet-*.tar.gz
release: build
	bash infra/release.sh

# Release, like the host and the tests: dependencies are compiled once for every tier.
UNIT_CRATES = -p guichet-contracts -p guichet-guest -p guichet-verify -p signatures -p tokens -p catalog -p identity -p requests -p notifications -p portal -p guichet-host -p guichet-tests
INTEGRATION = cargo test --release -p guichet-tests --test integration --

test: test-unit test-integration test-browser test-conformance

test-unit: setup
	cargo test --release $(UNIT_CRATES) --lib --bins
	bash tests/contract_break.sh

test-integration: build
	$(INTEGRATION) --skip browser:: --skip conformance::

test-browser: build
	$(INTEGRATION) browser::

test-conformance: build
	bash infra/spin.sh || echo "test-conformance: Spin could not be installed (see above)" >&2
	$(INTEGRATION) conformance:: --nocapture

bench: build
	bash bench/run.sh
	bash bench/catalog_search.sh
	bash bench/identity.sh
	bash bench/requests_queue.sh
	bash bench/admin_queue.sh
	bash bench/requests_filing.sh
	bash bench/density.sh
	bash bench/notifications.sh
	bash bench/wal.sh
	bash bench/signatures.sh

clean:
	rm -rf target .spin
