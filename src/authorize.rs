//! The authorization request (OIDC Core 3.1.2.1, RFC 7636, EIS §3.4.1 Table 1).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::error::{Error, Result};
use crate::pkce::CodeVerifier;
use crate::random;
use crate::types::{ClientId, IssuerUrl, Nonce, State};
use crate::url::{check_endpoint, encode_into, ENDPOINT_RULE};
use crate::vot::Vtr;

/// An NHS login environment with its published endpoints (reference §1).
///
/// ```
/// use nhs_login_client::Environment;
/// let env = Environment::from_name("sandpit").unwrap();
/// assert_eq!(env.issuer(), "https://auth.sandpit.signin.nhs.uk");
/// assert_eq!(env.authorization_endpoint(), "https://auth.sandpit.signin.nhs.uk/authorize");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    /// Sandpit: self-learning, prepared test users, no PDS.
    Sandpit,
    /// Integration ("AOS"): conformance testing against Spine INT.
    Integration,
    /// Production.
    Production,
}

impl Environment {
    /// Every environment, in the order sandpit, integration, production.
    ///
    /// ```
    /// use nhs_login_client::Environment;
    /// assert_eq!(Environment::ALL.map(Environment::name), ["sandpit", "integration", "production"]);
    /// ```
    pub const ALL: [Environment; 3] = [
        Environment::Sandpit,
        Environment::Integration,
        Environment::Production,
    ];

    /// The environment's name as [`Environment::from_name`] takes it.
    pub const fn name(self) -> &'static str {
        match self {
            Environment::Sandpit => "sandpit",
            Environment::Integration => "integration",
            Environment::Production => "production",
        }
    }

    /// NHS login's settings page ("Manage your NHS login"), which services
    /// must link to (NHS login docs: linking-to-settings; testing scenarios).
    ///
    /// ```
    /// use nhs_login_client::Environment;
    /// assert_eq!(Environment::Production.settings_url(), "https://settings.login.nhs.uk");
    /// ```
    pub const fn settings_url(self) -> &'static str {
        match self {
            Environment::Sandpit => "https://settings.sandpit.signin.nhs.uk",
            Environment::Integration => "https://settings.aos.signin.nhs.uk",
            Environment::Production => "https://settings.login.nhs.uk",
        }
    }

    /// `sandpit`, `integration` (alias `aos`) or `production`.
    ///
    /// # Errors
    /// `invalid_option` (field `environment`) for any other name.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "sandpit" => Ok(Environment::Sandpit),
            "integration" | "aos" => Ok(Environment::Integration),
            "production" => Ok(Environment::Production),
            _ => Err(Error::option(
                "environment",
                "must be `sandpit`, `integration` or `production`",
            )),
        }
    }

    /// The issuer, exactly as in discovery (no trailing slash).
    pub const fn issuer(self) -> &'static str {
        match self {
            Environment::Sandpit => "https://auth.sandpit.signin.nhs.uk",
            Environment::Integration => "https://auth.aos.signin.nhs.uk",
            Environment::Production => "https://auth.login.nhs.uk",
        }
    }

    /// The issuer as an [`IssuerUrl`], for [`crate::parse_callback`] and
    /// [`crate::IdTokenVerifier::new`].
    ///
    /// ```
    /// use nhs_login_client::Environment;
    /// assert_eq!(Environment::Production.issuer_url().as_str(), "https://auth.login.nhs.uk");
    /// ```
    pub fn issuer_url(self) -> IssuerUrl {
        IssuerUrl::from(self.issuer())
    }

    /// `{issuer}/authorize` (EIS §3.3).
    pub fn authorization_endpoint(self) -> String {
        cat(&[self.issuer(), "/authorize"])
    }

    /// `{issuer}/token` (EIS §3.3).
    pub fn token_endpoint(self) -> String {
        cat(&[self.issuer(), "/token"])
    }

    /// `{issuer}/userinfo` (EIS §3.3).
    pub fn userinfo_endpoint(self) -> String {
        cat(&[self.issuer(), "/userinfo"])
    }

    /// `{issuer}/.well-known/jwks.json` (EIS §3.3).
    pub fn jwks_uri(self) -> String {
        cat(&[self.issuer(), "/.well-known/jwks.json"])
    }
}

