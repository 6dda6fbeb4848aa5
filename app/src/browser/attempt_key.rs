//! Idempotency keys: one per cart attempt, so a double tap or a retry never
//! starts a second payment.

/// A fresh idempotency key for one cart attempt.
pub fn new_attempt_key() -> String {
    web_sys::window().and_then(|window| window.crypto().ok()).map(|crypto| crypto.random_uuid()).unwrap_or_default()
}
