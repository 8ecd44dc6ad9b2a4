//! ID token validation (OIDC Core 3.1.3.7, RFC 7515, RFC 7519, EIS §4.2, §5.1).
//!
//! The type of a token says what has been checked (the split of
//! jwt-compact's `UntrustedToken` and `Token`):
//!
//! 1. [`UntrustedToken::decode`]: size, compact form, header, `alg` allow-list
//!    and `crit`, before any key is touched. An [`UntrustedToken`] offers its
//!    `kid` and what a signature check needs, never its claims.
//! 2. [`SignedToken`]: the RS512 signature verifies with the key chosen by
//!    `kid`. Natively [`UntrustedToken::verify_signature`] checks it (feature
//!    `rsa`); in the browser build the JavaScript wrapper checks it with
//!    WebCrypto and the wasm boundary records that with the doc-hidden
//!    [`UntrustedToken::assume_signature_checked_by_host`].
//! 3. [`VerifiedIdToken`]: [`IdTokenVerifier::verify_claims`] has checked
//!    `iss`, `aud`, `exp`, `iat`, `nonce` (as [`NonceCheck`] says), the
//!    required claims and their types, and `vot` against the requested `vtr`.
//!    Only now can the claims be read.
//!
//! [`IdTokenVerifier::verify`] runs all three natively (feature `rsa`).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::base64url;
use crate::claims::{check_profile_claims, profile_edits, CheckedClaims, Claims, Edits};
use crate::error::{Error, ErrorCode, Result};
use crate::json::{self, Json, Str, Value};
use crate::random::constant_time_eq;
use crate::types::{ClientId, IssuerUrl, Nonce};
use crate::vot::Vtr;

/// Tokens longer than this are rejected at once as `malformed_token`.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// The only signing algorithm accepted: NHS login signs with RS512 (EIS §4.1).
pub const ALLOWED_ALG: &str = "RS512";

/// A token whose structure and header have been checked, but not its
/// signature or claims. Its claims cannot be read: check the signature
/// first ([`UntrustedToken::verify_signature`]).
///
/// ```
/// use nhs_login_client::UntrustedToken;
/// // {"alg":"RS512","kid":"k1"}.{}.sig
/// let t = UntrustedToken::decode("eyJhbGciOiJSUzUxMiIsImtpZCI6ImsxIn0.e30.c2ln")?;
/// assert_eq!(t.kid(), Some("k1"));
/// assert_eq!(t.signature(), b"sig");
/// # Ok::<(), nhs_login_client::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct UntrustedToken<'a> {
    signing_input: &'a str,
    payload: &'a str,
    signature: &'a str,
    kid: Option<String>,
}

fn malformed(why: &'static str) -> Error {
    Error::new(ErrorCode::MalformedToken, why)
}

