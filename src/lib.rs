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
//! // Keep request.state, request.nonce and request.code_verifier (single use),
//! // then redirect the browser to request.url.
//!
//! // 2. On the redirect back, check state and read the code.
//! let back = format!("https://app.example/callback?code=abc&state={}", request.state);
//! let callback = parse_callback(&back, &request.state, Some(Environment::Sandpit.issuer()))?;
//! assert_eq!(callback.code, "abc");
//!
//! // 3. Exchange the code at the token endpoint with private_key_jwt (server
//! //    side), then validate the ID token:
//! let verifier = IdTokenVerifier::new(Environment::Sandpit.issuer(), "my-client-id")
//!     .with_vtr(request.vtr.clone().unwrap_or_else(Vtr::nhs_login_default));
//! # #[cfg(feature = "rsa")] {
//! # let jwks = Jwks::parse(br#"{"keys":[]}"#)?;
//! # let id_token = "e30.e30.e30";
//! # let now = 0.0;
//! let result = verifier.verify(id_token, &jwks, Some(&request.nonce), now);
//! # assert!(result.is_err());
//! # }
//! # Ok::<(), nhs_login_client::Error>(())
//! ```
//!
//! ## Security notes
//! - Only RS512 is accepted; `alg` is checked before any key is used.
//! - NHS login's token endpoint needs `private_key_jwt`: never ship the
//!   private key to a browser. Do the exchange on a server or at the edge.
//! - `state` and `nonce` are compared in constant time.
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
    // The same allocator std uses on wasm32-unknown-unknown.
    #[global_allocator]
    static ALLOC: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

    // A panic (which no input should cause: every input path returns a typed
    // error) traps instead of formatting a message nobody can read.
    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
        core::arch::wasm32::unreachable()
    }
}

pub mod authorize;
pub mod base64url;
pub mod callback;
pub mod claims;
pub mod error;
pub mod id_token;
pub mod json;
pub mod jwks;
pub mod pkce;
mod random;
mod url;
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
pub use id_token::{IdTokenVerifier, UntrustedToken};
pub use jwks::{Jwk, Jwks};
pub use vot::{Vector, Vtr};
