use js_sys::{Array, Function, Promise};
use nhs_login_client::wasm::{
    assume_signature_checked_by_host, authorize, callback, select_key, userinfo, Keyset,
};
use serde_json::{json, Value as J};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

const ISSUER: &str = "https://auth.login.nhs.uk";
const CLIENT: &str = "wasm-client";
const NOW: f64 = 1_760_000_000.0;

/// Runs an async JS function body with `args` and awaits it.
async fn js(args: &str, body: &str, values: &[JsValue]) -> JsValue {
    let f = Function::new_with_args(args, &["return (async () => {", body, "})();"].concat());
    let arr: Array = values.iter().collect();
    let p: Promise = f.apply(&JsValue::NULL, &arr).unwrap().dyn_into().unwrap();
    JsFuture::from(p).await.unwrap()
}

const ALG: &str = "const ALG = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' };
  const b64u = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const enc = new TextEncoder();";

/// Generates an RSA-2048 key pair with WebCrypto; returns [privateKey, jwkJson].
async fn make_key(kid: &str) -> (JsValue, String) {
    let body = [
        ALG,
        "const p = await crypto.subtle.generateKey({ ...ALG, modulusLength: 2048, publicExponent: new Uint8Array([1,0,1]) }, true, ['sign','verify']);
         const j = await crypto.subtle.exportKey('jwk', p.publicKey);
         return [p.privateKey, JSON.stringify({ kty: 'RSA', kid, n: j.n, e: j.e })];",
    ]
    .concat();
    let r: Array = js("kid", &body, &[kid.into()]).await.dyn_into().unwrap();
    (r.get(0), r.get(1).as_string().unwrap())
}

/// Signs `claims` (JSON text) with `key` under the given header (JSON text).
async fn sign(key: &JsValue, header: &str, claims: &str) -> String {
    let body = [
        ALG,
        "const input = b64u(enc.encode(header)) + '.' + b64u(enc.encode(claims));
         const sig = await crypto.subtle.sign(ALG, key, enc.encode(input));
         return input + '.' + b64u(sig);",
    ]
    .concat();
    js(
        "key, header, claims",
        &body,
        &[key.clone(), header.into(), claims.into()],
    )
    .await
    .as_string()
    .unwrap()
}

