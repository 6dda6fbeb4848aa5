//! Klarna's Hosted Payment Page (HPP) and Klarna Payments (KP) APIs:
//! the wire types, a typed client, and (feature `simulator`) an offline
//! simulator that answers on the same paths with the same bodies.
//!
//! This crate knows nothing of Kassa's carts or stores; it speaks Klarna.

pub mod client;
pub mod wire;

#[cfg(feature = "simulator")]
pub mod simulator;

pub use client::{ApiBase, Credentials, KlarnaClient, KlarnaError, Region, RetryPolicy};
