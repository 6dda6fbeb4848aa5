//! The poller: covers lost callbacks by reading open payments from Klarna,
//! often while a screen watches, backing off while nobody does.

use super::change::{Source, StatusChange};
use super::{PaymentError, PaymentService};
use crate::clock::now_millis;
use domain::{PaymentStatus, Problem};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Poll this often while a screen waits on the payment.
const WATCHED_POLL: Duration = Duration::from_secs(3);
/// Unwatched payments start here and back off to `MAX_IDLE_POLL`.
const FIRST_IDLE_POLL: Duration = Duration::from_secs(10);
const MAX_IDLE_POLL: Duration = Duration::from_secs(120);
/// Retry placing an order this often while Klarna is unreachable.
const ORDER_RETRY: Duration = Duration::from_secs(2);
/// The tracker looks at its schedule at least this often.
const TICK: Duration = Duration::from_secs(1);

struct Tracked {
    next_check: Instant,
    idle_interval: Duration,
    watchers: usize,
}

/// When each open payment is next read. Pure bookkeeping: no I/O.
#[derive(Default)]
pub(super) struct Schedule {
    entries: Mutex<HashMap<String, Tracked>>,
    pub(super) wake: Notify,
}

impl Schedule {
    fn entries(&self) -> MutexGuard<'_, HashMap<String, Tracked>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Follows a payment, read no later than `after` from `now`.
    fn track(&self, id: &str, now: Instant, after: Duration) {
        let mut entries = self.entries();
        let entry = entries.entry(id.to_string()).or_insert(Tracked {
            next_check: now + after,
            idle_interval: FIRST_IDLE_POLL,
            watchers: 0,
        });
        entry.next_check = entry.next_check.min(now + after);
        drop(entries);
        self.wake.notify_one();
    }

    pub(super) fn forget(&self, id: &str) {
        self.entries().remove(id);
    }

    fn watch(&self, id: &str, now: Instant) {
        if let Some(entry) = self.entries().get_mut(id) {
            entry.watchers += 1;
            entry.next_check = entry.next_check.min(now + WATCHED_POLL);
        }
    }

    fn unwatch(&self, id: &str) {
        if let Some(entry) = self.entries().get_mut(id) {
            entry.watchers = entry.watchers.saturating_sub(1);
        }
    }

    /// The payments due now, and when the next one falls due. A due
    /// payment is not due again until its check has rescheduled it.
    fn take_due(&self, now: Instant) -> (Vec<String>, Instant) {
        let mut due = Vec::new();
        let mut next = now + TICK;
        for (id, tracked) in self.entries().iter_mut() {
            if tracked.next_check <= now {
                due.push(id.clone());
                tracked.next_check = now + MAX_IDLE_POLL;
            } else {
                next = next.min(tracked.next_check);
            }
        }
        (due, next)
    }

    /// Sets the next check after one: soon while an order is to be placed or
    /// a screen watches, backing off while nobody does, never past the
    /// store's deadline.
    fn after_check(&self, id: &str, status: PaymentStatus, until_deadline: Duration, now: Instant) {
        let mut entries = self.entries();
        if status.is_final() {
            entries.remove(id);
            return;
        }
        let Some(entry) = entries.get_mut(id) else { return };
        let wait = if status == PaymentStatus::Authorized {
            ORDER_RETRY
        } else if entry.watchers > 0 {
            WATCHED_POLL
        } else {
            let wait = entry.idle_interval;
            entry.idle_interval = (wait * 2).min(MAX_IDLE_POLL);
            wait
        };
        entry.next_check = now + wait.min(until_deadline + Duration::from_millis(50));
    }

