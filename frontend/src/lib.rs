//! The browser entry point: hydrate the server-rendered page. Lazily,
//! because each view is a lazy route: with `--split` its code arrives as a
//! chunk of its own, which hydration waits for.

#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}
