//! The kiosk while paying: the status in words, the receipt once paid, and
//! a way forward when something went wrong.

use super::screen::{call_form, seconds_left, KioskScreen};
use super::words::Text;
use crate::browser::parse_time;
use crate::kiosk::ScreenPayment;
use crate::model::PaymentStatus;
use crate::server_fns::kiosk::KioskTryAgain;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

pub fn pay_on_phone(kiosk: KioskScreen, payment: ScreenPayment) -> impl IntoView {
    let status = payment.status;
    let (icon, words) = match status {
        PaymentStatus::Creating => ("⏳", Text::Creating),
        PaymentStatus::Waiting => ("📱", Text::Waiting),
        PaymentStatus::InProgress => ("📱", Text::Paying),
        PaymentStatus::Authorized => ("⏳", Text::Confirming),
        PaymentStatus::Completed => ("✅", Text::PaidThanks),
        PaymentStatus::Declined => ("⛔", Text::Declined),
        PaymentStatus::Back => ("↩", Text::Back),
        PaymentStatus::Error => ("⚠", Text::Error),
        _ => ("⛔", Text::Stopped),
    };
    let heading = if status == PaymentStatus::Completed { Text::PaidThanks } else { Text::PayOnPhone };
    let trouble = !matches!(
        status,
        PaymentStatus::Creating
            | PaymentStatus::Waiting
            | PaymentStatus::InProgress
            | PaymentStatus::Authorized
            | PaymentStatus::Completed
    );
    let amount = payment.order_amount;
    let reference = payment.klarna_reference.clone().unwrap_or_default();
    let updated = payment.updated_at.clone();
    view! {
        <section class="kiosk-screen" aria-labelledby="kiosk-heading">
            <h1 id="kiosk-heading">{kiosk.t(heading)}</h1>
            // ASCII only: `to_lowercase` would bring Unicode's case tables into the bundle.
            <p class=format!("kiosk-status status-{status:?}").to_ascii_lowercase() role="status">
                <span class="kiosk-icon" aria-hidden="true">{icon}</span>
                " "
                {kiosk.t(words)}
            </p>
            {(status == PaymentStatus::Completed)
                .then(|| {
                    view! {
                        <dl class="receipt kiosk-receipt">
                            <dt>{kiosk.t(Text::Amount)}</dt>
                            <dd>{kiosk.money(amount)}</dd>
                            <dt>{kiosk.t(Text::Reference)}</dt>
                            <dd>{reference.clone()}</dd>
                        </dl>
                        <p class="kiosk-lead">
                            {kiosk.t(Text::ResetsIn)} " "
                            {move || {
                                let left = kiosk
                                    .clock
                                    .get()
                                    .and_then(|now| parse_time(&updated).map(|at| (now, at)))
                                    .map(|(now, at)| {
                                        seconds_left(kiosk.state.with(|s| s.reset_after_paid_seconds), at, now)
                                    });
                                left.map(|s| format!("{s} s")).unwrap_or_default()
                            }}
                        </p>
                    }
                })}
            {trouble
                .then(|| {
                    view! {
                        <div class="kiosk-actions">
                            {call_form(kiosk, KioskTryAgain::PATH, "kiosk-button primary", Text::TryAgain, Vec::new())}
                            <button class="kiosk-button" on:click=move |_| kiosk.help.set(true)>
                                {kiosk.t(Text::AskStaff)}
                            </button>
                        </div>
                        {move || {
                            kiosk
                                .help
                                .get()
                                .then(|| view! { <p class="kiosk-lead" role="status">{kiosk.t(Text::StaffComing)}</p> })
                        }}
                    }
                })}
        </section>
    }
}
