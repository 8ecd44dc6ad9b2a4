//! Property tests (proptest): base64url, PKCE, vtr/vot matching, the JSON
//! parser against serde_json, callback parsing and ID token claims. Each
//! property checks the library against an answer computed independently here
//! (a bit-by-bit base64url encoder, the `sha2` crate, set arithmetic on the
//! vector strings, serde_json, a percent-encoder), never against itself.
//!
//! Case counts are kept moderate (256, fewer where RSA signing is involved)
//! so that `cargo test` stays fast; raise them with `PROPTEST_CASES=10000`.
#![cfg(not(target_arch = "wasm32"))]

mod common;

// The JSON parser and base64url are private modules; `__private` reaches
// them for these comparisons with independent implementations (see lib.rs).
use nhs_login_client::__private::{base64url, json};
use nhs_login_client::pkce::CodeVerifier;
use nhs_login_client::vot::KNOWN_VECTORS;
use nhs_login_client::{
    parse_callback, Claims, ErrorCode, IdTokenVerifier, IssuerUrl, Nonce, NonceCheck, State,
    UntrustedToken, Value, VerifiedIdToken, Vtr,
};
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{select, subsequence, Index};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

type J = serde_json::Value;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Independent references
// ---------------------------------------------------------------------------

const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding, one bit at a time.
fn ref_encode(bytes: &[u8]) -> String {
    let bits: Vec<u8> = bytes
        .iter()
        .flat_map(|b| (0..8).rev().map(move |i| (b >> i) & 1))
        .collect();
    bits.chunks(6)
        .map(|c| {
            let mut v = 0usize;
            for i in 0..6 {
                v = (v << 1) | usize::from(c.get(i).copied().unwrap_or(0));
            }
            char::from(B64URL[v])
        })
        .collect()
}

/// Lenient base64url decoding (trailing bits dropped), `None` only for
/// characters outside the alphabet or an impossible length.
fn ref_decode_lenient(s: &str) -> Option<Vec<u8>> {
    if s.len() % 4 == 1 {
        return None;
    }
    let mut bits = Vec::new();
    for c in s.bytes() {
        let v = B64URL.iter().position(|&a| a == c)?;
        bits.extend((0..6).rev().map(|i| (v >> i) & 1));
    }
    Some(
        bits.chunks_exact(8)
            .map(|c| c.iter().fold(0u8, |acc, &b| (acc << 1) | b as u8))
            .collect(),
    )
}

/// RFC 7636 §4.1 `unreserved` characters.
fn is_unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

/// Splits a vector string into its P part and the set of its C parts, with
/// the rule for a returned `vot`: `P` and one ASCII digit, then one or more of
/// the four known components, each at most once.
fn ref_vector(s: &str) -> Option<(char, BTreeSet<&str>)> {
    let mut parts = s.split('.');
    let mut p = parts.next()?.chars();
    let (Some('P'), Some(d), None) = (p.next(), p.next(), p.next()) else {
        return None;
    };
    if !d.is_ascii_digit() {
        return None;
    }
    let mut set = BTreeSet::new();
    for c in parts {
        if !["Cp", "Cd", "Ck", "Cm"].contains(&c) || !set.insert(c) {
            return None;
        }
    }
    (!set.is_empty()).then_some((d, set))
}

