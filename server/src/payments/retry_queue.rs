//! Calls Kassa must make until Klarna answers (captures, refunds): each
//! due now, or later with backoff after a try that got no answer.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The first retry waits this long, each next one twice as long, up to
/// [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_secs(2);
const MAX_RETRY: Duration = Duration::from_secs(600);

/// Calls due again (captures, refunds), by id: when to try next and how
/// often it was tried.
#[derive(Default)]
pub(super) struct RetryQueue(Mutex<HashMap<String, (Instant, u32)>>);

impl RetryQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, u32)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn now(&self, id: &str) {
        self.lock().insert(id.to_string(), (Instant::now(), 0));
    }

    /// Due now unless it is queued already (work another instance left).
    pub(super) fn adopt(&self, id: &str) {
        self.lock().entry(id.to_string()).or_insert((Instant::now(), 0));
    }

    pub(super) fn later(&self, id: &str) {
        let mut queue = self.lock();
        let tries = queue.get(id).map_or(0, |(_, tries)| *tries) + 1;
        let wait = FIRST_RETRY.saturating_mul(2u32.saturating_pow(tries - 1)).min(MAX_RETRY);
        queue.insert(id.to_string(), (Instant::now() + wait, tries));
    }

    pub(super) fn done(&self, id: &str) {
        self.lock().remove(id);
    }

    /// The captures due now; each is taken until it is put back.
    pub(super) fn take_due(&self, now: Instant) -> Vec<String> {
        let mut queue = self.lock();
        let due: Vec<String> = queue.iter().filter(|(_, (at, _))| *at <= now).map(|(id, _)| id.clone()).collect();
        for id in &due {
            if let Some(entry) = queue.get_mut(id) {
                // Not due again until the attempt says when.
                entry.0 = now + MAX_RETRY;
            }
        }
        due
    }
}
