//! Newtypes for the values of the protocol, so that a function taking
//! `(&IssuerUrl, &ClientId)` cannot be called with the two swapped, and a
//! secret cannot be printed by accident.
//!
//! - [`IssuerUrl`] and [`ClientId`] are configuration: their `Debug` shows the value.
//! - [`State`], [`Nonce`] and [`AuthorizationCode`] are per-sign-in secrets
//!   (as is [`crate::pkce::CodeVerifier`]): their `Debug` prints no value
//!   (`State(..)`), and `==` compares them in constant time.
//!
//! Each wraps a `String` and nothing else: the wrapping costs nothing at run
//! time, and none of them validates on construction (the checks stay where
//! the values are used, with the error naming the option).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::random::constant_time_eq;

/// The parts every newtype shares: `as_str`, `From<String>`, `From<&str>`.
macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            /// The value as a string slice.
            #[inline]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            #[inline]
            fn from(value: String) -> Self {
                $name(value)
            }
        }

        impl From<&str> for $name {
            #[inline]
            fn from(value: &str) -> Self {
                $name(value.to_owned())
            }
        }
    };
}

/// A secret newtype: `Debug` without the value, constant-time `==`.
macro_rules! secret_newtype {
    ($name:ident, $debug:literal) => {
        string_newtype!($name);

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str($debug)
            }
        }

        // Compared in time that depends only on the lengths, so that the
        // value cannot be guessed byte by byte (RFC 6749 §10.10, §10.12).
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
            }
        }

        impl Eq for $name {}
    };
}

/// The OpenID provider's issuer identifier, compared exactly with the ID
/// token's `iss` and the redirect's RFC 9207 `iss` (no trailing slash for
/// NHS login).
///
/// ```
/// use nhs_login_client::{Environment, IssuerUrl};
/// let issuer = Environment::Sandpit.issuer_url();
/// assert_eq!(issuer.as_str(), "https://auth.sandpit.signin.nhs.uk");
/// assert_eq!(issuer, IssuerUrl::from("https://auth.sandpit.signin.nhs.uk"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct IssuerUrl(String);
string_newtype!(IssuerUrl);

/// The client id NHS login issued to the service (`client_id`, and the ID
/// token's `aud`).
///
/// ```
/// use nhs_login_client::ClientId;
/// let id = ClientId::from("my-client");
/// assert_eq!(id.as_str(), "my-client");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct ClientId(String);
string_newtype!(ClientId);

/// The `state` sent with the authorization request (RFC 6749 §10.12),
/// kept until the redirect comes back. A secret: `Debug` hides it and `==`
/// is constant-time.
///
/// ```
/// use nhs_login_client::State;
/// let state = State::from("s-1");
/// assert_eq!(state.as_str(), "s-1");
/// assert_eq!(format!("{state:?}"), "State(..)");
/// ```
#[derive(Clone)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct State(String);
secret_newtype!(State, "State(..)");

/// The `nonce` sent with the authorization request, to compare with the ID
/// token's (OIDC Core 3.1.3.7 (11)). A secret: `Debug` hides it and `==` is
/// constant-time.
///
/// ```
/// use nhs_login_client::Nonce;
/// let nonce = Nonce::from("n-1");
/// assert_eq!(nonce.as_str(), "n-1");
/// assert_eq!(format!("{nonce:?}"), "Nonce(..)");
/// ```
#[derive(Clone)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct Nonce(String);
secret_newtype!(Nonce, "Nonce(..)");

/// The one-time authorization code from the redirect (EIS Table 3: single
/// use, 10 minutes), for the token exchange. A secret: `Debug` hides it.
///
/// ```
/// use nhs_login_client::{parse_callback, State};
/// let cb = parse_callback("https://app.example/cb?code=abc&state=s1", &State::from("s1"), None)?;
/// assert_eq!(cb.code.as_str(), "abc");
/// assert_eq!(format!("{:?}", cb.code), "AuthorizationCode(..)");
/// # Ok::<(), nhs_login_client::Error>(())
/// ```
#[derive(Clone)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct AuthorizationCode(String);
secret_newtype!(AuthorizationCode, "AuthorizationCode(..)");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_hide_their_value() {
        assert_eq!(format!("{:?}", State::from("s3cret")), "State(..)");
        assert_eq!(format!("{:?}", Nonce::from("s3cret")), "Nonce(..)");
        assert_eq!(
            format!("{:?}", AuthorizationCode::from("s3cret")),
            "AuthorizationCode(..)"
        );
        assert!(format!("{:?}", ClientId::from("c-1")).contains("c-1"));
    }

    #[test]
    fn secrets_compare_by_value() {
        assert_eq!(State::from("abc"), State::from(String::from("abc")));
        assert_ne!(State::from("abc"), State::from("abd"));
        assert_ne!(Nonce::from("abc"), Nonce::from("ab"));
        assert_eq!(AuthorizationCode::from("c"), AuthorizationCode::from("c"));
    }
}
