//! `medfaq bench`: matcher speed and accuracy on a large corpus.

use std::path::Path;
use std::process::ExitCode;

pub fn bench(corpus: &Path, queries: &Path, limit: Option<usize>) -> anyhow::Result<ExitCode> {
    let _ = (corpus, queries, limit);
    anyhow::bail!("`medfaq bench` is not implemented yet")
}
