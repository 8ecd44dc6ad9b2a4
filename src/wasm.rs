//! The WebAssembly boundary: thin `#[wasm_bindgen]` functions over the core.
//!
//! Kept deliberately narrow (strings and numbers in, strings out) because
//! every exported type and every `JsValue` adds JavaScript glue. The npm
//! wrapper (`pkg/src/core.js`) turns the results into objects and the errors
//! into `NhsLoginError` instances with a stable `code`.
//!
//! Errors cross as a string `code \x1f message [\x1f error \x1f error_description]`;
//! the separator cannot occur in a code, a message or a sanitised provider error.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::authorize::{
    create_authorization_request, AuthorizeOptions, Display, Environment, Prompt,
};
use crate::callback::parse_callback;
use crate::error::Error;
use crate::id_token::{IdTokenVerifier, UntrustedToken};
use crate::jwks::Jwks;
use crate::vot::Vtr;
use wasm_bindgen::prelude::*;

const SEP: &str = "\u{1f}";

fn encode_error(e: Error) -> String {
    let mut parts = vec![e.code().as_str(), e.message()];
    if let Some(p) = e.provider_error() {
        parts.push(&p.error);
        parts.push(p.error_description.as_deref().unwrap_or(""));
    }
    parts.join(SEP)
}

type JsResult<T> = Result<T, String>;

/// Builds the authorization request. Returns `[url, state, nonce, codeVerifier]`.
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
    scope: Vec<String>,
    vtr: Option<Vec<String>>,
    prompt: Option<String>,
    asserted_login_identity: Option<String>,
    allow_registration: u8,
    display: Option<String>,
) -> JsResult<Vec<String>> {
    let run = || -> Result<Vec<String>, Error> {
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
            scope,
            vtr,
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
        Ok(vec![
            r.url,
            r.state,
            r.nonce,
            r.code_verifier.as_str().to_owned(),
        ])
    };
    run().map_err(encode_error)
}

/// The issuer of a named environment, or `invalid_option`.
#[wasm_bindgen]
pub fn issuer_of(environment: &str) -> JsResult<String> {
    Environment::from_name(environment)
        .map(|e| e.issuer().to_owned())
        .map_err(encode_error)
}

/// Parses the redirect URL; returns the authorization code.
#[wasm_bindgen]
pub fn callback(url: &str, state: &str, issuer: Option<String>) -> JsResult<String> {
    parse_callback(url, state, issuer.as_deref())
        .map(|c| c.code)
        .map_err(encode_error)
}

/// A parsed JWKS, kept on the JS side per JWKS object so it is parsed once.
#[wasm_bindgen]
pub struct Keyset(Jwks);

#[wasm_bindgen]
impl Keyset {
    /// Parses a JWKS document (JSON text).
    #[wasm_bindgen(constructor)]
    pub fn new(json: &str) -> JsResult<Keyset> {
        Jwks::parse(json.as_bytes())
            .map(Keyset)
            .map_err(encode_error)
    }

    /// The key at `index` as `n.e` (both base64url), for WebCrypto import.
    pub fn key(&self, index: u32) -> String {
        self.0
            .get(index as usize)
            .map(|k| [k.n(), ".", k.e()].concat())
            .unwrap_or_default()
    }
}

/// Step 1 of validation: structure, `alg` allow-list and `crit`, then key
/// selection by `kid`. Returns the index of the key to verify with.
#[wasm_bindgen]
pub fn select_key(token: &str, keys: &Keyset) -> JsResult<u32> {
    let run = || -> Result<u32, Error> {
        let t = UntrustedToken::decode(token)?;
        Ok(keys.0.select(t.kid())? as u32)
    };
    run().map_err(encode_error)
}

fn verifier(
    issuer: String,
    client_id: String,
    vtr: Option<Vec<String>>,
    skew: f64,
) -> Result<IdTokenVerifier, Error> {
    // EIS Table 16: "a few minutes" of leeway at most.
    if !(0.0..=600.0).contains(&skew) {
        return Err(Error::option(
            "clockSkewSeconds",
            "must be a number from 0 to 600",
        ));
    }
    let mut v = IdTokenVerifier::new(issuer, client_id).with_clock_skew(skew as u64);
    if let Some(vtr) = vtr {
        v = v.with_vtr(Vtr::new(&vtr)?);
    }
    Ok(v)
}

/// Step 3 of validation (after the signature): the claims. Returns the
/// claims JSON text for `JSON.parse`.
#[wasm_bindgen]
pub fn check_claims(
    token: &str,
    issuer: String,
    client_id: String,
    nonce: Option<String>,
    vtr: Option<Vec<String>>,
    skew: f64,
    now: f64,
) -> JsResult<String> {
    let run = || -> Result<String, Error> {
        if !now.is_finite() {
            return Err(Error::option("now", "must be a finite number of seconds"));
        }
        let t = UntrustedToken::decode(token)?;
        verifier(issuer, client_id, vtr, skew)?.check_claims(t.payload(), nonce.as_deref(), now)?;
        String::from_utf8(t.payload().to_vec()).map_err(|_| {
            Error::new(
                crate::ErrorCode::MalformedToken,
                "the JWT claims are not UTF-8",
            )
        })
    };
    run().map_err(encode_error)
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
    vtr: Option<Vec<String>>,
    skew: f64,
    now: f64,
) -> JsResult<String> {
    let run = || -> Result<String, Error> {
        verifier(issuer, client_id, vtr, skew)?.verify(token, &keys.0, nonce.as_deref(), now)?;
        let t = UntrustedToken::decode(token)?;
        Ok(String::from_utf8_lossy(t.payload()).into_owned())
    };
    run().map_err(encode_error)
}
