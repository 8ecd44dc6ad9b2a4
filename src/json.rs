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

use alloc::borrow::Cow;

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
    parse_borrowed(input).map(Json::into_value)
}

/// Parses one JSON text into a [`Json`] that borrows its strings from
/// `input`; `None` if it is not valid, strict JSON. What the checks read and
/// then drop (a JOSE header, the claims, the wasm options) is parsed this
/// way: no allocation per string.
pub(crate) fn parse_borrowed(input: &[u8]) -> Option<Json<'_>> {
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

/// A name or a string value: borrowed from the input unless it had escapes
/// to undo.
pub(crate) type Str<'a> = Cow<'a, str>;

/// A JSON value borrowing from the text it was parsed from ([`parse_borrowed`]);
/// [`Json::into_value`] makes the owned, public [`Value`].
#[derive(Debug, PartialEq)]
pub(crate) enum Json<'a> {
    Null,
    Bool(bool),
    Number(f64),
    String(Str<'a>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Str<'a>, Json<'a>)>),
}

impl<'a> Json<'a> {
    /// The member `name` of an object.
    pub(crate) fn get(&self, name: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string inside, if this is a string.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number inside, if this is a number.
    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub(crate) fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The owned [`Value`].
    pub(crate) fn into_value(self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(b),
            Json::Number(n) => Value::Number(n),
            Json::String(s) => Value::String(s.into_owned()),
            Json::Array(items) => Value::Array(items.into_iter().map(Json::into_value).collect()),
            Json::Object(members) => Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_value()))
                    .collect(),
            ),
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
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

    fn literal(&mut self, word: &[u8], v: Json<'a>) -> Option<Json<'a>> {
        let end = self.i.checked_add(word.len())?;
        if self.s.get(self.i..end)? == word {
            self.i = end;
            Some(v)
        } else {
            None
        }
    }

    fn value(&mut self, depth: u32) -> Option<Json<'a>> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.ws();
        match self.peek()? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(Json::String),
            b't' => self.literal(b"true", Json::Bool(true)),
            b'f' => self.literal(b"false", Json::Bool(false)),
            b'n' => self.literal(b"null", Json::Null),
            _ => self.number(),
        }
    }

    fn object(&mut self, depth: u32) -> Option<Json<'a>> {
        self.i += 1;
        // Room for a token's claims without regrowing on the way.
        let mut members: Vec<(Str<'a>, Json<'a>)> = Vec::with_capacity(16);
        if self.eat(b'}') {
            return Some(Json::Object(members));
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
            return self.eat(b'}').then_some(Json::Object(members));
        }
    }

    fn array(&mut self, depth: u32) -> Option<Json<'a>> {
        self.i += 1;
        let mut items = Vec::new();
        if self.eat(b']') {
            return Some(Json::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            if self.eat(b',') {
                continue;
            }
            return self.eat(b']').then_some(Json::Array(items));
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

    fn string(&mut self) -> Option<Str<'a>> {
        self.i += 1; // opening quote
        let start = self.i;
        self.skip_plain();
        // Fast path: no escapes, borrowed. We stopped on ASCII, so both ends
        // are char boundaries of the already validated text.
        if self.peek() == Some(b'"') {
            let s = self.text.get(start..self.i)?;
            self.i += 1;
            return Some(Cow::Borrowed(s));
        }
        let mut out = String::from(self.text.get(start..self.i)?);
        loop {
            match self.bump()? {
                b'"' => return Some(Cow::Owned(out)),
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
    fn number(&mut self) -> Option<Json<'a>> {
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
        value.is_finite().then_some(Json::Number(value))
    }
}

/// Decimal text (already checked against the RFC 8259 grammar) to the nearest f64.
#[cfg(not(all(feature = "tiny", target_arch = "wasm32")))]
fn to_f64(text: &str) -> Option<f64> {
    text.parse().ok()
}

/// The size-optimised browser build does without core's correctly rounded
/// parser (its tables cost 14 KB of brotli), but accepts exactly the numbers
/// the native build accepts.
#[cfg(all(feature = "tiny", target_arch = "wasm32"))]
fn to_f64(text: &str) -> Option<f64> {
    small_f64(text)
}

/// The smallest decimal that rounds to infinity: 2^1024 - 2^970 (f64::MAX
/// plus half an ulp; the tie rounds to even, which is 2^1024), 309 digits.
#[cfg(any(test, all(feature = "tiny", target_arch = "wasm32")))]
const OVERFLOW: &[u8; 309] = b"179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";

/// Decimal text (checked against the RFC 8259 grammar) to an f64 that is
/// finite exactly when the correctly rounded value is (the same numbers are
/// accepted as natively), exact for integers up to 2^53 (the timestamps the
/// core compares); other values may be off in the last digits. The claims the
/// app receives come from the platform's `JSON.parse`, never from this.
#[cfg(any(test, all(feature = "tiny", target_arch = "wasm32")))]
fn small_f64(text: &str) -> Option<f64> {
    let (negative, b) = match text.as_bytes().split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text.as_bytes()),
    };
    // The significant digits (leading zeros dropped) and the decimal exponent
    // of the first one: the value is 0.d1d2d3... x 10^e10.
    let mut sig = Vec::new();
    let mut e10: i64 = 0;
    let mut fraction = false;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'.' => fraction = true,
            b'e' | b'E' => break,
            b'0' if sig.is_empty() => e10 -= i64::from(fraction),
            d => {
                sig.push(d);
                e10 += i64::from(!fraction);
            }
        }
        i += 1;
    }
    let exp = b.get(i + 1..).unwrap_or_default();
    let (exp_negative, exp) = match exp.split_first() {
        Some((b'-', e)) => (true, e),
        Some((b'+', e)) => (false, e),
        _ => (false, exp),
    };
    let exp = exp
        .iter()
        .fold(0i64, |v, d| (v * 10 + i64::from(d - b'0')).min(1 << 40));
    e10 += if exp_negative { -exp } else { exp };
    let value = if sig.is_empty() {
        0.0
    } else if e10 > 309 || (e10 == 309 && !below(&sig, OVERFLOW)) {
        // Overflow exactly where correctly rounded parsing has it.
        return None;
    } else {
        let k = sig.len().min(19);
        let m = sig[..k]
            .iter()
            .fold(0u64, |m, d| m * 10 + u64::from(d - b'0')) as f64;
        let p = e10 - k as i64;
        let v = if p >= 0 {
            m * pow10(p as usize)
        } else if p > -300 {
            m / pow10((-p) as usize)
        } else {
            m / pow10(300) / pow10((-p - 300) as usize)
        };
        v.min(f64::MAX)
    };
    Some(if negative { -value } else { value })
}

