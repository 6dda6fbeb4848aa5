//! The site cargo-leptos built: two browser bundles and the stylesheet.
//! Kassa's own project builds the seller's bundle and the stylesheet under
//! `pkg/`; the `kiosk` project builds the kiosk screen's bundle under
//! `kiosk-bundle/pkg/` (see the workspace's Cargo.toml), so a kiosk loads
//! none of the seller's code. Built with `hash-files`, every name there
//! carries a hash of its content, so a browser keeps the files for good (a
//! tablet opening the till again loads none of them) and an upgrade can
//! never pair new pages with an old bundle still in a browser's cache.

use app::{Bundle, PageFiles};
use leptos::prelude::LeptosOptions;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The kiosk screen's bundle, as the `kiosk` project in the workspace's
/// Cargo.toml builds it (a test holds the two together).
pub const KIOSK_BUNDLE: BundleSite =
    BundleSite { folder: "kiosk-bundle/pkg", output_name: "kiosk", hash_file: "kiosk-hash.txt", project: "kiosk" };

/// Whether `path` is one of the bundles' files (named by content when hashed).
pub fn is_bundle_file(path: &str) -> bool {
    let in_folder = |folder: &str| {
        path.strip_prefix('/').and_then(|path| path.strip_prefix(folder)).is_some_and(|rest| rest.starts_with('/'))
    };
    in_folder("pkg") || in_folder(KIOSK_BUNDLE.folder)
}

/// Where cargo-leptos puts one project's bundle.
#[derive(Clone, Copy, Debug)]
pub struct BundleSite {
    /// Under the site root, and so under `/` as a URL.
    pub folder: &'static str,
    pub output_name: &'static str,
    /// Beside the binary, listing the hashes in the files' names.
    pub hash_file: &'static str,
    /// The cargo-leptos project that builds it.
    pub project: &'static str,
}

/// What Kassa needs to know of the built site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteFiles {
    /// Whether the names of the bundles' files carry their content's hash.
    pub hashed: bool,
    /// The addresses of the stylesheet and of each bundle's files.
    pub page: PageFiles,
    /// Something wrong with the build that the operator must hear of.
    pub problem: Option<String>,
}

/// Whether Kassa runs under `cargo leptos watch`, which says so in the
/// environment (read once for the process).
pub static UNDER_WATCH: std::sync::LazyLock<bool> =
    std::sync::LazyLock::new(|| std::env::var_os("LEPTOS_WATCH").is_some());

/// The files an app page names, as it is rendered: those found at start,
/// or, under `cargo leptos watch` (which rebuilds Kassa's project alone and
/// empties the site the kiosk's bundle is in), those found at each page,
/// so a kiosk bundle built after Kassa started is named at once.
#[derive(Clone)]
pub enum PageSource {
    AtStart(PageFiles),
    AtEachPage(LeptosOptions),
}

impl PageSource {
    pub fn new(options: &LeptosOptions, site: &SiteFiles) -> PageSource {
        match *UNDER_WATCH {
            true => PageSource::AtEachPage(options.clone()),
            false => PageSource::AtStart(site.page.clone()),
        }
    }

    pub fn current(&self) -> PageFiles {
        match self {
            PageSource::AtStart(page) => page.clone(),
            PageSource::AtEachPage(options) => SiteFiles::read(options).page,
        }
    }
}

/// One bundle as found in the site.
#[derive(Debug)]
struct BuiltBundle {
    bundle: Bundle,
    stylesheet: String,
    hashed: bool,
    /// Its wasm is there.
    built: bool,
    problem: Option<String>,
}

impl SiteFiles {
    /// Reads the site in `options`, and the hash files cargo-leptos writes
    /// beside the binary (where Leptos looks for them).
    pub fn read(options: &LeptosOptions) -> SiteFiles {
        let beside_binary = std::env::current_exe().ok().and_then(|exe| exe.parent().map(Path::to_path_buf));
        let hashes = |name: &str| beside_binary.as_ref().and_then(|dir| std::fs::read_to_string(dir.join(name)).ok());
        let root = PathBuf::from(options.site_root.as_ref());
        let seller = BuiltBundle::of(
            &root.join(options.site_pkg_dir.as_ref()),
            options.site_pkg_dir.as_ref(),
            options.output_name.as_ref(),
            hashes(options.hash_file.as_ref()).as_deref(),
        );
        let kiosk = BuiltBundle::of(
            &root.join(KIOSK_BUNDLE.folder),
            KIOSK_BUNDLE.folder,
            KIOSK_BUNDLE.output_name,
            hashes(KIOSK_BUNDLE.hash_file).as_deref(),
        );
        SiteFiles::of(seller, kiosk, &root.join(KIOSK_BUNDLE.folder))
    }

