//! The self-checkout kiosk: the shopper pays on their own phone through the
//! Distribution Module's consumer view, and the screen forgets them after
//! paying, after idling, or on Cancel.

use crate::browser::{follow_kiosk, forget_browser_storage, now, parse_time};
use crate::i18n::{pick, Lang};
use crate::kiosk::{KioskView, ResetReason};
use crate::model::PaymentStatus;
use crate::server_fns::kiosk::{kiosk_demo_basket, kiosk_pay, kiosk_reset, kiosk_state, kiosk_try_again};
use crate::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

/// The kiosk's words.
#[derive(Clone, Copy, Debug)]
enum Text {
    Welcome,
    ScanItems,
    DemoBasket,
    YourBasket,
    Total,
    Pay,
    Cancel,
    PayOnPhone,
    Creating,
    Waiting,
    Paying,
    Confirming,
    Declined,
    Back,
    Error,
    Stopped,
    TryAgain,
    AskStaff,
    StaffComing,
    PaidThanks,
    Amount,
    Reference,
    ResetsIn,
    StillThere,
    ClearsIn,
    StillHere,
    Language,
}

fn tr(lang: Lang, text: Text) -> &'static str {
    let row = match text {
        Text::Welcome => ["Welcome", "Välkommen", "Willkommen"],
        Text::ScanItems => [
            "Scan your items to start.",
            "Skanna dina varor för att börja.",
            "Scannen Sie Ihre Artikel, um zu beginnen.",
        ],
        Text::DemoBasket => ["Demo basket", "Demokorg", "Demo-Warenkorb"],
        Text::YourBasket => ["Your basket", "Din varukorg", "Ihr Warenkorb"],
        Text::Total => ["Total", "Totalt", "Gesamt"],
        Text::Pay => ["Pay with Klarna", "Betala med Klarna", "Mit Klarna bezahlen"],
        Text::Cancel => ["Cancel", "Avbryt", "Abbrechen"],
        Text::PayOnPhone => ["Pay on your phone", "Betala med din telefon", "Bezahlen Sie mit Ihrem Handy"],
        Text::Creating => ["Getting your payment ready…", "Förbereder betalningen…", "Zahlung wird vorbereitet…"],
        Text::Waiting => [
            "Scan the code with your phone, or have the link sent to it",
            "Skanna koden med telefonen eller få länken skickad",
            "Scannen Sie den Code mit Ihrem Handy oder lassen Sie sich den Link senden",
        ],
        Text::Paying => {
            ["Finish paying on your phone", "Slutför betalningen i telefonen", "Bezahlen Sie auf Ihrem Handy"]
        }
        Text::Confirming => ["Approved, confirming…", "Godkänt, bekräftar…", "Genehmigt, wird bestätigt…"],
        Text::Declined => ["Payment declined", "Betalningen nekades", "Zahlung abgelehnt"],
        Text::Back => ["You left the payment", "Du lämnade betalningen", "Sie haben die Zahlung verlassen"],
        Text::Error => ["Something went wrong", "Något gick fel", "Etwas ist schiefgelaufen"],
        Text::Stopped => ["The payment was stopped", "Betalningen avbröts", "Die Zahlung wurde beendet"],
        Text::TryAgain => ["Try again", "Försök igen", "Erneut versuchen"],
        Text::AskStaff => ["Ask staff for help", "Be personalen om hjälp", "Personal um Hilfe bitten"],
        Text::StaffComing => [
            "Please wait here: a member of staff will help you.",
            "Vänta här: personalen hjälper dig.",
            "Bitte warten Sie hier: Unser Personal hilft Ihnen.",
        ],
        Text::PaidThanks => ["Paid, thank you", "Betalt, tack", "Bezahlt, danke"],
        Text::Amount => ["Amount", "Belopp", "Betrag"],
        Text::Reference => ["Reference", "Referens", "Referenz"],
        Text::ResetsIn => ["This screen clears in", "Skärmen rensas om", "Der Bildschirm wird geleert in"],
        Text::StillThere => ["Are you still there?", "Är du kvar?", "Sind Sie noch da?"],
        Text::ClearsIn => [
            "For your privacy this screen clears in",
            "För din integritet rensas skärmen om",
            "Zu Ihrem Schutz wird der Bildschirm geleert in",
        ],
        Text::StillHere => ["I'm still here", "Jag är kvar", "Ich bin noch da"],
        Text::Language => ["Language", "Språk", "Sprache"],
    };
    pick(lang, row)
}

/// A failed call in the shopper's language. The associate-facing wording
/// ("ask an administrator") is not for shoppers: they get what to do next,
/// and the details go to the browser's console for staff.
fn shopper_words(lang: Lang, error: &AppError) -> String {
    leptos::logging::error!("kiosk call failed: {error}");
    let retry = matches!(error, AppError::Transport(_)) || matches!(error, AppError::Failed(p) if p.retry_later());
    let next = if retry { tr(lang, Text::TryAgain) } else { tr(lang, Text::AskStaff) };
    format!("{}. {next}.", tr(lang, Text::Error))
}

