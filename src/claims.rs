//! Typed ID token claims (OIDC Core 2, EIS Table 16, NHS login scopes and claims).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::error::{Error, ErrorCode, Result};
use crate::json::{Json, Str, Value};

/// The claims of a validated NHS login ID token, from
/// [`crate::VerifiedIdToken::claims`]. Claims this struct does not name are
/// kept in [`Claims::extra`], never dropped.
///
/// ```
/// use nhs_login_client::{Claims, IdTokenVerifier, Jwks, Nonce, NonceCheck};
/// # #[cfg(feature = "rsa")] {
/// # let id_token = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/id_token.jwt")).trim();
/// # let jwks = Jwks::parse(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwks.json")))?;
/// # let now = 1_750_000_000.0;
/// let verifier = IdTokenVerifier::new("https://auth.sandpit.signin.nhs.uk", "fuzz-client");
/// let nonce = Nonce::from("fuzz-nonce");
/// let c: Claims = verifier.verify(id_token, &jwks, NonceCheck::Expect(&nonce), now)?.into_claims();
/// assert_eq!(c.nhs_number.as_deref(), Some("9000000009"));
/// assert_eq!(c.email_verified, Some(true));
/// assert_eq!(c.identity_proofing_level.as_deref(), Some("P9"));
/// # }
/// # Ok::<(), nhs_login_client::Error>(())
/// ```
///
/// With feature `serde` it serialises and deserialises (without
/// [`Claims::warnings`]), e.g. to keep it in a server-side session.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Subject: the user's stable NHS login identifier. Key accounts on this.
    pub sub: String,
    /// Audiences (always including the client id).
    pub aud: Vec<String>,
    /// Expiry, seconds since the epoch.
    pub exp: f64,
    /// Issued at, seconds since the epoch.
    pub iat: f64,
    /// Token id; the `code` of an outbound `asserted_login_identity`.
    pub jti: Option<String>,
    /// The nonce echoed from the request.
    pub nonce: Option<String>,
    /// Vector of trust achieved, e.g. `P9.Cp.Cd`.
    pub vot: String,
    /// Trustmark URL.
    pub vtm: Option<String>,
    /// Time of authentication.
    pub auth_time: Option<f64>,
    /// Highest identity level the user has proven: `P0`, `P5` or `P9`.
    pub identity_proofing_level: Option<String>,
    /// The 10-digit NHS number (scope `profile`).
    pub nhs_number: Option<String>,
    /// Date of birth, `YYYY-MM-DD`.
    pub birthdate: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Given name (scope `profile_extended`).
    pub given_name: Option<String>,
    /// Email address (scope `email`).
    pub email: Option<String>,
    /// Whether the email address is verified.
    pub email_verified: Option<bool>,
    /// Mobile number (scope `phone`).
    pub phone_number: Option<String>,
    /// Whether the mobile number is verified.
    pub phone_number_verified: Option<bool>,
    /// Whether the mobile number matches the PDS record.
    pub phone_number_pds_matched: Option<bool>,
    /// GP registration (scope `gp_registration_details`), e.g. `{"gp_ods_code": "A12345"}`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub gp_registration_details: Option<Value>,
    /// Every other claim, in token order.
    pub extra: Vec<(String, Value)>,
    /// Profile claims left out because NHS login sent a value of an
    /// unexpected type or format (not a claim; never serialised, empty when
    /// deserialised).
    #[cfg_attr(feature = "serde", serde(skip))]
    pub warnings: Vec<ClaimWarning>,
}

/// A profile claim that was left out of the validated claims because its
/// value is not of the type NHS login documents (EIS Table 16, reference §4).
///
/// Security claims (`iss`, `sub`, `aud`, `exp`, `iat`, `nbf`, `nonce`, `vot`,
/// `azp`, `auth_time`) never produce a warning: a bad one fails validation.
/// A profile claim of the wrong type never fails a sign-in: it is dropped and
/// reported here, so the service can log it. The strings `"true"`/`"false"`
/// in a boolean claim (`email_verified`, `phone_number_verified`, ...) are
/// not a warning: they are normalised to booleans, as a public NHS service
/// reads them from sandpit.
///
/// ```
/// use nhs_login_client::ClaimWarning;
/// let w = ClaimWarning { claim: "nhs_number".into(), message: "is not a 10-digit string" };
/// assert_eq!(w.claim, "nhs_number");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ClaimWarning {
    /// The claim's name, e.g. `email_verified`.
    pub claim: String,
    /// What was wrong with its value, e.g. `is not a boolean`.
    pub message: &'static str,
}

