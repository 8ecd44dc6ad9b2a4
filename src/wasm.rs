//! The WebAssembly boundary: thin `#[wasm_bindgen]` functions over the core.
//!
//! Kept deliberately narrow (strings and numbers in, strings out) because
//! every exported type and every `JsValue` adds JavaScript glue. The npm
//! wrapper (`pkg/src/core.js`) turns the results into objects and the errors
//! into `NhsLoginError` instances with a stable `code`.
//!
//! Every export returns one string: `"1" + value` on success, or
//! `"0" + code \x1f message [\x1f error \x1f error_description]` on failure.
//! No `JsValue`, array or exception crosses the boundary, which keeps the
//! generated glue small. Lists (scopes, vectors) come in joined with `\x1f`;
//! the wrapper refuses strings that contain it. The separator cannot occur in
//! a code, a message, a URL we build or a sanitised provider error.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::authorize::{
    create_authorization_request, AuthorizeOptions, Display, Environment, Prompt,
};
use crate::callback::parse_callback;
use crate::claims::{check_userinfo, CheckedClaims};
use crate::error::Error;
use crate::id_token::{claims_segment, IdTokenVerifier, UntrustedToken};
use crate::jwks::Jwks;
use crate::vot::Vtr;
use wasm_bindgen::prelude::*;

const SEP: &str = "\u{1f}";

fn encode_error(e: Error) -> String {
    match e.provider_error() {
        Some(p) => cat(&[
            e.code().as_str(),
            SEP,
            e.message(),
            SEP,
            &p.error,
            SEP,
            p.error_description.as_deref().unwrap_or(""),
        ]),
        None => cat(&[e.code().as_str(), SEP, e.message()]),
    }
}

/// Encodes a result as described in the module documentation.
fn out(r: Result<String, Error>) -> String {
    match r {
        Ok(v) => cat(&["1", &v]),
        Err(e) => cat(&["0", &encode_error(e)]),
    }
}

/// Splits a `\x1f`-joined list; the empty string is the empty list.
fn list(s: &str) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split('\u{1f}').map(String::from).collect()
    }
}

/// Builds the authorization request. Returns `url \x1f state \x1f nonce \x1f codeVerifier`.
///
/// `environment` or `authorization_endpoint` (one of them, the explicit
/// endpoint winning); `allow_registration`: 0 unset, 1 true, 2 false.
#[allow(clippy::too_many_arguments)]
#[wasm_bindgen]
pub fn authorize(
    environment: Option<String>,
    authorization_endpoint: Option<String>,
    client_id: String,
    redirect_uri: String,
    scope: &str,
    vtr: Option<String>,
    prompt: Option<String>,
    asserted_login_identity: Option<String>,
    allow_registration: u8,
    display: Option<String>,
) -> String {
    let run = || -> Result<String, Error> {
        let endpoint = match (authorization_endpoint, environment) {
            (Some(e), _) => e,
            (None, Some(env)) => Environment::from_name(&env)?.authorization_endpoint(),
            (None, None) => {
                return Err(Error::option(
                    "authorizationEndpoint",
                    "or `environment` is required",
                ))
            }
        };
        let opts = AuthorizeOptions {
            authorization_endpoint: endpoint,
            client_id,
            redirect_uri,
            scope: list(scope),
            vtr: vtr.as_deref().map(list),
            prompt: prompt.as_deref().map(Prompt::from_name).transpose()?,
            asserted_login_identity,
            allow_registration: match allow_registration {
                1 => Some(true),
                2 => Some(false),
                _ => None,
            },
            display: display.as_deref().map(Display::from_name).transpose()?,
        };
        let r = create_authorization_request(&opts)?;
        Ok(cat(&[
            &r.url,
            SEP,
            &r.state,
            SEP,
            &r.nonce,
            SEP,
            r.code_verifier.as_str(),
        ]))
    };
    out(run())
}

/// The issuer of a named environment, or `invalid_option`.
#[wasm_bindgen]
pub fn issuer_of(environment: &str) -> String {
    out(Environment::from_name(environment).map(|e| e.issuer().to_owned()))
}

/// Parses the redirect URL; returns the authorization code.
#[wasm_bindgen]
pub fn callback(url: &str, state: &str, issuer: Option<String>) -> String {
    out(parse_callback(url, state, issuer.as_deref()).map(|c| c.code))
}

/// A parsed JWKS, kept on the JS side per JWKS object so it is parsed once.
/// Construction never throws: [`Keyset::error`] reports a malformed document.
#[wasm_bindgen]
pub struct Keyset(Result<Jwks, Error>);

#[wasm_bindgen]
impl Keyset {
    /// Parses a JWKS document (JSON text).
    #[wasm_bindgen(constructor)]
    pub fn new(json: &str) -> Keyset {
        Keyset(Jwks::parse(json.as_bytes()))
    }

    /// `""` if the document parsed, else the encoded error (without the leading `0`).
    pub fn error(&self) -> String {
        match &self.0 {
            Ok(_) => String::new(),
            Err(e) => encode_error(e.clone()),
        }
    }

    /// The key at `index` as `n.e` (both base64url), for WebCrypto import.
    pub fn key(&self, index: u32) -> String {
        match &self.0 {
            Ok(jwks) => jwks
                .get(index as usize)
                .map(|k| cat(&[k.n(), ".", k.e()]))
                .unwrap_or_default(),
            Err(_) => String::new(),
        }
    }
}

impl Keyset {
    fn jwks(&self) -> Result<&Jwks, Error> {
        self.0.as_ref().map_err(Clone::clone)
    }
}

