//! JSON Web Key Sets (RFC 7517) and key selection by `kid`.
//!
//! NHS login publishes its signing keys at `/.well-known/jwks.json`. Keys
//! may lack `use` and `alg` (reference §1.3), so those members are optional;
//! when present they must allow RS512 signature verification.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base64url;
use crate::error::{Error, ErrorCode, Result};
use crate::json::{self, Json};

/// Smallest RSA modulus accepted (NIST SP 800-131A; NHS login keys are 2048-bit).
pub const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus accepted (bounds the work an attacker-supplied JWKS can cause).
pub const MAX_RSA_BITS: usize = 8192;
/// Largest JWKS document accepted, in bytes.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;

/// One RSA verification key from a JWKS.
#[derive(Clone)]
pub struct Jwk {
    kid: Option<String>,
    n: String,
    e: String,
    usable: Option<&'static str>,
    #[cfg(feature = "rsa")]
    key: Option<rsa::RsaPublicKey>,
}

impl core::fmt::Debug for Jwk {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Jwk")
            .field("kid", &self.kid)
            .field("usable", &self.usable.is_none())
            .finish()
    }
}

impl Jwk {
    /// The key id, if the JWK has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The modulus, base64url as in the JWK.
    pub fn n(&self) -> &str {
        &self.n
    }

    /// The public exponent, base64url as in the JWK.
    pub fn e(&self) -> &str {
        &self.e
    }

    #[cfg(feature = "rsa")]
    pub(crate) fn rsa_key(&self) -> Option<&rsa::RsaPublicKey> {
        self.key.as_ref()
    }

    /// An RSA key from one JWKS entry, or `None` for an entry this library
    /// cannot use at all (skipped, RFC 7517 §5).
    fn from_value(key: &Json<'_>) -> Option<Jwk> {
        if key.get("kty").and_then(Json::as_str) != Some("RSA") {
            return None;
        }
        let kid = match key.get("kid") {
            None => None,
            Some(Json::String(s)) => Some(String::from(s.as_ref())),
            Some(_) => return None,
        };
        let member = |name: &str| -> Option<(String, Vec<u8>)> {
            let s = key.get(name).and_then(Json::as_str)?;
            Some((s.to_owned(), base64url::decode(s)?))
        };
        let (n, n_bytes) = member("n")?;
        let (e, e_bytes) = member("e")?;
        let usable = unusable_reason(key, &n_bytes, &e_bytes);
        #[cfg(feature = "rsa")]
        let key = match usable {
            None => rsa::RsaPublicKey::new_with_max_size(
                rsa::BigUint::from_bytes_be(&n_bytes),
                rsa::BigUint::from_bytes_be(&e_bytes),
                MAX_RSA_BITS,
            )
            .ok(),
            Some(_) => None,
        };
        Some(Jwk {
            kid,
            n,
            e,
            usable,
            #[cfg(feature = "rsa")]
            key,
        })
    }
}

/// A parsed JWKS: the RSA keys it holds, in document order.
///
/// ```
/// use nhs_login_client::Jwks;
/// let jwks = Jwks::parse(br#"{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b"}]}"#).unwrap();
/// assert_eq!(jwks.len(), 0); // non-RSA keys are skipped
/// assert_eq!(Jwks::parse(b"[]").unwrap_err().code().as_str(), "invalid_jwks");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Jwks {
    keys: Vec<Jwk>,
}

