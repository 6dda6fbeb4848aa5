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

/// What the cart page's handlers share.
#[derive(Clone)]
pub struct ShopPage {
    pub shop: ShopPortRef,
    pub stylesheet: String,
}

impl ShopPage {
    /// A new cart.
    pub async fn show(self, hints: Option<Extension<ResponseHints>>) -> Response {
        self.render(hints, &ShopForm::new(new_form_id()), &FieldErrors::default(), None, StatusCode::OK)
    }

    /// A posted cart: its total, or the way to Klarna.
    pub async fn post(self, hints: Option<Extension<ResponseHints>>, fields: Vec<(String, String)>) -> Response {
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