    fn len(&self) -> usize {
        self.entries().len()
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

impl PaymentService {
    pub(super) fn track(&self, id: &str, after: Duration) {
        self.schedule.track(id, Instant::now(), after);
    }

    pub(super) fn check_soon(&self, id: &str) {
        self.track(id, Duration::ZERO);
    }

    /// How many payments are being followed right now.
    pub fn tracked(&self) -> usize {
        self.schedule.len()
    }

    /// Counts a screen waiting on this payment while the guard lives.
    pub fn watch(self: &Arc<Self>, id: &str) -> WatchGuard {
        self.schedule.watch(id, Instant::now());
        WatchGuard { service: Arc::downgrade(self), id: id.to_string() }
    }

    /// Resumes every open payment after a start or a crash: creations that
    /// never got a link are failed (and a link Klarna may have made for them
    /// is withdrawn later), the rest are read from Klarna at once.
    pub async fn resume(&self) -> Result<usize, PaymentError> {
        self.load_withdrawals().await?;
        self.resume_captures().await?;
        self.resume_refunds().await?;
        let open = self.storage.open_payments().await?;
        for payment in &open {
            match (payment.status, &payment.hpp_session_id, &payment.kp_session_id) {
                (PaymentStatus::Creating, Some(_), _) => {
                    self.commit(&payment.id, &StatusChange::to(PaymentStatus::Waiting, None), Source::Recovery).await?;
                }
                // Cut off while asking Klarna for the link: it may have made one.
                (PaymentStatus::Creating, None, Some(_)) => {
                    self.link_may_exist(&payment.id, &Problem::RestartedBeforeLink).await;
                    continue;
                }
                (PaymentStatus::Creating, None, None) => {
                    let failed = StatusChange::to(PaymentStatus::Failed, Some(Problem::RestartedBeforeLink));
                    self.commit(&payment.id, &failed, Source::Recovery).await?;
                    continue;
                }
                _ => {}
            }
            self.track(&payment.id, Duration::ZERO);
        }
        Ok(open.len())
    }

    /// Runs forever: checks every tracked payment when it is due.
    pub async fn run_tracker(self: Arc<Self>) {
        loop {
            self.tracker_beat.store(now_millis(), Ordering::Relaxed);
            crate::telemetry::tracker_queue(self.tracked());
            for id in self.captures.take_due(Instant::now()) {
                let service = self.clone();
                tokio::spawn(async move { service.capture(&id).await });
            }
            for id in self.refunds.take_due(Instant::now()) {
                let service = self.clone();
                tokio::spawn(async move { service.ask_klarna(&id).await });
            }
            let (due, next) = self.schedule.take_due(Instant::now());
            for id in due {
                let service = self.clone();
                tokio::spawn(async move {
                    if let Err(error) = service.refresh(&id, Source::Poll).await {
                        tracing::warn!(payment = %id, %error, "checking the payment failed");
                    }
                    service.reschedule(&id).await;
                });
            }
            tokio::select! {
                _ = tokio::time::sleep_until(next.into()) => {}
                _ = self.schedule.wake.notified() => {}
            }
        }
    }

    async fn reschedule(&self, id: &str) {
        let Ok(Some(payment)) = self.storage.get(id).await else { return };
        let until_deadline = Duration::from_millis((payment.deadline_at - now_millis()).max(0) as u64);
        self.schedule.after_check(id, payment.status, until_deadline, Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAR: Duration = Duration::from_secs(3600);

    #[test]
    fn due_payments_are_handed_out_once_until_rescheduled() {
        let (schedule, now) = (Schedule::default(), Instant::now());
        schedule.track("a", now, Duration::ZERO);
        schedule.track("b", now, Duration::from_millis(500));
        let (due, next) = schedule.take_due(now);
        assert_eq!(due, ["a"]);
        assert_eq!(next, now + Duration::from_millis(500));
        assert!(schedule.take_due(now).0.is_empty(), "not again before its check ends");
        // Tracking again only ever brings a check forward.
        schedule.track("b", now, FAR);
        assert_eq!(schedule.take_due(now + Duration::from_millis(500)).0, ["b"]);
    }

    #[test]
    fn unwatched_payments_back_off_and_watched_ones_are_read_often() {
        let (schedule, now) = (Schedule::default(), Instant::now());
        schedule.track("a", now, Duration::ZERO);
        let waits: Vec<Duration> = (0..5)
            .map(|_| {
                schedule.after_check("a", PaymentStatus::Waiting, FAR, now);
                schedule.entries()["a"].next_check - now
            })
            .collect();
        let secs: Vec<u64> = waits.iter().map(Duration::as_secs).collect();
        assert_eq!(secs, [10, 20, 40, 80, 120]);
        schedule.watch("a", now);
        assert_eq!(schedule.entries()["a"].next_check, now + WATCHED_POLL, "a screen brings the read forward");
        schedule.after_check("a", PaymentStatus::InProgress, FAR, now);
        assert_eq!(schedule.entries()["a"].next_check, now + WATCHED_POLL);
        schedule.unwatch("a");
        schedule.after_check("a", PaymentStatus::Authorized, FAR, now);
        assert_eq!(schedule.entries()["a"].next_check, now + ORDER_RETRY, "an order to place is retried soon");
    }

    #[test]
    fn the_deadline_caps_the_wait_and_final_payments_are_dropped() {
        let (schedule, now) = (Schedule::default(), Instant::now());
        schedule.track("a", now, Duration::ZERO);
        schedule.after_check("a", PaymentStatus::Waiting, Duration::from_secs(1), now);
        assert_eq!(schedule.entries()["a"].next_check, now + Duration::from_millis(1050));
        schedule.after_check("a", PaymentStatus::Completed, FAR, now);
        assert_eq!(schedule.len(), 0);
        schedule.after_check("gone", PaymentStatus::Waiting, FAR, now);
        assert_eq!(schedule.len(), 0, "a payment not tracked is not tracked by a late check");
    }
}
