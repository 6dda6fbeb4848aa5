use crate::i18n::{self, tr, use_lang, Word};
use crate::model::{clock_time, PaymentStatus, PaymentView};
use crate::pages::seller::ReferenceRows;
use leptos::prelude::*;

/// The end of a payment: what Klarna requires the merchant to show when paid,
/// or why it ended, and the way to the next sale.
#[component]
pub fn Outcome(
    payment: PaymentView,
    money_language: String,
    new_sale: impl Fn(leptos::ev::MouseEvent) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    let paid = payment.status == PaymentStatus::Completed;
    let problem = payment.problem.clone().filter(|_| !paid);
    view! {
        <div class="outcome">
            {problem.map(|found| view! { <p class="outcome-reason">{move || i18n::problem(lang.get(), &found)}</p> })}
            {paid.then(|| view! { <Receipt payment=payment.clone() money_language/> })}
            <button type="button" class="primary" on:click=new_sale>
                {move || if paid { t(Word::NewSale) } else { t(Word::StartAgain) }}
            </button>
        </div>
    }
}

/// The payment information Klarna requires the merchant to show.
#[component]
fn Receipt(payment: PaymentView, money_language: String) -> impl IntoView {
    let lang = use_lang();
    let t = move |word: Word| tr(lang.get(), word);
    let amount = payment.order_amount.display(payment.currency, &money_language);
    view! {
        <dl class="receipt">
            <dt>{move || t(Word::Amount)}</dt>
            <dd>{amount}</dd>
            <ReferenceRows payment=payment.clone()/>
            <dt>{move || t(Word::Time)}</dt>
            <dd>{clock_time(&payment.updated_at_local)}</dd>
        </dl>
    }
}
