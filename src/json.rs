//! A small, strict JSON parser (RFC 8259) for JOSE headers, JWT claims and
//! JWK sets.
//!
//! Why not serde_json: the browser build must stay small, and a token parser
//! needs only values, not generic deserialisation. This parser is strict
//! where JOSE needs it: duplicate member names are rejected (RFC 7515 §5.2,
//! RFC 7519 §4), nesting is capped (no stack exhaustion), and input must be
//! valid UTF-8 (RFC 8259 §8.1).

#[allow(unused_imports)]
use crate::prelude::*;

/// A JSON value, as the claims of an ID token or a userinfo answer hold
/// them ([`crate::Claims::extra`], [`crate::VerifiedIdToken::claims_value`]).
/// Objects keep member order.
///
/// ```
/// use nhs_login_client::Value;
/// let gp = Value::Object(vec![("gp_ods_code".into(), Value::String("A12345".into()))]);
/// assert_eq!(gp.get("gp_ods_code").and_then(Value::as_str), Some("A12345"));
/// assert_eq!(Value::Number(1.0).as_f64(), Some(1.0));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number, the f64 nearest to the decimal text (correctly rounded).
    Number(f64),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, as (name, value) pairs in document order.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// The member `name` of an object.
    #[inline]
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number inside, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The boolean inside, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }
}

const MAX_DEPTH: u32 = 32;
/// Members per object. JOSE headers, claims and JWKs have a few dozen; the cap
/// bounds the duplicate-name check (linear per member) so that a hostile
/// object cannot make parsing quadratic.
const MAX_MEMBERS: usize = 256;

/// Parses one JSON text; `None` if it is not valid, strict JSON.
pub fn parse(input: &[u8]) -> Option<Value> {
    let text = core::str::from_utf8(input).ok()?;
    let mut p = Parser {
        text,
        s: text.as_bytes(),
        i: 0,
    };
    let v = p.value(0)?;
    p.ws();
    (p.i == p.s.len()).then_some(v)
}

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    #[inline(always)]
    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    #[inline(always)]
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    #[inline(always)]
    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &[u8], v: Value) -> Option<Value> {
        let end = self.i.checked_add(word.len())?;
        if self.s.get(self.i..end)? == word {
            self.i = end;
            Some(v)
        } else {
            None
        }
    }

    fn value(&mut self, depth: u32) -> Option<Value> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.ws();
        match self.peek()? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(Value::String),
            b't' => self.literal(b"true", Value::Bool(true)),
            b'f' => self.literal(b"false", Value::Bool(false)),
            b'n' => self.literal(b"null", Value::Null),
            _ => self.number(),
        }
    }

    fn object(&mut self, depth: u32) -> Option<Value> {
        self.i += 1;
        let mut members: Vec<(String, Value)> = Vec::new();
        if self.eat(b'}') {
            return Some(Value::Object(members));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return None;
            }
            let name = self.string()?;
            if !self.eat(b':') {
                return None;
            }
            let v = self.value(depth + 1)?;
            // RFC 7515 §5.2 / RFC 7519 §4: reject duplicate member names.
            if members.len() >= MAX_MEMBERS || members.iter().any(|(k, _)| *k == name) {
                return None;
            }
            members.push((name, v));
            if self.eat(b',') {
                continue;
            }
            return self.eat(b'}').then_some(Value::Object(members));
        }
    }

    fn array(&mut self, depth: u32) -> Option<Value> {
        self.i += 1;
        let mut items = Vec::new();
        if self.eat(b']') {
            return Some(Value::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            if self.eat(b',') {
                continue;
            }
            return self.eat(b']').then_some(Value::Array(items));
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut n = 0;
        for _ in 0..4 {
            let d = char::from(self.bump()?).to_digit(16)?;
            n = n * 16 + d;
        }
        Some(n)
    }

    fn string(&mut self) -> Option<String> {
        self.i += 1; // opening quote
        let start = self.i;
        self.skip_plain();
        // Fast path: no escapes, one exact allocation. We stopped on ASCII, so
        // both ends are char boundaries of the already validated text.
        if self.peek() == Some(b'"') {
            let s = String::from(self.text.get(start..self.i)?);
            self.i += 1;
            return Some(s);
        }
        let mut out = String::from(self.text.get(start..self.i)?);
        loop {
            match self.bump()? {
                b'"' => return Some(out),
                b'\\' => {
                    let c = match self.bump()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    };
                    out.push(c);
                    let run = self.i;
                    self.skip_plain();
                    out.push_str(self.text.get(run..self.i)?);
                }
                _ => return None, // unescaped control character
            }
        }
    }

    /// Advances over characters that need no unescaping.
    #[inline(always)]
    fn skip_plain(&mut self) {
        while let Some(&c) = self.s.get(self.i) {
            if c == b'"' || c == b'\\' || c < 0x20 {
                break;
            }
            self.i += 1;
        }
    }

    fn unicode_escape(&mut self) -> Option<char> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) {
            // A high surrogate must be followed by an escaped low surrogate.
            if self.bump()? != b'\\' || self.bump()? != b'u' {
                return None;
            }
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return None;
            }
            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
        } else {
            char::from_u32(hi) // lone low surrogates fail here
        }
    }

    /// Advances over one or more ASCII digits; `None` if there is none.
    fn digits(&mut self) -> Option<usize> {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        (self.i > start).then_some(self.i - start)
    }

    /// RFC 8259 §6 number grammar, checked here; the value is converted by
    /// core's correctly rounded decimal-to-f64 parser. Out-of-range numbers
    /// (infinite as f64) are refused.
    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let leading_zero = self.peek() == Some(b'0');
        if self.digits()? > 1 && leading_zero {
            return None;
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'-' | b'+')) {
                self.i += 1;
            }
            self.digits()?;
        }
        let value = to_f64(self.text.get(start..self.i)?)?;
        value.is_finite().then_some(Value::Number(value))
    }
}

