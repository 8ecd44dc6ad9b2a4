//! Vectors of Trust (RFC 8485) as NHS login uses them (EIS §5.1).
//!
//! A vector is an identity-verification level `P0`, `P5` or `P9` followed by
//! authentication-credential components (`Cp`, `Cd`, `Ck`, `Cm`). Within one
//! vector components are ANDed; the vectors of a `vtr` are ORed.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::error::{Error, ErrorCode, Result};

/// The vectors NHS login defines (EIS Table 21): P0/P5/P9 × Cp, Cp.Cd, Cp.Ck, Cm.
pub const KNOWN_VECTORS: [&str; 12] = [
    "P0.Cp", "P0.Cp.Cd", "P0.Cp.Ck", "P0.Cm", "P5.Cp", "P5.Cp.Cd", "P5.Cp.Ck", "P5.Cm", "P9.Cp",
    "P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm",
];

/// The `vtr` NHS login assumes when none is sent (EIS Table 1).
pub const DEFAULT_VTR: [&str; 3] = ["P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm"];

/// One vector of trust, e.g. `P9.Cp.Cd`.
///
/// ```
/// use nhs_login_client::Vector;
/// let requested = Vector::parse_requested("P5.Cp.Cd").unwrap();
/// let returned = Vector::parse_returned("P5.Cp.Cd").unwrap();
/// assert!(returned.satisfies(&requested));
/// assert!(!Vector::parse_returned("P9.Cp.Cd").unwrap().satisfies(&requested));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vector {
    level: u8,
    credentials: u8, // bit set of C components
}

const C_BITS: [(&str, u8); 4] = [("Cp", 1), ("Cd", 2), ("Ck", 4), ("Cm", 8)];

impl Vector {
    /// Parses a vector the client wants to request. Only the 12 vectors of
    /// EIS Table 21 are accepted.
    ///
    /// # Errors
    /// `invalid_option` (field `vtr`) for any other string.
    pub fn parse_requested(s: &str) -> Result<Self> {
        if !KNOWN_VECTORS.contains(&s) {
            return Err(Error::option(
                "vtr",
                "has a vector NHS login does not define; use P0, P5 or P9 with Cp, Cp.Cd, Cp.Ck or Cm (EIS Table 21)",
            ));
        }
        Self::parse(s).ok_or_else(|| Error::option("vtr", "has an unparsable vector"))
    }

    /// Parses a `vot` value returned by NHS login. More lenient than
    /// [`Vector::parse_requested`]: any P level `P0`–`P9` and any of the four
    /// known C components, each at most once, in any order.
    ///
    /// # Errors
    /// `invalid_claim` (claim `vot`) if it is not of that form.
    pub fn parse_returned(s: &str) -> Result<Self> {
        Self::parse(s).ok_or_else(|| {
            Error::invalid_claim("vot", "is not a vector of trust like P9.Cp.Cd (EIS §5.1)")
        })
    }

    fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split('.');
        let p = parts.next()?.as_bytes();
        let level = match p {
            [b'P', d @ b'0'..=b'9'] => d - b'0',
            _ => return None,
        };
        let mut credentials = 0u8;
        for part in parts {
            let bit = C_BITS.iter().find(|(name, _)| *name == part)?.1;
            if credentials & bit != 0 {
                return None;
            }
            credentials |= bit;
        }
        (credentials != 0).then_some(Vector { level, credentials })
    }

    /// The identity verification level, `0`, `5` or `9` for NHS login.
    pub fn level(&self) -> u8 {
        self.level
    }

    /// Whether this (returned) vector satisfies a requested one: the same P
    /// level and every requested C component present (EIS §5.1.4, RFC 8485 §3).
    pub fn satisfies(&self, requested: &Vector) -> bool {
        self.level == requested.level
            && self.credentials & requested.credentials == requested.credentials
    }
}

/// A validated `vtr` list, in request order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vtr {
    vectors: Vec<Vector>,
    text: Vec<String>,
}

