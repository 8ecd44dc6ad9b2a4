//! The redirect back from NHS login (OIDC Core 3.1.2.5–3.1.2.7, RFC 6749
//! 4.1.2, RFC 9207, EIS Tables 3–5).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::error::{Error, ErrorCode, Result};
use crate::random::constant_time_eq;
use crate::types::{AuthorizationCode, IssuerUrl, State};
use crate::url::{pairs, query_of};

/// A successful authorization response: the one-time code.
///
/// ```
/// use nhs_login_client::{parse_callback, State};
/// let cb = parse_callback("https://app.example/cb?code=abc&state=s1", &State::from("s1"), None)?;
/// assert_eq!(cb.code.as_str(), "abc");
/// # Ok::<(), nhs_login_client::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Callback {
    /// The authorization code (single use, 10 minutes, EIS Table 3).
    pub code: AuthorizationCode,
}

/// Characters RFC 6749 §4.1.2.1 allows in `error` and `error_description`
/// (%x20-21 / %x23-5B / %x5D-7E), less the HTML-significant `<`, `>`, `&` and
/// `'` (`"` is outside the set already). Anything else is replaced by `?`, so
/// no markup or control character from the URL reaches an error: the text
/// is plain and safe to show, though it should still go in as text, never HTML.
fn sanitise(s: &str) -> String {
    s.chars()
        .take(256)
        .map(|c| match c {
            '<' | '>' | '&' | '\'' => '?',
            ' '..='!' | '#'..='[' | ']'..='~' => c,
            _ => '?',
        })
        .collect()
}

