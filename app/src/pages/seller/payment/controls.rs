//! What the associate can do with an open payment: a new link, or cancel.

use crate::components::{ConfirmCancel, MaybeProblem};
use crate::i18n::{tr, use_lang, Word};
use crate::model::PaymentView;
use crate::pages::seller::cancel_action;
use crate::server_fns::seller::regenerate_payment;
use crate::AppError;
use leptos::prelude::*;

/// Starts a new link for the same cart. The action lives with the panel,
/// not the button: the old payment's end arrives by push and hides the
/// button before the new payment is back.
pub fn regenerate_action(
    payment: RwSignal<Option<PaymentView>>,
    problem: RwSignal<Option<AppError>>,
) -> RegenerateAction {
    let regenerate = Action::new(move |(id, key): &(String, String)| {
        let (id, key) = (id.clone(), key.clone());
        async move { regenerate_payment(id, key).await }
    });
    Effect::new(move |_| match regenerate.value().get() {
        Some(Ok(view)) => {
            problem.set(None);
            payment.set(Some(view));
        }
        Some(Err(error)) => problem.set(Some(error)),
        None => {}
    });
    regenerate
}

pub type RegenerateAction = Action<(String, String), Result<PaymentView, AppError>>;

/// One tap: the old link stops working and a new one is made for the same cart.
#[component]
pub fn RegenerateControl(
    payment: RwSignal<Option<PaymentView>>,
    regenerate: RegenerateAction,
    new_attempt_key: fn() -> String,
) -> impl IntoView {
    let lang = use_lang();
    let click = move |_| {
        if let Some(id) = payment.with_untracked(|p| p.as_ref().map(|p| p.id.clone())) {
            regenerate.dispatch((id, new_attempt_key()));
        }
    };
    view! {
        <button type="button" disabled=move || regenerate.pending().get() on:click=click>
            {move || tr(lang.get(), Word::NewLink)}
        </button>
    }
}

/// Cancel, with a confirmation: it withdraws the link at Klarna.
#[component]
pub fn CancelControl(payment: RwSignal<Option<PaymentView>>) -> impl IntoView {
    let problem = RwSignal::new(None::<AppError>);
    let cancel = cancel_action(problem, move |view| payment.set(Some(view)));
    let confirm = move || {
        if let Some(id) = payment.with_untracked(|p| p.as_ref().map(|p| p.id.clone())) {
            problem.set(None);
            cancel.dispatch(id);
        }
    };
    view! {
        <div class="cancel-control">
            <ConfirmCancel pending=cancel.pending().into() on_confirm=confirm/>
            <MaybeProblem error=problem/>
        </div>
    }
}
