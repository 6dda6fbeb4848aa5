//! The page Klarna sends the shopper back to. It asks the server again
//! while the server is still deciding.

use super::wording::wording;
use crate::model::{clock_time, PaymentStatus, PaymentView};
use crate::server_fns::shop::shop_payment;
use crate::shop::CheckoutOutcome;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

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
                                    <p><a href="/shop" rel="external">"Back to the shop"</a></p>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </main>
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
                    .then(|| view! { <a class="button" href="/shop" rel="external">{wording.shop_link}</a> })}
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
            <dd>{clock_time(&payment.updated_at_local)}</dd>
        </dl>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_rechecks_only_while_the_server_decides() {
        assert!(still_deciding(PaymentStatus::Authorized, CheckoutOutcome::Success));
        assert!(still_deciding(PaymentStatus::InProgress, CheckoutOutcome::Success));
        assert!(!still_deciding(PaymentStatus::Back, CheckoutOutcome::Back));
        assert!(!still_deciding(PaymentStatus::Completed, CheckoutOutcome::Success));
    }
}
