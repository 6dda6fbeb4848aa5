//! Statuses and errors in the associate's language, including Klarna's
//! problems and every field check, so nothing reaches the screen in English
//! by accident. Klarna's own reasons (free text) are quoted as they come.

use super::{fill, pick, Lang};
use crate::model::PaymentStatus;
use crate::AppError;
use domain::FieldProblem;
use domain::Problem;

/// A payment's status in words for the associate.
pub fn status(lang: Lang, status: PaymentStatus) -> &'static str {
    pick(
        lang,
        match status {
            PaymentStatus::Creating => ["Creating the payment…", "Skapar betalningen…", "Zahlung wird erstellt…"],
            PaymentStatus::Waiting => [
                "Waiting for the shopper to open the link",
                "Väntar på att kunden öppnar länken",
                "Warten, bis der Kunde den Link öffnet",
            ],
            PaymentStatus::InProgress => ["The shopper is paying", "Kunden betalar", "Der Kunde bezahlt"],
            PaymentStatus::Declined => [
                "Declined: the shopper may try again",
                "Nekad: kunden kan försöka igen",
                "Abgelehnt: der Kunde kann es erneut versuchen",
            ],
            PaymentStatus::Back => [
                "The shopper went back; the link still works",
                "Kunden gick tillbaka; länken fungerar fortfarande",
                "Der Kunde ist zurückgegangen; der Link funktioniert weiterhin",
            ],
            PaymentStatus::Error => [
                "Error on the shopper's side: they may retry",
                "Fel hos kunden: kunden kan försöka igen",
                "Fehler beim Kunden: er kann es erneut versuchen",
            ],
            PaymentStatus::Authorized => [
                "Approved: confirming the order with Klarna…",
                "Godkänd: bekräftar ordern hos Klarna…",
                "Genehmigt: Bestellung wird bei Klarna bestätigt…",
            ],
            PaymentStatus::Completed => ["Paid", "Betald", "Bezahlt"],
            PaymentStatus::Cancelled => ["Cancelled by the shopper", "Avbruten av kunden", "Vom Kunden abgebrochen"],
            PaymentStatus::Disabled => [
                "Cancelled: the link no longer works",
                "Avbruten: länken fungerar inte längre",
                "Abgebrochen: der Link funktioniert nicht mehr",
            ],
            PaymentStatus::Expired => ["Expired: start again", "Utgången: börja om", "Abgelaufen: neu starten"],
            PaymentStatus::Failed => [
                "Could not start the payment",
                "Betalningen kunde inte startas",
                "Die Zahlung konnte nicht gestartet werden",
            ],
        },
    )
}

