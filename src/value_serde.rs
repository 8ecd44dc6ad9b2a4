//! serde for the claims [`Value`] (feature `serde`, native): `Serialize`,
//! `Deserialize`, and the deserializer behind
//! [`crate::VerifiedIdToken::claims_as`]. Written by hand: the library
//! depends on no JSON crate.
//!
//! Errors never carry a claim's value (claims are personal data): serde's
//! "invalid type" and "invalid value" messages name the kind of value seen,
//! not the value, and unknown field names are not repeated. A custom message
//! from the caller's own `Deserialize` code is passed on as it is.

use core::fmt;

#[allow(unused_imports)]
use crate::prelude::*;

use crate::error::{Error, ErrorCode, Result};
use crate::json::Value;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, Visitor,
};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
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

/// Builds a [`Value`] from any self-describing format. As the crate's own
/// parser: numbers are finite f64, and an object with a repeated member name
/// is refused (RFC 7519 §4).
impl<'de> de::Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n as f64))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n as f64))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        if n.is_finite() {
            Ok(Value::Number(n))
        } else {
            Err(E::custom("a JSON number must be finite"))
        }
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        de::Deserialize::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members: Vec<(String, Value)> = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            if members.iter().any(|(name, _)| *name == k) {
                return Err(de::Error::custom("an object repeats a member name"));
            }
            members.push((k, v));
        }
        Ok(Value::Object(members))
    }
}

// ---- claims_as: Value -> the caller's type ------------------------------------

/// A deserialization failure: what the type expected and, once known, the
/// top-level claim it happened in. Never the value seen.
#[derive(Debug)]
struct DeError {
    message: String,
    missing: Option<&'static str>,
    claim: Option<String>,
}

impl DeError {
    fn new(message: String) -> Self {
        DeError {
            message,
            missing: None,
            claim: None,
        }
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl core::error::Error for DeError {}

/// What kind of value was seen, without the value.
fn kind(unexp: &Unexpected<'_>) -> &'static str {
    match unexp {
        Unexpected::Bool(_) => "boolean",
        Unexpected::Unsigned(_) | Unexpected::Signed(_) | Unexpected::Float(_) => "number",
        Unexpected::Char(_) | Unexpected::Str(_) => "string",
        Unexpected::Unit | Unexpected::Option => "null",
        Unexpected::Seq => "array",
        Unexpected::Map => "object",
        _ => "other",
    }
}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::new(msg.to_string())
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError::new(format!(
            "has the wrong type ({}), expected {exp}",
            kind(&unexp)
        ))
    }

    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DeError::new(format!(
            "has an unexpected {} value, expected {exp}",
            kind(&unexp)
        ))
    }

    fn unknown_field(_field: &str, _expected: &'static [&'static str]) -> Self {
        DeError::new("is not a field of the requested type".to_owned())
    }

    fn unknown_variant(_variant: &str, expected: &'static [&'static str]) -> Self {
        DeError::new(format!("is not one of {}", expected.join(", ")))
    }

    fn missing_field(field: &'static str) -> Self {
        let mut e = DeError::new(format!("lacks `{field}`"));
        e.missing = Some(field);
        e
    }
}

/// The [`crate::VerifiedIdToken::claims_as`] conversion.
pub(crate) fn from_value<T: DeserializeOwned>(value: Value) -> Result<T> {
    let root = ValueDeserializer { value, top: true };
    T::deserialize(root).map_err(|e| match (e.claim, e.missing) {
        // A claim the type requires is absent from the token.
        (None, Some(field)) => Error::missing_claim(field),
        (Some(claim), _) => Error::invalid_claim_named(claim, &e.message),
        (None, None) => Error::with_parts(
            ErrorCode::InvalidClaim,
            &[
                "the ID token claims do not fit the requested type: ",
                &e.message,
            ],
        ),
    })
}

/// A [`Value`] as a serde `Deserializer`.
struct ValueDeserializer {
    value: Value,
    /// The claims object itself: its member names are the claim names
    /// errors report.
    top: bool,
}

impl ValueDeserializer {
    fn nested(value: Value) -> Self {
        ValueDeserializer { value, top: false }
    }
}

impl<'de> IntoDeserializer<'de, DeError> for ValueDeserializer {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for ValueDeserializer {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => v.visit_unit(),
            Value::Bool(b) => v.visit_bool(b),
            // JSON has one number type: integers (below 2^53, so exact) go
            // as integers, so that `u64`/`i64` fields take `exp` or `iat`.
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 => {
                if n >= 0.0 {
                    v.visit_u64(n as u64)
                } else {
                    v.visit_i64(n as i64)
                }
            }
            Value::Number(n) => v.visit_f64(n),
            Value::String(s) => v.visit_string(s),
            Value::Array(items) => v.visit_seq(Seq(items.into_iter())),
            Value::Object(members) => v.visit_map(Map {
                members: members.into_iter(),
                pending: None,
                top: self.top,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_newtype_struct(self)
    }

    /// Unit variants from strings, e.g. `enum Level { P0, P5, P9 }` for
    /// `identity_proofing_level`.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        match self.value {
            Value::String(s) => v.visit_enum(s.into_deserializer()),
            _ => self.deserialize_any(v),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

struct Seq(alloc::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Seq {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        self.0
            .next()
            .map(|v| seed.deserialize(ValueDeserializer::nested(v)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Map {
    members: alloc::vec::IntoIter<(String, Value)>,
    pending: Option<(String, Value)>,
    /// Whether this is the claims object (see [`ValueDeserializer::top`]).
    top: bool,
}

impl<'de> MapAccess<'de> for Map {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((k, v)) = self.members.next() else {
            return Ok(None);
        };
        let name: de::value::StrDeserializer<'_, DeError> = k.as_str().into_deserializer();
        let key = seed.deserialize(name)?;
        self.pending = Some((k, v));
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (k, v) = self
            .pending
            .take()
            .ok_or_else(|| DeError::new("a value without a member name".to_owned()))?;
        seed.deserialize(ValueDeserializer::nested(v))
            .map_err(|mut e| {
                if self.top {
                    e.claim = Some(k);
                }
                e
            })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.members.len())
    }
}
