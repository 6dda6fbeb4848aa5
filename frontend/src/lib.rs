//! The seller's browser bundle (the till and today's payments). The server
//! renders every page; the browser hydrates only its islands: the till from
//! the bundle's main module, today's payments from a wasm chunk of its own
//! (`--split`) that its hydrate function loads. The page's start script calls `hydrate`
//! (`app::hydrate`), then each island's function.

#![recursion_limit = "256"]

// The bundle's start and the islands' hydrate functions are exported from
// the app crate, which is linked into the bundle only if named here.
extern crate app;
