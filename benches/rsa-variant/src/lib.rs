//! Re-exports the crate so its `#[wasm_bindgen]` exports (including
//! `validate_in_rust`, feature `rsa`) end up in this cdylib.
pub use nhs_login_client::*;