/// Why a payment failed or an action was refused, and what to do.
pub fn problem(lang: Lang, problem: &Problem) -> String {
    let text = match problem {
        Problem::KlarnaUnreachable => [
            "Klarna cannot be reached right now. Wait a moment and try again; no payment was started.",
            "Klarna går inte att nå just nu. Vänta en stund och försök igen; ingen betalning startades.",
            "Klarna ist gerade nicht erreichbar. Kurz warten und erneut versuchen; es wurde keine Zahlung gestartet.",
        ],
        Problem::KlarnaBusy => [
            "Klarna is busy right now. Wait a moment and try again; nothing was changed.",
            "Klarna är upptaget just nu. Vänta en stund och försök igen; inget ändrades.",
            "Klarna ist gerade ausgelastet. Kurz warten und erneut versuchen; es wurde nichts geändert.",
        ],
        Problem::KlarnaCredentials => [
            "Klarna refused this store's credentials. Ask an administrator to check the Klarna settings.",
            "Klarna godtog inte butikens inloggningsuppgifter. Be en administratör kontrollera Klarna-inställningarna.",
            "Klarna hat die Zugangsdaten des Geschäfts abgelehnt. Bitten Sie einen Administrator, die \
             Klarna-Einstellungen zu prüfen.",
        ],
        Problem::KlarnaSessionEnded => [
            "The Klarna session has ended or expired. Start the payment again.",
            "Klarna-sessionen har avslutats eller gått ut. Starta betalningen igen.",
            "Die Klarna-Sitzung ist beendet oder abgelaufen. Starten Sie die Zahlung erneut.",
        ],
        Problem::KlarnaRefused { .. } => [
            "Klarna did not accept the payment ({reason}). Check the cart and try again.",
            "Klarna godtog inte betalningen ({reason}). Kontrollera varukorgen och försök igen.",
            "Klarna hat die Zahlung nicht angenommen ({reason}). Prüfen Sie den Warenkorb und versuchen Sie es erneut.",
        ],
        Problem::KlarnaUnexpected => [
            "Klarna answered in an unexpected way. Try again; if it keeps happening, contact support.",
            "Klarna svarade på ett oväntat sätt. Försök igen; kontakta supporten om det fortsätter.",
            "Klarna hat unerwartet geantwortet. Erneut versuchen; wenn es wieder passiert, den Support kontaktieren.",
        ],
        Problem::OrderRefused { .. } => [
            "Klarna approved the shopper but refused the order ({code}). No money was taken; start again.",
            "Klarna godkände kunden men avvisade ordern ({code}). Inga pengar drogs; börja om.",
            "Klarna hat den Kunden genehmigt, aber die Bestellung abgelehnt ({code}). Es wurde kein Geld \
             abgebucht; neu starten.",
        ],
        Problem::LinkUnknownAtKlarna => [
            "Klarna no longer knows this payment link; it has expired.",
            "Klarna känner inte längre till betalningslänken; den har gått ut.",
            "Klarna kennt diesen Zahlungslink nicht mehr; er ist abgelaufen.",
        ],
        Problem::LinkStillLive => [
            "Klarna did not confirm that the link was withdrawn, so it may still be paid. Try again in a moment.",
            "Klarna bekräftade inte att länken drogs tillbaka, så den kan fortfarande betalas. Försök igen om en stund.",
            "Klarna hat nicht bestätigt, dass der Link zurückgezogen wurde; er kann noch bezahlt werden. Gleich \
             erneut versuchen.",
        ],
        Problem::NotPaidInTime => [
            "Not paid in time; the link was withdrawn.",
            "Inte betald i tid; länken drogs tillbaka.",
            "Nicht rechtzeitig bezahlt; der Link wurde zurückgezogen.",
        ],
        Problem::CancelledByStore => [
            "Cancelled by the store; the link was withdrawn.",
            "Avbruten av butiken; länken drogs tillbaka.",
            "Vom Geschäft abgebrochen; der Link wurde zurückgezogen.",
        ],
        Problem::RestartedBeforeLink => [
            "Kassa restarted before the payment link was made; start again.",
            "Kassa startades om innan betalningslänken skapades; börja om.",
            "Kassa wurde neu gestartet, bevor der Zahlungslink erstellt war; neu starten.",
        ],
        Problem::SmsCountryUnsupported => [
            "Klarna cannot send a text message to that country. Use the QR code or e-mail.",
            "Klarna kan inte skicka sms till det landet. Använd QR-koden eller e-post.",
            "Klarna kann in dieses Land keine SMS senden. Nutzen Sie den QR-Code oder E-Mail.",
        ],
        Problem::RecipientRefused { sms: true } => [
            "Klarna did not accept the phone number and country. Check them with the shopper and send again.",
            "Klarna godtog inte telefonnumret och landet. Kontrollera dem med kunden och skicka igen.",
            "Klarna hat Telefonnummer und Land nicht angenommen. Mit dem Kunden prüfen und erneut senden.",
        ],
        Problem::RecipientRefused { sms: false } => [
            "Klarna did not accept the e-mail address. Check it with the shopper and send again.",
            "Klarna godtog inte e-postadressen. Kontrollera den med kunden och skicka igen.",
            "Klarna hat die E-Mail-Adresse nicht angenommen. Mit dem Kunden prüfen und erneut senden.",
        ],
        Problem::LinkExpired => [
            "The payment link has expired. Start the payment again.",
            "Betalningslänken har gått ut. Starta betalningen igen.",
            "Der Zahlungslink ist abgelaufen. Starten Sie die Zahlung erneut.",
        ],
        Problem::LinkNotSent => [
            "Klarna cannot be reached right now. Wait a moment and send again; the link was not sent.",
            "Klarna går inte att nå just nu. Vänta en stund och skicka igen; länken skickades inte.",
            "Klarna ist gerade nicht erreichbar. Kurz warten und erneut senden; der Link wurde nicht gesendet.",
        ],
        Problem::StillCreating => [
            "The payment is still being created; try again in a moment.",
            "Betalningen skapas fortfarande; försök igen om en stund.",
            "Die Zahlung wird noch erstellt; gleich erneut versuchen.",
        ],
        Problem::AlreadyPaid => {
            ["The shopper has already paid.", "Kunden har redan betalat.", "Der Kunde hat bereits bezahlt."]
        }
        Problem::PaymentEnded => [
            "This payment has ended; start a new one to send a link.",
            "Betalningen är avslutad; starta en ny för att skicka en länk.",
            "Diese Zahlung ist beendet; starten Sie eine neue, um einen Link zu senden.",
        ],
        Problem::CartChanged => [
            "This cart changed while it was being started. Press Start payment again.",
            "Varukorgen ändrades medan betalningen startades. Tryck på Starta betalning igen.",
            "Der Warenkorb wurde beim Starten geändert. Drücken Sie erneut auf Zahlung starten.",
        ],
        Problem::StorageFailed => [
            "Kassa could not save the payment. Try again in a moment.",
            "Kassa kunde inte spara betalningen. Försök igen om en stund.",
            "Kassa konnte die Zahlung nicht speichern. Gleich erneut versuchen.",
        ],
        Problem::StoreNotConfigured => [
            "This till's store is not configured. Ask an administrator.",
            "Kassans butik är inte konfigurerad. Fråga en administratör.",
            "Das Geschäft dieser Kasse ist nicht eingerichtet. Fragen Sie einen Administrator.",
        ],
        Problem::TooManySignIns { .. } => [
            "Too many wrong passwords. Wait {seconds} seconds, then try again.",
            "För många felaktiga lösenord. Vänta {seconds} sekunder och försök sedan igen.",
            "Zu viele falsche Passwörter. Warten Sie {seconds} Sekunden und versuchen Sie es dann erneut.",
        ],
        Problem::SignInBusy => [
            "Kassa is busy signing others in. Try again in a few seconds.",
            "Kassa är upptagen med andra inloggningar. Försök igen om några sekunder.",
            "Kassa meldet gerade andere an. Versuchen Sie es in ein paar Sekunden erneut.",
        ],
        Problem::NotRefundable => [
            "Only a paid payment whose money is captured can be refunded. If it was paid just now, wait a moment.",
            "Bara en betald betalning vars pengar är dragna kan återbetalas. Om den betalades nyss, vänta en stund.",
            "Nur eine bezahlte Zahlung, deren Geld eingezogen ist, kann erstattet werden. Wurde sie gerade erst \
             bezahlt, kurz warten.",
        ],
        Problem::RefundRefused { klarna_code } if klarna_code == "REFUND_NOT_ALLOWED" => [
            "Klarna would not refund this ({code}): the order may be refunded already or closed. Check the order in \
             Klarna's merchant portal.",
            "Klarna ville inte återbetala detta ({code}): ordern kan redan vara återbetald eller stängd. Kontrollera \
             ordern i Klarnas handlarportal.",
            "Klarna hat diese Erstattung abgelehnt ({code}): die Bestellung ist vielleicht schon erstattet oder \
             geschlossen. Prüfen Sie die Bestellung im Händlerportal von Klarna.",
        ],
        Problem::RefundRefused { .. } => [
            "Klarna refused the refund ({code}). Nothing was refunded; check the order in Klarna's merchant portal.",
            "Klarna avvisade återbetalningen ({code}). Inget återbetalades; kontrollera ordern i Klarnas \
             handlarportal.",
            "Klarna hat die Erstattung abgelehnt ({code}). Es wurde nichts erstattet; prüfen Sie die Bestellung im \
             Händlerportal von Klarna.",
        ],
        // Wiring faults only: already words, in English.
        Problem::Other { message } => return message.clone(),
    };
    let (reason, code) = match problem {
        Problem::KlarnaRefused { reason } => (reason.as_str(), ""),
        Problem::OrderRefused { klarna_code } | Problem::RefundRefused { klarna_code } => ("", klarna_code.as_str()),
        _ => ("", ""),
    };
    let seconds = match problem {
        Problem::TooManySignIns { wait_seconds } => wait_seconds.to_string(),
        _ => String::new(),
    };
    fill(pick(lang, text), &[("reason", reason), ("code", code), ("seconds", &seconds)])
}

