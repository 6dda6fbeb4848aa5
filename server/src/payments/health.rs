//! Whether this instance can take payments: its database answers, its
//! tracker goes round, and Klarna answers within its timeout.

use super::PaymentService;
use crate::clock::now_millis;
use klarna::KlarnaError;
use serde::Serialize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A probe of Klarna is reused this long: a load balancer asking every
/// second (or a stranger asking in a loop) costs Klarna one call at most.
const KLARNA_PROBE_REUSE: Duration = Duration::from_secs(15);
/// How long `/readyz` waits for a probe under way before answering with
/// what it knows: load balancers give up on a probe after a second or two,
/// while Klarna has its full timeout to answer.
const PROBE_WAIT: Duration = Duration::from_millis(1500);
/// The tracker goes round at least every second; this much silence means
/// it stopped.
const TRACKER_SILENCE_MS: i64 = 10_000;
/// A session id no payment has: Klarna answers 404 when it is reachable and
/// takes Kassa's credentials.
const PROBE_SESSION: &str = "kassa-readiness-probe";

/// One dependency's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "detail", rename_all = "snake_case")]
pub enum Check {
    Ok,
    /// Works, but not as it should (Kassa still serves what it has).
    Degraded(String),
    Failed(String),
}

/// What `/readyz` reports.
#[derive(Clone, Debug, Serialize)]
pub struct Health {
    pub database: Check,
    pub tracker: Check,
    pub klarna: Check,
}

impl Health {
    /// Ready unless the database or the tracker failed: with Klarna degraded
    /// Kassa still shows payments and retries, so it stays in rotation.
    pub fn ready(&self) -> bool {
        !matches!(self.database, Check::Failed(_)) && !matches!(self.tracker, Check::Failed(_))
    }
}

/// The last probe of Klarna and when it answered, shared by every caller.
#[derive(Default)]
pub(super) struct KlarnaProbe {
    last: tokio::sync::watch::Sender<Option<(Instant, Check)>>,
    running: std::sync::atomic::AtomicBool,
}

impl KlarnaProbe {
    fn fresh(last: &Option<(Instant, Check)>) -> Option<Check> {
        last.as_ref().filter(|(at, _)| at.elapsed() < KLARNA_PROBE_REUSE).map(|(_, check)| check.clone())
    }
}

impl PaymentService {
    pub async fn health(self: &Arc<Self>) -> Health {
        let database = match self.storage.ping().await {
            Ok(()) => Check::Ok,
            Err(error) => {
                tracing::error!(%error, "readiness: the database does not answer");
                Check::Failed("the database does not answer".into())
            }
        };
        let beat = self.tracker_beat.load(Ordering::Relaxed);
        let tracker = match beat {
            0 => Check::Failed("the tracker has not started".into()),
            _ if now_millis() - beat > TRACKER_SILENCE_MS => Check::Failed("the tracker stopped".into()),
            _ => Check::Ok,
        };
        Health { database, tracker, klarna: self.klarna_reach().await }
    }

    /// Klarna's answer to a read of a session that does not exist, reused
    /// for [`KLARNA_PROBE_REUSE`]. One probe runs at a time, in the
    /// background; a caller waits for it [`PROBE_WAIT`] at most.
    async fn klarna_reach(self: &Arc<Self>) -> Check {
        let probe = &self.klarna_probe;
        if let Some(check) = KlarnaProbe::fresh(&probe.last.borrow()) {
            return check;
        }
        let mut answered = probe.last.subscribe();
        if !probe.running.swap(true, Ordering::AcqRel) {
            let service = self.clone();
            tokio::spawn(async move {
                let check = service.probe_klarna().await;
                service.klarna_probe.last.send_replace(Some((Instant::now(), check)));
                service.klarna_probe.running.store(false, Ordering::Release);
            });
        }
        let waited = tokio::time::timeout(PROBE_WAIT, async {
            let last = answered.wait_for(|last| KlarnaProbe::fresh(last).is_some()).await.ok()?;
            KlarnaProbe::fresh(&last)
        });
        match waited.await {
            Ok(Some(check)) => check,
            _ => Check::Degraded(format!(
                "Klarna has not answered yet (it has {} s)",
                self.config().klarna.timeout_seconds
            )),
        }
    }

    async fn probe_klarna(&self) -> Check {
        let timeout = Duration::from_secs(self.config().klarna.timeout_seconds);
        match tokio::time::timeout(timeout, self.klarna.read_hpp_session(PROBE_SESSION)).await {
            Ok(Err(KlarnaError::NotFound(_))) | Ok(Ok(_)) => Check::Ok,
            Ok(Err(KlarnaError::Credentials { status, .. })) => {
                Check::Degraded(format!("Klarna refuses Kassa's credentials (HTTP {status})"))
            }
            Ok(Err(error)) => Check::Degraded(format!("Klarna: {error}")),
            Err(_) => Check::Degraded(format!("Klarna did not answer within {} s", timeout.as_secs())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::service_on_simulator;

    #[tokio::test]
    async fn ready_with_klarna_and_a_running_tracker_degraded_without_klarna() {
        let (service, klarna) = service_on_simulator().await;
        let health = service.health().await;
        assert_eq!(health.tracker, Check::Failed("the tracker has not started".into()));
        assert!(!health.ready());
        assert_eq!((health.database, health.klarna), (Check::Ok, Check::Ok));

        tokio::spawn(service.clone().run_tracker());
        let running = || async { (service.health().await.tracker == Check::Ok).then_some(()) };
        crate::testing::eventually("the tracker's first round", running).await;
        assert!(service.health().await.ready());

        klarna.faults(serde_json::json!({"endpoints": {"hpp_read": {"status": 503, "fail_next": 20}}})).await;
        assert_eq!(service.health().await.klarna, Check::Ok, "a recent probe is reused");
        service.klarna_probe.last.send_replace(None);
        let health = service.health().await;
        assert!(matches!(&health.klarna, Check::Degraded(why) if why.contains("Klarna")), "{health:?}");
        assert!(health.ready(), "Kassa still serves what it has");
    }

    #[tokio::test]
    async fn a_slow_klarna_never_holds_readiness_up() {
        let (service, klarna) = service_on_simulator().await;
        klarna.faults(serde_json::json!({"latency_ms": 3000})).await;
        let asked = Instant::now();
        let (first, second) = tokio::join!(service.health(), service.health());
        assert!(asked.elapsed() < Duration::from_millis(2500), "answered in {:?}", asked.elapsed());
        for health in [&first, &second] {
            assert!(matches!(&health.klarna, Check::Degraded(why) if why.contains("not answered yet")), "{health:?}");
        }
        // The probe goes on in the background; its answer serves the next ask.
        let answered = || async { (service.health().await.klarna == Check::Ok).then_some(()) };
        crate::testing::eventually("the probe's answer", answered).await;
        assert_eq!(klarna.calls(klarna::simulator::faults::Endpoint::HppRead), 1, "one probe for all who asked");
    }

    #[tokio::test]
    async fn a_database_that_does_not_answer_is_not_ready() {
        let (service, _klarna) = service_on_simulator().await;
        service.storage().close().await;
        let health = service.health().await;
        assert!(matches!(health.database, Check::Failed(_)), "{health:?}");
        assert!(!health.ready());
    }
}
