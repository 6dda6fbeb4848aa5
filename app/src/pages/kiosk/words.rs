//! The kiosk's words, in the shopper's language.

use crate::i18n::{pick, Lang};
use crate::kiosk::NextStep;

/// The kiosk's words.
#[derive(Clone, Copy, Debug)]
pub enum Text {
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
    Reconnecting,
}

pub fn tr(lang: Lang, text: Text) -> &'static str {
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
        Text::Reconnecting => [
            "Reconnecting… If this stays, please ask staff.",
            "Ansluter igen… Be personalen om hjälp om detta står kvar.",
            "Verbinde neu… Wenn das bleibt, fragen Sie bitte das Personal.",
        ],
    };
    pick(lang, row)
}

/// A refused tap in the shopper's language: what to do next. (The details
/// went to the browser's console for staff; the associate-facing wording,
/// "ask an administrator", is not for shoppers.)
pub fn shopper_words(lang: Lang, next: NextStep) -> String {
    let next = match next {
        NextStep::TryAgain => tr(lang, Text::TryAgain),
        NextStep::AskStaff => tr(lang, Text::AskStaff),
    };
    format!("{}. {next}.", tr(lang, Text::Error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shoppers_are_told_what_to_do_in_their_language() {
        assert_eq!(shopper_words(Lang::Sv, NextStep::TryAgain), "Något gick fel. Försök igen.");
        assert_eq!(shopper_words(Lang::De, NextStep::AskStaff), "Etwas ist schiefgelaufen. Personal um Hilfe bitten.");
        assert_eq!(shopper_words(Lang::En, NextStep::TryAgain), "Something went wrong. Try again.");
    }
}
