//! The tracker: covers lost callbacks by reading open payments from Klarna,
//! often while a screen watches, backing off while nobody does.
//!
//! When each payment is next read lives in the database (`payment_checks`),
//! so several instances share the work: each claims the payments due, reads
//! them and sets the next time; a claim is a lease, so the payments of an
//! instance that died are taken over (at once when its database session is
//! seen gone). A payment is read by one instance at a time.

use super::change::{Source, StatusChange};
use super::{PaymentError, PaymentService};
use crate::clock::now_millis;
use crate::storage::ClaimedCheck;
use domain::{PaymentStatus, Problem};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;
use tokio::sync::Notify;

/// Poll this often while a screen waits on the payment.
const WATCHED_POLL: Duration = Duration::from_secs(3);
/// Unwatched payments start here and back off to `MAX_IDLE_POLL`.
pub(super) const FIRST_IDLE_POLL: Duration = Duration::from_secs(10);
const MAX_IDLE_POLL: Duration = Duration::from_secs(120);
/// Retry placing an order this often while Klarna is unreachable.
pub(super) const ORDER_RETRY: Duration = Duration::from_secs(2);
/// The tracker looks for due payments at least this often.
const TICK: Duration = Duration::from_secs(1);
/// How long a claim holds: longer than a check or an order placement takes
/// (Klarna's timeout, twice), so a live instance keeps what it reads.
const CHECK_LEASE: Duration = Duration::from_secs(60);
/// A screen counts as watching this long after its instance last said so;
/// the instance says so again every [`WATCH_RENEWAL`].
const WATCH_LEASE: Duration = Duration::from_secs(15);
const WATCH_RENEWAL: Duration = Duration::from_secs(5);
/// Due payments one round claims at most (the next round takes more).
const CLAIM_BATCH: i64 = 64;
/// How often the tracker looks for gone instances' claims and for work
/// (captures, refunds, withdrawals) another instance left behind.
const SWEEP: Duration = Duration::from_secs(5);

/// When to read a payment next after a check, and the back-off after it:
/// soon while an order is to be placed or a screen watches, backing off
/// while nobody does, never past the store's deadline. `None`: it ended.
pub(super) fn next_check(
    status: PaymentStatus,
    watched: bool,
    idle: Duration,
    until_deadline: Duration,
) -> Option<(Duration, Duration)> {
    if status.is_final() {
        return None;
    }
    let (wait, idle) = if status == PaymentStatus::Authorized {
        (ORDER_RETRY, idle)
    } else if status == PaymentStatus::Creating {
        // Only a creation that lost its answer is still creating after a check:
        // a retry under its key may take it up meanwhile.
        (super::lost_answers::UNKNOWN_LINK_GRACE, idle)
    } else if watched {
        (WATCHED_POLL, idle)
    } else {
        (idle, (idle * 2).min(MAX_IDLE_POLL))
    };
    Some((wait.min(until_deadline + Duration::from_millis(50)), idle))
}

/// This instance's part in following payments: its id (claims are made in
/// its name), the screens it serves that watch a payment, and the checks
/// it runs now. The schedule itself is in the database.
pub(super) struct Schedule {
    pub(super) instance: i64,
    watchers: Mutex<HashMap<String, usize>>,
    checking: Mutex<HashSet<String>>,
    pub(super) wake: Notify,
}

impl Default for Schedule {
    fn default() -> Self {
        // Positive, so it reads well in the table; random, so instances differ.
        let instance = (uuid::Uuid::new_v4().as_u64_pair().0 >> 1) as i64;
        Schedule { instance, watchers: Mutex::default(), checking: Mutex::default(), wake: Notify::new() }
    }
}

impl Schedule {
    fn watchers(&self) -> MutexGuard<'_, HashMap<String, usize>> {
        self.watchers.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn checking(&self) -> MutexGuard<'_, HashSet<String>> {
        self.checking.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one more screen; `true` for the first.
    fn watch(&self, id: &str) -> bool {
        let mut watchers = self.watchers();
        let count = watchers.entry(id.to_string()).or_insert(0);
        *count += 1;
        *count == 1
    }

    fn unwatch(&self, id: &str) {
        let mut watchers = self.watchers();
        if let Some(count) = watchers.get_mut(id) {
            *count -= 1;
            if *count == 0 {
                watchers.remove(id);
            }
        }
    }

