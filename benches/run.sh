#!/usr/bin/env bash
# Benchmarks: bundle size (benches/size.mjs), ID token validation speed in Node
# and in headless Chromium (benches/speed.mjs, benches/speed-browser.mjs), the
# edge handler (benches/edge.mjs, benches/load.mjs), printed as markdown and written to benches/out/results.md.
#
# Needs pkg/wasm built first (`make build`). Builds, into benches/out/rsa, the
# bench-only variant of the wasm with the `rsa` feature (`validate_in_rust`:
# RS512 in pure Rust instead of WebCrypto), in its own cargo target dir so the
# package build is not disturbed. Idempotent; run from anywhere.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"

OUT=benches/out
RSA_OUT=$OUT/rsa
TARGET_DIR=target/bench-rsa
TRIPLE=wasm32-unknown-unknown
WASM_OPT_FLAGS=(-Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals
  --enable-reference-types --enable-multivalue --strip-debug --strip-producers)

die() { echo "error: $*" >&2; exit 1; }

[[ -f pkg/wasm/nhs_login_bg.wasm && -f pkg/wasm/nhs_login.js ]] ||
  die "pkg/wasm/nhs_login_bg.wasm is missing: build the package first (make build)"
for tool in node cargo wasm-bindgen; do
  command -v "$tool" >/dev/null || die "$tool not found on PATH"
done
for dep in esbuild jose oauth4webapi oidc-client-ts nhs-login-client; do
  [[ -e node_modules/$dep ]] || die "node_modules/$dep is missing: run npm ci"
done
mkdir -p "$OUT"

# ---- 1. the `rsa` variant of the wasm ------------------------------------------
echo "building the rsa variant of the wasm (cargo --release, a few minutes on a cold cache)..." >&2
log=$OUT/rsa-build.log
cargo build --lib --release --target "$TRIPLE" --target-dir "$TARGET_DIR" >"$log" 2>&1 ||
  { tail -n 40 "$log" >&2; die "rsa variant build failed (log: $log)"; }
wasm=$TARGET_DIR/$TRIPLE/release/nhs_login_client.wasm

rm -rf "$RSA_OUT"
wasm-bindgen --target web --out-dir "$RSA_OUT" --out-name nhs_login "$wasm"
# The same wasm-opt as `make build` (npm's binaryen), else any on PATH.
if [[ -x node_modules/.bin/wasm-opt ]]; then WASM_OPT=node_modules/.bin/wasm-opt
elif command -v wasm-opt >/dev/null; then WASM_OPT=wasm-opt
else WASM_OPT=""; fi
if [[ -n $WASM_OPT ]]; then
  "$WASM_OPT" "${WASM_OPT_FLAGS[@]}" "$RSA_OUT/nhs_login_bg.wasm" -o "$RSA_OUT/nhs_login_bg.wasm"
  # Some binaryen versions (e.g. Debian's 108) point __wbindgen_externrefs at the wrong table; repair.
  node benches/wasm-tables.mjs fix "$RSA_OUT/nhs_login_bg.wasm"
else
  echo "note: wasm-opt not found; the rsa variant is measured as wasm-bindgen left it" >&2
fi

# ---- 2. the benchmarks -----------------------------------------------------------
trap 'rm -f "$OUT/results.md.tmp"' EXIT # results.md is only replaced by a complete run
{
  echo "# nhs-login-client benchmarks"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src pkg Cargo.toml 2>/dev/null || echo ' + uncommitted changes')"
  echo
  node benches/size.mjs
  echo
  node benches/speed.mjs
  echo; node benches/speed-browser.mjs
  echo; node benches/edge.mjs
  echo; node benches/load.mjs
} | tee "$OUT/results.md.tmp"
mv "$OUT/results.md.tmp" "$OUT/results.md"
echo >&2
echo "written to $OUT/results.md" >&2
