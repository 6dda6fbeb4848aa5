//! Payments from start to end: created at Klarna exactly once per attempt,
//! persisted before and after every Klarna call, followed by callbacks and
//! polling through one state machine, the order placed exactly once, and
//! every change pushed to the screens that wait for it.
//!
//! Nothing here knows HTTP: callers get domain types and [`PaymentError`].

mod advice;
mod callbacks;
mod capture;
mod change;
mod follow;
mod health;
mod links;
mod lost_answers;
mod poller;
mod refunds;
mod relay;
mod requests;
mod retry_queue;
mod start;
mod view;
pub mod web;
mod withdraw;

pub use advice::{distribution_advice, klarna_advice};
pub use change::{Source, StatusChange};
pub use domain::LinkTarget;
pub use health::{Check, Health};
pub use poller::WatchGuard;
pub use refunds::{RefundAsk, Refunded};
pub use start::{StartRequest, Started};

use crate::config::LiveConfig;
use crate::config::{Config, StoreConfig};
use crate::events::EventHub;
use crate::storage::{Storage, StorageError, StoredPayment, Updated};
use domain::PaymentView;
use domain::{FieldErrors, PaymentId, Problem};
use klarna::{KlarnaClient, KlarnaError};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// Payments whose last published state is remembered (about a kilobyte each).
const MAX_REMEMBERED_PUBLISHED: usize = 10_000;

/// Klarna reads in flight at once, across all payments.
const MAX_CONCURRENT_READS: usize = 16;

/// A page of a store's payments, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct PaymentPage {
    pub payments: Vec<PaymentView>,
    /// More payments follow the last one.
    pub has_more: bool,
}

