//! The messages distribution "sent", kept for tests and the outbox page.

use crate::wire::DistributionMethod;
use serde::Serialize;
use time::OffsetDateTime;

/// A message the simulator pretended to send.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutboxMessage {
    pub id: String,
    pub hpp_session_id: String,
    pub method: DistributionMethod,
    /// E-mail address, phone number, or access id.
    pub to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_country: Option<String>,
    /// The language the text is in (from the KP session's locale).
    pub language: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub text: String,
    /// The payment page link the message carries.
    pub link: String,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
}