impl Claims {
    /// Sorts a claims object into the typed fields: a plain conversion that
    /// checks nothing (members of an unexpected type are left as
    /// `None`/empty). [`crate::IdTokenVerifier::verify_claims`] uses it on
    /// claims it has checked; anything else gives unverified claims.
    ///
    /// ```
    /// use nhs_login_client::{Claims, Value};
    /// let v = Value::Object(vec![
    ///     ("sub".into(), Value::String("abc".into())),
    ///     ("email_verified".into(), Value::Bool(true)),
    ///     ("id_status".into(), Value::String("verified".into())),
    /// ]);
    /// let c = Claims::from_value(v);
    /// assert_eq!(c.sub, "abc");
    /// assert_eq!(c.email_verified, Some(true));
    /// assert!(c.get("id_status").is_some());
    /// ```
    pub fn from_value(value: Value) -> Self {
        let mut c = Claims::default();
        let Value::Object(members) = value else {
            return c;
        };
        for (name, v) in members {
            let s = |v: &Value| v.as_str().map(str::to_owned);
            match name.as_str() {
                "iss" => c.iss = s(&v).unwrap_or_default(),
                "sub" => c.sub = s(&v).unwrap_or_default(),
                "aud" => {
                    c.aud = match &v {
                        Value::String(a) => vec![a.clone()],
                        Value::Array(items) => items.iter().filter_map(s).collect(),
                        _ => Vec::new(),
                    }
                }
                "exp" => c.exp = v.as_f64().unwrap_or_default(),
                "iat" => c.iat = v.as_f64().unwrap_or_default(),
                "jti" => c.jti = s(&v),
                "nonce" => c.nonce = s(&v),
                "vot" => c.vot = s(&v).unwrap_or_default(),
                "vtm" => c.vtm = s(&v),
                "auth_time" => c.auth_time = v.as_f64(),
                "identity_proofing_level" => c.identity_proofing_level = s(&v),
                "nhs_number" => c.nhs_number = s(&v),
                "birthdate" => c.birthdate = s(&v),
                "family_name" => c.family_name = s(&v),
                "given_name" => c.given_name = s(&v),
                "email" => c.email = s(&v),
                "email_verified" => c.email_verified = v.as_bool(),
                "phone_number" => c.phone_number = s(&v),
                "phone_number_verified" => c.phone_number_verified = v.as_bool(),
                "phone_number_pds_matched" => c.phone_number_pds_matched = v.as_bool(),
                "gp_registration_details" => c.gp_registration_details = Some(v),
                _ => c.extra.push((name, v)),
            }
        }
        c
    }

    /// An unnamed claim by name (one of [`Claims::extra`]).
    ///
    /// ```
    /// use nhs_login_client::{Claims, Value};
    /// let c = Claims {
    ///     extra: vec![("id_status".into(), Value::String("verified".into()))],
    ///     ..Claims::default()
    /// };
    /// assert_eq!(c.get("id_status").and_then(Value::as_str), Some("verified"));
    /// assert!(c.get("sub").is_none()); // a named claim: c.sub
    /// ```
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.extra.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// Known NHS login profile claims and the JSON type each should have when
/// present (EIS Table 16, reference §4). A profile claim of another type is
/// left out with a [`ClaimWarning`], never a failed sign-in; the security
/// claims are checked strictly by [`crate::IdTokenVerifier::verify_claims`].
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Str,
    Bool,
    Obj,
}

/// The JSON type a known profile claim should have, or `None` for claims
/// this library does not type (they are kept as they are).
fn kind_of(name: &str) -> Option<Kind> {
    Some(match name {
        "jti"
        | "vtm"
        | "nhs_number"
        | "identity_proofing_level"
        | "birthdate"
        | "family_name"
        | "given_name"
        | "email"
        | "phone_number"
        | "landline_number"
        | "client_user_metadata" => Kind::Str,
        "email_verified"
        | "phone_number_verified"
        | "phone_number_pds_matched"
        | "landline_number_verified" => Kind::Bool,
        "gp_registration_details" | "gp_integration_credentials" => Kind::Obj,
        _ => return None,
    })
}

