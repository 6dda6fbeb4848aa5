//! What screens and API clients may see of a payment: never the
//! authorization token or the callback secret.

use super::{requests, PaymentService};
use crate::clock::{local_rfc3339, rfc3339, store_zone};
use crate::storage::StoredPayment;
use domain::{CaptureStatus, PaymentStatus, PaymentView};
use klarna::wire::PlaceOrderMode;

impl PaymentService {
    pub fn view(&self, payment: &StoredPayment) -> PaymentView {
        let config = self.config();
        let hpp = payment.hpp.as_ref();
        let zone = store_zone(config.store(&payment.store_id));
        let expires = match payment.klarna_expires_at {
            Some(klarna) => klarna.min(payment.deadline_at),
            None => payment.deadline_at,
        };
        PaymentView {
            id: payment.id.clone(),
            store_id: payment.store_id.clone(),
            status: payment.status,
            currency: payment.cart.currency,
            order_amount: payment.cart.order_amount,
            order_tax_amount: payment.cart.order_tax_amount,
            distribution_module_url: hpp.and_then(|h| h.distribution_module.as_ref()).and_then(|module| {
                let profile = requests::profile(payment.door, config.store(&payment.store_id)?)?;
                module.standalone_url_for(&profile.profile_id, &profile.view_id)
            }),
            redirect_url: hpp.and_then(|h| h.redirect_url.clone()),
            qr_code_url: hpp.and_then(|h| h.qr_code_url.clone()),
            expires_at: rfc3339(expires),
            order_id: payment.order_id.clone(),
            klarna_reference: payment.klarna_reference.clone(),
            created_at: rfc3339(payment.created_at).unwrap_or_default(),
            updated_at: rfc3339(payment.updated_at).unwrap_or_default(),
            created_at_local: local_rfc3339(payment.created_at, &zone).unwrap_or_default(),
            updated_at_local: local_rfc3339(payment.updated_at, &zone).unwrap_or_default(),
            expires_at_local: local_rfc3339(expires, &zone),
            capture: shown_capture(payment),
            refunded_amount: domain::MinorUnits(payment.refunded_amount.max(0) as u64),
            problem: payment.problem.clone(),
        }
    }
}

/// The capture a screen shows: Kassa's own, or Klarna's when it captured
/// the order itself (CAPTURE_ORDER).
pub(super) fn shown_capture(payment: &StoredPayment) -> Option<CaptureStatus> {
    let klarna_captured =
        payment.status == PaymentStatus::Completed && payment.place_order_mode == PlaceOrderMode::CaptureOrder;
    if klarna_captured {
        Some(CaptureStatus::Captured)
    } else {
        payment.capture
    }
}

#[cfg(test)]
mod tests {
    use crate::storage::tests::payment;
    use crate::testing::service_on_simulator;

    #[tokio::test]
    async fn a_view_shows_no_secret_and_the_earlier_expiry() {
        let (service, _klarna) = service_on_simulator().await;
        let mut record = payment("p-1");
        record.store_id = "stockholm".into();
        record.authorization_token = Some("token-that-can-place-an-order".into());
        record.callback_secret_hash = "hash-of-the-callback-secret".into();
        record.deadline_at = 2_000;
        record.klarna_expires_at = Some(1_000);
        let view = service.view(&record);
        let json = serde_json::to_string(&view).unwrap();
        assert!(!json.contains("token-that-can") && !json.contains("hash-of-the"), "{json}");
        assert_eq!(view.expires_at.as_deref(), Some("1970-01-01T00:00:01.000Z"));
        assert_eq!(view.order_amount, record.cart.order_amount);
    }
}
