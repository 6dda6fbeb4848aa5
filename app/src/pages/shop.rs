//! The demo web shop (`/shop`): a small cart and "Pay with Klarna", which
//! redirects the browser to Klarna's payment page; and the result pages
//! Klarna sends the shopper back to (`/shop/payments/{id}/{outcome}`).

use crate::browser::{load_page, new_attempt_key};
use crate::model::{clock_time, PaymentStatus, PaymentView, StoreSummary};
use crate::server_fns::shop::{shop_payment, shop_store, start_shop_payment};
use crate::shop::{CheckoutOutcome, CATALOG, MAX_QUANTITY};
use crate::AppError;
use domain::{FieldErrors, MinorUnits};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

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
                        view! {
                            <div class="shop-line">
                                <label class="field">
                                    <span>{item.name}</span>
                                    <input
                                        type="number"
                                        min="0"
                                        max=MAX_QUANTITY.to_string()
                                        inputmode="numeric"
                                        prop:value=move || value.get()
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

/// Where Klarna sends the shopper back. What it says comes from the server's
/// state; the outcome in the path only picks between back and cancel wording.
#[component]
pub fn ResultPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let outcome = move || params.with(|p| p.get("outcome").and_then(|o| CheckoutOutcome::parse(&o)));
    let payment = Resource::new(id, shop_payment);
    view! {
        <Title text="Your payment · Kassa"/>
        <main class="checkout-result">
            <Suspense fallback=|| view! { <p>"Checking your payment…"</p> }>
                {move || {
                    let outcome = outcome();
                    payment
                        .get()
                        .map(|result| match (result, outcome) {
                            (Ok(found), Some(outcome)) => {
                                view! { <CheckoutResult payment=found.payment language=found.language outcome/> }.into_any()
                            }
                            _ => {
                                view! {
                                    <h1>"Payment not found"</h1>
                                    <p>
                                        "We could not find this payment, so nothing is confirmed here. If you have paid, Klarna sends you a confirmation."
                                    </p>
                                    <p><a href="/shop">"Back to the shop"</a></p>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </main>
    }
}

/// What the page says for a state, and whether it may still change soon.
struct Wording {
    heading: &'static str,
    text: &'static str,
    /// "Return to payment": the same Klarna page again.
    return_to_payment: bool,
    /// Where the other way out goes, and what it is called.
    shop_link: &'static str,
}

fn wording(status: PaymentStatus, outcome: CheckoutOutcome) -> Wording {
    use CheckoutOutcome as O;
    use PaymentStatus as S;
    let w = |heading, text, return_to_payment, shop_link| Wording { heading, text, return_to_payment, shop_link };
    match (status, outcome) {
        (S::Completed, _) => {
            w("Thank you for your order", "Klarna has confirmed your payment.", false, "Continue shopping")
        }
        (S::Authorized, _) => w(
            "Confirming your payment…",
            "Klarna has approved the payment and we are placing your order. This page updates by itself.",
            false,
            "",
        ),
        (S::Creating | S::Waiting | S::InProgress, O::Success) => w(
            "Payment not confirmed",
            "Klarna has not confirmed a payment for this order. If you have just paid, this page updates by itself.",
            true,
            "Change cart",
        ),
        (S::Declined, _) => w(
            "Klarna declined the payment",
            "Klarna could not approve this purchase, so nothing was charged. You can try another way to pay.",
            false,
            "Try another way",
        ),
        (S::Error, _) => w(
            "A technical error interrupted the payment",
            "This was a technical problem, not a decision about you, and nothing was charged. Please try again.",
            true,
            "Back to the shop",
        ),
        (S::Creating | S::Waiting | S::InProgress | S::Back, O::Cancel) => w(
            "You cancelled the payment",
            "Nothing was charged. On a web shop Klarna keeps the payment open, so you can still return to it.",
            true,
            "Change cart",
        ),
        (S::Creating | S::Waiting | S::InProgress | S::Back, _) => w(
            "You left the payment",
            "Nothing was charged and your payment is still open: return to it, or change your cart.",
            true,
            "Change cart",
        ),
        (S::Cancelled, _) => w(
            "Payment cancelled",
            "This payment was cancelled and can no longer be paid. Nothing was charged.",
            false,
            "Start again",
        ),
        (S::Disabled, _) => w(
            "Payment closed",
            "You left the payment, so it was closed and nothing can be charged. Start again when you are ready.",
            false,
            "Start again",
        ),
        (S::Expired, _) => {
            w("Payment expired", "The payment was not completed in time, so nothing was charged.", false, "Start again")
        }
        (S::Failed, _) => w(
            "The payment could not be started",
            "Something went wrong before you could pay, so nothing was charged.",
            false,
            "Start again",
        ),
    }
}

/// Whether the server may still decide this payment in a moment.
fn still_deciding(status: PaymentStatus, outcome: CheckoutOutcome) -> bool {
    match status {
        PaymentStatus::Creating | PaymentStatus::Authorized => true,
        PaymentStatus::Waiting | PaymentStatus::InProgress => outcome == CheckoutOutcome::Success,
        _ => false,
    }
}

/// How often, and how many times, the page asks again while undecided.
const RECHECK_MS: u64 = 1_000;
const RECHECKS: u32 = 60;

#[component]
fn CheckoutResult(payment: PaymentView, language: String, outcome: CheckoutOutcome) -> impl IntoView {
    let payment = RwSignal::new(payment);
    let checks = StoredValue::new(0u32);
    // The browser asks the server again while the server is still deciding
    // (Klarna approved, the order is being placed); effects run only there.
    Effect::new(move |_| {
        let (id, status) = payment.with(|p| (p.id.clone(), p.status));
        if !still_deciding(status, outcome) || checks.get_value() >= RECHECKS {
            return;
        }
        checks.update_value(|n| *n += 1);
        set_timeout(
            move || {
                leptos::task::spawn_local(async move {
                    if let Ok(now) = shop_payment(id).await {
                        payment.set(now.payment);
                    } else {
                        // Ask again on the next tick anyway.
                        payment.update(|_| {});
                    }
                })
            },
            std::time::Duration::from_millis(RECHECK_MS),
        );
    });
    move || {
        let current = payment.get();
        let wording = wording(current.status, outcome);
        let paid = current.status == PaymentStatus::Completed;
        let amount = current.order_amount.display(current.currency, &language);
        let return_url = current.redirect_url.clone().filter(|_| wording.return_to_payment);
        view! {
            <h1>{wording.heading}</h1>
            <p class="result-text" role="status">{wording.text}</p>
            {paid.then(|| receipt(&current, amount.clone()))}
            {(!paid).then(|| view! { <p class="result-amount">"Amount: " {amount.clone()}</p> })}
            <div class="button-row">
                {return_url.map(|url| view! { <a class="button primary" href=url rel="external">"Return to payment"</a> })}
                {(!wording.shop_link.is_empty())
                    .then(|| view! { <a class="button" href="/shop">{wording.shop_link}</a> })}
            </div>
        }
    }
}

/// What Klarna requires the merchant to show after a payment.
fn receipt(payment: &PaymentView, amount: String) -> impl IntoView {
    view! {
        <dl class="receipt">
            <dt>"Amount"</dt>
            <dd>{amount}</dd>
            <dt>"Order id"</dt>
            <dd>{payment.order_id.clone().unwrap_or_else(|| "–".into())}</dd>
            <dt>"Klarna reference"</dt>
            <dd>{payment.klarna_reference.clone().unwrap_or_else(|| "–".into())}</dd>
            <dt>"Time"</dt>
            <dd>{clock_time(&payment.updated_at)}</dd>
        </dl>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_completed_payment_reads_as_success() {
        for status in [
            PaymentStatus::Waiting,
            PaymentStatus::InProgress,
            PaymentStatus::Back,
            PaymentStatus::Declined,
            PaymentStatus::Error,
            PaymentStatus::Authorized,
        ] {
            let heading = wording(status, CheckoutOutcome::Success).heading;
            assert_ne!(heading, "Thank you for your order", "{status:?}");
        }
        assert_eq!(wording(PaymentStatus::Completed, CheckoutOutcome::Back).heading, "Thank you for your order");
    }

    #[test]
    fn cancel_on_the_web_reads_as_back_and_keeps_the_way_back() {
        let cancel = wording(PaymentStatus::Back, CheckoutOutcome::Cancel);
        assert!(cancel.return_to_payment);
        assert_eq!(cancel.heading, "You cancelled the payment");
        assert!(!wording(PaymentStatus::Cancelled, CheckoutOutcome::Cancel).return_to_payment);
        assert!(!wording(PaymentStatus::Disabled, CheckoutOutcome::Back).return_to_payment);
    }

    #[test]
    fn the_page_rechecks_only_while_the_server_decides() {
        assert!(still_deciding(PaymentStatus::Authorized, CheckoutOutcome::Success));
        assert!(still_deciding(PaymentStatus::InProgress, CheckoutOutcome::Success));
        assert!(!still_deciding(PaymentStatus::Back, CheckoutOutcome::Back));
        assert!(!still_deciding(PaymentStatus::Completed, CheckoutOutcome::Success));
    }

    #[test]
    fn totals_follow_the_catalogue() {
        assert_eq!(total(&[1, 1, 0]), MinorUnits(19_900 + 12_900));
    }
}
