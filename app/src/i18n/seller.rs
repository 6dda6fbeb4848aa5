//! The seller view's words: the till, today's payments and sign-in.

use super::{pick, Lang};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Word {
    TitleTill,
    TitlePayments,
    TitleSignIn,
    Loading,
    Language,
    UseLanguage,
    SellerNav,
    AccountNav,
    TodaysPayments,
    BackToTill,
    /// `{name}`
    SignOut,
    Cart,
    DefaultItem,
    Item,
    Quantity,
    UnitPrice,
    TaxRate,
    Discount,
    /// `{label}`, `{n}`
    NumberedLabel,
    /// `{n}`
    ItemGroup,
    /// `{n}`
    RemoveItem,
    AddItem,
    /// `{amount}`, `{tax}`
    Total,
    StartPayment,
    Starting,
    Hint,
    Payment,
    DistributionModule,
    /// `{time}`
    LinkExpiresIn,
    LinkExpiring,
    /// `{time}`
    LinkValidUntil,
    OtherWays,
    ShowQr,
    SendBySms,
    SendByEmail,
    QrAlt,
    Country,
    PhoneNumber,
    EmailAddress,
    Sending,
    SendTextAgain,
    SendEmailAgain,
    SendText,
    SendEmail,
    /// `{to}`
    SendingTo,
    NewLink,
    CancelPayment,
    ConfirmCancel,
    YesCancel,
    KeepWaiting,
    Amount,
    KlarnaReference,
    OrderId,
    Time,
    NewSale,
    StartAgain,
    Payments,
    NoPaymentsYet,
    OlderPaymentsLeftOut,
    LastChange,
    Note,
    Capture,
    CapturePending,
    CaptureDone,
    CaptureRefused,
    /// `{amount}`
    RefundedSoFar,
    OpenRefund,
    RefundHeading,
    /// `{left}`, `{paid}`
    LeftToRefund,
    AllRefunded,
    RefundWhat,
    /// `{amount}`
    RefundEverything,
    RefundItems,
    RefundAnAmount,
    /// `{name}`, `{left}`
    ItemsBack,
    /// `{amount}`
    ItemsRefund,
    RefundReference,
    ContinueRefund,
    /// `{amount}`
    ConfirmRefund,
    /// `{amount}`
    YesRefund,
    Back,
    Refunds,
    RefundPending,
    RefundDone,
    RefundRefused,
    /// `{amount}`, `{status}`
    RefundResult,
    /// `{quantity}`, `{name}`
    ItemsCount,
    FindPayment,
    FindLabel,
    Find,
    Finding,
    FoundPayments,
    NothingFound,
    /// `{count}`
    FoundNewest,
    SignInHeading,
    Store,
    Name,
    Password,
    SignIn,
    ConnectionLost,
}

