//! Kiosk screens survive a restart: every change is saved behind the
//! screen, and a starting Kassa shows each kiosk what it showed before.

use super::{Kiosks, Slot};
use crate::storage::{StorageError, StoredKioskScreen};
use domain::{Cart, CartInput, PaymentStatus};
use std::sync::Arc;

/// A kiosk whose payment was paid while Kassa was down: the payment and
/// the shopper's session, to reset after the thanks.
type PaidMeanwhile = (crate::config::KioskConfig, String, u64);

impl Kiosks {
    /// Saves the kiosk's screen without holding up the screen (saves may
    /// land out of order; the storage keeps the newest revision), then
    /// tells the other instances.
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
        let service = self.service.clone();
        let saving = tokio::spawn(async move {
            match service.storage().save_kiosk_screen(&screen).await {
                Ok(()) => service.announce_kiosk(&screen.kiosk_id).await,
                Err(error) => tracing::error!(kiosk = %screen.kiosk_id, %error, "could not save the kiosk's screen"),
            }
        });
        let mut saving_now = self.saving.lock().unwrap_or_else(|e| e.into_inner());
        let pending = saving_now.entry(kiosk_id.to_string()).or_default();
        pending.retain(|task| !task.is_finished());
        pending.push(saving);
    }

    /// Waits until every change made here to the kiosk's screen is saved
    /// (and told to the other instances), so whatever instance the next
    /// request reaches starts from it.
    pub(super) async fn saved(&self, kiosk_id: &str) {
        let pending = self.saving.lock().unwrap_or_else(|e| e.into_inner()).remove(kiosk_id).unwrap_or_default();
        for task in pending {
            let _ = task.await;
        }
    }

    /// Before acting for a kiosk: takes up the screen another instance
    /// saved, if it is newer than this instance's (PostgreSQL only; on
    /// SQLite this instance is the only one).
    pub(super) async fn sync(&self, kiosk_id: &str) {
        if self.service.storage().backend() == crate::storage::Backend::Postgres {
            self.show_saved(kiosk_id).await;
        }
    }

    /// Shows each kiosk what it showed before a restart: the basket and its
    /// payment, followed again while it is under way. One paid meanwhile is
    /// shown paid and then reset as any paid one; one that ended otherwise
    /// shows its end (Try again, or the idle reset). Kiosks no longer in
    /// the config are left out.
    pub async fn restore(self: &Arc<Self>) -> Result<usize, StorageError> {
        let mut restored = 0;
        for screen in self.service.storage().kiosk_screens().await? {
            let Some(paid) = self.put_on_screen(screen, true).await else { continue };
            if let Some((kiosk, payment_id, session)) = paid {
                // Paid while Kassa was down: thanked, then the next shopper.
                self.reset_once_paid_is_seen(&kiosk, &payment_id, session);
            }
            restored += 1;
        }
        Ok(restored)
    }

    /// Another instance saved this kiosk's screen: shown here too, unless
    /// this instance has shown that revision or a later one already.
    pub(super) async fn show_saved(&self, kiosk_id: &str) {
        let screen = match self.service.storage().kiosk_screen(kiosk_id).await {
            Ok(Some(screen)) => screen,
            Ok(None) => return,
            Err(error) => return tracing::warn!(kiosk = %kiosk_id, %error, "could not read the kiosk's saved screen"),
        };
        let shown = self.slots().get(kiosk_id).map_or(0, |slot| slot.revision);
        if screen.revision.max(0) as u64 > shown {
            self.put_on_screen(screen, false).await;
        }
    }

    /// After changes may have been missed: every kiosk as saved.
    pub(super) async fn show_all_saved(&self) {
        let kiosks: Vec<String> = self.service.config().kiosks.iter().map(|kiosk| kiosk.id.clone()).collect();
        for kiosk_id in kiosks {
            self.show_saved(&kiosk_id).await;
        }
    }

    /// Puts a saved screen on the kiosk (`None`: not a kiosk of the
    /// config). At a start (`restart`) it counts as a change of its own,
    /// and a payment found paid meanwhile is answered, to be reset after
    /// the thanks; otherwise the saving instance did both.
    async fn put_on_screen(&self, screen: StoredKioskScreen, restart: bool) -> Option<Option<PaidMeanwhile>> {
        let kiosk = self.config(&screen.kiosk_id).ok()?;
        let currency = self.service.config().store(&kiosk.store).map(|store| store.currency)?;
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
        let mut paid = None;
        if let Some(payment) = shown {
            if !payment.status.is_final() {
                slot.watch = Some(self.service.watch(&payment.id));
            } else if payment.status == PaymentStatus::Completed && restart {
                slot.last_paid = Some(payment.clone());
                paid = Some((kiosk.clone(), payment.id.clone(), slot.session));
            }
            slot.payment = Some(payment);
        }
        if restart {
            self.changed(&kiosk, slot);
        } else {
            self.show(&kiosk, slot);
        }
        Some(paid)
    }
}
