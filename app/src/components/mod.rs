//! UI pieces the seller screens share; each follows the screen's language
//! ([`crate::i18n::use_lang`]).

mod confirm_cancel;
mod connection_lost;
mod language_picker;
mod page_title;
mod problem;

pub use confirm_cancel::ConfirmCancel;
pub use connection_lost::ConnectionLost;
#[cfg(feature = "ssr")]
pub use language_picker::LanguageForm;
pub use language_picker::LanguagePicker;
pub use page_title::follow_page_title;
pub use problem::MaybeProblem;
#[cfg(feature = "ssr")]
pub use problem::Problem;
