//! An offline stand-in for Klarna's playground.
//!
//! It serves Klarna's API paths (Basic auth, the same bodies, status codes
//! and error envelope), the pages a shopper sees (payment page, QR image,
//! Distribution Module), and a control API under `/_sim` for tests. Mount
//! [`Simulator::router`] anywhere: at the root of its own port, or under a
//! prefix inside Kassa. `public_base` must be the URL it is reachable at,
//! because Klarna's responses carry absolute URLs.

mod api;
mod callbacks;
mod control;
mod pages;
mod qr;
pub mod state;

use axum::Router;
use serde::{Deserialize, Serialize};
use state::{Clock, Sessions};
use std::sync::{Arc, Mutex, MutexGuard};

/// Which Distribution Module interface a profile shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    /// For staff: a store associate or telesales agent.
    Seller,
    /// For the shopper at a self-checkout.
    Consumer,
}

/// How the Distribution Module may get the link to the shopper.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Qr,
    Sms,
    Email,
}

/// A Klarna-side profile: what the Distribution Module shows for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub id: String,
    pub view: View,
    pub channels: Vec<Channel>,
}

#[derive(Clone, Debug)]
pub struct SimulatorConfig {
    pub username: String,
    pub password: String,
    /// Absolute URL the router is reachable at, without a trailing slash.
    pub public_base: String,
    pub profiles: Vec<Profile>,
}

impl SimulatorConfig {
    /// The profiles Kassa's default config uses: `seller` and `consumer`.
    pub fn default_profiles() -> Vec<Profile> {
        vec![
            Profile {
                id: "seller".into(),
                view: View::Seller,
                channels: vec![Channel::Qr, Channel::Sms, Channel::Email],
            },
            Profile {
                id: "consumer".into(),
                view: View::Consumer,
                channels: vec![Channel::Qr, Channel::Sms],
            },
        ]
    }
}

/// The simulator; clones share one state.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

struct Inner {
    config: SimulatorConfig,
    sessions: Mutex<Sessions>,
    clock: Clock,
    callbacks: callbacks::Sender,
}

impl Simulator {
    pub fn new(mut config: SimulatorConfig) -> Simulator {
        config.public_base = config.public_base.trim_end_matches('/').to_string();
        Simulator {
            inner: Arc::new(Inner {
                config,
                sessions: Mutex::default(),
                clock: Clock::default(),
                callbacks: callbacks::Sender::new(),
            }),
        }
    }

    /// Klarna's API, the shopper's pages and the `/_sim` control API.
    pub fn router(&self) -> Router {
        Router::new()
            .merge(api::routes())
            .merge(pages::routes())
            .merge(control::routes())
            .with_state(self.clone())
    }

    /// Ids of every HPP session created so far, for tests and tools.
    pub fn hpp_session_ids(&self) -> Vec<String> {
        self.sessions().hpp.keys().cloned().collect()
    }

    fn config(&self) -> &SimulatorConfig {
        &self.inner.config
    }

    fn sessions(&self) -> MutexGuard<'_, Sessions> {
        // A panic elsewhere must not take the whole simulator down.
        self.inner
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    fn profile(&self, id: &str) -> Option<&Profile> {
        self.config().profiles.iter().find(|p| p.id == id)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config().public_base)
    }

    /// Applies a shopper's action and, on a change, sends the status callback.
    fn act(
        &self,
        session_id: &str,
        action: state::ConsumerAction,
    ) -> Result<ActionOutcome, ActionRefused> {
        let now = self.clock().now();
        let mut sessions = self.sessions();
        let session = sessions
            .hpp
            .get_mut(session_id)
            .filter(|s| !s.is_expired(now))
            .ok_or(ActionRefused::NotFound)?;
        let before = session.status.clone();
        let destination = session
            .apply(action, now)
            .map_err(ActionRefused::NotAllowed)?;
        let session = session.clone();
        if action == state::ConsumerAction::Authorize {
            if let Some(kp) = sessions.kp.get_mut(&session.kp_session_id) {
                // Klarna's order placement closes the KP session; with mode
                // NONE the merchant's place-order call does.
                kp.complete |= session.order_id.is_some();
            }
        }
        drop(sessions);
        if session.status != before {
            self.inner.callbacks.send(&session);
        }
        Ok(ActionOutcome {
            redirect: destination.and_then(|d| session.merchant_url(d)),
            status: session.status.clone(),
        })
    }
}

struct ActionOutcome {
    status: crate::wire::SessionStatus,
    redirect: Option<String>,
}

enum ActionRefused {
    NotFound,
    NotAllowed(String),
}

/// Runs the simulator alone, serving Klarna's paths at the root.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: SimulatorConfig,
) -> std::io::Result<()> {
    axum::serve(listener, Simulator::new(config).router()).await
}
