# The two commands of the README:
#   make demo   installs what is missing, builds everything, serves Guichet on http://127.0.0.1:3000
#   make test   installs what is missing, builds everything, runs every test
.PHONY: setup build wasm host demo test bench clean

LISTEN ?= 127.0.0.1:3000
COMPONENTS = identity catalog requests notifications signatures portal tokens

setup:
	@bash infra/setup.sh

wasm: setup
	bash infra/wasm-build.sh $(COMPONENTS) probe

host:
	cargo build --release -p guichet-host -p guichet-bench -p guichet-tests --bins

build: wasm host

demo: build
	LISTEN=$(LISTEN) bash infra/demo.sh

test: build
	cargo test --release -p guichet-host -p guichet-tests -p guichet-contracts -p guichet-guest -p tokens -p catalog -p identity -p requests -p notifications -p portal
	bash tests/contract_break.sh

bench: build
	bash bench/run.sh
	bash bench/catalog_search.sh
	bash bench/identity.sh
	bash bench/requests_queue.sh
	bash bench/requests_filing.sh

clean:
	rm -rf target .spin