    /// The site of the seller's bundle (which also brings the stylesheet)
    /// and the kiosk's, found in `kiosk_folder`.
    fn of(seller: BuiltBundle, kiosk: BuiltBundle, kiosk_folder: &Path) -> SiteFiles {
        // Only a site with the seller's bundle is a site at all (the API
        // alone, tests, have none): then the kiosk's must be there too.
        let missing_kiosk = (seller.built && !kiosk.built).then(|| {
            format!(
                "the kiosk screen's bundle is missing from {}: kiosks will not start; build it with \
                 `cargo leptos build --project {} --split --frontend-only` (a build of Kassa's project alone removes it)",
                kiosk_folder.display(),
                KIOSK_BUNDLE.project
            )
        });
        let problems: Vec<String> = [seller.problem, kiosk.problem, missing_kiosk].into_iter().flatten().collect();
        SiteFiles {
            hashed: seller.hashed,
            page: PageFiles::new(seller.stylesheet, &[seller.bundle, kiosk.bundle]),
            problem: (!problems.is_empty()).then(|| problems.join("; ")),
        }
    }
}

impl Default for SiteFiles {
    /// No site (the API alone, tests): the names cargo-leptos gives without hashes.
    fn default() -> SiteFiles {
        let (seller, kiosk) = (BuiltBundle::absent("pkg", "kassa"), BuiltBundle::absent(KIOSK_BUNDLE.folder, "kiosk"));
        SiteFiles::of(seller, kiosk, Path::new(KIOSK_BUNDLE.folder))
    }
}

impl BuiltBundle {
    /// A bundle not built: the names cargo-leptos gives without hashes.
    fn absent(pkg_url: &str, output_name: &str) -> BuiltBundle {
        let address = |kind: &str| format!("/{pkg_url}/{output_name}.{kind}");
        let bundle = Bundle { script: address("js"), wasm: address("wasm"), islands: BTreeMap::new() };
        BuiltBundle { bundle, stylesheet: address("css"), hashed: false, built: false, problem: None }
    }

    /// The bundle in the folder `pkg`, served at `/{pkg_url}`. A hash file
    /// counts only if the files it names are there: one left over from an
    /// earlier build must not send browsers to names that do not exist.
    fn of(pkg: &Path, pkg_url: &str, output_name: &str, hashes: Option<&str>) -> BuiltBundle {
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
        let address = |kind: &str| match hashed_name(kind).filter(|_| hashed) {
            Some(name) => format!("/{pkg_url}/{name}"),
            None => format!("/{pkg_url}/{output_name}.{kind}"),
        };
        let script = address("js");
        let mut islands = island_chunks(&pkg.join(manifest), pkg_url);
        // Islands that are not lazy have no chunks: the bundle's script
        // exports their hydrate functions.
        let script_file = script.rsplit('/').next().map(|name| pkg.join(name));
        let exports = script_file.and_then(|file| std::fs::read_to_string(file).ok()).unwrap_or_default();
        for island in exported_islands(&exports) {
            islands.entry(island).or_default();
        }
        let bundle = Bundle { script, wasm: address("wasm"), islands };
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
                 build it with `cargo leptos build --split` (as scripts/run.sh and scripts/e2e.sh do)",
                pkg.display()
            )
        });
        BuiltBundle { bundle, stylesheet: address("css"), hashed, built, problem }
    }
}

/// The islands whose hydrate functions a bundle's script exports, by the
/// name the split manifest would give them: wasm-bindgen's
/// `export function TodaysPayments_9499…(` is "todays_payments".
fn exported_islands(script: &str) -> Vec<String> {
    script
        .split("export function ")
        .skip(1)
        .filter_map(|rest| {
            let name = rest.split('(').next()?.trim();
            let (island, number) = name.rsplit_once('_')?;
            let is_island = island.starts_with(|c: char| c.is_ascii_uppercase())
                && island.chars().all(|c| c.is_ascii_alphanumeric())
                && !number.is_empty()
                && number.chars().all(|c| c.is_ascii_digit());
            is_island.then(|| snake_case(island))
        })
        .collect()
}

