//! Kassa's own failures (its database, say): the detail goes to the log
//! under a fresh id, and only the id goes to whoever asked, so database text
//! never reaches a client while staff can still find the log line.

/// Logs `detail` and answers the id it was logged under.
pub fn log_internal(detail: &dyn std::fmt::Display) -> String {
    let error_id = crate::crypto::random_hex(8);
    tracing::error!(%error_id, error = %detail, "internal error");
    error_id
}
