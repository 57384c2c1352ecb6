//! Embeds the bundled `faq/` folder in the binary, so `medfaq init DIR` can write it
//! anywhere and an installed binary never depends on the source tree.
//!
//! Every file under `faq/` is listed (sorted, so builds are reproducible) into
//! `$OUT_DIR/bundled_faq.rs` as `(relative path, include_bytes!(...))`. Cargo re-runs this
//! script when anything under `faq/` changes, including a new entry file. Editor
//! leftovers (hidden files, `name~`, `#name#`) are left out, as the loader skips them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let faq = root.join("faq");
    println!("cargo:rerun-if-changed=faq");
    println!("cargo:rerun-if-changed=build.rs");

    let mut files = Vec::new();
    collect(&faq, &faq, &mut files);
    files.sort();

    let mut out = String::from(
        "/// Every file of the bundled FAQ folder: path relative to it (with `/`), contents.\n\
         pub static FILES: &[(&str, &[u8])] = &[\n",
    );
    // Paths from CARGO_MANIFEST_DIR of the crate being compiled, not absolute ones: a
    // target folder shared by two checkouts (`cargo install` of a clone with
    // CARGO_TARGET_DIR) may reuse this output, and must then read its own tree.
    for (relative, _) in &files {
        writeln!(
            out,
            "    ({relative:?}, include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/faq/{relative}\"))),"
        )
        .expect("writing to a String");
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("bundled_faq.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("cannot write {}: {e}", dest.display()));
}

fn is_leftover(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || (name.len() > 1 && name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
}

fn collect(base: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let listing = std::fs::read_dir(dir).unwrap_or_else(|e| {
        panic!(
            "the bundled FAQ folder {} cannot be read: {e}",
            dir.display()
        )
    });
    for dirent in listing {
        let path = dirent.expect("a readable folder entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if is_leftover(name) {
            continue;
        }
        if path.is_dir() {
            collect(base, &path, files);
        } else {
            let relative = path
                .strip_prefix(base)
                .expect("under the FAQ folder")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            files.push((relative, path));
        }
    }
}
