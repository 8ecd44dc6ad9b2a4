//! End-to-end ID token validation in native Rust with real RS512 signatures
//! from keys generated in the test.
#![cfg(all(feature = "rsa", not(target_arch = "wasm32")))]
mod common;

use common::*;
use nhs_login_client::{
    ErrorCode, IdTokenVerifier, Jwks, Nonce, NonceCheck, UntrustedToken, VerifiedIdToken, Vtr,
};

const HEADER: &str = r#"{"alg":"RS512","typ":"JWT","kid":"k1"}"#;

fn verifier() -> IdTokenVerifier {
    IdTokenVerifier::new(ISSUER, CLIENT).with_vtr(Vtr::new(&["P9.Cp.Cd", "P9.Cm"]).unwrap())
}

fn set() -> Jwks {
    Jwks::parse(jwks(&[jwk(1, Some("k0"), ""), jwk(0, Some("k1"), "")]).as_bytes()).unwrap()
}

fn nonce() -> Nonce {
    Nonce::from("nonce-1")
}

fn verify(token: &str, jwks: &Jwks) -> nhs_login_client::Result<VerifiedIdToken> {
    verifier().verify(token, jwks, NonceCheck::Expect(&nonce()), NOW)
}

fn code(token: &str, jwks: &Jwks) -> &'static str {
    verify(token, jwks)
        .map(|_| "ok")
        .unwrap_or_else(|e| e.code().as_str())
}

#[test]
fn valid_token_gives_typed_claims() {
    let t = sign(0, HEADER, &claims().to_string());
    let token = verify(&t, &set()).unwrap();
    let c = token.claims();
    assert_eq!(c.sub, "49f470a1-cc52-49b7-beba-0f9cec937c46");
    assert_eq!(c.nhs_number.as_deref(), Some("9000000009"));
    assert_eq!(c.vot, "P9.Cp.Cd");
    assert_eq!(c.aud, vec![CLIENT.to_string()]);
    assert_eq!(c.email_verified, Some(true));
    assert_eq!(c.identity_proofing_level.as_deref(), Some("P9"));
    assert_eq!(
        c.get("id_status").and_then(|v| v.as_str()),
        Some("verified")
    );
    // The normalised claims object holds the same claims, in token order.
    let value = token.claims_value();
    assert_eq!(
        value.get("sub").and_then(|v| v.as_str()),
        Some(c.sub.as_str())
    );
    assert_eq!(
        value.as_object().map(|m| m.len()),
        claims().as_object().map(|m| m.len())
    );
}

#[test]
fn the_steps_one_by_one_give_the_same_token() {
    let t = sign(0, HEADER, &claims().to_string());
    let untrusted = UntrustedToken::decode(&t).unwrap();
    assert_eq!(untrusted.kid(), Some("k1"));
    let signed = untrusted.verify_signature(&set()).unwrap();
    let token = verifier()
        .verify_claims(&signed, NonceCheck::Expect(&nonce()), NOW)
        .unwrap();
    assert_eq!(token, verify(&t, &set()).unwrap());
    // The signature step fails on its own, before any claim is looked at.
    let other_key = sign(1, HEADER, &claims().to_string());
    let err = UntrustedToken::decode(&other_key)
        .unwrap()
        .verify_signature(&set())
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidSignature);
}

#[test]
fn the_nonce_expectation_is_explicit() {
    let with_nonce = sign(0, HEADER, &claims().to_string());
    let mut c = claims();
    c.as_object_mut().unwrap().remove("nonce");
    let without_nonce = sign(0, HEADER, &c.to_string());
    let run = |v: &IdTokenVerifier, t: &str, n: NonceCheck<'_>| {
        v.verify(t, &set(), n, NOW)
            .map(|_| "ok")
            .unwrap_or_else(|e| e.code().as_str())
    };
    let sent = nonce();
    let other = Nonce::from("nonce-2");
    let v = verifier();
    assert_eq!(run(&v, &with_nonce, NonceCheck::Expect(&sent)), "ok");
    assert_eq!(
        run(&v, &with_nonce, NonceCheck::Expect(&other)),
        "invalid_nonce"
    );
    assert_eq!(
        run(&v, &with_nonce, NonceCheck::ExpectNone),
        "invalid_nonce"
    );
    assert_eq!(
        run(&v, &without_nonce, NonceCheck::Expect(&sent)),
        "invalid_nonce"
    );
    assert_eq!(run(&v, &without_nonce, NonceCheck::ExpectNone), "ok");
    let skipping = verifier().insecure_skip_nonce_check();
    for t in [&with_nonce, &without_nonce] {
        assert_eq!(run(&skipping, t, NonceCheck::Expect(&other)), "ok");
        assert_eq!(run(&skipping, t, NonceCheck::ExpectNone), "ok");
    }
}

