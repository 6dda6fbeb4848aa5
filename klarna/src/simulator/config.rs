//! How a simulator is set up: its credentials, public URL and the
//! Distribution Module profiles it knows.

use serde::{Deserialize, Serialize};

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
    /// The profiles Kassa's default config uses: `seller`, `telesales` (a
    /// seller view without QR: the shopper is on the phone) and `consumer`.
    pub fn default_profiles() -> Vec<Profile> {
        vec![
            Profile {
                id: "seller".into(),
                view: View::Seller,
                channels: vec![Channel::Qr, Channel::Sms, Channel::Email],
            },
            Profile { id: "telesales".into(), view: View::Seller, channels: vec![Channel::Sms, Channel::Email] },
            Profile { id: "consumer".into(), view: View::Consumer, channels: vec![Channel::Qr, Channel::Sms] },
        ]
    }
}