    fn watched_here(&self, id: &str) -> bool {
        self.watchers().contains_key(id)
    }
}

/// Keeps a payment "watched" (fast polling) while a screen's stream is open.
pub struct WatchGuard {
    service: Weak<PaymentService>,
    id: String,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        if let Some(service) = self.service.upgrade() {
            service.schedule.unwatch(&self.id);
        }
    }
}

/// This instance's check of one payment: one at a time here; let go on drop.
struct Checking<'a> {
    schedule: &'a Schedule,
    id: String,
}

impl<'a> Checking<'a> {
    fn take(schedule: &'a Schedule, id: &str) -> Option<Checking<'a>> {
        schedule.checking().insert(id.to_string()).then(|| Checking { schedule, id: id.to_string() })
    }
}

impl Drop for Checking<'_> {
    fn drop(&mut self) {
        self.schedule.checking().remove(&self.id);
    }
}

/// A creation under way on this instance. One dropped before it ended (the
/// request was cancelled when its client went away, mid-call to Klarna) is
/// let go due now, so the tracker settles it as cut off, as after a crash,
/// instead of the live instance's hold keeping it creating for the lease.
pub(super) struct Creating<'a> {
    _checking: Option<Checking<'a>>,
    storage: crate::storage::Storage,
    instance: i64,
    id: String,
    ended: bool,
}

impl Creating<'_> {
    pub(super) fn ended(mut self) {
        self.ended = true;
    }
}

impl Drop for Creating<'_> {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        let (storage, instance, id) = (self.storage.clone(), self.instance, std::mem::take(&mut self.id));
        tokio::spawn(async move {
            let now = now_millis();
            if let Err(error) = storage.finish_check(&id, instance, now, millis(FIRST_IDLE_POLL)).await {
                tracing::warn!(payment = %id, %error, "could not let go of a creation cut off; its claim runs out");
            }
        });
    }
}

fn millis(duration: Duration) -> i64 {
    duration.as_millis() as i64
}

impl PaymentService {
    /// The id this instance claims payments under.
    pub fn instance(&self) -> i64 {
        self.schedule.instance
    }

    /// Follows a payment, read no later than `after` from now (by whichever
    /// instance claims it then).
    pub(super) async fn track(&self, id: &str, after: Duration) {
        let due = now_millis() + millis(after);
        match self.storage.track_check(id, due, millis(FIRST_IDLE_POLL)).await {
            Ok(()) => self.schedule.wake.notify_one(),
            Err(error) => tracing::error!(payment = %id, %error, "could not schedule the payment's next check"),
        }
    }

    pub(super) async fn check_soon(&self, id: &str) {
        self.track(id, Duration::ZERO).await;
    }

    /// How many payments are being followed right now, by every instance.
    pub async fn tracked(&self) -> usize {
        self.storage.checks_count().await.unwrap_or(0).max(0) as usize
    }

    /// Counts a screen waiting on this payment while the guard lives.
    pub fn watch(self: &Arc<Self>, id: &str) -> WatchGuard {
        if self.schedule.watch(id) {
            let (service, ids) = (self.clone(), vec![id.to_string()]);
            tokio::spawn(async move {
                let now = now_millis();
                let marked = service.storage.watch_checks(&ids, now + millis(WATCH_LEASE), now + millis(WATCHED_POLL));
                if let Err(error) = marked.await {
                    tracing::warn!(payment = %ids[0], %error, "could not mark the payment watched");
                }
                service.schedule.wake.notify_one();
            });
        }
        WatchGuard { service: Arc::downgrade(self), id: id.to_string() }
    }

