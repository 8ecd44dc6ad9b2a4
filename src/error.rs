//! The one error type of the crate, with stable string codes.
//!
//! Every failure carries an [`ErrorCode`] whose [`ErrorCode::as_str`] value is
//! stable API: it is what crosses into JavaScript as `error.code`. Messages
//! say what was expected and what was seen, but never echo a token, a key, a
//! state or a nonce value.

#[allow(unused_imports)]
use crate::prelude::*;

use alloc::borrow::Cow;

/// A stable, machine-readable error code.
///
/// ```
/// use nhs_login_client::ErrorCode;
/// assert_eq!(ErrorCode::TokenExpired.as_str(), "token_expired");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum ErrorCode {
    /// An option given to the library is missing or not allowed; the message names the field.
    InvalidOption,
    /// The `state` in the redirect is absent or differs from the one sent.
    StateMismatch,
    /// NHS login answered the authorization request with an error (`error=` in the redirect).
    ProviderError,
    /// The issuer differs from the expected one (RFC 9207 `iss` parameter, or the ID token's `iss`).
    InvalidIssuer,
    /// The redirect carries neither `code` nor `error`.
    MissingCode,
    /// The redirect URL is unusable: a response parameter appears twice, or the URL has no query.
    MalformedCallback,
    /// The token is not a well-formed compact JWS with JSON header and claims, or is over 64 KiB.
    MalformedToken,
    /// The JWS `alg` is anything but `RS512`, or the header carries an unknown `crit` extension.
    UnsupportedAlg,
    /// No usable key in the JWKS matches the token's `kid`.
    KeyNotFound,
    /// The JWKS document itself is malformed.
    InvalidJwks,
    /// The RS512 signature does not verify with the selected key.
    InvalidSignature,
    /// `aud` does not contain the client id, or contains an audience that is not trusted.
    InvalidAudience,
    /// `exp` is in the past (beyond the allowed clock skew).
    TokenExpired,
    /// `iat` is in the future (beyond the allowed clock skew).
    TokenIssuedInFuture,
    /// `nonce` is absent or differs from the one sent.
    InvalidNonce,
    /// A required claim is absent.
    MissingClaim,
    /// A claim has the wrong JSON type or an impossible value.
    InvalidClaim,
    /// The `vot` claim satisfies none of the requested `vtr` vectors.
    VotNotSatisfied,
    /// The platform random number generator failed.
    RandomUnavailable,
    /// A userinfo answer is not a JSON object, or is for another user than
    /// the ID token (EIS §3.6.2).
    InvalidUserinfo,
    /// JavaScript layer (`NhsLogin`): the sign-in took longer than its transaction may live.
    TransactionExpired,
    /// JavaScript layer (`NhsLogin.completeSignIn`): the edge handler refused or failed the code exchange.
    TokenExchangeFailed,
    /// JavaScript layer: the WebAssembly module could not be loaded (network, CSP); the next call retries.
    WasmUnavailable,
    /// JavaScript layer (`NhsLogin.userinfo`): the edge handler answered an error.
    UserinfoFailed,
    /// JavaScript layer (`NhsLogin.refresh`): no access token from the edge handler's refresh.
    RefreshFailed,
    /// JavaScript layer (`NhsLogin`): the edge's session belongs to another patient than the one
    /// signed in on this page (someone else signed in in another tab).
    SessionChanged,
    /// JavaScript layer (`NhsLogin.ssoAssertion`): the edge handler gave no single sign-on assertion
    /// (`error` `sso_unavailable`: the session is idle or its ID token older than 60 minutes).
    SsoUnavailable,
    /// JavaScript layer (`NhsLogin.resume`): the edge handler's session could not be read.
    ResumeFailed,
}

