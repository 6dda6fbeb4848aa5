//! Slowing password guessing at the till's sign-in, per name and client.

use crate::storage::{Storage, StorageError};
use std::net::IpAddr;
use std::time::Duration;

/// Slows password guessing per store, name and client address: the first
/// few wrong passwords cost nothing, then each further try waits, doubling
/// from 30 s to 15 min. A success clears it. Keyed by the client too, so
/// someone guessing elsewhere never keeps the associate out of their own
/// till. Counted in the database, so the wait holds whichever instance
/// the next try reaches, and across a restart. Counts older than the
/// longest wait are dropped as new ones come; argon2's few turns at a time
/// bound how fast they come.
pub struct SignInThrottle {
    storage: Storage,
}

/// Wrong passwords allowed before any wait (typos happen).
const FREE_FAILURES: i64 = 5;
const FIRST_WAIT: Duration = Duration::from_secs(30);
const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);

/// How long a name must still wait after `failures` wrong passwords, the
/// last `since_last` ago.
fn wait_after(failures: i64, since_last: Duration) -> Option<Duration> {
    let extra = u32::try_from(failures.checked_sub(FREE_FAILURES)?).ok()?;
    let wait = FIRST_WAIT.saturating_mul(2u32.saturating_pow(extra.min(10))).min(LONGEST_WAIT);
    wait.checked_sub(since_last).filter(|left| !left.is_zero())
}

impl SignInThrottle {
    pub fn new(storage: Storage) -> SignInThrottle {
        SignInThrottle { storage }
    }

    /// What the count is kept under: no name or address in the clear.
    fn key(store: &str, name: &str, client: IpAddr) -> String {
        let client = crate::guard::client_key(client);
        crate::crypto::sha256_hex(&format!("{store}\u{0}{}\u{0}{client}", name.trim().to_lowercase()))
    }

    /// How long this name must still wait on this client at `now` (Unix ms).
    pub async fn wait(
        &self,
        store: &str,
        name: &str,
        client: IpAddr,
        now: i64,
    ) -> Result<Option<Duration>, StorageError> {
        let Some((failures, last_at)) = self.storage.sign_in_failures(&Self::key(store, name, client)).await? else {
            return Ok(None);
        };
        Ok(wait_after(failures, Duration::from_millis((now - last_at).max(0) as u64)))
    }

    pub async fn failed(&self, store: &str, name: &str, client: IpAddr, now: i64) -> Result<(), StorageError> {
        let stale_before = now - LONGEST_WAIT.as_millis() as i64;
        self.storage.sign_in_failed(&Self::key(store, name, client), now, stale_before).await
    }

    pub async fn succeeded(&self, store: &str, name: &str, client: IpAddr) -> Result<(), StorageError> {
        self.storage.sign_in_succeeded(&Self::key(store, name, client)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::tests::backends;

    const HERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const THERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));
    const SECOND: i64 = 1_000;

    #[tokio::test]
    async fn guessing_waits_longer_and_longer_and_a_success_forgives() {
        for storage in backends().await {
            let throttle = SignInThrottle::new(storage);
            let start = 1_000_000;
            for _ in 0..FREE_FAILURES {
                assert_eq!(throttle.wait("s", "Anna", HERE, start).await.unwrap(), None);
                throttle.failed("s", "anna ", HERE, start).await.unwrap();
            }
            // After five wrong passwords the next try waits, then longer each time.
            assert_eq!(throttle.wait("s", "ANNA", HERE, start).await.unwrap(), Some(FIRST_WAIT));
            let later = start + 30 * SECOND;
            assert_eq!(throttle.wait("s", "anna", HERE, later).await.unwrap(), None);
            throttle.failed("s", "anna", HERE, later).await.unwrap();
            assert_eq!(throttle.wait("s", "anna", HERE, later).await.unwrap(), Some(FIRST_WAIT * 2));
            // Other names, stores and clients are not affected.
            assert_eq!(throttle.wait("s", "bo", HERE, start).await.unwrap(), None);
            assert_eq!(throttle.wait("other", "anna", HERE, start).await.unwrap(), None);
            assert_eq!(throttle.wait("s", "anna", THERE, start).await.unwrap(), None, "the associate's own tablet");
            throttle.succeeded("s", "Anna", HERE).await.unwrap();
            assert_eq!(throttle.wait("s", "anna", HERE, later).await.unwrap(), None);
        }
    }

    #[test]
    fn the_wait_doubles_and_is_capped() {
        assert_eq!(wait_after(FREE_FAILURES, Duration::ZERO), Some(FIRST_WAIT));
        assert_eq!(wait_after(FREE_FAILURES + 1, Duration::from_secs(10)), Some(Duration::from_secs(50)));
        assert_eq!(wait_after(40, Duration::ZERO), Some(LONGEST_WAIT));
        assert_eq!(wait_after(FREE_FAILURES - 1, Duration::ZERO), None);
        assert_eq!(wait_after(40, LONGEST_WAIT), None);
    }

    #[tokio::test]
    async fn a_flood_of_names_keeps_only_recent_counts() {
        for storage in backends().await {
            let throttle = SignInThrottle::new(storage.clone());
            let name = |n: usize| format!("{n:0>64}");
            for n in 0..50 {
                throttle.failed("s", &name(n), HERE, n as i64).await.unwrap();
            }
            let much_later = LONGEST_WAIT.as_millis() as i64 + 100;
            throttle.failed("s", "anna", HERE, much_later).await.unwrap();
            assert_eq!(storage.sign_in_failures_held().await.unwrap(), 1, "older counts than the longest wait go");
        }
    }
}
