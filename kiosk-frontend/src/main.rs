//! Stands in for a server in cargo-leptos's `kiosk` project, which builds
//! only the kiosk screen's browser bundle; Kassa's server serves it.

fn main() {
    eprintln!(
        "kiosk-bundle serves nothing: the kiosk screen's bundle is served by kassa \
         (build it with `cargo leptos build --project kiosk --split --frontend-only`)"
    );
    std::process::exit(2);
}
