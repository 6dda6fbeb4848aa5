//! The kiosk screen's browser bundle, apart from the seller's: the kiosk
//! page loads only the kiosk's island (`app` built with its `kiosk` screen
//! alone), none of the till's or today's payments' code, words or shared
//! chunks. The page's start script calls `hydrate` (`app::hydrate`), then
//! the island's function.
#![cfg(target_arch = "wasm32")]
#![recursion_limit = "256"]

// The bundle's start and the island's hydrate function are exported from
// the app crate, which is linked into the bundle only if named here.
extern crate app;