impl ErrorCode {
    /// The stable string form of the code, e.g. `"invalid_signature"`.
    ///
    /// ```
    /// # use nhs_login_client::ErrorCode;
    /// assert_eq!(ErrorCode::VotNotSatisfied.as_str(), "vot_not_satisfied");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidOption => "invalid_option",
            ErrorCode::StateMismatch => "state_mismatch",
            ErrorCode::ProviderError => "provider_error",
            ErrorCode::InvalidIssuer => "invalid_issuer",
            ErrorCode::MissingCode => "missing_code",
            ErrorCode::MalformedCallback => "malformed_callback",
            ErrorCode::MalformedToken => "malformed_token",
            ErrorCode::UnsupportedAlg => "unsupported_alg",
            ErrorCode::KeyNotFound => "key_not_found",
            ErrorCode::InvalidJwks => "invalid_jwks",
            ErrorCode::InvalidSignature => "invalid_signature",
            ErrorCode::InvalidAudience => "invalid_audience",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::TokenIssuedInFuture => "token_issued_in_future",
            ErrorCode::InvalidNonce => "invalid_nonce",
            ErrorCode::MissingClaim => "missing_claim",
            ErrorCode::InvalidClaim => "invalid_claim",
            ErrorCode::VotNotSatisfied => "vot_not_satisfied",
            ErrorCode::RandomUnavailable => "random_unavailable",
            ErrorCode::InvalidUserinfo => "invalid_userinfo",
            ErrorCode::TransactionExpired => "transaction_expired",
            ErrorCode::TokenExchangeFailed => "token_exchange_failed",
            ErrorCode::WasmUnavailable => "wasm_unavailable",
            ErrorCode::UserinfoFailed => "userinfo_failed",
            ErrorCode::RefreshFailed => "refresh_failed",
            ErrorCode::SessionChanged => "session_changed",
            ErrorCode::SsoUnavailable => "sso_unavailable",
            ErrorCode::ResumeFailed => "resume_failed",
        }
    }

    /// What the code means, in a sentence for a developer: the source of the
    /// npm package's `ERROR_MESSAGES` (generated) and the messages the
    /// JavaScript layer raises for its own codes.
    ///
    /// ```
    /// use nhs_login_client::ErrorCode;
    /// assert!(ErrorCode::TransactionExpired.summary().contains("10 minutes"));
    /// ```
    pub const fn summary(self) -> &'static str {
        match self {
            ErrorCode::InvalidOption => "an option is missing or breaks its rule; `field` names it",
            ErrorCode::StateMismatch => "the redirect's state is absent or not the one sent, or the sign-in was already completed",
            ErrorCode::ProviderError => "NHS login answered the authorization request with an error; see `error` and `errorDescription`",
            ErrorCode::InvalidIssuer => "the issuer (RFC 9207 iss on the redirect, or the ID token's iss) is not the expected one",
            ErrorCode::MissingCode => "the redirect carries neither code nor error",
            ErrorCode::MalformedCallback => "a response parameter appears twice in the redirect",
            ErrorCode::MalformedToken => "the token is not a well-formed compact JWS with JSON header and claims, or is over 64 KiB",
            ErrorCode::UnsupportedAlg => "the token's alg is not RS512, or it has a crit header",
            ErrorCode::KeyNotFound => "no usable JWKS key matches the token's kid",
            ErrorCode::InvalidJwks => "the JWKS is not a JSON object with a keys array, or could not be fetched",
            ErrorCode::InvalidSignature => "the RS512 signature does not verify",
            ErrorCode::InvalidAudience => "aud lacks the client id or has an untrusted audience, or azp is another client",
            ErrorCode::TokenExpired => "the token has expired (exp, beyond the clock skew)",
            ErrorCode::TokenIssuedInFuture => "the token's iat or nbf is in the future (beyond the clock skew): check the device clock",
            ErrorCode::InvalidNonce => "the nonce is absent, different, or present when none was sent",
            ErrorCode::MissingClaim => "a required claim is absent; `claim` names it",
            ErrorCode::InvalidClaim => "a security claim has the wrong type or an impossible value; `claim` names it",
            ErrorCode::VotNotSatisfied => "the vot matches none of the requested vectors of trust",
            ErrorCode::RandomUnavailable => "the platform random number generator failed",
            ErrorCode::InvalidUserinfo => "the userinfo answer is not a JSON object, or is for another user than the ID token",
            ErrorCode::TransactionExpired => "the sign-in took longer than allowed (10 minutes). Start again.",
            ErrorCode::TokenExchangeFailed => "the edge handler did not exchange the code; see `error` and `status`",
            ErrorCode::WasmUnavailable => "the nhs-login-client WebAssembly module could not be loaded",
            ErrorCode::UserinfoFailed => "the edge handler answered the userinfo call with an error; see `error` and `status`",
            ErrorCode::RefreshFailed => "the edge handler gave no access token on refresh; `error` login_required means sign in again",
            ErrorCode::SessionChanged => "the edge's session is another patient's than the one signed in on this page: show the new patient or sign in again",
            ErrorCode::SsoUnavailable => "the edge handler gave no single sign-on assertion; `error` sso_unavailable means sign in again first",
            ErrorCode::ResumeFailed => "the edge handler's session could not be read (not a missing session: that resolves to null); see `error` and `status`",
        }
    }

    /// Every code, in declaration order: the source of the npm package's
    /// `ERROR_CODES` and its TypeScript `ErrorCode` union (generated, see
    /// `tests/generated_js.rs`).
    ///
    /// ```
    /// use nhs_login_client::ErrorCode;
    /// assert!(ErrorCode::ALL.iter().any(|c| c.as_str() == "vot_not_satisfied"));
    /// ```
    pub const ALL: [ErrorCode; 28] = [
        ErrorCode::InvalidOption,
        ErrorCode::StateMismatch,
        ErrorCode::ProviderError,
        ErrorCode::InvalidIssuer,
        ErrorCode::MissingCode,
        ErrorCode::MalformedCallback,
        ErrorCode::MalformedToken,
        ErrorCode::UnsupportedAlg,
        ErrorCode::KeyNotFound,
        ErrorCode::InvalidJwks,
        ErrorCode::InvalidSignature,
        ErrorCode::InvalidAudience,
        ErrorCode::TokenExpired,
        ErrorCode::TokenIssuedInFuture,
        ErrorCode::InvalidNonce,
        ErrorCode::MissingClaim,
        ErrorCode::InvalidClaim,
        ErrorCode::VotNotSatisfied,
        ErrorCode::RandomUnavailable,
        ErrorCode::InvalidUserinfo,
        ErrorCode::TransactionExpired,
        ErrorCode::TokenExchangeFailed,
        ErrorCode::WasmUnavailable,
        ErrorCode::UserinfoFailed,
        ErrorCode::RefreshFailed,
        ErrorCode::SessionChanged,
        ErrorCode::SsoUnavailable,
        ErrorCode::ResumeFailed,
    ];
}