/// `prompt` values NHS login supports (EIS Table 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prompt {
    /// Single sign-on only; an error (`sso_login_required`) if there is no session.
    None,
    /// Force the user to sign in again.
    Login,
}

impl Prompt {
    /// Parses `none` or `login`.
    ///
    /// # Errors
    /// `invalid_option` (field `prompt`) for anything else.
    pub fn from_name(s: &str) -> Result<Self> {
        match s {
            "none" => Ok(Prompt::None),
            "login" => Ok(Prompt::Login),
            _ => Err(Error::option(
                "prompt",
                "must be `none` or `login` (EIS Table 1)",
            )),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Prompt::None => "none",
            Prompt::Login => "login",
        }
    }
}

/// `display` values NHS login supports (EIS Table 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Display {
    /// Full page (the default).
    Page,
    /// A touch-optimised page.
    Touch,
}

impl Display {
    /// Parses `page` or `touch`.
    ///
    /// # Errors
    /// `invalid_option` (field `display`) for anything else (`popup` and `wap` are not supported).
    pub fn from_name(s: &str) -> Result<Self> {
        match s {
            "page" => Ok(Display::Page),
            "touch" => Ok(Display::Touch),
            _ => Err(Error::option(
                "display",
                "must be `page` or `touch` (EIS Table 1)",
            )),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Display::Page => "page",
            Display::Touch => "touch",
        }
    }
}

/// Options for [`create_authorization_request`].
///
/// ```
/// use nhs_login_client::{AuthorizeOptions, Environment};
/// let opts = AuthorizeOptions::new(
///     Environment::Sandpit.authorization_endpoint(),
///     "my-client",
///     "https://app.example/callback",
/// );
/// assert_eq!(opts.scope, vec!["openid".to_string()]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct AuthorizeOptions {
    /// The authorization endpoint, e.g. [`Environment::authorization_endpoint`].
    pub authorization_endpoint: String,
    /// The client id issued by NHS login.
    pub client_id: ClientId,
    /// The registered redirect URI (https; http only on loopback for development).
    pub redirect_uri: String,
    /// Scopes; `openid` is added first if missing. Must not be empty.
    pub scope: Vec<String>,
    /// Vectors of trust to request. `None` sends no `vtr` (NHS login then assumes P9).
    pub vtr: Option<Vec<String>>,
    /// `prompt=none` or `prompt=login`.
    pub prompt: Option<Prompt>,
    /// The `asserted_login_identity` JWT for single sign-on (e.g. from the NHS App's `assertedLoginIdentity`).
    pub asserted_login_identity: Option<String>,
    /// `allow_registration`; `Some(false)` hides NHS login's "create account" links.
    pub allow_registration: Option<bool>,
    /// `display=page` or `display=touch`.
    pub display: Option<Display>,
}

impl AuthorizeOptions {
    /// Options with the three required values and scope `openid`.
    pub fn new(
        authorization_endpoint: impl Into<String>,
        client_id: impl Into<ClientId>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        AuthorizeOptions {
            authorization_endpoint: authorization_endpoint.into(),
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            scope: vec!["openid".into()],
            ..Default::default()
        }
    }
}

/// What [`create_authorization_request`] returns: the URL to send the user to
/// and the transient values to keep (single use) until the redirect comes back.
///
/// Its `Debug` shows none of the secrets: not the state, the nonce or the
/// verifier, and of the URL only the part before the query.
///
/// ```
/// use nhs_login_client::{create_authorization_request, AuthorizeOptions, Environment};
/// let opts = AuthorizeOptions::new(
///     Environment::Sandpit.authorization_endpoint(), "my-client", "https://app.example/cb");
/// let req = create_authorization_request(&opts)?;
/// assert!(!format!("{req:?}").contains(req.state.as_str()));
/// # Ok::<(), nhs_login_client::Error>(())
/// ```
#[derive(Clone)]
pub struct AuthorizationRequest {
    /// The full authorization URL.
    pub url: String,
    /// The `state` sent (128 random bits or more). Compare it on the redirect.
    pub state: State,
    /// The `nonce` sent. Compare it with the ID token's `nonce`.
    pub nonce: Nonce,
    /// The PKCE verifier, for the token exchange.
    pub code_verifier: CodeVerifier,
    /// The `vtr` sent, if any, to check the ID token's `vot` against.
    pub vtr: Option<Vtr>,
}

