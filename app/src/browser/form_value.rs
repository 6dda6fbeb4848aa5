//! Form controls that keep what was typed before the page hydrated.

use leptos::html::ElementType;
use leptos::prelude::*;

/// A form control whose text can be read and set.
pub trait FormControl {
    fn text(&self) -> String;
    fn show(&self, text: &str);
}

impl FormControl for web_sys::HtmlInputElement {
    fn text(&self) -> String {
        self.value()
    }
    fn show(&self, text: &str) {
        self.set_value(text);
    }
}

impl FormControl for web_sys::HtmlSelectElement {
    fn text(&self) -> String {
        self.value()
    }
    fn show(&self, text: &str) {
        self.set_value(text);
    }
}

/// Keeps `control` and `value` in step. The server renders the control
/// showing `value`'s first text; on slow store Wi-Fi an associate may type
/// before the page has hydrated, so when the page first sees the control its
/// text wins (the signal takes it). From then on the signal drives the
/// control (a new sale empties it), and the control's input handler the
/// signal. (`prop:value` would set the control at hydration and wipe what
/// was typed.)
pub fn bind_value<E>(control: NodeRef<E>, value: RwSignal<String>)
where
    E: ElementType,
    E::Output: FormControl + wasm_bindgen::JsCast + Clone + 'static,
{
    Effect::new(move |seen: Option<bool>| {
        // The line may be gone (a new sale) while its control is on its way out.
        let (Some(wanted), Some(element)) = (value.try_get(), control.get()) else { return seen.unwrap_or(false) };
        let shown = element.text();
        if shown != wanted {
            if seen == Some(true) {
                element.show(&wanted);
            } else {
                value.try_set(shown);
            }
        }
        true
    });
}
