//! The wasm boundary in real headless Chromium (`wasm-pack test --headless --chrome`).
//! The suite itself is in `wasm_suite/mod.rs`, shared with `wasm_node.rs`.
#![cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
include!("wasm_suite/mod.rs");