/// "TodaysPayments" as "todays_payments".
fn snake_case(name: &str) -> String {
    let mut snake = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    snake
}

/// The chunks each island needs (its own and those it shares), by the
/// island's name ("till" of `till_loader_…`, the lazy loader Leptos makes
/// of `#[island(lazy)] fn Till`), as addresses under `/{pkg_url}`, from the
/// split manifest cargo-leptos writes. Without one, none: a page then
/// fetches them when its bundle asks.
fn island_chunks(manifest: &Path, pkg_url: &str) -> BTreeMap<String, Vec<String>> {
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
        let built = BuiltBundle::of(&pkg, "pkg", "kassa", Some(hashes));
        assert_eq!(
            (built.bundle.script.as_str(), built.bundle.wasm.as_str()),
            ("/pkg/kassa.J1.js", "/pkg/kassa.W1.wasm")
        );
        assert_eq!((built.stylesheet.as_str(), built.hashed, built.built), ("/pkg/kassa.C1.css", true, true));

        // A hash file left over from an earlier hashed build, beside a site
        // built without hashes: the plain names, or every page would break.
        let plain = site_folder(&["kassa.js", "kassa.wasm", "kassa.css", "__wasm_split_manifest.json"]);
        for hashes in [Some(hashes), None] {
            let built = BuiltBundle::of(&plain, "pkg", "kassa", hashes);
            assert_eq!(
                (built.bundle.script.as_str(), built.bundle.wasm.as_str()),
                ("/pkg/kassa.js", "/pkg/kassa.wasm")
            );
            assert_eq!((built.stylesheet.as_str(), built.hashed), ("/pkg/kassa.css", false));
        }
        std::fs::remove_dir_all(pkg).unwrap();
        std::fs::remove_dir_all(plain).unwrap();
    }

    #[test]
    fn each_island_names_the_chunks_of_its_code_from_the_split_manifest() {
        let hashes = "js: J1\nwasm: W1\ncss: C1\nmanifest: M1\n";
        let pkg = site_folder(&["kassa.J1.js", "kassa.W1.wasm", "kassa.C1.css", "__wasm_split_manifest.M1.json"]);
        let manifest = r#"{"till_loader_47":["chunk_5.A","split_till_loader_47.B"],
            "todays_payments_loader_48":["chunk_5.A","split_todays_payments_loader_48.C"],"till_sale":["chunk_6.D"]}"#;
        std::fs::write(pkg.join("__wasm_split_manifest.M1.json"), manifest).unwrap();
        let built = BuiltBundle::of(&pkg, "pkg", "kassa", Some(hashes));
        let expected: BTreeMap<String, Vec<String>> = [
            (
                "till".to_string(),
                vec!["/pkg/chunk_5.A.wasm".to_string(), "/pkg/split_till_loader_47.B.wasm".to_string()],
            ),
            (
                "todays_payments".to_string(),
                vec!["/pkg/chunk_5.A.wasm".to_string(), "/pkg/split_todays_payments_loader_48.C.wasm".to_string()],
            ),
        ]
        .into();
        assert_eq!(built.bundle.islands, expected, "lazy functions that are not islands are left to the bundle");

        // Islands that are not lazy: named by the script's exports, with no chunks.
        std::fs::write(
            pkg.join("kassa.J1.js"),
            "export function Kiosk_7515002843112599283(el) {}\nexport function hydrate() {}\nexport function till_loader_1() {}",
        )
        .unwrap();
        let built = BuiltBundle::of(&pkg, "pkg", "kassa", Some(hashes));
        assert_eq!(built.bundle.islands.get("kiosk"), Some(&Vec::new()));
        assert_eq!(built.bundle.islands.get("till").map(Vec::len), Some(2), "a lazy island keeps its chunks");
        assert_eq!(built.bundle.islands.len(), 3, "{:?}", built.bundle.islands);

        // A manifest that cannot be read: the pages start as they would without one.
        std::fs::write(pkg.join("__wasm_split_manifest.M1.json"), "{not json").unwrap();
        assert_eq!(
            BuiltBundle::of(&pkg, "pkg", "kassa", Some(hashes)).bundle.islands.keys().collect::<Vec<_>>(),
            ["kiosk"]
        );
        std::fs::remove_dir_all(pkg).unwrap();
    }

    #[test]
    fn a_site_built_without_split_is_named_hashed_or_not() {
        let none = site_folder(&[]);
        assert_eq!(
            BuiltBundle::of(&none, "pkg", "kassa", None).problem,
            None,
            "no site (API-only use): nothing to say"
        );
        for files in [["kassa.wasm", "kassa.js"], ["kassa.W1.wasm", "kassa.J1.js"]] {
            let unsplit = site_folder(&files);
            let problem = BuiltBundle::of(&unsplit, "pkg", "kassa", Some("js: J1\nwasm: W1\n")).problem;
            assert!(problem.is_some_and(|problem| problem.contains("--split")), "{files:?}");
            std::fs::remove_dir_all(unsplit).unwrap();
        }
        std::fs::remove_dir_all(none).unwrap();
    }

    #[test]
    fn pages_name_both_bundles_and_a_site_without_the_kiosks_is_a_problem_that_says_how_to_build_it() {
        let seller_files = site_folder(&["kassa.wasm", "kassa.js", "__wasm_split_manifest.json"]);
        let kiosk_files = site_folder(&["kiosk.wasm", "kiosk.js", "__wasm_split_manifest.json", "kiosk_only"]);
        let empty = site_folder(&["empty"]);
        let seller = || BuiltBundle::of(&seller_files, "pkg", "kassa", None);
        let kiosk = |folder: &Path| BuiltBundle::of(folder, KIOSK_BUNDLE.folder, KIOSK_BUNDLE.output_name, None);

        let site = SiteFiles::of(seller(), kiosk(&kiosk_files), &kiosk_files);
        assert_eq!(site.problem, None);
        let expected = PageFiles::new("/pkg/kassa.css".into(), &[seller().bundle, kiosk(&kiosk_files).bundle]);
        assert_eq!(site.page, expected);
        assert!(kiosk(&kiosk_files).bundle.script.starts_with("/kiosk-bundle/pkg/kiosk."));

        let problem = SiteFiles::of(seller(), kiosk(&empty), &empty).problem.unwrap_or_default();
        assert!(problem.contains("kiosks will not start") && problem.contains("--project kiosk"), "{problem}");
        let api_only = SiteFiles::of(kiosk(&empty), kiosk(&empty), &empty);
        assert_eq!(api_only.problem, None, "no site at all: nothing to say");
        for folder in [seller_files, kiosk_files, empty] {
            std::fs::remove_dir_all(folder).unwrap();
        }
    }

    /// The server looks for the kiosk's bundle where the workspace's
    /// `kiosk` project builds it.
    #[test]
    fn the_kiosk_bundle_is_where_the_kiosk_project_builds_it() {
        let workspace = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
        let manifest: toml::Table = toml::from_str(&std::fs::read_to_string(workspace).unwrap()).unwrap();
        let projects = manifest["workspace"]["metadata"]["leptos"].as_array().unwrap();
        let setting = |project: &toml::Value, key: &str| project.get(key).and_then(|v| v.as_str()).map(str::to_string);
        let kassa = projects.iter().find(|p| setting(p, "name").as_deref() == Some("kassa")).unwrap();
        let kiosk = projects.iter().find(|p| setting(p, "name").as_deref() == Some(KIOSK_BUNDLE.project)).unwrap();
        assert_eq!(
            projects.first(),
            Some(kassa),
            "Kassa's project first: its build empties the site the kiosk's goes in"
        );
        let site_root = setting(kassa, "site-root").unwrap();
        let folder = format!("{}/{}", setting(kiosk, "site-root").unwrap(), setting(kiosk, "site-pkg-dir").unwrap());
        assert_eq!(folder, format!("{site_root}/{}", KIOSK_BUNDLE.folder));
        assert_eq!(setting(kiosk, "output-name").as_deref(), Some(KIOSK_BUNDLE.output_name));
        assert_eq!(setting(kiosk, "hash-file-name").as_deref(), Some(KIOSK_BUNDLE.hash_file));
        assert_eq!(kiosk.get("hash-files"), kassa.get("hash-files"));
    }

    #[test]
    fn bundle_files_are_those_of_both_bundles() {
        assert!(is_bundle_file("/pkg/kassa.H.wasm") && is_bundle_file("/kiosk-bundle/pkg/kiosk.H.js"));
        assert!(
            !is_bundle_file("/kiosk") && !is_bundle_file("/kiosk-bundle/pkgs/x") && !is_bundle_file("/seller/pkg/x")
        );
    }
}