/// What is wrong with a field, beside its input.
pub fn field_problem(lang: Lang, problem: &FieldProblem) -> String {
    let text = match problem {
        FieldProblem::NoLines => {
            ["add at least one order line", "lägg till minst en vara", "mindestens einen Artikel hinzufügen"]
        }
        FieldProblem::TooManyLines { .. } => {
            ["at most {max} order lines", "högst {max} varor", "höchstens {max} Artikel"]
        }
        FieldProblem::ZeroTotal => [
            "the cart total must be more than zero",
            "summan måste vara större än noll",
            "die Summe muss größer als null sein",
        ],
        FieldProblem::NameRequired => ["enter a name for the item", "ange ett namn på varan", "Artikelnamen eingeben"],
        FieldProblem::TooLong { .. } => ["at most {max} characters", "högst {max} tecken", "höchstens {max} Zeichen"],
        FieldProblem::QuantityRange { .. } => [
            "must be a whole number from 1 to {max}",
            "måste vara ett heltal från 1 till {max}",
            "muss eine ganze Zahl von 1 bis {max} sein",
        ],
        FieldProblem::UnitPriceRange { .. } | FieldProblem::LineTotalTooHigh { .. } => [
            "the amount is higher than Klarna accepts for one line",
            "beloppet är högre än Klarna godtar för en rad",
            "der Betrag ist höher, als Klarna für eine Zeile annimmt",
        ],
        FieldProblem::TaxRateRange => {
            ["choose a tax rate from the list", "välj en momssats i listan", "einen Steuersatz aus der Liste wählen"]
        }
        FieldProblem::DiscountNegative => ["cannot be negative", "kan inte vara negativ", "darf nicht negativ sein"],
        FieldProblem::DiscountAboveLine => [
            "cannot be more than quantity × unit price",
            "kan inte vara mer än antal × styckpris",
            "darf nicht höher als Menge × Stückpreis sein",
        ],
        FieldProblem::NotWholeNumber => {
            ["enter a whole number, such as 1", "ange ett heltal, till exempel 1", "eine ganze Zahl eingeben, z. B. 1"]
        }
        FieldProblem::NotPrice => {
            ["enter a price such as 199.00", "ange ett pris, till exempel 199,00", "einen Preis eingeben, z. B. 199,00"]
        }
        FieldProblem::NotDiscount => [
            "enter an amount such as 20.00, or leave it empty",
            "ange ett belopp, till exempel 20,00, eller lämna tomt",
            "einen Betrag wie 20,00 eingeben oder leer lassen",
        ],
        FieldProblem::EmailInvalid => [
            "enter an e-mail address such as name@example.com",
            "ange en e-postadress, till exempel namn@example.com",
            "eine E-Mail-Adresse eingeben, z. B. name@example.com",
        ],
        FieldProblem::PhoneNotDigits => [
            "use digits only, such as 070 123 45 67",
            "använd bara siffror, till exempel 070 123 45 67",
            "nur Ziffern verwenden, z. B. 0151 2345678",
        ],
        FieldProblem::PhoneLength => [
            "a phone number has 6 to 15 digits",
            "ett telefonnummer har 6 till 15 siffror",
            "eine Telefonnummer hat 6 bis 15 Ziffern",
        ],
        FieldProblem::PhoneOtherCountry { .. } => [
            "this number does not belong to the chosen country ({country})",
            "numret hör inte till det valda landet ({country})",
            "diese Nummer gehört nicht zum gewählten Land ({country})",
        ],
        FieldProblem::CountryInvalid => {
            ["choose a country from the list", "välj ett land i listan", "ein Land aus der Liste wählen"]
        }
        FieldProblem::NoSuchLine { .. } => {
            ["the cart has no such line", "varukorgen har ingen sådan rad", "der Warenkorb hat keine solche Zeile"]
        }
        FieldProblem::LineTwice => {
            ["this item is chosen twice", "varan är vald två gånger", "dieser Artikel ist doppelt gewählt"]
        }
        FieldProblem::ReturnAboveLeft { .. } => [
            "at most {left} of this item can be given back",
            "högst {left} av varan kan lämnas tillbaka",
            "höchstens {left} dieses Artikels können zurückgegeben werden",
        ],
        FieldProblem::AmountNotLines { .. } => [
            "the amount must be the chosen items' total",
            "beloppet måste vara de valda varornas summa",
            "der Betrag muss die Summe der gewählten Artikel sein",
        ],
        FieldProblem::RefundAboveLeft { .. } => [
            "enter an amount above zero and at most what is left to refund",
            "ange ett belopp över noll och högst det som återstår att återbetala",
            "einen Betrag über null und höchstens den noch erstattbaren Betrag eingeben",
        ],
        FieldProblem::NothingLeftToRefund => {
            ["nothing is left to refund", "inget återstår att återbetala", "es ist nichts mehr zu erstatten"]
        }
        FieldProblem::Other { message } => return message.clone(),
    };
    let max = match problem {
        FieldProblem::TooManyLines { max } | FieldProblem::TooLong { max } => max.to_string(),
        FieldProblem::QuantityRange { max } => max.to_string(),
        _ => String::new(),
    };
    let country = match problem {
        FieldProblem::PhoneOtherCountry { country } => country.as_str(),
        _ => "",
    };
    let left = match problem {
        FieldProblem::ReturnAboveLeft { left } => left.to_string(),
        _ => String::new(),
    };
    fill(pick(lang, text), &[("max", &max), ("country", country), ("left", &left)])
}