impl Vtr {
    /// Validates a list of requested vectors.
    ///
    /// ```
    /// use nhs_login_client::Vtr;
    /// let vtr = Vtr::new(&["P5.Cp.Cd", "P9.Cp.Cd"]).unwrap();
    /// assert_eq!(vtr.to_json(), r#"["P5.Cp.Cd","P9.Cp.Cd"]"#);
    /// assert!(Vtr::new(&["P7.Cp"]).is_err());
    /// ```
    ///
    /// # Errors
    /// `invalid_option` (field `vtr`) for an empty list, an unknown vector or a duplicate.
    pub fn new<S: AsRef<str>>(vectors: &[S]) -> Result<Self> {
        if vectors.is_empty() {
            return Err(Error::option("vtr", "must list at least one vector"));
        }
        let mut out = Vtr {
            vectors: Vec::with_capacity(vectors.len()),
            text: Vec::with_capacity(vectors.len()),
        };
        for v in vectors {
            let v = v.as_ref();
            if out.text.iter().any(|t| t == v) {
                return Err(Error::option("vtr", "lists the same vector twice"));
            }
            out.vectors.push(Vector::parse_requested(v)?);
            out.text.push(v.to_owned());
        }
        Ok(out)
    }

    /// NHS login's default when no `vtr` is sent: `["P9.Cp.Cd","P9.Cp.Ck","P9.Cm"]`.
    pub fn nhs_login_default() -> Self {
        match Vtr::new(&DEFAULT_VTR) {
            Ok(v) => v,
            Err(_) => Vtr {
                vectors: Vec::new(),
                text: Vec::new(),
            },
        }
    }

    /// The JSON array form sent as the `vtr` parameter, with ASCII quotes
    /// (the EIS example's typographic quote is a typo).
    pub fn to_json(&self) -> String {
        let mut s = String::from("[");
        for (i, t) in self.text.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push('"');
            s.push_str(t);
            s.push('"');
        }
        s.push(']');
        s
    }

    /// The vectors as strings.
    pub fn as_strs(&self) -> impl Iterator<Item = &str> {
        self.text.iter().map(String::as_str)
    }

    /// Checks a returned `vot` against this request (EIS §4.2: the `vot` MUST
    /// match one or more of the requested vectors).
    ///
    /// # Errors
    /// `invalid_claim` if `vot` is unparsable; `vot_not_satisfied` if no vector matches.
    pub fn check_vot(&self, vot: &str) -> Result<()> {
        let returned = Vector::parse_returned(vot)?;
        if self.vectors.iter().any(|r| returned.satisfies(r)) {
            Ok(())
        } else {
            Err(Error::new(
                ErrorCode::VotNotSatisfied,
                "the ID token's vot satisfies none of the requested vtr vectors (EIS §4.2)",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_known_vectors_parse() {
        for v in KNOWN_VECTORS {
            assert!(Vector::parse_requested(v).is_ok(), "{v}");
        }
    }

    #[test]
    fn rejects_unknown_requested_vectors() {
        for v in [
            "P7.Cp", "P9", "P9.Cd", "P9.Cp.Cm", "p9.Cp", "P9.Cp.Cp", "", "P9.Cp ",
        ] {
            let e = Vector::parse_requested(v).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidOption, "{v}");
            assert!(e.message().contains("vtr"));
            assert_eq!(e.field(), Some("vtr"));
        }
        assert!(Vtr::new::<&str>(&[]).is_err());
        assert!(Vtr::new(&["P9.Cm", "P9.Cm"]).is_err());
    }

    #[test]
    fn vot_matching_follows_eis_5_1() {
        let vtr = Vtr::new(&["P9.Cp.Cd", "P9.Cm"]).unwrap();
        assert!(vtr.check_vot("P9.Cp.Cd").is_ok());
        assert!(vtr.check_vot("P9.Cd.Cp").is_ok()); // order does not matter
        assert!(vtr.check_vot("P9.Cm").is_ok());
        assert!(vtr.check_vot("P9.Cp.Cd.Ck").is_ok()); // extra components are fine
        assert_eq!(
            vtr.check_vot("P9.Cp").unwrap_err().code(),
            ErrorCode::VotNotSatisfied
        );
        assert_eq!(
            vtr.check_vot("P5.Cp.Cd").unwrap_err().code(),
            ErrorCode::VotNotSatisfied
        );
        assert_eq!(
            vtr.check_vot("P0.Cm").unwrap_err().code(),
            ErrorCode::VotNotSatisfied
        );
        assert_eq!(
            vtr.check_vot("P9.Ca.Cc").unwrap_err().code(),
            ErrorCode::InvalidClaim
        );
        assert_eq!(
            vtr.check_vot("").unwrap_err().code(),
            ErrorCode::InvalidClaim
        );
    }

    #[test]
    fn serialises_with_ascii_quotes() {
        assert_eq!(
            Vtr::nhs_login_default().to_json(),
            r#"["P9.Cp.Cd","P9.Cp.Ck","P9.Cm"]"#
        );
    }
}
