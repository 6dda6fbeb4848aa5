//! The kiosk before paying: a welcome, then the shopper's basket.

use super::screen::{CallButton, KioskScreen};
use super::words::Text;
use crate::server_fns::kiosk::{kiosk_demo_basket, kiosk_pay};
use domain::Cart;
use leptos::prelude::*;

/// No shopper yet.
#[component]
pub fn Welcome(kiosk: KioskScreen) -> impl IntoView {
    view! {
        <section class="kiosk-screen" aria-labelledby="kiosk-heading">
            <h1 id="kiosk-heading" class="kiosk-big">{move || kiosk.t(Text::Welcome)}</h1>
            <p class="kiosk-lead">{move || kiosk.t(Text::ScanItems)}</p>
            <Show when=move || kiosk.state.with(|s| s.demo_basket)>
                <button class="kiosk-button" on:click=move |_| kiosk.run(Box::pin(kiosk_demo_basket()))>
                    {move || kiosk.t(Text::DemoBasket)}
                </button>
            </Show>
        </section>
    }
}

/// The scanned basket and the way to pay for it.
#[component]
pub fn Basket(kiosk: KioskScreen, cart: Cart) -> impl IntoView {
    let total = cart.order_amount;
    view! {
        <section class="kiosk-screen" aria-labelledby="kiosk-heading">
            <h1 id="kiosk-heading">{move || kiosk.t(Text::YourBasket)}</h1>
            <ul class="kiosk-lines">
                {cart
                    .lines
                    .iter()
                    .map(|line| {
                        let (name, quantity, amount) = (line.name.clone(), line.quantity, line.total_amount);
                        view! {
                            <li>
                                <span>{format!("{quantity} × {name}")}</span>
                                <span class="num">{move || kiosk.money(amount)}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <p class="kiosk-total">
                {move || kiosk.t(Text::Total)} " " {move || kiosk.money(total)}
            </p>
            <CallButton kiosk classes="kiosk-button primary kiosk-pay" text=Text::Pay call=|| Box::pin(kiosk_pay())/>
        </section>
    }
}
