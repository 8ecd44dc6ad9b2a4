//! # nhs-login-client
//!
//! A client for **NHS login**, the NHS's OpenID Connect identity provider,
//! usable from native Rust and, compiled to WebAssembly, from browsers and
//! edge runtimes (see the npm package in `pkg/`).
//!
//! Contents:
//! 1. [`create_authorization_request`]: the authorization URL with PKCE (S256),
//!    `state`, `nonce` and NHS login's own parameters (`vtr`, `prompt`,
//!    `asserted_login_identity`, `allow_registration`, `display`);
//! 2. [`parse_callback`]: the redirect back (`state`, RFC 9207 `iss`, errors);
//! 3. [`IdTokenVerifier`]: ID token validation, RS512 only, key by `kid`,
//!    `iss`/`aud`/`exp`/`iat`/`nonce`, and `vot` against the requested `vtr`.
//!    The types say what has been checked: [`UntrustedToken`] →
//!    [`SignedToken`] (signature) → [`VerifiedIdToken`] (claims), and only the
//!    last gives the [`Claims`].
//!
//! The values of the protocol have their own types ([`IssuerUrl`],
//! [`ClientId`], [`State`], [`Nonce`], [`AuthorizationCode`],
//! [`pkce::CodeVerifier`]), so they cannot be swapped; the secrets among them
//! print no value in `Debug`.
//!
//! ## Getting started: authorization code flow with PKCE
//!
//! ```
//! use nhs_login_client::*;
//!
//! // 1. Send the user to NHS login.
//! let mut opts = AuthorizeOptions::new(
//!     Environment::Sandpit.authorization_endpoint(),
//!     "my-client-id",
//!     "https://app.example/callback",
//! );
//! opts.scope = vec!["openid".into(), "profile".into()];
//! opts.vtr = Some(vec!["P9.Cp.Cd".into(), "P9.Cm".into()]);
//! let request = create_authorization_request(&opts)?;
//! // Keep request.state, request.nonce and request.code_verifier (single use,
//! // server side), then redirect the browser to request.url.
//!
//! // 2. On the redirect back, check state (and RFC 9207 `iss`, when NHS
//! //    login sends it) and read the code.
//! let back = ["https://app.example/callback?code=abc&state=", request.state.as_str()].concat();
//! let issuer = Environment::Sandpit.issuer_url();
//! let callback = parse_callback(&back, &request.state, Some(&issuer))?;
//! assert_eq!(callback.code.as_str(), "abc");
//!
//! // 3. Exchange callback.code and request.code_verifier at the token
//! //    endpoint with private_key_jwt (server side), then validate the ID
//! //    token against the nonce sent in step 1:
//! let verifier = IdTokenVerifier::new(issuer, "my-client-id")
//!     .with_vtr(request.vtr.clone().unwrap_or_else(Vtr::nhs_login_default));
//! # #[cfg(feature = "rsa")] {
//! # let jwks = Jwks::parse(br#"{"keys":[]}"#)?;
//! # let id_token = "e30.e30.e30";
//! # let now = 0.0;
//! let result = verifier.verify(id_token, &jwks, NonceCheck::Expect(&request.nonce), now);
//! # assert!(result.is_err());
//! // Ok(token): token.claims().sub is the user's NHS login id, and
//! // token.claims().warnings lists profile claims left out.
//! # }
//! # Ok::<(), nhs_login_client::Error>(())
//! ```
//!
//! ## Security notes
//! - Only RS512 is accepted; `alg` is checked before any key is used.
//! - Claims come only from a [`VerifiedIdToken`]: there is no public way
//!   to check claims of a token whose signature was not checked.
//! - The nonce expectation is explicit ([`NonceCheck`]); the one escape
//!   hatch is [`IdTokenVerifier::insecure_skip_nonce_check`].
//! - NHS login's token endpoint needs `private_key_jwt`: never ship the
//!   private key to a browser. Do the exchange on a server or at the edge.
//! - `state` and `nonce` are compared in constant time; [`State`],
//!   [`Nonce`], [`AuthorizationCode`] and [`pkce::CodeVerifier`] print no
//!   value in `Debug`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// The size-optimised browser build (feature `tiny`, wasm only) is `no_std`: a
// panic handler that aborts without formatting keeps `core::fmt` out of the
// module. Everything else builds with std.
#![cfg_attr(all(feature = "tiny", target_arch = "wasm32"), no_std)]

extern crate alloc;

/// `alloc` types for the modules, whether or not `std` is linked.
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;

    /// Concatenates string slices. A plain loop: `[..].concat()` and `join`
    /// bring a large generic routine into the wasm build.
    pub fn cat(parts: &[&str]) -> String {
        let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        for p in parts {
            s.push_str(p);
        }
        s
    }
}

#[cfg(all(feature = "tiny", target_arch = "wasm32"))]
mod tiny {
    // talc instead of dlmalloc (std's allocator on wasm32-unknown-unknown):
    // 1.7 KB brotli smaller, maintained, installed without `unsafe`. Every
    // allocation is freed by the end of the call that made it, but for a
    // Keyset, which JS frees (pkg/test/wasm-memory.test.js checks that the
    // module's memory stops growing).
    #[global_allocator]
    static ALLOC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

    // A panic (which no input should cause: every input path returns a typed
    // error) traps instead of formatting a message nobody can read.
    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
        core::arch::wasm32::unreachable()
    }
}

pub mod authorize;
mod base64url;
pub mod callback;
pub mod claims;
pub mod error;
pub mod id_token;
mod json;
pub mod jwks;
pub mod pkce;
mod random;
pub mod types;
mod url;
#[cfg(feature = "serde")]
mod value_serde;
pub mod vot;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use authorize::{
    create_authorization_request, AuthorizationRequest, AuthorizeOptions, Display, Environment,
    Prompt,
};
pub use callback::{parse_callback, Callback};
pub use claims::{check_userinfo, CheckedClaims, ClaimWarning, Claims};
pub use error::{Error, ErrorCode, ProviderError, Result};
pub use id_token::{IdTokenVerifier, NonceCheck, SignedToken, UntrustedToken, VerifiedIdToken};
pub use json::Value;
pub use jwks::{Jwk, Jwks};
pub use types::{AuthorizationCode, ClientId, IssuerUrl, Nonce, State};
pub use vot::{Vector, Vtr};

/// Not API: no semver promise, hidden from the docs. The fuzz targets
/// (`fuzz/`) and the property tests (`tests/properties.rs`, `tests/common`)
/// hold the JSON parser and the base64url codec against independent
/// implementations (serde_json, a bit-by-bit encoder) and build test
/// tokens with them, so these two private modules must be callable from
/// outside the crate. A cargo feature instead would need a flag on every
/// `cargo test`. Nothing here reads claims.
#[doc(hidden)]
pub mod __private {
    /// The strict JSON parser (`src/json.rs`).
    pub mod json {
        pub use crate::json::{parse, Value};
    }
    /// Base64url without padding (`src/base64url.rs`).
    pub mod base64url {
        pub use crate::base64url::{decode, encode, is_valid};
    }
}
