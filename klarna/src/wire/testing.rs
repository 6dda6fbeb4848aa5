//! Helpers for the wire types' tests.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Parses `body`, and checks that writing and reading it again changes nothing.
pub fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + fmt::Debug>(body: &str) -> T {
    let parsed: T = serde_json::from_str(body).unwrap();
    let again: T = serde_json::from_str(&serde_json::to_string(&parsed).unwrap()).unwrap();
    assert_eq!(parsed, again);
    parsed
}
