//! Random values from the platform CSPRNG (`getrandom`: the OS on native,
//! `crypto.getRandomValues` in browsers, Node, Deno and workerd).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base64url;
use crate::error::{Error, ErrorCode, Result};

/// `len` random bytes, base64url-encoded.
///
/// # Errors
/// `random_unavailable` if the platform generator fails.
pub(crate) fn token(len: usize) -> Result<String> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|_| {
        Error::new(
            ErrorCode::RandomUnavailable,
            "the platform random number generator failed",
        )
    })?;
    Ok(base64url::encode(&bytes))
}

/// Compares two byte strings in time that depends only on their lengths,
/// so that a `state` or `nonce` cannot be guessed byte by byte.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    core::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_fresh_and_sized() {
        let a = token(32).unwrap();
        let b = token(32).unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }
}