/// The error reported by the authorization server in the redirect
/// (OIDC Core 3.1.2.6, EIS Table 4).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ProviderError {
    /// The `error` parameter, e.g. `access_denied` or `sso_login_required`.
    pub error: String,
    /// The `error_description` parameter, e.g. `ConsentNotGiven`, when present.
    pub error_description: Option<String>,
}

/// An error from any function of this crate: a stable [`ErrorCode`] and a
/// human-readable message.
///
/// ```
/// use nhs_login_client::{parse_callback, ErrorCode, State};
/// let err = parse_callback("https://app.example/cb?code=x&state=evil", &State::from("good"), None).unwrap_err();
/// assert_eq!(err.code(), ErrorCode::StateMismatch);
/// assert_eq!(err.code().as_str(), "state_mismatch");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Error {
    code: ErrorCode,
    message: Cow<'static, str>,
    provider: Option<Box<ProviderError>>,
    /// The option (`invalid_option`) or claim (`missing_claim`, `invalid_claim`) at fault.
    subject: Option<Cow<'static, str>>,
}

impl Error {
    // The constructors are never inlined: there are a hundred error sites and
    // one out-of-line call each is much smaller in wasm than the struct
    // written out in place.

    /// An error with a fixed message.
    #[inline(never)]
    pub(crate) fn new(code: ErrorCode, message: &'static str) -> Self {
        Error {
            code,
            message: Cow::Borrowed(message),
            provider: None,
            subject: None,
        }
    }