/// A failed server call in words the associate can act on.
pub fn app_error(lang: Lang, error: &AppError) -> String {
    let text = match error {
        AppError::Failed(found) => return problem(lang, found),
        AppError::Forbidden(message) => return message.clone(),
        AppError::Invalid(errors) => {
            let fields: Vec<String> = errors.0.iter().map(|e| field_problem(lang, &e.problem)).collect();
            let lead = pick(
                lang,
                ["Check the highlighted fields", "Kontrollera de markerade fälten", "Markierte Felder prüfen"],
            );
            return format!("{lead}: {}", fields.join("; "));
        }
        AppError::NotFound => [
            "This payment does not exist (or belongs to another store).",
            "Betalningen finns inte (eller hör till en annan butik).",
            "Diese Zahlung gibt es nicht (oder sie gehört zu einem anderen Geschäft).",
        ],
        AppError::SignInRequired => [
            "Sign in to your store first.",
            "Logga in i din butik först.",
            "Melden Sie sich zuerst in Ihrem Geschäft an.",
        ],
        AppError::WrongCredentials => [
            "The store, name or password is wrong.",
            "Butik, namn eller lösenord är fel.",
            "Geschäft, Name oder Passwort ist falsch.",
        ],
        AppError::Internal { error_id } => {
            let text = pick(
                lang,
                [
                    "Kassa could not do this just now. Try again in a moment (reference {id}).",
                    "Kassa kunde inte göra detta just nu. Försök igen om en stund (referens {id}).",
                    "Kassa konnte das gerade nicht ausführen. Gleich erneut versuchen (Referenz {id}).",
                ],
            );
            return fill(text, &[("id", error_id)]);
        }
        AppError::Transport(_) => return unreachable(lang).to_string(),
    };
    pick(lang, text).to_string()
}

