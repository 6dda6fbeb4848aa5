//! Where a payment link may be sent: an e-mail address, or a phone number
//! with its country (Klarna takes both, and SMS fails without the country).

use crate::field::FieldProblem;
use crate::region::Country;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A plausible e-mail address: one `@`, a dotted domain, no spaces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Email, FieldProblem> {
        let text = text.trim();
        let valid = text.len() <= 254
            && !text.chars().any(char::is_whitespace)
            && match text.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if valid {
            Ok(Email(text.to_string()))
        } else {
            Err(FieldProblem::EmailInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = FieldProblem;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Email::parse(&text)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> String {
        email.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number and the country it belongs to. The number keeps only
/// digits (and a leading `+`), as typed otherwise: Klarna reads it together
/// with the country.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneNumber {
    pub country: Country,
    number: String,
}

/// Countries the seller view offers for SMS, with their calling codes.
pub const PHONE_COUNTRIES: &[(&str, &str)] = &[
    ("SE", "+46"),
    ("NO", "+47"),
    ("DK", "+45"),
    ("FI", "+358"),
    ("DE", "+49"),
    ("AT", "+43"),
    ("NL", "+31"),
    ("BE", "+32"),
    ("FR", "+33"),
    ("ES", "+34"),
    ("IT", "+39"),
    ("PL", "+48"),
    ("CH", "+41"),
    ("GB", "+44"),
    ("IE", "+353"),
    ("US", "+1"),
    ("CA", "+1"),
    ("AU", "+61"),
    ("NZ", "+64"),
];

impl PhoneNumber {
    pub fn parse(country: Country, text: &str) -> Result<PhoneNumber, FieldProblem> {
        let text = text.trim();
        let (plus, rest) = match text.strip_prefix('+') {
            Some(rest) => ("+", rest),
            None => ("", text),
        };
        if rest.chars().any(|c| !(c.is_ascii_digit() || c == ' ' || c == '-' || c == '(' || c == ')')) {
            return Err(FieldProblem::PhoneNotDigits);
        }
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        if !(6..=15).contains(&digits.len()) {
            return Err(FieldProblem::PhoneLength);
        }
        if plus == "+" {
            let code = PHONE_COUNTRIES.iter().find(|(c, _)| *c == country.code()).map(|(_, code)| &code[1..]);
            if code.is_some_and(|code| !digits.starts_with(code)) {
                return Err(FieldProblem::PhoneOtherCountry { country: country.code().to_string() });
            }
        }
        Ok(PhoneNumber { country, number: format!("{plus}{digits}") })
    }

    pub fn number(&self) -> &str {
        &self.number
    }
}

/// Where to send a payment link, already validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkTarget {
    Sms(PhoneNumber),
    Email(Email),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn se() -> Country {
        Country::parse("SE").unwrap()
    }

    #[test]
    fn e_mail_addresses() {
        assert_eq!(Email::parse(" anna@example.se ").unwrap().as_str(), "anna@example.se");
        for bad in ["", "anna", "anna@", "@example.se", "anna@example", "an na@example.se", "a@b@c.se", "a@.se"] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn phone_numbers_keep_digits_and_know_their_country() {
        let phone = PhoneNumber::parse(se(), "070-123 45 67").unwrap();
        assert_eq!((phone.number(), phone.country.code()), ("0701234567", "SE"));
        assert_eq!(PhoneNumber::parse(se(), "+46 70 123 45 67").unwrap().number(), "+46701234567");
        assert_eq!(
            PhoneNumber::parse(se(), "+47 412 34 567").unwrap_err(),
            FieldProblem::PhoneOtherCountry { country: "SE".into() }
        );
        assert!(PhoneNumber::parse(se(), "12345").is_err());
        assert!(PhoneNumber::parse(se(), "070 CALL ME").is_err());
    }
}