impl<'a> UntrustedToken<'a> {
    /// Decodes a compact JWS (RFC 7515 §7.1) and checks its header.
    ///
    /// ```
    /// use nhs_login_client::UntrustedToken;
    /// // {"alg":"none"}.{}.
    /// let err = UntrustedToken::decode("eyJhbGciOiJub25lIn0.e30.").unwrap_err();
    /// assert_eq!(err.code().as_str(), "unsupported_alg");
    /// ```
    ///
    /// # Errors
    /// `malformed_token` (over 64 KiB, not three base64url parts, header or
    /// payload not a JSON object, `kid` not a string); `unsupported_alg` (any
    /// `alg` but RS512, or a `crit` header: this library understands no JWS
    /// extensions, RFC 7515 §4.1.11).
    pub fn decode(token: &'a str) -> Result<Self> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(malformed("the token is larger than 64 KiB"));
        }
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed("the token is not a compact JWS of three dot-separated parts (it may be encrypted, or not a JWT)"));
        };
        let header_bytes =
            base64url::decode(h).ok_or_else(|| malformed("the JWS header is not base64url"))?;
        let header = json::parse_borrowed(&header_bytes)
            .ok_or_else(|| malformed("the JWS header is not JSON"))?;
        if !matches!(header, Json::Object(_)) {
            return Err(malformed("the JWS header is not a JSON object"));
        }
        // RFC 8725 §3.1 / OIDC Core 3.1.3.7 (7): only the expected algorithm,
        // checked before any key is looked at.
        match header.get("alg") {
            Some(Json::String(alg)) if alg == ALLOWED_ALG => {}
            Some(Json::String(_)) => {
                return Err(Error::new(
                    ErrorCode::UnsupportedAlg,
                    "the token's alg is not RS512, the only algorithm NHS login uses",
                ))
            }
            _ => {
                return Err(Error::new(
                    ErrorCode::UnsupportedAlg,
                    "the JWS header has no string alg",
                ))
            }
        }
        // RFC 7515 §4.1.11: extensions listed in crit must be understood; we understand none.
        if header.get("crit").is_some() {
            return Err(Error::new(
                ErrorCode::UnsupportedAlg,
                "the JWS header lists crit extensions this library does not understand",
            ));
        }
        let kid = match header.get("kid") {
            None => None,
            Some(Json::String(k)) => Some(String::from(k.as_ref())),
            Some(_) => return Err(malformed("the JWS header kid is not a string")),
        };
        // Checked now, decoded only when needed (the browser build never
        // decodes the signature in wasm: WebCrypto gets it from the wrapper).
        if !base64url::is_valid(p) {
            return Err(malformed("the JWT claims are not base64url"));
        }
        if !base64url::is_valid(s) {
            return Err(malformed("the JWS signature is not base64url"));
        }
        if s.is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidSignature,
                "the token has an empty signature",
            ));
        }
        let signing_input = token
            .get(..h.len() + 1 + p.len())
            .ok_or_else(|| malformed("bad token"))?;
        Ok(UntrustedToken {
            signing_input,
            payload: p,
            signature: s,
            kid,
        })
    }

    /// The header's `kid`, if any.
    ///
    /// ```
    /// use nhs_login_client::UntrustedToken;
    /// // {"alg":"RS512"}.{}.sig
    /// let t = UntrustedToken::decode("eyJhbGciOiJSUzUxMiJ9.e30.c2ln")?;
    /// assert_eq!(t.kid(), None);
    /// # Ok::<(), nhs_login_client::Error>(())
    /// ```
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The JWS signing input: `BASE64URL(header) || '.' || BASE64URL(payload)`,
    /// the bytes the signature is over.
    ///
    /// ```
    /// use nhs_login_client::UntrustedToken;
    /// let t = UntrustedToken::decode("eyJhbGciOiJSUzUxMiJ9.e30.c2ln")?;
    /// assert_eq!(t.signing_input(), b"eyJhbGciOiJSUzUxMiJ9.e30");
    /// # Ok::<(), nhs_login_client::Error>(())
    /// ```
    pub fn signing_input(&self) -> &[u8] {
        self.signing_input.as_bytes()
    }

    /// The decoded signature bytes.
    ///
    /// ```
    /// use nhs_login_client::UntrustedToken;
    /// let t = UntrustedToken::decode("eyJhbGciOiJSUzUxMiJ9.e30.c2ln")?;
    /// assert_eq!(t.signature(), b"sig");
    /// # Ok::<(), nhs_login_client::Error>(())
    /// ```
    pub fn signature(&self) -> Vec<u8> {
        base64url::decode(self.signature).unwrap_or_default()
    }

    /// Checks the RS512 signature in pure Rust with the key of `jwks` that
    /// the header's `kid` names ([`crate::Jwks::select`]), and gives the
    /// [`SignedToken`] whose claims [`IdTokenVerifier::verify_claims`] checks.
    ///
    /// ```
    /// # #[cfg(feature = "rsa")] {
    /// use nhs_login_client::{Jwks, UntrustedToken};
    /// # let id_token = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/id_token.jwt")).trim();
    /// # let jwks_json = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwks.json"));
    /// let jwks = Jwks::parse(jwks_json.as_bytes())?;
    /// let signed = UntrustedToken::decode(id_token)?.verify_signature(&jwks)?;
    /// # let _ = signed;
    /// let err = UntrustedToken::decode(id_token)?.verify_signature(&Jwks::default()).unwrap_err();
    /// assert_eq!(err.code().as_str(), "key_not_found");
    /// # }
    /// # Ok::<(), nhs_login_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// `key_not_found` (no usable key for the `kid`, or one that is not a
    /// valid RSA public key); `invalid_signature` if the signature does not
    /// verify.
    #[cfg(feature = "rsa")]
    pub fn verify_signature(&self, jwks: &crate::Jwks) -> Result<SignedToken> {
        let index = jwks.select(self.kid())?;
        let key = jwks
            .get(index)
            .ok_or_else(|| Error::new(ErrorCode::KeyNotFound, "the selected key is missing"))?;
        verify_rs512(self, key)?;
        Ok(self.signed())
    }

    /// For a host that has checked the RS512 signature itself: the
    /// [`SignedToken`], with no check at all. Only the wasm boundary uses it
    /// (the export of the same name in `src/wasm.rs`), after the JavaScript
    /// wrapper has verified [`UntrustedToken::signing_input`] against
    /// [`UntrustedToken::signature`] with WebCrypto and the key
    /// [`crate::Jwks::select`] chose. Called on any other token, it makes
    /// every later check worthless: natively, use
    /// [`UntrustedToken::verify_signature`].
    ///
    /// ```
    /// use nhs_login_client::UntrustedToken;
    /// let untrusted = UntrustedToken::decode("eyJhbGciOiJSUzUxMiJ9.e30.c2ln")?;
    /// // ... the host verified untrusted.signing_input() and untrusted.signature() ...
    /// let _signed = untrusted.assume_signature_checked_by_host();
    /// # Ok::<(), nhs_login_client::Error>(())
    /// ```
    #[doc(hidden)]
    pub fn assume_signature_checked_by_host(&self) -> SignedToken {
        self.signed()
    }

    fn signed(&self) -> SignedToken {
        // `decode` has checked the claims segment is base64url.
        SignedToken {
            claims: base64url::decode(self.payload).unwrap_or_default(),
        }
    }
}

/// A token whose RS512 signature verifies, but whose claims have not been
/// checked yet: the input of [`IdTokenVerifier::verify_claims`]. Made by
/// [`UntrustedToken::verify_signature`]. Its `Debug` shows nothing of the
/// claims (they carry personal data).
///
/// ```
/// # #[cfg(feature = "rsa")] {
/// use nhs_login_client::{Jwks, SignedToken, UntrustedToken};
/// # let id_token = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/id_token.jwt")).trim();
/// # let jwks = Jwks::parse(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwks.json")))?;
/// let signed: SignedToken = UntrustedToken::decode(id_token)?.verify_signature(&jwks)?;
/// assert_eq!(format!("{signed:?}"), "SignedToken(..)");
/// # }
/// # Ok::<(), nhs_login_client::Error>(())
/// ```
pub struct SignedToken {
    /// The decoded claims segment (JSON text, not yet parsed).
    claims: Vec<u8>,
}

impl core::fmt::Debug for SignedToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SignedToken(..)")
    }
}

impl SignedToken {
    /// The claims segment as sent (JSON text): for the wasm boundary, which
    /// hands JavaScript the original text.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn claims_json(&self) -> &[u8] {
        &self.claims
    }
}

/// Checks an RS512 (RSASSA-PKCS1-v1_5 with SHA-512) signature in pure Rust.
///
/// Only the public-key operation is used, which RUSTSEC-2023-0071 does not affect.
///
/// # Errors
/// `invalid_signature` if the signature does not verify; `key_not_found` if
/// the JWK could not be turned into an RSA key.
#[cfg(feature = "rsa")]
fn verify_rs512(token: &UntrustedToken<'_>, key: &crate::jwks::Jwk) -> Result<()> {
    use sha2::{Digest, Sha512};
    let key = key.rsa_key().ok_or_else(|| {
        Error::new(
            ErrorCode::KeyNotFound,
            "the selected JWK is not a valid RSA public key",
        )
    })?;
    let digest = Sha512::digest(token.signing_input());
    key.verify(
        rsa::Pkcs1v15Sign::new::<Sha512>(),
        &digest,
        &token.signature(),
    )
    .map_err(|_| {
        Error::new(
            ErrorCode::InvalidSignature,
            "the ID token's RS512 signature does not verify",
        )
    })
}

