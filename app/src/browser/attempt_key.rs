//! Idempotency keys: one per cart attempt, so a double tap or a retry never
//! starts a second payment.
//!
//! From `crypto.getRandomValues`, which browsers offer on every page, not
//! `crypto.randomUUID`, which they offer only in secure contexts: a store's
//! till on plain http under a LAN name (`http://kassa.local:3000`) must work.

/// A fresh idempotency key for one cart attempt (a random UUID, version 4).
pub fn new_attempt_key() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .is_some_and(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).is_ok());
    // Without randomness the server refuses the empty key, and says so.
    if filled {
        uuid_v4(bytes)
    } else {
        String::new()
    }
}

/// 16 random bytes as a version-4 UUID, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.
fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_become_a_version_4_uuid() {
        let key = uuid_v4([0xff; 16]);
        assert_eq!(key, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
        assert_eq!(key.len(), 36);
    }
}
