//! `Knowledge`: a loaded [`Faq`] with its built [`Index`]. It is the unit the bot swaps
//! atomically on reload, and the one call the CLI and the bot make per message.

use std::path::Path;

use crate::faq::{Faq, LoadError};
use crate::matcher::{Index, MatchOptions, Outcome};
use crate::reply::Reply;
use crate::safety::Alert;

/// A FAQ ready to answer.
#[derive(Debug, Clone)]
pub struct Knowledge {
    pub faq: Faq,
    pub index: Index,
}

/// Everything known about one asked message.
#[derive(Debug, Clone)]
pub struct Answered {
    pub alert: Option<Alert>,
    pub outcome: Outcome,
    pub reply: Reply,
}

impl Knowledge {
    /// Builds the index for `faq`.
    pub fn new(faq: Faq, options: MatchOptions) -> Knowledge {
        let index = Index::build(&faq, options);
        Knowledge { faq, index }
    }

    /// Loads `dir` and builds its index.
    pub fn load(dir: &Path, options: MatchOptions) -> Result<Knowledge, LoadError> {
        Ok(Knowledge::new(crate::faq::load(dir)?, options))
    }

    /// Safety check, match and reply for one message.
    pub fn ask(&self, message: &str) -> Answered {
        let alert = self.faq.safety.check(message);
        let outcome = self.index.search(message);
        let reply = Reply::from_outcome(&self.faq, &outcome, alert);
        Answered {
            alert,
            outcome,
            reply,
        }
    }
}