/// What the ID token's `nonce` must be (OIDC Core 3.1.3.7 (11)): said
/// explicitly, so that "no nonce" is never the accidental default.
///
/// ```
/// use nhs_login_client::{NonceCheck, Nonce};
/// let sent = Nonce::from("n-1"); // AuthorizationRequest::nonce, kept until the redirect
/// let check = NonceCheck::Expect(&sent);
/// assert_eq!(check, NonceCheck::Expect(&Nonce::from("n-1")));
/// assert_ne!(check, NonceCheck::ExpectNone);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonceCheck<'a> {
    /// The token must carry this nonce, the one sent in the authorization
    /// request (compared in constant time).
    Expect(&'a Nonce),
    /// No nonce was sent: the token must carry none.
    ExpectNone,
}

/// The expected values an ID token is checked against: built once from
/// configuration, applied to each token.
///
/// ```
/// use nhs_login_client::{Environment, IdTokenVerifier, Vtr};
/// let verifier = IdTokenVerifier::new(Environment::Production.issuer(), "my-client")
///     .with_vtr(Vtr::new(&["P9.Cp.Cd"]).unwrap())
///     .with_clock_skew(30);
/// assert_eq!(verifier.clock_skew(), 30);
/// assert_eq!(verifier.issuer().as_str(), "https://auth.login.nhs.uk");
/// assert_eq!(verifier.client_id().as_str(), "my-client");
/// ```
#[derive(Clone, Debug)]
pub struct IdTokenVerifier {
    issuer: IssuerUrl,
    client_id: ClientId,
    clock_skew: u64,
    vtr: Vtr,
    trusted_audiences: Vec<ClientId>,
    check_nonce: bool,
}

fn number_claim(claims: &Json<'_>, name: &'static str) -> Result<f64> {
    match claims.get(name) {
        None => Err(Error::missing_claim(name)),
        Some(Json::Number(n)) => Ok(*n),
        Some(_) => Err(Error::invalid_claim(name, "is not a NumericDate number")),
    }
}

fn string_claim<'v>(claims: &'v Json<'_>, name: &'static str) -> Result<&'v str> {
    match claims.get(name) {
        None => Err(Error::missing_claim(name)),
        Some(Json::String(s)) => Ok(s),
        Some(_) => Err(Error::invalid_claim(name, "is not a string")),
    }
}

impl IdTokenVerifier {
    /// A verifier for tokens from `issuer` (compared exactly) for `client_id`,
    /// with 60 s clock skew and NHS login's default `vtr` (P9) until
    /// [`IdTokenVerifier::with_vtr`] says otherwise.
    ///
    /// ```
    /// use nhs_login_client::{ClientId, Environment, IdTokenVerifier};
    /// let a = IdTokenVerifier::new(Environment::Sandpit.issuer_url(), ClientId::from("my-client"));
    /// let b = IdTokenVerifier::new("https://auth.sandpit.signin.nhs.uk", "my-client");
    /// assert_eq!(a.issuer(), b.issuer());
    /// ```
    pub fn new(issuer: impl Into<IssuerUrl>, client_id: impl Into<ClientId>) -> Self {
        IdTokenVerifier {
            issuer: issuer.into(),
            client_id: client_id.into(),
            clock_skew: 60,
            vtr: Vtr::nhs_login_default(),
            trusted_audiences: Vec::new(),
            check_nonce: true,
        }
    }

    /// The `vtr` sent with the authorization request; `vot` must satisfy it.
    ///
    /// ```
    /// use nhs_login_client::{IdTokenVerifier, Vtr};
    /// let v = IdTokenVerifier::new("https://auth.login.nhs.uk", "c")
    ///     .with_vtr(Vtr::new(&["P5.Cp.Cd", "P9.Cp.Cd"])?);
    /// # let _ = v;
    /// # Ok::<(), nhs_login_client::Error>(())
    /// ```
    pub fn with_vtr(mut self, vtr: Vtr) -> Self {
        self.vtr = vtr;
        self
    }

    /// Allowed clock skew in seconds for `exp`, `iat` and `nbf` (default 60;
    /// EIS Table 16 asks for "a few minutes" at most).
    ///
    /// ```
    /// use nhs_login_client::IdTokenVerifier;
    /// let v = IdTokenVerifier::new("https://auth.login.nhs.uk", "c").with_clock_skew(0);
    /// assert_eq!(v.clock_skew(), 0);
    /// ```
    pub fn with_clock_skew(mut self, seconds: u64) -> Self {
        self.clock_skew = seconds;
        self
    }

    /// Further audiences that may appear in `aud` beside the client id
    /// (OIDC Core 3.1.3.7 (3)). None by default.
    ///
    /// ```
    /// use nhs_login_client::IdTokenVerifier;
    /// let v = IdTokenVerifier::new("https://auth.login.nhs.uk", "c")
    ///     .with_trusted_audiences(vec!["partner-client".into()]);
    /// # let _ = v;
    /// ```
    pub fn with_trusted_audiences(mut self, audiences: Vec<ClientId>) -> Self {
        self.trusted_audiences = audiences;
        self
    }

    /// Skips the `nonce` comparison (OIDC Core 3.1.3.7 (11)): insecure unless
    /// another party compares the nonce. Only for a server that exchanges the
    /// code on behalf of a browser which checks the nonce itself (the edge
    /// handler with `requireNonce: false`); never for the party that created
    /// the authorization request. The [`NonceCheck`] given to the verifier is
    /// then ignored.
    ///
    /// ```
    /// use nhs_login_client::IdTokenVerifier;
    /// // An exchange server whose browser client compares the nonce itself:
    /// let v = IdTokenVerifier::new("https://auth.login.nhs.uk", "c").insecure_skip_nonce_check();
    /// # let _ = v;
    /// ```
    pub fn insecure_skip_nonce_check(mut self) -> Self {
        self.check_nonce = false;
        self
    }

