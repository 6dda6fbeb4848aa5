//! The demo web shop (`/shop`): a small cart and "Pay with Klarna", which
//! takes the browser to Klarna's payment page; and the result pages Klarna
//! sends the shopper back to (`/shop/payments/{id}/{outcome}`).
//!
//! Both are pages the server renders and answers (see the server's
//! `ui::shop_page`): they run no script, so a shopper's phone shows them and
//! can pay the moment they arrive, on any network and with scripts off.

#[cfg(feature = "ssr")]
mod result;
#[cfg(feature = "ssr")]
mod wording;

#[cfg(feature = "ssr")]
pub use result::shop_result_document;

#[cfg(feature = "ssr")]
use crate::{
    document::scriptless_document,
    model::StoreSummary,
    shop::{total, ShopForm, CATALOG, MAX_QUANTITY},
};
#[cfg(feature = "ssr")]
use domain::{FieldErrors, MinorUnits};
#[cfg(feature = "ssr")]
use leptos::prelude::*;

/// The shop's cart page as a whole document: the form as posted (or a new
/// one), what was wrong with it, and a problem from the last try to pay.
/// `stylesheet` is the site's stylesheet's address.
#[cfg(feature = "ssr")]
pub fn shop_document(
    stylesheet: &str,
    store: &StoreSummary,
    form: &ShopForm,
    errors: &FieldErrors,
    problem: Option<String>,
) -> String {
    let (currency, language) = (store.currency, store.money_language.clone());
    let shown_total = form.parse().ok().map(|quantities| total(&quantities).display(currency, &language));
    let lines = CATALOG
        .iter()
        .zip(&form.quantities)
        .enumerate()
        .map(|(index, (item, quantity))| {
            let field = format!("quantities[{index}]");
            let error = errors.for_field(&field).map(ToString::to_string);
            let price = MinorUnits(item.unit_price).display(currency, &language);
            view! {
                <div class="shop-line">
                    <label class="field">
                        <span>{item.name}</span>
                        <input
                            type="number"
                            name=field
                            min="0"
                            max=MAX_QUANTITY.to_string()
                            inputmode="numeric"
                            value=quantity.clone()
                            aria-invalid=error.is_some().then_some("true")
                        />
                    </label>
                    <span class="price">{price}" each"</span>
                    {error.map(|message| view! { <span class="field-error">{message}</span> })}
                </div>
            }
        })
        .collect_view();
    // A form the shopper cannot fix (not the server's own) says so as a whole.
    let form_problem = errors.for_field("quantities").or_else(|| errors.for_field("form_id")).map(ToString::to_string);
    let page = view! {
        <main class="shop">
            <header class="store-bar">
                <h1>{store.name.clone()}</h1>
                <span class="view-name">"Web shop"</span>
            </header>
            <form class="cart shop-cart" method="post" action="/shop" novalidate>
                <h2>"Your cart"</h2>
                <input type="hidden" name="form_id" value=form.form_id.clone()/>
                {lines}
                // First in the form, so Enter in a quantity updates the
                // total rather than leaving for Klarna.
                <div class="shop-total">
                    <p class="total">{shown_total.map(|total| format!("Total {total}"))}</p>
                    <button type="submit" name="intent" value="total">"Update total"</button>
                </div>
                {form_problem.map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
                <button type="submit" name="intent" value="pay" class="primary klarna">"Pay with Klarna"</button>
                {problem.map(|message| view! { <p class="problem" role="alert">{message}</p> })}
            </form>
        </main>
    }
    .into_any();
    scriptless_document("en", "Shop · Kassa".to_string(), stylesheet, None, page)
}