impl core::fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The query carries the state and nonce: only the endpoint is shown.
        let endpoint = self.url.split('?').next().unwrap_or_default();
        f.debug_struct("AuthorizationRequest")
            .field("url", &cat(&[endpoint, "?.."]))
            .field("state", &self.state)
            .field("nonce", &self.nonce)
            .field("code_verifier", &self.code_verifier)
            .field("vtr", &self.vtr)
            .finish()
    }
}

/// The scopes NHS login defines (EIS Table 2; NHS login docs: scopes and
/// claims; discovery `scopes_supported`). Others may be sent (NHS login
/// ignores what it does not understand) but are not typed.
///
/// ```
/// assert!(nhs_login_client::authorize::SCOPES.contains(&"gp_registration_details"));
/// ```
pub const SCOPES: [&str; 11] = [
    "openid",
    "profile",
    "basic_demographics",
    "profile_extended",
    "email",
    "phone",
    "landline",
    "gp_registration_details",
    "gp_integration_credentials",
    "client_metadata",
    "nhs_app_credentials",
];

/// A scope token: RFC 6749 §3.3 `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
fn is_scope_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

/// A JWT in compact form: base64url segments separated by dots.
fn looks_like_jwt(s: &str) -> bool {
    s.split('.').count() == 3
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Builds an authorization request with fresh PKCE (S256), `state` and `nonce`.
///
/// ```
/// use nhs_login_client::{create_authorization_request, AuthorizeOptions, Environment};
/// let mut opts = AuthorizeOptions::new(
///     Environment::Sandpit.authorization_endpoint(), "my-client", "https://app.example/cb");
/// opts.vtr = Some(vec!["P5.Cp.Cd".into(), "P9.Cp.Cd".into()]);
/// let req = create_authorization_request(&opts).unwrap();
/// assert!(req.url.starts_with("https://auth.sandpit.signin.nhs.uk/authorize?response_type=code&"));
/// assert!(req.url.contains("&vtr=%5B%22P5.Cp.Cd%22%2C%22P9.Cp.Cd%22%5D"));
/// assert!(req.url.contains("&code_challenge_method=S256"));
/// ```
///
/// # Errors
/// `invalid_option` naming the field: `authorizationEndpoint` or `redirectUri`
/// not https (loopback http excepted), a `redirectUri` with a query string
/// (EIS §7.3), empty `clientId`, empty or malformed
/// `scope`, unknown `vtr` vector, malformed `assertedLoginIdentity`;
/// `random_unavailable` if the platform generator fails.
pub fn create_authorization_request(opts: &AuthorizeOptions) -> Result<AuthorizationRequest> {
    if !check_endpoint(&opts.authorization_endpoint) {
        return Err(Error::option("authorizationEndpoint", ENDPOINT_RULE));
    }
    let client_id = opts.client_id.as_str();
    if client_id.is_empty() || client_id.bytes().any(|b| b < b' ' || b == 0x7f) {
        return Err(Error::option(
            "clientId",
            "must be a non-empty string without control characters",
        ));
    }
    // EIS §7.3: redirect URIs are https, exact-match, without a fragment.
    if !check_endpoint(&opts.redirect_uri) {
        return Err(Error::option("redirectUri", ENDPOINT_RULE));
    }
    // EIS §7.3: NHS login refuses a redirect URI with a query string.
    if opts.redirect_uri.contains('?') {
        return Err(Error::option(
            "redirectUri",
            "must not have a query string (EIS 7.3: NHS login refuses it); keep state in sessionStorage instead",
        ));
    }
    if opts.scope.is_empty() {
        return Err(Error::option("scope", "must list at least one scope"));
    }
    // NHS login docs (scopes and claims): `profile` and `basic_demographics`
    // are alternatives, never requested together.
    let has = |name: &str| opts.scope.iter().any(|s| s == name);
    if has("profile") && has("basic_demographics") {
        return Err(Error::option(
            "scope",
            "has both `profile` and `basic_demographics`, which NHS login offers as alternatives: ask for one",
        ));
    }
    if !opts.scope.iter().all(|s| is_scope_token(s)) {
        return Err(Error::option(
            "scope",
            "has an empty scope or one with spaces, quotes or backslashes (RFC 6749 3.3)",
        ));
    }
    let vtr = opts.vtr.as_deref().map(Vtr::new).transpose()?;
    if let Some(ali) = &opts.asserted_login_identity {
        if !looks_like_jwt(ali) {
            return Err(Error::option(
                "assertedLoginIdentity",
                "must be a compact JWT",
            ));
        }
    }

    // OIDC Core 3.1.2.1: scope MUST contain openid.
    let mut scopes: Vec<&str> = Vec::with_capacity(opts.scope.len() + 1);
    if !opts.scope.iter().any(|s| s == "openid") {
        scopes.push("openid");
    }
    for s in &opts.scope {
        if !scopes.contains(&s.as_str()) {
            scopes.push(s);
        }
    }

    let code_verifier = CodeVerifier::generate()?;
    // 32 random bytes each: well over the 128 bits the issue and RFC 6749 §10.10 ask for.
    let state = State::from(random::token(32)?);
    let nonce = Nonce::from(random::token(32)?);

    let mut url = String::with_capacity(512);
    url.push_str(&opts.authorization_endpoint);
    url.push(if opts.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    });
    let mut param = |name: &str, value: &str| {
        if !url.ends_with(['?', '&']) {
            url.push('&');
        }
        url.push_str(name);
        url.push('=');
        encode_into(&mut url, value);
    };
    param("response_type", "code");
    param("client_id", client_id);
    param("redirect_uri", &opts.redirect_uri);
    let mut scope = String::new();
    for s in &scopes {
        if !scope.is_empty() {
            scope.push(' ');
        }
        scope.push_str(s);
    }
    param("scope", &scope);
    param("state", state.as_str());
    param("nonce", nonce.as_str());
    param("code_challenge", &code_verifier.challenge());
    param("code_challenge_method", "S256");
    if let Some(v) = &vtr {
        param("vtr", &v.to_json());
    }
    if let Some(p) = opts.prompt {
        param("prompt", p.as_str());
    }
    if let Some(d) = opts.display {
        param("display", d.as_str());
    }
    if let Some(ali) = &opts.asserted_login_identity {
        param("asserted_login_identity", ali);
    }
    if let Some(allow) = opts.allow_registration {
        param("allow_registration", if allow { "true" } else { "false" });
    }

    Ok(AuthorizationRequest {
        url,
        state,
        nonce,
        code_verifier,
        vtr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url::{pairs, query_of};
    use crate::ErrorCode;

    fn opts() -> AuthorizeOptions {
        AuthorizeOptions::new(
            Environment::Sandpit.authorization_endpoint(),
            "client-1",
            "https://app.example/callback",
        )
    }

    fn params(url: &str) -> Vec<(String, String)> {
        pairs(query_of(url).unwrap()).collect()
    }

    fn get<'a>(p: &'a [(String, String)], k: &str) -> Option<&'a str> {
        p.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    #[test]
    fn builds_a_complete_request() {
        let mut o = opts();
        o.scope = vec!["profile".into(), "email".into(), "profile".into()];
        o.vtr = Some(vec!["P9.Cp.Cd".into(), "P9.Cm".into()]);
        o.prompt = Some(Prompt::Login);
        o.display = Some(Display::Touch);
        o.allow_registration = Some(false);
        o.asserted_login_identity = Some("aaa.bbb.ccc".into());
        let r = create_authorization_request(&o).unwrap();
        let p = params(&r.url);
        assert_eq!(get(&p, "response_type"), Some("code"));
        assert_eq!(get(&p, "client_id"), Some("client-1"));
        assert_eq!(
            get(&p, "redirect_uri"),
            Some("https://app.example/callback")
        );
        assert_eq!(get(&p, "scope"), Some("openid profile email"));
        assert_eq!(get(&p, "state"), Some(r.state.as_str()));
        assert_eq!(get(&p, "nonce"), Some(r.nonce.as_str()));
        assert_eq!(
            get(&p, "code_challenge"),
            Some(r.code_verifier.challenge().as_str())
        );
        assert_eq!(get(&p, "code_challenge_method"), Some("S256"));
        assert_eq!(get(&p, "vtr"), Some(r#"["P9.Cp.Cd","P9.Cm"]"#));
        assert_eq!(get(&p, "prompt"), Some("login"));
        assert_eq!(get(&p, "display"), Some("touch"));
        assert_eq!(get(&p, "allow_registration"), Some("false"));
        assert_eq!(get(&p, "asserted_login_identity"), Some("aaa.bbb.ccc"));
        assert!(r.url.contains("vtr=%5B%22P9.Cp.Cd%22%2C%22P9.Cm%22%5D"));
        assert!(r.state.as_str().len() >= 22 && r.nonce.as_str().len() >= 22); // >= 128 bits
    }

    #[test]
    fn fresh_values_every_call() {
        let a = create_authorization_request(&opts()).unwrap();
        let b = create_authorization_request(&opts()).unwrap();
        assert_ne!(a.state, b.state);
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.code_verifier, b.code_verifier);
        assert_ne!(a.state.as_str(), a.nonce.as_str());
    }

    #[test]
    fn debug_shows_no_secret() {
        let r = create_authorization_request(&opts()).unwrap();
        let debug = format!("{r:?}");
        for secret in [r.state.as_str(), r.nonce.as_str(), r.code_verifier.as_str()] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(debug.contains("https://auth.sandpit.signin.nhs.uk/authorize?.."));
        assert!(debug.contains("State(..)") && debug.contains("Nonce(..)"));
    }

    #[test]
    fn keeps_existing_query_on_endpoint() {
        let mut o = opts();
        o.authorization_endpoint = "https://idp.example/auth?tenant=x".into();
        let r = create_authorization_request(&o).unwrap();
        assert!(r
            .url
            .starts_with("https://idp.example/auth?tenant=x&response_type=code&"));
    }

    fn rejected_field(o: AuthorizeOptions) -> String {
        let e = create_authorization_request(&o).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidOption);
        e.message().to_string()
    }

    #[test]
    fn rejects_bad_options_naming_the_field() {
        let mut o = opts();
        o.redirect_uri = "http://app.example/cb".into();
        assert!(rejected_field(o).contains("redirectUri"));
        let mut o = opts();
        o.redirect_uri = "http://127.0.0.1:8080/cb".into();
        assert!(create_authorization_request(&o).is_ok());
        for with_query in ["https://app.example/cb?from=nhs", "https://app.example/cb?"] {
            let mut o = opts();
            o.redirect_uri = with_query.into();
            let m = rejected_field(o);
            assert!(m.contains("redirectUri") && m.contains("query"), "{m}");
        }
        let mut o = opts();
        o.authorization_endpoint = "http://evil.example/authorize".into();
        assert!(rejected_field(o).contains("authorizationEndpoint"));
        let mut o = opts();
        o.scope = vec![];
        assert!(rejected_field(o).contains("scope"));
        let mut o = opts();
        o.scope = vec!["profile".into(), "basic_demographics".into()];
        assert!(rejected_field(o).contains("basic_demographics"));
        let mut o = opts();
        o.scope = vec!["openid profile".into()];
        assert!(rejected_field(o).contains("scope"));
        let mut o = opts();
        o.vtr = Some(vec!["P9.Cp.Cd".into(), "P3.Cp".into()]);
        assert!(rejected_field(o).contains("vtr"));
        let mut o = opts();
        o.vtr = Some(vec![]);
        assert!(rejected_field(o).contains("vtr"));
        let mut o = opts();
        o.client_id = "".into();
        assert!(rejected_field(o).contains("clientId"));
        let mut o = opts();
        o.asserted_login_identity = Some("not a jwt".into());
        assert!(rejected_field(o).contains("assertedLoginIdentity"));
        assert!(Prompt::from_name("consent")
            .unwrap_err()
            .message()
            .contains("prompt"));
        assert!(Display::from_name("popup")
            .unwrap_err()
            .message()
            .contains("display"));
        assert!(Environment::from_name("dev")
            .unwrap_err()
            .message()
            .contains("environment"));
    }

    #[test]
    fn environments_have_real_issuers() {
        assert_eq!(
            Environment::Production.issuer(),
            "https://auth.login.nhs.uk"
        );
        assert_eq!(
            Environment::Integration.token_endpoint(),
            "https://auth.aos.signin.nhs.uk/token"
        );
        assert_eq!(
            Environment::Production.jwks_uri(),
            "https://auth.login.nhs.uk/.well-known/jwks.json"
        );
    }
}