#[test]
fn signature_and_key_errors() {
    let body = claims().to_string();
    // Signed by the other key under kid k1.
    assert_eq!(code(&sign(1, HEADER, &body), &set()), "invalid_signature");
    // Payload swapped after signing.
    let good = sign(0, HEADER, &body);
    let other = sign(0, HEADER, &body.replace("MILLAR", "SMITH"));
    let parts: Vec<&str> = good.split('.').collect();
    let other_parts: Vec<&str> = other.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], other_parts[1], parts[2]);
    assert_eq!(code(&tampered, &set()), "invalid_signature");
    // Unknown kid.
    let t = sign(0, r#"{"alg":"RS512","kid":"rotated"}"#, &body);
    assert_eq!(code(&t, &set()), "key_not_found");
    // No kid with two keys: ambiguous; with a lone key: used.
    let t = sign(0, r#"{"alg":"RS512"}"#, &body);
    assert_eq!(code(&t, &set()), "key_not_found");
    let lone = Jwks::parse(jwks(&[jwk(0, None, "")]).as_bytes()).unwrap();
    assert_eq!(code(&t, &lone), "ok");
    // Keys published without use/alg are accepted; with use=enc they are not.
    let enc = Jwks::parse(jwks(&[jwk(0, Some("k1"), r#","use":"enc""#)]).as_bytes()).unwrap();
    assert_eq!(code(&good, &enc), "key_not_found");
    let sig = Jwks::parse(jwks(&[jwk(0, Some("k1"), r#","use":"sig","alg":"RS512""#)]).as_bytes())
        .unwrap();
    assert_eq!(code(&good, &sig), "ok");
}

#[test]
fn alg_is_checked_before_any_key() {
    let body = claims().to_string();
    for alg in ["none", "HS512", "RS256", "PS512"] {
        // Even correctly signed (RS512 bytes) tokens with another alg label are refused.
        let t = sign(0, &format!(r#"{{"alg":"{alg}","kid":"k1"}}"#), &body);
        assert_eq!(code(&t, &Jwks::default()), "unsupported_alg", "{alg}");
    }
    let t = sign(
        0,
        r#"{"alg":"RS512","kid":"k1","crit":["b64"],"b64":false}"#,
        &body,
    );
    assert_eq!(code(&t, &set()), "unsupported_alg");
}

#[test]
fn every_claim_error_fires_on_a_signed_token() {
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        ("iss", "https://evil.example".into(), "invalid_issuer"),
        ("aud", "another-client".into(), "invalid_audience"),
        ("exp", (NOW as i64 - 120).into(), "token_expired"),
        ("iat", (NOW as i64 + 600).into(), "token_issued_in_future"),
        ("nonce", "nonce-2".into(), "invalid_nonce"),
        ("vot", "P5.Cp.Cd".into(), "vot_not_satisfied"),
        ("auth_time", "yesterday".into(), "invalid_claim"),
    ];
    for (name, value, expected) in cases {
        let mut c = claims();
        c[name] = value;
        assert_eq!(
            code(&sign(0, HEADER, &c.to_string()), &set()),
            expected,
            "{name}"
        );
    }
    for name in ["iss", "sub", "aud", "exp", "iat", "vot"] {
        let mut c = claims();
        c.as_object_mut().unwrap().remove(name);
        assert_eq!(
            code(&sign(0, HEADER, &c.to_string()), &set()),
            "missing_claim",
            "{name}"
        );
    }
    let t = sign(0, HEADER, "not json");
    assert_eq!(code(&t, &set()), "malformed_token");
}

#[test]
fn profile_claims_of_another_type_are_warnings_on_a_signed_token() {
    let mut c = claims();
    c["email_verified"] = "yes".into();
    c["phone_number_verified"] = "true".into();
    let token = verify(&sign(0, HEADER, &c.to_string()), &set()).unwrap();
    let claims = token.claims();
    assert_eq!(claims.email_verified, None);
    assert_eq!(claims.phone_number_verified, Some(true));
    assert_eq!(claims.warnings.len(), 1);
    assert_eq!(claims.warnings[0].claim, "email_verified");
    assert_eq!(claims.warnings[0].message, "is not a boolean");
    // The claims object is normalised the same way.
    let value = token.claims_value();
    assert!(value.get("email_verified").is_none());
    assert_eq!(
        value.get("phone_number_verified").and_then(|v| v.as_bool()),
        Some(true)
    );
}

#[test]
fn skew_is_configurable() {
    let mut c = claims();
    c["exp"] = (NOW as i64 - 30).into();
    let t = sign(0, HEADER, &c.to_string());
    assert_eq!(code(&t, &set()), "ok"); // default 60 s
    let strict = verifier().with_clock_skew(0);
    assert_eq!(
        strict
            .verify(&t, &set(), NonceCheck::Expect(&nonce()), NOW)
            .unwrap_err()
            .code(),
        ErrorCode::TokenExpired
    );
}

/// Feature `serde`: the service's own claim types, from the verified claims.
#[cfg(feature = "serde")]
mod own_claim_types {
    use super::*;
    use nhs_login_client::Claims;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Patient {
        sub: String,
        nhs_number: String,
        exp: u64,
        iat: i64,
        email_verified: Option<bool>,
        phone_number: Option<String>,
        identity_proofing_level: Level,
        gp_registration_details: Gp,
        id_status: String,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    enum Level {
        P0,
        P5,
        P9,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Gp {
        gp_ods_code: String,
    }

    fn token(c: &serde_json::Value) -> VerifiedIdToken {
        verify(&sign(0, HEADER, &c.to_string()), &set()).unwrap()
    }

    #[test]
    fn claims_as_fills_a_user_struct() {
        let mut c = claims();
        // Normalised before the user's type sees it.
        c["email_verified"] = "true".into();
        let patient: Patient = token(&c).claims_as().unwrap();
        assert_eq!(
            patient,
            Patient {
                sub: "49f470a1-cc52-49b7-beba-0f9cec937c46".into(),
                nhs_number: "9000000009".into(),
                exp: NOW as u64 + 3600,
                iat: NOW as i64,
                email_verified: Some(true),
                phone_number: None,
                identity_proofing_level: Level::P9,
                gp_registration_details: Gp {
                    gp_ods_code: "A12345".into()
                },
                id_status: "verified".into(),
            }
        );
        // serde_json's own Value works as a claim type too.
        let any: serde_json::Value = token(&c).claims_as().unwrap();
        assert_eq!(any["nhs_number"], "9000000009");
        assert_eq!(any["email_verified"], true);
    }

    #[test]
    fn claims_as_errors_name_the_claim_not_the_value() {
        let mut c = claims();
        c.as_object_mut().unwrap().remove("id_status");
        let e = token(&c).claims_as::<Patient>().unwrap_err();
        assert_eq!(e.code(), ErrorCode::MissingClaim);
        assert_eq!(e.claim(), Some("id_status"));

        // An ill-typed profile claim was left out by the verifier, so the
        // user's type sees it missing.
        let mut c = claims();
        c["nhs_number"] = "12345".into();
        let e = token(&c).claims_as::<Patient>().unwrap_err();
        assert_eq!(e.code(), ErrorCode::MissingClaim);
        assert_eq!(e.claim(), Some("nhs_number"));

        let mut c = claims();
        c["id_status"] = 42.into();
        let e = token(&c).claims_as::<Patient>().unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidClaim);
        assert_eq!(e.claim(), Some("id_status"));
        assert!(e.message().contains("id_status"), "{}", e.message());
        assert!(!e.message().contains("42"), "{}", e.message());

        let mut c = claims();
        c["gp_registration_details"] = serde_json::json!({ "gp_ods_code": 7 });
        let e = token(&c).claims_as::<Patient>().unwrap_err();
        assert_eq!(e.claim(), Some("gp_registration_details"));

        let mut c = claims();
        c["identity_proofing_level"] = "P7-secret".into();
        let e = token(&c).claims_as::<Patient>().unwrap_err();
        assert_eq!(e.claim(), Some("identity_proofing_level"));
        assert!(!e.message().contains("P7-secret"), "{}", e.message());
    }

    #[test]
    fn claims_round_trip_through_serde() {
        let mut c = claims();
        c["email_verified"] = "maybe".into(); // left out, with a warning
        let claims = token(&c).into_claims();
        assert_eq!(claims.warnings.len(), 1);
        let text = serde_json::to_string(&claims).unwrap();
        assert!(!text.contains("warnings"));
        let back: Claims = serde_json::from_str(&text).unwrap();
        assert_eq!(
            back,
            Claims {
                warnings: vec![],
                ..claims
            }
        );
    }

    #[test]
    fn value_deserialize_is_strict_like_the_parser() {
        use nhs_login_client::Value;
        let v: Value = serde_json::from_str(r#"{"a":[1,2.5,"x",null,true,{}]}"#).unwrap();
        assert_eq!(
            v.get("a").and_then(Value::as_array).map(|a| a.len()),
            Some(6)
        );
        assert!(serde_json::from_str::<Value>(r#"{"a":1,"a":2}"#).is_err());
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"a":[1.0,2.5,"x",null,true,{}]}"#
        );
    }
}
