//! A kiosk's screen follows its payment's events.

use super::Kiosks;
use crate::config::KioskConfig;
use domain::{PaymentStatus, PaymentView};
use std::sync::Arc;
use std::time::Duration;

impl Kiosks {
    /// A payment changed: the kiosk showing it shows the change.
    pub(super) fn on_payment(self: &Arc<Self>, view: &PaymentView) {
        let mut slots = self.slots();
        for (kiosk_id, slot) in slots.iter_mut() {
            if slot.payment.as_ref().is_none_or(|p| p.id != view.id || *p == *view) {
                continue;
            }
            let Ok(kiosk) = self.config(kiosk_id) else { continue };
            slot.payment = Some(view.clone());
            if view.status.is_final() {
                slot.watch = None;
            }
            if view.status == PaymentStatus::Completed {
                slot.last_paid = Some(view.clone());
                self.reset_once_paid_is_seen(&kiosk, &view.id, slot.session);
            }
            self.changed(&kiosk, slot);
        }
    }

    /// Leaves "Paid, thank you" on screen for the kiosk's
    /// `reset_after_paid_seconds`, then forgets the shopper (unless the
    /// screen moved on meanwhile).
    pub(super) fn reset_once_paid_is_seen(self: &Arc<Self>, kiosk: &KioskConfig, payment_id: &str, session: u64) {
        let (kiosks, kiosk_id, payment_id) = (self.clone(), kiosk.id.clone(), payment_id.to_string());
        let wait = Duration::from_secs(u64::from(kiosk.reset_after_paid_seconds));
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            let still_shown =
                kiosks.slots().get(&kiosk_id).is_some_and(|s| s.payment.as_ref().is_some_and(|p| p.id == payment_id));
            if still_shown {
                let _ = kiosks.reset(&kiosk_id, Some(session), "paid").await;
            }
        });
    }

    /// After missing events: every screen as saved, then every shown
    /// payment as it stands.
    pub(super) async fn catch_up(self: &Arc<Self>) {
        self.show_all_saved().await;
        self.reload_payments().await;
    }

    /// Re-reads every shown payment.
    async fn reload_payments(self: &Arc<Self>) {
        let shown: Vec<(String, String)> = self
            .slots()
            .iter()
            .filter_map(|(kiosk, slot)| Some((kiosk.clone(), slot.payment.as_ref()?.id.clone())))
            .collect();
        for (kiosk_id, payment_id) in shown {
            let Ok(kiosk) = self.config(&kiosk_id) else { continue };
            if let Ok(view) = self.service.get(&kiosk.store, &payment_id).await {
                self.on_payment(&view);
            }
        }
    }
}
