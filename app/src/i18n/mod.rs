//! The languages Kassa's screens speak, and their words. Each screen keeps
//! a table of `[English, Swedish, German]`; the compiler makes sure no
//! language is missing.

mod errors;
mod seller;

pub use errors::{app_error, field_problem, problem, status, unreachable};
pub use seller::{tr, Word};

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The cookie that remembers the language chosen on a device.
pub const LANG_COOKIE: &str = "kassa_lang";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Sv,
    De,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Sv, Lang::De];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Sv => "sv",
            Lang::De => "de",
        }
    }

    /// Each language names itself, so a reader finds their own.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Sv => "Svenska",
            Lang::De => "Deutsch",
        }
    }

    /// The language of a code ("sv", or a locale's "sv" from "sv-SE").
    pub fn from_code(code: &str) -> Option<Lang> {
        let language = code.get(..2)?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|lang| lang.code() == language)
    }
}

/// The word for `lang` from a `[English, Swedish, German]` row.
pub fn pick(lang: Lang, [en, sv, de]: [&'static str; 3]) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Sv => sv,
        Lang::De => de,
    }
}

/// Puts values into a text's `{name}` placeholders.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(text.to_string(), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
}

/// The language of the screen, shared by its components.
pub fn provide_lang(lang: Lang) -> RwSignal<Lang> {
    let signal = RwSignal::new(lang);
    provide_context(signal);
    signal
}

/// The screen's language (English where none was provided).
pub fn use_lang() -> Signal<Lang> {
    match use_context::<RwSignal<Lang>>() {
        Some(signal) => signal.into(),
        None => Signal::stored(Lang::En),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_come_from_codes_and_locales() {
        assert_eq!(Lang::from_code("sv-SE"), Some(Lang::Sv));
        assert_eq!(Lang::from_code("DE"), Some(Lang::De));
        assert_eq!(Lang::from_code("fi-FI"), None);
        assert_eq!(Lang::from_code(""), None);
        assert_eq!(serde_json::to_string(&Lang::De).unwrap(), "\"de\"");
    }

    #[test]
    fn placeholders_are_filled_by_name() {
        assert_eq!(fill("Total {amount} (tax {tax})", &[("amount", "10"), ("tax", "2")]), "Total 10 (tax 2)");
        assert_eq!(fill("no placeholders", &[("amount", "10")]), "no placeholders");
    }
}
