# nhs-login-client — build, test and benchmark from a fresh machine.
# Every install step is idempotent: it checks first and skips what is there.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
WASM_BINDGEN_VERSION := 0.2.130
CARGO_BIN := $(HOME)/.cargo/bin
export PATH := $(CARGO_BIN):$(PATH)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CHROMEDRIVER ?= /usr/bin/chromedriver
export CHROMEDRIVER

WASM_TARGET := wasm32-unknown-unknown
WASM_OUT := pkg/wasm
WASM_OPT_FLAGS := -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue --strip-debug --strip-producers

.PHONY: setup setup-rust setup-apt setup-npm build test test-rust test-wasm test-pkg test-demo test-supply-chain bench demo provider fuzz clean

setup: setup-rust setup-apt setup-npm

setup-rust:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@if [ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION)"; \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force; fi
	@command -v wasm-pack >/dev/null || cargo install wasm-pack --locked
	@command -v cargo-deny >/dev/null || cargo install cargo-deny --locked

setup-apt:
	@missing=""; \
	for p in chromium chromium-driver brotli; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "apt installing:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; fi

setup-npm:
	@[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund

# ---- build -----------------------------------------------------------------
# The npm package in pkg/: the wasm core (without the pure-Rust RSA feature:
# the browser build verifies with WebCrypto), wasm-bindgen's web glue, wasm-opt.
# wasm-opt comes from npm's `binaryen` (a devDependency, pinned by package-lock):
# Debian's binaryen 108 rewrites wasm-bindgen's externref table as a funcref
# table, and the module then fails to start.
WASM_OPT := node_modules/.bin/wasm-opt

build: setup-rust setup-npm
	cargo build --lib --release --target $(WASM_TARGET) --no-default-features --features tiny
	wasm-bindgen --target web --out-dir $(WASM_OUT) --out-name nhs_login \
	  target/$(WASM_TARGET)/release/nhs_login_client.wasm
	$(WASM_OPT) $(WASM_OPT_FLAGS) $(WASM_OUT)/nhs_login_bg.wasm -o $(WASM_OUT)/nhs_login_bg.wasm
	rm -f $(WASM_OUT)/.gitignore $(WASM_OUT)/package.json
	@printf 'wasm: %s bytes raw, %s gzip -9\n' "$$(wc -c < $(WASM_OUT)/nhs_login_bg.wasm)" "$$(gzip -9c $(WASM_OUT)/nhs_login_bg.wasm | wc -c)"

# ---- test ------------------------------------------------------------------
test: setup test-rust test-wasm test-pkg test-demo test-supply-chain

test-rust:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --target $(WASM_TARGET) --no-default-features -- -D warnings
	cargo test
	cargo test --no-default-features --lib

# wasm-bindgen-test suites: real headless Chromium, then Node.
test-wasm: setup-rust setup-apt
	wasm-pack test --headless --chrome --chromedriver $(CHROMEDRIVER)
	wasm-pack test --node

test-pkg: build setup-npm
	node --test pkg/test/*.test.js tests/provider/*.test.js

# The demo end to end in headless Chromium (screenshots in target/demo-screenshots/).
test-demo: build setup-npm setup-apt
	node --test www/e2e.test.js

# Supply chain, offline: licences, bans and sources of the Rust graph (deny.toml);
# the npm package has no runtime dependencies at all.
test-supply-chain: setup-rust
	cargo deny check licenses bans sources
	node -e "const p = require('./pkg/package.json'); const d = { ...p.dependencies, ...p.peerDependencies, ...p.optionalDependencies }; if (Object.keys(d).length) { console.error('pkg/ has runtime dependencies:', d); process.exit(1); } console.log('pkg/: no runtime dependencies')"

# ---- demo --------------------------------------------------------------------
# The local provider, the edge handler in workerd and the SPA, on 127.0.0.1
# (DEMO_PORT, default 8080). Ctrl-C stops all three.
demo: setup build
	node www/serve.mjs

# ---- benchmarks (never timed tests) ------------------------------------------
bench: build setup-npm
	bash benches/run.sh

# The local NHS-login-like provider on its own (Ctrl-C stops it).
provider: setup-npm
	node tests/provider/cli.mjs --port $${PROVIDER_PORT:-9000} --client-id $${CLIENT_ID:-demo-client} \
	  --redirect-uri $${REDIRECT_URI:-http://127.0.0.1:8080/callback}

# Coverage-guided fuzzing (cargo-fuzz, nightly) of the JSON, JWT, JWKS, callback
# and authorize parsers, FUZZ_SECONDS per target (default 60); exits non-zero on a crash.
fuzz:
	@cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	bash fuzz/run.sh $${FUZZ_SECONDS:-60}

clean:
	cargo clean
	rm -rf $(WASM_OUT) benches/out node_modules