    /// The configured clock skew in seconds.
    ///
    /// ```
    /// use nhs_login_client::IdTokenVerifier;
    /// assert_eq!(IdTokenVerifier::new("https://auth.login.nhs.uk", "c").clock_skew(), 60);
    /// ```
    pub fn clock_skew(&self) -> u64 {
        self.clock_skew
    }

    /// The issuer tokens must come from.
    ///
    /// ```
    /// use nhs_login_client::IdTokenVerifier;
    /// let v = IdTokenVerifier::new("https://auth.login.nhs.uk", "c");
    /// assert_eq!(v.issuer().as_str(), "https://auth.login.nhs.uk");
    /// ```
    pub fn issuer(&self) -> &IssuerUrl {
        &self.issuer
    }

    /// The client id tokens must be for.
    ///
    /// ```
    /// use nhs_login_client::IdTokenVerifier;
    /// let v = IdTokenVerifier::new("https://auth.login.nhs.uk", "c");
    /// assert_eq!(v.client_id().as_str(), "c");
    /// ```
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }

    /// Checks the claims of a token whose signature verifies; `now` is
    /// seconds since the Unix epoch.
    ///
    /// The security claims (`iss`, `sub`, `aud`, `exp`, `iat`, `nbf`,
    /// `nonce`, `vot`, `azp`, `auth_time`) are strict; profile claims of an
    /// unexpected type are left out and reported in [`Claims::warnings`],
    /// and `"true"`/`"false"` strings in boolean claims become booleans.
    ///
    /// ```
    /// # #[cfg(feature = "rsa")] {
    /// use nhs_login_client::{IdTokenVerifier, Jwks, Nonce, NonceCheck, UntrustedToken};
    /// # let id_token = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/id_token.jwt")).trim();
    /// # let jwks = Jwks::parse(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwks.json")))?;
    /// # let now = 1_750_000_000.0;
    /// let signed = UntrustedToken::decode(id_token)?.verify_signature(&jwks)?;
    /// let verifier = IdTokenVerifier::new("https://auth.sandpit.signin.nhs.uk", "fuzz-client");
    /// let nonce = Nonce::from("fuzz-nonce"); // the one sent in the authorization request
    /// let token = verifier.verify_claims(&signed, NonceCheck::Expect(&nonce), now)?;
    /// assert_eq!(token.claims().nhs_number.as_deref(), Some("9000000009"));
    /// let err = verifier.verify_claims(&signed, NonceCheck::ExpectNone, now).unwrap_err();
    /// assert_eq!(err.code().as_str(), "invalid_nonce");
    /// # }
    /// # Ok::<(), nhs_login_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// `malformed_token` (claims not a JSON object), `missing_claim`,
    /// `invalid_claim`, `invalid_issuer`, `invalid_audience`, `token_expired`,
    /// `token_issued_in_future`, `invalid_nonce`, `vot_not_satisfied`;
    /// `invalid_option` if the verifier's issuer or client id is empty.
    pub fn verify_claims(
        &self,
        token: &SignedToken,
        nonce: NonceCheck<'_>,
        now: f64,
    ) -> Result<VerifiedIdToken> {
        self.check_claims(&token.claims, nonce, now, check_profile_claims)
            .map(VerifiedIdToken::from_checked)
    }

    /// [`IdTokenVerifier::verify_claims`] without building the typed
    /// [`Claims`]: the wasm boundary hands JavaScript the claims text and the
    /// edits, and the browser build stays free of the typed claims' code.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn check_signed(
        &self,
        token: &SignedToken,
        nonce: NonceCheck<'_>,
        now: f64,
    ) -> Result<Edits> {
        self.check_claims(&token.claims, nonce, now, |members| profile_edits(&members))
    }

    /// The claim rules on a claims segment, then `profile` on its members
    /// (borrowed from `payload`). Private: only a [`SignedToken`] leads here.
    fn check_claims<'p, R>(
        &self,
        payload: &'p [u8],
        nonce: NonceCheck<'_>,
        now: f64,
        profile: impl FnOnce(Vec<(Str<'p>, Json<'p>)>) -> R,
    ) -> Result<R> {
        if self.issuer.as_str().is_empty() {
            return Err(Error::option("issuer", "must not be empty"));
        }
        if self.client_id.as_str().is_empty() {
            return Err(Error::option("clientId", "must not be empty"));
        }
        let claims = json::parse_borrowed(payload)
            .ok_or_else(|| malformed("the JWT claims are not valid JSON"))?;
        if !matches!(claims, Json::Object(_)) {
            return Err(malformed("the JWT claims are not a JSON object"));
        }

        // OIDC Core 3.1.3.7 (2): iss MUST exactly match the issuer.
        if string_claim(&claims, "iss")? != self.issuer.as_str() {
            return Err(Error::new(
                ErrorCode::InvalidIssuer,
                "the ID token's iss is not the expected issuer",
            ));
        }

        // OIDC Core 3.1.3.7 (3): aud MUST contain client_id; other audiences must be trusted.
        let audiences: Vec<&str> = match claims.get("aud") {
            None => return Err(Error::missing_claim("aud")),
            Some(Json::String(s)) => vec![s.as_ref()],
            Some(Json::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .ok_or_else(|| Error::invalid_claim("aud", "has a non-string member"))
                })
                .collect::<Result<_>>()?,
            Some(_) => {
                return Err(Error::invalid_claim(
                    "aud",
                    "is neither a string nor an array",
                ))
            }
        };
        if !audiences.contains(&self.client_id.as_str()) {
            return Err(Error::new(
                ErrorCode::InvalidAudience,
                "the ID token's aud does not contain this client id",
            ));
        }
        if audiences.iter().any(|a| {
            *a != self.client_id.as_str()
                && !self.trusted_audiences.iter().any(|t| t.as_str() == *a)
        }) {
            return Err(Error::new(
                ErrorCode::InvalidAudience,
                "the ID token's aud contains an audience that is not trusted",
            ));
        }
        // OIDC Core 3.1.3.7 (5): if azp is present it must be this client.
        if let Some(azp) = claims.get("azp") {
            if azp.as_str() != Some(self.client_id.as_str()) {
                return Err(Error::new(
                    ErrorCode::InvalidAudience,
                    "the ID token's azp is not this client id",
                ));
            }
        }

        let skew = self.clock_skew as f64;
        // OIDC Core 3.1.3.7 (9); RFC 7519 4.1.4: reject when now >= exp (plus leeway).
        if now >= number_claim(&claims, "exp")? + skew {
            return Err(Error::new(
                ErrorCode::TokenExpired,
                "the ID token has expired (exp)",
            ));
        }
        // OIDC Core 3.1.3.7 (10): iat must be sane; a token from the future is refused.
        if number_claim(&claims, "iat")? > now + skew {
            return Err(Error::new(
                ErrorCode::TokenIssuedInFuture,
                "the ID token's iat is in the future: check the device clock",
            ));
        }
        // RFC 7519 4.1.5: not before.
        match claims.get("nbf") {
            None => {}
            Some(Json::Number(nbf)) if *nbf > now + skew => {
                return Err(Error::new(
                    ErrorCode::TokenIssuedInFuture,
                    "the ID token is not valid yet (nbf)",
                ))
            }
            Some(Json::Number(_)) => {}
            Some(_) => return Err(Error::invalid_claim("nbf", "is not a number")),
        }
        // OIDC Core 2: auth_time is a JSON number when present.
        if claims
            .get("auth_time")
            .is_some_and(|t| t.as_f64().is_none())
        {
            return Err(Error::invalid_claim("auth_time", "is not a number"));
        }

        // OIDC Core 3.1.3.7 (11): the nonce must equal the one sent.
        match (nonce, claims.get("nonce")) {
            _ if !self.check_nonce => {}
            (NonceCheck::Expect(sent), Some(Json::String(got)))
                if constant_time_eq(sent.as_str().as_bytes(), got.as_bytes()) => {}
            (NonceCheck::ExpectNone, None) => {}
            (NonceCheck::Expect(_), None) => {
                return Err(Error::new(
                    ErrorCode::InvalidNonce,
                    "the ID token has no nonce but one was sent",
                ))
            }
            (NonceCheck::ExpectNone, Some(_)) => {
                return Err(Error::new(
                    ErrorCode::InvalidNonce,
                    "the ID token has a nonce but none was sent",
                ))
            }
            (NonceCheck::Expect(_), Some(_)) => {
                return Err(Error::new(
                    ErrorCode::InvalidNonce,
                    "the ID token's nonce differs from the one sent (replayed or injected token)",
                ))
            }
        }

        // EIS Table 16: sub is a case-sensitive string of at most 255 ASCII characters.
        let sub = string_claim(&claims, "sub")?;
        if sub.is_empty() || sub.len() > 255 || !sub.is_ascii() {
            return Err(Error::invalid_claim(
                "sub",
                "must be 1 to 255 ASCII characters",
            ));
        }

        // EIS §4.2 / §5.1.4: vot MUST match one of the requested vectors.
        self.vtr.check_vot(string_claim(&claims, "vot")?)?;

        // Profile claims never fail a sign-in (NHS login in practice: types
        // seen differ from the EIS); they are normalised or left out.
        let Json::Object(members) = claims else {
            return Err(malformed("the JWT claims are not a JSON object"));
        };
        Ok(profile(members))
    }

    /// Validates an ID token end to end in Rust: [`UntrustedToken::decode`],
    /// [`UntrustedToken::verify_signature`] (key by `kid`, RS512), then
    /// [`IdTokenVerifier::verify_claims`].
    ///
    /// ```
    /// # #[cfg(feature = "rsa")] {
    /// use nhs_login_client::{IdTokenVerifier, Jwks, Nonce, NonceCheck};
    /// # let id_token = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/id_token.jwt")).trim();
    /// # let jwks_json = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwks.json"));
    /// # let now = 1_750_000_000.0;
    /// let jwks = Jwks::parse(jwks_json.as_bytes())?;
    /// let verifier = IdTokenVerifier::new("https://auth.sandpit.signin.nhs.uk", "fuzz-client");
    /// let nonce = Nonce::from("fuzz-nonce");
    /// let token = verifier.verify(id_token, &jwks, NonceCheck::Expect(&nonce), now)?;
    /// assert_eq!(token.claims().vot, "P9.Cp.Cd");
    ///
    /// let err = verifier.verify("not-a-token", &jwks, NonceCheck::Expect(&nonce), now).unwrap_err();
    /// assert_eq!(err.code().as_str(), "malformed_token");
    /// # }
    /// # Ok::<(), nhs_login_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// Every code of [`UntrustedToken::decode`],
    /// [`UntrustedToken::verify_signature`] and
    /// [`IdTokenVerifier::verify_claims`].
    #[cfg(feature = "rsa")]
    pub fn verify(
        &self,
        token: &str,
        jwks: &crate::Jwks,
        nonce: NonceCheck<'_>,
        now: f64,
    ) -> Result<VerifiedIdToken> {
        let signed = UntrustedToken::decode(token)?.verify_signature(jwks)?;
        self.verify_claims(&signed, nonce, now)
    }
}