/// Kassa could not be reached ([`AppError::Transport`]), on its own: a till
/// whose code for errors has not loaded yet can still say it.
pub fn unreachable(lang: Lang) -> &'static str {
    pick(
        lang,
        [
            "Could not reach Kassa. Check the network and try again.",
            "Kassa gick inte att nå. Kontrollera nätverket och försök igen.",
            "Kassa ist nicht erreichbar. Netzwerk prüfen und erneut versuchen.",
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_keep_klarnas_reason_in_every_language() {
        let refused = Problem::KlarnaRefused { reason: "Bad value: order_amount".into() };
        for lang in Lang::ALL {
            assert!(problem(lang, &refused).contains("(Bad value: order_amount)"), "{lang:?}");
        }
        assert_eq!(problem(Lang::En, &refused), refused.to_string());
    }

    #[test]
    fn field_problems_fill_their_parameters() {
        assert_eq!(field_problem(Lang::Sv, &FieldProblem::TooLong { max: 255 }), "högst 255 tecken");
        assert_eq!(
            field_problem(Lang::De, &FieldProblem::PhoneOtherCountry { country: "SE".into() }),
            "diese Nummer gehört nicht zum gewählten Land (SE)"
        );
        assert_eq!(field_problem(Lang::En, &FieldProblem::NotPrice), FieldProblem::NotPrice.to_string());
        assert_eq!(
            field_problem(Lang::Sv, &FieldProblem::ReturnAboveLeft { left: 2 }),
            "högst 2 av varan kan lämnas tillbaka"
        );
    }

    #[test]
    fn english_words_match_the_servers_english() {
        // The API speaks English through Display; the screens must say the same.
        for found in [
            Problem::KlarnaUnreachable,
            Problem::KlarnaBusy,
            Problem::LinkStillLive,
            Problem::NotPaidInTime,
            Problem::AlreadyPaid,
            Problem::LinkNotSent,
            Problem::TooManySignIns { wait_seconds: 30 },
            Problem::SignInBusy,
            Problem::NotRefundable,
            Problem::RefundRefused { klarna_code: "REFUND_NOT_ALLOWED".into() },
            Problem::RefundRefused { klarna_code: "BAD_VALUE".into() },
        ] {
            assert_eq!(problem(Lang::En, &found), found.to_string());
        }
        assert_eq!(status(Lang::De, PaymentStatus::Completed), "Bezahlt");
        assert!(app_error(Lang::Sv, &AppError::WrongCredentials).contains("lösenord"));
        let internal = AppError::Internal { error_id: "0a1b2c3d4e5f6a7b".into() };
        let english = "Kassa could not do this just now. Try again in a moment (reference 0a1b2c3d4e5f6a7b).";
        assert_eq!(app_error(Lang::En, &internal), english);
        assert!(app_error(Lang::De, &internal).ends_with("(Referenz 0a1b2c3d4e5f6a7b)."));
    }
}