/// Whether the digits `digits` (trailing zeros implied) are below `bound`.
#[cfg(any(test, all(feature = "tiny", target_arch = "wasm32")))]
fn below(digits: &[u8], bound: &[u8]) -> bool {
    for (i, &b) in bound.iter().enumerate() {
        let d = digits.get(i).copied().unwrap_or(b'0');
        if d != b {
            return d < b;
        }
    }
    false
}

/// 10^n, saturating to infinity.
#[cfg(any(test, all(feature = "tiny", target_arch = "wasm32")))]
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
    fn strings_without_escapes_are_borrowed() {
        // What the checks read (header, claims, options) costs no allocation
        // per string; escapes are undone into owned strings.
        let Some(Json::Object(m)) = parse_borrowed(br#"{"a":"plain","b\u0041":"x\ny"}"#) else {
            panic!("should parse");
        };
        assert!(matches!(m[0].0, Cow::Borrowed("a")));
        assert!(matches!(&m[0].1, Json::String(Cow::Borrowed("plain"))));
        assert!(matches!(&m[1].0, Cow::Owned(k) if k == "bA"));
        assert!(matches!(&m[1].1, Json::String(Cow::Owned(v)) if v == "x\ny"));
        assert_eq!(
            Json::Object(m).into_value(),
            ok(r#"{"a":"plain","bA":"x\ny"}"#)
        );
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

    /// The browser build's conversion accepts exactly what the native one
    /// does (correctly rounded parsing, finite results only).
    fn same_acceptance(text: &str) {
        let native = text.parse::<f64>().ok().filter(|v| v.is_finite());
        let small = small_f64(text);
        assert_eq!(small.is_some(), native.is_some(), "{text}");
        if let (Some(s), Some(n)) = (small, native) {
            let integer_text = text.bytes().all(|b| b.is_ascii_digit() || b == b'-');
            if integer_text && n.abs() <= 9_007_199_254_740_992.0 {
                assert_eq!(s, n, "{text}: integers up to 2^53 are exact");
            }
        }
    }

    #[test]
    fn browser_numbers_match_native_acceptance() {
        let long_fraction = format!("0.{}1", "0".repeat(400));
        let long_int = format!("1{}", "0".repeat(308));
        let too_long = format!("2{}", "0".repeat(308));
        for t in [
            "0e400",
            "0.001e310",
            "1e308",
            "1e309",
            "-1e309",
            "0",
            "-0",
            "1750000000",
            "1.75e9",
            "9007199254740992",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "17976931348623158e292",
            "1e-400",
            "123.456e-3",
            &long_fraction,
            &long_int,
            &too_long,
        ] {
            same_acceptance(t);
        }
        let mut at = String::from(core::str::from_utf8(OVERFLOW).unwrap());
        same_acceptance(&at); // exactly the tie: infinity
        at.pop();
        at.push('1'); // just below it
        same_acceptance(&at);
        same_acceptance(&format!(
            "0.{}e309",
            core::str::from_utf8(OVERFLOW).unwrap()
        ));
    }

    // proptest is a native dev-dependency only.
    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn browser_numbers_accept_as_native_does(
            int in "(0|[1-9][0-9]{0,40})",
            frac in proptest::option::of("[0-9]{0,330}"),
            exp in proptest::option::of((proptest::bool::ANY, 0u32..700)),
        ) {
            let mut t = int;
            if let Some(f) = frac.filter(|f| !f.is_empty()) {
                t = format!("{t}.{f}");
            }
            if let Some((neg, e)) = exp {
                t = format!("{t}e{}{e}", if neg { "-" } else { "+" });
            }
            same_acceptance(&t);
        }

        #[test]
        fn browser_numbers_near_the_overflow_boundary(
            keep in 1usize..309,
            last in 0u8..10,
            shift in -2i32..3,
        ) {
            let head = core::str::from_utf8(&OVERFLOW[..keep]).unwrap_or("1");
            let t = format!("{head}{}e{}", last, 309 - keep as i32 - 1 + shift);
            same_acceptance(&t);
        }
    }
}
