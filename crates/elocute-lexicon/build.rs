//! Embeds CMUdict from the `cmudict-fast` package that cargo already downloaded,
//! so the binary needs no dictionary file at run time and no copy lives in our tree.
//! `ELOCUTE_CMUDICT=/path/to/cmudict.dict` overrides the search (vendored builds).
use std::path::PathBuf;

const PACKAGE: &str = "cmudict-fast-0.8.0";

fn main() {
    println!("cargo:rerun-if-env-changed=ELOCUTE_CMUDICT");
    let src = match std::env::var_os("ELOCUTE_CMUDICT") {
        Some(p) => PathBuf::from(p),
        None => find_in_registry().unwrap_or_else(|| {
            panic!(
                "{PACKAGE}/resources/cmudict.dict not found under CARGO_HOME; set ELOCUTE_CMUDICT"
            )
        }),
    };
    println!("cargo:rerun-if-changed={}", src.display());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("cmudict.dict");
    std::fs::copy(&src, &out)
        .unwrap_or_else(|e| panic!("cannot copy CMUdict from {}: {e}", src.display()));
}

/// The package is a dependency of this crate, so cargo has unpacked it under
/// `$CARGO_HOME/registry/src/<index>/` before this script runs.
fn find_in_registry() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let src = home.join("registry").join("src");
    std::fs::read_dir(src)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| {
            e.path()
                .join(PACKAGE)
                .join("resources")
                .join("cmudict.dict")
        })
        .find(|p| p.is_file())
}
