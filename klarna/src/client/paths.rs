//! The API paths the client calls, with ids encoded, and their logged form.

use crate::wire::encode_query_value;

pub const KP_SESSIONS: &str = "/payments/v1/sessions";
pub const HPP_SESSIONS: &str = "/hpp/v1/sessions";
const AUTHORIZATIONS: &str = "/payments/v1/authorizations";

/// `{collection}/{id}`, the id percent-encoded so it stays one segment.
fn item(collection: &str, id: &str) -> String {
    format!("{collection}/{}", encode_query_value(id))
}

pub fn kp_session(id: &str) -> String {
    item(KP_SESSIONS, id)
}

pub fn hpp_session(id: &str) -> String {
    item(HPP_SESSIONS, id)
}

pub fn authorization(token: &str) -> String {
    item(AUTHORIZATIONS, token)
}

/// Authorization tokens appear in place-order paths; keep them out of logs.
pub fn redact_path(path: &str) -> String {
    match path.strip_prefix("/payments/v1/authorizations/") {
        Some(rest) => {
            format!("/payments/v1/authorizations/[redacted]{}", rest.find('/').map(|at| &rest[at..]).unwrap_or(""))
        }
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_tokens_stay_out_of_logged_paths() {
        assert_eq!(
            redact_path("/payments/v1/authorizations/secret-token/order"),
            "/payments/v1/authorizations/[redacted]/order"
        );
        assert_eq!(redact_path("/payments/v1/authorizations/secret-token"), "/payments/v1/authorizations/[redacted]");
        assert_eq!(redact_path("/hpp/v1/sessions/abc"), "/hpp/v1/sessions/abc");
    }
}
