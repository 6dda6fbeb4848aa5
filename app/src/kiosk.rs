//! What a self-checkout kiosk screen is shown. The kiosk proves who it is
//! with an HttpOnly cookie set at enrolment ([`crate::cookies::KIOSK_COOKIE`]);
//! the server checks it on every call.

use serde::{Deserialize, Serialize};

pub use domain::kiosk::KioskView;

/// Why the screen forgets its shopper (for the log).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetReason {
    Cancel,
    Idle,
}
