//! The browser entry point. The server renders every page; the browser
//! hydrates only its islands (`app`'s `#[island(lazy)]` screens), each from
//! a wasm chunk of its own (`--split`) that its hydrate function loads. The
//! page's start script calls `hydrate`, then each island's function.

#![recursion_limit = "256"]

// The islands' hydrate functions are exported from the app crate, which is
// linked into the bundle only if named here.
extern crate app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