/// Why a payment operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("unknown store {0:?}")]
    UnknownStore(String),
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("this idempotency key was used for a different cart")]
    KeyReused,
    /// The cart reference has a live payment for a different cart.
    #[error("this cart_ref has a live payment for a different cart")]
    CartRefInUse,
    #[error("payment not found")]
    NotFound,
    #[error("{0}")]
    Conflict(Problem),
    /// Klarna did not confirm that the link was withdrawn (and a fresh read
    /// did not prove it ended): it may still be paid.
    #[error("the link may still be paid: {0}")]
    NotWithdrawn(KlarnaError),
    #[error(transparent)]
    Klarna(#[from] KlarnaError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

pub struct PaymentService {
    klarna: KlarnaClient,
    config: LiveConfig,
    storage: Storage,
    events: EventHub,
    schedule: poller::Schedule,
    reads: Semaphore,
    klarna_reads: AtomicU64,
    /// When the tracker last went round its loop (Unix ms; 0: not started).
    tracker_beat: std::sync::atomic::AtomicI64,
    /// Payments whose order this process is placing now: one at a time each.
    placing: Mutex<HashSet<String>>,
    /// Captures due, and those this process is making now.
    captures: retry_queue::RetryQueue,
    /// Refunds Klarna has not answered yet, and those being asked now.
    refunds: retry_queue::RetryQueue,
    refunding: Mutex<HashSet<String>>,
    capturing: Mutex<HashSet<String>>,
    /// Withdrawals asked for and not confirmed yet (mirrors `withdrawals_due`,
    /// so the tracker's every check need not ask the database).
    withdrawals: Mutex<HashSet<String>>,
    /// The last probe of Klarna for readiness, reused for a while.
    klarna_probe: health::KlarnaProbe,
    /// The installation's key for callback secrets, read once from storage.
    callback_key: tokio::sync::OnceCell<String>,
    /// The last state of each payment published here, so a re-read of
    /// another instance's change never repeats or undoes one (bounded).
    published: Mutex<std::collections::HashMap<String, (i64, PaymentView)>>,
    /// Says this instance is alive to the others, from `resume` on.
    instance_lock: tokio::sync::OnceCell<crate::storage::InstanceLock>,
}

impl PaymentService {
    /// The configuration it is given is the one in force; a reload swaps it
    /// for every service that shares it (see [`PaymentService::live_config`]).
    pub fn new(klarna: KlarnaClient, config: Arc<Config>, storage: Storage) -> PaymentService {
        PaymentService {
            klarna,
            config: LiveConfig::new(config),
            storage,
            events: EventHub::default(),
            schedule: poller::Schedule::default(),
            reads: Semaphore::new(MAX_CONCURRENT_READS),
            klarna_reads: AtomicU64::new(0),
            tracker_beat: std::sync::atomic::AtomicI64::new(0),
            placing: Mutex::default(),
            captures: retry_queue::RetryQueue::default(),
            refunds: retry_queue::RetryQueue::default(),
            refunding: Mutex::default(),
            capturing: Mutex::default(),
            withdrawals: Mutex::default(),
            klarna_probe: health::KlarnaProbe::default(),
            callback_key: tokio::sync::OnceCell::new(),
            instance_lock: tokio::sync::OnceCell::new(),
            published: Mutex::default(),
        }
    }

    /// The configuration in force now.
    pub fn config(&self) -> Arc<Config> {
        self.config.get()
    }

    pub fn live_config(&self) -> &LiveConfig {
        &self.config
    }

    /// Puts a new configuration in force without a restart. Refused (and
    /// the old one kept) when it changes what only a restart can change, or
    /// drops a store that still has open payments.
    pub async fn replace_config(&self, new: Config) -> Result<(), String> {
        let open = self.storage.open_payments().await.map_err(|e| e.to_string())?;
        let stores_in_use = open.iter().map(|payment| payment.store_id.as_str());
        if let Some(why) = crate::config::reload_refusal(&self.config(), &new, stores_in_use) {
            return Err(why);
        }
        self.config.replace(new);
        Ok(())
    }

    pub fn events(&self) -> &EventHub {
        &self.events
    }

    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// How many HPP reads Klarna has answered (or failed), for the benchmark
    /// and tests.
    pub fn klarna_reads(&self) -> u64 {
        self.klarna_reads.load(Ordering::Relaxed)
    }

    fn store(&self, id: &str) -> Result<StoreConfig, PaymentError> {
        self.config().store(id).cloned().ok_or_else(|| PaymentError::UnknownStore(id.into()))
    }

    /// A payment of this store, as stored.
    async fn stored(&self, store_id: &str, id: &str) -> Result<StoredPayment, PaymentError> {
        let id = PaymentId::parse(id).map_err(|_| PaymentError::NotFound)?;
        self.storage.get(id.as_str()).await?.filter(|p| p.store_id == store_id).ok_or(PaymentError::NotFound)
    }

    /// The payment as last recorded.
    pub async fn get(&self, store_id: &str, id: &str) -> Result<PaymentView, PaymentError> {
        Ok(self.view(&self.stored(store_id, id).await?))
    }

    /// A store's payments, of any day, whose Klarna reference or id is
    /// `text` or whose amount is `amount`: newest first, at most `limit`.
    pub async fn find(
        &self,
        store_id: &str,
        text: &str,
        amount: Option<domain::MinorUnits>,
        limit: u32,
    ) -> Result<Vec<PaymentView>, PaymentError> {
        let amount = amount.map(|amount| amount.get() as i64);
        let found = self.storage.find(store_id, text.trim(), amount, i64::from(limit)).await?;
        Ok(found.iter().map(|payment| self.view(payment)).collect())
    }

    /// When the store's today began (Unix ms), in its own time zone.
    pub fn start_of_today(&self, store_id: &str) -> Result<i64, PaymentError> {
        self.start_of_day(store_id, crate::clock::now_millis())
    }

    /// When the store's day that `at` (Unix ms) falls on began.
    pub fn start_of_day(&self, store_id: &str, at: i64) -> Result<i64, PaymentError> {
        let config = self.config();
        let store = config.store(store_id).ok_or_else(|| PaymentError::UnknownStore(store_id.to_string()))?;
        Ok(crate::clock::start_of_day_millis(at, &crate::clock::store_zone(Some(store))))
    }

    /// A store's payments of today (its own day), newest first: the newest
    /// `limit` and every one still open besides; `has_more` when older
    /// ones are left out.
    pub async fn list_today(&self, store_id: &str, limit: u32) -> Result<PaymentPage, PaymentError> {
        let since = self.start_of_today(store_id)?;
        let mut page = self.list_page(store_id, since, None, limit).await?;
        let open = self.storage.open_for_store(store_id, since).await?;
        let left_out: Vec<PaymentView> =
            open.iter().filter(|p| !page.payments.iter().any(|shown| shown.id == p.id)).map(|p| self.view(p)).collect();
        page.payments.extend(left_out);
        page.has_more = self.storage.count_since(store_id, since).await? > page.payments.len() as i64;
        Ok(page)
    }

    /// One page of a store's payments since a time (Unix ms), newest first,
    /// after the payment `starting_after` (which must be the store's):
    /// at most `limit`, and whether more follow.
    pub async fn list_page(
        &self,
        store_id: &str,
        since: i64,
        starting_after: Option<&str>,
        limit: u32,
    ) -> Result<PaymentPage, PaymentError> {
        self.store(store_id)?;
        let after = match starting_after {
            Some(id) => Some(self.stored(store_id, id).await?),
            None => None,
        };
        let mut payments = self.storage.list_page(store_id, since, after.as_ref(), i64::from(limit) + 1).await?;
        let has_more = payments.len() > limit as usize;
        payments.truncate(limit as usize);
        Ok(PaymentPage { payments: payments.iter().map(|p| self.view(p)).collect(), has_more })
    }

    /// Applies a change and pushes it to screens if anything changed.
    /// Returns the payment as it stands afterwards.
    async fn apply(&self, id: &str, change: &StatusChange, source: Source) -> Result<StoredPayment, PaymentError> {
        let decide =
            |current: &StoredPayment| change.apply_to(current).map(|next| self.with_capture_due(current, next));
        match self.storage.update(id, source.as_str(), decide).await? {
            Updated::Changed(updated) => {
                if updated.capture == Some(domain::CaptureStatus::Pending) {
                    self.captures.now(id);
                    self.schedule.wake.notify_one();
                }
                tracing::info!(payment = %id, status = ?updated.status, source = source.as_str(), "payment updated");
                // The other instances hear of it from the commit (see Storage::update).
                self.publish(&updated);
                if updated.status.is_final() {
                    crate::telemetry::payment_ended(updated.door.as_str(), &updated.store_id, updated.status.as_str());
                    if let Err(error) = self.storage.forget_check(id).await {
                        tracing::warn!(payment = %id, %error, "could not stop following an ended payment");
                    }
                    self.withdrawal_done(id).await;
                }
                Ok(updated)
            }
            Updated::Unchanged(current) => Ok(current),
            Updated::Missing => Err(PaymentError::NotFound),
        }
    }

    /// Tells this instance's screens the payment's state, unless they were
    /// told it, or a later one, already (a change made here and read again
    /// after another instance's notice arrives twice otherwise).
    fn publish(&self, payment: &StoredPayment) {
        let view = self.view(payment);
        let mut published = self.published.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((last_at, last)) = published.get(&payment.id) {
            if payment.updated_at < *last_at || *last == view {
                return;
            }
        }
        if published.len() >= MAX_REMEMBERED_PUBLISHED {
            published.clear();
        }
        published.insert(payment.id.clone(), (payment.updated_at, view.clone()));
        drop(published);
        self.events.publish(view);
    }

    /// [`PaymentService::apply`], answered as a screen sees it.
    async fn commit(&self, id: &str, change: &StatusChange, source: Source) -> Result<PaymentView, PaymentError> {
        Ok(self.view(&self.apply(id, change, source).await?))
    }
}

/// This process's claim to do one thing for one payment (place its order,
/// capture it): one task at a time; released on drop.
struct Claim<'a> {
    set: &'a Mutex<HashSet<String>>,
    id: String,
}

