//! Changes across instances on one PostgreSQL: every committed change is
//! announced (`NOTIFY`); each instance hears the others' notices, reads
//! the changed state from the database and publishes it to its own
//! screens. After the link was lost, screens are told to read everything
//! again (`Resync`), since notices meanwhile were not kept.

use super::PaymentService;
use crate::events::Change;
use std::sync::Arc;
use std::time::Duration;

/// What a notice says changed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Notice<'a> {
    Payment(&'a str),
    Refund(&'a str),
    /// A kiosk's screen was saved.
    Kiosk(&'a str),
    /// A payment is due now: trackers look at once.
    Due,
}

impl Notice<'_> {
    /// `{instance} {kind} {id}`: a few dozen bytes, well within PostgreSQL's 8,000.
    fn encode(&self, instance: i64) -> String {
        match self {
            Notice::Payment(id) => format!("{instance} payment {id}"),
            Notice::Refund(id) => format!("{instance} refund {id}"),
            Notice::Kiosk(id) => format!("{instance} kiosk {id}"),
            Notice::Due => format!("{instance} due -"),
        }
    }

    fn decode(text: &str) -> Option<(i64, Notice<'_>)> {
        let mut parts = text.splitn(3, ' ');
        let instance = parts.next()?.parse().ok()?;
        let notice = match (parts.next()?, parts.next()?) {
            ("payment", id) => Notice::Payment(id),
            ("refund", id) => Notice::Refund(id),
            ("kiosk", id) => Notice::Kiosk(id),
            ("due", _) => Notice::Due,
            _ => return None,
        };
        Some((instance, notice))
    }
}

/// Wait before listening again after the link to PostgreSQL was lost.
const RELISTEN_AFTER: Duration = Duration::from_secs(1);

impl PaymentService {
    /// Tells the other instances (nothing on SQLite). A lost notice costs
    /// a screen on another instance its live update until the next change
    /// or resync, never the change itself: it is committed already.
    pub(super) async fn announce(&self, notice: Notice<'_>) {
        if let Err(error) = self.storage.notify(&notice.encode(self.instance())).await {
            tracing::warn!(%error, ?notice, "could not tell the other instances of a change");
        }
    }

    /// Every instance's tracker looks for due payments now.
    pub(super) async fn wake_every_instance(&self) {
        self.announce(Notice::Due).await;
    }

    /// A kiosk's screen was saved here: the other instances show it too.
    pub async fn announce_kiosk(&self, kiosk_id: &str) {
        self.announce(Notice::Kiosk(kiosk_id)).await;
    }

    /// Starts hearing the other instances' notices (on PostgreSQL; nothing
    /// on SQLite) and returns once listening, so a screen served from now
    /// on misses no change; then relays them in the background.
    pub async fn start_relay(self: Arc<Self>) -> tokio::task::JoinHandle<()> {
        let listening = match self.storage.listen().await {
            Ok(None) => return tokio::spawn(async {}),
            Ok(Some(notices)) => Some(notices),
            Err(error) => {
                tracing::warn!(%error, "cannot listen for the other instances' changes yet; trying again");
                None
            }
        };
        tokio::spawn(self.run_relay(listening))
    }

    /// Relays notices for ever, listening again (and telling screens to
    /// read their state again) whenever the link was lost.
    async fn run_relay(self: Arc<Self>, mut listening: Option<crate::storage::Notices>) {
        loop {
            let mut notices = match listening.take() {
                Some(notices) => notices,
                None => match self.storage.listen().await {
                    Ok(Some(notices)) => {
                        tracing::info!("listening to the other instances again; screens read their state again");
                        self.events.publish_change(Change::Resync);
                        notices
                    }
                    Ok(None) => return,
                    Err(error) => {
                        tracing::warn!(%error, "cannot listen for the other instances' changes; trying again");
                        tokio::time::sleep(RELISTEN_AFTER).await;
                        continue;
                    }
                },
            };
            loop {
                match notices.next().await {
                    Ok(Some(text)) => self.relay(&text).await,
                    Ok(None) => break,
                    Err(error) => {
                        tracing::warn!(%error, "lost the other instances' changes for a moment");
                        break;
                    }
                }
            }
            crate::telemetry::relay_lost();
            tokio::time::sleep(RELISTEN_AFTER).await;
        }
    }

    async fn relay(&self, text: &str) {
        let Some((from, notice)) = Notice::decode(text) else {
            return tracing::warn!(notice = text, "a notice Kassa does not know; ignored");
        };
        // This instance published its own changes when it made them (a
        // payment's, sent by the database as instance 0, is read again and
        // published only if it says something new).
        if from == self.instance() {
            return;
        }
        match notice {
            Notice::Payment(id) => {
                if let Ok(Some(payment)) = self.storage.get(id).await {
                    self.publish(&payment);
                }
            }
            Notice::Refund(id) => {
                let Ok(Some(refund)) = self.storage.refund(id).await else { return };
                if let Ok(Some(payment)) = self.storage.get(&refund.payment_id).await {
                    self.events.publish_refund(&payment.store_id, self.refund_view(&payment, &refund));
                }
            }
            Notice::Kiosk(id) => self.events.publish_change(Change::KioskSaved(id.to_string())),
            Notice::Due => self.schedule.wake.notify_one(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_read_back_as_sent_and_junk_is_refused() {
        for notice in [Notice::Payment("p-1"), Notice::Refund("r 2"), Notice::Kiosk("k"), Notice::Due] {
            assert_eq!(Notice::decode(&notice.encode(42)), Some((42, notice)));
        }
        for junk in ["", "x payment p", "1 nonsense p", "1 payment"] {
            assert_eq!(Notice::decode(junk), None, "{junk:?}");
        }
    }
}
