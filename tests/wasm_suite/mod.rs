use js_sys::{Array, Function, Promise};
use nhs_login_client::wasm::{authorize, callback, check_claims, issuer_of, select_key, Keyset};
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

/// Verifies the token's signature with WebCrypto and the JWK `n.e` from the keyset.
async fn webcrypto_verify(token: &str, n_e: &str) -> bool {
    let body = [
        ALG,
        "const [n, e] = ne.split('.');
         const key = await crypto.subtle.importKey('jwk', { kty: 'RSA', n, e, alg: 'RS512', ext: true }, ALG, false, ['verify']);
         const dot = token.lastIndexOf('.');
         const sig = Uint8Array.from(atob(token.slice(dot + 1).replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
         return crypto.subtle.verify(ALG, key, sig, enc.encode(token.slice(0, dot)));",
    ]
    .concat();
    js("token, ne", &body, &[token.into(), n_e.into()])
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

/// Decodes the boundary's "1value" / "0code\x1fmessage..." answers.
fn res(r: String) -> Result<String, String> {
    match r.strip_prefix('1') {
        Some(v) => Ok(v.to_string()),
        None => Err(r.strip_prefix('0').expect("answer starts with 0 or 1").to_string()),
    }
}

fn code(e: String) -> String {
    e.split('\u{1f}').next().unwrap_or_default().to_string()
}

fn check(token: &str, vtr: &[&str]) -> Result<String, String> {
    res(check_claims(
        token,
        ISSUER.into(),
        CLIENT.into(),
        Some("n1".into()),
        true,
        Some(vtr.join("\u{1f}")),
        60.0,
        NOW,
    ))
}

fn select(token: &str, keys: &Keyset) -> Result<u32, String> {
    res(select_key(token, keys)).map(|i| i.parse().unwrap())
}

#[wasm_bindgen_test]
fn authorize_uses_platform_randomness_and_s256() {
    let r = res(authorize(
        Some("sandpit".into()),
        None,
        CLIENT.into(),
        "https://app.example/cb".into(),
        "profile",
        Some("P9.Cp.Cd".into()),
        Some("none".into()),
        None,
        2,
        None,
    ))
    .unwrap();
    let parts: Vec<String> = r.split('\u{1f}').map(String::from).collect();
    let [url, state, nonce, verifier] = <[String; 4]>::try_from(parts).unwrap();
    assert!(url.starts_with(
        "https://auth.sandpit.signin.nhs.uk/authorize?response_type=code&client_id=wasm-client&"
    ));
    assert!(url.contains("&vtr=%5B%22P9.Cp.Cd%22%5D"));
    assert!(url.contains("&prompt=none"));
    assert!(url.contains("&allow_registration=false"));
    assert!(url.contains(&format!("&state={state}&nonce={nonce}&")));
    assert_eq!(verifier.len(), 43);
    let sandpit = |vtr: Option<String>| {
        res(authorize(
            Some("sandpit".into()),
            None,
            CLIENT.into(),
            "https://app.example/cb".into(),
            "openid",
            vtr,
            None,
            None,
            0,
            None,
        ))
    };
    let again = sandpit(None).unwrap();
    assert!(!again.contains(&state));
    let bad = sandpit(Some("P9.Cm\u{1f}P1.Cp".into())).unwrap_err();
    assert_eq!(code(bad.clone()), "invalid_option");
    assert!(bad.contains("vtr"));
    assert_eq!(res(issuer_of("production")).unwrap(), ISSUER);
}

#[wasm_bindgen_test]
fn callback_codes() {
    let cb = |url: &str| res(callback(url, "s", None));
    assert_eq!(cb("https://a/cb?code=x&state=s").unwrap(), "x");
    assert_eq!(code(cb("https://a/cb?code=x&state=t").unwrap_err()), "state_mismatch");
    let e = cb("https://a/cb?error=access_denied&error_description=ConsentNotGiven&state=s").unwrap_err();
    let parts: Vec<&str> = e.split('\u{1f}').collect();
    assert_eq!(parts[0], "provider_error");
    assert_eq!(parts[2], "access_denied");
    assert_eq!(parts[3], "ConsentNotGiven");
}

#[wasm_bindgen_test]
async fn validates_webcrypto_signed_tokens() {
    let (k1, jwk1) = make_key("k1").await;
    let (k2, jwk2) = make_key("k2").await;
    let keys = Keyset::new(&format!(r#"{{"keys":[{jwk2},{jwk1}]}}"#));
    assert_eq!(keys.error(), "");
    assert_eq!(code(Keyset::new("{}").error()), "invalid_jwks");
    let header = r#"{"alg":"RS512","kid":"k1"}"#;

    let good = sign(&k1, header, &claims("")).await;
    let index = select(&good, &keys).unwrap();
    assert_eq!(index, 1);
    assert!(webcrypto_verify(&good, &keys.key(index)).await);
    let payload = check(&good, &["P5.Cp.Cd"]).unwrap();
    assert!(payload.contains("9000000009"));
    assert!(!payload.contains('\u{1f}'), "no edits for well-typed claims");
    // Profile claims of another type: the token's text, then the edits.
    let odd = sign(&k1, header, &claims(r#""email_verified":"true","given_name":7,"q\"\u0001":true"#)).await;
    let answer = check(&odd, &["P5.Cp.Cd"]).unwrap();
    let (text, edits) = answer.split_once('\u{1f}').unwrap();
    assert!(text.contains(r#""given_name":7"#));
    assert_eq!(
        edits,
        r#"{"warnings":[{"claim":"given_name","message":"is not a string"}],"set":[["email_verified",true]]}"#
    );

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
            ISSUER.into(),
            CLIENT.into(),
            Some("n1".into()),
            Some("P5.Cp.Cd".into()),
            60.0,
            NOW,
        ))
    };
    let good = sign(&k1, header, &claims("")).await;
    assert!(run(&good).is_ok());
    let forged = sign(&k2, header, &claims("")).await;
    assert_eq!(code(run(&forged).unwrap_err()), "invalid_signature");
}
