//! The few cryptographic primitives Kassa uses: argon2 password hashes,
//! random tokens, SHA-256 digests, HMAC and constant-time comparison. A leaf
//! module (it imports nothing from the crate), so config and auth can both
//! use it without depending on each other.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A PHC-format argon2id hash of `password`, for the config file.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string()).map_err(|e| e.to_string())
}

/// Whether `password` matches a stored PHC hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Whether `hash` is a PHC-format password hash at all (cheap: no hashing).
pub fn is_password_hash(hash: &str) -> bool {
    PasswordHash::new(hash).is_ok()
}

/// `bytes` random bytes from the operating system, as lower-case hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    // Without randomness no token or secret would be safe; nothing sensible
    // can go on.
    getrandom::fill(&mut buffer).expect("the operating system's random source failed");
    hex(&buffer)
}

/// The SHA-256 of `text`, as lower-case hex: how tokens and keys are stored.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// HMAC-SHA256 of `message` under `key`, as lower-case hex: a secret that
/// anyone holding the key derives again, and nobody without it can guess.
pub fn hmac_sha256_hex(key: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(message.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// Compares two secrets so that the time taken reveals nothing of where
/// they differ (only whether their lengths do).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_and_depends_on_key_and_message() {
        // RFC 4231, test case 2.
        assert_eq!(
            hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_ne!(hmac_sha256_hex("k1", "m"), hmac_sha256_hex("k2", "m"));
        assert_ne!(hmac_sha256_hex("k1", "m1"), hmac_sha256_hex("k1", "m2"));
    }

    #[test]
    fn hashes_verify_only_their_password() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(is_password_hash(&hash));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("Correct horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        assert!(!is_password_hash("hunter2"));
        assert_ne!(hash, hash_password("correct horse").unwrap(), "each hash has its own salt");
    }

    #[test]
    fn random_hex_has_the_asked_length_and_differs() {
        let token = random_hex(32);
        assert_eq!(token.len(), 64);
        assert!(token.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(token, random_hex(32));
        assert_eq!(random_hex(0), "");
    }

    #[test]
    fn sha256_hex_is_the_standard_digest() {
        assert_eq!(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn constant_time_eq_is_plain_equality() {
        assert!(constant_time_eq("secret", "secret"));
        assert!(!constant_time_eq("secret", "Secret"));
        assert!(!constant_time_eq("secret", "secret2"));
        assert!(constant_time_eq("", ""));
    }
}
