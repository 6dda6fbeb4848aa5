//! Failed authentications per client address (sign-in, kiosk enrolment, API
//! keys), counted by `governor`'s GCRA limiter. A client over its budget is
//! refused before its next try is even checked, so a right guess cannot be
//! told from a wrong one while it waits.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures a client may have at once before waiting (a shift's worth of typos).
const BURST: u32 = 10;
/// After the burst, one more failure per this long.
const REFILL: Duration = Duration::from_secs(6);
/// Addresses tracked at most, in the limiter and in the waiting list each;
/// past it the oldest are swept (memory stays bounded whoever sends).
const MAX_CLIENTS: usize = 65_536;

pub struct FailureLimit {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
    /// Clients over budget, and until when.
    waiting: Mutex<HashMap<IpAddr, Instant>>,
}

impl Default for FailureLimit {
    fn default() -> Self {
        FailureLimit::new(BURST, REFILL)
    }
}

impl FailureLimit {
    pub fn new(burst: u32, refill: Duration) -> FailureLimit {
        let quota = Quota::with_period(refill)
            .expect("a failure budget refills at a non-zero pace")
            .allow_burst(NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN));
        let clock = DefaultClock::default();
        FailureLimit { limiter: RateLimiter::keyed(quota), clock, waiting: Mutex::default() }
    }

    /// How long `client` must still wait before it may try again, if at all.
    pub fn wait(&self, client: IpAddr) -> Option<Duration> {
        let until = *self.lock().get(&client_key(client))?;
        until.checked_duration_since(Instant::now()).filter(|left| !left.is_zero())
    }

    /// Counts one failure; past the budget the client waits for the next.
    pub fn failed(&self, client: IpAddr) {
        let client = client_key(client);
        if self.limiter.len() >= MAX_CLIENTS {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        if let Err(not_until) = self.limiter.check_key(&client) {
            let wait = not_until.wait_time_from(self.clock.now());
            let mut waiting = self.lock();
            if waiting.len() >= MAX_CLIENTS {
                let now = Instant::now();
                waiting.retain(|_, until| *until > now);
            }
            if waiting.len() < MAX_CLIENTS {
                waiting.insert(client, Instant::now() + wait);
            }
        }
    }

    /// How many clients are remembered (for tests of the bound).
    pub fn tracked(&self) -> usize {
        self.limiter.len().max(self.lock().len())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Instant>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The address a budget belongs to: IPv6 by its /64, which one machine
/// usually holds whole (so rotating addresses buys nothing).
pub fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let segments = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(segments[0], segments[1], segments[2], segments[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_client_past_its_budget_waits_and_others_do_not() {
        let limit = FailureLimit::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert_eq!(limit.wait(ip("10.0.0.1")), None);
            limit.failed(ip("10.0.0.1"));
        }
        assert_eq!(limit.wait(ip("10.0.0.1")), None, "the burst itself is free");
        limit.failed(ip("10.0.0.1"));
        let wait = limit.wait(ip("10.0.0.1")).expect("over budget");
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60), "{wait:?}");
        assert_eq!(limit.wait(ip("10.0.0.2")), None);
    }

    #[test]
    fn an_ipv6_client_is_one_client_across_its_64() {
        assert_eq!(client_key(ip("2001:db8:1:2:aaaa::1")), client_key(ip("2001:db8:1:2:bbbb::9")));
        assert_ne!(client_key(ip("2001:db8:1:2::1")), client_key(ip("2001:db8:1:3::1")));
        assert_eq!(client_key(ip("::ffff:10.0.0.1")), ip("10.0.0.1"));
        let limit = FailureLimit::new(1, Duration::from_secs(60));
        limit.failed(ip("2001:db8:1:2::1"));
        limit.failed(ip("2001:db8:1:2::2"));
        assert!(limit.wait(ip("2001:db8:1:2::3")).is_some());
    }

    #[test]
    fn memory_stays_bounded_whoever_sends() {
        let limit = FailureLimit::new(1, Duration::from_millis(1));
        for n in 0..(MAX_CLIENTS as u32 + 5_000) {
            limit.failed(IpAddr::V4(n.into()));
        }
        assert!(limit.tracked() <= MAX_CLIENTS, "{}", limit.tracked());
    }
}
