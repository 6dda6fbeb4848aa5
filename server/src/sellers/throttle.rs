//! Slowing password guessing at the till's sign-in.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Slows password guessing per store and name: the first few wrong
/// passwords cost nothing, then each further try waits, doubling from 30 s
/// to 15 min. A success clears it. Kept in memory: a restart forgives.
#[derive(Default)]
pub struct SignInThrottle {
    failures: Mutex<HashMap<(String, String), Failures>>,
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Wrong passwords allowed before any wait (typos happen).
const FREE_FAILURES: u32 = 5;
const FIRST_WAIT: Duration = Duration::from_secs(30);
const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);
/// Names tracked at most; older entries are dropped first (names are typed
/// by anyone, so the map must not grow without bound).
const MAX_TRACKED: usize = 10_000;

impl SignInThrottle {
    fn key(store: &str, name: &str) -> (String, String) {
        (store.to_string(), name.trim().to_lowercase())
    }

    /// How long this name must still wait before trying again, if at all.
    pub fn wait(&self, store: &str, name: &str, now: Instant) -> Option<Duration> {
        let failures = *self.lock().get(&Self::key(store, name))?;
        let extra = failures.count.checked_sub(FREE_FAILURES)?;
        let wait = FIRST_WAIT.saturating_mul(2u32.saturating_pow(extra.min(10))).min(LONGEST_WAIT);
        wait.checked_sub(now.saturating_duration_since(failures.last)).filter(|left| !left.is_zero())
    }

    pub fn failed(&self, store: &str, name: &str, now: Instant) {
        let mut failures = self.lock();
        if failures.len() >= MAX_TRACKED {
            failures.retain(|_, f| now.saturating_duration_since(f.last) < LONGEST_WAIT);
        }
        let entry = failures.entry(Self::key(store, name)).or_insert(Failures { count: 0, last: now });
        entry.count += 1;
        entry.last = now;
    }

    pub fn succeeded(&self, store: &str, name: &str) {
        self.lock().remove(&Self::key(store, name));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Failures>> {
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guessing_waits_longer_and_longer_and_a_success_forgives() {
        let throttle = SignInThrottle::default();
        let start = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert_eq!(throttle.wait("s", "Anna", start), None);
            throttle.failed("s", "anna ", start);
        }
        // After five wrong passwords the next try waits, then longer each time.
        assert_eq!(throttle.wait("s", "ANNA", start), Some(FIRST_WAIT));
        assert_eq!(throttle.wait("s", "anna", start + FIRST_WAIT), None);
        throttle.failed("s", "anna", start + FIRST_WAIT);
        assert_eq!(throttle.wait("s", "anna", start + FIRST_WAIT), Some(FIRST_WAIT * 2));
        // Other names and stores are not affected.
        assert_eq!(throttle.wait("s", "bo", start), None);
        assert_eq!(throttle.wait("other", "anna", start), None);
        throttle.succeeded("s", "Anna");
        assert_eq!(throttle.wait("s", "anna", start + FIRST_WAIT), None);
    }

    #[test]
    fn the_wait_is_capped() {
        let throttle = SignInThrottle::default();
        let start = Instant::now();
        for _ in 0..40 {
            throttle.failed("s", "x", start);
        }
        assert_eq!(throttle.wait("s", "x", start), Some(LONGEST_WAIT));
    }
}
