//! The wasm boundary in Node (`wasm-pack test --node`); the same suite runs in
//! Chromium from `wasm_browser.rs`. Keys are generated and tokens signed
//! with the platform's WebCrypto during the test; the RS512 signature is
//! verified with WebCrypto the way the npm wrapper does it, and (feature `rsa`)
//! in pure Rust inside wasm.

#![cfg(target_arch = "wasm32")]
include!("wasm_suite/mod.rs");
