//! Amounts in minor units and the currencies Klarna settles in.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A non-negative amount in the currency's minor unit (öre, cent), as Klarna
/// counts money. There is no float anywhere between a keypress and Klarna.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinorUnits(pub u64);

impl MinorUnits {
    pub const ZERO: MinorUnits = MinorUnits(0);

    pub fn get(self) -> u64 {
        self.0
    }

    /// Parses what a person types ("12", "12.5", "12,50") into minor units.
    /// Returns `None` for anything that is not a plain non-negative amount
    /// with at most as many decimals as the currency has.
    pub fn parse_major(text: &str, currency: Currency) -> Option<MinorUnits> {
        let text = text.trim();
        let (whole, fraction) = match text.find(['.', ',']) {
            Some(at) => (&text[..at], &text[at + 1..]),
            None => (text, ""),
        };
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty()
            || !digits(whole)
            || !digits(fraction)
            || fraction.len() > currency.exponent() as usize
        {
            return None;
        }
        let scale = 10u64.pow(currency.exponent());
        let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
        let padded = format!("{fraction:0<width$}", width = currency.exponent() as usize);
        let fraction: u64 = if padded.is_empty() { 0 } else { padded.parse().ok()? };
        whole.checked_mul(scale)?.checked_add(fraction).map(MinorUnits)
    }

    /// Formats the amount for people, e.g. `1 234,50 kr` (sv), `€1,234.50` (en).
    pub fn display(self, currency: Currency, language: &str) -> String {
        let exponent = currency.exponent();
        let scale = 10u64.pow(exponent);
        let (whole, fraction) = (self.0 / scale, self.0 % scale);
        let english = language.eq_ignore_ascii_case("en");
        let (group, decimal) = match language.to_ascii_lowercase().as_str() {
            "en" => (',', '.'),
            "de" => ('.', ','),
            // Swedish and the Nordics group with a no-break space.
            _ => ('\u{a0}', ','),
        };
        let whole = whole.to_string();
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(group);
            }
            grouped.push(digit);
        }
        let number = if exponent == 0 {
            grouped
        } else {
            format!("{grouped}{decimal}{fraction:0width$}", width = exponent as usize)
        };
        match (english, currency.prefix_symbol()) {
            (true, Some(symbol)) => format!("{symbol}{number}"),
            (true, None) => format!("{number}\u{a0}{}", currency.code()),
            (false, _) => format!("{number}\u{a0}{}", currency.suffix_symbol()),
        }
    }
}

impl fmt::Display for MinorUnits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A currency Klarna settles in. Only currencies in this table can be named,
/// so an amount's exponent is always known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, example = "SEK"))]
pub struct Currency(&'static CurrencyInfo);

#[derive(Debug, PartialEq, Eq, Hash)]
struct CurrencyInfo {
    code: &'static str,
    exponent: u32,
    prefix: Option<&'static str>,
    suffix: &'static str,
}

const CURRENCIES: &[CurrencyInfo] = &[
    CurrencyInfo { code: "AUD", exponent: 2, prefix: Some("A$"), suffix: "AUD" },
    CurrencyInfo { code: "CAD", exponent: 2, prefix: Some("CA$"), suffix: "CAD" },
    CurrencyInfo { code: "CHF", exponent: 2, prefix: None, suffix: "CHF" },
    CurrencyInfo { code: "CZK", exponent: 2, prefix: None, suffix: "Kč" },
    CurrencyInfo { code: "DKK", exponent: 2, prefix: None, suffix: "kr." },
    CurrencyInfo { code: "EUR", exponent: 2, prefix: Some("€"), suffix: "€" },
    CurrencyInfo { code: "GBP", exponent: 2, prefix: Some("£"), suffix: "£" },
    CurrencyInfo { code: "NOK", exponent: 2, prefix: None, suffix: "kr" },
    CurrencyInfo { code: "NZD", exponent: 2, prefix: Some("NZ$"), suffix: "NZD" },
    CurrencyInfo { code: "PLN", exponent: 2, prefix: None, suffix: "zł" },
    CurrencyInfo { code: "RON", exponent: 2, prefix: None, suffix: "lei" },
    CurrencyInfo { code: "SEK", exponent: 2, prefix: None, suffix: "kr" },
    CurrencyInfo { code: "USD", exponent: 2, prefix: Some("$"), suffix: "$" },
];

impl Currency {
    /// Looks up an ISO 4217 code (case-insensitive) among the supported ones.
    pub fn parse(code: &str) -> Result<Currency, String> {
        CURRENCIES.iter().find(|c| c.code.eq_ignore_ascii_case(code.trim())).map(Currency).ok_or_else(|| {
            let known: Vec<&str> = CURRENCIES.iter().map(|c| c.code).collect();
            format!("unsupported currency {code:?}; use one of {}", known.join(", "))
        })
    }

    pub fn code(self) -> &'static str {
        self.0.code
    }

    /// Digits after the decimal point (2 for SEK: 100 öre in a krona).
    pub fn exponent(self) -> u32 {
        self.0.exponent
    }

    fn prefix_symbol(self) -> Option<&'static str> {
        self.0.prefix
    }

    fn suffix_symbol(self) -> &'static str {
        self.0.suffix
    }
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(code: String) -> Result<Self, Self::Error> {
        Currency::parse(&code)
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> String {
        currency.code().to_string()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sek() -> Currency {
        Currency::parse("SEK").unwrap()
    }

    #[test]
    fn parses_typed_amounts_into_minor_units() {
        assert_eq!(MinorUnits::parse_major("12", sek()), Some(MinorUnits(1200)));
        assert_eq!(MinorUnits::parse_major("12.5", sek()), Some(MinorUnits(1250)));
        assert_eq!(MinorUnits::parse_major(" 12,05 ", sek()), Some(MinorUnits(1205)));
        assert_eq!(MinorUnits::parse_major(".5", sek()), Some(MinorUnits(50)));
        assert_eq!(MinorUnits::parse_major("0", sek()), Some(MinorUnits(0)));
    }

    #[test]
    fn rejects_what_is_not_an_amount() {
        for bad in ["", ".", "-1", "1.234", "1e3", "12 kr", "1.2.3", "99999999999999999999"] {
            assert_eq!(MinorUnits::parse_major(bad, sek()), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_per_language() {
        let eur = Currency::parse("eur").unwrap();
        assert_eq!(MinorUnits(123450).display(sek(), "sv"), "1\u{a0}234,50\u{a0}kr");
        assert_eq!(MinorUnits(123450).display(eur, "de"), "1.234,50\u{a0}€");
        assert_eq!(MinorUnits(123450).display(eur, "en"), "€1,234.50");
        assert_eq!(MinorUnits(5).display(sek(), "en"), "0.05\u{a0}SEK");
        assert_eq!(MinorUnits(100_000_000).display(sek(), "sv"), "1\u{a0}000\u{a0}000,00\u{a0}kr");
    }

    #[test]
    fn only_known_currencies_exist() {
        assert!(Currency::parse("XXX").unwrap_err().contains("SEK"));
        assert_eq!(serde_json::to_string(&sek()).unwrap(), "\"SEK\"");
        let parsed: Currency = serde_json::from_str("\"nok\"").unwrap();
        assert_eq!(parsed.code(), "NOK");
        assert!(serde_json::from_str::<Currency>("\"SEKK\"").is_err());
    }
}
