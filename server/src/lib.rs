//! Kassa's server: configuration, payments and their tracking, the JSON
//! API, Klarna's callbacks, live events, and the axum wiring.

#![recursion_limit = "256"]

pub mod api;
pub mod auth;
pub mod callbacks;
pub mod checkout;
pub mod config;
pub mod crypto;
pub mod events;
pub mod kiosk;
pub mod payments;
pub mod storage;
pub mod testing;
mod ui_backend;
pub mod web;
