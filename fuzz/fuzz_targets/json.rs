//! `json::parse` on arbitrary bytes: never panics, never returns an object
//! with a repeated member name or nesting of 32 or more, and never accepts
//! what serde_json rejects; values must agree, numbers exactly (both parsers
//! round correctly: serde_json with `float_roundtrip`).
#![no_main]

use libfuzzer_sys::fuzz_target;
// The parser is a private module; `__private` reaches it (see lib.rs).
use nhs_login_client::__private::json::{self, Value};

fn same_number(a: f64, b: &serde_json::Number) -> bool {
    b.as_f64() == Some(a)
}

fn same(ours: &Value, theirs: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (ours, theirs) {
        (Value::Null, J::Null) => true,
        (Value::Bool(a), J::Bool(b)) => a == b,
        (Value::Number(a), J::Number(b)) => same_number(*a, b),
        (Value::String(a), J::String(b)) => a == b,
        (Value::Array(a), J::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Value::Object(a), J::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, x)| b.get(k).is_some_and(|y| same(x, y)))
        }
        _ => false,
    }
}

fn check_shape(v: &Value, level: usize) {
    assert!(level < 32, "nesting level {level} accepted");
    match v {
        Value::Number(n) => assert!(n.is_finite()),
        Value::Array(items) => items.iter().for_each(|i| check_shape(i, level + 1)),
        Value::Object(members) => {
            let mut names: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
            names.sort_unstable();
            assert!(
                names.windows(2).all(|w| w[0] != w[1]),
                "duplicate member name accepted"
            );
            members.iter().for_each(|(_, m)| check_shape(m, level + 1));
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(ours) = json::parse(data) else {
        return;
    };
    check_shape(&ours, 0);
    let theirs: serde_json::Value = match serde_json::from_slice(data) {
        Ok(v) => v,
        Err(e) => panic!("accepted what serde_json rejects ({e}): {ours:?}"),
    };
    assert!(
        same(&ours, &theirs),
        "ours {ours:?} vs serde_json {theirs:?}"
    );
});
