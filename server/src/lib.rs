//! Kassa's server: services (payments, kiosks, sellers) that know no HTTP,
//! storage, the HTTP adapters, the app's ports, and start-up.

#![recursion_limit = "256"]

pub mod clock;
pub mod config;
pub mod crypto;
pub mod events;
pub mod guard;
pub mod http;
pub mod incident;
pub mod kiosks;
pub mod payments;
pub mod sellers;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod ui;
