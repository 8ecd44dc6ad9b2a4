//! The JavaScript side's copy of what Rust defines: issuers, settings pages,
//! the 12 vectors of trust and the error codes with their meanings, generated
//! from the crate into `pkg/src/generated.js` and `pkg/generated.d.ts`.
//!
//! This test fails when a checked-in copy is stale; `make generate` (which
//! runs it with `NHS_LOGIN_UPDATE_GENERATED=1`) writes them afresh.

use nhs_login_client::authorize::SCOPES;
use nhs_login_client::{Environment, ErrorCode};
use std::path::PathBuf;

const HEADER: &str =
    "// Generated from the Rust crate by tests/generated_js.rs (`make generate`): do not edit.\n";

fn js_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

fn vectors() -> Vec<&'static str> {
    nhs_login_client::vot::KNOWN_VECTORS.to_vec()
}

/// `Object.freeze(...)` marked pure, so a bundle drops a table it does not use.
const FREEZE: &str = "/* @__PURE__ */ Object.freeze";

fn render_js() -> String {
    let mut out = String::from(HEADER);
    out.push_str("\n/** Issuer of each NHS login environment, exactly as in its discovery document (no trailing slash). */\n");
    out.push_str(&format!("export const ISSUERS = {FREEZE}({{\n"));
    for e in Environment::ALL {
        out.push_str(&format!("  {}: {},\n", e.name(), js_string(e.issuer())));
    }
    out.push_str(
        "});\n\n/** NHS login's settings page (\"Manage your NHS login\") per environment. */\n",
    );
    out.push_str(&format!("export const SETTINGS_URLS = {FREEZE}({{\n"));
    for e in Environment::ALL {
        out.push_str(&format!(
            "  {}: {},\n",
            e.name(),
            js_string(e.settings_url())
        ));
    }
    out.push_str("});\n\n/** The 12 vectors of trust NHS login defines (EIS Table 21). */\n");
    let list: Vec<String> = vectors().iter().map(|v| js_string(v)).collect();
    out.push_str(&format!(
        "export const VECTORS = {FREEZE}([{}]);\n\n",
        list.join(", ")
    ));
    out.push_str(
        "/** The vectors NHS login assumes when a request has no `vtr` (EIS Table 1). */\n",
    );
    let defaults: Vec<String> = nhs_login_client::vot::DEFAULT_VTR
        .iter()
        .map(|v| js_string(v))
        .collect();
    out.push_str(&format!(
        "export const DEFAULT_VTR = {FREEZE}([{}]);\n\n",
        defaults.join(", ")
    ));
    out.push_str(
        "/** The scopes NHS login defines (EIS Table 2; NHS login docs: scopes and claims). */\n",
    );
    let scopes: Vec<String> = SCOPES.iter().map(|v| js_string(v)).collect();
    out.push_str(&format!(
        "export const SCOPES = {FREEZE}([{}]);\n\n",
        scopes.join(", ")
    ));
    out.push_str("/** Every error code this package can raise. */\n");
    let codes: Vec<String> = ErrorCode::ALL
        .iter()
        .map(|c| js_string(c.as_str()))
        .collect();
    out.push_str(&format!(
        "export const ERROR_CODES = {FREEZE}([{}]);\n\n",
        codes.join(", ")
    ));
    // One constant per message, so a bundle keeps only the messages it uses.
    for c in ErrorCode::ALL {
        out.push_str(&format!(
            "export const {} = {};\n",
            message_const(c),
            js_string(c.summary())
        ));
    }
    out.push_str(&format!(
        "\n/** What each error code means. */\nexport const ERROR_MESSAGES = {FREEZE}({{\n"
    ));
    for c in ErrorCode::ALL {
        out.push_str(&format!("  {}: {},\n", c.as_str(), message_const(c)));
    }
    out.push_str("});\n");
    out
}

/// `MESSAGE_WASM_UNAVAILABLE` for `wasm_unavailable`.
fn message_const(c: ErrorCode) -> String {
    format!("MESSAGE_{}", c.as_str().to_ascii_uppercase())
}

fn union(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().map(|s| format!("\n  | {s}")).collect()
}

fn render_dts() -> String {
    let mut out = String::from(HEADER);
    out.push_str("\n/** NHS login environments with their published issuer and endpoints. */\n");
    out.push_str(&format!(
        "export type Environment ={};\n\n",
        union(Environment::ALL.map(|e| js_string(e.name())))
    ));
    out.push_str("/** A vector of trust NHS login defines (EIS Table 21). */\n");
    out.push_str(&format!(
        "export type VectorOfTrust ={};\n\n",
        union(vectors().iter().map(|v| js_string(v)))
    ));
    out.push_str("/** A scope NHS login defines (EIS Table 2). `profile` and `basic_demographics` are alternatives. */\n");
    out.push_str(&format!(
        "export type Scope ={};\n\n",
        union(SCOPES.iter().map(|s| js_string(s)))
    ));
    out.push_str("/** Every stable error code. Switch on `error.code`, never on the message. */\n");
    out.push_str(&format!(
        "export type ErrorCode ={};\n",
        union(ErrorCode::ALL.map(|c| js_string(c.as_str())))
    ));
    out
}

#[test]
fn generated_js_is_current() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("NHS_LOGIN_UPDATE_GENERATED").is_some();
    for (path, text) in [
        ("pkg/src/generated.js", render_js()),
        ("pkg/generated.d.ts", render_dts()),
    ] {
        let file = root.join(path);
        if update {
            std::fs::write(&file, &text).expect("write the generated file");
            continue;
        }
        let current = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            current == text,
            "{path} is stale: run `make generate` and commit it"
        );
    }
}