/// An ID token whose signature and claims have been checked: the only way
/// to its claims. Made by [`IdTokenVerifier::verify_claims`] (or
/// [`IdTokenVerifier::verify`]).
///
/// ```
/// # #[cfg(feature = "rsa")] {
/// use nhs_login_client::{IdTokenVerifier, Jwks, Nonce, NonceCheck, VerifiedIdToken};
/// # let id_token = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/id_token.jwt")).trim();
/// # let jwks = Jwks::parse(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwks.json")))?;
/// # let now = 1_750_000_000.0;
/// let verifier = IdTokenVerifier::new("https://auth.sandpit.signin.nhs.uk", "fuzz-client");
/// let token: VerifiedIdToken =
///     verifier.verify(id_token, &jwks, NonceCheck::Expect(&Nonce::from("fuzz-nonce")), now)?;
/// assert_eq!(token.claims().sub, "49f470a1-cc52-49b7-beba-0f9cec937c46");
/// assert!(token.claims().warnings.is_empty());
/// let gp = token.claims_value().get("gp_registration_details");
/// assert_eq!(gp.and_then(|g| g.get("gp_ods_code")).and_then(|c| c.as_str()), Some("A12345"));
/// # }
/// # Ok::<(), nhs_login_client::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedIdToken {
    claims: Claims,
    value: Value,
}

