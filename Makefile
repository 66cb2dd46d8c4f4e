# The two commands: `make demo` serves the Lao Cai map, `make test` runs every test.
# Both install what is missing first (scripts/deps.sh).

CARGO ?= cargo

.PHONY: demo test deps-demo deps-test build lint

demo: deps-demo
	$(CARGO) build --release
	./target/release/antq demo

test: deps-test lint
	scripts/test.sh

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets --quiet -- -D warnings

build:
	$(CARGO) build --release

deps-demo:
	@scripts/deps.sh demo

deps-test:
	@scripts/deps.sh test
