//! Typed ID token claims (OIDC Core 2, EIS Table 16, NHS login scopes and claims).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::json::Value;

/// The claims of a validated NHS login ID token. Claims this struct does not
/// name are kept in [`Claims::extra`], never dropped.
///
/// ```
/// # #[cfg(feature = "rsa")] {
/// use nhs_login_client::{Claims, json};
/// let v = json::parse(br#"{"sub":"abc","nhs_number":"9000000009","email_verified":true,"id_status":"verified"}"#).unwrap();
/// let c = Claims::from_value(v);
/// assert_eq!(c.nhs_number.as_deref(), Some("9000000009"));
/// assert_eq!(c.email_verified, Some(true));
/// assert!(c.extra.iter().any(|(k, _)| k == "id_status"));
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
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
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub gp_registration_details: Option<Value>,
    /// Every other claim, in token order.
    pub extra: Vec<(String, Value)>,
}

impl Claims {
    /// Builds typed claims from a claims object already checked by
    /// [`crate::IdTokenVerifier::check_claims`]. Members of an unexpected type
    /// are left as `None`/empty here; the verifier has rejected those already.
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

    /// An unnamed claim by name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.extra.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => s.serialize_f64(*n),
            Value::String(v) => s.serialize_str(v),
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Value::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

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