impl VerifiedIdToken {
    fn from_checked(checked: CheckedClaims) -> Self {
        let mut claims = Claims::from_value(checked.claims.clone());
        claims.warnings = checked.warnings;
        VerifiedIdToken {
            claims,
            value: checked.claims,
        }
    }

    /// The typed claims, with [`Claims::warnings`] for profile claims that
    /// were left out.
    ///
    /// ```
    /// # #[cfg(feature = "rsa")] {
    /// # use nhs_login_client::{IdTokenVerifier, Jwks, Nonce, NonceCheck};
    /// # let id_token = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/id_token.jwt")).trim();
    /// # let jwks = Jwks::parse(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwks.json")))?;
    /// # let verifier = IdTokenVerifier::new("https://auth.sandpit.signin.nhs.uk", "fuzz-client");
    /// # let token = verifier.verify(id_token, &jwks, NonceCheck::Expect(&Nonce::from("fuzz-nonce")), 1_750_000_000.0)?;
    /// assert_eq!(token.claims().email_verified, Some(true));
    /// # }
    /// # Ok::<(), nhs_login_client::Error>(())
    /// ```
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The typed claims, by value.
    ///
    /// ```
    /// # #[cfg(feature = "rsa")] {
    /// # use nhs_login_client::{IdTokenVerifier, Jwks, Nonce, NonceCheck};
    /// # let id_token = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/id_token.jwt")).trim();
    /// # let jwks = Jwks::parse(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwks.json")))?;
    /// # let verifier = IdTokenVerifier::new("https://auth.sandpit.signin.nhs.uk", "fuzz-client");
    /// # let token = verifier.verify(id_token, &jwks, NonceCheck::Expect(&Nonce::from("fuzz-nonce")), 1_750_000_000.0)?;
    /// let claims = token.into_claims();
    /// assert_eq!(claims.family_name.as_deref(), Some("MILLAR"));
    /// # }
    /// # Ok::<(), nhs_login_client::Error>(())
    /// ```
    pub fn into_claims(self) -> Claims {
        self.claims
    }

    /// All the claims as one JSON object, normalised as [`Claims`] is
    /// (booleans sent as strings are booleans, ill-typed profile claims are
    /// gone), in token order.
    ///
    /// ```
    /// # #[cfg(feature = "rsa")] {
    /// # use nhs_login_client::{IdTokenVerifier, Jwks, Nonce, NonceCheck};
    /// # let id_token = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/id_token.jwt")).trim();
    /// # let jwks = Jwks::parse(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwks.json")))?;
    /// # let verifier = IdTokenVerifier::new("https://auth.sandpit.signin.nhs.uk", "fuzz-client");
    /// # let token = verifier.verify(id_token, &jwks, NonceCheck::Expect(&Nonce::from("fuzz-nonce")), 1_750_000_000.0)?;
    /// assert_eq!(token.claims_value().get("birthdate").and_then(|b| b.as_str()), Some("1968-02-12"));
    /// # }
    /// # Ok::<(), nhs_login_client::Error>(())
    /// ```
    pub fn claims_value(&self) -> &Value {
        &self.value
    }

