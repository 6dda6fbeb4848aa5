//! Countries and locales as Klarna writes them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// VAT rates offered where a country has none listed (Sweden's).
pub const DEFAULT_TAX_RATES: &[u16] = &[2500, 1200, 600, 0];

/// An ISO 3166-1 alpha-2 country code, upper case ("SE").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Country([u8; 2]);

impl Country {
    pub fn parse(code: &str) -> Result<Country, String> {
        let code = code.trim();
        match code.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Ok(Country([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => Err(format!("{code:?} is not a two-letter country code such as SE")),
        }
    }

    pub fn code(&self) -> &str {
        // Both bytes are ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The IANA time zone of a country that has one (or one that nearly
    /// all its shops keep); `None` where a store must name its own.
    pub fn time_zone(&self) -> Option<&'static str> {
        Some(match self.code() {
            "SE" => "Europe/Stockholm",
            "NO" => "Europe/Oslo",
            "DK" => "Europe/Copenhagen",
            "FI" => "Europe/Helsinki",
            "DE" => "Europe/Berlin",
            "AT" => "Europe/Vienna",
            "CH" => "Europe/Zurich",
            "NL" => "Europe/Amsterdam",
            "BE" => "Europe/Brussels",
            "FR" => "Europe/Paris",
            "IT" => "Europe/Rome",
            "PL" => "Europe/Warsaw",
            "CZ" => "Europe/Prague",
            "GR" => "Europe/Athens",
            "HU" => "Europe/Budapest",
            "RO" => "Europe/Bucharest",
            "IE" => "Europe/Dublin",
            "GB" => "Europe/London",
            "NZ" => "Pacific/Auckland",
            // Several zones (US, CA, AU, MX, ES, PT, ...): the store says.
            _ => return None,
        })
    }

    /// The VAT rates a till offers in this country, in basis points, the
    /// standard rate first (Swedish rates where a country is not listed).
    pub fn tax_rates(&self) -> &'static [u16] {
        match self.code() {
            "SE" => &[2500, 1200, 600, 0],
            "NO" => &[2500, 1500, 1200, 0],
            "DK" => &[2500, 0],
            "FI" => &[2550, 1400, 1000, 0],
            "DE" => &[1900, 700, 0],
            "AT" => &[2000, 1300, 1000, 0],
            "NL" => &[2100, 900, 0],
            "GB" => &[2000, 500, 0],
            _ => DEFAULT_TAX_RATES,
        }
    }
}

impl TryFrom<String> for Country {
    type Error = String;
    fn try_from(code: String) -> Result<Self, Self::Error> {
        Country::parse(&code)
    }
}

impl From<Country> for String {
    fn from(country: Country) -> String {
        country.code().to_string()
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A locale in Klarna's pattern `^[A-Za-z]{2}(-[A-Za-z]{2})*$` ("sv-SE").
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Locale(String);

impl Locale {
    pub fn parse(tag: &str) -> Result<Locale, String> {
        let tag = tag.trim();
        let valid = tag.split('-').all(|part| part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()));
        if valid {
            Ok(Locale(tag.to_string()))
        } else {
            Err(format!("{tag:?} is not a locale such as sv-SE"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language part, lower case ("sv" for "sv-SE").
    pub fn language(&self) -> String {
        self.0[..2].to_ascii_lowercase()
    }
}

impl TryFrom<String> for Locale {
    type Error = String;
    fn try_from(tag: String) -> Result<Self, Self::Error> {
        Locale::parse(&tag)
    }
}

impl From<Locale> for String {
    fn from(locale: Locale) -> String {
        locale.0
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_country_offers_its_standard_rate_first() {
        assert_eq!(Country::parse("DE").unwrap().tax_rates()[0], 1900);
        assert_eq!(Country::parse("FI").unwrap().tax_rates()[0], 2550);
        assert_eq!(Country::parse("US").unwrap().tax_rates(), Country::parse("SE").unwrap().tax_rates());
    }

    #[test]
    fn countries_are_two_letters_upper_cased() {
        assert_eq!(Country::parse("se").unwrap().code(), "SE");
        for bad in ["", "S", "SWE", "S1", "ÅÄ"] {
            assert!(Country::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn locales_follow_klarnas_pattern() {
        assert_eq!(Locale::parse("sv-SE").unwrap().language(), "sv");
        assert_eq!(Locale::parse("EN").unwrap().language(), "en");
        for bad in ["", "sv_SE", "swe-SE", "sv-", "s1-SE"] {
            assert!(Locale::parse(bad).is_err(), "{bad:?}");
        }
    }
}