/// Why a JWK cannot verify an RS512 signature, or `None` if it can.
fn unusable_reason(key: &Json<'_>, n: &[u8], e: &[u8]) -> Option<&'static str> {
    // RFC 7517 §4.2: `use`, if present, must be "sig" for signature keys.
    if key.get("use").is_some_and(|u| u.as_str() != Some("sig")) {
        return Some("its `use` is not `sig`");
    }
    // RFC 7517 §4.4: `alg`, if present, must be the algorithm in use.
    if key.get("alg").is_some_and(|a| a.as_str() != Some("RS512")) {
        return Some("its `alg` is not RS512");
    }
    // RFC 7517 §4.3: `key_ops`, if present, must allow "verify".
    if let Some(ops) = key.get("key_ops") {
        let allows = ops
            .as_array()
            .is_some_and(|o| o.iter().any(|v| v.as_str() == Some("verify")));
        if !allows {
            return Some("its `key_ops` do not include `verify`");
        }
    }
    let n = match n.iter().position(|&b| b != 0) {
        Some(i) => &n[i..],
        None => return Some("its modulus is zero"),
    };
    let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
    if bits < MIN_RSA_BITS {
        return Some("its modulus is shorter than 2048 bits");
    }
    if bits > MAX_RSA_BITS {
        return Some("its modulus is longer than 8192 bits");
    }
    // The exponent must be odd, greater than 1, and at most 64 bits.
    let e = match e.iter().position(|&b| b != 0) {
        Some(i) => &e[i..],
        None => &[],
    };
    let e_ok = (1..=8).contains(&e.len())
        && e.last().is_some_and(|b| b & 1 == 1)
        && (e.len() > 1 || e.first().is_some_and(|&b| b > 1));
    if !e_ok {
        return Some("its public exponent is invalid");
    }
    None
}

impl Jwks {
    /// Parses a JWKS document `{"keys":[...]}`.
    ///
    /// A key this library cannot use is skipped, never fatal for the set
    /// (RFC 7517 §5: "implementations SHOULD ignore JWKs within a JWK Set that
    /// use "kty" values that are not understood ... or that are missing
    /// required members"): an entry that is not an object, a key that is not
    /// RSA (`EC`, `oct`, `OKP`), an RSA key without a usable `n` and `e`
    /// (for example `x5c` only), or with a `kid` that is not a string. RSA
    /// keys that cannot verify RS512 (`use` other than `sig`, another `alg`,
    /// `key_ops` without `verify`, under 2048 bits) are kept so that
    /// [`Jwks::select`] can say why, but are never selected.
    ///
    /// ```
    /// use nhs_login_client::Jwks;
    /// let jwks = Jwks::parse(br#"{"keys":[{"kty":"RSA","x5c":["MII..."]},{"kty":"oct","k":"c2VjcmV0"},1]}"#).unwrap();
    /// assert!(jwks.is_empty());
    /// ```
    ///
    /// # Errors
    /// `invalid_jwks` only if the document is over 256 KiB, is not JSON, or
    /// is not an object with a `keys` array.
    pub fn parse(document: &[u8]) -> Result<Self> {
        let bad = |why: &'static str| Error::new(ErrorCode::InvalidJwks, why);
        if document.len() > MAX_JWKS_BYTES {
            return Err(bad("the JWKS is larger than 256 KiB"));
        }
        let v = json::parse_borrowed(document).ok_or_else(|| bad("the JWKS is not valid JSON"))?;
        let keys = v
            .get("keys")
            .and_then(Json::as_array)
            .ok_or_else(|| bad("the JWKS has no `keys` array (RFC 7517 5.1)"))?;
        Ok(Jwks {
            keys: keys.iter().filter_map(Jwk::from_value).collect(),
        })
    }

    /// The number of RSA keys held.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set holds no RSA key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key at `index` (as returned by [`Jwks::select`]).
    pub fn get(&self, index: usize) -> Option<&Jwk> {
        self.keys.get(index)
    }

    /// Picks the key for a token: by `kid` when the token has one; otherwise
    /// the lone usable key, if there is exactly one.
    ///
    /// # Errors
    /// `key_not_found` when no usable key matches, when several keys share the
    /// `kid`, or when the token has no `kid` and the set has more than one key.
    pub fn select(&self, kid: Option<&str>) -> Result<usize> {
        let not_found = |why: &'static str| Error::new(ErrorCode::KeyNotFound, why);
        let mut found = None;
        let mut unusable = None;
        for (i, k) in self.keys.iter().enumerate() {
            if kid.is_some() && k.kid.as_deref() != kid {
                continue;
            }
            if let Some(reason) = k.usable {
                unusable = Some(reason);
                continue;
            }
            if found.replace(i).is_some() {
                return Err(not_found(if kid.is_some() {
                    "several JWKS keys share the token's kid"
                } else {
                    "the token has no kid and the JWKS has more than one key"
                }));
            }
        }
        match (found, unusable) {
            (Some(i), _) => Ok(i),
            (None, Some(reason)) => Err(Error::with_parts(
                ErrorCode::KeyNotFound,
                &["the matching JWKS key cannot verify RS512: ", reason],
            )),
            (None, None) if kid.is_some() => Err(not_found(
                "no JWKS key has the token's kid (the keys may have rotated: refetch the JWKS)",
            )),
            (None, None) => Err(not_found("the JWKS has no RSA key")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n_of_bits(bits: usize) -> String {
        let mut n = vec![0xffu8; bits / 8];
        if let Some(last) = n.last_mut() {
            *last = 0xfd;
        }
        base64url::encode(&n)
    }

    fn key(kid: Option<&str>, extra: &str) -> String {
        let kid = kid.map(|k| format!(r#""kid":"{k}","#)).unwrap_or_default();
        format!(
            r#"{{"kty":"RSA",{kid}"n":"{}","e":"AQAB"{extra}}}"#,
            n_of_bits(2048)
        )
    }

    fn set(keys: &[String]) -> Jwks {
        Jwks::parse(format!(r#"{{"keys":[{}]}}"#, keys.join(",")).as_bytes()).unwrap()
    }

    #[test]
    fn selects_by_kid_and_lone_key() {
        let s = set(&[
            key(Some("a"), ""),
            key(Some("b"), r#","use":"sig","alg":"RS512""#),
        ]);
        assert_eq!(s.select(Some("b")).unwrap(), 1);
        assert_eq!(s.select(Some("a")).unwrap(), 0);
        assert_eq!(
            s.select(Some("c")).unwrap_err().code(),
            ErrorCode::KeyNotFound
        );
        assert_eq!(s.select(None).unwrap_err().code(), ErrorCode::KeyNotFound);
        let lone = set(&[key(None, "")]);
        assert_eq!(lone.select(None).unwrap(), 0);
        let lone_with_kid = set(&[key(Some("x"), "")]);
        assert_eq!(lone_with_kid.select(None).unwrap(), 0);
    }

    #[test]
    fn never_selects_unusable_keys() {
        for extra in [
            r#","use":"enc""#,
            r#","alg":"RS256""#,
            r#","key_ops":["encrypt"]"#,
        ] {
            let s = set(&[key(Some("k"), extra)]);
            let e = s.select(Some("k")).unwrap_err();
            assert_eq!(e.code(), ErrorCode::KeyNotFound, "{extra}");
            assert!(e.message().contains("cannot verify"));
        }
        let weak = format!(
            r#"{{"keys":[{{"kty":"RSA","kid":"w","n":"{}","e":"AQAB"}}]}}"#,
            n_of_bits(1024)
        );
        let e = Jwks::parse(weak.as_bytes())
            .unwrap()
            .select(Some("w"))
            .unwrap_err();
        assert!(e.message().contains("2048"));
        let even_e = format!(
            r#"{{"keys":[{{"kty":"RSA","kid":"w","n":"{}","e":"Ag"}}]}}"#,
            n_of_bits(2048)
        );
        assert!(Jwks::parse(even_e.as_bytes())
            .unwrap()
            .select(Some("w"))
            .is_err());
        let e_one = format!(
            r#"{{"keys":[{{"kty":"RSA","kid":"w","n":"{}","e":"AQ"}}]}}"#,
            n_of_bits(2048)
        );
        assert!(Jwks::parse(e_one.as_bytes())
            .unwrap()
            .select(Some("w"))
            .is_err());
    }

    #[test]
    fn duplicate_kids_are_ambiguous() {
        let s = set(&[key(Some("a"), ""), key(Some("a"), "")]);
        assert_eq!(
            s.select(Some("a")).unwrap_err().code(),
            ErrorCode::KeyNotFound
        );
    }

    #[test]
    fn unusable_keys_are_skipped_not_fatal() {
        // RFC 7517 §5: one odd key must not take the whole set down.
        let good = key(Some("good"), "");
        for odd in [
            "1",
            r#""text""#,
            r#"{"kty":"RSA","e":"AQAB"}"#,
            r#"{"kty":"RSA","n":"+/","e":"AQAB"}"#,
            r#"{"kty":"RSA","kid":5,"n":"AA","e":"AQAB"}"#,
            r#"{"kty":"RSA","kid":"x5c-only","x5c":["MIIB"]}"#,
            r#"{"kty":"EC","kid":"ec","crv":"P-256","x":"AA","y":"AA"}"#,
            r#"{"kty":"oct","kid":"hmac","k":"c2VjcmV0"}"#,
            r#"{"kid":"no-kty"}"#,
        ] {
            let s = set(&[odd.to_string(), good.clone()]);
            assert_eq!(s.len(), 1, "{odd}");
            assert_eq!(s.select(Some("good")).unwrap(), 0, "{odd}");
        }
        // use: enc is kept (so select can say why) but never chosen.
        let s = set(&[key(Some("enc"), r#","use":"enc""#), good]);
        assert_eq!(s.select(Some("good")).unwrap(), 1);
        assert!(s.select(Some("enc")).is_err());
    }

    #[test]
    fn malformed_documents() {
        for bad in [
            &b"not json"[..],
            b"{}",
            b"[]",
            br#"{"keys":{}}"#,
            br#"{"keys":null}"#,
            br#"{"keys":[1],"keys":[]}"#,
        ] {
            assert_eq!(Jwks::parse(bad).unwrap_err().code(), ErrorCode::InvalidJwks);
        }
        assert_eq!(
            Jwks::parse(&vec![b' '; MAX_JWKS_BYTES + 1])
                .unwrap_err()
                .code(),
            ErrorCode::InvalidJwks
        );
    }
}
