//! The site cargo-leptos built: the app's bundle and stylesheet under
//! `pkg/`. Built with `hash-files`, every name there carries a hash of its
//! content, so a browser keeps the files for good (a tablet opening the
//! till again loads none of them) and an upgrade can never pair new pages
//! with an old bundle still in a browser's cache.

use app::PageFiles;
use leptos::prelude::LeptosOptions;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What Kassa needs to know of the built site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteFiles {
    /// Whether the names under `pkg/` carry their content's hash.
    pub hashed: bool,
    /// The addresses of the stylesheet and the bundle's entry files.
    pub page: PageFiles,
    /// Something wrong with the build that the operator must hear of.
    pub problem: Option<String>,
}

impl SiteFiles {
    /// Reads the site in `options`, and the hash file cargo-leptos writes
    /// beside the binary (where Leptos looks for it).
    pub fn read(options: &LeptosOptions) -> SiteFiles {
        let beside_binary = std::env::current_exe().ok().and_then(|exe| exe.parent().map(Path::to_path_buf));
        let hashes = beside_binary
            .map(|dir| dir.join(options.hash_file.as_ref()))
            .and_then(|path| std::fs::read_to_string(path).ok());
        let pkg = PathBuf::from(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
        SiteFiles::of(&pkg, options.site_pkg_dir.as_ref(), options.output_name.as_ref(), hashes.as_deref())
    }

    /// The site in the folder `pkg`, served at `/{pkg_url}`. A hash file
    /// counts only if the files it names are there: one left over from an
    /// earlier build must not send browsers to names that do not exist.
    fn of(pkg: &Path, pkg_url: &str, output_name: &str, hashes: Option<&str>) -> SiteFiles {
        let hash_of = |kind: &str| {
            hashes?.lines().find_map(|line| {
                let (file, hash) = line.split_once(':')?;
                (file.trim() == kind).then(|| hash.trim().to_string())
            })
        };
        let hashed_name = |kind: &str| hash_of(kind).map(|hash| format!("{output_name}.{hash}.{kind}"));
        let hashed = hashed_name("js").is_some_and(|js| pkg.join(js).is_file());
        let manifest = match hash_of("manifest").filter(|_| hashed) {
            Some(hash) => format!("__wasm_split_manifest.{hash}.json"),
            None => "__wasm_split_manifest.json".to_string(),
        };
        let islands = island_chunks(&pkg.join(manifest), pkg_url);
        let page = page_files(pkg_url, output_name, |kind| hashed_name(kind).filter(|_| hashed), islands);
        let names: Vec<String> = std::fs::read_dir(pkg)
            .map(|entries| entries.flatten().map(|entry| entry.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        let built = names.iter().any(|name| name.starts_with(output_name) && name.ends_with(".wasm"));
        let split = names.iter().any(|name| name.starts_with("__wasm_split_manifest"));
        // Each island's code is loaded lazily: a bundle built without
        // `--split` cannot load it, so no page would hydrate.
        let problem = (built && !split).then(|| {
            format!(
                "the site in {} was built without --split: pages will not hydrate; \
                 build it with `cargo leptos build --split` (or serve/watch/end-to-end --split)",
                pkg.display()
            )
        });
        SiteFiles { hashed, page, problem }
    }
}

impl Default for SiteFiles {
    /// No site (the API alone, tests): the names cargo-leptos gives without hashes.
    fn default() -> SiteFiles {
        SiteFiles { hashed: false, page: page_files("pkg", "kassa", |_| None, Vec::new()), problem: None }
    }
}

/// The chunks each island needs (its own and those it shares), by the
/// island's name ("till" of `till_loader_…`, the lazy loader Leptos makes
/// of `#[island(lazy)] fn Till`), as addresses under `/{pkg_url}`, from the
/// split manifest cargo-leptos writes. Without one, none: a page then
/// fetches them when its bundle asks.
fn island_chunks(manifest: &Path, pkg_url: &str) -> Vec<(String, Vec<String>)> {
    let loaders: BTreeMap<String, Vec<String>> =
        std::fs::read_to_string(manifest).ok().and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default();
    loaders
        .into_iter()
        .filter_map(|(key, chunks)| {
            let (island, _) = key.split_once("_loader_")?;
            Some((island.to_string(), chunks.iter().map(|chunk| format!("/{pkg_url}/{chunk}.wasm")).collect()))
        })
        .collect()
}

/// The files a page names under `/{pkg_url}`: `hashed_name` of a kind (css,
/// js, wasm) when there is one, else cargo-leptos's plain name; `islands`
/// their chunks' addresses.
fn page_files(
    pkg_url: &str,
    output_name: &str,
    hashed_name: impl Fn(&str) -> Option<String>,
    islands: Vec<(String, Vec<String>)>,
) -> PageFiles {
    let address = |kind: &str| match hashed_name(kind) {
        Some(name) => format!("/{pkg_url}/{name}"),
        None => format!("/{pkg_url}/{output_name}.{kind}"),
    };
    PageFiles::new(address("css"), &address("js"), &address("wasm"), islands)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site_folder(files: &[&str]) -> PathBuf {
        let pkg = std::env::temp_dir().join(format!(
            "kassa-site-{}-{}",
            std::process::id(),
            files.join("+").replace('/', "_")
        ));
        let _ = std::fs::remove_dir_all(&pkg);
        std::fs::create_dir_all(&pkg).unwrap();
        for file in files {
            std::fs::write(pkg.join(file), b"x").unwrap();
        }
        pkg
    }

    #[test]
    fn a_hashed_build_is_recognised_by_its_files_not_only_by_the_hash_file() {
        let hashes = "js: J1\nwasm: W1\ncss: C1\nmanifest: M1\nsplit: S1\n";
        let pkg = site_folder(&["kassa.J1.js", "kassa.W1.wasm", "kassa.C1.css", "__wasm_split_manifest.M1.json"]);
        let site = SiteFiles::of(&pkg, "pkg", "kassa", Some(hashes));
        let page = PageFiles::new("/pkg/kassa.C1.css".into(), "/pkg/kassa.J1.js", "/pkg/kassa.W1.wasm", []);
        assert_eq!(site, SiteFiles { hashed: true, page, problem: None });

        // A hash file left over from an earlier hashed build, beside a site
        // built without hashes: the plain names, or every page would break.
        let plain = site_folder(&["kassa.js", "kassa.wasm", "kassa.css", "__wasm_split_manifest.json"]);
        let site = SiteFiles::of(&plain, "pkg", "kassa", Some(hashes));
        assert_eq!(site, SiteFiles::default());
        assert_eq!(SiteFiles::of(&plain, "pkg", "kassa", None), SiteFiles::default());
        std::fs::remove_dir_all(pkg).unwrap();
        std::fs::remove_dir_all(plain).unwrap();
    }

    #[test]
    fn each_island_names_the_chunks_of_its_code_from_the_split_manifest() {
        let hashes = "js: J1\nwasm: W1\ncss: C1\nmanifest: M1\n";
        let pkg = site_folder(&["kassa.J1.js", "kassa.W1.wasm", "kassa.C1.css", "__wasm_split_manifest.M1.json"]);
        let manifest = r#"{"till_loader_47":["chunk_5.A","split_till_loader_47.B"],
            "kiosk_loader_48":["chunk_5.A","split_kiosk_loader_48.C"],"payment_panel_9":["chunk_6.D"]}"#;
        std::fs::write(pkg.join("__wasm_split_manifest.M1.json"), manifest).unwrap();
        let site = SiteFiles::of(&pkg, "pkg", "kassa", Some(hashes));
        let expected = PageFiles::new(
            "/pkg/kassa.C1.css".into(),
            "/pkg/kassa.J1.js",
            "/pkg/kassa.W1.wasm",
            [
                (
                    "kiosk".to_string(),
                    vec!["/pkg/chunk_5.A.wasm".to_string(), "/pkg/split_kiosk_loader_48.C.wasm".to_string()],
                ),
                (
                    "till".to_string(),
                    vec!["/pkg/chunk_5.A.wasm".to_string(), "/pkg/split_till_loader_47.B.wasm".to_string()],
                ),
            ],
        );
        assert_eq!(site.page, expected, "lazy functions that are not islands are left to the bundle");

        // A manifest that cannot be read: the pages start as they would without one.
        std::fs::write(pkg.join("__wasm_split_manifest.M1.json"), "{not json").unwrap();
        let site = SiteFiles::of(&pkg, "pkg", "kassa", Some(hashes));
        assert_eq!(site.page, PageFiles::new("/pkg/kassa.C1.css".into(), "/pkg/kassa.J1.js", "/pkg/kassa.W1.wasm", []));
        std::fs::remove_dir_all(pkg).unwrap();
    }

    #[test]
    fn a_site_built_without_split_is_named_hashed_or_not() {
        let none = site_folder(&[]);
        assert_eq!(SiteFiles::of(&none, "pkg", "kassa", None).problem, None, "no site (API-only use): nothing to say");
        for files in [["kassa.wasm", "kassa.js"], ["kassa.W1.wasm", "kassa.J1.js"]] {
            let unsplit = site_folder(&files);
            let problem = SiteFiles::of(&unsplit, "pkg", "kassa", Some("js: J1\nwasm: W1\n")).problem;
            assert!(problem.is_some_and(|problem| problem.contains("--split")), "{files:?}");
            std::fs::remove_dir_all(unsplit).unwrap();
        }
        std::fs::remove_dir_all(none).unwrap();
    }
}
