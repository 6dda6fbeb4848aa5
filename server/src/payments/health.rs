//! Whether this instance can take payments: its database answers, its
//! tracker goes round, and Klarna answers within its timeout.

use super::PaymentService;
use crate::clock::now_millis;
use klarna::KlarnaError;
use serde::Serialize;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// A probe of Klarna is reused this long: a load balancer asking every
/// second (or a stranger asking in a loop) costs Klarna one call at most.
const KLARNA_PROBE_REUSE: Duration = Duration::from_secs(15);
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

impl PaymentService {
    pub async fn health(&self) -> Health {
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

    /// Klarna's answer to a read of a session that does not exist; one probe
    /// at a time, reused for [`KLARNA_PROBE_REUSE`].
    async fn klarna_reach(&self) -> Check {
        let mut last = self.klarna_probe.lock().await;
        if let Some((_, check)) = last.as_ref().filter(|(at, _)| at.elapsed() < KLARNA_PROBE_REUSE) {
            return check.clone();
        }
        let timeout = Duration::from_secs(self.config().klarna.timeout_seconds);
        let check = match tokio::time::timeout(timeout, self.klarna.read_hpp_session(PROBE_SESSION)).await {
            Ok(Err(KlarnaError::NotFound(_))) | Ok(Ok(_)) => Check::Ok,
            Ok(Err(KlarnaError::Credentials { status, .. })) => {
                Check::Degraded(format!("Klarna refuses Kassa's credentials (HTTP {status})"))
            }
            Ok(Err(error)) => Check::Degraded(format!("Klarna: {error}")),
            Err(_) => Check::Degraded(format!("Klarna did not answer within {} s", timeout.as_secs())),
        };
        *last = Some((Instant::now(), check.clone()));
        check
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
        *service.klarna_probe.lock().await = None;
        let health = service.health().await;
        assert!(matches!(&health.klarna, Check::Degraded(why) if why.contains("Klarna")), "{health:?}");
        assert!(health.ready(), "Kassa still serves what it has");
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
