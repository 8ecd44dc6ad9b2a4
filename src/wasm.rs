//! The WebAssembly boundary: thin `#[wasm_bindgen]` functions over the core.
//!
//! One typed protocol, JSON both ways: each export takes a JSON options
//! object (read by the crate's strict parser, so every type rule and its
//! `invalid_option` message lives here, in Rust) and answers one JSON text,
//! `{"ok": value}` or `{"error": {"code", "message", "field"?, "claim"?,
//! "error"?, "error_description"?}}`. The npm wrapper (`pkg/src/core.js`)
//! `JSON.parse`s it and turns an `error` into an `NhsLoginError` with the same
//! members. Strings are the only values crossing: no `JsValue` and no
//! exported type but the parsed [`Keyset`], which keeps the generated glue small.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::authorize::{
    create_authorization_request, AuthorizeOptions, Display, Environment, Prompt,
};
use crate::callback::parse_callback;
use crate::claims::{userinfo_edits, Edits};
use crate::error::{Error, ErrorCode};
use crate::id_token::{IdTokenVerifier, NonceCheck, SignedToken, UntrustedToken};
use crate::json::{self, Json, Str};
use crate::jwks::Jwks;
use crate::types::{IssuerUrl, Nonce, State};
use crate::vot::Vtr;
use wasm_bindgen::prelude::*;

// ---- reading the options object --------------------------------------------

/// A JSON options object, its strings borrowed from the text; `null`
/// members count as absent (as `undefined` in JS).
struct Options<'a>(Vec<(Str<'a>, Json<'a>)>);

impl<'a> Options<'a> {
    fn parse(text: &'a str) -> Result<Options<'a>, Error> {
        match json::parse_borrowed(text.as_bytes()) {
            Some(Json::Object(members)) => Ok(Options(members)),
            _ => Err(Error::option("options", "must be an object")),
        }
    }

    fn get(&self, name: &str) -> Option<&Json<'a>> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .filter(|v| !matches!(v, Json::Null))
    }

    fn string(&self, name: &'static str) -> Result<Option<String>, Error> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(String::from(s.as_ref()))),
            Some(_) => Err(Error::option(name, "must be a string")),
        }
    }

    fn required(&self, name: &'static str) -> Result<String, Error> {
        self.string(name)?
            .ok_or_else(|| Error::option(name, "is required"))
    }

    fn strings(&self, name: &'static str) -> Result<Option<Vec<String>>, Error> {
        let bad = || Error::option(name, "must be an array of strings");
        match self.get(name) {
            None => Ok(None),
            Some(Json::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(String::from).ok_or_else(bad))
                .collect::<Result<_, _>>()
                .map(Some),
            Some(_) => Err(bad()),
        }
    }

    fn boolean(&self, name: &'static str) -> Result<Option<bool>, Error> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(Error::option(name, "must be a boolean")),
        }
    }

    fn number(&self, name: &'static str) -> Result<Option<f64>, Error> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::Number(n)) => Ok(Some(*n)),
            Some(_) => Err(Error::option(name, "must be a number")),
        }
    }

    /// `issuer`, else the issuer of `environment`, else `None`.
    fn issuer(&self) -> Result<Option<IssuerUrl>, Error> {
        match (self.string("issuer")?, self.string("environment")?) {
            (Some(issuer), _) => Ok(Some(IssuerUrl::from(issuer))),
            (None, Some(env)) => Ok(Some(Environment::from_name(&env)?.issuer_url())),
            (None, None) => Ok(None),
        }
    }

    /// `nonce`: the one sent, or absent when none was (the token must then
    /// carry none).
    fn nonce(&self) -> Result<Option<Nonce>, Error> {
        Ok(self.string("nonce")?.map(Nonce::from))
    }
}

/// The explicit expectation for a nonce read from the options.
fn nonce_check(nonce: &Option<Nonce>) -> NonceCheck<'_> {
    match nonce {
        Some(n) => NonceCheck::Expect(n),
        None => NonceCheck::ExpectNone,
    }
}

// ---- writing the answer ------------------------------------------------------

