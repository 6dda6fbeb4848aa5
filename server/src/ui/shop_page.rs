//! The demo shop's cart page (`/shop`): a plain form, rendered and answered
//! here rather than by the app, so it runs no script at all. "Update total"
//! shows the cart's total; "Pay with Klarna" starts the payment and sends
//! the browser on to Klarna's payment page (303), or shows the form again as
//! the shopper typed it, with what was wrong.

use app::ports::ShopPortRef;
use app::response_hints::{PageScripts, ResponseHints};
use app::shop::{cart_for, ShopForm, ShopIntent};
use app::AppError;
use axum::extract::Extension;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::FieldErrors;
use leptos::prelude::Owner;

/// What the shop's pages (the cart here, the result in `shop_result`) need.
#[derive(Clone)]
pub struct ShopPages {
    pub shop: ShopPortRef,
    pub stylesheet: String,
}

impl ShopPages {
    /// A new cart.
    pub async fn cart(self, hints: Option<Extension<ResponseHints>>) -> Response {
        self.render(hints, &ShopForm::new(new_form_id()), &FieldErrors::default(), None, StatusCode::OK)
    }

    /// A posted cart: its total, or the way to Klarna.
    pub async fn post_cart(self, hints: Option<Extension<ResponseHints>>, fields: Vec<(String, String)>) -> Response {
        let (form, intent) = ShopForm::from_fields(&fields);
        let quantities = match form.parse() {
            Ok(quantities) => quantities,
            Err(errors) => return self.refuse(hints, form, errors),
        };
        if intent == ShopIntent::UpdateTotal {
            return self.render(hints, &form, &FieldErrors::default(), None, StatusCode::OK);
        }
        let cart = match cart_for(&quantities) {
            Ok(cart) => cart,
            Err(errors) => return self.refuse(hints, form, errors),
        };
        match self.shop.start_shop_payment(form.attempt_key(&quantities), cart).await {
            Ok(payment) => match payment.redirect_url {
                Some(url) => Redirect::to(&url).into_response(),
                None => {
                    let problem = "Klarna did not give a payment page. Try again.".to_string();
                    self.render(hints, &form, &FieldErrors::default(), Some(problem), StatusCode::BAD_GATEWAY)
                }
            },
            Err(AppError::Invalid(errors)) => self.refuse(hints, form, errors),
            Err(error) => {
                let status = error.http_status();
                self.render(hints, &form, &FieldErrors::default(), Some(error.to_string()), status)
            }
        }
    }

    /// The form again as typed, with what was wrong. A form that was not the
    /// server's own gets a new id, so that the shopper can go on.
    fn refuse(self, hints: Option<Extension<ResponseHints>>, mut form: ShopForm, errors: FieldErrors) -> Response {
        if errors.for_field("form_id").is_some() {
            form.form_id = new_form_id();
        }
        self.render(hints, &form, &errors, None, StatusCode::UNPROCESSABLE_ENTITY)
    }

    fn render(
        &self,
        hints: Option<Extension<ResponseHints>>,
        form: &ShopForm,
        errors: &FieldErrors,
        problem: Option<String>,
        status: StatusCode,
    ) -> Response {
        if let Some(Extension(hints)) = hints {
            hints.record(PageScripts::NoneFormToKlarna);
        }
        let Some(store) = self.shop.web_shop() else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let html = Owner::new().with(|| app::shop_document(&self.stylesheet, &store, form, errors, problem));
        (status, Html(html)).into_response()
    }
}

/// A new form's id: 32 hex digits, unguessable and never reused.
fn new_form_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Route tests for the shop's pages; the result page's share the helpers.
#[cfg(test)]
pub(super) mod tests {
    use crate::startup::router;
    use crate::state::AppState;
    use crate::testing::{service_on_simulator, TestKlarna};
    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use tower::ServiceExt;

    /// Kassa's whole router on the simulator, as a browser reaches the cart.
    pub(in crate::ui) async fn kassa() -> (axum::Router, TestKlarna) {
        let (service, klarna) = service_on_simulator().await;
        let options = leptos::prelude::LeptosOptions::builder().output_name("kassa").build();
        (router(options, AppState::new(service), None), klarna)
    }

    pub(in crate::ui) struct Answer {
        pub status: StatusCode,
        pub location: Option<String>,
        pub policy: String,
        pub html: String,
    }

    pub(in crate::ui) async fn send(router: &axum::Router, request: Request<Body>) -> Answer {
        let answer = router.clone().oneshot(request).await.unwrap();
        let text = |name| answer.headers().get(name).map(|v| v.to_str().unwrap().to_string());
        let (status, location, policy) =
            (answer.status(), text(header::LOCATION), text(header::CONTENT_SECURITY_POLICY).unwrap_or_default());
        let body = axum::body::to_bytes(answer.into_body(), usize::MAX).await.unwrap();
        Answer { status, location, policy, html: String::from_utf8(body.to_vec()).unwrap() }
    }