    /// Takes up open payments at start (or after a crash): says this
    /// instance is alive, lets go the claims of instances that are gone,
    /// follows every open payment (a creation cut off is settled by its
    /// first check), and loads the calls still owed to Klarna. Returns how
    /// many payments are followed.
    pub async fn resume(&self) -> Result<usize, PaymentError> {
        let instance = self.schedule.instance;
        self.instance_lock.get_or_try_init(|| self.storage.hold_instance(instance)).await?;
        self.storage.release_claims_of_the_gone(now_millis()).await?;
        self.storage.adopt_open_payments(now_millis(), millis(FIRST_IDLE_POLL)).await?;
        // Creations cut off: those no live instance holds (on SQLite, all).
        let open = self.storage.open_payments().await?;
        for payment in open.into_iter().filter(|p| p.status == PaymentStatus::Creating) {
            let now = now_millis();
            let held = self.storage.try_claim_check(&payment.id, instance, now, now + millis(CHECK_LEASE)).await?;
            if let Some(claimed) = held {
                self.check(claimed, Source::Recovery).await;
            }
        }
        self.load_withdrawals().await?;
        self.resume_captures().await?;
        self.resume_refunds().await?;
        Ok(self.tracked().await)
    }

    /// Work another instance may have left: claims of gone instances, open
    /// payments nobody follows, and captures, refunds and withdrawals owed.
    async fn sweep(&self) -> Result<(), PaymentError> {
        self.storage.adopt_open_payments(now_millis(), millis(FIRST_IDLE_POLL)).await?;
        // On SQLite this process is the only one: no claim of another to let go.
        if self.storage.backend() == crate::storage::Backend::Postgres {
            self.storage.release_claims_of_the_gone(now_millis()).await?;
            self.load_withdrawals().await?;
            for id in self.storage.pending_captures().await? {
                self.captures.adopt(&id);
            }
            for id in self.storage.pending_refunds().await? {
                self.refunds.adopt(&id);
            }
        }
        Ok(())
    }

    /// A creation cut off (its instance died, or its claim ran out): one
    /// that got its link goes on waiting; one asked for its link may have
    /// one at Klarna, learned and withdrawn after the grace; one that never
    /// got that far fails.
    /// `grace_over`: a creation noted as having lost Klarna's answer is
    /// settled now (its check came after the grace); at a start it keeps
    /// its grace, for a retry under its key.
    async fn recover_creation(
        &self,
        payment: &crate::storage::StoredPayment,
        grace_over: bool,
    ) -> Result<(), PaymentError> {
        match (&payment.hpp_session_id, &payment.kp_session_id) {
            (Some(_), _) => {
                self.commit(&payment.id, &StatusChange::to(PaymentStatus::Waiting, None), Source::Recovery).await?;
                self.refresh(&payment.id, Source::Recovery).await
            }
            (None, Some(_)) => {
                if grace_over && self.settle_if_noted(payment, super::lost_answers::Ending::Failed).await? {
                    return Ok(());
                }
                if !self.storage.link_unknown(&payment.id).await? {
                    self.link_may_exist(&payment.id, &Problem::RestartedBeforeLink).await;
                }
                Ok(())
            }
            (None, None) => {
                let failed = StatusChange::to(PaymentStatus::Failed, Some(Problem::RestartedBeforeLink));
                self.commit(&payment.id, &failed, Source::Recovery).await.map(drop)
            }
        }
    }

    /// Holds a payment being created, whoever held it, for as long as a
    /// creation can take; a creation cut off is settled once it runs out.
    pub(super) async fn hold_creation(&self, id: &str) -> Result<(), PaymentError> {
        let until = now_millis() + millis(CHECK_LEASE);
        Ok(self.storage.hold_check(id, self.schedule.instance, until).await?)
    }

    /// Records a new payment, held for its creation from the start.
    pub(super) async fn insert_created(&self, payment: &crate::storage::StoredPayment) -> Result<bool, PaymentError> {
        let until = now_millis() + millis(CHECK_LEASE);
        Ok(self.storage.insert_created(payment, self.schedule.instance, until).await?)
    }