    /// An error whose message is built from parts (no `format!`, to keep
    /// `core::fmt` out of the wasm build).
    #[inline(never)]
    pub(crate) fn with_parts(code: ErrorCode, parts: &[&str]) -> Self {
        Error {
            code,
            message: Cow::Owned(cat(parts)),
            provider: None,
            subject: None,
        }
    }

    fn about(mut self, subject: &'static str) -> Self {
        self.subject = Some(Cow::Borrowed(subject));
        self
    }

    /// `invalid_option` naming the field and the rule it breaks.
    #[inline(never)]
    pub(crate) fn option(field: &'static str, rule: &str) -> Self {
        Error::with_parts(ErrorCode::InvalidOption, &["option `", field, "` ", rule]).about(field)
    }

    /// `missing_claim` naming the claim.
    #[inline(never)]
    pub(crate) fn missing_claim(name: &'static str) -> Self {
        Error::with_parts(
            ErrorCode::MissingClaim,
            &["the ID token has no `", name, "` claim"],
        )
        .about(name)
    }

    /// `invalid_claim` naming the claim and the rule it breaks.
    #[inline(never)]
    pub(crate) fn invalid_claim(name: &'static str, rule: &str) -> Self {
        Error::with_parts(
            ErrorCode::InvalidClaim,
            &["the ID token claim `", name, "` ", rule],
        )
        .about(name)
    }

    /// `invalid_claim` naming a claim known only at run time (the
    /// caller's own claim types, feature `serde`).
    #[cfg(feature = "serde")]
    pub(crate) fn invalid_claim_named(name: String, rule: &str) -> Self {
        let mut e = Error::with_parts(
            ErrorCode::InvalidClaim,
            &["the ID token claim `", &name, "` ", rule],
        );
        e.subject = Some(Cow::Owned(name));
        e
    }

    pub(crate) fn provider(error: String, error_description: Option<String>) -> Self {
        let message = provider_message(&error, error_description.as_deref());
        Error {
            code: ErrorCode::ProviderError,
            message: Cow::Borrowed(message),
            provider: Some(Box::new(ProviderError {
                error,
                error_description,
            })),
            subject: None,
        }
    }

    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// A human-readable explanation. It never contains secret values.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// For [`ErrorCode::InvalidOption`]: the option at fault, e.g. `redirectUri`.
    ///
    /// ```
    /// use nhs_login_client::{create_authorization_request, AuthorizeOptions};
    /// let o = AuthorizeOptions::new("https://auth.login.nhs.uk/authorize", "c", "https://a.example/cb?x=1");
    /// assert_eq!(create_authorization_request(&o).unwrap_err().field(), Some("redirectUri"));
    /// ```
    pub fn field(&self) -> Option<&str> {
        match self.code {
            ErrorCode::InvalidOption => self.subject.as_deref(),
            _ => None,
        }
    }

    /// For [`ErrorCode::MissingClaim`] and [`ErrorCode::InvalidClaim`]: the
    /// claim at fault, e.g. `exp`.
    pub fn claim(&self) -> Option<&str> {
        match self.code {
            ErrorCode::MissingClaim | ErrorCode::InvalidClaim => self.subject.as_deref(),
            _ => None,
        }
    }

    /// For [`ErrorCode::ProviderError`]: the `error` and `error_description`
    /// that NHS login put in the redirect.
    pub fn provider_error(&self) -> Option<&ProviderError> {
        self.provider.as_deref()
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.code.as_str())?;
        f.write_str(": ")?;
        f.write_str(&self.message)
    }
}

impl core::error::Error for Error {}

