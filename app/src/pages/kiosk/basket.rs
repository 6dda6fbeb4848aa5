//! The kiosk before paying: a welcome, then the shopper's basket.

use super::screen::{call_form, KioskScreen};
use super::words::Text;
use crate::kiosk::ScreenCart;
use crate::server_fns::kiosk::{KioskDemoBasket, KioskPay};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// No shopper yet.
pub fn welcome(kiosk: KioskScreen) -> impl IntoView {
    view! {
        <section class="kiosk-screen" aria-labelledby="kiosk-heading">
            <h1 id="kiosk-heading" class="kiosk-big">{kiosk.t(Text::Welcome)}</h1>
            <p class="kiosk-lead">{kiosk.t(Text::ScanItems)}</p>
            {move || {
                kiosk
                    .state
                    .with(|s| s.demo_basket)
                    .then(|| call_form(kiosk, KioskDemoBasket::PATH, "kiosk-button", Text::DemoBasket, Vec::new()))
            }}
        </section>
    }
}

/// The scanned basket and the way to pay for it.
pub fn basket(kiosk: KioskScreen, cart: ScreenCart) -> impl IntoView {
    let total = cart.order_amount;
    view! {
        <section class="kiosk-screen" aria-labelledby="kiosk-heading">
            <h1 id="kiosk-heading">{kiosk.t(Text::YourBasket)}</h1>
            <ul class="kiosk-lines">
                {cart
                    .lines
                    .iter()
                    .map(|line| {
                        let (name, quantity, amount) = (line.name.clone(), line.quantity, line.total_amount);
                        view! {
                            <li>
                                <span>{format!("{quantity} × {name}")}</span>
                                <span class="num">{kiosk.money(amount)}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <p class="kiosk-total">
                {kiosk.t(Text::Total)} " " {kiosk.money(total)}
            </p>
            {call_form(kiosk, KioskPay::PATH, "kiosk-button primary kiosk-pay", Text::Pay, Vec::new())}
        </section>
    }
}
