//! Test helpers: RSA keys generated in the test run, and tokens signed with them.
#![allow(dead_code)]

use nhs_login_client::__private::base64url;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest, Sha512};
use std::sync::OnceLock;

pub const ISSUER: &str = "https://auth.login.nhs.uk";
pub const CLIENT: &str = "test-client";
pub const NOW: f64 = 1_760_000_000.0;

pub fn key(i: usize) -> &'static RsaPrivateKey {
    static KEYS: OnceLock<Vec<RsaPrivateKey>> = OnceLock::new();
    &KEYS.get_or_init(|| {
        let mut rng = rand::thread_rng();
        (0..2)
            .map(|_| RsaPrivateKey::new(&mut rng, 2048).expect("keygen"))
            .collect()
    })[i]
}

pub fn jwk(i: usize, kid: Option<&str>, extra: &str) -> String {
    let k = key(i).to_public_key();
    let kid = kid.map(|k| format!(r#""kid":"{k}","#)).unwrap_or_default();
    format!(
        r#"{{"kty":"RSA",{kid}"n":"{}","e":"{}"{extra}}}"#,
        base64url::encode(&k.n().to_bytes_be()),
        base64url::encode(&k.e().to_bytes_be())
    )
}

pub fn jwks(keys: &[String]) -> String {
    format!(r#"{{"keys":[{}]}}"#, keys.join(","))
}

pub fn sign(i: usize, header: &str, payload: &str) -> String {
    let input = format!(
        "{}.{}",
        base64url::encode(header.as_bytes()),
        base64url::encode(payload.as_bytes())
    );
    let digest = Sha512::digest(input.as_bytes());
    let sig = key(i)
        .sign(Pkcs1v15Sign::new::<Sha512>(), &digest)
        .expect("sign");
    format!("{input}.{}", base64url::encode(&sig))
}

pub fn claims() -> serde_json::Value {
    serde_json::json!({
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "49f470a1-cc52-49b7-beba-0f9cec937c46",
        "exp": NOW as i64 + 3600,
        "iat": NOW as i64,
        "jti": "2f3c5d8e-0a1b-4c2d-9e8f-123456789abc",
        "nonce": "nonce-1",
        "vot": "P9.Cp.Cd",
        "vtm": "https://auth.login.nhs.uk/trustmark/auth.login.nhs.uk",
        "identity_proofing_level": "P9",
        "nhs_number": "9000000009",
        "birthdate": "1968-02-12",
        "family_name": "MILLAR",
        "email": "testuser@example.org",
        "email_verified": true,
        "gp_registration_details": { "gp_ods_code": "A12345" },
        "id_status": "verified"
    })
}
