//! FAQ folder fixtures: a small valid FAQ written to a temporary folder, which a test
//! then breaks in one place, plus helpers to read the problems the loader reports.

use std::path::{Path, PathBuf};

use medfaq::faq::{Faq, LoadError};

pub const ENTRY_SURGERY: &str = r#"+++
question = "Can I take magnesium after back surgery?"
alternates = [
  "is magnesium ok after spine surgery",
  "mag supplements after my fusion?",
]
keywords = ["post-op"]
topic = "surgery"
sources = [
  { source = "back-surgery-guide", section = "Quick Summary" },
  { source = "back-surgery-guide", section = "The Essential First Step" },
]
+++
Only with your surgeon's approval.
"#;

pub const ENTRY_KIDNEY: &str = r#"+++
question = "Can I take magnesium if I have kidney problems?"
alternates = ["magnesium with kidney disease", "renal failure and mag"]
topic = "safety"
sources = [{ source = "back-surgery-guide", section = "Kidney Function and Hypermagnesemia" }]
+++
Not without your doctor: the kidneys clear magnesium.
"#;

pub const ENTRY_IV_DOSE: &str = r#"+++
question = "What is the typical IV magnesium dose for a migraine?"
alternates = ["how much iv mag for a migraine"]
topic = "iv"
sources = [
  { source = "iv-migraine-guide", section = "Q7" },
  { source = "chronic-pain-review", section = "Migraine" },
]
+++
The guide gives a typical range; your clinician decides.
"#;

pub const SOURCES: &str = r#"[[source]]
id = "back-surgery-guide"
title = "Can I Take Magnesium After Back Surgery?"
publisher = "Consumer health article"

[[source]]
id = "chronic-pain-review"
title = "Utilization of magnesium for the treatment of chronic pain"
doi = "10.5812/aapm.112348"

[[source]]
id = "iv-migraine-guide"
title = "IV Magnesium for Migraine"
url = "https://example.org/iv-magnesium"
"#;

pub const SYNONYMS: &str = r#"[[group]]
canonical = "magnesium"
variants = ["mag", "mg"]

[[group]]
canonical = "intravenous"
variants = ["iv", "infusion", "drip"]
"#;

pub const DISCLAIMER: &str = "This content is for informational purposes only and should not replace professional medical advice.\n";

/// The bundled safety files (`faq/safety/*.toml`) as (name, text), in name order.
pub fn safety_files() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(bundled_faq().join("safety"))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    (name, std::fs::read_to_string(e.path()).unwrap())
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The bundled safety rules as one text (the files one after the other: one valid rule
/// set), for parser property tests.
pub fn safety_toml() -> String {
    safety_files()
        .into_iter()
        .map(|(_, text)| text + "\n")
        .collect()
}

/// The bundled FAQ folder.
pub fn bundled_faq() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("faq")
}

/// A FAQ folder in a temporary directory, removed when dropped.
pub struct FaqFixture {
    tmp: tempfile::TempDir,
}

impl FaqFixture {
    /// An empty folder.
    pub fn empty() -> FaqFixture {
        FaqFixture {
            tmp: tempfile::tempdir().expect("temporary folder"),
        }
    }

    /// A valid FAQ: three entries, three sources, two synonym groups, a disclaimer.
    pub fn good() -> FaqFixture {
        let f = FaqFixture::empty();
        f.write("entries/after-back-surgery.md", ENTRY_SURGERY)
            .write("entries/kidney-problems.md", ENTRY_KIDNEY)
            .write("entries/iv-dose.md", ENTRY_IV_DOSE)
            .write("sources.toml", SOURCES)
            .write("synonyms.toml", SYNONYMS)
            .write("disclaimer.md", DISCLAIMER);
        for (name, text) in safety_files() {
            f.write(&format!("safety/{name}"), text);
        }
        f
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Writes `contents` to `rel` (a path inside the folder), creating folders as needed.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> &FaqFixture {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        self
    }

    pub fn remove(&self, rel: &str) -> &FaqFixture {
        let path = self.path().join(rel);
        if path.is_dir() {
            std::fs::remove_dir_all(path).unwrap();
        } else {
            std::fs::remove_file(path).unwrap();
        }
        self
    }

    /// Loads the folder and expects it to be valid.
    pub fn load(&self) -> Faq {
        match medfaq::faq::load(self.path()) {
            Ok(faq) => faq,
            Err(err) => panic!("expected the fixture to load, got:\n{err}"),
        }
    }

    /// Loads the folder and expects problems; returns them as `file:line: message` with
    /// the file relative to the folder (e.g. `entries/risks.md:3: ...`).
    pub fn problems(&self) -> Vec<String> {
        let err: LoadError = match medfaq::faq::load(self.path()) {
            Ok(faq) => panic!(
                "expected problems, but the folder loaded ({} entries)",
                faq.entries.len()
            ),
            Err(err) => err,
        };
        let prefix = format!("{}/", self.path().display());
        err.problems()
            .iter()
            .map(|p| {
                let shown = p.to_string();
                shown
                    .strip_prefix(&prefix)
                    .map(str::to_string)
                    .unwrap_or(shown)
            })
            .collect()
    }
}

/// Asserts that one problem starts with `location` (`file:line:`) and contains `needle`;
/// on failure prints every problem found.
#[track_caller]
pub fn assert_problem(problems: &[String], location: &str, needle: &str) {
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(location) && p.contains(needle)),
        "no problem at `{location}` containing `{needle}`; the problems were:\n  {}",
        problems.join("\n  ")
    );
}

/// The ids listed in the FAQ catalogue: `../shared/faq-catalogue.md` when present, else
/// the committed copy `tests/data/faq-catalogue.md`.
pub fn catalogue_ids() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/faq-catalogue.md");
    let path = if shared.is_file() {
        shared
    } else {
        root.join("tests/data/faq-catalogue.md")
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .map(str::to_string)
        .collect()
}

/// Runs the `medfaq` binary (one runner for every test: [`super::medfaq`]).
#[allow(unused_imports)] // each test binary uses a different part of the helpers
pub use super::medfaq;
