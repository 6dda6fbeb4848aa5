//! The JSON API's contract, OpenAPI 3.1, generated from the handlers'
//! annotations and the types they read and write; served at
//! `/api/v1/openapi.json` for POS vendors' client generators, and checked
//! against the running server by Schemathesis in `scripts/test.sh`.

use super::{api, kiosks, refunds};
use crate::state::AppState;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kassa API",
        description = "Klarna payments for a store's POS and self-checkout system. Authenticate with the store's \
                       API key as `Authorization: Bearer <key>`. Amounts are minor units (öre, cents), tax \
                       included; tax rates are basis points (2500 = 25 %). Every error is `{\"error\": {\"code\", \
                       \"message\", \"field\"?}}`, and bad input is a 4xx that names the field."
    ),
    paths(
        api::create_payment,
        api::list_payments,
        api::read_payment,
        api::cancel_payment,
        api::payment_events,
        api::store_events,
        refunds::create_refund,
        refunds::list_refunds,
        kiosks::api_state,
        kiosks::api_put_cart,
        kiosks::api_clear,
        kiosks::api_events,
    ),
    modifiers(&StoreApiKey),
    tags(
        (name = "payments", description = "Start, read, list and cancel payments"),
        (name = "kiosks", description = "Hand a basket to a self-checkout kiosk's screen"),
        (name = "events", description = "Live status as server-sent events")
    )
)]
pub struct ApiDoc;

/// The bearer scheme the paths' `security(("api_key" = []))` name.
struct StoreApiKey;

impl Modify for StoreApiKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("The store's API key (kassa.toml: stores.api_key_sha256)"))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("api_key", SecurityScheme::Http(scheme));
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/openapi.json", get(document))
}

/// The document as JSON, built once.
pub fn document_json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| ApiDoc::openapi().to_json().unwrap_or_default())
}

async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], document_json())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn the_document_describes_every_api_route_and_its_errors() {
        let document: Value = serde_json::from_str(document_json()).unwrap();
        assert_eq!(document["openapi"], "3.1.0");
        let paths = document["paths"].as_object().unwrap();
        let described: Vec<(&str, &str)> = paths
            .iter()
            .flat_map(|(path, item)| {
                item.as_object().unwrap().keys().map(move |method| (path.as_str(), method.as_str()))
            })
            .collect();
        for route in [
            ("/api/v1/payments", "get"),
            ("/api/v1/payments", "post"),
            ("/api/v1/payments/{id}", "get"),
            ("/api/v1/payments/{id}", "delete"),
            ("/api/v1/payments/{id}/events", "get"),
            ("/api/v1/events", "get"),
            ("/api/v1/kiosks/{id}", "get"),
            ("/api/v1/kiosks/{id}/cart", "put"),
            ("/api/v1/kiosks/{id}/cart", "delete"),
            ("/api/v1/kiosks/{id}/events", "get"),
        ] {
            assert!(described.contains(&route), "{route:?} is not described: {described:?}");
        }
        let schemas = &document["components"]["schemas"];
        for name in
            ["PaymentView", "PaymentStatus", "Problem", "CartLineInput", "ErrorBody", "KioskView", "PaymentList"]
        {
            assert!(schemas[name].is_object(), "{name} has no schema");
        }
        // A request with an unknown field is refused, so the contract says so.
        assert_eq!(schemas["CartLineInput"]["additionalProperties"], false);
        let create = &paths["/api/v1/payments"]["post"];
        for status in ["200", "201", "400", "401", "409", "422", "503"] {
            assert!(create["responses"][status].is_object(), "POST /api/v1/payments {status}");
        }
        assert_eq!(document["components"]["securitySchemes"]["api_key"]["scheme"], "bearer");
    }
}
