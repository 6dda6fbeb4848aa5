//! What a self-checkout kiosk screen is shown. The kiosk proves who it is
//! with an HttpOnly cookie set at enrolment ([`crate::cookies::KIOSK_COOKIE`]);
//! the server checks it on every call.

use serde::{Deserialize, Serialize};

pub use domain::kiosk::KioskView;
use domain::payment::{PaymentStatus, PaymentView};
use domain::{Cart, CartLine, Currency, MinorUnits};

/// What the kiosk's screen reads of a [`KioskView`] (the stream sends it
/// whole, as the API does): the browser reads only this, so it carries no
/// code to read what the screen never shows, such as a payment's problem.
/// Unknown fields are skipped, so the stream's `KioskView` reads as one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScreenState {
    pub store_name: String,
    pub currency: Currency,
    pub cart: Option<ScreenCart>,
    pub payment: Option<ScreenPayment>,
    pub idle_seconds: u32,
    pub reset_after_paid_seconds: u32,
    pub demo_basket: bool,
    pub session: u64,
    pub revision: u64,
    pub instance: String,
}

/// What the kiosk's screen shows of the shopper's basket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScreenCart {
    pub lines: Vec<ScreenLine>,
    pub order_amount: MinorUnits,
}

/// One line of the basket as the shopper sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScreenLine {
    pub name: String,
    pub quantity: u32,
    pub total_amount: MinorUnits,
}

/// What the kiosk's screen shows of the shopper's payment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScreenPayment {
    pub status: PaymentStatus,
    pub order_amount: MinorUnits,
    pub distribution_module_url: Option<String>,
    pub klarna_reference: Option<String>,
    /// RFC 3339 time of the last status change.
    pub updated_at: String,
}

impl From<KioskView> for ScreenState {
    fn from(view: KioskView) -> ScreenState {
        ScreenState {
            store_name: view.store_name,
            currency: view.currency,
            cart: view.cart.map(ScreenCart::from),
            payment: view.payment.map(ScreenPayment::from),
            idle_seconds: view.idle_seconds,
            reset_after_paid_seconds: view.reset_after_paid_seconds,
            demo_basket: view.demo_basket,
            session: view.session,
            revision: view.revision,
            instance: view.instance,
        }
    }
}

impl From<Cart> for ScreenCart {
    fn from(cart: Cart) -> ScreenCart {
        let line =
            |line: CartLine| ScreenLine { name: line.name, quantity: line.quantity, total_amount: line.total_amount };
        ScreenCart { lines: cart.lines.into_iter().map(line).collect(), order_amount: cart.order_amount }
    }
}

impl From<PaymentView> for ScreenPayment {
    fn from(payment: PaymentView) -> ScreenPayment {
        ScreenPayment {
            status: payment.status,
            order_amount: payment.order_amount,
            distribution_module_url: payment.distribution_module_url,
            klarna_reference: payment.klarna_reference,
            updated_at: payment.updated_at,
        }
    }
}

/// Why the screen forgets its shopper (for the log).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetReason {
    Cancel,
    Idle,
}

impl ResetReason {
    /// As a form field and the log spell it (serde's name).
    pub fn name(self) -> &'static str {
        match self {
            ResetReason::Cancel => "cancel",
            ResetReason::Idle => "idle",
        }
    }
}

/// What a shopper is told to do after a tap the server refused. The kiosk
/// learns only the refusal's HTTP status (`AppError::http_status` says why
/// in it): a passing fault is worth another tap, anything else needs staff.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NextStep {
    TryAgain,
    AskStaff,
}

impl NextStep {
    /// After a refusal with `status`; 0 means no answer came at all.
    pub fn after(status: u16) -> NextStep {
        match status {
            0 | 429 | 502 | 503 | 504 => NextStep::TryAgain,
            _ => NextStep::AskStaff,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AppError;
    use domain::Problem;

    #[cfg(feature = "ssr")]
    #[test]
    fn passing_faults_are_worth_another_tap_and_the_rest_needs_staff() {
        let next = |error: AppError| NextStep::after(error.http_status().as_u16());
        assert_eq!(next(AppError::Failed(Problem::KlarnaUnreachable)), NextStep::TryAgain);
        assert_eq!(next(AppError::Internal { error_id: "e1".into() }), NextStep::TryAgain);
        assert_eq!(next(AppError::Transport("offline".into())), NextStep::TryAgain);
        assert_eq!(next(AppError::Failed(Problem::KlarnaCredentials)), NextStep::AskStaff);
        assert_eq!(next(AppError::Forbidden("not a kiosk".into())), NextStep::AskStaff);
        assert_eq!(next(AppError::Failed(Problem::AlreadyPaid)), NextStep::AskStaff);
    }

    #[test]
    fn the_screen_reads_the_streams_kiosk_view_as_its_own_state() {
        let streamed = serde_json::json!({
            "kiosk_id": "kiosk-1", "store_name": "Lund", "currency": "SEK",
            "cart": {"currency": "SEK", "order_amount": 9180, "order_tax_amount": 984, "lines": [{
                "name": "Bread", "reference": null, "quantity": 2, "unit_price": 4590, "tax_rate": 1200,
                "discount": 0, "total_amount": 9180, "total_tax_amount": 984}]},
            "payment": {
                "id": "p-1", "store_id": "lund", "status": "declined", "currency": "SEK",
                "order_amount": 9180, "order_tax_amount": 984, "distribution_module_url": "https://dm.example/",
                "redirect_url": null, "qr_code_url": null, "expires_at": null, "order_id": null,
                "klarna_reference": "KR-1", "created_at": "2026-12-01T09:59:00.000Z",
                "updated_at": "2026-12-01T10:00:00.000Z",
                "problem": {"code": "klarna_refused", "reason": "declined"}},
            "idle_seconds": 90, "reset_after_paid_seconds": 8, "demo_basket": true,
            "session": 3, "revision": 7, "instance": "i-1"
        });
        let view: KioskView = serde_json::from_value(streamed.clone()).unwrap();
        let read: ScreenState = serde_json::from_value(streamed).unwrap();
        assert_eq!(read, ScreenState::from(view));
        let payment = read.payment.unwrap();
        assert_eq!((payment.status, payment.order_amount), (PaymentStatus::Declined, MinorUnits(9180)));
        let cart = read.cart.unwrap();
        assert_eq!((cart.lines[0].name.as_str(), cart.lines[0].total_amount), ("Bread", MinorUnits(9180)));
    }

    #[test]
    fn a_reason_is_named_as_serde_spells_it() {
        for reason in [ResetReason::Cancel, ResetReason::Idle] {
            assert_eq!(serde_json::to_string(&reason).unwrap(), format!("\"{}\"", reason.name()));
        }
    }

    #[test]
    fn no_answer_at_all_is_worth_another_tap() {
        assert_eq!(NextStep::after(0), NextStep::TryAgain);
        assert_eq!(NextStep::after(403), NextStep::AskStaff);
    }
}
