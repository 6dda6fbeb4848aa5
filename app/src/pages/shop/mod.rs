//! The demo web shop (`/shop`): a small cart and "Pay with Klarna", which
//! redirects the browser to Klarna's payment page; and the result pages
//! Klarna sends the shopper back to (`/shop/payments/{id}/{outcome}`).

mod result;
mod wording;

pub use result::ResultPage;

use crate::browser::{bind_value, load_page, new_attempt_key};
use crate::model::StoreSummary;
use crate::server_fns::shop::{shop_store, start_shop_payment};
use crate::shop::{CATALOG, MAX_QUANTITY};
use crate::AppError;
use domain::{FieldErrors, MinorUnits};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ShopPage() -> impl IntoView {
    let store = Resource::new(|| (), |_| shop_store());
    view! {
        <Title text="Shop · Kassa"/>
        <main class="shop">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || {
                    store
                        .get()
                        .map(|result| match result {
                            Ok(store) => view! { <Checkout store/> }.into_any(),
                            Err(error) => view! { <p class="problem" role="alert">{error.to_string()}</p> }.into_any(),
                        })
                }}
            </Suspense>
        </main>
    }
}

fn total(quantities: &[u32]) -> MinorUnits {
    MinorUnits(CATALOG.iter().zip(quantities).map(|(item, q)| item.unit_price * u64::from(*q)).sum())
}

#[component]
fn Checkout(store: StoreSummary) -> impl IntoView {
    let currency = store.currency;
    let language = store.money_language.clone();
    let quantities: [RwSignal<String>; 3] =
        [RwSignal::new("1".into()), RwSignal::new("1".into()), RwSignal::new("0".into())];
    let errors = RwSignal::new(FieldErrors::default());
    let problem = RwSignal::new(None::<String>);
    // One key per cart: a double click or a retry starts one payment.
    let attempt_key = StoredValue::new(None::<String>);
    let leaving = RwSignal::new(false);

    let start = Action::new(move |(key, quantities): &(String, Vec<u32>)| {
        let (key, quantities) = (key.clone(), quantities.clone());
        async move { start_shop_payment(key, quantities).await }
    });
    Effect::new(move |_| match start.value().get() {
        Some(Ok(payment)) => match payment.redirect_url {
            Some(url) => {
                leaving.set(true);
                load_page(&url);
            }
            None => problem.set(Some("Klarna did not give a payment page. Try again.".into())),
        },
        Some(Err(AppError::Invalid(found))) => errors.set(found),
        Some(Err(error)) => problem.set(Some(error.to_string())),
        None => {}
    });
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let busy = move || start.pending().get() || leaving.get();

    let parsed = move || -> Result<Vec<u32>, FieldErrors> {
        let mut errors = FieldErrors::default();
        let values: Vec<u32> = quantities
            .iter()
            .enumerate()
            .map(|(index, text)| match text.get().trim().parse::<u32>() {
                Ok(q) if q <= MAX_QUANTITY => q,
                _ => {
                    errors.push(format!("quantities[{index}]"), format!("enter 0 to {MAX_QUANTITY}"));
                    0
                }
            })
            .collect();
        if errors.is_empty() {
            Ok(values)
        } else {
            Err(errors)
        }
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy() {
            return;
        }
        match parsed() {
            Ok(values) => {
                errors.set(FieldErrors::default());
                problem.set(None);
                let key = attempt_key.get_value().unwrap_or_else(new_attempt_key);
                attempt_key.set_value(Some(key.clone()));
                start.dispatch((key, values));
            }
            Err(found) => errors.set(found),
        }
    };
    let total_language = language.clone();
    let total_text = move || parsed().ok().map(|q| total(&q).display(currency, &total_language));

    view! {
        <header class="store-bar">
            <h1>{store.name.clone()}</h1>
            <span class="view-name">"Web shop"</span>
        </header>
        <form class="cart shop-cart" on:submit=submit novalidate>
            <h2>"Your cart"</h2>
            <fieldset prop:disabled=busy>
                {CATALOG
                    .iter()
                    .enumerate()
                    .map(|(index, item)| {
                        let value = quantities[index];
                        let field = format!("quantities[{index}]");
                        let price = MinorUnits(item.unit_price).display(currency, &language);
                        let error = move || errors.with(|e| e.for_field(&field).map(ToString::to_string));
                        let control = NodeRef::<leptos::html::Input>::new();
                        bind_value(control, value);
                        view! {
                            <div class="shop-line">
                                <label class="field">
                                    <span>{item.name}</span>
                                    <input
                                        type="number"
                                        min="0"
                                        max=MAX_QUANTITY.to_string()
                                        inputmode="numeric"
                                        node_ref=control
                                        value=value.get_untracked()
                                        on:input=move |ev| {
                                            value.set(event_target_value(&ev));
                                            // A different cart is a new attempt.
                                            attempt_key.set_value(None);
                                        }
                                    />
                                </label>
                                <span class="price">{price}" each"</span>
                                {move || error().map(|m| view! { <span class="field-error">{m}</span> })}
                            </div>
                        }
                    })
                    .collect_view()}
                <p class="total" aria-live="polite">{move || total_text().map(|t| format!("Total {t}"))}</p>
                {move || {
                    errors.with(|e| {
                        e.for_field("quantities").map(|m| view! { <p class="field-error" role="alert">{m.to_string()}</p> })
                    })
                }}
                <button type="submit" class="primary klarna" disabled=move || !hydrated.get() || busy()>
                    {move || if busy() { "Going to Klarna…" } else { "Pay with Klarna" }}
                </button>
            </fieldset>
            {move || problem.get().map(|message| view! { <p class="problem" role="alert">{message}</p> })}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_follow_the_catalogue() {
        assert_eq!(total(&[1, 1, 0]), MinorUnits(19_900 + 12_900));
    }
}
