//! The names a payment is known by, each with one parse rule.

use crate::FieldProblem;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! text_key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = FieldProblem;
            fn try_from(text: String) -> Result<Self, FieldProblem> {
                $name::parse(&text)
            }
        }

        impl From<$name> for String {
            fn from(key: $name) -> String {
                key.0
            }
        }
    };
}

text_key!(
    /// Kassa's own id of a payment (a UUID when Kassa makes it).
    PaymentId
);
text_key!(
    /// The idempotency key of a start: the same key always means the same
    /// payment, whichever door it came in by (the API's `Idempotency-Key`,
    /// the till's per-cart attempt, the kiosk's basket attempt).
    AttemptKey
);
text_key!(
    /// The till's or POS's own id for a cart: while a payment for it is
    /// live, starting again returns that payment.
    CartRef
);

/// Longest id, key or reference accepted (Klarna's merchant references
/// allow 255 characters).
pub const MAX_KEY_LENGTH: usize = 255;

impl PaymentId {
    /// Letters, digits and '-', at most 64: anything else names no payment.
    pub fn parse(text: &str) -> Result<PaymentId, FieldProblem> {
        let ok = (1..=64).contains(&text.len()) && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if ok {
            Ok(PaymentId(text.to_string()))
        } else {
            Err(FieldProblem::Other { message: "is not a payment id".into() })
        }
    }
}

impl AttemptKey {
    /// 1 to 255 visible ASCII characters, surrounding spaces trimmed.
    pub fn parse(text: &str) -> Result<AttemptKey, FieldProblem> {
        let key = text.trim();
        if (1..=MAX_KEY_LENGTH).contains(&key.len()) && key.chars().all(|c| c.is_ascii_graphic()) {
            Ok(AttemptKey(key.to_string()))
        } else {
            Err(FieldProblem::Other { message: format!("must be 1 to {MAX_KEY_LENGTH} visible characters") })
        }
    }
}

/// How long an attempt key stands for its payment (as Stripe's idempotency
/// keys do): a POS that reuses `order-1001` next month starts a new payment.
pub const ATTEMPT_KEY_LIFETIME_MS: i64 = 24 * 60 * 60 * 1000;

impl AttemptKey {
    /// Whether the key of a payment created at `created_at` (Unix ms) may
    /// start a new payment at `now`: once its lifetime is over and the
    /// payment has ended. A payment that may still be paid keeps its key.
    pub fn expired(created_at: i64, now: i64, status: crate::PaymentStatus) -> bool {
        now - created_at >= ATTEMPT_KEY_LIFETIME_MS && status.is_final()
    }

    /// What an expired key's payment keeps instead: with spaces, which no
    /// key a client sends may hold, so it never answers a new start.
    pub fn retired(&self, payment_id: &str) -> String {
        format!("{} expired {payment_id}", self.0)
    }
}

impl CartRef {
    /// 1 to 255 bytes of any text.
    pub fn parse(text: &str) -> Result<CartRef, FieldProblem> {
        if (1..=MAX_KEY_LENGTH).contains(&text.len()) {
            Ok(CartRef(text.to_string()))
        } else {
            Err(FieldProblem::Other { message: format!("must be 1 to {MAX_KEY_LENGTH} characters") })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_has_one_rule() {
        assert!(PaymentId::parse("0b5e1c9e-7f3a-4c2d-9d1e-3f1a2b3c4d5e").is_ok());
        for bad in ["", "../etc", "a b", &"a".repeat(65)] {
            assert!(PaymentId::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(AttemptKey::parse(" order-1001 ").unwrap().as_str(), "order-1001");
        for bad in ["", "   ", "two words", "ä", &"k".repeat(256)] {
            assert!(AttemptKey::parse(bad).is_err(), "{bad:?}");
        }
        assert!(CartRef::parse("till 3 / cart 9").is_ok());
        assert!(CartRef::parse("").is_err());
        assert!(CartRef::parse(&"c".repeat(256)).is_err());
    }

    #[test]
    fn a_key_expires_a_day_after_its_payment_ended_and_never_while_it_is_live() {
        use crate::PaymentStatus::{Completed, Failed, Waiting};
        let day = ATTEMPT_KEY_LIFETIME_MS;
        assert!(!AttemptKey::expired(0, day - 1, Completed));
        assert!(AttemptKey::expired(0, day, Completed));
        assert!(AttemptKey::expired(0, 30 * day, Failed));
        assert!(!AttemptKey::expired(0, 30 * day, Waiting), "a link that may be paid keeps its key");
        let retired = AttemptKey::parse("order-1001").unwrap().retired("p-1");
        assert!(AttemptKey::parse(&retired).is_err(), "no client key equals a retired one: {retired}");
    }

    #[test]
    fn keys_read_from_json_by_the_same_rule() {
        let key: AttemptKey = serde_json::from_str("\"k-1\"").unwrap();
        assert_eq!(key.to_string(), "k-1");
        assert!(serde_json::from_str::<AttemptKey>("\"\"").is_err());
    }
}