    /// A post of the cart from Kassa's own page.
    pub(in crate::ui) async fn post(router: &axum::Router, form: &str) -> Answer {
        let request = Request::post("/shop")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(form.to_string()))
            .unwrap();
        send(router, request).await
    }

    fn form_id_of(html: &str) -> String {
        let at = html.find("name=\"form_id\" value=\"").expect("the form carries its id") + 22;
        html[at..at + 32].to_string()
    }

    #[tokio::test]
    async fn the_cart_runs_no_script_and_its_form_may_lead_only_to_kassa_and_klarna() {
        let (router, _klarna) = kassa().await;
        let page = send(&router, Request::get("/shop").body(Body::empty()).unwrap()).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html.contains("<form method=\"post\" action=\"/shop\""), "{}", page.html);
        assert!(!page.html.contains("<script") && !page.html.contains(".wasm"), "{}", page.html);
        assert!(page.html.contains("Total 328,00"), "the starting cart's total: {}", page.html);
        assert!(!page.policy.contains("script-src"), "{}", page.policy);
        assert!(page.policy.contains("form-action 'self' http://127.0.0.1"), "{}", page.policy);
        let again = send(&router, Request::get("/shop").body(Body::empty()).unwrap()).await;
        assert_ne!(form_id_of(&page.html), form_id_of(&again.html), "each new cart page is a new form");
    }

    #[tokio::test]
    async fn one_payment_per_form_and_cart_however_often_it_is_posted() {
        let (router, klarna) = kassa().await;
        let page = send(&router, Request::get("/shop").body(Body::empty()).unwrap()).await;
        let id = form_id_of(&page.html);
        let cart = format!("form_id={id}&quantities%5B0%5D=1&quantities%5B1%5D=2&quantities%5B2%5D=0&intent=pay");

        let first = post(&router, &cart).await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.html);
        let to_klarna = first.location.expect("the way to Klarna's page");
        assert!(to_klarna.contains("/pay/"), "{to_klarna}");
        let again = post(&router, &cart).await;
        assert_eq!(again.location.as_deref(), Some(to_klarna.as_str()), "a double click or a retry: the same page");
        assert_eq!(klarna.hpp_sessions(), 1);

        let changed = post(&router, &cart.replace("quantities%5B1%5D=2", "quantities%5B1%5D=3")).await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER);
        assert_ne!(changed.location.as_deref(), Some(to_klarna.as_str()), "a changed cart is a new attempt");
        assert_eq!(klarna.hpp_sessions(), 2);
    }

    #[tokio::test]
    async fn a_refused_cart_comes_back_as_typed_and_starts_nothing() {
        let (router, klarna) = kassa().await;
        let id = "0123456789abcdef0123456789abcdef";
        let bad =
            post(&router, &format!("form_id={id}&quantities%5B0%5D=21&quantities%5B1%5D=-1&quantities%5B2%5D=1")).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.html.matches("enter 0 to 20").count(), 2, "{}", bad.html);
        assert!(bad.html.contains("value=\"21\"") && bad.html.contains(id), "kept as typed: {}", bad.html);

        let empty =
            post(&router, &format!("form_id={id}&quantities%5B0%5D=0&quantities%5B1%5D=0&quantities%5B2%5D=0")).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.html.contains("the cart is empty"), "{}", empty.html);

        let forged =
            post(&router, "form_id=%3Cb%3Ex&quantities%5B0%5D=1&quantities%5B1%5D=0&quantities%5B2%5D=0").await;
        assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(forged.html.contains("was not the shop") && !forged.html.contains("<b>x"), "{}", forged.html);
        assert_eq!(form_id_of(&forged.html).len(), 32, "a new form to go on with");

        let total = post(
            &router,
            &format!("form_id={id}&quantities%5B0%5D=0&quantities%5B1%5D=0&quantities%5B2%5D=2&intent=total"),
        )
        .await;
        assert_eq!(total.status, StatusCode::OK);
        assert!(total.html.contains("Total 158,00"), "{}", total.html);
        assert_eq!(klarna.hpp_sessions(), 0, "nothing started");
    }

    #[tokio::test]
    async fn another_site_cannot_post_the_cart() {
        let (router, klarna) = kassa().await;
        let request = Request::post("/shop")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "cross-site")
            .body(Body::from("form_id=0123456789abcdef&quantities%5B0%5D=1&quantities%5B1%5D=0&quantities%5B2%5D=0"))
            .unwrap();
        assert_eq!(send(&router, request).await.status, StatusCode::FORBIDDEN);
        assert_eq!(klarna.hpp_sessions(), 0);
    }
}