/// Decimal text (already checked against the RFC 8259 grammar) to the nearest f64.
#[cfg(not(all(feature = "tiny", target_arch = "wasm32")))]
fn to_f64(text: &str) -> Option<f64> {
    text.parse().ok()
}

/// The size-optimised browser build does without core's correctly rounded
/// parser (its tables cost 14 KB of brotli). There the Rust side uses numbers
/// only for the `exp`/`iat`/`nbf`/`auth_time` checks, which are integers and
/// exact here up to 2^53; the claims the app receives come from the
/// platform's `JSON.parse`. Other numbers may be off in the last digits.
#[cfg(all(feature = "tiny", target_arch = "wasm32"))]
fn to_f64(text: &str) -> Option<f64> {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(i) => (text.get(..i)?, text.get(i + 1..)?),
        None => (text, "0"),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().fold(0f64, |v, d| v * 10.0 + f64::from(d - b'0'));
    let mut value = digits(int) + digits(frac) / pow10(frac.len());
    let (exp_negative, exp) = match exp.strip_prefix('-') {
        Some(e) => (true, e),
        None => (false, exp.strip_prefix('+').unwrap_or(exp)),
    };
    let exp = exp.bytes().fold(0usize, |v, d| {
        v.saturating_mul(10).saturating_add(usize::from(d - b'0'))
    });
    value = if exp_negative {
        value / pow10(exp)
    } else {
        value * pow10(exp)
    };
    Some(if negative { -value } else { value })
}

/// 10^n, saturating to infinity.
#[cfg(all(feature = "tiny", target_arch = "wasm32"))]
fn pow10(n: usize) -> f64 {
    let mut v = 1f64;
    for _ in 0..n.min(400) {
        v *= 10.0;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Value {
        parse(s.as_bytes()).unwrap_or_else(|| panic!("should parse: {s}"))
    }

    #[test]
    fn parses_values() {
        assert_eq!(ok("null"), Value::Null);
        assert_eq!(ok(" true "), Value::Bool(true));
        assert_eq!(ok("1700000000"), Value::Number(1_700_000_000.0));
        assert_eq!(ok("-0.5"), Value::Number(-0.5));
        assert_eq!(ok("1e3"), Value::Number(1000.0));
        assert_eq!(ok("2.5E-1"), Value::Number(0.25));
        assert_eq!(
            ok(r#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#).as_str(),
            Some("a\"\\/\u{8}\u{c}\n\r\té😀")
        );
        assert_eq!(ok("\"é\"").as_str(), Some("é"));
        let o = ok(r#"{"a":{"b":[1,{"c":false}]},"d":""}"#);
        assert_eq!(o.get("d").and_then(Value::as_str), Some(""));
        assert_eq!(o.as_object().map(|m| m.len()), Some(2));
        // The example that was a doctest while the module was public.
        let v = ok(r#"{"a":[1,true,null,"x"]}"#);
        assert_eq!(
            v.get("a").and_then(|a| a.as_array()).map(|a| a.len()),
            Some(4)
        );
        assert!(parse(br#"{"a":1,"a":2}"#).is_none()); // duplicate member
    }

    #[test]
    fn rejects_invalid_json() {
        for bad in [
            "",
            "{",
            "}",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            ".5",
            "-",
            "+1",
            "1e",
            "tru",
            "nul",
            "\"abc",
            "\"a\nb\"",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "{a:1}",
            "[1 2]",
            "{\"a\" 1}",
            "1 2",
            "NaN",
            "Infinity",
            "1e999",
            "{\"a\":1,\"a\":1}",
        ] {
            assert!(parse(bad.as_bytes()).is_none(), "should reject: {bad:?}");
        }
        assert!(parse(&[b'"', 0xff, b'"']).is_none());
    }

    #[test]
    fn caps_members() {
        let object = |n: usize| {
            let members: Vec<String> = (0..n).map(|i| format!("\"m{i}\":0")).collect();
            format!("{{{}}}", members.join(","))
        };
        assert!(parse(object(256).as_bytes()).is_some());
        assert!(parse(object(257).as_bytes()).is_none());
    }

    #[test]
    fn caps_nesting() {
        let deep = "[".repeat(33) + &"]".repeat(33);
        assert!(parse(deep.as_bytes()).is_none());
        let ok_depth = "[".repeat(32) + &"]".repeat(32);
        assert!(parse(ok_depth.as_bytes()).is_some());
        // Deep input never overflows the stack.
        let hostile = "[".repeat(100_000);
        assert!(parse(hostile.as_bytes()).is_none());
    }
}