/// A human-readable message for an authorization error code
/// (RFC 6749 4.1.2.1, OIDC Core 3.1.2.6, EIS Table 5, NHS App web integration).
fn provider_message(error: &str, description: Option<&str>) -> &'static str {
    match (error, description) {
        ("access_denied", Some("ConsentNotGiven")) => {
            "the user chose not to share their NHS login details with this service (ConsentNotGiven)"
        }
        ("access_denied", _) => "the user or NHS login denied the request",
        ("sso_login_required", _) => {
            "NHS login could not sign the user in silently (prompt=none); send them back to sign in again"
        }
        ("login_required", _) => "NHS login needs the user to sign in (prompt=none could not be honoured)",
        ("interaction_required", _) => "NHS login needs the user to interact before it can continue",
        ("consent_required", _) => "NHS login needs the user's consent before it can continue",
        ("account_selection_required", _) => "NHS login needs the user to choose an account",
        ("invalid_scope", _) => "a requested scope is unknown or not approved for this client",
        ("invalid_request", _) => {
            "NHS login rejected the request as malformed (check client_id, redirect_uri and vtr)"
        }
        ("unauthorized_client", _) => "this client is not allowed to use this grant or redirect",
        ("unsupported_response_type", _) => "NHS login supports response_type=code only",
        ("server_error", _) => "NHS login had an internal error; try again later",
        ("temporarily_unavailable", _) => "NHS login is temporarily unavailable; try again later",
        ("request_not_supported", _)
        | ("request_uri_not_supported", _)
        | ("registration_not_supported", _)
        | ("invalid_request_uri", _)
        | ("invalid_request_object", _) => "NHS login does not support this kind of request",
        _ => "NHS login returned an error",
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_code_once() {
        for (i, a) in ErrorCode::ALL.iter().enumerate() {
            for b in &ErrorCode::ALL[i + 1..] {
                assert_ne!(a.as_str(), b.as_str());
            }
            // as_str is snake_case ASCII.
            assert!(a
                .as_str()
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c == b'_'));
        }
    }

    #[test]
    fn codes_are_stable_snake_case() {
        let all = [
            (ErrorCode::InvalidOption, "invalid_option"),
            (ErrorCode::StateMismatch, "state_mismatch"),
            (ErrorCode::ProviderError, "provider_error"),
            (ErrorCode::InvalidIssuer, "invalid_issuer"),
            (ErrorCode::MissingCode, "missing_code"),
            (ErrorCode::MalformedToken, "malformed_token"),
            (ErrorCode::UnsupportedAlg, "unsupported_alg"),
            (ErrorCode::KeyNotFound, "key_not_found"),
            (ErrorCode::InvalidSignature, "invalid_signature"),
            (ErrorCode::InvalidAudience, "invalid_audience"),
            (ErrorCode::TokenExpired, "token_expired"),
            (ErrorCode::TokenIssuedInFuture, "token_issued_in_future"),
            (ErrorCode::InvalidNonce, "invalid_nonce"),
            (ErrorCode::MissingClaim, "missing_claim"),
            (ErrorCode::InvalidClaim, "invalid_claim"),
            (ErrorCode::VotNotSatisfied, "vot_not_satisfied"),
            (ErrorCode::InvalidUserinfo, "invalid_userinfo"),
            (ErrorCode::MalformedCallback, "malformed_callback"),
            (ErrorCode::InvalidJwks, "invalid_jwks"),
            (ErrorCode::RandomUnavailable, "random_unavailable"),
            (ErrorCode::TransactionExpired, "transaction_expired"),
            (ErrorCode::TokenExchangeFailed, "token_exchange_failed"),
            (ErrorCode::WasmUnavailable, "wasm_unavailable"),
            (ErrorCode::UserinfoFailed, "userinfo_failed"),
            (ErrorCode::RefreshFailed, "refresh_failed"),
            (ErrorCode::SessionChanged, "session_changed"),
            (ErrorCode::SsoUnavailable, "sso_unavailable"),
            (ErrorCode::ResumeFailed, "resume_failed"),
        ];
        assert_eq!(all.len(), ErrorCode::ALL.len(), "every code is pinned here");
        for (code, s) in all {
            assert_eq!(code.as_str(), s);
        }
    }

    #[test]
    fn consent_not_given_has_its_own_message() {
        let e = Error::provider("access_denied".into(), Some("ConsentNotGiven".into()));
        assert_eq!(e.code(), ErrorCode::ProviderError);
        assert!(e.message().contains("ConsentNotGiven"));
        assert_eq!(
            e.provider_error().map(|p| p.error.as_str()),
            Some("access_denied")
        );
        let display = e.to_string();
        assert!(display.starts_with("provider_error: "));
    }
}
