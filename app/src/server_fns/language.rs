//! The seller views' language on this device: a cookie, read when the
//! server renders and set when the associate picks another.

use crate::i18n::Lang;
use crate::AppError;
use leptos::prelude::*;

/// The language this device chose, from its cookie.
#[cfg(feature = "ssr")]
pub(super) fn chosen_lang() -> Option<Lang> {
    let headers = super::request::request_headers();
    crate::cookies::request_cookie(&headers, crate::i18n::LANG_COOKIE).and_then(Lang::from_code)
}

/// Remembers the seller view's language on this device (a year).
#[server]
pub async fn set_language(lang: Lang) -> Result<(), AppError> {
    super::request::set_cookie(&crate::cookies::CookieChange::set(
        crate::i18n::LANG_COOKIE,
        lang.code(),
        31_536_000,
        false,
    ));
    Ok(())
}
