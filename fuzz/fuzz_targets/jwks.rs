//! `Jwks::parse` on arbitrary bytes, then `select` with a few kids: never
//! panics, and a selected key is the one asked for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nhs_login_client::jwks::MAX_JWKS_BYTES;
use nhs_login_client::__private::base64url;
use nhs_login_client::{ErrorCode, Jwks};

fn check_select(jwks: &Jwks, kid: Option<&str>) {
    match jwks.select(kid) {
        Ok(i) => {
            let key = jwks.get(i).expect("select returns an index in range");
            if let Some(kid) = kid {
                assert_eq!(key.kid(), Some(kid));
            } else {
                // Without a kid only a lone usable key may be chosen.
                assert!(!jwks.is_empty());
            }
            assert!(base64url::is_valid(key.n()) && base64url::is_valid(key.e()));
        }
        Err(e) => assert_eq!(e.code(), ErrorCode::KeyNotFound),
    }
}

fuzz_target!(|data: &[u8]| {
    let jwks = match Jwks::parse(data) {
        Ok(j) => j,
        Err(e) => {
            assert_eq!(e.code(), ErrorCode::InvalidJwks);
            return;
        }
    };
    assert!(data.len() <= MAX_JWKS_BYTES);
    assert_eq!(jwks.is_empty(), jwks.len() == 0);
    assert!(jwks.get(jwks.len()).is_none());
    for kid in [None, Some("fuzz-key-1"), Some(""), Some("k1")] {
        check_select(&jwks, kid);
    }
    for i in 0..jwks.len().min(8) {
        let kid = jwks.get(i).and_then(|k| k.kid()).map(str::to_owned);
        check_select(&jwks, kid.as_deref());
    }
});
