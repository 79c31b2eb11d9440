//! Device tokens and enrolment codes: made from the OS random source, shown once, stored only as
//! SHA-256 hashes, so a copy of the database cannot be used to impersonate a device.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use sha2::{Digest, Sha256};

/// A new device token: 32 random bytes, base64url without padding.
pub fn new_device_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Letters for enrolment codes: no 0/O, 1/I/L, so a code read aloud over the phone survives.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A new one-time enrolment code: 10 characters in two groups (`K7QX2-M9PRA`), about 49 bits.
pub fn new_enrolment_code() -> String {
    let mut rng = rand::rng();
    let chars: String = (0..10)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// The canonical form of a typed code: upper case, no spaces or dashes.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// SHA-256 of a secret, hex: what the database keeps.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_typable_and_normalize_to_the_same_hash() {
        let code = new_enrolment_code();
        assert_eq!(code.len(), 11, "five, a dash, five");
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(
            hash_secret(&normalize_code(&code)),
            hash_secret(&normalize_code(&typed)),
            "a code typed in lower case with a space must still match"
        );
        assert_ne!(new_device_token(), new_device_token());
    }
}
