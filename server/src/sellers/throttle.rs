//! Slowing password guessing at the till's sign-in, per name and client.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Slows password guessing per store, name and client address: the first
/// few wrong passwords cost nothing, then each further try waits, doubling
/// from 30 s to 15 min. A success clears it. Keyed by the client too, so
/// someone guessing elsewhere never keeps the associate out of their own
/// till. Kept in memory: a restart forgives.
#[derive(Default)]
pub struct SignInThrottle {
    failures: Mutex<HashMap<Key, Failures>>,
}

/// Names are at most `domain::sign_in::MAX_NAME_CHARS` long by the time they
/// get here, so an entry is a few hundred bytes at most.
type Key = (String, String, IpAddr);

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Wrong passwords allowed before any wait (typos happen).
const FREE_FAILURES: u32 = 5;
const FIRST_WAIT: Duration = Duration::from_secs(30);
const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);
/// Entries kept at most: names are typed by anyone, so the map must not grow
/// without bound. Past it, stale entries go first, then the oldest.
pub const MAX_TRACKED: usize = 10_000;

impl SignInThrottle {
    fn key(store: &str, name: &str, client: IpAddr) -> Key {
        (store.to_string(), name.trim().to_lowercase(), crate::guard::client_key(client))
    }

    /// How long this name must still wait on this client, if at all.
    pub fn wait(&self, store: &str, name: &str, client: IpAddr, now: Instant) -> Option<Duration> {
        let failures = *self.lock().get(&Self::key(store, name, client))?;
        let extra = failures.count.checked_sub(FREE_FAILURES)?;
        let wait = FIRST_WAIT.saturating_mul(2u32.saturating_pow(extra.min(10))).min(LONGEST_WAIT);
        wait.checked_sub(now.saturating_duration_since(failures.last)).filter(|left| !left.is_zero())
    }

    pub fn failed(&self, store: &str, name: &str, client: IpAddr, now: Instant) {
        let mut failures = self.lock();
        let key = Self::key(store, name, client);
        if failures.len() >= MAX_TRACKED && !failures.contains_key(&key) {
            failures.retain(|_, f| now.saturating_duration_since(f.last) < LONGEST_WAIT);
            if failures.len() >= MAX_TRACKED {
                // All recent: a flood of names. The oldest tenth makes room.
                let mut lasts: Vec<Instant> = failures.values().map(|f| f.last).collect();
                let cut = *lasts.select_nth_unstable(MAX_TRACKED / 10).1;
                failures.retain(|_, f| f.last > cut);
            }
        }
        let entry = failures.entry(key).or_insert(Failures { count: 0, last: now });
        entry.count += 1;
        entry.last = now;
    }

    pub fn succeeded(&self, store: &str, name: &str, client: IpAddr) {
        self.lock().remove(&Self::key(store, name, client));
    }

    /// Entries held now (for tests of the bound).
    pub fn tracked(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Failures>> {
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const THERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn guessing_waits_longer_and_longer_and_a_success_forgives() {
        let throttle = SignInThrottle::default();
        let start = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert_eq!(throttle.wait("s", "Anna", HERE, start), None);
            throttle.failed("s", "anna ", HERE, start);
        }
        // After five wrong passwords the next try waits, then longer each time.
        assert_eq!(throttle.wait("s", "ANNA", HERE, start), Some(FIRST_WAIT));
        assert_eq!(throttle.wait("s", "anna", HERE, start + FIRST_WAIT), None);
        throttle.failed("s", "anna", HERE, start + FIRST_WAIT);
        assert_eq!(throttle.wait("s", "anna", HERE, start + FIRST_WAIT), Some(FIRST_WAIT * 2));
        // Other names, stores and clients are not affected.
        assert_eq!(throttle.wait("s", "bo", HERE, start), None);
        assert_eq!(throttle.wait("other", "anna", HERE, start), None);
        assert_eq!(throttle.wait("s", "anna", THERE, start), None, "the associate's own tablet is not held up");
        throttle.succeeded("s", "Anna", HERE);
        assert_eq!(throttle.wait("s", "anna", HERE, start + FIRST_WAIT), None);
    }

    #[test]
    fn the_wait_is_capped() {
        let throttle = SignInThrottle::default();
        let start = Instant::now();
        for _ in 0..40 {
            throttle.failed("s", "x", HERE, start);
        }
        assert_eq!(throttle.wait("s", "x", HERE, start), Some(LONGEST_WAIT));
    }

    #[test]
    fn a_flood_of_names_stays_within_the_bound_and_keeps_the_newest() {
        let throttle = SignInThrottle::default();
        let start = Instant::now();
        let name = |n: usize| format!("{n:0>64}");
        for n in 0..MAX_TRACKED * 3 {
            throttle.failed("s", &name(n), HERE, start + Duration::from_millis(n as u64));
        }
        assert!(throttle.tracked() <= MAX_TRACKED, "{}", throttle.tracked());
        for _ in 0..FREE_FAILURES {
            throttle.failed("s", "anna", HERE, start + Duration::from_secs(60));
        }
        assert!(throttle.wait("s", "anna", HERE, start + Duration::from_secs(60)).is_some());
    }
}
