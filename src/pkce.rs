//! Proof Key for Code Exchange with the S256 method (RFC 7636).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base64url;
use crate::error::{Error, Result};
use crate::random;
use sha2::{Digest, Sha256};

/// A PKCE code verifier (RFC 7636 §4.1). Its `Debug` output hides the value.
///
/// ```
/// use nhs_login_client::pkce::CodeVerifier;
/// let v = CodeVerifier::generate().unwrap();
/// assert_eq!(v.as_str().len(), 43);
/// assert_eq!(v.challenge().len(), 43);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CodeVerifier(String);

impl core::fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CodeVerifier(..)")
    }
}

impl CodeVerifier {
    /// A fresh verifier: 32 bytes from the platform CSPRNG, base64url (43
    /// characters, 256 bits), as RFC 7636 §4.1 recommends.
    ///
    /// # Errors
    /// `random_unavailable` if the platform generator fails.
    pub fn generate() -> Result<Self> {
        random::token(32).map(CodeVerifier)
    }

    /// Wraps an existing verifier after checking RFC 7636 §4.1: 43 to 128
    /// characters from `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
    ///
    /// ```
    /// use nhs_login_client::pkce::CodeVerifier;
    /// assert!(CodeVerifier::new("too-short").is_err());
    /// ```
    ///
    /// # Errors
    /// `invalid_option` (field `codeVerifier`) when the value breaks the rule.
    pub fn new(value: &str) -> Result<Self> {
        let ok_len = (43..=128).contains(&value.len());
        let ok_chars = value
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~'));
        if ok_len && ok_chars {
            Ok(CodeVerifier(value.to_owned()))
        } else {
            Err(Error::option(
                "codeVerifier",
                "must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 4.1)",
            ))
        }
    }

    /// The verifier itself, to send as `code_verifier` to the token endpoint.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The S256 challenge: `BASE64URL(SHA256(ASCII(code_verifier)))` (RFC 7636 §4.2).
    pub fn challenge(&self) -> String {
        base64url::encode(&Sha256::digest(self.0.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        let v = CodeVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
        assert_eq!(v.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn generated_verifiers_are_valid_and_fresh() {
        let a = CodeVerifier::generate().unwrap();
        let b = CodeVerifier::generate().unwrap();
        assert!(CodeVerifier::new(a.as_str()).is_ok());
        assert_ne!(a, b);
        assert_eq!(format!("{a:?}"), "CodeVerifier(..)");
    }

    #[test]
    fn rejects_bad_verifiers() {
        assert!(CodeVerifier::new(&"a".repeat(42)).is_err());
        assert!(CodeVerifier::new(&"a".repeat(129)).is_err());
        assert!(CodeVerifier::new(&"a".repeat(128)).is_ok());
        let e = CodeVerifier::new(&"+".repeat(50)).unwrap_err();
        assert_eq!(e.code().as_str(), "invalid_option");
        assert!(e.message().contains("codeVerifier"));
    }
}
