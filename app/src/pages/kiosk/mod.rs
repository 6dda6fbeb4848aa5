//! The self-checkout kiosk: the shopper pays on their own phone through the
//! Distribution Module's consumer view, and the screen forgets them after
//! paying, after idling, or on Cancel.

mod basket;
mod payment;
mod screen;
mod words;

use crate::browser::{forget_browser_storage, load_page_if_answered, now, LiveStream};
use crate::i18n::Lang;
use crate::kiosk::{NextStep, ResetReason, ScreenState};
use crate::model::PaymentStatus;
use crate::server_fns::kiosk::{KioskReset, KioskState};
use basket::{basket, welcome};
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use payment::pay_on_phone;
use screen::{call_form, problem_line, seconds_left, KioskScreen};
use words::Text;

#[cfg(feature = "ssr")]
#[component]
pub fn KioskPage() -> impl IntoView {
    // The server renders the screen without the shopper: the island's props
    // stay in the page's HTML, and a reset could not take them back out of
    // the DOM. The live stream brings the basket right after.
    let initial = async {
        crate::server_fns::kiosk::kiosk_state()
            .await
            .map(|view| ScreenState::from(crate::kiosk::KioskView { cart: None, payment: None, revision: 0, ..view }))
    };
    let problem = refused_tap();
    view! {
        <leptos_meta::Title text="Self-checkout · Kassa"/>
        <Suspense fallback=|| view! { <main class="kiosk"><p>"…"</p></main> }>
            {Suspend::new(async move {
                match initial.await {
                    Ok(state) => view! { <Kiosk initial=state problem/> }.into_any(),
                    Err(error) => {
                        view! {
                            <main class="kiosk">
                                <p class="problem" role="alert">{error.to_string()}</p>
                            </main>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// A tap made before the island hydrated is a plain form post; a refused one
/// comes back with its error in the address, and the page says what to do.
#[cfg(feature = "ssr")]
fn refused_tap() -> Option<NextStep> {
    let query = leptos_router::hooks::use_query_map();
    let value = |key: &str| query.with_untracked(|q| q.get(key));
    let error = crate::server_fns::refused_form_post(value, |path| path.starts_with("/kiosk/fn/"))?;
    Some(NextStep::after(error.http_status().as_u16()))
}

/// The stream was refused: if this screen is no longer an enrolled kiosk, the
/// page itself says so (and how to enrol again); otherwise keep trying.
fn reload_if_no_longer_a_kiosk() {
    load_page_if_answered(KioskState::PATH, 403, "/kiosk");
}

/// The kiosk's screen as an island: everything on it follows the stream.
/// Its taps post forms (`call_form`) rather than call server functions: the
/// server-function client would be a third of the island's code. Not lazy:
/// it is the only island of its bundle, whose main module it is (in a chunk
/// of its own it came to 6.8 KB more, brotli: 120.8 against 114.0).
#[island]
fn Kiosk(initial: ScreenState, problem: Option<NextStep>) -> impl IntoView {
    let kiosk = KioskScreen::new(initial, problem);
    let KioskScreen { state, lang, problem, help, clock, last_touch, .. } = kiosk;
    // Set once hydrated and following the stream (tests wait for it).
    let live = RwSignal::new(false);
    let connected = RwSignal::new(true);

    // Browser only: the live stream, the clock and touches.
    Effect::new(move |_| {
        // The server sends the kiosk's state first on every connect.
        let stream = LiveStream::new("/kiosk/events", connected)
            .on("kiosk", move |view: ScreenState| kiosk.apply(view))
            .on_refused(reload_if_no_longer_a_kiosk);
        // The kiosk page never leaves, so neither does its stream.
        std::mem::forget(stream.open());
        let tick = move || clock.set(now());
        tick();
        kiosk.touched();
        let _ = set_interval_with_handle(tick, std::time::Duration::from_millis(500));
        let _ = window_event_listener(leptos::ev::pointerdown, move |_| kiosk.touched());
        let _ = window_event_listener(leptos::ev::keydown, move |_| kiosk.touched());
        live.set(true);
    });

    // Where the shopper is (`KioskScreen::stage`). Any change counts as a
    // touch (a basket scanned, a move on the shopper's phone: they are at it).
    let shown = Memo::new(move |_| kiosk.stage());
    Effect::new(move |previous: Option<(u64, bool, Option<PaymentStatus>)>| {
        let (session, cart, status) = shown.get();
        match previous {
            // A new shopper: nothing of the last one survives in the page's own state.
            Some((was, ..)) if was != session => {
                lang.set(Lang::En);
                problem.set(None);
                help.set(false);
                forget_browser_storage();
            }
            // A basket or a payment appeared: whatever the last tap was refused
            // is behind the shopper now (or that tap was taken, its answer lost).
            Some((_, had_cart, had_status)) if (cart && !had_cart) || (status.is_some() && had_status.is_none()) => {
                problem.set(None);
            }
            _ => {}
        }
        kiosk.touched();
        (session, cart, status)
    });

    let paid = move || shown.with(|(_, _, status)| *status == Some(PaymentStatus::Completed));
    let occupied = move || shown.with(|(_, cart, status)| *cart || status.is_some());
    let idle_left = Memo::new(move |_| {
        let now = clock.get()?;
        if !occupied() || paid() {
            return None;
        }
        Some(seconds_left(state.with(|s| s.idle_seconds), last_touch.get(), now))
    });
    let idle_requested = StoredValue::new(None::<u64>);
    Effect::new(move |_| {
        if idle_left.get() == Some(0) {
            let session = state.with_untracked(|s| s.session);
            if idle_requested.get_value() != Some(session) {
                idle_requested.set_value(Some(session));
                let fields = KioskScreen::reset_fields(session, ResetReason::Idle);
                leptos::task::spawn_local(kiosk.call(KioskReset::PATH, fields));
            }
        }
    });

    let t = move |text: Text| kiosk.t(text);
    let warn_from = move || (state.with(|s| s.idle_seconds) / 2).min(15);
    // Its own memo, so a status change never reloads the consumer view.
    let module_url = Memo::new(move |_| {
        state.with(|s| {
            s.payment
                .as_ref()
                .filter(|p| matches!(p.status, PaymentStatus::Waiting | PaymentStatus::InProgress))
                .and_then(|p| p.distribution_module_url.clone())
        })
    });

    let screen = move || {
        let (cart, payment) = state.with(|s| (s.cart.clone(), s.payment.clone()));
        match (cart, payment) {
            (None, None) => EitherOf3::A(welcome(kiosk)),
            (Some(cart), None) => EitherOf3::B(basket(kiosk, cart)),
            (_, Some(payment)) => EitherOf3::C(pay_on_phone(kiosk, payment)),
        }
    };

    view! {
        <main class="kiosk" lang=move || lang.get().code() data-live=move || live.get().to_string()>
            <header class="kiosk-bar">
                <p class="kiosk-store">{move || state.with(|s| s.store_name.clone())}</p>
                <nav aria-label=move || t(Text::Language)>
                    {Lang::ALL
                        .into_iter()
                        .map(|choice| {
                            view! {
                                <button
                                    class="kiosk-lang"
                                    lang=choice.code()
                                    aria-pressed=move || (lang.get() == choice).to_string()
                                    on:click=move |_| lang.set(choice)
                                >
                                    {choice.name()}
                                </button>
                            }
                        })
                        .collect_view()}
                </nav>
            </header>
            <p class="connection-lost" role="alert" hidden=move || connected.get()>
                {move || t(Text::Reconnecting)}
            </p>
            {screen}
            // Outside `screen`, so a status change never reloads the consumer view.
            {move || {
                module_url
                    .get()
                    .map(|url| {
                        view! {
                            // No popups or top navigation: the kiosk itself never leaves for the payment page.
                            <iframe
                                class="kiosk-module"
                                title="Klarna Distribution Module"
                                sandbox="allow-scripts allow-forms allow-same-origin"
                                referrerpolicy="no-referrer"
                                src=url
                            ></iframe>
                        }
                    })
            }}
            {problem_line(kiosk)}
            {move || {
                (occupied() && !paid())
                    .then(|| {
                        let fields = KioskScreen::reset_fields(state.with(|s| s.session), ResetReason::Cancel);
                        view! {
                            <div class="kiosk-actions">
                                {call_form(kiosk, KioskReset::PATH, "kiosk-button kiosk-cancel", Text::Cancel, fields)}
                            </div>
                        }
                    })
            }}
            {move || {
                idle_left
                    .get()
                    .is_some_and(|left| left <= warn_from())
                    .then(|| {
                        view! {
                            <div class="kiosk-idle" role="alertdialog" aria-modal="true" aria-labelledby="kiosk-idle-heading">
                                <h2 id="kiosk-idle-heading">{t(Text::StillThere)}</h2>
                                <p>
                                    {t(Text::ClearsIn)} " "
                                    <span class="kiosk-countdown">
                                        {move || idle_left.get().map(|s| format!("{s} s")).unwrap_or_default()}
                                    </span>
                                </p>
                                <button class="kiosk-button primary" on:click=move |_| kiosk.touched()>
                                    {t(Text::StillHere)}
                                </button>
                            </div>
                        }
                    })
            }}
        </main>
    }
}