/// Percent-encodes a query component: every byte but the unreserved ones,
/// spaces as `+` unless `all` asks for every byte as lowercase `%xx`.
fn ref_form_encode(s: &str, all: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if all {
            out.push_str(&format!("%{b:02x}"));
        } else if b == b' ' {
            out.push('+');
        } else if is_unreserved(char::from(b)) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What `error` / `error_description` become (RFC 6749 §4.1.2.1 characters,
/// at most 256 of them).
fn ref_sanitise(s: &str) -> String {
    s.chars()
        .take(256)
        .map(|c| {
            // RFC 6749 4.1.2.1's set, less the HTML-significant < > & '.
            if (' '..='~').contains(&c) && !matches!(c, '"' | '\\' | '<' | '>' | '&' | '\'') {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// Whether a number parsed by us matches serde_json's. Integers up to 2^53
/// must be exact (the parser's documented guarantee); other numbers are
/// computed in f64 by the parser (src/json.rs), so a relative error of 1e-13
/// is allowed, and subnormal results may come out as zero (see the ignored
/// `json_numbers_are_correctly_rounded`).
fn same_number(ours: f64, theirs: &serde_json::Number) -> bool {
    const EXACT: u64 = 1 << 53;
    if let Some(i) = theirs.as_i64() {
        if i.unsigned_abs() <= EXACT {
            return ours == i as f64;
        }
    }
    if let Some(u) = theirs.as_u64() {
        if u <= EXACT {
            return ours == u as f64;
        }
    }
    let t = theirs.as_f64().unwrap_or(f64::NAN);
    ours == t
        || (ours - t).abs() <= 1e-13 * t.abs()
        || (t.abs() < f64::MIN_POSITIVE * 1e16 && ours.abs() < f64::MIN_POSITIVE * 1e16)
}

/// Structural equality of our value and serde_json's (objects by member name:
/// serde_json's map is sorted, ours keeps document order).
fn same(ours: &Value, theirs: &J) -> bool {
    match (ours, theirs) {
        (Value::Null, J::Null) => true,
        (Value::Bool(a), J::Bool(b)) => a == b,
        (Value::Number(a), J::Number(b)) => same_number(*a, b),
        (Value::String(a), J::String(b)) => a == b,
        (Value::Array(a), J::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Value::Object(a), J::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, x)| b.get(k).is_some_and(|y| same(x, y)))
        }
        _ => false,
    }
}

/// The deepest nesting level of a value the way the parser counts it: the
/// top value is at level 0, members and elements one deeper.
fn max_level(v: &J) -> usize {
    let children: Box<dyn Iterator<Item = &J>> = match v {
        J::Array(a) => Box::new(a.iter()),
        J::Object(o) => Box::new(o.values()),
        _ => return 0,
    };
    children.map(|c| 1 + max_level(c)).max().unwrap_or(0)
}

/// The number of object members in a JSON text serde_json accepted: one `:`
/// outside strings per member. More than serde_json's map holds means a
/// duplicate member name (serde_json keeps the last).
fn members_in_text(text: &str) -> usize {
    let (mut n, mut in_str, mut escaped) = (0, false, false);
    for c in text.chars() {
        match (in_str, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_str = false,
            (false, _, '"') => in_str = true,
            (false, _, ':') => n += 1,
            _ => {}
        }
    }
    n
}

fn members_in_value(v: &J) -> usize {
    match v {
        J::Array(a) => a.iter().map(members_in_value).sum(),
        J::Object(o) => o.len() + o.values().map(members_in_value).sum::<usize>(),
        _ => 0,
    }
}

/// Whether the text has an exponent of three or more digits or a run of 300
/// digits, where the parser's f64 arithmetic (10^n by repeated
/// multiplication) can overflow or underflow although the number is in range
/// (see the ignored test).
fn has_extreme_number(text: &str) -> bool {
    let b = text.as_bytes();
    b.split(|c| !c.is_ascii_digit()).any(|run| run.len() >= 300)
        || (0..b.len()).any(|i| {
            if !matches!(b[i], b'e' | b'E') || i == 0 || !b[i - 1].is_ascii_digit() {
                return false;
            }
            let mut j = i + 1;
            if matches!(b.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            b[j..].iter().take_while(|c| c.is_ascii_digit()).count() >= 3
        })
}

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

fn arb_number() -> impl Strategy<Value = J> {
    prop_oneof![
        (-(1i64 << 53)..=(1i64 << 53)).prop_map(J::from),
        any::<i64>().prop_map(J::from),
        any::<u64>().prop_map(J::from),
        (-1e9f64..1e9).prop_map(J::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(J::from),
    ]
}

fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z\"\\\\/\\x00-\\x1f\\x7f\u{e9}\u{2028}\u{1F600}]{0,12}",
    ]
}

/// Random JSON values, nesting well under the parser's limit of 32.
fn arb_json() -> impl Strategy<Value = J> {
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        arb_number(),
        arb_string().prop_map(J::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(J::Array),
            btree_map(arb_string(), inner, 0..6).prop_map(|m| J::Object(m.into_iter().collect())),
        ]
    })
}

fn arb_object() -> impl Strategy<Value = J> {
    btree_map("[a-z_]{1,10}", arb_json(), 0..4).prop_map(|m| J::Object(m.into_iter().collect()))
}

/// Every character of a member name as a `\u` escape (surrogate pairs above
/// the BMP), so that a duplicate is only visible after unescaping.
fn escape_all(name: &str) -> String {
    let mut out = String::from("\"");
    for unit in name.encode_utf16() {
        out.push_str(&format!("\\u{unit:04x}"));
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------
// base64url
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn base64url_round_trips(bytes in vec(any::<u8>(), 0..200)) {
        let enc = base64url::encode(&bytes);
        prop_assert_eq!(&enc, &ref_encode(&bytes));
        prop_assert!(base64url::is_valid(&enc));
        prop_assert_eq!(base64url::decode(&enc), Some(bytes));
    }

    #[test]
    fn base64url_is_strict(s in prop_oneof![
        "[A-Za-z0-9_-]{0,16}",
        "[A-Za-z0-9_+/= -]{0,16}",
        any::<String>(),
    ]) {
        // The one canonical encoding of the bytes it stands for, or nothing.
        let expected = ref_decode_lenient(&s).filter(|b| ref_encode(b) == s);
        let got = base64url::decode(&s);
        prop_assert_eq!(&got, &expected);
        prop_assert_eq!(base64url::is_valid(&s), got.is_some());
        if let Some(bytes) = got {
            prop_assert_eq!(base64url::encode(&bytes), s);
        }
    }
}

// ---------------------------------------------------------------------------
// PKCE
// ---------------------------------------------------------------------------

#[test]
fn generated_verifiers_are_43_unreserved_chars_with_s256_challenge() {
    let mut seen = BTreeSet::new();
    for _ in 0..256 {
        let v = CodeVerifier::generate().unwrap();
        let s = v.as_str();
        assert_eq!(s.len(), 43, "{s}");
        assert!(s.chars().all(is_unreserved), "{s}");
        assert_eq!(v.challenge(), ref_encode(&Sha256::digest(s.as_bytes())));
        assert_eq!(CodeVerifier::new(s).as_ref().ok(), Some(&v));
        assert!(seen.insert(s.to_owned()), "repeated verifier");
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn code_verifier_new_accepts_exactly_rfc7636(s in prop_oneof![
        "[A-Za-z0-9._~-]{0,140}",
        "[A-Za-z0-9._~-]{40,46}",
        "[A-Za-z0-9._~-]{125,131}",
        "[A-Za-z0-9._~+/= %\u{e9}-]{40,131}",
        any::<String>(),
    ]) {
        let expected = (43..=128).contains(&s.chars().count()) && s.chars().all(is_unreserved);
        match CodeVerifier::new(&s) {
            Ok(v) => {
                prop_assert!(expected, "accepted {:?}", s);
                prop_assert_eq!(v.as_str(), s.as_str());
                prop_assert_eq!(v.challenge(), ref_encode(&Sha256::digest(s.as_bytes())));
            }
            Err(e) => {
                prop_assert!(!expected, "rejected {:?}", s);
                prop_assert_eq!(e.code(), ErrorCode::InvalidOption);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// vtr / vot
// ---------------------------------------------------------------------------

const C_PARTS: [&str; 4] = ["Cp", "Cd", "Ck", "Cm"];

fn arb_requested() -> impl Strategy<Value = Vec<&'static str>> {
    subsequence(KNOWN_VECTORS.to_vec(), 1..=12).prop_shuffle()
}

/// Returned vectors: mostly well formed (any P0–P9, any components in any
/// order), some with unknown, repeated or missing parts.
fn arb_returned() -> impl Strategy<Value = String> {
    let valid = (0..=9u8, subsequence(C_PARTS.to_vec(), 1..=4).prop_shuffle())
        .prop_map(|(l, c)| format!("P{l}.{}", c.join(".")));
    let level = select(vec![
        "P0", "P5", "P9", "P1", "P7", "P", "P10", "p9", "Q9", "", "P\u{663}", "P9 ",
    ]);
    let part = select(vec!["Cp", "Cd", "Ck", "Cm", "Cx", "cp", "", "Cp "]);
    let messy = (level, vec(part, 0..5)).prop_map(|(l, parts)| {
        let mut s = String::from(l);
        for p in parts {
            s.push('.');
            s.push_str(p);
        }
        s
    });
    prop_oneof![3 => valid, 1 => messy]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn check_vot_follows_set_inclusion(requested in arb_requested(), vot in arb_returned()) {
        let vtr = Vtr::new(&requested).unwrap();
        let expected = match ref_vector(&vot) {
            None => Err(ErrorCode::InvalidClaim),
            Some((level, have)) => {
                let ok = requested.iter().any(|r| {
                    let (l, want) = ref_vector(r).unwrap();
                    l == level && want.is_subset(&have)
                });
                if ok { Ok(()) } else { Err(ErrorCode::VotNotSatisfied) }
            }
        };
        prop_assert_eq!(vtr.check_vot(&vot).map_err(|e| e.code()), expected, "vot {:?}", vot);
    }

    #[test]
    fn vtr_new_accepts_known_distinct_vectors(list in vec(prop_oneof![
        4 => select(KNOWN_VECTORS.to_vec()).prop_map(String::from),
        1 => arb_returned(),
    ], 0..6)) {
        let distinct = list.iter().collect::<BTreeSet<_>>().len() == list.len();
        let known = list.iter().all(|v| KNOWN_VECTORS.contains(&v.as_str()));
        match Vtr::new(&list) {
            Ok(vtr) => {
                prop_assert!(!list.is_empty() && distinct && known, "accepted {:?}", list);
                prop_assert_eq!(vtr.to_json(), serde_json::to_string(&list).unwrap());
                prop_assert!(vtr.as_strs().eq(list.iter().map(String::as_str)));
            }
            Err(e) => {
                prop_assert!(list.is_empty() || !distinct || !known, "rejected {:?}", list);
                prop_assert_eq!(e.code(), ErrorCode::InvalidOption);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// JSON parser against serde_json
// ---------------------------------------------------------------------------

/// JSON-ish token soup: mostly near-valid texts with the edge cases of the
/// grammar (escapes, surrogates, numbers, whitespace, nesting).
fn arb_soup() -> impl Strategy<Value = String> {
    let token = select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "\"a\"",
        "\"b\"",
        "\"a\":",
        "\\",
        "\\u",
        "\\ud83d",
        "\\ude00",
        "\\n",
        "0041",
        "0",
        "1",
        "-",
        ".",
        "5",
        "e",
        "E",
        "+",
        "1e3",
        "-0.25E-2",
        "true",
        "false",
        "null",
        "tru",
        " ",
        "\t",
        "\n",
        "\u{0}",
        "\u{e9}",
        "\"\u{1}\"",
    ]);
    vec(token, 0..40).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn json_parses_serde_json_output(v in arb_json(), pretty in any::<bool>()) {
        let text = if pretty {
            serde_json::to_string_pretty(&v).unwrap()
        } else {
            serde_json::to_string(&v).unwrap()
        };
        let ours = json::parse(text.as_bytes());
        prop_assert!(ours.is_some(), "rejected {}", text);
        prop_assert!(same(ours.as_ref().unwrap(), &v), "{} parsed as {:?}", text, ours);
    }

    #[test]
    fn json_rejects_duplicate_member_names(
        members in btree_map(arb_string(), arb_json(), 1..6),
        pick in any::<Index>(),
        at in any::<Index>(),
        dup_value in arb_json(),
        escaped in any::<bool>(),
        wrap in 0..4usize,
    ) {
        let mut parts: Vec<String> = members
            .iter()
            .map(|(k, v)| format!("{}:{}", serde_json::to_string(k).unwrap(), v))
            .collect();
        let without = format!("{{{}}}", parts.join(","));
        let name = members.keys().nth(pick.index(members.len())).unwrap();
        let name_text = if escaped { escape_all(name) } else { serde_json::to_string(name).unwrap() };
        parts.insert(at.index(parts.len() + 1), format!("{name_text}:{dup_value}"));
        let with = format!("{{{}}}", parts.join(","));
        let nest = |s: &str| {
            let mut s = s.to_owned();
            for i in 0..wrap {
                s = if i % 2 == 0 { format!("[1,{s}]") } else { format!("{{\"w\":{s}}}") };
            }
            s
        };
        prop_assert!(json::parse(nest(&without).as_bytes()).is_some(), "{}", without);
        prop_assert!(json::parse(nest(&with).as_bytes()).is_none(), "accepted {}", nest(&with));
    }

    #[test]
    fn json_caps_nesting_at_32(depth in 0..40usize, objects in any::<bool>(), inner in arb_json()) {
        let inner_text = inner.to_string();
        let (open, close) = if objects { ("{\"a\":", "}") } else { ("[", "]") };
        let text = open.repeat(depth) + &inner_text + &close.repeat(depth);
        let expected = depth + max_level(&inner) < 32;
        prop_assert_eq!(json::parse(text.as_bytes()).is_some(), expected, "{}", text);
    }

    #[test]
    fn json_agrees_with_serde_json_on_soup(text in arb_soup()) {
        let ours = json::parse(text.as_bytes());
        let theirs: Option<J> = serde_json::from_str(&text).ok();
        match (&ours, &theirs) {
            (Some(o), Some(t)) => prop_assert!(same(o, t), "{:?}: {:?} vs {:?}", text, o, t),
            (Some(o), None) => prop_assert!(false, "{:?} accepted as {:?}; serde_json rejects it", text, o),
            (None, Some(t)) => {
                let dup = members_in_text(&text) > members_in_value(t);
                let deep = max_level(t) >= 32;
                prop_assert!(dup || deep || has_extreme_number(&text),
                    "{:?} rejected; serde_json reads {:?}", text, t);
            }
            (None, None) => {}
        }
    }

    #[test]
    fn json_never_panics_on_bytes(bytes in vec(any::<u8>(), 0..512)) {
        let ours = json::parse(&bytes);
        if let Some(o) = &ours {
            let t: J = serde_json::from_slice(&bytes).expect("serde_json accepts what we accept");
            prop_assert!(same(o, &t));
        }
    }
}

// ---------------------------------------------------------------------------
// Callback
// ---------------------------------------------------------------------------

const ISS: &str = "https://auth.login.nhs.uk";

fn non_empty() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_-]{1,43}",
        any::<String>().prop_filter("non-empty", |s| !s.is_empty()),
        "[ +%&=#?;/\u{e9}a-c]{1,12}",
    ]
}

/// [`parse_callback`] with the expectations as plain strings.
fn parse(
    url: &str,
    state: &str,
    issuer: Option<&str>,
) -> Result<nhs_login_client::Callback, nhs_login_client::Error> {
    parse_callback(
        url,
        &State::from(state),
        issuer.map(IssuerUrl::from).as_ref(),
    )
}

fn callback_error(r: Result<nhs_login_client::Callback, nhs_login_client::Error>) -> String {
    match r {
        Ok(cb) => format!("ok:{}", cb.code.as_str()),
        Err(e) => e.code().as_str().to_owned(),
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn callback_never_panics(
        url in prop_oneof![
            any::<String>(),
            "[?&=#%+a-fA-F0-9:/ .]{0,40}",
            vec((select(vec!["code", "state", "iss", "error", "error_description", "x", ""]),
                 "[a-z0-9%+=]{0,6}"), 0..6)
                .prop_map(|p| format!("https://a/cb?{}", p.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&"))),
        ],
        state in prop_oneof![Just(String::new()), "[a-z0-9%+]{1,4}", any::<String>()],
        issuer in option::of(select(vec![ISS, "", "x"])),
    ) {
        match parse(&url, &state, issuer) {
            Ok(cb) => prop_assert!(!cb.code.as_str().is_empty()),
            Err(e) => {
                if let Some(p) = e.provider_error() {
                    prop_assert_eq!(e.code(), ErrorCode::ProviderError);
                    prop_assert_eq!(&p.error, &ref_sanitise(&p.error));
                    if let Some(d) = &p.error_description {
                        prop_assert_eq!(d, &ref_sanitise(d));
                    }
                }
                if state.is_empty() {
                    prop_assert_eq!(e.code(), ErrorCode::InvalidOption);
                }
            }
        }
    }

    #[test]
    fn callback_round_trips_code_and_checks_state(
        code in non_empty(),
        state in non_empty(),
        other in non_empty(),
        use_other in any::<bool>(),
        encode_all in any::<bool>(),
        with_iss in any::<bool>(),
        extra in option::of(("[a-z]{1,8}".prop_filter("unknown name", |n| {
            !["code", "state", "iss", "error", "error_description"].contains(&n.as_str())
        }), "[a-z0-9]{0,8}")),
        base in select(vec!["https://app.example/cb", "http://127.0.0.1:8080/callback?x=1", ""]),
        fragment in any::<bool>(),
        order in any::<Index>(),
    ) {
        let expected_state = if use_other { other } else { state.clone() };
        let mut params = vec![
            format!("code={}", ref_form_encode(&code, encode_all)),
            format!("state={}", ref_form_encode(&state, encode_all)),
        ];
        if with_iss {
            params.push(format!("iss={}", ref_form_encode(ISS, encode_all)));
        }
        if let Some((k, v)) = extra {
            params.push(format!("{k}={v}"));
        }
        let shift = order.index(params.len());
        params.rotate_left(shift);
        let sep = if base.contains('?') { '&' } else { '?' };
        let mut url = format!("{base}{sep}{}", params.join("&"));
        if fragment {
            url.push_str("#code=fragment&state=fragment");
        }
        let expected = if expected_state == state {
            format!("ok:{code}")
        } else {
            "state_mismatch".to_owned()
        };
        prop_assert_eq!(callback_error(parse(&url, &expected_state, Some(ISS))), expected, "{}", url);
    }

    #[test]
    fn callback_provider_errors_are_sanitised(
        error in any::<String>(),
        description in option::of(any::<String>()),
        state in non_empty(),
    ) {
        let mut url = format!("https://app.example/cb?state={}&error={}",
            ref_form_encode(&state, false), ref_form_encode(&error, false));
        if let Some(d) = &description {
            url.push_str(&format!("&error_description={}", ref_form_encode(d, true)));
        }
        let e = parse(&url, &state, None).unwrap_err();
        prop_assert_eq!(e.code(), ErrorCode::ProviderError);
        let p = e.provider_error().unwrap();
        prop_assert_eq!(&p.error, &ref_sanitise(&error));
        prop_assert_eq!(p.error_description.clone(), description.as_deref().map(ref_sanitise));
    }
}

// ---------------------------------------------------------------------------
// ID token claims
// ---------------------------------------------------------------------------

const CLIENT: &str = "client-1";
const TRUSTED: &str = "trusted-1";
const NOW: f64 = 1_750_000_000.0;
const NOW_I: i64 = 1_750_000_000;

/// The claims [`Claims`] has a field for; every other member lands in `extra`.
const NAMED: [&str; 21] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "jti",
    "nonce",
    "vot",
    "vtm",
    "auth_time",
    "identity_proofing_level",
    "nhs_number",
    "birthdate",
    "family_name",
    "given_name",
    "email",
    "email_verified",
    "phone_number",
    "phone_number_verified",
    "phone_number_pds_matched",
    "gp_registration_details",
];

/// A valid claim set, the `vtr` it was requested with and the nonce sent.
#[derive(Clone, Debug)]
struct ClaimSet {
    claims: serde_json::Map<String, J>,
    requested: Vec<&'static str>,
    nonce: Option<String>,
}

impl ClaimSet {
    fn verifier(&self) -> IdTokenVerifier {
        IdTokenVerifier::new(ISS, CLIENT)
            .with_vtr(Vtr::new(&self.requested).unwrap())
            .with_trusted_audiences(vec![TRUSTED.into()])
    }

    fn payload(&self) -> String {
        serde_json::to_string(&self.claims).unwrap()
    }

    /// An unsigned token of these claims (the signature is a placeholder).
    fn token(&self) -> String {
        format!(
            "{}.{}.{}",
            base64url::encode(br#"{"alg":"RS512","kid":"k1"}"#),
            base64url::encode(self.payload().as_bytes()),
            base64url::encode(b"sig")
        )
    }

    fn check(&self) -> Result<Value, ErrorCode> {
        self.check_with_warnings().map(|t| t.claims_value().clone())
    }

    /// The claim rules alone, without RSA signing (which would make each
    /// case slow): the signature is taken as checked the way the wasm
    /// boundary takes it from WebCrypto.
    fn check_with_warnings(&self) -> Result<VerifiedIdToken, ErrorCode> {
        let token = self.token();
        let signed = UntrustedToken::decode(&token)
            .map_err(|e| e.code())?
            .assume_signature_checked_by_host();
        let nonce = self.nonce.clone().map(Nonce::from);
        let check = match &nonce {
            Some(n) => NonceCheck::Expect(n),
            None => NonceCheck::ExpectNone,
        };
        self.verifier()
            .verify_claims(&signed, check, NOW)
            .map_err(|e| e.code())
    }
}

/// A requested `vtr` and a `vot` that satisfies it: one requested vector's
/// level and components, plus any others, in any order.
fn arb_satisfied_vot() -> impl Strategy<Value = (Vec<&'static str>, String)> {
    (
        arb_requested(),
        any::<Index>(),
        subsequence(C_PARTS.to_vec(), 0..=4),
    )
        .prop_flat_map(|(requested, pick, more)| {
            let chosen = requested[pick.index(requested.len())];
            let mut parts = chosen.split('.');
            let level = parts.next().unwrap_or_default().to_owned();
            let mut comps: Vec<&'static str> = parts.collect();
            for c in more {
                if !comps.contains(&c) {
                    comps.push(c);
                }
            }
            (Just(requested), Just(level), Just(comps).prop_shuffle())
        })
        .prop_map(|(requested, level, comps)| (requested, format!("{level}.{}", comps.join("."))))
}

fn arb_claim_set() -> impl Strategy<Value = ClaimSet> {
    let core = (
        arb_satisfied_vot(),
        "[\\x00-\\x7f]{1,255}",
        select(vec![
            J::from(CLIENT),
            serde_json::json!([CLIENT]),
            serde_json::json!([CLIENT, TRUSTED]),
            serde_json::json!([TRUSTED, CLIENT]),
        ]),
        (NOW_I - 59)..(NOW_I + 10_000_000),
        0i64..=(NOW_I + 60),
        option::of(any::<String>()),
        option::of(Just(CLIENT)),
        option::of(0i64..=(NOW_I + 60)),
    );
    let typed = (
        option::of(any::<String>()),
        option::of(arb_string()),
        option::of(prop_oneof![
            (0i64..2_000_000_000).prop_map(J::from),
            (0f64..2e9).prop_map(J::from)
        ]),
        option::of(select(vec!["P0", "P5", "P9"])),
        option::of("[0-9]{10}"),
        option::of("[0-9]{4}-[0-9]{2}-[0-9]{2}"),
        option::of(arb_string()),
        option::of(arb_string()),
        option::of("[a-z]{1,8}@[a-z]{1,8}\\.example"),
        option::of(any::<bool>()),
        option::of("\\+44[0-9]{10}"),
        option::of(any::<bool>()),
    );
    let more = (
        option::of(any::<bool>()),
        option::of(arb_object()),
        option::of(arb_string()),
        option::of(any::<bool>()),
        option::of(arb_string()),
        option::of(arb_object()),
        btree_map("x_[a-z0-9_]{1,10}", arb_json(), 0..4),
    );
    (core, typed, more).prop_map(|(core, typed, more)| {
        let ((requested, vot), sub, aud, exp, iat, nonce, azp, nbf) = core;
        let mut m = serde_json::Map::new();
        let mut put = |k: &str, v: Option<J>| {
            if let Some(v) = v {
                m.insert(k.to_owned(), v);
            }
        };
        put("iss", Some(ISS.into()));
        put("aud", Some(aud));
        put("sub", Some(sub.into()));
        put("exp", Some(exp.into()));
        put("iat", Some(iat.into()));
        put("vot", Some(vot.into()));
        put("nonce", nonce.clone().map(J::from));
        put("azp", azp.map(J::from));
        put("nbf", nbf.map(J::from));
        let (jti, vtm, auth_time, ipl, nhs, birth, family, given, email, email_v, phone, phone_v) =
            typed;
        put("jti", jti.map(J::from));
        put("vtm", vtm.map(J::from));
        put("auth_time", auth_time);
        put("identity_proofing_level", ipl.map(J::from));
        put("nhs_number", nhs.map(J::from));
        put("birthdate", birth.map(J::from));
        put("family_name", family.map(J::from));
        put("given_name", given.map(J::from));
        put("email", email.map(J::from));
        put("email_verified", email_v.map(J::from));
        put("phone_number", phone.map(J::from));
        put("phone_number_verified", phone_v.map(J::from));
        let (pds, gp, landline, landline_v, metadata, gp_creds, extra) = more;
        put("phone_number_pds_matched", pds.map(J::from));
        put("gp_registration_details", gp);
        put("landline_number", landline.map(J::from));
        put("landline_number_verified", landline_v.map(J::from));
        put("client_user_metadata", metadata.map(J::from));
        put("gp_integration_credentials", gp_creds);
        for (k, v) in extra {
            put(&k, Some(v));
        }
        ClaimSet {
            claims: m,
            requested,
            nonce,
        }
    })
}

/// Every field of `c` against the claim set it came from.
fn check_typed(c: &Claims, m: &serde_json::Map<String, J>) -> Result<(), TestCaseError> {
    let s = |k: &str| m.get(k).and_then(J::as_str).map(str::to_owned);
    let b = |k: &str| m.get(k).and_then(J::as_bool);
    prop_assert_eq!(Some(c.iss.clone()), s("iss"));
    prop_assert_eq!(Some(c.sub.clone()), s("sub"));
    let aud: Vec<String> = match &m["aud"] {
        J::String(a) => vec![a.clone()],
        J::Array(a) => a.iter().filter_map(J::as_str).map(str::to_owned).collect(),
        _ => vec![],
    };
    prop_assert_eq!(&c.aud, &aud);
    prop_assert_eq!(Some(c.exp), m["exp"].as_f64());
    prop_assert_eq!(Some(c.iat), m["iat"].as_f64());
    prop_assert_eq!(c.jti.clone(), s("jti"));
    prop_assert_eq!(c.nonce.clone(), s("nonce"));
    prop_assert_eq!(Some(c.vot.clone()), s("vot"));
    prop_assert_eq!(c.vtm.clone(), s("vtm"));
    match (c.auth_time, m.get("auth_time")) {
        (None, None) => {}
        (Some(a), Some(J::Number(n))) => prop_assert!(same_number(a, n)),
        (a, b) => prop_assert!(false, "auth_time {:?} vs {:?}", a, b),
    }
    prop_assert_eq!(
        c.identity_proofing_level.clone(),
        s("identity_proofing_level")
    );
    prop_assert_eq!(c.nhs_number.clone(), s("nhs_number"));
    prop_assert_eq!(c.birthdate.clone(), s("birthdate"));
    prop_assert_eq!(c.family_name.clone(), s("family_name"));
    prop_assert_eq!(c.given_name.clone(), s("given_name"));
    prop_assert_eq!(c.email.clone(), s("email"));
    prop_assert_eq!(c.email_verified, b("email_verified"));
    prop_assert_eq!(c.phone_number.clone(), s("phone_number"));
    prop_assert_eq!(c.phone_number_verified, b("phone_number_verified"));
    prop_assert_eq!(c.phone_number_pds_matched, b("phone_number_pds_matched"));
    match (&c.gp_registration_details, m.get("gp_registration_details")) {
        (None, None) => {}
        (Some(a), Some(b)) => prop_assert!(same(a, b)),
        (a, b) => prop_assert!(false, "gp_registration_details {:?} vs {:?}", a, b),
    }
    // Everything else, in token order (serde_json writes members sorted).
    let extra: Vec<(&String, &J)> = m
        .iter()
        .filter(|(k, _)| !NAMED.contains(&k.as_str()))
        .collect();
    prop_assert_eq!(c.extra.len(), extra.len());
    for ((k, v), (ek, ev)) in c.extra.iter().zip(extra) {
        prop_assert_eq!(k, ek);
        prop_assert!(same(v, ev), "{}: {:?} vs {:?}", k, v, ev);
        prop_assert!(c.get(k).is_some());
    }
    Ok(())
}

/// One rule broken on a valid claim set, and the code that must come back.
#[derive(Clone, Debug)]
enum Breakage {
    Remove(&'static str),
    WrongType(&'static str, J),
    Set(&'static str, J, ErrorCode),
    OtherNonce,
    VotAtUnrequestedLevel(u8),
}

fn arb_breakage() -> impl Strategy<Value = Breakage> {
    use ErrorCode::*;
    // Only the security claims are strict (NHS login in practice: profile
    // claims of another type are left out with a warning, see below).
    let wrong_type = prop_oneof![
        select(vec!["iss", "sub", "vot"]).prop_map(|k| Breakage::WrongType(k, J::from(1))),
        select(vec!["exp", "iat", "auth_time", "nbf"])
            .prop_map(|k| Breakage::WrongType(k, J::from("1"))),
        Just(Breakage::WrongType("aud", serde_json::json!(null))),
    ];
    prop_oneof![
        select(vec!["iss", "aud", "exp", "iat", "sub", "vot"]).prop_map(Breakage::Remove),
        wrong_type,
        "[a-z:/.]{0,30}"
            .prop_filter("not the issuer", |s| s != ISS)
            .prop_map(|s| Breakage::Set("iss", s.into(), InvalidIssuer)),
        "[a-z0-9-]{0,12}"
            .prop_filter("not the client", |s| s != CLIENT)
            .prop_map(|s| Breakage::Set("aud", s.into(), InvalidAudience)),
        "[a-z0-9-]{0,12}"
            .prop_filter("not trusted", |s| s != CLIENT && s != TRUSTED)
            .prop_map(|s| Breakage::Set("aud", serde_json::json!([CLIENT, s]), InvalidAudience)),
        "[a-z0-9-]{0,12}"
            .prop_filter("not the client", |s| s != CLIENT)
            .prop_map(|s| Breakage::Set("azp", s.into(), InvalidAudience)),
        (0i64..1_000_000_000).prop_map(|d| Breakage::Set(
            "exp",
            (NOW_I - 60 - d).into(),
            TokenExpired
        )),
        (0i64..1_000_000_000).prop_map(|d| Breakage::Set(
            "iat",
            (NOW_I + 61 + d).into(),
            TokenIssuedInFuture
        )),
        (0i64..1_000_000_000).prop_map(|d| Breakage::Set(
            "nbf",
            (NOW_I + 61 + d).into(),
            TokenIssuedInFuture
        )),
        Just(Breakage::OtherNonce),
        Just(Breakage::Set("sub", "".into(), InvalidClaim)),
        Just(Breakage::Set("sub", "a".repeat(256).into(), InvalidClaim)),
        Just(Breakage::Set("sub", "\u{e9}".into(), InvalidClaim)),
        select(vec![1u8, 2, 3, 4, 6, 7, 8]).prop_map(Breakage::VotAtUnrequestedLevel),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn valid_claims_pass_and_round_trip(set in arb_claim_set()) {
        let t = set.check_with_warnings();
        prop_assert!(t.is_ok(), "{:?} for {}", t, set.payload());
        let t = t.unwrap();
        prop_assert!(same(t.claims_value(), &J::Object(set.claims.clone())));
        check_typed(t.claims(), &set.claims)?;
    }

    #[test]
    fn each_broken_rule_gives_its_code(set in arb_claim_set(), breakage in arb_breakage()) {
        let mut set = set;
        let expected = match breakage.clone() {
            Breakage::Remove(k) => {
                set.claims.remove(k);
                ErrorCode::MissingClaim
            }
            Breakage::WrongType(k, v) => {
                set.claims.insert(k.to_owned(), v);
                ErrorCode::InvalidClaim
            }
            Breakage::Set(k, v, code) => {
                set.claims.insert(k.to_owned(), v);
                code
            }
            Breakage::OtherNonce => {
                let sent = set.nonce.clone().unwrap_or_default();
                set.nonce = Some(sent.clone());
                set.claims.insert("nonce".into(), format!("{sent}x").into());
                ErrorCode::InvalidNonce
            }
            Breakage::VotAtUnrequestedLevel(l) => {
                set.claims.insert("vot".into(), format!("P{l}.Cp.Cd.Ck.Cm").into());
                ErrorCode::VotNotSatisfied
            }
        };
        prop_assert_eq!(set.check().map(|_| ()), Err(expected), "{:?} on {}", breakage, set.payload());
    }
}

/// A profile claim given a value of the wrong type or format, and whether
/// it is a boolean sent as "true"/"false" (normalised, no warning).
fn arb_ill_typed_profile_claim() -> impl Strategy<Value = (&'static str, J)> {
    prop_oneof![
        select(vec![
            "jti",
            "vtm",
            "nhs_number",
            "identity_proofing_level",
            "birthdate",
            "family_name",
            "given_name",
            "email",
            "phone_number",
            "landline_number",
            "client_user_metadata"
        ])
        .prop_map(|k| (k, J::from(1))),
        select(vec![
            "email_verified",
            "phone_number_verified",
            "phone_number_pds_matched",
            "landline_number_verified"
        ])
        .prop_flat_map(|k| (
            Just(k),
            prop_oneof![
                Just(J::from("yes")),
                Just(J::from(1)),
                Just(J::from("TRUE")),
                Just(serde_json::json!(null))
            ]
        )),
        select(vec![
            "gp_registration_details",
            "gp_integration_credentials"
        ])
        .prop_map(|k| (k, J::from("A12345"))),
        "[0-9]{0,9}|[0-9]{11,12}|[0-9]{9}[a-z]".prop_map(|s| ("nhs_number", J::from(s))),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn ill_typed_profile_claims_are_left_out_with_a_warning(
        set in arb_claim_set(),
        (name, value) in arb_ill_typed_profile_claim(),
    ) {
        let mut set = set;
        set.claims.insert(name.to_owned(), value);
        let checked = set.check_with_warnings();
        prop_assert!(checked.is_ok(), "{:?} on {}", checked, set.payload());
        let checked = checked.unwrap();
        prop_assert!(checked.claims_value().get(name).is_none());
        let warnings = &checked.claims().warnings;
        prop_assert_eq!(warnings.len(), 1);
        prop_assert_eq!(warnings[0].claim.as_str(), name);
        let mut rest = set.claims.clone();
        rest.remove(name);
        prop_assert!(same(checked.claims_value(), &J::Object(rest)));
    }

    #[test]
    fn boolean_strings_are_normalised(
        set in arb_claim_set(),
        name in select(vec!["email_verified", "phone_number_verified", "phone_number_pds_matched", "landline_number_verified"]),
        b in any::<bool>(),
    ) {
        let mut set = set;
        set.claims.insert(name.to_owned(), J::from(if b { "true" } else { "false" }));
        let checked = set.check_with_warnings().unwrap();
        prop_assert!(checked.claims().warnings.is_empty());
        prop_assert_eq!(checked.claims_value().get(name).and_then(Value::as_bool), Some(b));
    }
}

#[cfg(feature = "rsa")]
proptest! {
    // Each case signs a token with a 2048-bit key: fewer cases.
    #![proptest_config(config(32))]

    #[test]
    fn signed_claims_verify_to_the_same_claims(set in arb_claim_set()) {
        let jwks = nhs_login_client::Jwks::parse(
            common::jwks(&[common::jwk(0, Some("k1"), "")]).as_bytes(),
        ).unwrap();
        let token = common::sign(0, r#"{"alg":"RS512","typ":"JWT","kid":"k1"}"#, &set.payload());
        let untrusted = UntrustedToken::decode(&token).unwrap();
        prop_assert_eq!(untrusted.kid(), Some("k1"));
        let nonce = set.nonce.clone().map(Nonce::from);
        let check = match &nonce {
            Some(n) => NonceCheck::Expect(n),
            None => NonceCheck::ExpectNone,
        };
        let verified = set.verifier().verify(&token, &jwks, check, NOW);
        prop_assert!(verified.is_ok(), "{:?}", verified);
        let verified = verified.unwrap();
        check_typed(verified.claims(), &set.claims)?;
        // Signed or taken as signed, the same claims come out.
        prop_assert_eq!(verified, set.check_with_warnings().unwrap());
    }
}

// ---------------------------------------------------------------------------
// Regressions found while writing these tests
// ---------------------------------------------------------------------------

/// A JWS header is parsed before any key is used, so its size is up to the
/// attacker (64 KiB of token, about 6 000 members). The duplicate-name check
/// is linear per member, which made such a header quadratic to parse (about
/// 50 ms per token in a release build). Objects are now capped at 256 members
/// (src/json.rs MAX_MEMBERS), so the work per object is bounded: the hostile
/// header is refused as malformed, and ordinary headers still parse. (Bounded
/// by construction, checked here by the outcome, not by timing.)
#[test]
fn oversized_objects_are_refused_before_quadratic_work() {
    let mut header = String::from(r#"{"alg":"RS512""#);
    for i in 0.. {
        let member = format!(r#","{i:x}":0"#);
        if (header.len() + member.len() + 1) * 4 / 3 + 10 > 64 * 1024 {
            break;
        }
        header.push_str(&member);
    }
    header.push('}');
    let token = format!("{}.e30.c2ln", base64url::encode(header.as_bytes()));
    assert!(token.len() <= 64 * 1024);
    let err = UntrustedToken::decode(&token).unwrap_err();
    assert_eq!(err.code(), ErrorCode::MalformedToken);

    let mut ok = String::from(r#"{"alg":"RS512""#);
    for i in 0..255 {
        ok.push_str(&format!(r#","{i:x}":0"#));
    }
    ok.push('}');
    let token = format!("{}.e30.c2ln", base64url::encode(ok.as_bytes()));
    assert!(UntrustedToken::decode(&token).is_ok());
}

/// Numbers are the f64 nearest to their decimal text, including the cases the
/// first, hand-rolled conversion got wrong (a few ulps off, zero, or refused).
#[test]
fn json_numbers_are_correctly_rounded() {
    let long_fraction = format!("0.{}", "1".repeat(400));
    // Found by the json fuzz target: 1e-274 written with a long mantissa.
    let long_mantissa = format!("1{}e-400", "0".repeat(126));
    let long_zeros = format!("0.{}1e99", "0".repeat(320));
    let cases = [
        "1e308",
        "1.5e300",
        "1.2345678901234567e-300",
        "5e-324",
        "30000e-312",
        "0e400",
        "0.01e309",
        long_fraction.as_str(),
        long_mantissa.as_str(),
        long_zeros.as_str(),
    ];
    let mut wrong = Vec::new();
    for s in cases {
        let exact: f64 = s.parse().unwrap();
        let ours = json::parse(s.as_bytes()).and_then(|v| v.as_f64());
        if ours != Some(exact) {
            wrong.push(format!("{s}: {ours:?}, expected {exact:e}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
