//! Sending the payment link by e-mail, SMS or to the Klarna app (token):
//! the checks Klarna makes, the localised message, and the outbox where
//! "sent" messages land. Used by the API and the Distribution Module page.

use super::envelope::{klarna_error, not_found, Refusal};
use super::format::money;
use super::outbox::OutboxMessage;
use super::state::Sessions;
use crate::wire::{ContactInformation, DistributionMethod, SessionStatus};
use axum::http::StatusCode;
use serde::Deserialize;
use time::OffsetDateTime;

/// A distribution request as it arrives, before Klarna's checks: every
/// field may be missing, and the method may be in any case.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DistributionInput {
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub contact_information: Option<ContactInformation>,
}

/// Klarna answers a failed check with a 400 and the check's error code.
fn refuse(code: &'static str, message: impl Into<String>) -> Refusal {
    klarna_error(StatusCode::BAD_REQUEST, code, message)
}

/// Countries whose phone numbers the simulator's "region" accepts: Klarna's
/// markets. Any other valid ISO code is UNSUPPORTED_COUNTRY.
const SUPPORTED_PHONE_COUNTRIES: &[&str] = &[
    "AT", "AU", "BE", "CA", "CH", "CZ", "DE", "DK", "ES", "FI", "FR", "GB", "GR", "HU", "IE", "IT", "MX", "NL", "NO",
    "NZ", "PL", "PT", "RO", "SE", "SK", "US",
];

/// The recipient once Klarna's checks pass.
#[derive(Clone, Debug, PartialEq)]
pub struct Recipient {
    pub method: DistributionMethod,
    pub to: String,
    pub phone_country: Option<String>,
}

/// Klarna's distribution checks: MISSING_CONTACT_DATA when the method's
/// contact field is absent, CONSTRAINT_VIOLATION when it is malformed,
/// UNSUPPORTED_COUNTRY for a phone country outside the region.
pub fn check(input: &DistributionInput) -> Result<Recipient, Refusal> {
    let method = match input.method.as_deref().map(str::to_ascii_lowercase) {
        None => return Err(refuse("CONSTRAINT_VIOLATION", "method is required")),
        Some(m) if m == "email" => DistributionMethod::Email,
        Some(m) if m == "sms" => DistributionMethod::Sms,
        Some(m) if m == "token" => DistributionMethod::Token,
        Some(m) => return Err(refuse("CONSTRAINT_VIOLATION", format!("method {m:?} is not one of email, sms, token"))),
    };
    let contact = input.contact_information.clone().unwrap_or_default();
    match method {
        DistributionMethod::Email => {
            let email = present(&contact.email).ok_or_else(|| {
                refuse("MISSING_CONTACT_DATA", "contact_information.email is required for method email")
            })?;
            if !plausible_email(email) {
                return Err(refuse("CONSTRAINT_VIOLATION", "contact_information.email is not a valid e-mail address"));
            }
            Ok(Recipient { method, to: email.to_string(), phone_country: None })
        }
        DistributionMethod::Sms => {
            let (Some(phone), Some(country)) = (present(&contact.phone), present(&contact.phone_country)) else {
                return Err(refuse(
                    "MISSING_CONTACT_DATA",
                    "contact_information.phone and phone_country are required for method sms",
                ));
            };
            let country = country.to_ascii_uppercase();
            if country.len() != 2 || !country.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(refuse(
                    "CONSTRAINT_VIOLATION",
                    "contact_information.phone_country must be an ISO 3166-1 alpha-2 code",
                ));
            }
            if !plausible_phone(phone) {
                return Err(refuse("CONSTRAINT_VIOLATION", "contact_information.phone is not a valid phone number"));
            }
            if !SUPPORTED_PHONE_COUNTRIES.contains(&country.as_str()) {
                return Err(refuse(
                    "UNSUPPORTED_COUNTRY",
                    format!("Phone numbers from {country} cannot be used in this region"),
                ));
            }
            Ok(Recipient { method, to: phone.to_string(), phone_country: Some(country) })
        }
        DistributionMethod::Token => {
            let access_id = present(&contact.access_id).ok_or_else(|| {
                refuse("MISSING_CONTACT_DATA", "contact_information.access_id is required for method token")
            })?;
            Ok(Recipient { method, to: access_id.to_string(), phone_country: None })
        }
    }
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
}

/// 6 to 15 digits (E.164's limit), with an optional leading `+` and
/// spaces, dashes or brackets between them.
fn plausible_phone(phone: &str) -> bool {
    let body = phone.strip_prefix('+').unwrap_or(phone);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    body.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')')) && (6..=15).contains(&digits)
}

