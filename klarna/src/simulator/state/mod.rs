//! The simulator's sessions, behind one lock: KP and HPP sessions,
//! authorizations, orders, the outbox and stored idempotent answers.

mod hpp;
mod orders;

pub use hpp::{expand_placeholders, ConsumerAction, Destination, HppSession, HPP_LIFETIME};
pub use orders::{Authorization, AuthorizationState, Movement, OmRefusal, PlacedOrder, AUTHORIZATION_LIFETIME};

use super::outbox::OutboxMessage;
use crate::wire::{AcquiringChannel, PaymentSessionRequest};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::HashMap;
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

/// KP sessions live 48 h.
pub const KP_LIFETIME: Duration = Duration::hours(48);
/// Klarna keeps an idempotency key's first answer for 24 hours.
pub const IDEMPOTENCY_LIFETIME: Duration = Duration::hours(24);

/// Simulated time: real time plus whatever tests advanced it by.
#[derive(Debug, Default)]
pub struct Clock {
    offset: Mutex<Duration>,
}

impl Clock {
    pub fn now(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc() + *self.offset.lock().unwrap_or_else(|e| e.into_inner());
        // Klarna's timestamps carry milliseconds.
        now.replace_nanosecond(now.millisecond() as u32 * 1_000_000).unwrap_or(now)
    }

    pub fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }
}

#[derive(Clone, Debug)]
pub struct KpSession {
    pub id: String,
    pub request: PaymentSessionRequest,
    pub created_at: OffsetDateTime,
    pub complete: bool,
}

impl KpSession {
    pub fn expires_at(&self) -> OffsetDateTime {
        self.created_at + KP_LIFETIME
    }

    pub fn channel(&self) -> AcquiringChannel {
        self.request.acquiring_channel.unwrap_or_default()
    }
}

/// Calls whose `Klarna-Idempotency-Key` the simulator honours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdempotentCall {
    CreateHppSession,
    PlaceOrder,
    Capture,
    Refund,
}

/// The first answer to an idempotent call, replayed for its key.
#[derive(Clone, Debug)]
pub struct StoredAnswer {
    pub status: u16,
    pub body: serde_json::Value,
    /// Where what the call created lives (captures, refunds).
    pub location: Option<String>,
    pub stored_at: OffsetDateTime,
}

impl IntoResponse for StoredAnswer {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let mut response =
            if self.body.is_null() { status.into_response() } else { (status, Json(self.body)).into_response() };
        if let Some(location) = self.location.and_then(|l| l.parse().ok()) {
            response.headers_mut().insert(axum::http::header::LOCATION, location);
        }
        response
    }
}

/// Every session the simulator knows, behind one lock.
#[derive(Debug, Default)]
pub struct Sessions {
    pub kp: HashMap<String, KpSession>,
    pub hpp: HashMap<String, HppSession>,
    pub by_distribution: HashMap<String, String>,
    pub authorizations: HashMap<String, Authorization>,
    pub orders: Vec<PlacedOrder>,
    pub outbox: Vec<OutboxMessage>,
    pub answers: HashMap<(IdempotentCall, String), StoredAnswer>,
}

impl Sessions {
    /// An HPP session that has not expired; an expired one is gone for
    /// everyone but the merchant's read.
    pub fn live_hpp(&self, id: &str, now: OffsetDateTime) -> Option<&HppSession> {
        self.hpp.get(id).filter(|s| !s.is_expired(now))
    }

    pub fn live_hpp_mut(&mut self, id: &str, now: OffsetDateTime) -> Option<&mut HppSession> {
        self.hpp.get_mut(id).filter(|s| !s.is_expired(now))
    }

    /// The stored first answer for a key, if it is still within 24 h.
    pub fn replay(&self, call: IdempotentCall, key: Option<&str>, now: OffsetDateTime) -> Option<StoredAnswer> {
        let answer = self.answers.get(&(call, key?.to_string()))?;
        (now < answer.stored_at + IDEMPOTENCY_LIFETIME).then(|| answer.clone())
    }

    pub fn remember(
        &mut self,
        call: IdempotentCall,
        key: Option<&str>,
        status: u16,
        body: serde_json::Value,
        now: OffsetDateTime,
    ) {
        if let Some(key) = key {
            self.answers.insert((call, key.to_string()), StoredAnswer { status, body, location: None, stored_at: now });
        }
    }

    /// Remembers a 201 whose answer is only where the new thing lives.
    pub fn remember_created(&mut self, call: IdempotentCall, key: Option<&str>, location: &str, now: OffsetDateTime) {
        if let Some(key) = key {
            let answer = StoredAnswer {
                status: 201,
                body: serde_json::Value::Null,
                location: Some(location.into()),
                stored_at: now,
            };
            self.answers.insert((call, key.to_string()), answer);
        }
    }

    pub fn order_mut(&mut self, order_id: &str) -> Option<&mut PlacedOrder> {
        self.orders.iter_mut().find(|order| order.order_id == order_id)
    }
}
