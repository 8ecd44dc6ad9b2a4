//! The little URL handling the client needs, without a full URL parser:
//! form-urlencoding (WHATWG `application/x-www-form-urlencoded`), query
//! splitting and the https / loopback rule for endpoints and redirect URIs.

#[allow(unused_imports)]
use crate::prelude::*;

/// Appends `s` to `out`, percent-encoded for a query component. Unreserved
/// characters (RFC 3986 §2.3) stay as they are; everything else is `%XX`.
pub(crate) fn encode_into(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

/// Decodes one form-urlencoded component (`+` is a space). Invalid `%`
/// sequences are kept literally, as browsers do; a value that is not UTF-8
/// once decoded becomes a single U+FFFD (it can match no state or code).
pub(crate) fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |j: usize| bytes.get(j).and_then(|c| char::from(*c).to_digit(16));
                if let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2)) {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| String::from("\u{FFFD}"))
}

/// The query string of a URL (between `?` and `#`), or the input itself if it
/// has no scheme and no `?` (a bare query such as `code=...&state=...`).
pub(crate) fn query_of(url: &str) -> Option<&str> {
    let end = url.find('#').unwrap_or(url.len());
    let url = url.get(..end)?;
    if let Some(q) = url.find('?') {
        return url.get(q + 1..);
    }
    // Byte search instead of `contains("://")`, which pulls in the Two-Way searcher.
    let has_scheme = url.as_bytes().windows(3).any(|w| w == b"://");
    (!has_scheme && url.contains('=')).then_some(url)
}

/// Splits a query into decoded (name, value) pairs; empty pieces are skipped.
pub(crate) fn pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (decode(k), decode(v))
    })
}

/// Why a URL was refused by [`check_endpoint`].
pub(crate) const ENDPOINT_RULE: &str =
    "must be an absolute https URL without a fragment (http is allowed only for 127.0.0.1, [::1] and localhost)";

/// Checks that `url` is an absolute `https` URL, or `http` on a loopback host
/// (for local development and the local test provider), with a host, no
/// fragment, no credentials and no whitespace or control characters.
pub(crate) fn check_endpoint(url: &str) -> bool {
    if url.bytes().any(|b| b <= b' ' || b == 0x7f) || url.contains('#') {
        return false;
    }
    let lower = url.to_ascii_lowercase();
    let (rest, https) = if let Some(r) = lower.strip_prefix("https://") {
        (r, true)
    } else if let Some(r) = lower.strip_prefix("http://") {
        (r, false)
    } else {
        return false;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') || authority.contains('\\') {
        return false;
    }
    if https {
        return true;
    }
    let host = if authority.starts_with('[') {
        authority.split_inclusive(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    matches!(host, "127.0.0.1" | "[::1]" | "localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_decodes() {
        let mut s = String::new();
        encode_into(&mut s, "[\"P9.Cp.Cd\"] a&b=c/é");
        assert_eq!(s, "%5B%22P9.Cp.Cd%22%5D%20a%26b%3Dc%2F%C3%A9");
        assert_eq!(decode(&s), "[\"P9.Cp.Cd\"] a&b=c/é");
        assert_eq!(decode("a+b%2"), "a b%2");
        assert_eq!(decode("%zz"), "%zz");
    }

    #[test]
    fn finds_the_query() {
        assert_eq!(
            query_of("https://a/cb?code=1&state=2#frag"),
            Some("code=1&state=2")
        );
        assert_eq!(query_of("?code=1"), Some("code=1"));
        assert_eq!(query_of("code=1&state=2"), Some("code=1&state=2"));
        assert_eq!(query_of("https://a/cb"), None);
        let p: Vec<_> = pairs("a=1&&b=%20&c").collect();
        assert_eq!(
            p,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), " ".into()),
                ("c".into(), "".into())
            ]
        );
    }

    #[test]
    fn endpoint_rule() {
        for ok in [
            "https://auth.login.nhs.uk/authorize",
            "HTTPS://example.org",
            "http://127.0.0.1:3000/cb",
            "http://localhost/cb",
            "http://[::1]:8080/cb",
            "https://app.example/cb?x=1",
        ] {
            assert!(check_endpoint(ok), "{ok}");
        }
        for bad in [
            "http://example.org/cb",
            "http://127.0.0.1.evil.example/cb",
            "http://localhost.evil/cb",
            "https://app.example/cb#x",
            "https:///path",
            "https://user@app.example/",
            "javascript:alert(1)",
            "/relative",
            "https://app.example/a b",
            "",
        ] {
            assert!(!check_endpoint(bad), "{bad}");
        }
    }
}