/// What to do with one profile claim: keep it, normalise a `"true"`/`"false"`
/// string to a boolean, or leave it out with the reason.
enum Profile {
    Keep,
    Normalise(bool),
    Drop(&'static str),
}

fn judge_profile_claim(name: &str, v: &Json<'_>) -> Profile {
    let Some(kind) = kind_of(name) else {
        return Profile::Keep;
    };
    match (kind, v) {
        // EIS Table 11: the NHS number is a 10-digit string.
        (Kind::Str, Json::String(n)) if name == "nhs_number" => {
            if n.len() == 10 && n.bytes().all(|b| b.is_ascii_digit()) {
                Profile::Keep
            } else {
                Profile::Drop("is not a 10-digit string")
            }
        }
        (Kind::Str, Json::String(_)) | (Kind::Bool, Json::Bool(_)) => Profile::Keep,
        (Kind::Obj, Json::Object(_)) => Profile::Keep,
        // NHS login in practice: a 2026 NHS service (NHSDigital/hometest-service)
        // reads `email_verified` / `phone_number_verified` as "true"/"false" strings.
        (Kind::Bool, Json::String(s)) if s == "true" || s == "false" => {
            Profile::Normalise(s == "true")
        }
        (Kind::Str, _) => Profile::Drop("is not a string"),
        (Kind::Bool, _) => Profile::Drop("is not a boolean"),
        (Kind::Obj, _) => Profile::Drop("is not an object"),
    }
}

/// The claims of a userinfo answer that passed [`check_userinfo`] (and,
/// inside the crate, of an ID token that passed the claim rules):
/// normalised (booleans sent as strings are booleans, ill-typed profile
/// claims are gone) and the warnings for what was left out.
///
/// ```
/// use nhs_login_client::check_userinfo;
/// let c = check_userinfo(br#"{"sub":"abc","email_verified":"yes"}"#, "abc")?;
/// assert!(c.claims.get("email_verified").is_none());
/// assert_eq!(c.warnings[0].claim, "email_verified");
/// # Ok::<(), nhs_login_client::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedClaims {
    /// The claims object, normalised.
    pub claims: Value,
    /// The profile claims left out, with why.
    pub warnings: Vec<ClaimWarning>,
    /// The claims whose string value became a boolean (for the wasm
    /// boundary, which hands JavaScript the original text plus the edits).
    pub(crate) normalised: Vec<(String, bool)>,
}

/// What the profile rule does to a claims object: the claims left out (with
/// why) and the strings that become booleans. The wasm boundary hands
/// JavaScript the original text and these edits.
pub(crate) struct Edits {
    /// The profile claims left out, with why.
    pub(crate) warnings: Vec<ClaimWarning>,
    /// The claims whose `"true"`/`"false"` string becomes a boolean.
    pub(crate) normalised: Vec<(String, bool)>,
}

/// The profile rule on a claims object (ID token or userinfo): well-typed
/// profile claims are kept, `"true"`/`"false"` in boolean claims become
/// booleans, the rest are left out with a warning each.
pub(crate) fn profile_edits(members: &[(Str<'_>, Json<'_>)]) -> Edits {
    let mut edits = Edits {
        warnings: Vec::new(),
        normalised: Vec::new(),
    };
    for (name, v) in members {
        match judge_profile_claim(name, v) {
            Profile::Keep => {}
            Profile::Normalise(b) => edits.normalised.push((String::from(name.as_ref()), b)),
            Profile::Drop(message) => edits.warnings.push(ClaimWarning {
                claim: String::from(name.as_ref()),
                message,
            }),
        }
    }
    edits
}

/// The claims object with [`profile_edits`] applied, as owned values.
pub(crate) fn check_profile_claims(members: Vec<(Str<'_>, Json<'_>)>) -> CheckedClaims {
    let Edits {
        warnings,
        normalised,
    } = profile_edits(&members);
    let claims = members
        .into_iter()
        .filter(|(name, _)| !warnings.iter().any(|w| w.claim == *name))
        .map(|(name, v)| {
            let v = match normalised.iter().find(|(n, _)| *n == *name) {
                Some((_, b)) => Value::Bool(*b),
                None => v.into_value(),
            };
            (name.into_owned(), v)
        })
        .collect();
    CheckedClaims {
        claims: Value::Object(claims),
        warnings,
        normalised,
    }
}

