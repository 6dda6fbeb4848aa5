//! Why a payment failed or an action was refused, as a code. Screens word
//! it in the associate's language; `Display` is English for the server log
//! and the JSON API.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Problem {
    /// Klarna did not answer (network, timeout, 5xx); nothing was started.
    KlarnaUnreachable,
    /// Klarna asked Kassa to slow down (429); nothing was done.
    KlarnaBusy,
    /// Klarna refused the store's credentials.
    KlarnaCredentials,
    /// The Klarna session is gone (404).
    KlarnaSessionEnded,
    /// Klarna refused the request; `reason` is Klarna's own text.
    KlarnaRefused { reason: String },
    /// Klarna answered something Kassa cannot read.
    KlarnaUnexpected,
    /// The shopper was approved but Klarna refused to place the order.
    OrderRefused { klarna_code: String },
    /// Klarna no longer knows the payment link.
    LinkUnknownAtKlarna,
    /// The store's timeout withdrew the unpaid link.
    NotPaidInTime,
    /// The store cancelled; the link was withdrawn.
    CancelledByStore,
    /// Klarna did not confirm that the link was withdrawn: it may still be
    /// paid, so nothing that assumes it ended (a new link) went ahead.
    LinkStillLive,
    /// Kassa restarted before the link was made.
    RestartedBeforeLink,
    /// Klarna sends no text messages to that country.
    SmsCountryUnsupported,
    /// Klarna did not accept the phone number (`sms`) or e-mail address.
    RecipientRefused { sms: bool },
    /// The link to send has expired.
    LinkExpired,
    /// Klarna could not be reached to send the link.
    LinkNotSent,
    /// The payment is still being created at Klarna.
    StillCreating,
    /// The shopper has already paid.
    AlreadyPaid,
    /// The payment has ended; nothing can be sent or changed.
    PaymentEnded,
    /// The cart changed while its payment was being started.
    CartChanged,
    /// Kassa could not save to its database.
    StorageFailed,
    /// The associate's store is not in the config (any more).
    StoreNotConfigured,
    /// Too many wrong passwords for this name; wait before trying again.
    TooManySignIns { wait_seconds: u64 },
    /// Too many sign-ins at once for Kassa to check them all now.
    SignInBusy,
    /// Only a paid payment whose money is captured can be refunded.
    NotRefundable,
    /// Klarna refused a refund; `klarna_code` is its error code.
    RefundRefused { klarna_code: String },
    /// Anything else, already in words (English).
    Other { message: String },
}

impl Problem {
    /// Whether the same action may work if tried again a little later.
    pub fn retry_later(&self) -> bool {
        matches!(
            self,
            Problem::KlarnaUnreachable
                | Problem::KlarnaBusy
                | Problem::KlarnaUnexpected
                | Problem::LinkNotSent
                | Problem::StorageFailed
                | Problem::LinkStillLive
                | Problem::SignInBusy
        )
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::KlarnaUnreachable => {
                f.write_str("Klarna cannot be reached right now. Wait a moment and try again; no payment was started.")
            }
            Problem::KlarnaBusy => {
                f.write_str("Klarna is busy right now. Wait a moment and try again; nothing was changed.")
            }
            Problem::KlarnaCredentials => f.write_str(
                "Klarna refused this store's credentials. Ask an administrator to check the Klarna settings.",
            ),
            Problem::KlarnaSessionEnded => {
                f.write_str("The Klarna session has ended or expired. Start the payment again.")
            }
            Problem::KlarnaRefused { reason } => {
                write!(f, "Klarna did not accept the payment ({reason}). Check the cart and try again.")
            }
            Problem::KlarnaUnexpected => {
                f.write_str("Klarna answered in an unexpected way. Try again; if it keeps happening, contact support.")
            }
            Problem::OrderRefused { klarna_code } => write!(
                f,
                "Klarna approved the shopper but refused the order ({klarna_code}). No money was taken; start again."
            ),
            Problem::LinkUnknownAtKlarna => f.write_str("Klarna no longer knows this payment link; it has expired."),
            Problem::NotPaidInTime => f.write_str("Not paid in time; the link was withdrawn."),
            Problem::CancelledByStore => f.write_str("Cancelled by the store; the link was withdrawn."),
            Problem::LinkStillLive => f.write_str(
                "Klarna did not confirm that the link was withdrawn, so it may still be paid. Try again in a moment.",
            ),
            Problem::RestartedBeforeLink => {
                f.write_str("Kassa restarted before the payment link was made; start again.")
            }
            Problem::SmsCountryUnsupported => {
                f.write_str("Klarna cannot send a text message to that country. Use the QR code or e-mail.")
            }
            Problem::RecipientRefused { sms } => write!(
                f,
                "Klarna did not accept the {}. Check it with the shopper and send again.",
                if *sms { "phone number and country" } else { "e-mail address" }
            ),
            Problem::LinkExpired => f.write_str("The payment link has expired. Start the payment again."),
            Problem::LinkNotSent => {
                f.write_str("Klarna cannot be reached right now. Wait a moment and send again; the link was not sent.")
            }
            Problem::StillCreating => f.write_str("The payment is still being created; try again in a moment."),
            Problem::AlreadyPaid => f.write_str("The shopper has already paid."),
            Problem::PaymentEnded => f.write_str("This payment has ended; start a new one to send a link."),
            Problem::CartChanged => {
                f.write_str("This cart changed while it was being started. Press Start payment again.")
            }
            Problem::StorageFailed => f.write_str("Kassa could not save the payment. Try again in a moment."),
            Problem::StoreNotConfigured => f.write_str("This till's store is not configured. Ask an administrator."),
            Problem::TooManySignIns { wait_seconds } => {
                write!(f, "Too many wrong passwords. Wait {wait_seconds} seconds, then try again.")
            }
            Problem::SignInBusy => f.write_str("Kassa is busy signing others in. Try again in a few seconds."),
            Problem::NotRefundable => f.write_str(
                "Only a paid payment whose money is captured can be refunded. If it was paid just now, wait a moment.",
            ),
            Problem::RefundRefused { klarna_code } if klarna_code == "REFUND_NOT_ALLOWED" => write!(
                f,
                "Klarna would not refund this ({klarna_code}): the order may be refunded already or closed. \
                 Check the order in Klarna's merchant portal."
            ),
            Problem::RefundRefused { klarna_code } => write!(
                f,
                "Klarna refused the refund ({klarna_code}). Nothing was refunded; check the order in Klarna's \
                 merchant portal."
            ),
            Problem::Other { message } => f.write_str(message),
        }
    }
}
