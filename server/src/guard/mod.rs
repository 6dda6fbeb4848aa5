//! Limits that keep an anonymous client from wearing a store down: a
//! budget of failed sign-ins and keys per client address. No HTTP here:
//! the address is the adapter's to find.

mod failures;

pub use failures::{client_key, FailureLimit};