/// Verifies the token's signature with WebCrypto and the JWK (JSON text) from the keyset.
async fn webcrypto_verify(token: &str, jwk: &str) -> bool {
    let body = [
        ALG,
        "const key = await crypto.subtle.importKey('jwk', JSON.parse(jwk), ALG, false, ['verify']);
         const dot = token.lastIndexOf('.');
         const sig = Uint8Array.from(atob(token.slice(dot + 1).replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
         return crypto.subtle.verify(ALG, key, sig, enc.encode(token.slice(0, dot)));",
    ]
    .concat();
    js("token, jwk", &body, &[token.into(), jwk.into()])
        .await
        .as_bool()
        .unwrap()
}

fn claims(over: &str) -> String {
    let mut c = format!(
        r#""iss":"{ISSUER}","aud":"{CLIENT}","sub":"abc-123","exp":{},"iat":{},"nonce":"n1","vot":"P5.Cp.Cd","nhs_number":"9000000009""#,
        NOW + 3600.0,
        NOW
    );
    if !over.is_empty() {
        c = format!("{c},{over}");
    }
    format!("{{{c}}}")
}

/// Decodes the boundary's `{"ok": ...}` / `{"error": {...}}` answers.
fn res(r: String) -> Result<J, J> {
    let mut v: J = serde_json::from_str(&r).expect("the answer is JSON");
    match (v.get_mut("ok").map(J::take), v.get_mut("error").map(J::take)) {
        (Some(ok), None) => Ok(ok),
        (None, Some(e)) => Err(e),
        _ => panic!("neither ok nor error: {r}"),
    }
}

fn code(e: J) -> String {
    e["code"].as_str().unwrap_or_default().to_string()
}

fn check(token: &str, vtr: &[&str]) -> Result<J, J> {
    let options = json!({ "issuer": ISSUER, "clientId": CLIENT, "nonce": "n1", "vtr": vtr, "now": NOW });
    res(assume_signature_checked_by_host(token.as_bytes(), &options.to_string()))
}

fn select(token: &str, keys: &Keyset) -> Result<u32, J> {
    res(select_key(token.as_bytes(), keys)).map(|i| i.as_u64().unwrap() as u32)
}

#[wasm_bindgen_test]
fn authorize_uses_platform_randomness_and_s256() {
    let r = res(authorize(
        &json!({ "environment": "sandpit", "clientId": CLIENT, "redirectUri": "https://app.example/cb", "scope": ["profile"], "vtr": ["P9.Cp.Cd"], "prompt": "none", "allowRegistration": false }).to_string(),
    ))
    .unwrap();
    let (url, state, nonce, verifier) = (r["url"].as_str().unwrap(), r["state"].as_str().unwrap(), r["nonce"].as_str().unwrap(), r["codeVerifier"].as_str().unwrap());
    assert!(url.starts_with(
        "https://auth.sandpit.signin.nhs.uk/authorize?response_type=code&client_id=wasm-client&"
    ));
    assert!(url.contains("&vtr=%5B%22P9.Cp.Cd%22%5D"));
    assert!(url.contains("&prompt=none"));
    assert!(url.contains("&allow_registration=false"));
    assert!(url.contains(&format!("&state={state}&nonce={nonce}&")));
    assert_eq!(verifier.len(), 43);
    let sandpit = |over: J| {
        let mut o = json!({ "environment": "sandpit", "clientId": CLIENT, "redirectUri": "https://app.example/cb" });
        for (k, v) in over.as_object().unwrap() {
            o[k] = v.clone();
        }
        res(authorize(&o.to_string()))
    };
    let again = sandpit(json!({})).unwrap();
    assert_ne!(again["state"], r["state"]);
    // Each type rule names its field, from Rust.
    for (over, field) in [
        (json!({ "vtr": ["P9.Cm", "P1.Cp"] }), "vtr"),
        (json!({ "vtr": "P9.Cm" }), "vtr"),
        (json!({ "vtr": ["P9.Cm", 5] }), "vtr"),
        (json!({ "scope": "openid" }), "scope"),
        (json!({ "allowRegistration": "no" }), "allowRegistration"),
        (json!({ "clientId": null }), "clientId"),
        (json!({ "clientId": 7 }), "clientId"),
        (json!({ "environment": "dev" }), "environment"),
        (json!({ "redirectUri": "https://app.example/cb?x=1" }), "redirectUri"),
    ] {
        let e = sandpit(over.clone()).unwrap_err();
        assert_eq!(code(e.clone()), "invalid_option", "{over}");
        assert_eq!(e["field"], field, "{over}");
    }
    assert_eq!(code(res(authorize("[]")).unwrap_err()), "invalid_option");
    assert_eq!(code(res(authorize("{")).unwrap_err()), "invalid_option");
}

#[wasm_bindgen_test]
fn callback_codes() {
    let cb = |url: &str| res(callback(&json!({ "url": url, "state": "s" }).to_string()));
    assert_eq!(cb("https://a/cb?code=x&state=s").unwrap()["code"], "x");
    assert_eq!(code(cb("https://a/cb?code=x&state=t").unwrap_err()), "state_mismatch");
    let e = cb("https://a/cb?error=access_denied&error_description=ConsentNotGiven&state=s").unwrap_err();
    assert_eq!(e["code"], "provider_error");
    assert_eq!(e["error"], "access_denied");
    assert_eq!(e["error_description"], "ConsentNotGiven");
    // The environment gives the issuer for the RFC 9207 check.
    let with_iss = |env: &str| {
        res(callback(&json!({ "url": "https://a/cb?code=x&state=s&iss=https%3A%2F%2Fauth.login.nhs.uk", "state": "s", "environment": env }).to_string()))
    };
    assert!(with_iss("production").is_ok());
    assert_eq!(code(with_iss("sandpit").unwrap_err()), "invalid_issuer");
}

#[wasm_bindgen_test]
async fn validates_webcrypto_signed_tokens() {
    let (k1, jwk1) = make_key("k1").await;
    let (k2, jwk2) = make_key("k2").await;
    let keys = Keyset::new(&format!(r#"{{"keys":[{jwk2},{jwk1}]}}"#));
    assert_eq!(keys.error(), "");
    assert_eq!(code(res(Keyset::new("{}").error()).unwrap_err()), "invalid_jwks");
    let header = r#"{"alg":"RS512","kid":"k1"}"#;

    let good = sign(&k1, header, &claims("")).await;
    let index = select(&good, &keys).unwrap();
    assert_eq!(index, 1);
    assert!(webcrypto_verify(&good, &keys.key(index)).await);
    assert_eq!(keys.key(99), "");
    let payload = check(&good, &["P5.Cp.Cd"]).unwrap();
    assert_eq!(payload["claims"]["nhs_number"], "9000000009");
    assert_eq!(payload["warnings"], json!([]));
    assert_eq!(payload["set"], json!([]));
    // Profile claims of another type: the token's own claims, then the edits.
    let odd = sign(&k1, header, &claims(r#""email_verified":"true","given_name":7,"q\"\u0001":true"#)).await;
    let answer = check(&odd, &["P5.Cp.Cd"]).unwrap();
    assert_eq!(answer["claims"]["given_name"], 7);
    assert_eq!(answer["claims"]["q\"\u{1}"], true);
    assert_eq!(answer["warnings"], json!([{ "claim": "given_name", "message": "is not a string" }]));
    assert_eq!(answer["set"], json!([["email_verified", true]]));
    // A missing or ill-typed security claim names the claim.
    let no_exp = sign(&k1, header, &claims("").replace(&format!("\"exp\":{},", NOW + 3600.0), "")).await;
    let e = check(&no_exp, &["P5.Cp.Cd"]).unwrap_err();
    assert_eq!((e["code"].as_str(), e["claim"].as_str()), (Some("missing_claim"), Some("exp")));
    // Userinfo: sub checked, profile claims normalised.
    let ui = res(userinfo(r#"{"sub":"abc-123","email_verified":"false"}"#, "abc-123")).unwrap();
    assert_eq!(ui["set"], json!([["email_verified", false]]));
    assert_eq!(code(res(userinfo(r#"{"sub":"x"}"#, "abc-123")).unwrap_err()), "invalid_userinfo");

    // Signed by k2 but labelled k1: the signature check fails.
    let forged = sign(&k2, header, &claims("")).await;
    let i = select(&forged, &keys).unwrap();
    assert!(!webcrypto_verify(&forged, &keys.key(i)).await);

    // Header and claim rejections.
    let none = sign(&k1, r#"{"alg":"none","kid":"k1"}"#, &claims("")).await;
    assert_eq!(
        code(select(&none, &keys).unwrap_err()),
        "unsupported_alg"
    );
    let unknown = sign(&k1, r#"{"alg":"RS512","kid":"k9"}"#, &claims("")).await;
    assert_eq!(
        code(select(&unknown, &keys).unwrap_err()),
        "key_not_found"
    );
    assert_eq!(
        code(check(&good, &["P9.Cp.Cd"]).unwrap_err()),
        "vot_not_satisfied"
    );
    // A second "exp" member: duplicate names are refused (RFC 7519 4).
    let duplicate = sign(&k1, header, &claims(&format!(r#""exp":{}"#, NOW - 3600.0))).await;
    assert_eq!(
        code(check(&duplicate, &["P5.Cp.Cd"]).unwrap_err()),
        "malformed_token"
    );
    let t = sign(
        &k1,
        header,
        &claims("").replace(
            &format!("\"exp\":{}", NOW + 3600.0),
            &format!("\"exp\":{}", NOW - 3600.0),
        ),
    )
    .await;
    assert_eq!(code(check(&t, &["P5.Cp.Cd"]).unwrap_err()), "token_expired");
    let t = sign(&k1, header, &claims("").replace("\"n1\"", "\"n2\"")).await;
    assert_eq!(code(check(&t, &["P5.Cp.Cd"]).unwrap_err()), "invalid_nonce");
    assert_eq!(
        code(select(&"a".repeat(70_000), &keys).unwrap_err()),
        "malformed_token"
    );
}

#[cfg(feature = "rsa")]
#[wasm_bindgen_test]
async fn pure_rust_rsa_in_wasm_agrees_with_webcrypto() {
    use nhs_login_client::wasm::validate_in_rust;
    let (k1, jwk1) = make_key("k1").await;
    let (k2, _) = make_key("k2").await;
    let keys = Keyset::new(&format!(r#"{{"keys":[{jwk1}]}}"#));
    let header = r#"{"alg":"RS512","kid":"k1"}"#;
    let run = |t: &str| {
        res(validate_in_rust(
            t,
            &keys,
            &json!({ "issuer": ISSUER, "clientId": CLIENT, "nonce": "n1", "vtr": ["P5.Cp.Cd"], "now": NOW }).to_string(),
        ))
    };
    let good = sign(&k1, header, &claims("")).await;
    assert!(run(&good).is_ok());
    let forged = sign(&k2, header, &claims("")).await;
    assert_eq!(code(run(&forged).unwrap_err()), "invalid_signature");
}