impl<'a> Claim<'a> {
    /// `None` while another task holds the claim.
    fn take(set: &'a Mutex<HashSet<String>>, id: &str) -> Option<Claim<'a>> {
        let fresh = set.lock().unwrap_or_else(|e| e.into_inner()).insert(id.to_string());
        fresh.then(|| Claim { set, id: id.to_string() })
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.set.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{cart_of, service_on_simulator};

    fn at(rfc3339: &str) -> i64 {
        crate::clock::millis(
            time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339).unwrap(),
        )
    }

    #[tokio::test]
    async fn a_swedish_stores_list_starts_at_local_midnight_on_the_day_summer_time_began() {
        let (service, _klarna) = service_on_simulator().await;
        // 29 March 2026: clocks went from 02:00 to 03:00, so 30 March began at
        // 22:00 UTC (not 23:00 as the day before, not 00:00 as in UTC).
        let since = service.start_of_day("stockholm", at("2026-03-30T10:00:00Z")).unwrap();
        assert_eq!(since, at("2026-03-29T22:00:00Z"));
        assert_eq!(service.start_of_day("stockholm", at("2026-03-29T10:00:00Z")).unwrap(), at("2026-03-28T23:00:00Z"));
        let mut ids = Vec::new();
        for (n, created) in ["2026-03-29T22:30:00Z", "2026-03-29T21:30:00Z"].into_iter().enumerate() {
            let cart = cart_of("Socks", 1, 100 + n as i64);
            let started = service.start(StartRequest::api("stockholm", &format!("dst-{n}"), None, &cart)).await;
            let id = started.unwrap().view.id;
            let moved = format!("UPDATE payments SET created_at = {} WHERE id = '{id}'", at(created));
            service.storage().execute_for_test(&moved).await.unwrap();
            ids.push(id);
        }
        let page = service.list_page("stockholm", since, None, 10).await.unwrap();
        let listed: Vec<&str> = page.payments.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(listed, [ids[0].as_str()], "00:30 on the 30th is that day; 23:30 on the 29th is not");
        assert!(page.payments[0].created_at_local.starts_with("2026-03-30T00:30:00.000+02:00"));
    }

    #[tokio::test]
    async fn todays_list_keeps_every_open_payment_and_says_when_older_ones_are_left_out() {
        let (service, _klarna) = service_on_simulator().await;
        let mut ids = Vec::new();
        for n in 0..3 {
            let cart = cart_of("Socks", 1, 100 + n);
            let started = service.start(StartRequest::api("stockholm", &format!("today-{n}"), None, &cart)).await;
            ids.push(started.unwrap().view.id);
            // Distinct creation times, oldest first.
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        for id in &ids[1..] {
            service.cancel("stockholm", id).await.unwrap();
        }
        let page = service.list_today("stockholm", 2).await.unwrap();
        let listed: Vec<&str> = page.payments.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(listed, [ids[2].as_str(), ids[1].as_str(), ids[0].as_str()], "the two newest, then the open one");
        assert!(!page.has_more, "the one older payment is open, so shown");
        service.cancel("stockholm", &ids[0]).await.unwrap();
        let page = service.list_today("stockholm", 2).await.unwrap();
        assert_eq!((page.payments.len(), page.has_more), (2, true), "the oldest, now ended, is left out");
        let all = service.list_today("stockholm", 3).await.unwrap();
        assert_eq!((all.payments.len(), all.has_more), (3, false));
    }
}
