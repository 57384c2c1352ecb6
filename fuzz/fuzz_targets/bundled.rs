//! The bundled FAQ, loaded once per fuzzing process; shared by the targets that need a
//! whole `Knowledge` (`mod bundled;` in each; not a target itself).

use std::sync::OnceLock;

use medfaq::knowledge::Knowledge;
use medfaq::matcher::MatchOptions;

/// The bundled `faq/` with default options, loaded on first use.
pub fn knowledge() -> &'static Knowledge {
    static K: OnceLock<Knowledge> = OnceLock::new();
    K.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../faq");
        Knowledge::load(&dir, MatchOptions::default()).expect("the bundled FAQ loads")
    })
}