pub fn tr(lang: Lang, word: Word) -> &'static str {
    pick(
        lang,
        match word {
            Word::TitleTill => ["Seller · Kassa", "Säljare · Kassa", "Verkauf · Kassa"],
            Word::TitlePayments => {
                ["Today's payments · Kassa", "Dagens betalningar · Kassa", "Heutige Zahlungen · Kassa"]
            }
            Word::TitleSignIn => ["Sign in · Kassa", "Logga in · Kassa", "Anmelden · Kassa"],
            Word::Loading => ["Loading…", "Laddar…", "Wird geladen…"],
            Word::Language => ["Language", "Språk", "Sprache"],
            Word::UseLanguage => ["Change language", "Byt språk", "Sprache wechseln"],
            Word::SellerNav => ["Seller", "Säljare", "Verkauf"],
            Word::AccountNav => ["Account", "Konto", "Konto"],
            Word::TodaysPayments => ["Today's payments", "Dagens betalningar", "Heutige Zahlungen"],
            Word::BackToTill => ["Back to the till", "Tillbaka till kassan", "Zurück zur Kasse"],
            Word::SignOut => ["Sign out {name}", "Logga ut {name}", "{name} abmelden"],
            Word::Cart => ["Cart", "Varukorg", "Warenkorb"],
            Word::DefaultItem => ["Sale", "Köp", "Verkauf"],
            Word::Item => ["Item", "Vara", "Artikel"],
            Word::Quantity => ["Quantity", "Antal", "Menge"],
            Word::UnitPrice => ["Unit price", "Styckpris", "Stückpreis"],
            Word::TaxRate => ["Tax rate", "Momssats", "Steuersatz"],
            Word::Discount => ["Discount", "Rabatt", "Rabatt"],
            Word::NumberedLabel => ["{label} (item {n})", "{label} (vara {n})", "{label} (Artikel {n})"],
            Word::ItemGroup => ["Item {n}", "Vara {n}", "Artikel {n}"],
            Word::RemoveItem => ["Remove item {n}", "Ta bort vara {n}", "Artikel {n} entfernen"],
            Word::AddItem => ["Add item", "Lägg till vara", "Artikel hinzufügen"],
            Word::Total => {
                ["Total {amount} (tax {tax})", "Totalt {amount} (moms {tax})", "Gesamt {amount} (MwSt. {tax})"]
            }
            Word::StartPayment => ["Start payment", "Starta betalning", "Zahlung starten"],
            Word::Starting => ["Starting…", "Startar…", "Wird gestartet…"],
            Word::Hint => [
                "Enter the sale and press Start payment. The shopper pays on their own phone.",
                "Fyll i köpet och tryck på Starta betalning. Kunden betalar med sin egen telefon.",
                "Verkauf eingeben und Zahlung starten drücken. Der Kunde bezahlt mit dem eigenen Handy.",
            ],
            Word::Payment => ["Payment", "Betalning", "Zahlung"],
            Word::DistributionModule => {
                ["Klarna Distribution Module", "Klarnas distributionsmodul", "Klarna-Verteilungsmodul"]
            }
            Word::LinkExpiresIn => ["Link expires in {time}", "Länken går ut om {time}", "Link läuft ab in {time}"],
            Word::LinkExpiring => ["Link expiring now…", "Länken går ut nu…", "Link läuft jetzt ab…"],
            Word::LinkValidUntil => ["Link valid until {time}", "Länken gäller till {time}", "Link gültig bis {time}"],
            Word::OtherWays => {
                ["Other ways to send the link", "Andra sätt att skicka länken", "Andere Wege, den Link zu senden"]
            }
            Word::ShowQr => ["Show QR code", "Visa QR-kod", "QR-Code zeigen"],
            Word::SendBySms => ["Send by SMS", "Skicka via sms", "Per SMS senden"],
            Word::SendByEmail => ["Send by e-mail", "Skicka via e-post", "Per E-Mail senden"],
            Word::QrAlt => {
                ["QR code to pay with Klarna", "QR-kod för att betala med Klarna", "QR-Code zum Bezahlen mit Klarna"]
            }
            Word::Country => ["Country", "Land", "Land"],
            Word::PhoneNumber => ["Phone number", "Telefonnummer", "Telefonnummer"],
            Word::EmailAddress => ["E-mail address", "E-postadress", "E-Mail-Adresse"],
            Word::Sending => ["Sending…", "Skickar…", "Wird gesendet…"],
            Word::SendTextAgain => ["Send the text again", "Skicka sms:et igen", "SMS erneut senden"],
            Word::SendEmailAgain => ["Send the e-mail again", "Skicka e-postmeddelandet igen", "E-Mail erneut senden"],
            Word::SendText => ["Send text message", "Skicka sms", "SMS senden"],
            Word::SendEmail => ["Send e-mail", "Skicka e-post", "E-Mail senden"],
            Word::SendingTo => [
                "Klarna is sending the link to {to}.",
                "Klarna skickar länken till {to}.",
                "Klarna sendet den Link an {to}.",
            ],
            Word::NewLink => ["New link", "Ny länk", "Neuer Link"],
            Word::CancelPayment => ["Cancel payment", "Avbryt betalningen", "Zahlung abbrechen"],
            Word::ConfirmCancel => [
                "Cancel this payment? The shopper's link will stop working.",
                "Avbryta betalningen? Kundens länk slutar fungera.",
                "Diese Zahlung abbrechen? Der Link des Kunden funktioniert dann nicht mehr.",
            ],
            Word::YesCancel => ["Yes, cancel payment", "Ja, avbryt betalningen", "Ja, Zahlung abbrechen"],
            Word::KeepWaiting => ["Keep waiting", "Fortsätt vänta", "Weiter warten"],
            Word::Amount => ["Amount", "Belopp", "Betrag"],
            Word::KlarnaReference => ["Klarna reference", "Klarna-referens", "Klarna-Referenz"],
            Word::OrderId => ["Order id", "Order-id", "Bestellnummer"],
            Word::Time => ["Time", "Tid", "Zeit"],
            Word::NewSale => ["New sale", "Nytt köp", "Neuer Verkauf"],
            Word::StartAgain => ["Start again", "Börja om", "Neu starten"],
            Word::Payments => ["Payments", "Betalningar", "Zahlungen"],
            Word::NoPaymentsYet => {
                ["No payments yet today.", "Inga betalningar än i dag.", "Heute noch keine Zahlungen."]
            }
            Word::OlderPaymentsLeftOut => [
                "Showing the newest {count} of today's payments and every open one; older ones are left out.",
                "Visar dagens {count} senaste betalningar och alla öppna; äldre visas inte.",
                "Angezeigt werden die {count} neuesten Zahlungen von heute und alle offenen; ältere fehlen.",
            ],
            Word::LastChange => ["Last change", "Senast ändrad", "Letzte Änderung"],
            Word::Note => ["Note", "Anteckning", "Hinweis"],
            Word::Capture => ["Money", "Pengar", "Geld"],
            Word::CapturePending => ["Being captured at Klarna…", "Dras hos Klarna …", "Wird bei Klarna eingezogen …"],
            Word::CaptureDone => {
                ["Captured: the store gets paid", "Dragen: butiken får betalt", "Eingezogen: der Shop wird bezahlt"]
            }
            Word::CaptureRefused => [
                "Klarna refused the capture: capture it in Klarna's merchant portal",
                "Klarna nekade dragningen: dra beloppet i Klarnas handlarportal",
                "Klarna hat den Einzug abgelehnt: im Klarna-Händlerportal einziehen",
            ],
            Word::RefundedSoFar => ["refunded {amount}", "återbetalt {amount}", "erstattet {amount}"],
            Word::OpenRefund => ["Refund…", "Återbetala…", "Erstatten…"],
            Word::RefundHeading => ["Refund", "Återbetalning", "Erstattung"],
            Word::LeftToRefund => [
                "Left to refund: {left} of {paid}",
                "Kvar att återbetala: {left} av {paid}",
                "Noch erstattbar: {left} von {paid}",
            ],
            Word::AllRefunded => ["Everything is refunded.", "Allt är återbetalt.", "Alles ist erstattet."],
            Word::RefundWhat => ["What is given back", "Vad lämnas tillbaka", "Was wird zurückgegeben"],
            Word::RefundEverything => {
                ["Everything left ({amount})", "Allt som återstår ({amount})", "Alles Übrige ({amount})"]
            }
            Word::RefundItems => ["Items", "Varor", "Artikel"],
            Word::RefundAnAmount => ["An amount", "Ett belopp", "Ein Betrag"],
            Word::ItemsBack => [
                "{name}: how many back ({left} left)",
                "{name}: antal tillbaka ({left} kvar)",
                "{name}: Anzahl zurück ({left} übrig)",
            ],
            Word::ItemsRefund => [
                "Refund for the chosen items: {amount}",
                "Återbetalning för valda varor: {amount}",
                "Erstattung für die gewählten Artikel: {amount}",
            ],
            Word::RefundReference => {
                ["Return number (optional)", "Returnummer (valfritt)", "Retourennummer (optional)"]
            }
            Word::ContinueRefund => ["Continue", "Fortsätt", "Weiter"],
            Word::ConfirmRefund => [
                "Refund {amount} to the shopper? Klarna pays it back the way they paid.",
                "Återbetala {amount} till kunden? Klarna betalar tillbaka på samma sätt som kunden betalade.",
                "{amount} an den Kunden erstatten? Klarna zahlt auf demselben Weg zurück, wie er bezahlt hat.",
            ],
            Word::YesRefund => ["Yes, refund {amount}", "Ja, återbetala {amount}", "Ja, {amount} erstatten"],
            Word::Back => ["Back", "Tillbaka", "Zurück"],
            Word::Refunds => ["Refunds", "Återbetalningar", "Erstattungen"],
            Word::RefundPending => [
                "waiting for Klarna to confirm…",
                "väntar på att Klarna bekräftar…",
                "wartet auf die Bestätigung von Klarna…",
            ],
            Word::RefundDone => ["refunded", "återbetald", "erstattet"],
            Word::RefundRefused => ["refused", "nekad", "abgelehnt"],
            Word::RefundResult => [
                "Refund of {amount}: {status}",
                "Återbetalning på {amount}: {status}",
                "Erstattung über {amount}: {status}",
            ],
            Word::ItemsCount => ["{quantity} × {name}", "{quantity} × {name}", "{quantity} × {name}"],
            Word::FindPayment => ["Find a payment", "Hitta en betalning", "Zahlung suchen"],
            Word::FindLabel => {
                ["Klarna reference or amount", "Klarna-referens eller belopp", "Klarna-Referenz oder Betrag"]
            }
            Word::Find => ["Find", "Sök", "Suchen"],
            Word::Finding => ["Finding…", "Söker…", "Wird gesucht…"],
            Word::FoundPayments => ["Found payments", "Hittade betalningar", "Gefundene Zahlungen"],
            Word::NothingFound => [
                "No payment of this store matches.",
                "Ingen betalning i butiken matchar.",
                "Keine Zahlung dieses Geschäfts passt.",
            ],
            Word::FoundNewest => [
                "Showing the newest {count} matches.",
                "Visar de {count} senaste träffarna.",
                "Angezeigt werden die {count} neuesten Treffer.",
            ],
            Word::SignInHeading => ["Sign in to your store", "Logga in i din butik", "In Ihrem Geschäft anmelden"],
            Word::Store => ["Store", "Butik", "Geschäft"],
            Word::Name => ["Name", "Namn", "Name"],
            Word::Password => ["Password", "Lösenord", "Passwort"],
            Word::SignIn => ["Sign in", "Logga in", "Anmelden"],
            Word::ConnectionLost => [
                "Connection to Kassa lost; reconnecting… The status shown may be out of date.",
                "Anslutningen till Kassa bröts; ansluter igen… Statusen kan vara inaktuell.",
                "Verbindung zu Kassa unterbrochen; verbinde neu… Der angezeigte Status ist womöglich veraltet.",
            ],
        },
    )
}
