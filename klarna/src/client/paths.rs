//! The API paths the client calls, with ids encoded, and their logged form.

use crate::wire::encode_query_value;

pub const KP_SESSIONS: &str = "/payments/v1/sessions";
pub const HPP_SESSIONS: &str = "/hpp/v1/sessions";
const AUTHORIZATIONS: &str = "/payments/v1/authorizations";
const ORDERS: &str = "/ordermanagement/v1/orders";

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

pub fn order(order_id: &str) -> String {
    item(ORDERS, order_id)
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

/// The call's endpoint without ids or tokens, e.g.
/// `GET /hpp/v1/sessions/{id}`: few enough values for a metric label.
pub fn endpoint(method: &reqwest::Method, path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    let mut template = String::new();
    let mut previous = "";
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        template.push('/');
        template.push_str(if matches!(previous, "sessions" | "authorizations" | "orders") { "{id}" } else { segment });
        previous = segment;
    }
    format!("{method} {template}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_name_no_ids() {
        let get = reqwest::Method::GET;
        assert_eq!(endpoint(&get, "/hpp/v1/sessions/abc%2F1"), "GET /hpp/v1/sessions/{id}");
        assert_eq!(endpoint(&reqwest::Method::POST, HPP_SESSIONS), "POST /hpp/v1/sessions");
        assert_eq!(
            endpoint(&reqwest::Method::POST, &format!("{}/order", authorization("secret"))),
            "POST /payments/v1/authorizations/{id}/order"
        );
        assert_eq!(endpoint(&get, "/hpp/v1/sessions/x/distribution?a=b"), "GET /hpp/v1/sessions/{id}/distribution");
        assert_eq!(
            endpoint(&reqwest::Method::POST, &format!("{}/refunds", order("o-1"))),
            "POST /ordermanagement/v1/orders/{id}/refunds"
        );
    }

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
