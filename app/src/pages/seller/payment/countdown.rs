use crate::browser::{parse_time, ticking_clock};
use crate::i18n::{fill, tr, use_lang, Word};
use crate::model::{clock_time, PaymentView};
use leptos::prelude::*;

/// How long the link stays payable. Display only: the server decides.
#[component]
pub fn Countdown(payment: RwSignal<Option<PaymentView>>) -> impl IntoView {
    let lang = use_lang();
    let now = ticking_clock();
    let expires = Memo::new(move |_| {
        payment.with(|p| p.as_ref().and_then(|p| Some((p.expires_at.clone()?, p.expires_at_local.clone()))))
    });
    move || {
        let (at, local) = expires.get()?;
        let text = match (now.get(), parse_time(&at)) {
            (Some(now), Some(deadline)) if deadline > now => {
                fill(tr(lang.get(), Word::LinkExpiresIn), &[("time", &minutes_seconds(deadline - now))])
            }
            (Some(_), Some(_)) => tr(lang.get(), Word::LinkExpiring).to_string(),
            _ => fill(tr(lang.get(), Word::LinkValidUntil), &[("time", &clock_time(local.as_deref().unwrap_or(&at)))]),
        };
        Some(view! { <p class="expiry" aria-live="off">{text}</p> })
    }
}

/// "14:32" from milliseconds left (never negative).
fn minutes_seconds(millis: f64) -> String {
    let total = (millis.max(0.0) / 1000.0).ceil() as u64;
    let (hours, minutes, seconds) = (total / 3600, (total / 60) % 60, total % 60);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{seconds:02}")
    } else {
        format!("{minutes}:{seconds:02}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn countdown_text() {
        assert_eq!(super::minutes_seconds(872_000.0), "14:32");
        assert_eq!(super::minutes_seconds(1.0), "0:01");
        assert_eq!(super::minutes_seconds(-5.0), "0:00");
        assert_eq!(super::minutes_seconds(3_723_000.0), "1:02:03");
    }
}
