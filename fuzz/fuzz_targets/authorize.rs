//! `create_authorization_request` with arbitrary options (via `arbitrary`):
//! each text option is either one of a few realistic values or any string,
//! so that both the success path and every rejection are reached. A built
//! URL must carry exactly what was asked for, encoded.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use nhs_login_client::pkce::CodeVerifier;
use nhs_login_client::vot::KNOWN_VECTORS;
use nhs_login_client::{
    create_authorization_request, parse_callback, AuthorizeOptions, Display, ErrorCode, Prompt,
};

#[derive(Arbitrary, Debug)]
enum Text {
    Known(u8),
    Any(String),
}

impl Text {
    fn pick(&self, known: &[&str]) -> String {
        match self {
            Text::Known(i) => known[usize::from(*i) % known.len()].to_owned(),
            Text::Any(s) => s.clone(),
        }
    }
}

const ENDPOINTS: &[&str] = &[
    "https://auth.sandpit.signin.nhs.uk/authorize",
    "https://auth.aos.signin.nhs.uk/authorize",
    "https://auth.login.nhs.uk/authorize",
    "http://127.0.0.1:9000/authorize",
    "http://[::1]:8080/authorize",
    "http://localhost/authorize",
    "https://idp.example/auth?tenant=x",
    "http://evil.example/authorize",
    "https://user@idp.example/",
    "https://idp.example/a#b",
];
const CLIENTS: &[&str] = &["my-client", "client-1", "", "a b", "c\u{7f}", "\u{e9}"];
const REDIRECTS: &[&str] = &[
    "https://app.example/callback",
    "http://127.0.0.1:8080/callback",
    "http://app.example/cb",
    "https://app.example/cb?x=1&y=%20",
];
const SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "phone",
    "profile_extended",
    "gp_registration_details",
    "nhs_app_credentials",
    "openid profile",
    "",
    "a\"b",
];
const VECTORS: &[&str] = &["P9.Cp.Cd", "P9.Cm", "P5.Cp.Cd", "P0.Cp", "P7.Cp", "P9", ""];
const ALIS: &[&str] = &[
    "aaa.bbb.ccc",
    "eyJhbGciOiJSUzUxMiJ9.e30.c2ln",
    "a.b",
    "a b.c.d",
];

#[derive(Arbitrary, Debug)]
struct Input {
    endpoint: Text,
    client_id: Text,
    redirect_uri: Text,
    scope: Vec<Text>,
    vtr: Option<Vec<Text>>,
    known_vtr: Option<Vec<u8>>,
    prompt: Option<bool>,
    display: Option<bool>,
    asserted_login_identity: Option<Text>,
    allow_registration: Option<bool>,
}

fuzz_target!(|input: Input| {
    let mut opts = AuthorizeOptions::new(
        input.endpoint.pick(ENDPOINTS),
        input.client_id.pick(CLIENTS),
        input.redirect_uri.pick(REDIRECTS),
    );
    opts.scope = input.scope.iter().map(|s| s.pick(SCOPES)).collect();
    opts.vtr = match (&input.vtr, &input.known_vtr) {
        (Some(v), _) => Some(v.iter().map(|t| t.pick(VECTORS)).collect()),
        (None, Some(k)) => Some(
            k.iter()
                .map(|i| KNOWN_VECTORS[usize::from(*i) % KNOWN_VECTORS.len()].to_owned())
                .collect(),
        ),
        (None, None) => None,
    };
    opts.prompt = input
        .prompt
        .map(|p| if p { Prompt::Login } else { Prompt::None });
    opts.display = input
        .display
        .map(|d| if d { Display::Touch } else { Display::Page });
    opts.asserted_login_identity = input.asserted_login_identity.as_ref().map(|a| a.pick(ALIS));
    opts.allow_registration = input.allow_registration;

    let req = match create_authorization_request(&opts) {
        Ok(r) => r,
        Err(e) => {
            assert_eq!(e.code(), ErrorCode::InvalidOption, "{e:?}");
            return;
        }
    };
    let endpoint = &opts.authorization_endpoint;
    assert!(req.url.starts_with(endpoint.as_str()));
    let query = &req.url[endpoint.len() + 1..];
    assert!(req.url[endpoint.len()..].starts_with(if endpoint.contains('?') { '&' } else { '?' }));
    // Everything we appended is encoded: unreserved characters, %XX, = and &.
    assert!(
        query
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~%=&".contains(&b)),
        "unencoded byte in {query}"
    );
    assert!(query.starts_with("response_type=code&client_id="));
    // OIDC Core 3.1.2.1: scope contains openid (first unless the caller placed it).
    let scope = query
        .split('&')
        .find_map(|p| p.strip_prefix("scope="))
        .expect("scope");
    assert!(scope.split("%20").any(|s| s == "openid"), "{scope}");
    assert!(query.contains(&format!(
        "&code_challenge={}&",
        req.code_verifier.challenge()
    )));
    assert!(query.contains("&code_challenge_method=S256"));
    for value in [req.state.as_str(), req.nonce.as_str()] {
        assert_eq!(value.len(), 43);
        assert!(query.contains(&format!("={value}&")));
    }
    assert!(CodeVerifier::new(req.code_verifier.as_str()).is_ok());
    assert_eq!(req.vtr.is_some(), opts.vtr.is_some());
    assert_eq!(query.contains("&vtr="), opts.vtr.is_some());
    assert_eq!(query.contains("&prompt="), opts.prompt.is_some());
    assert_eq!(query.contains("&display="), opts.display.is_some());
    assert_eq!(
        query.contains("&asserted_login_identity="),
        opts.asserted_login_identity.is_some()
    );
    // The secrets never show in Debug.
    let debug = format!("{req:?}");
    assert!(!debug.contains(req.state.as_str()) && !debug.contains(req.nonce.as_str()));
    assert!(!debug.contains(req.code_verifier.as_str()));
    // Read back as a redirect: our own query has the state and no code.
    if !endpoint.contains('?') {
        let back = parse_callback(&req.url, &req.state, None).unwrap_err();
        assert_eq!(back.code(), ErrorCode::MissingCode);
    }
});