/// Step 1 of validation: structure, `alg` allow-list and `crit`, then key
/// selection by `kid`. Returns the index of the key to verify with.
#[wasm_bindgen]
pub fn select_key(token: &str, keys: &Keyset) -> String {
    let run = || -> Result<String, Error> {
        let t = UntrustedToken::decode(token)?;
        let index = keys.jwks()?.select(t.kid())?;
        // Key indexes are small: one decimal digit per step, no formatting machinery.
        let mut digits = Vec::new();
        let mut n = index;
        loop {
            digits.push(b'0' + (n % 10) as u8);
            n /= 10;
            if n == 0 {
                break;
            }
        }
        digits.reverse();
        Ok(String::from_utf8(digits).unwrap_or_default())
    };
    out(run())
}

#[cfg(feature = "rsa")]
fn verifier(
    issuer: String,
    client_id: String,
    vtr: Option<String>,
    skew: f64,
) -> Result<IdTokenVerifier, Error> {
    verifier_with(issuer, client_id, vtr, skew, true)
}

fn verifier_with(
    issuer: String,
    client_id: String,
    vtr: Option<String>,
    skew: f64,
    check_nonce: bool,
) -> Result<IdTokenVerifier, Error> {
    // EIS Table 16: "a few minutes" of leeway at most.
    if !(0.0..=600.0).contains(&skew) {
        return Err(Error::option(
            "clockSkewSeconds",
            "must be a number from 0 to 600",
        ));
    }
    let mut v = IdTokenVerifier::new(issuer, client_id).with_clock_skew(skew as u64);
    if !check_nonce {
        v = v.without_nonce_check();
    }
    if let Some(vtr) = vtr {
        v = v.with_vtr(Vtr::new(&list(&vtr))?);
    }
    Ok(v)
}

/// Step 3 of validation (after the signature): the claims. Returns the
/// claims JSON text for `JSON.parse`. `check_nonce = false` is for the edge
/// handler when the browser keeps its nonce to itself.
#[allow(clippy::too_many_arguments)]
#[wasm_bindgen]
pub fn check_claims(
    token: &str,
    issuer: String,
    client_id: String,
    nonce: Option<String>,
    check_nonce: bool,
    vtr: Option<String>,
    skew: f64,
    now: f64,
) -> String {
    let run = || -> Result<String, Error> {
        if !now.is_finite() {
            return Err(Error::option("now", "must be a finite number of seconds"));
        }
        // select_key has checked the header; only the claims are needed here.
        let payload = claims_segment(token)?;
        let checked = verifier_with(issuer, client_id, vtr, skew, check_nonce)?.check_claims(
            &payload,
            nonce.as_deref(),
            now,
        )?;
        let text = String::from_utf8(payload).map_err(|_| {
            Error::new(
                crate::ErrorCode::MalformedToken,
                "the JWT claims are not UTF-8",
            )
        })?;
        Ok(with_edits(text, &checked))
    };
    out(run())
}

/// Checks a userinfo answer against the session's `sub` and normalises its
/// profile claims ([`check_userinfo`]). Answers like [`check_claims`].
#[wasm_bindgen]
pub fn userinfo(body: &str, sub: &str) -> String {
    out(check_userinfo(body.as_bytes(), sub).map(|c| with_edits(body.into(), &c)))
}

/// The claims go back as their own JSON text (no serialiser in the module);
/// normalisations and left-out claims follow as edits, only when there are any.
fn with_edits(mut text: String, checked: &CheckedClaims) -> String {
    if !checked.warnings.is_empty() || !checked.normalised.is_empty() {
        text.push_str(SEP);
        push_edits(&mut text, checked);
    }
    text
}

/// Appends the edits the wrapper applies to the parsed claims:
/// `{"warnings":[{"claim":..,"message":..}],"set":[[name,bool]]}`. Valid JSON
/// text never holds a raw `\x1f`, so the separator before it is unambiguous.
fn push_edits(out: &mut String, checked: &CheckedClaims) {
    out.push_str("{\"warnings\":[");
    for (i, w) in checked.warnings.iter().enumerate() {
        out.push_str(if i == 0 {
            "{\"claim\":"
        } else {
            ",{\"claim\":"
        });
        push_json_string(out, &w.claim);
        out.push_str(",\"message\":");
        push_json_string(out, w.message);
        out.push('}');
    }
    out.push_str("],\"set\":[");
    for (i, (name, b)) in checked.normalised.iter().enumerate() {
        out.push_str(if i == 0 { "[" } else { ",[" });
        push_json_string(out, name);
        out.push_str(if *b { ",true]" } else { ",false]" });
    }
    out.push_str("]}");
}

/// Appends `s` as a JSON string (RFC 8259 §7).
fn push_json_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The whole validation in Rust, RSA included (feature `rsa`). Built only for
/// the benchmark that compares it with the WebCrypto path.
#[cfg(feature = "rsa")]
#[allow(clippy::too_many_arguments)]
#[wasm_bindgen]
pub fn validate_in_rust(
    token: &str,
    keys: &Keyset,
    issuer: String,
    client_id: String,
    nonce: Option<String>,
    vtr: Option<String>,
    skew: f64,
    now: f64,
) -> String {
    let run = || -> Result<String, Error> {
        verifier(issuer, client_id, vtr, skew)?.verify(
            token,
            keys.jwks()?,
            nonce.as_deref(),
            now,
        )?;
        let t = UntrustedToken::decode(token)?;
        String::from_utf8(t.payload()).map_err(|_| {
            Error::new(
                crate::ErrorCode::MalformedToken,
                "the JWT claims are not UTF-8",
            )
        })
    };
    out(run())
}