/// Checks a userinfo answer (EIS §3.6.2, OIDC Core 5.3.2): a JSON object
/// whose `sub` is the ID token's, or the answer MUST NOT be used. Its profile
/// claims are normalised as the ID token's are (NHS login in practice: a
/// public NHS service reads `email_verified` as `"true"` from sandpit
/// userinfo). Userinfo is unsigned: nothing else can be checked.
///
/// ```
/// use nhs_login_client::claims::check_userinfo;
/// let c = check_userinfo(br#"{"sub":"abc","email":"a@example.org","email_verified":"true"}"#, "abc").unwrap();
/// assert_eq!(c.claims.get("email_verified").and_then(|v| v.as_bool()), Some(true));
/// let e = check_userinfo(br#"{"sub":"someone-else"}"#, "abc").unwrap_err();
/// assert_eq!(e.code().as_str(), "invalid_userinfo");
/// ```
///
/// # Errors
/// `invalid_userinfo` if the body is not a JSON object (strictly parsed:
/// duplicate members are refused) or its `sub` is not `expected_sub`.
pub fn check_userinfo(body: &[u8], expected_sub: &str) -> Result<CheckedClaims> {
    userinfo_members(body, expected_sub).map(check_profile_claims)
}

/// [`check_userinfo`]'s edits alone, for the wasm boundary.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) fn userinfo_edits(body: &[u8], expected_sub: &str) -> Result<Edits> {
    userinfo_members(body, expected_sub).map(|members| profile_edits(&members))
}

/// The members of a userinfo answer for `expected_sub` (EIS 3.6.2).
fn userinfo_members<'b>(body: &'b [u8], expected_sub: &str) -> Result<Vec<(Str<'b>, Json<'b>)>> {
    let bad = |why: &'static str| Error::new(ErrorCode::InvalidUserinfo, why);
    let Some(Json::Object(members)) = crate::json::parse_borrowed(body) else {
        return Err(bad("the userinfo answer is not a JSON object"));
    };
    let sub = members.iter().find(|(k, _)| k == "sub").map(|(_, v)| v);
    if sub.and_then(Json::as_str) != Some(expected_sub) || expected_sub.is_empty() {
        return Err(bad(
            "the userinfo answer is for another user than the ID token (sub differs, EIS 3.6.2)",
        ));
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn userinfo_is_checked_and_normalised() {
        let c = check_userinfo(
            br#"{"sub":"s","phone_number_verified":"false","gp_registration_details":"X","email":"e"}"#,
            "s",
        )
        .unwrap();
        assert_eq!(
            c.claims.get("phone_number_verified"),
            Some(&Value::Bool(false))
        );
        assert!(c.claims.get("gp_registration_details").is_none());
        assert_eq!(c.warnings[0].claim, "gp_registration_details");
        assert_eq!(c.claims.get("email").and_then(Value::as_str), Some("e"));
        for (body, sub) in [
            (&br#"{"sub":"t"}"#[..], "s"),
            (br#"{"email":"e"}"#, "s"),
            (br#"{"sub":1}"#, "s"),
            (br#"[]"#, "s"),
            (br#"{"sub":"s","sub":"t"}"#, "s"),
            (br#"{"sub":""}"#, ""),
            (b"", "s"),
        ] {
            assert_eq!(
                check_userinfo(body, sub).unwrap_err().code(),
                ErrorCode::InvalidUserinfo
            );
        }
    }

    #[test]
    fn keeps_unknown_claims() {
        let v = json::parse(br#"{"iss":"i","sub":"s","aud":["a","b"],"exp":2,"iat":1,"vot":"P9.Cm","surname":"X","delegations":[{}]}"#).unwrap();
        let c = Claims::from_value(v);
        assert_eq!(c.aud, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(c.exp, 2.0);
        assert_eq!(c.get("surname").and_then(Value::as_str), Some("X"));
        assert!(c.get("delegations").is_some());
        assert_eq!(c.extra.len(), 2);
    }
}