    /// This instance creates the payment now: its tracker leaves it alone
    /// meanwhile. See [`Creating`].
    pub(super) fn creating(&self, id: &str) -> Creating<'_> {
        Creating {
            _checking: Checking::take(&self.schedule, id),
            storage: self.storage.clone(),
            instance: self.schedule.instance,
            id: id.to_string(),
            ended: false,
        }
    }

    /// A creation got its link: read at once, then as any open payment.
    pub(super) async fn follow_created(&self, id: &str) {
        let now = now_millis();
        let followed = self.storage.finish_check(id, self.schedule.instance, now, millis(FIRST_IDLE_POLL)).await;
        if let Err(error) = followed {
            tracing::warn!(payment = %id, %error, "could not schedule a created payment; its claim runs out");
        }
        self.schedule.wake.notify_one();
    }

    /// The creation ended: its next check is due as it set.
    pub(super) async fn release_creation(&self, id: &str) {
        if let Err(error) = self.storage.release_check(id, self.schedule.instance).await {
            tracing::warn!(payment = %id, %error, "could not let go of a created payment; its claim runs out");
        }
        self.schedule.wake.notify_one();
    }

    /// Holds the payment (to place its order, to take a creation up again):
    /// `false` while another instance holds it (that one does it).
    pub(super) async fn try_hold(&self, id: &str) -> Result<bool, PaymentError> {
        let now = now_millis();
        let held = self.storage.try_claim_check(id, self.schedule.instance, now, now + millis(CHECK_LEASE)).await?;
        Ok(held.is_some())
    }

    /// Reads the payment now if no other instance holds it; otherwise it is
    /// made due now, for the holder to read again when its check ends.
    pub(super) async fn check_now(&self, id: &str, source: Source) {
        let now = now_millis();
        match self.storage.try_claim_check(id, self.schedule.instance, now, now + millis(CHECK_LEASE)).await {
            Ok(Some(claimed)) => self.check(claimed, source).await,
            Ok(None) => {
                // The holder reads it again when its check ends; any idle tracker may take it then.
                self.check_soon(id).await;
                self.wake_every_instance().await;
            }
            Err(error) => {
                tracing::warn!(payment = %id, %error, "could not claim the payment for a check");
                self.check_soon(id).await;
            }
        }
    }

    /// One claimed check: read the payment (settling a cut-off creation),
    /// take the next step, and set when it is read next.
    async fn check(&self, claimed: ClaimedCheck, source: Source) {
        let id = claimed.payment_id.as_str();
        let Some(_checking) = Checking::take(&self.schedule, id) else {
            // Being read here right now: read again once that ends.
            return self.check_soon(id).await;
        };
        let read = match self.storage.get(id).await {
            Ok(Some(payment)) if payment.status == PaymentStatus::Creating => {
                self.recover_creation(&payment, source != Source::Recovery).await
            }
            Ok(Some(_)) => self.refresh(id, source).await,
            Ok(None) => Err(PaymentError::NotFound),
            Err(error) => Err(error.into()),
        };
        if let Err(error) = read {
            tracing::warn!(payment = %id, %error, "checking the payment failed");
        }
        self.reschedule(&claimed).await;
    }

    async fn reschedule(&self, claimed: &ClaimedCheck) {
        let id = claimed.payment_id.as_str();
        let Ok(Some(payment)) = self.storage.get(id).await else { return };
        let now = now_millis();
        let until_deadline = Duration::from_millis((payment.deadline_at - now).max(0) as u64);
        let watched = claimed.watched_until > now || self.schedule.watched_here(id);
        let idle = Duration::from_millis(claimed.idle_ms.max(millis(FIRST_IDLE_POLL)) as u64);
        let done = match next_check(payment.status, watched, idle, until_deadline) {
            None => self.storage.forget_check(id).await,
            Some((wait, idle)) => {
                self.storage.finish_check(id, self.schedule.instance, now + millis(wait), millis(idle)).await
            }
        };
        if let Err(error) = done {
            tracing::warn!(payment = %id, %error, "could not schedule the payment's next check; its claim runs out");
        }
    }

    /// Runs forever: claims and checks the payments due, makes the captures
    /// and refunds due, and keeps this instance's watches and claims fresh.
    pub async fn run_tracker(self: Arc<Self>) {
        let (mut last_sweep, mut last_renewal) = (0, 0);
        loop {
            let now = now_millis();
            self.tracker_beat.store(now, Ordering::Relaxed);
            if now - last_sweep >= millis(SWEEP) {
                last_sweep = now;
                crate::telemetry::tracker_queue(self.tracked().await);
                if let Err(error) = self.sweep().await {
                    tracing::warn!(%error, "looking for work left by other instances failed");
                }
            }
            if now - last_renewal >= millis(WATCH_RENEWAL) {
                last_renewal = now;
                self.renew_watches(now).await;
            }
            for id in self.captures.take_due(std::time::Instant::now()) {
                let service = self.clone();
                tokio::spawn(async move { service.capture(&id).await });
            }
            for id in self.refunds.take_due(std::time::Instant::now()) {
                let service = self.clone();
                tokio::spawn(async move { service.ask_klarna(&id).await });
            }
            let until = now + millis(CHECK_LEASE);
            let claimed = match self.storage.claim_due_checks(self.schedule.instance, now, until, CLAIM_BATCH).await {
                Ok(claimed) => claimed,
                Err(error) => {
                    tracing::warn!(%error, "could not claim the payments due");
                    Vec::new()
                }
            };
            let more = claimed.len() as i64 == CLAIM_BATCH;
            for check in claimed {
                let service = self.clone();
                tokio::spawn(async move { service.check(check, Source::Poll).await });
            }
            if more {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(TICK) => {}
                _ = self.schedule.wake.notified() => {}
            }
        }
    }

    async fn renew_watches(&self, now: i64) {
        let ids: Vec<String> = self.schedule.watchers().keys().cloned().collect();
        if ids.is_empty() {
            return;
        }
        if let Err(error) = self.storage.watch_checks(&ids, now + millis(WATCH_LEASE), i64::MAX).await {
            tracing::warn!(%error, "could not renew the watched payments");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAR: Duration = Duration::from_secs(3600);

    #[test]
    fn unwatched_payments_back_off_and_watched_ones_are_read_often() {
        let mut idle = FIRST_IDLE_POLL;
        let mut waits = Vec::new();
        for _ in 0..5 {
            let (wait, next) = next_check(PaymentStatus::Waiting, false, idle, FAR).unwrap();
            waits.push(wait.as_secs());
            idle = next;
        }
        assert_eq!(waits, [10, 20, 40, 80, 120]);
        assert_eq!(next_check(PaymentStatus::InProgress, true, idle, FAR), Some((WATCHED_POLL, idle)));
        assert_eq!(next_check(PaymentStatus::Authorized, false, idle, FAR).unwrap().0, ORDER_RETRY);
    }

    #[test]
    fn the_deadline_caps_the_wait_and_final_payments_are_dropped() {
        let wait = next_check(PaymentStatus::Waiting, false, FIRST_IDLE_POLL, Duration::from_secs(1)).unwrap().0;
        assert_eq!(wait, Duration::from_millis(1050));
        assert_eq!(next_check(PaymentStatus::Completed, true, FIRST_IDLE_POLL, FAR), None);
    }

    /// Found by the tracking bench on PostgreSQL: the tracker claimed a
    /// payment the moment its creation set it due, the creation then let
    /// the claim go, and the check's end (only for its holder) was lost:
    /// the payment was next read a minute later, not ten seconds.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_created_payment_is_read_at_once_and_then_on_its_schedule() {
        use crate::payments::StartRequest;
        for storage in crate::storage::tests::backends().await {
            let klarna = crate::testing::TestKlarna::start().await;
            let kassa = crate::testing::TestKassa::start(&klarna, storage.clone()).await;
            let mut ids = Vec::new();
            for n in 0..20 {
                let cart = crate::testing::cart_of("Tea", 1, 100 + n);
                let key = format!("first-read-{n}");
                ids.push(kassa.service.start(StartRequest::api("stockholm", &key, None, &cart)).await.unwrap().view.id);
            }
            for id in &ids {
                let (due_at, idle_ms) = crate::testing::eventually("the first check to end", || async {
                    let (due_at, idle_ms, holder) = storage.check_of(id).await.unwrap()?;
                    (holder.is_none() && idle_ms == 2 * millis(FIRST_IDLE_POLL)).then_some((due_at, idle_ms))
                })
                .await;
                let wait = due_at - now_millis();
                assert!(wait <= millis(FIRST_IDLE_POLL), "{id}: next read in {wait} ms (back-off {idle_ms} ms)");
            }
            kassa.stop();
        }
    }

    #[test]
    fn watching_counts_screens_on_this_instance() {
        let schedule = Schedule::default();
        assert!(schedule.watch("a"));
        assert!(!schedule.watch("a"), "only the first screen marks it");
        schedule.unwatch("a");
        assert!(schedule.watched_here("a"));
        schedule.unwatch("a");
        assert!(!schedule.watched_here("a"));
        assert_ne!(Schedule::default().instance, schedule.instance);
    }
}
