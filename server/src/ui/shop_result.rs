//! The page Klarna sends a demo shop's shopper back to
//! (`/shop/payments/{id}/{outcome}`), rendered here rather than by the app,
//! so it runs no script. What it says comes from the payment's state on the
//! server; the outcome in the address only picks between back and cancel
//! wording.

use super::shop_page::ShopPages;
use app::response_hints::{PageScripts, ResponseHints};
use app::shop::CheckoutOutcome;
use axum::extract::Extension;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use leptos::prelude::Owner;

impl ShopPages {
    /// The result page for payment `id`, reached back from Klarna by `outcome`.
    pub async fn result(
        self,
        hints: Option<Extension<ResponseHints>>,
        (id, outcome): (String, String),
        query: Option<String>,
    ) -> Response {
        if let Some(Extension(hints)) = hints {
            hints.record(PageScripts::None);
        }
        let Some(store) = self.shop.web_shop() else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let outcome = CheckoutOutcome::parse(&outcome);
        let found = match outcome {
            Some(_) => self.shop.shop_payment(id).await.ok().map(|payment| (payment, store.money_language)),
            None => None,
        };
        let status = if found.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
        let html = Owner::new()
            .with(|| app::shop_result_document(&self.stylesheet, found, outcome, rechecks(query.as_deref())));
        (status, Html(html)).into_response()
    }
}

/// How many times the page has reloaded itself while the server decided
/// (`?check=N`, which its own refresh adds); anything else counts as none.
fn rechecks(query: Option<&str>) -> u32 {
    let pairs = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes());
    pairs.filter(|(key, _)| key == "check").find_map(|(_, value)| value.parse().ok()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::rechecks;
    use crate::ui::shop_page::tests::{kassa, post, send, Answer};
    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};

    async fn get(router: &axum::Router, uri: &str) -> Answer {
        send(router, Request::get(uri).body(Body::empty()).unwrap()).await
    }

    #[tokio::test]
    async fn the_result_runs_no_script_and_reloads_itself_only_while_the_server_decides_for_a_minute_at_most() {
        let (router, _klarna) = kassa().await;
        let form =
            "form_id=0123456789abcdef0123456789abcdef&quantities%5B0%5D=1&quantities%5B1%5D=0&quantities%5B2%5D=0";
        assert_eq!(post(&router, form).await.status, StatusCode::SEE_OTHER);
        let request = Request::get("/api/v1/payments").header(header::AUTHORIZATION, "Bearer kassa-dev-key");
        let list = send(&router, request.body(Body::empty()).unwrap()).await;
        let list: serde_json::Value = serde_json::from_str(&list.html).unwrap();
        let id = list["payments"][0]["id"].as_str().unwrap().to_string();

        // Back from Klarna as "success" while Kassa has not heard of a payment: not confirmed, and asked again.
        let first = get(&router, &format!("/shop/payments/{id}/success")).await;
        assert_eq!(first.status, StatusCode::OK);
        assert!(first.html.contains("<h1>Payment not confirmed</h1>"), "{}", first.html);
        assert!(first.html.contains(r#"<meta http-equiv="refresh" content="1;url=?check=1">"#), "{}", first.html);
        assert!(!first.html.contains("<script") && !first.policy.contains("script-src"), "{}", first.policy);
        let later = get(&router, &format!("/shop/payments/{id}/success?check=59")).await;
        assert!(later.html.contains("content=\"1;url=?check=60\""), "{}", later.html);
        for done in ["60", "4294967295"] {
            let last = get(&router, &format!("/shop/payments/{id}/success?check={done}")).await;
            assert!(!last.html.contains("http-equiv"), "a minute is enough: {}", last.html);
        }
        // Left by Klarna's back button: nothing to wait for.
        let back = get(&router, &format!("/shop/payments/{id}/back")).await;
        assert!(back.html.contains("You left the payment") && !back.html.contains("http-equiv"), "{}", back.html);

        for unknown in
            ["/shop/payments/00000000-0000-4000-8000-000000000000/success", &format!("/shop/payments/{id}/paid")]
        {
            let missing = get(&router, unknown).await;
            assert_eq!(missing.status, StatusCode::NOT_FOUND, "{unknown}");
            assert!(missing.html.contains("Payment not found"), "{}", missing.html);
        }
    }

    #[test]
    fn the_recheck_count_comes_from_the_pages_own_refresh_and_nothing_else_counts() {
        assert_eq!(rechecks(Some("check=7")), 7);
        assert_eq!(rechecks(None), 0);
        assert_eq!(rechecks(Some("check=abc")), 0);
        assert_eq!(rechecks(Some("check=99999999999999999999")), 0);
        assert_eq!(rechecks(Some(&format!("check={}", u32::MAX))), u32::MAX, "the page stops; it never overflows");
    }
}