/// The message text in the session's language: English, Swedish or
/// German (English for any other locale).
pub fn compose(locale: &str, method: DistributionMethod, amount: &str, link: &str) -> (String, Option<String>, String) {
    let language = locale.split(['-', '_']).next().unwrap_or("en").to_ascii_lowercase();
    let (language, subject, text) = match language.as_str() {
        "sv" => ("sv", "Din betallänk från Klarna", format!("Hej! Betala {amount} med Klarna här: {link}")),
        "de" => ("de", "Ihr Zahlungslink von Klarna", format!("Hallo! Bezahlen Sie {amount} mit Klarna hier: {link}")),
        _ => ("en", "Your Klarna payment link", format!("Hi! Pay {amount} with Klarna here: {link}")),
    };
    let subject = (method == DistributionMethod::Email).then(|| subject.to_string());
    (language.to_string(), subject, text)
}

/// Klarna's distribution: the session must be live and payable, the
/// contact data valid; then the message, carrying `link`, lands in the
/// outbox.
pub fn send(
    sessions: &mut Sessions,
    session_id: &str,
    input: &DistributionInput,
    now: OffsetDateTime,
    link: String,
) -> Result<OutboxMessage, Refusal> {
    let session = sessions
        .live_hpp(session_id, now)
        .ok_or_else(|| not_found("HPP session not found or access token not found"))?;
    match session.status {
        SessionStatus::Disabled => {
            return Err(refuse("CONSTRAINT_VIOLATION", "The session has been disabled by the merchant"))
        }
        ref status if status.is_final() => {
            return Err(refuse("CONSTRAINT_VIOLATION", format!("The session is {status} and can no longer be paid")))
        }
        _ => {}
    }
    let recipient = check(input)?;
    let kp = sessions.kp.get(&session.kp_session_id);
    let locale = kp.and_then(|kp| kp.request.locale.clone()).unwrap_or_else(|| "en-US".into());
    let amount = kp.map(|kp| money(kp.request.order_amount, &kp.request.purchase_currency)).unwrap_or_default();
    let (language, subject, text) = compose(&locale, recipient.method, &amount, &link);
    let message = OutboxMessage {
        id: uuid::Uuid::new_v4().to_string(),
        hpp_session_id: session_id.to_string(),
        method: recipient.method,
        to: recipient.to,
        phone_country: recipient.phone_country,
        language,
        subject,
        text,
        link,
        sent_at: now,
    };
    sessions.outbox.push(message.clone());
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(method: &str, contact: ContactInformation) -> DistributionInput {
        DistributionInput { method: Some(method.into()), contact_information: Some(contact) }
    }

    fn code(result: Result<Recipient, Refusal>) -> &'static str {
        result.unwrap_err().code
    }

    #[test]
    fn email_needs_a_plausible_address() {
        let email = |e: &str| ContactInformation { email: Some(e.into()), ..Default::default() };
        assert_eq!(check(&input("EMAIL", email("a@shop.example"))).unwrap().to, "a@shop.example");
        assert_eq!(code(check(&input("email", ContactInformation::default()))), "MISSING_CONTACT_DATA");
        for bad in ["nobody", "a@b", "a @b.se", "@b.se", "a@b.se."] {
            assert_eq!(code(check(&input("email", email(bad)))), "CONSTRAINT_VIOLATION", "{bad}");
        }
    }

    #[test]
    fn sms_needs_phone_and_a_supported_country() {
        let sms = |p: &str, c: &str| ContactInformation {
            phone: Some(p.into()),
            phone_country: Some(c.into()),
            ..Default::default()
        };
        let ok = check(&input("sms", sms("07000 212345", "se"))).unwrap();
        assert_eq!(ok.phone_country.as_deref(), Some("SE"));
        assert_eq!(
            code(check(&input("sms", ContactInformation { phone: Some("0700".into()), ..Default::default() }))),
            "MISSING_CONTACT_DATA"
        );
        assert_eq!(code(check(&input("sms", sms("070", "SE")))), "CONSTRAINT_VIOLATION");
        assert_eq!(code(check(&input("sms", sms("0700212345", "SWE")))), "CONSTRAINT_VIOLATION");
        assert_eq!(code(check(&input("sms", sms("0700212345", "JP")))), "UNSUPPORTED_COUNTRY");
    }

    #[test]
    fn method_is_required_and_known() {
        assert_eq!(code(check(&DistributionInput::default())), "CONSTRAINT_VIOLATION");
        assert_eq!(code(check(&input("fax", ContactInformation::default()))), "CONSTRAINT_VIOLATION");
    }

    #[test]
    fn messages_follow_the_session_language() {
        let (language, subject, text) = compose("sv-SE", DistributionMethod::Email, "10.00 SEK", "L");
        assert_eq!(language, "sv");
        assert!(subject.unwrap().contains("betallänk"));
        assert!(text.contains("Betala 10.00 SEK") && text.ends_with('L'));
        let (language, subject, text) = compose("de-AT", DistributionMethod::Sms, "1 EUR", "L");
        assert_eq!((language.as_str(), subject), ("de", None));
        assert!(text.contains("Bezahlen"));
        assert_eq!(compose("fi-FI", DistributionMethod::Sms, "", "").0, "en");
    }
}
