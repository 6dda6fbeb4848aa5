//! View models the screens use besides the payment itself (which, with
//! its status, lives in `domain`): sessions, stores, link recipients.

use domain::Currency;
use serde::{Deserialize, Serialize};

pub use domain::payment::{LinkChannel, PaymentStatus, PaymentView};

/// An associate signed in to a store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerSession {
    pub store_id: String,
    pub associate: String,
}

/// What the sign-in page offers, in the language it speaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInChoices {
    pub stores: Vec<StoreChoice>,
    pub lang: crate::i18n::Lang,
}

/// A store an associate may sign in to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreChoice {
    pub id: String,
    pub name: String,
    /// The store's own language.
    pub lang: crate::i18n::Lang,
}

/// What the refund panel shows of a paid payment: what is left to give
/// back (money and items) and the refunds so far, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefundSheet {
    pub refundable: domain::Refundable,
    pub refunds: Vec<domain::RefundView>,
}

/// A refund as the seller view asks for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefundInput {
    /// One per confirmed refund: a retried tap is the same refund.
    pub key: String,
    /// Minor units; `None` with `lines`, or for all that is left.
    pub amount: Option<i64>,
    pub lines: Option<Vec<domain::ReturnedItems>>,
    pub reference: Option<String>,
}

/// The most payments a search for older payments answers.
pub const FOUND_LIMIT: u32 = 20;

/// The most payments Today's payments shows, besides every open one.
pub const TODAYS_LIST_LIMIT: u32 = 500;

/// Today's payments of a store, as the list shows them: the newest
/// [`TODAYS_LIST_LIMIT`] and every one still open.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TodaysList {
    pub payments: Vec<PaymentView>,
    /// Older payments of today are left out.
    pub older_left_out: bool,
}

/// The store a seller screen works for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoreSummary {
    pub id: String,
    pub name: String,
    /// Who is signed in (empty where nobody signs in, e.g. the demo shop).
    pub associate: String,
    pub currency: Currency,
    /// The language of the store's locale ("sv"): money and numbers are
    /// shown the store's way whatever language the screen speaks.
    pub money_language: String,
    /// The language the screen speaks: the device's choice, else the
    /// store's locale, else English.
    pub lang: crate::i18n::Lang,
    /// Ways the associate may get the link to the shopper besides the
    /// Distribution Module (from the store's config).
    pub channels: Vec<LinkChannel>,
    /// The country preselected for SMS.
    pub country: String,
}

impl StoreSummary {
    /// The shopper is not at the screen (telesales: no QR code among the
    /// channels), so sending the link by SMS or e-mail comes first.
    pub fn sends_first(&self) -> bool {
        !self.channels.is_empty() && !self.channels.contains(&LinkChannel::Qr)
    }
}

/// Where the associate asks Klarna to send the link. Checked again on the
/// server; the text fields are as typed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "lowercase")]
pub enum LinkRecipient {
    Sms { country: String, phone: String },
    Email { email: String },
}

/// `HH:MM` of an RFC 3339 time for screens: the store's wall clock when it
/// carries the store's offset (the `*_local` times), marked UTC otherwise.
pub fn clock_time(rfc3339: &str) -> String {
    let zone = if rfc3339.ends_with('Z') { " UTC" } else { "" };
    rfc3339.get(11..16).map(|hm| format!("{hm}{zone}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_time_reads_rfc3339() {
        assert_eq!(clock_time("2026-11-27T14:05:09.123Z"), "14:05 UTC");
        assert_eq!(clock_time("2026-11-27T15:05:09.123+01:00"), "15:05", "the store's own clock");
        assert_eq!(clock_time("garbage"), "");
    }
}
