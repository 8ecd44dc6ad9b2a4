use nhs_login_client::*;
fn main() {
    let claims = r#"{"iss":"https://auth.login.nhs.uk","aud":"test-client","sub":"49f470a1-cc52-49b7-beba-0f9cec937c46","exp":1760003600,"iat":1760000000,"jti":"2f3c5d8e-0a1b-4c2d-9e8f-123456789abc","nonce":"nonce-1","vot":"P9.Cp.Cd","vtm":"https://auth.login.nhs.uk/trustmark/auth.login.nhs.uk","identity_proofing_level":"P9","nhs_number":"9000000009","birthdate":"1968-02-12","family_name":"MILLAR","id_status":"verified"}"#;
    let tok = format!(
        "{}.{}.{}",
        base64url::encode(br#"{"alg":"RS512","typ":"JWT","kid":"k1"}"#),
        base64url::encode(claims.as_bytes()),
        base64url::encode(&[7u8; 256])
    );
    let v = IdTokenVerifier::new("https://auth.login.nhs.uk", "test-client")
        .with_vtr(Vtr::new(&["P9.Cp.Cd"]).unwrap());
    let n = 20000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        let u = UntrustedToken::decode(std::hint::black_box(&tok)).unwrap();
        let c = v
            .check_claims(&u.payload(), Some("nonce-1"), 1_760_000_000.0)
            .unwrap();
        std::hint::black_box(c);
    }
    println!(
        "{:.2} us per decode+check",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
