//! When a failed call is tried again, and how long to wait first.

use super::KlarnaError;
use reqwest::Method;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// When a failed call is tried again. Transient failures (transport,
/// timeout, 5xx, 429) of safe calls are retried: reads, DELETEs, and POSTs
/// that carry a `Klarna-Idempotency-Key`; a 429 of any call, since Klarna did
/// none of its work. Waits grow exponentially from
/// `base_delay`, capped at `max_delay`, each with random jitter (half to
/// all of the step) so that many tills do not retry in lockstep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Calls in total, the first included; 1 means never retry.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_attempts: 3, base_delay: Duration::from_millis(250), max_delay: Duration::from_secs(4) }
    }
}

impl RetryPolicy {
    /// Every call is made once.
    pub fn never() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    /// The wait before retry number `retry` after `error`, or `None` when the
    /// error is not worth the same call again now: not transient, or Klarna
    /// asked for a longer pause (`Retry-After`) than the policy holds a caller
    /// for, which is then the caller's to schedule.
    pub fn wait_before_retry(&self, retry: u32, error: &KlarnaError) -> Option<Duration> {
        if !error.is_transient() {
            return None;
        }
        let backoff = self.delay(retry);
        match error.retry_after() {
            Some(asked) if asked > self.max_delay => None,
            Some(asked) => Some(asked.max(backoff)),
            None => Some(backoff),
        }
    }

    /// The wait before retry number `retry` (1 for the first retry).
    pub fn delay(&self, retry: u32) -> Duration {
        let step = self.base_delay.saturating_mul(1u32 << retry.saturating_sub(1).min(16)).min(self.max_delay);
        step.mul_f64(0.5 + 0.5 * jitter())
    }
}

/// A uniform number in [0, 1) without a random-number crate: std's
/// randomly keyed hasher over a counter.
fn jitter() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    (RandomState::new().hash_one(n) >> 11) as f64 / (1u64 << 53) as f64
}

/// Reads and DELETEs change nothing twice; a POST only when Klarna can
/// recognise the repeat by its idempotency key.
pub(super) fn is_retry_safe(method: &Method, idempotency_key: Option<&str>) -> bool {
    matches!(*method, Method::GET | Method::DELETE) || idempotency_key.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_calls_are_retried() {
        assert!(is_retry_safe(&Method::GET, None));
        assert!(is_retry_safe(&Method::DELETE, None));
        assert!(is_retry_safe(&Method::POST, Some("key")));
        assert!(!is_retry_safe(&Method::POST, None));
    }

    #[test]
    fn klarnas_retry_after_is_honoured_within_the_cap() {
        let policy = RetryPolicy::default();
        let limited = |secs| KlarnaError::RateLimited {
            retry_after: Some(Duration::from_secs(secs)),
            details: Default::default(),
        };
        assert_eq!(policy.wait_before_retry(1, &limited(2)), Some(Duration::from_secs(2)));
        assert_eq!(policy.wait_before_retry(1, &limited(60)), None, "too long to hold an associate");
        let without = KlarnaError::RateLimited { retry_after: None, details: Default::default() };
        assert!(policy.wait_before_retry(1, &without).is_some_and(|wait| wait <= policy.base_delay));
        let refused = KlarnaError::Rejected { status: 400, details: Default::default() };
        assert_eq!(policy.wait_before_retry(1, &refused), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        };
        for retry in 1..=8 {
            let step = Duration::from_millis((100u64 << (retry - 1)).min(1000));
            let delays: Vec<Duration> = (0..50).map(|_| policy.delay(retry)).collect();
            assert!(delays.iter().all(|d| *d >= step / 2 && *d <= step), "retry {retry}: {delays:?}");
            // Jitter: fifty draws are not all the same.
            assert!(delays.iter().any(|d| *d != delays[0]), "retry {retry}");
        }
    }
}
