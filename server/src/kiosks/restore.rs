//! Kiosk screens survive a restart: every change is saved behind the
//! screen, and a starting Kassa shows each kiosk what it showed before.

use super::{Kiosks, Slot};
use crate::storage::{StorageError, StoredKioskScreen};
use domain::{Cart, CartInput, PaymentStatus};
use std::sync::Arc;

impl Kiosks {
    /// Saves the kiosk's screen without holding up the screen: saves may
    /// land out of order, and the storage keeps the newest revision.
    pub(super) fn save(&self, kiosk_id: &str, slot: &Slot) {
        let screen = StoredKioskScreen {
            kiosk_id: kiosk_id.to_string(),
            cart: slot
                .cart
                .as_ref()
                .map(|(id, input, _)| (id.clone(), serde_json::to_string(input).unwrap_or_default())),
            attempt: i64::from(slot.attempt),
            payment_id: slot.payment.as_ref().map(|p| p.id.clone()),
            last_paid_id: slot.last_paid.as_ref().map(|p| p.id.clone()),
            session: slot.session as i64,
            revision: slot.revision as i64,
        };
        let storage = self.service.storage().clone();
        tokio::spawn(async move {
            if let Err(error) = storage.save_kiosk_screen(&screen).await {
                tracing::error!(kiosk = %screen.kiosk_id, %error, "could not save the kiosk's screen");
            }
        });
    }

    /// Shows each kiosk what it showed before a restart: the basket and its
    /// payment, followed again while it is under way. One paid meanwhile is
    /// shown paid and then reset as any paid one; one that ended otherwise
    /// shows its end (Try again, or the idle reset). Kiosks no longer in
    /// the config are left out.
    pub async fn restore(self: &Arc<Self>) -> Result<usize, StorageError> {
        let mut restored = 0;
        for screen in self.service.storage().kiosk_screens().await? {
            let Ok(kiosk) = self.config(&screen.kiosk_id) else { continue };
            let Some(currency) = self.service.config().store(&kiosk.store).map(|store| store.currency) else {
                continue;
            };
            let cart = screen.cart.and_then(|(id, json)| {
                let input: CartInput = serde_json::from_str(&json).ok()?;
                let cart = Cart::validate(&input, currency).ok()?;
                Some((id, input, cart))
            });
            let shown = match &screen.payment_id {
                Some(id) => self.service.get(&kiosk.store, id).await.ok(),
                None => None,
            };
            let last_paid = match &screen.last_paid_id {
                Some(id) => self.service.get(&kiosk.store, id).await.ok(),
                None => None,
            };
            let mut slots = self.slots();
            let slot = slots.entry(kiosk.id.clone()).or_default();
            *slot = Slot {
                cart,
                attempt: screen.attempt.max(0) as u32,
                session: screen.session.max(0) as u64,
                revision: screen.revision.max(0) as u64,
                last_paid,
                ..Slot::default()
            };
            if let Some(payment) = shown {
                if !payment.status.is_final() {
                    slot.watch = Some(self.service.watch(&payment.id));
                } else if payment.status == PaymentStatus::Completed {
                    // Paid while Kassa was down: thanked, then the next shopper.
                    slot.last_paid = Some(payment.clone());
                    self.reset_once_paid_is_seen(&kiosk, &payment.id, slot.session);
                }
                slot.payment = Some(payment);
            }
            self.changed(&kiosk, slot);
            restored += 1;
        }
        Ok(restored)
    }
}