    /// The verified, normalised claims deserialised into the caller's own
    /// type (feature `serde`), for claims or shapes [`Claims`] does not name.
    ///
    /// ```
    /// # #[cfg(feature = "rsa")] {
    /// # use nhs_login_client::{IdTokenVerifier, Jwks, Nonce, NonceCheck};
    /// # let id_token = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/id_token.jwt")).trim();
    /// # let jwks = Jwks::parse(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwks.json")))?;
    /// # let verifier = IdTokenVerifier::new("https://auth.sandpit.signin.nhs.uk", "fuzz-client");
    /// # let token = verifier.verify(id_token, &jwks, NonceCheck::Expect(&Nonce::from("fuzz-nonce")), 1_750_000_000.0)?;
    /// #[derive(serde::Deserialize)]
    /// struct Patient {
    ///     nhs_number: String,
    ///     exp: u64,
    ///     gp_registration_details: Option<Gp>,
    /// }
    /// #[derive(serde::Deserialize)]
    /// struct Gp {
    ///     gp_ods_code: String,
    /// }
    /// let patient: Patient = token.claims_as()?;
    /// assert_eq!(patient.nhs_number, "9000000009");
    /// assert_eq!(patient.exp, 1_750_003_600);
    /// assert_eq!(patient.gp_registration_details.map(|g| g.gp_ods_code).as_deref(), Some("A12345"));
    /// # }
    /// # Ok::<(), nhs_login_client::Error>(())
    /// ```
    ///
    /// # Errors
    /// `missing_claim` naming a claim the type requires but the token lacks;
    /// `invalid_claim` if a claim does not fit the type, naming the claim.
    /// The message says what the type expected and the kind of value seen
    /// (`string`, `number`, ...), never the value itself; only a custom
    /// message from the type's own `Deserialize` code is passed on as it is.
    #[cfg(feature = "serde")]
    pub fn claims_as<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        crate::value_serde::from_value(self.value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Nonce;

    fn b64(s: &str) -> String {
        base64url::encode(s.as_bytes())
    }

    fn tok(header: &str, payload: &str) -> String {
        format!("{}.{}.{}", b64(header), b64(payload), b64("sig"))
    }

    #[test]
    fn a_signed_token_holds_the_decoded_claims_segment() {
        let t = tok(r#"{"alg":"RS512"}"#, r#"{"sub":"x"}"#);
        let signed = UntrustedToken::decode(&t)
            .unwrap()
            .assume_signature_checked_by_host();
        assert_eq!(signed.claims_json(), br#"{"sub":"x"}"#);
        assert_eq!(format!("{signed:?}"), "SignedToken(..)");
    }

    #[test]
    fn decode_checks_structure_and_alg_first() {
        let code = |t: &str| {
            UntrustedToken::decode(t)
                .map(|_| "ok")
                .unwrap_or_else(|e| e.code().as_str())
        };
        assert_eq!(code(&tok(r#"{"alg":"RS512","kid":"k"}"#, "{}")), "ok");
        for alg in ["none", "HS512", "HS256", "RS256", "PS512", "ES512", "rs512"] {
            assert_eq!(
                code(&tok(&format!(r#"{{"alg":"{alg}"}}"#), "{}")),
                "unsupported_alg",
                "{alg}"
            );
        }
        assert_eq!(code(&tok(r#"{"kid":"k"}"#, "{}")), "unsupported_alg");
        assert_eq!(code(&tok(r#"{"alg":["RS512"]}"#, "{}")), "unsupported_alg");
        assert_eq!(
            code(&tok(r#"{"alg":"RS512","crit":["exp"],"exp":1}"#, "{}")),
            "unsupported_alg"
        );
        assert_eq!(
            code(&tok(r#"{"alg":"RS512","kid":1}"#, "{}")),
            "malformed_token"
        );
        assert_eq!(
            code(&tok(r#"{"alg":"RS512","alg":"none"}"#, "{}")),
            "malformed_token"
        );
        assert_eq!(code("a.b"), "malformed_token");
        assert_eq!(code("a.b.c.d"), "malformed_token");
        assert_eq!(code("a.b.c.d.e"), "malformed_token");
        assert_eq!(
            code(&format!("{}.e30.c2ln", b64("not json"))),
            "malformed_token"
        );
        assert_eq!(code(&format!("{}.e30.c2ln", b64("[]"))), "malformed_token");
        assert_eq!(
            code(&format!("{}.e30=.c2ln", b64(r#"{"alg":"RS512"}"#))),
            "malformed_token"
        );
        assert_eq!(
            code(&format!("{}.e30.", b64(r#"{"alg":"RS512"}"#))),
            "invalid_signature"
        );
        let huge = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(code(&huge), "malformed_token");
    }

    const NOW: f64 = 1_750_000_000.0;

    fn verifier() -> IdTokenVerifier {
        IdTokenVerifier::new("https://auth.login.nhs.uk", "client-1")
            .with_vtr(Vtr::new(&["P9.Cp.Cd", "P9.Cm"]).unwrap())
    }

    /// Base claims of a valid token, with `extra` members merged over them;
    /// a member whose value is the string "DELETE" is removed.
    fn claims(extra: &str) -> String {
        let mut base = serde_json::json!({
            "iss": "https://auth.login.nhs.uk",
            "aud": "client-1",
            "sub": "49f470a1-cc52-49b7-beba-0f9cec937c46",
            "exp": 1_750_003_600,
            "iat": 1_750_000_000,
            "nonce": "n-1",
            "vot": "P9.Cp.Cd",
            "vtm": "https://auth.login.nhs.uk/trustmark/auth.login.nhs.uk",
        });
        let extra: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&format!("{{{extra}}}")).unwrap();
        let obj = base.as_object_mut().unwrap();
        for (k, v) in extra {
            if v == "DELETE" {
                obj.remove(&k);
            } else {
                obj.insert(k, v);
            }
        }
        base.to_string()
    }

    fn n1() -> Nonce {
        Nonce::from("n-1")
    }

    fn check(extra: &str) -> &'static str {
        verifier()
            .check_claims(
                claims(extra).as_bytes(),
                NonceCheck::Expect(&n1()),
                NOW,
                check_profile_claims,
            )
            .map(|_| "ok")
            .unwrap_or_else(|e| e.code().as_str())
    }

    #[test]
    fn valid_claims_pass() {
        assert_eq!(check(""), "ok");
        assert_eq!(check(r#""aud":["client-1"]"#), "ok");
        assert_eq!(
            check(
                r#""nhs_number":"9000000009","birthdate":"1968-02-12","email_verified":true,"gp_registration_details":{"gp_ods_code":"A12345"},"unknown":[1,2]"#
            ),
            "ok"
        );
    }

    #[test]
    fn every_claim_rule_fires() {
        assert_eq!(
            check(r#""iss":"https://auth.login.nhs.uk/""#),
            "invalid_issuer"
        );
        assert_eq!(check(r#""iss":"DELETE""#), "missing_claim");
        assert_eq!(check(r#""iss":1"#), "invalid_claim");
        assert_eq!(check(r#""aud":"other""#), "invalid_audience");
        assert_eq!(check(r#""aud":["client-1","other"]"#), "invalid_audience");
        assert_eq!(check(r#""aud":[1]"#), "invalid_claim");
        assert_eq!(check(r#""aud":{}"#), "invalid_claim");
        assert_eq!(check(r#""aud":"DELETE""#), "missing_claim");
        assert_eq!(check(r#""azp":"other""#), "invalid_audience");
        assert_eq!(check(r#""exp":1749999940"#), "token_expired"); // now - 60 = exp: expired
        assert_eq!(check(r#""exp":1749999941"#), "ok"); // within skew
        assert_eq!(check(r#""exp":"1750003600""#), "invalid_claim");
        assert_eq!(check(r#""exp":"DELETE""#), "missing_claim");
        assert_eq!(check(r#""iat":1750000061"#), "token_issued_in_future");
        assert_eq!(check(r#""iat":1750000060"#), "ok");
        assert_eq!(check(r#""iat":"DELETE""#), "missing_claim");
        assert_eq!(check(r#""nbf":1750000100"#), "token_issued_in_future");
        assert_eq!(check(r#""nonce":"n-2""#), "invalid_nonce");
        assert_eq!(check(r#""nonce":"DELETE""#), "invalid_nonce");
        assert_eq!(check(r#""nonce":5"#), "invalid_nonce");
        assert_eq!(check(r#""sub":"DELETE""#), "missing_claim");
        assert_eq!(check(r#""sub":"""#), "invalid_claim");
        assert_eq!(check(r#""sub":42"#), "invalid_claim");
        assert_eq!(check(r#""vot":"DELETE""#), "missing_claim");
        assert_eq!(check(r#""vot":"P5.Cp.Cd""#), "vot_not_satisfied");
        assert_eq!(check(r#""vot":"P9.Cp""#), "vot_not_satisfied");
        assert_eq!(check(r#""vot":"P9.Ca.Cc""#), "invalid_claim");
        assert_eq!(check(r#""vot":["P9.Cm"]"#), "invalid_claim");
        assert_eq!(check(r#""nbf":"1""#), "invalid_claim");
        assert_eq!(check(r#""auth_time":"1750000000""#), "invalid_claim");
        assert_eq!(check(r#""auth_time":1750000000"#), "ok");
    }

    /// The profile claims a token carries after checking, and the warnings.
    fn profile(extra: &str) -> (Value, Vec<(String, &'static str)>) {
        let c = verifier()
            .check_claims(
                claims(extra).as_bytes(),
                NonceCheck::Expect(&n1()),
                NOW,
                check_profile_claims,
            )
            .unwrap();
        let w = c
            .warnings
            .into_iter()
            .map(|w| (w.claim, w.message))
            .collect();
        (c.claims, w)
    }

    #[test]
    fn profile_claims_never_fail_a_sign_in() {
        // NHS login in practice: "true"/"false" strings become booleans, silently.
        let (c, w) = profile(r#""email_verified":"true","phone_number_verified":"false""#);
        assert_eq!(c.get("email_verified"), Some(&Value::Bool(true)));
        assert_eq!(c.get("phone_number_verified"), Some(&Value::Bool(false)));
        assert!(w.is_empty());
        // Other unexpected types: left out, with a warning naming the claim.
        for (extra, claim, why) in [
            (
                r#""email_verified":"yes""#,
                "email_verified",
                "is not a boolean",
            ),
            (
                r#""email_verified":1"#,
                "email_verified",
                "is not a boolean",
            ),
            (
                r#""nhs_number":9000000009"#,
                "nhs_number",
                "is not a string",
            ),
            (
                r#""nhs_number":"900000000""#,
                "nhs_number",
                "is not a 10-digit string",
            ),
            (r#""family_name":["X"]"#, "family_name", "is not a string"),
            (r#""jti":7"#, "jti", "is not a string"),
            (
                r#""gp_registration_details":"A12345""#,
                "gp_registration_details",
                "is not an object",
            ),
        ] {
            let (c, w) = profile(extra);
            assert_eq!(w, vec![(claim.to_string(), why)], "{extra}");
            assert!(c.get(claim).is_none(), "{extra}");
            assert_eq!(
                c.get("sub").and_then(Value::as_str),
                Some("49f470a1-cc52-49b7-beba-0f9cec937c46")
            );
        }
        // Untyped claims are kept as they are.
        let (c, w) = profile(r#""id_status":5"#);
        assert_eq!(c.get("id_status").and_then(Value::as_f64), Some(5.0));
        assert!(w.is_empty());
    }

    #[test]
    fn unexpected_nonce_and_bad_payloads() {
        let v = verifier();
        let code = |r: Result<CheckedClaims>| r.map(|_| "ok").unwrap_or_else(|e| e.code().as_str());
        let n1 = n1();
        let sent = NonceCheck::Expect(&n1);
        let none = NonceCheck::ExpectNone;
        assert_eq!(
            code(v.check_claims(claims("").as_bytes(), none, NOW, check_profile_claims)),
            "invalid_nonce"
        );
        assert_eq!(
            code(v.check_claims(
                claims(r#""nonce":"DELETE""#).as_bytes(),
                none,
                NOW,
                check_profile_claims
            )),
            "ok"
        );
        assert_eq!(
            code(v.check_claims(b"[]", sent, NOW, check_profile_claims)),
            "malformed_token"
        );
        assert_eq!(
            code(v.check_claims(b"{", sent, NOW, check_profile_claims)),
            "malformed_token"
        );
        let no_iss = IdTokenVerifier::new("", "c");
        assert_eq!(
            code(no_iss.check_claims(b"{}", none, NOW, check_profile_claims)),
            "invalid_option"
        );
        let trusting = verifier().with_trusted_audiences(vec!["other".into()]);
        assert_eq!(
            code(trusting.check_claims(
                claims(r#""aud":["client-1","other"]"#).as_bytes(),
                sent,
                NOW,
                check_profile_claims
            )),
            "ok"
        );
        // The escape hatch: any nonce, or none, passes.
        let skipping = verifier().insecure_skip_nonce_check();
        for extra in ["", r#""nonce":"other""#, r#""nonce":"DELETE""#] {
            let payload = claims(extra);
            assert_eq!(
                code(skipping.check_claims(payload.as_bytes(), none, NOW, check_profile_claims)),
                "ok"
            );
            assert_eq!(
                code(skipping.check_claims(payload.as_bytes(), sent, NOW, check_profile_claims)),
                "ok"
            );
        }
    }

    #[test]
    fn default_vtr_is_p9() {
        let v = IdTokenVerifier::new("https://auth.login.nhs.uk", "client-1");
        let p5 = claims(r#""vot":"P5.Cp.Cd""#);
        assert_eq!(
            v.check_claims(
                p5.as_bytes(),
                NonceCheck::Expect(&n1()),
                NOW,
                check_profile_claims
            )
            .unwrap_err()
            .code(),
            ErrorCode::VotNotSatisfied
        );
    }
}