/// Appends `s` as a JSON string (RFC 8259 §7).
fn push_str(out: &mut String, s: &str) {
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

/// A JSON object written member by member.
struct Object(String);

impl Object {
    fn new() -> Self {
        Self::with_capacity(64)
    }

    /// Room for `n` bytes: an answer holding a token's claims is written
    /// without growing (and copying) as it goes.
    fn with_capacity(n: usize) -> Self {
        let mut s = String::with_capacity(n);
        s.push('{');
        Object(s)
    }

    fn key(&mut self, name: &str) -> &mut String {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        push_str(&mut self.0, name);
        self.0.push(':');
        &mut self.0
    }

    fn str(mut self, name: &str, value: &str) -> Self {
        push_str(self.key(name), value);
        self
    }

    fn opt(self, name: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.str(name, v),
            None => self,
        }
    }

    /// A member whose value is JSON text already.
    fn raw(mut self, name: &str, json: &str) -> Self {
        self.key(name).push_str(json);
        self
    }

    fn end(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

fn error_json(e: &Error) -> String {
    let p = e.provider_error();
    let body = Object::new()
        .str("code", e.code().as_str())
        .str("message", e.message())
        .opt("field", e.field())
        .opt("claim", e.claim())
        .opt("error", p.map(|p| p.error.as_str()))
        .opt(
            "error_description",
            p.and_then(|p| p.error_description.as_deref()),
        )
        .end();
    Object::new().raw("error", &body).end()
}

/// `{"ok": value}` (value is JSON text) or `{"error": {...}}`.
fn answer(r: Result<String, Error>) -> String {
    match r {
        Ok(v) => Object::with_capacity(v.len() + 8).raw("ok", &v).end(),
        Err(e) => error_json(&e),
    }
}

/// The claims as their own JSON text (no serialiser in the module), with
/// the edits of the core's profile rule for the wrapper to apply:
/// `{"claims": {...}, "warnings": [{"claim", "message"}], "set": [[name, bool]]}`.
fn claims_answer(text: &str, checked: &Edits) -> String {
    let mut warnings = String::from("[");
    for w in &checked.warnings {
        if warnings.len() > 1 {
            warnings.push(',');
        }
        warnings.push_str(
            &Object::new()
                .str("claim", &w.claim)
                .str("message", w.message)
                .end(),
        );
    }
    warnings.push(']');
    let mut set = String::from("[");
    for (name, b) in &checked.normalised {
        if set.len() > 1 {
            set.push(',');
        }
        set.push('[');
        push_str(&mut set, name);
        set.push_str(if *b { ",true]" } else { ",false]" });
    }
    set.push(']');
    Object::with_capacity(text.len() + warnings.len() + set.len() + 32)
        .raw("claims", text)
        .raw("warnings", &warnings)
        .raw("set", &set)
        .end()
}

// ---- the exports -------------------------------------------------------------

/// Builds the authorization request. Options: `environment` or
/// `authorizationEndpoint` (the endpoint wins), `clientId`, `redirectUri`,
/// `scope`, `vtr`, `prompt`, `assertedLoginIdentity`, `allowRegistration`,
/// `display`. Answers `{ url, state, nonce, codeVerifier }`.
#[wasm_bindgen]
pub fn authorize(options: &str) -> String {
    let run = || -> Result<String, Error> {
        let o = Options::parse(options)?;
        let endpoint = match (o.string("authorizationEndpoint")?, o.string("environment")?) {
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
            client_id: o.required("clientId")?.into(),
            redirect_uri: o.required("redirectUri")?,
            scope: o.strings("scope")?.unwrap_or_else(|| vec!["openid".into()]),
            vtr: o.strings("vtr")?,
            prompt: o
                .string("prompt")?
                .as_deref()
                .map(Prompt::from_name)
                .transpose()?,
            asserted_login_identity: o.string("assertedLoginIdentity")?,
            allow_registration: o.boolean("allowRegistration")?,
            display: o
                .string("display")?
                .as_deref()
                .map(Display::from_name)
                .transpose()?,
        };
        let r = create_authorization_request(&opts)?;
        Ok(Object::new()
            .str("url", &r.url)
            .str("state", r.state.as_str())
            .str("nonce", r.nonce.as_str())
            .str("codeVerifier", r.code_verifier.as_str())
            .end())
    };
    answer(run())
}

/// Checks the redirect. Options: `url`, `state`, and `issuer` or
/// `environment` for the RFC 9207 `iss` check. Answers `{ code }`.
#[wasm_bindgen]
pub fn callback(options: &str) -> String {
    let run = || -> Result<String, Error> {
        let o = Options::parse(options)?;
        let issuer = o.issuer()?;
        let cb = parse_callback(
            &o.required("url")?,
            &State::from(o.required("state")?),
            issuer.as_ref(),
        )?;
        Ok(Object::new().str("code", cb.code.as_str()).end())
    };
    answer(run())
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

    /// `""` if the document parsed, else the error answer.
    pub fn error(&self) -> String {
        match &self.0 {
            Ok(_) => String::new(),
            Err(e) => error_json(e),
        }
    }

    /// The key at `index` as a JWK for WebCrypto's `importKey('jwk', ...)`:
    /// `{"kty":"RSA","n":..,"e":..,"alg":"RS512"}`, or `""` if there is none.
    pub fn key(&self, index: u32) -> String {
        match self.0.as_ref().ok().and_then(|j| j.get(index as usize)) {
            Some(k) => Object::new()
                .str("kty", "RSA")
                .str("n", k.n())
                .str("e", k.e())
                .str("alg", "RS512")
                .end(),
            None => String::new(),
        }
    }
}

/// The token as the wrapper passes it: its UTF-8 bytes (`TextEncoder`), which
/// cross into the module as one copy, where a string is copied character by
/// character; the wrapper verifies the signature over a view of the same bytes.
/// Bytes that are not UTF-8 (`TextEncoder` never makes them) read as the empty
/// string, which [`UntrustedToken::decode`] refuses as `malformed_token`.
fn token_text(token: &[u8]) -> &str {
    core::str::from_utf8(token).unwrap_or_default()
}

/// Step 1 of validation: structure, `alg` allow-list and `crit`, then key
/// selection by `kid`. Answers the index of the key to verify with.
#[wasm_bindgen]
pub fn select_key(token: &[u8], keys: &Keyset) -> String {
    let run = || -> Result<String, Error> {
        let t = UntrustedToken::decode(token_text(token))?;
        let jwks = keys.0.as_ref().map_err(Clone::clone)?;
        let index = jwks.select(t.kid())?;
        // Key indexes are small: decimal digits without formatting machinery.
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
    answer(run())
}

/// The verifier an options object describes: `issuer` or `environment`,
/// `clientId`, `vtr`, `clockSkewSeconds` (0 to 600, EIS Table 16: "a few
/// minutes" at most), `insecureSkipNonceCheck` (the edge handler's internal
/// option, never offered by the public `validateIdToken`).
fn verifier(o: &Options) -> Result<IdTokenVerifier, Error> {
    let issuer = o
        .issuer()?
        .ok_or_else(|| Error::option("issuer", "(or `environment`) is required"))?;
    let skew = o.number("clockSkewSeconds")?.unwrap_or(60.0);
    if !(0.0..=600.0).contains(&skew) {
        return Err(Error::option(
            "clockSkewSeconds",
            "must be a number from 0 to 600",
        ));
    }
    let mut v = IdTokenVerifier::new(issuer, o.required("clientId")?).with_clock_skew(skew as u64);
    if let Some(vtr) = o.strings("vtr")? {
        v = v.with_vtr(Vtr::new(&vtr)?);
    }
    if o.boolean("insecureSkipNonceCheck")? == Some(true) {
        v = v.insecure_skip_nonce_check();
    }
    Ok(v)
}

/// The claims text of a signed token, for the answer (the claims were
/// parsed as JSON already, so this only fails on a broken invariant).
fn claims_text(signed: &SignedToken) -> Result<&str, Error> {
    core::str::from_utf8(signed.claims_json())
        .map_err(|_| Error::new(ErrorCode::MalformedToken, "the JWT claims are not UTF-8"))
}

/// Step 3 of validation, for a token whose RS512 signature the host (the
/// JavaScript wrapper, with WebCrypto) checks with the key [`select_key`]
/// chose: the claims. The name says what it trusts; it is for the wrapper
/// only, which runs it while WebCrypto verifies (off the main thread where
/// the platform does so) and opens the answer only once the signature has
/// verified: a forged token is refused as `invalid_signature`, whatever its
/// claims. Options: those of the verifier, `nonce` (absent: the token must
/// carry none) and `now` (seconds). Answers the claims with the
/// profile-claim edits.
#[doc(hidden)]
#[wasm_bindgen]
pub fn assume_signature_checked_by_host(token: &[u8], options: &str) -> String {
    let run = || -> Result<String, Error> {
        let o = Options::parse(options)?;
        let now = o
            .number("now")?
            .filter(|n| n.is_finite())
            .ok_or_else(|| Error::option("now", "must be a finite number of seconds"))?;
        let nonce = o.nonce()?;
        let v = verifier(&o)?;
        // The one place a signature is taken on trust: the wrapper ran
        // select_key on this token and verified it with WebCrypto.
        let signed = UntrustedToken::decode(token_text(token))?.assume_signature_checked_by_host();
        let checked = v.check_signed(&signed, nonce_check(&nonce), now)?;
        Ok(claims_answer(claims_text(&signed)?, &checked))
    };
    answer(run())
}

/// Checks a userinfo answer against the session's `sub` and normalises its
/// profile claims ([`check_userinfo`]). Answers like the claims check.
#[wasm_bindgen]
pub fn userinfo(body: &str, sub: &str) -> String {
    answer(userinfo_edits(body.as_bytes(), sub).map(|c| claims_answer(body, &c)))
}

/// The whole validation in Rust, RSA included (feature `rsa`). Built only for
/// the benchmark that compares it with the WebCrypto path.
#[cfg(feature = "rsa")]
#[wasm_bindgen]
pub fn validate_in_rust(token: &str, keys: &Keyset, options: &str) -> String {
    let run = || -> Result<String, Error> {
        let o = Options::parse(options)?;
        let now = o.number("now")?.unwrap_or(0.0);
        let nonce = o.nonce()?;
        let jwks = keys.0.as_ref().map_err(Clone::clone)?;
        let v = verifier(&o)?;
        let signed = UntrustedToken::decode(token)?.verify_signature(jwks)?;
        v.verify_claims(&signed, nonce_check(&nonce), now)?;
        claims_text(&signed).map(String::from)
    };
    answer(run())
}
