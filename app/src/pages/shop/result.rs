//! The page Klarna sends the shopper back to, rendered by the server as a
//! page that runs no script. While the server is still deciding (Klarna
//! approved, the order is being placed) it reloads itself each second, for
//! at most a minute.

use super::wording::wording;
use crate::document::scriptless_document;
use crate::model::{clock_time, PaymentStatus, PaymentView};
use crate::shop::CheckoutOutcome;
use leptos::prelude::*;

/// How many times the page reloads itself while the server decides, one
/// second apart.
pub const RECHECKS: u32 = 60;

/// The result page as a whole document. `found` is the payment and the
/// language to show its amounts in, or `None` when there is no such demo
/// shop payment (or the outcome in the address is not one of Klarna's);
/// `checks` is how many times the page has reloaded itself so far.
pub fn shop_result_document(
    stylesheet: &str,
    found: Option<(PaymentView, String)>,
    outcome: Option<CheckoutOutcome>,
    checks: u32,
) -> String {
    let (body, refresh) = match (found, outcome) {
        (Some((payment, language)), Some(outcome)) => {
            let again = still_deciding(payment.status, outcome) && checks < RECHECKS;
            (checkout_result(&payment, &language, outcome), again.then(|| format!("1;url=?check={}", checks + 1)))
        }
        _ => (
            view! {
                <h1>"Payment not found"</h1>
                <p>
                    "We could not find this payment, so nothing is confirmed here. If you have paid, Klarna sends you a confirmation."
                </p>
                <p><a href="/shop">"Back to the shop"</a></p>
            }
            .into_any(),
            None,
        ),
    };
    let page = view! { <main class="checkout-result">{body}</main> }.into_any();
    scriptless_document("en", "Your payment · Kassa".to_string(), stylesheet, refresh, page)
}

/// Whether the server may still decide this payment in a moment.
fn still_deciding(status: PaymentStatus, outcome: CheckoutOutcome) -> bool {
    match status {
        PaymentStatus::Creating | PaymentStatus::Authorized => true,
        PaymentStatus::Waiting | PaymentStatus::InProgress => outcome == CheckoutOutcome::Success,
        _ => false,
    }
}

fn checkout_result(payment: &PaymentView, language: &str, outcome: CheckoutOutcome) -> AnyView {
    let wording = wording(payment.status, outcome);
    let paid = payment.status == PaymentStatus::Completed;
    let amount = payment.order_amount.display(payment.currency, language);
    let return_url = payment.redirect_url.clone().filter(|_| wording.return_to_payment);
    view! {
        <h1>{wording.heading}</h1>
        <p class="result-text" role="status">{wording.text}</p>
        {paid.then(|| receipt(payment, amount.clone()))}
        {(!paid).then(|| view! { <p class="result-amount">"Amount: " {amount.clone()}</p> })}
        <div class="button-row">
            {return_url.map(|url| view! { <a class="button primary" href=url>"Return to payment"</a> })}
            {(!wording.shop_link.is_empty()).then(|| view! { <a class="button" href="/shop">{wording.shop_link}</a> })}
        </div>
    }
    .into_any()
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
