//! What operators measure: every metric's name, labels and help text in one
//! place, recorded through the `metrics` facade and rendered for Prometheus
//! at `/metrics` (see `http::ops`).
//!
//! The Klarna client records its own calls (`kassa_klarna_requests_total`,
//! `kassa_klarna_request_duration_seconds`), so its names are listed here
//! only for their help text.

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

pub const PAYMENTS_STARTED: &str = "kassa_payments_started_total";
pub const PAYMENTS_ENDED: &str = "kassa_payments_ended_total";
pub const CALLBACKS: &str = "kassa_callbacks_total";
pub const STREAMS_OPEN: &str = "kassa_sse_streams_open";
pub const TRACKER_QUEUE: &str = "kassa_tracker_queue";
pub const TRACKER_READS: &str = "kassa_tracker_reads_total";
pub const ORDER_PLACEMENTS: &str = "kassa_order_placements_total";
pub const CONFIG_RELOADS: &str = "kassa_config_reloads_total";
pub const CAPTURES: &str = "kassa_captures_total";
pub const REFUNDS: &str = "kassa_refunds_total";
pub const RELAY_LOST: &str = "kassa_relay_lost_total";

/// Seconds: Klarna answers in tens of milliseconds to its timeout (20 s).
const KLARNA_LATENCY_BUCKETS: &[f64] = &[0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0];

/// The process's one recorder, installed on first use (start-up, or a test).
pub fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(klarna::client::KLARNA_LATENCY_METRIC.to_string()),
                KLARNA_LATENCY_BUCKETS,
            )
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder already installed (a test binary's) keeps working;
        // this handle then renders nothing, which the tests would show.
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed");
        }
        describe();
        handle
    })
}

fn describe() {
    describe_counter!(PAYMENTS_STARTED, "Payments started, by door (seller, kiosk, web, api) and store.");
    describe_counter!(PAYMENTS_ENDED, "Payments that reached a final status, by door, store and status.");
    describe_counter!(
        klarna::client::KLARNA_REQUESTS_METRIC,
        "Calls to Klarna (each attempt), by endpoint and HTTP status (`transport` when none came)."
    );
    describe_histogram!(
        klarna::client::KLARNA_LATENCY_METRIC,
        Unit::Seconds,
        "Time each Klarna call took, by endpoint."
    );
    describe_counter!(CALLBACKS, "Klarna status callbacks, by outcome (accepted, duplicate, refused, failed).");
    describe_gauge!(STREAMS_OPEN, "Live status streams (server-sent events) open now, by stream.");
    describe_gauge!(TRACKER_QUEUE, "Open payments followed now, by every instance (payment_checks rows).");
    describe_counter!(TRACKER_READS, "Payment reads at Klarna by the tracker, by why (poll, callback, user, ...).");
    describe_counter!(
        ORDER_PLACEMENTS,
        "Order placements (place_order_mode NONE), by outcome (placed, refused, retry)."
    );
    describe_counter!(CAPTURES, "Captures Kassa made after an order, by outcome (captured, refused, retry).");
    describe_counter!(REFUNDS, "Refunds Klarna answered, by outcome (refunded, refused, retry).");
    describe_counter!(
        RELAY_LOST,
        "Times the link to the other instances' changes (PostgreSQL LISTEN) was lost; screens resync after each."
    );
    describe_counter!(CONFIG_RELOADS, "Configuration reloads (SIGHUP), by outcome (applied, refused).");
}

pub fn payment_started(door: &'static str, store: &str) {
    counter!(PAYMENTS_STARTED, "door" => door, "store" => store.to_string()).increment(1);
}

pub fn payment_ended(door: &'static str, store: &str, status: &'static str) {
    counter!(PAYMENTS_ENDED, "door" => door, "store" => store.to_string(), "status" => status).increment(1);
}

/// `accepted`, `duplicate`, `refused` (wrong secret, unknown payment, bad
/// body) or `failed` (Kassa could not record it; Klarna retries).
pub fn callback(outcome: &'static str) {
    counter!(CALLBACKS, "outcome" => outcome).increment(1);
}

pub fn tracker_read(source: &'static str) {
    counter!(TRACKER_READS, "source" => source).increment(1);
}

pub fn tracker_queue(open: usize) {
    gauge!(TRACKER_QUEUE).set(open as f64);
}

/// `placed`, `refused` (Klarna said no) or `retry` (no answer; tried again).
pub fn order_placement(outcome: &'static str) {
    counter!(ORDER_PLACEMENTS, "outcome" => outcome).increment(1);
}

/// `captured`, `refused` (Klarna said no: capture by hand) or `retry`.
pub fn capture(outcome: &'static str) {
    counter!(CAPTURES, "outcome" => outcome).increment(1);
}

/// `refunded`, `refused` or `retry` (no answer; asked again).
pub fn refund(outcome: &'static str) {
    counter!(REFUNDS, "outcome" => outcome).increment(1);
}

pub fn relay_lost() {
    counter!(RELAY_LOST).increment(1);
}

pub fn config_reload(outcome: &'static str) {
    counter!(CONFIG_RELOADS, "outcome" => outcome).increment(1);
}

/// Counts a live stream as open until it is dropped (the client left or
/// the stream ended).
pub struct OpenStream(&'static str);

impl OpenStream {
    pub fn new(stream: &'static str) -> OpenStream {
        gauge!(STREAMS_OPEN, "stream" => stream).increment(1.0);
        OpenStream(stream)
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        gauge!(STREAMS_OPEN, "stream" => self.0).decrement(1.0);
    }
}

/// A sample's value in rendered metrics, 0 when absent.
#[cfg(test)]
pub fn sample(text: &str, name_and_labels: &str) -> f64 {
    text.lines().find_map(|line| line.strip_prefix(name_and_labels)?.strip_prefix(' ')?.parse().ok()).unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_count_while_open_and_every_metric_has_help() {
        let handle = recorder();
        let before = sample(&handle.render(), "kassa_sse_streams_open{stream=\"unit\"}");
        let open = OpenStream::new("unit");
        assert_eq!(sample(&handle.render(), "kassa_sse_streams_open{stream=\"unit\"}"), before + 1.0);
        drop(open);
        assert_eq!(sample(&handle.render(), "kassa_sse_streams_open{stream=\"unit\"}"), before);
        config_reload("applied");
        let text = handle.render();
        assert!(text.contains("# HELP kassa_config_reloads_total Configuration reloads"), "{text}");
        assert!(sample(&text, "kassa_config_reloads_total{outcome=\"applied\"}") >= 1.0, "{text}");
    }
}
