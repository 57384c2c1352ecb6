//! `medfaq init DIR`: writes the bundled FAQ, embedded in the binary by `build.rs`, to a
//! folder the server then owns. An installed binary never reads the source tree.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/bundled_faq.rs"));
}

/// Every file of the bundled FAQ folder: path relative to it (with `/`), contents.
pub fn bundled_files() -> &'static [(&'static str, &'static [u8])] {
    embedded::FILES
}

/// Writes the bundled FAQ into `dir`, which must not exist or be empty (nothing a
/// moderator wrote is ever overwritten). Returns the number of files written.
pub fn write_bundled(dir: &Path) -> anyhow::Result<usize> {
    if dir.exists() {
        anyhow::ensure!(
            dir.is_dir(),
            "{} exists and is a file, not a folder: choose another name",
            dir.display()
        );
        let mut listing = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read the folder {}", dir.display()))?;
        anyhow::ensure!(
            listing.next().is_none(),
            "{} already exists and is not empty; nothing was written (to start over, move it \
             away first, or pick another folder)",
            dir.display()
        );
    }
    for (relative, bytes) in bundled_files() {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the folder {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(bundled_files().len())
}

pub fn init(dir: &Path) -> anyhow::Result<ExitCode> {
    let written = write_bundled(dir)?;
    let entries = bundled_files()
        .iter()
        .filter(|(p, _)| p.starts_with("entries/"))
        .count();
    let d = dir.display();
    println!(
        "wrote the bundled FAQ to {d}: {entries} entries and {} other files \
         (the moderators' guide is {d}/README.md)",
        written - entries
    );
    println!("next: medfaq check --faq {d}   then   medfaq ask --faq {d} can i take magnesium");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_bundled_folder_is_embedded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");
        let mut on_disk = Vec::new();
        for name in [
            "README.md",
            "disclaimer.md",
            "sources.toml",
            "synonyms.toml",
            "safety.toml",
        ] {
            if root.join(name).is_file() {
                on_disk.push(name.to_string());
            }
        }
        for dirent in std::fs::read_dir(root.join("entries")).unwrap() {
            let name = dirent.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".md") && !name.starts_with('.') {
                on_disk.push(format!("entries/{name}"));
            }
        }
        let embedded: Vec<&str> = bundled_files().iter().map(|(p, _)| *p).collect();
        for name in &on_disk {
            assert!(
                embedded.contains(&name.as_str()),
                "{name} is not embedded: {embedded:?}"
            );
            let bytes = std::fs::read(root.join(name)).unwrap();
            let (_, inside) = bundled_files().iter().find(|(p, _)| p == name).unwrap();
            assert_eq!(
                bytes.as_slice(),
                *inside,
                "{name} differs from the embedded copy"
            );
        }
    }
}