#[component]
pub fn KioskPage() -> impl IntoView {
    // The server renders the screen without the shopper: what a Resource
    // resolves to stays in the HTML for hydration, and a reset could not take
    // it back out of the DOM. The live stream brings the basket right after.
    let initial = Resource::new(
        || (),
        |_| async { kiosk_state().await.map(|view| KioskView { cart: None, payment: None, revision: 0, ..view }) },
    );
    view! {
        <Title text="Self-checkout · Kassa"/>
        <Suspense fallback=|| view! { <main class="kiosk"><p>"…"</p></main> }>
            {move || {
                initial
                    .get()
                    .map(|result| match result {
                        Ok(state) => view! { <Kiosk initial=state/> }.into_any(),
                        Err(error) => {
                            view! {
                                <main class="kiosk">
                                    <p class="problem" role="alert">{error.to_string()}</p>
                                </main>
                            }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
    }
}

#[component]
fn Kiosk(initial: KioskView) -> impl IntoView {
    let state = RwSignal::new(initial);
    let lang = RwSignal::new(Lang::En);
    let problem = RwSignal::new(None::<AppError>);
    let help = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let clock = RwSignal::new(None::<f64>);
    let last_touch = RwSignal::new(0.0f64);
    // Set once hydrated and following the stream (tests wait for it).
    let live = RwSignal::new(false);

    // Only a newer view replaces the shown one: a late answer never brings
    // back a shopper the screen has already forgotten.
    let apply = move |view: KioskView| {
        let newer = state.with_untracked(|s| view.instance != s.instance || view.revision >= s.revision);
        if newer {
            state.set(view);
        }
    };
    // Calls made from a tap; one at a time, so a double tap asks once.
    let run = move |call: std::pin::Pin<Box<dyn std::future::Future<Output = Result<KioskView, AppError>>>>| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            match call.await {
                Ok(view) => {
                    problem.set(None);
                    apply(view);
                }
                Err(error) => problem.set(Some(error)),
            }
            busy.set(false);
        });
    };
    let reset = move |reason: ResetReason| {
        let session = state.with_untracked(|s| s.session);
        leptos::task::spawn_local(async move {
            match kiosk_reset(session, reason).await {
                Ok(view) => apply(view),
                Err(error) => problem.set(Some(error)),
            }
        });
    };

    // Browser only: the live stream, the clock and touches.
    Effect::new(move |_| {
        follow_kiosk(apply);
        let tick = move || clock.set(now());
        tick();
        last_touch.set(now().unwrap_or_default());
        let _ = set_interval_with_handle(tick, std::time::Duration::from_millis(500));
        let touched = move || last_touch.set(now().unwrap_or_default());
        let _ = window_event_listener(leptos::ev::pointerdown, move |_| touched());
        let _ = window_event_listener(leptos::ev::keydown, move |_| touched());
        live.set(true);
    });

    // A new shopper: nothing of the last one survives in the page's own state.
    let session = Memo::new(move |_| state.with(|s| s.session));
    Effect::new(move |previous: Option<u64>| {
        let current = session.get();
        if previous.is_some_and(|p| p != current) {
            lang.set(Lang::En);
            problem.set(None);
            help.set(false);
            forget_browser_storage();
            last_touch.set(now().unwrap_or_default());
        }
        current
    });
    // A move on the shopper's phone counts as a touch: they are paying.
    let payment_status = Memo::new(move |_| state.with(|s| s.payment.as_ref().map(|p| p.status)));
    Effect::new(move |_| {
        payment_status.track();
        last_touch.set(now().unwrap_or_default());
    });

    let paid = move || payment_status.get() == Some(PaymentStatus::Completed);
    let occupied = move || state.with(|s| s.cart.is_some() || s.payment.is_some());
    let idle_left = Memo::new(move |_| {
        let now = clock.get()?;
        if !occupied() || paid() {
            return None;
        }
        let idle = f64::from(state.with(|s| s.idle_seconds));
        Some(((idle * 1000.0 - (now - last_touch.get())) / 1000.0).ceil().max(0.0) as u32)
    });
    let warn_from = move || (state.with(|s| s.idle_seconds) / 2).min(15);
    let idle_requested = StoredValue::new(None::<u64>);
    Effect::new(move |_| {
        if idle_left.get() == Some(0) {
            let session = state.with_untracked(|s| s.session);
            if idle_requested.get_value() != Some(session) {
                idle_requested.set_value(Some(session));
                reset(ResetReason::Idle);
            }
        }
    });

    let t = move |text: Text| tr(lang.get(), text);
    let money = move |amount: domain::MinorUnits| {
        let currency = state.with_untracked(|s| s.currency);
        amount.display(currency, lang.get().code())
    };
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
            (None, None) => view! {
                <section class="kiosk-screen" aria-labelledby="kiosk-heading">
                    <h1 id="kiosk-heading" class="kiosk-big">{move || t(Text::Welcome)}</h1>
                    <p class="kiosk-lead">{move || t(Text::ScanItems)}</p>
                    <Show when=move || state.with(|s| s.demo_basket)>
                        <button class="kiosk-button" on:click=move |_| run(Box::pin(kiosk_demo_basket()))>
                            {move || t(Text::DemoBasket)}
                        </button>
                    </Show>
                </section>
            }
            .into_any(),
            (Some(cart), None) => {
                let total = cart.order_amount;
                view! {
                <section class="kiosk-screen" aria-labelledby="kiosk-heading">
                    <h1 id="kiosk-heading">{move || t(Text::YourBasket)}</h1>
                    <ul class="kiosk-lines">
                        {cart
                            .lines
                            .iter()
                            .map(|line| {
                                let (name, quantity, amount) = (line.name.clone(), line.quantity, line.total_amount);
                                view! {
                                    <li>
                                        <span>{format!("{quantity} × {name}")}</span>
                                        <span class="num">{move || money(amount)}</span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                    <p class="kiosk-total">
                        {move || t(Text::Total)} " " {move || money(total)}
                    </p>
                    <button
                        class="kiosk-button primary kiosk-pay"
                        disabled=move || busy.get()
                        on:click=move |_| run(Box::pin(kiosk_pay()))
                    >
                        {move || t(Text::Pay)}
                    </button>
                </section>
            }
            .into_any()
            }
            (_, Some(payment)) => {
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
                        <h1 id="kiosk-heading">{move || t(heading)}</h1>
                        <p class=format!("kiosk-status status-{status:?}").to_lowercase() role="status">
                            <span class="kiosk-icon" aria-hidden="true">{icon}</span>
                            " "
                            {move || t(words)}
                        </p>
                        {(status == PaymentStatus::Completed)
                            .then(|| {
                                view! {
                                    <dl class="receipt kiosk-receipt">
                                        <dt>{move || t(Text::Amount)}</dt>
                                        <dd>{move || money(amount)}</dd>
                                        <dt>{move || t(Text::Reference)}</dt>
                                        <dd>{reference.clone()}</dd>
                                    </dl>
                                    <p class="kiosk-lead">
                                        {move || t(Text::ResetsIn)} " "
                                        {move || {
                                            let left = clock
                                                .get()
                                                .and_then(|now| parse_time(&updated).map(|at| (now, at)))
                                                .map(|(now, at)| {
                                                    let total = f64::from(
                                                        state.with(|s| s.reset_after_paid_seconds),
                                                    ) * 1000.0;
                                                    ((total - (now - at)) / 1000.0).ceil().max(0.0)
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
                                        <button
                                            class="kiosk-button primary"
                                            disabled=move || busy.get()
                                            on:click=move |_| run(Box::pin(kiosk_try_again()))
                                        >
                                            {move || t(Text::TryAgain)}
                                        </button>
                                        <button class="kiosk-button" on:click=move |_| help.set(true)>
                                            {move || t(Text::AskStaff)}
                                        </button>
                                    </div>
                                    <Show when=move || help.get()>
                                        <p class="kiosk-lead" role="status">{move || t(Text::StaffComing)}</p>
                                    </Show>
                                }
                            })}
                    </section>
                }
                .into_any()
            }
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
                                src=url
                            ></iframe>
                        }
                    })
            }}
            <Show when=move || problem.get().is_some()>
                <p class="problem kiosk-lead" role="alert">
                    {move || problem.with(|found| found.as_ref().map(|error| shopper_words(lang.get(), error)))}
                </p>
            </Show>
            <Show when=move || occupied() && !paid()>
                <div class="kiosk-actions">
                    <button class="kiosk-button kiosk-cancel" on:click=move |_| reset(ResetReason::Cancel)>
                        {move || t(Text::Cancel)}
                    </button>
                </div>
            </Show>
            <Show when=move || idle_left.get().is_some_and(|left| left <= warn_from())>
                <div class="kiosk-idle" role="alertdialog" aria-modal="true" aria-labelledby="kiosk-idle-heading">
                    <h2 id="kiosk-idle-heading">{move || t(Text::StillThere)}</h2>
                    <p>
                        {move || t(Text::ClearsIn)} " "
                        <span class="kiosk-countdown">
                            {move || idle_left.get().map(|s| format!("{s} s")).unwrap_or_default()}
                        </span>
                    </p>
                    <button
                        class="kiosk-button primary"
                        on:click=move |_| last_touch.set(now().unwrap_or_default())
                    >
                        {move || t(Text::StillHere)}
                    </button>
                </div>
            </Show>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Problem;

    #[test]
    fn shoppers_are_told_what_to_do_in_their_language() {
        let unreachable = AppError::Failed(Problem::KlarnaUnreachable);
        assert_eq!(shopper_words(Lang::Sv, &unreachable), "Något gick fel. Försök igen.");
        let refused = AppError::Failed(Problem::KlarnaCredentials);
        assert_eq!(shopper_words(Lang::De, &refused), "Etwas ist schiefgelaufen. Personal um Hilfe bitten.");
        assert_eq!(shopper_words(Lang::En, &AppError::Transport("offline".into())), "Something went wrong. Try again.");
    }
}
