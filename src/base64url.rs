//! Base64url without padding (RFC 4648 §5), as JWS (RFC 7515 §2) and PKCE
//! (RFC 7636 §3) use it. Decoding is strict: no padding, no whitespace, no
//! characters outside the alphabet and no non-zero trailing bits, so that one
//! token has exactly one encoding.

#[allow(unused_imports)]
use crate::prelude::*;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Encodes bytes as base64url without padding.
pub fn encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            let index = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

/// The value of each base64url character; 0xFF for anything else.
const DECODE: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 64 {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Whether `input` is strict base64url without padding (the same rule as
/// [`decode`]), checked without allocating.
pub fn is_valid(input: &str) -> bool {
    let bytes = input.as_bytes();
    if bytes.len() % 4 == 1 || bytes.iter().any(|&c| DECODE[c as usize] == 0xFF) {
        return false;
    }
    // Non-canonical encodings (non-zero bits after the last byte) are rejected.
    match (bytes.len() % 4, bytes.last()) {
        (2, Some(&c)) => DECODE[c as usize] & 0x0F == 0,
        (3, Some(&c)) => DECODE[c as usize] & 0x03 == 0,
        _ => true,
    }
}

/// Decodes strict base64url without padding; `None` for anything else.
pub fn decode(input: &str) -> Option<Vec<u8>> {
    let bytes = input.as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in bytes {
        let v = DECODE[c as usize];
        if v == 0xFF {
            return None;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    // Non-canonical encodings (non-zero bits after the last byte) are rejected.
    (acc & ((1 << bits) - 1) == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_length() {
        let data: Vec<u8> = (0..=255u8).collect();
        for len in 0..data.len() {
            let enc = encode(&data[..len]);
            assert!(!enc.contains('='));
            assert_eq!(decode(&enc).as_deref(), Some(&data[..len]));
        }
    }

    #[test]
    fn rfc4648_vectors_in_url_alphabet() {
        // Examples that were doctests while the module was public.
        assert_eq!(encode(b"hi?"), "aGk_");
        assert_eq!(decode("aGk_"), Some(b"hi?".to_vec()));
        assert_eq!(decode("aGk/"), None);
        assert!(is_valid("aGk_"));
        assert!(!is_valid("Zh"));
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"f"), "Zg");
        assert_eq!(encode(b"fo"), "Zm8");
        assert_eq!(encode(b"foo"), "Zm9v");
        assert_eq!(encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn rejects_padding_std_alphabet_and_non_canonical() {
        assert_eq!(decode("Zg=="), None);
        assert_eq!(decode("+/8"), None);
        assert_eq!(decode("Zh"), None); // trailing bits set
        assert_eq!(decode("Z"), None); // impossible length
        assert_eq!(decode("Zm 9v"), None);
        assert!(
            is_valid("")
                && is_valid("Zg")
                && is_valid("Zm8")
                && !is_valid("Zm9=")
                && !is_valid("Zm-/")
        );
    }
}