/// Parses the redirect URL (or its query string) and checks it against the
/// `state` that was sent, and against the issuer when NHS login (or the local
/// provider) adds the RFC 9207 `iss` parameter.
///
/// The checks run in this order: a repeated parameter (`malformed_callback`),
/// `iss` when present and `expected_issuer` is given (`invalid_issuer`,
/// RFC 9207 §2.4), `state` (`state_mismatch`, compared in constant time),
/// `error` (`provider_error`), `code` (`missing_code`).
///
/// ```
/// use nhs_login_client::{parse_callback, Environment, ErrorCode, State};
/// let sent = State::from("s1");
/// let cb = parse_callback("https://app.example/cb?code=abc&state=s1", &sent, None).unwrap();
/// assert_eq!(cb.code.as_str(), "abc");
/// let iss = Environment::Production.issuer_url();
/// let with_iss = "https://app.example/cb?code=abc&state=s1&iss=https%3A%2F%2Fauth.login.nhs.uk";
/// assert!(parse_callback(with_iss, &sent, Some(&iss)).is_ok());
/// let err = parse_callback(
///     "https://app.example/cb?error=access_denied&error_description=ConsentNotGiven&state=s1",
///     &sent, None).unwrap_err();
/// assert_eq!(err.code(), ErrorCode::ProviderError);
/// assert_eq!(err.provider_error().unwrap().error_description.as_deref(), Some("ConsentNotGiven"));
/// ```
///
/// # Errors
/// `malformed_callback`, `invalid_issuer`, `state_mismatch`, `provider_error`
/// (with [`Error::provider_error`]) or `missing_code`, as above; also
/// `invalid_option` if `expected_state` is empty.
pub fn parse_callback(
    url: &str,
    expected_state: &State,
    expected_issuer: Option<&IssuerUrl>,
) -> Result<Callback> {
    let expected_state = expected_state.as_str();
    if expected_state.is_empty() {
        return Err(Error::option(
            "state",
            "must be the non-empty state sent in the request",
        ));
    }
    let query = query_of(url).ok_or_else(|| {
        Error::new(
            ErrorCode::MissingCode,
            "the redirect URL has no query string: it carries neither code nor error",
        )
    })?;

    let mut code = None;
    let mut state = None;
    let mut iss = None;
    let mut error = None;
    let mut error_description = None;
    for (name, value) in pairs(query) {
        let slot = match name.as_str() {
            "code" => &mut code,
            "state" => &mut state,
            "iss" => &mut iss,
            "error" => &mut error,
            "error_description" => &mut error_description,
            _ => continue, // unknown parameters are ignored (RFC 6749 3.1)
        };
        // RFC 6749 3.1: parameters MUST NOT be included more than once.
        if slot.replace(value).is_some() {
            return Err(Error::with_parts(
                ErrorCode::MalformedCallback,
                &[
                    "the redirect repeats the `",
                    &name,
                    "` parameter (RFC 6749 3.1)",
                ],
            ));
        }
    }

    // RFC 9207 §2.4: if `iss` is present it MUST equal the expected issuer.
    if let (Some(iss), Some(expected)) = (&iss, expected_issuer) {
        if iss != expected.as_str() {
            return Err(Error::new(
                ErrorCode::InvalidIssuer,
                "the redirect's iss parameter is not the expected issuer (RFC 9207): a mix-up attack or a misconfiguration",
            ));
        }
    }

    // OIDC Core 3.1.2.7 / RFC 6749 10.12: the state must match what was sent.
    match &state {
        Some(s) if constant_time_eq(s.as_bytes(), expected_state.as_bytes()) => {}
        Some(_) => {
            return Err(Error::new(
                ErrorCode::StateMismatch,
                "the redirect's state differs from the one sent: restart sign-in",
            ))
        }
        None => {
            return Err(Error::new(
                ErrorCode::StateMismatch,
                "the redirect has no state: restart sign-in",
            ))
        }
    }

    // OIDC Core 3.1.2.6 / EIS Table 4: an error response.
    if let Some(e) = error {
        return Err(Error::provider(
            sanitise(&e),
            error_description.as_deref().map(sanitise),
        ));
    }

    match code {
        Some(code) if !code.is_empty() => Ok(Callback {
            code: AuthorizationCode::from(code),
        }),
        _ => Err(Error::new(
            ErrorCode::MissingCode,
            "the redirect carries neither code nor error",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISS: &str = "https://auth.login.nhs.uk";

    /// [`parse_callback`] with the expectations as plain strings.
    fn parse(url: &str, state: &str, issuer: Option<&str>) -> Result<Callback> {
        parse_callback(
            url,
            &State::from(state),
            issuer.map(IssuerUrl::from).as_ref(),
        )
    }

    fn code_of(r: Result<Callback>) -> &'static str {
        r.map(|_| "ok").unwrap_or_else(|e| e.code().as_str())
    }

    #[test]
    fn accepts_code_with_matching_state_with_or_without_iss() {
        let cb = parse("https://a/cb?code=c%2B1&state=st", "st", Some(ISS)).unwrap();
        assert_eq!(cb.code.as_str(), "c+1");
        let url = "https://a/cb?code=c&state=st&iss=https%3A%2F%2Fauth.login.nhs.uk";
        assert_eq!(code_of(parse(url, "st", Some(ISS))), "ok");
        assert_eq!(code_of(parse("code=c&state=st", "st", None)), "ok");
    }

    #[test]
    fn state_mismatch() {
        assert_eq!(
            code_of(parse("https://a/cb?code=c&state=x", "st", None)),
            "state_mismatch"
        );
        assert_eq!(
            code_of(parse("https://a/cb?code=c", "st", None)),
            "state_mismatch"
        );
        assert_eq!(
            code_of(parse("https://a/cb?code=c&state=", "st", None)),
            "state_mismatch"
        );
        // An error response with the wrong state is not trusted either.
        assert_eq!(
            code_of(parse(
                "https://a/cb?error=access_denied&state=x",
                "st",
                None
            )),
            "state_mismatch"
        );
        assert_eq!(
            code_of(parse("https://a/cb?code=c&state=st", "", None)),
            "invalid_option"
        );
    }

    #[test]
    fn provider_errors_carry_error_and_description() {
        for (error, desc) in [
            ("access_denied", Some("ConsentNotGiven")),
            ("login_required", None),
            ("sso_login_required", None),
            ("invalid_scope", Some("bad scope")),
            ("invalid_request", None),
            ("made_up", Some("a%22b%0A")),
        ] {
            let mut url = String::from("https://a/cb?state=st&error=") + error;
            if let Some(d) = desc {
                url = url + "&error_description=" + d;
            }
            let e = parse(&url, "st", None).unwrap_err();
            assert_eq!(e.code(), ErrorCode::ProviderError);
            let p = e.provider_error().unwrap();
            assert_eq!(p.error, error);
            if error == "made_up" {
                assert_eq!(p.error_description.as_deref(), Some("a?b?"));
                assert_eq!(e.message(), "NHS login returned an error");
            } else {
                assert_eq!(p.error_description.as_deref(), desc);
                assert_ne!(e.message(), "NHS login returned an error");
            }
        }
    }

    #[test]
    fn provider_text_is_plain_text_without_markup() {
        let url = "https://a/cb?state=st&error=x%3Cb%3E&error_description=%3Cimg%20src%3Dx%20onerror%3D%27alert(1)%27%3E%20%26amp%3B%20%22q%22";
        let e = parse(url, "st", None).unwrap_err();
        let p = e.provider_error().unwrap();
        assert_eq!(p.error, "x?b?");
        assert_eq!(
            p.error_description.as_deref(),
            Some("?img src=x onerror=?alert(1)?? ?amp; ?q?")
        );
    }

    #[test]
    fn invalid_issuer_and_missing_code() {
        let url = "https://a/cb?code=c&state=st&iss=https%3A%2F%2Fevil.example";
        assert_eq!(code_of(parse(url, "st", Some(ISS))), "invalid_issuer");
        // Without an expected issuer, iss is not checked.
        assert_eq!(code_of(parse(url, "st", None)), "ok");
        assert_eq!(
            code_of(parse("https://a/cb?state=st", "st", None)),
            "missing_code"
        );
        assert_eq!(
            code_of(parse("https://a/cb?state=st&code=", "st", None)),
            "missing_code"
        );
        assert_eq!(code_of(parse("https://a/cb", "st", None)), "missing_code");
    }

    #[test]
    fn repeated_parameters_are_malformed() {
        for url in [
            "https://a/cb?code=c&state=st&state=st",
            "https://a/cb?code=c&code=d&state=st",
            "https://a/cb?code=c&state=st&iss=a&iss=b",
        ] {
            assert_eq!(
                code_of(parse(url, "st", None)),
                "malformed_callback",
                "{url}"
            );
        }
    }

    #[test]
    fn fragment_is_ignored() {
        assert_eq!(
            code_of(parse("https://a/cb?state=st#code=c", "st", None)),
            "missing_code"
        );
    }
}
