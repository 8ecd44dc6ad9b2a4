//! `parse_callback` with an arbitrary URL, expected state and issuer. Input:
//! `state\nurl` or `state\nurl\nissuer` (readable seeds in corpus/callback).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nhs_login_client::{parse_callback, ErrorCode, IssuerUrl, State};

fn sanitised(s: &str) -> bool {
    s.chars().count() <= 256
        && s.chars()
            .all(|c| (' '..='~').contains(&c) && c != '"' && c != '\\')
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (state, rest) = text.split_once('\n').unwrap_or((text, ""));
    let (url, issuer) = match rest.split_once('\n') {
        Some((u, i)) => (u, Some(i)),
        None => (rest, None),
    };
    let issuer = issuer.map(IssuerUrl::from);
    match parse_callback(url, &State::from(state), issuer.as_ref()) {
        Ok(cb) => {
            assert!(!cb.code.as_str().is_empty());
            assert!(!state.is_empty());
            // A code only comes back with the state that was sent, in a query.
            assert!(url.contains("state=") || url.contains("state%3") || url.contains('%'));
        }
        Err(e) => {
            if state.is_empty() {
                assert_eq!(e.code(), ErrorCode::InvalidOption);
            }
            match e.provider_error() {
                Some(p) => {
                    assert_eq!(e.code(), ErrorCode::ProviderError);
                    assert!(sanitised(&p.error), "{:?}", p.error);
                    assert!(p.error_description.as_deref().is_none_or(sanitised));
                }
                None => assert_ne!(e.code(), ErrorCode::ProviderError),
            }
        }
    }
});
