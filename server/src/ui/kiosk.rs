//! The kiosk screen's port: every call proves the kiosk by its device cookie.

use super::Ports;
use crate::kiosks::demo_basket;
use app::kiosk::{KioskView, ResetReason};
use app::ports::BoxFuture;
use app::ports::KioskPort;
use app::AppError;

impl KioskPort for Ports {
    fn kiosk_state(&self, device: Option<String>) -> BoxFuture<'_, Result<KioskView, AppError>> {
        Box::pin(async move {
            let kiosk = self.0.kiosks.authenticate(device.as_deref())?;
            Ok(self.0.kiosks.state(&kiosk.id)?)
        })
    }

    fn kiosk_demo_basket(&self, device: Option<String>) -> BoxFuture<'_, Result<KioskView, AppError>> {
        Box::pin(async move {
            let kiosk = self.0.kiosks.authenticate(device.as_deref())?;
            if !self.0.kiosks.demo() {
                return Err(AppError::Forbidden("the demo basket exists only on the simulator".into()));
            }
            Ok(self.0.kiosks.put_cart(&kiosk.store, &kiosk.id, demo_basket()).await?)
        })
    }

    fn kiosk_pay(&self, device: Option<String>) -> BoxFuture<'_, Result<KioskView, AppError>> {
        Box::pin(async move {
            let kiosk = self.0.kiosks.authenticate(device.as_deref())?;
            Ok(self.0.kiosks.pay(&kiosk.id).await?)
        })
    }

    fn kiosk_try_again(&self, device: Option<String>) -> BoxFuture<'_, Result<KioskView, AppError>> {
        Box::pin(async move {
            let kiosk = self.0.kiosks.authenticate(device.as_deref())?;
            Ok(self.0.kiosks.try_again(&kiosk.id).await?)
        })
    }

    fn kiosk_reset(
        &self,
        device: Option<String>,
        session: u64,
        reason: ResetReason,
    ) -> BoxFuture<'_, Result<KioskView, AppError>> {
        Box::pin(async move {
            let kiosk = self.0.kiosks.authenticate(device.as_deref())?;
            Ok(self.0.kiosks.reset(&kiosk.id, Some(session), reason.name()).await?)
        })
    }
}

/// The kiosk page's taps as plain form posts: what happens before its island
/// has hydrated, or when its code never arrives.
#[cfg(test)]
mod tests {
    use super::super::shop_page::tests::{kassa, send};
    use app::kiosk::NextStep;
    use app::server_fns::kiosk::{KioskDemoBasket, KioskPay};
    use app::server_fns::refused_form_post;
    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use leptos::server_fn::ServerFn;
    use tower::ServiceExt;

    const PAGE: &str = "http://127.0.0.1:3000/kiosk";

    /// Enrols kiosk-1 with the shipped config's key; its device cookie.
    async fn enrol(router: &axum::Router) -> String {
        let request = Request::get("/kiosk/kiosk-1?key=kiosk-dev-key-1").body(Body::empty()).unwrap();
        let answer = router.clone().oneshot(request).await.unwrap();
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        let cookie = answer.headers()[header::SET_COOKIE].to_str().unwrap();
        cookie.split(';').next().unwrap().to_string()
    }

    /// A tap as the browser posts it without JavaScript, from `from`.
    fn tap(action: &str, cookie: &str, from: &str) -> Request<Body> {
        Request::post(action)
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header(header::REFERER, from)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap()
    }

    #[tokio::test]
    async fn a_tap_before_the_island_hydrated_is_taken_or_comes_back_saying_what_to_do() {
        let (router, _klarna) = kassa().await;
        let cookie = enrol(&router).await;

        // Nothing scanned yet: paying is refused. The redirect brings the
        // error back to the page, which tells the shopper to ask staff. (The
        // page itself is not rendered here: `cargo test --workspace` builds
        // the app with the browser's features too, and its island's effects
        // would reach for browser APIs.)
        let refused = send(&router, tap(KioskPay::PATH, &cookie, PAGE)).await;
        assert_eq!(refused.status, StatusCode::FOUND, "{}", refused.html);
        let back = refused.location.expect("back to the kiosk page");
        assert!(back.starts_with(PAGE), "{back}");
        let query: Vec<(String, String)> = url::Url::parse(&back).unwrap().query_pairs().into_owned().collect();
        let value = |key: &str| query.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let error =
            refused_form_post(value, |path| path.starts_with("/kiosk/fn/")).expect("the refusal, in the address");
        assert_eq!(NextStep::after(error.http_status().as_u16()), NextStep::AskStaff, "{error:?}");
        assert!(refused_form_post(value, |path| path == "/api/other").is_none(), "another form's error is not ours");

        // The next tap is taken: back to the page, without the old error.
        let taken = send(&router, tap(KioskDemoBasket::PATH, &cookie, &back)).await;
        assert_eq!(taken.status, StatusCode::FOUND, "{}", taken.html);
        // (Leptos leaves an empty query behind when it strips the error.)
        assert_eq!(taken.location.as_deref().map(|to| to.trim_end_matches('?')), Some(PAGE));
        let system = Request::get("/api/v1/kiosks/kiosk-1").header(header::AUTHORIZATION, "Bearer kassa-dev-key");
        let state = send(&router, system.body(Body::empty()).unwrap()).await;
        assert!(state.html.contains("\"cart\":{"), "the demo basket is on the kiosk: {}", state.html);

        // Another site's form cannot tap for the shopper.
        let mut forged = tap(KioskPay::PATH, &cookie, "https://evil.example/");
        forged.headers_mut().insert(header::ORIGIN, "https://evil.example".parse().unwrap());
        assert_eq!(send(&router, forged).await.status, StatusCode::FORBIDDEN);
    }
}
