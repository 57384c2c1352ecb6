//! The issue-3 floors on the labelled dev set, through the bundled FAQ: in-scope accuracy
//! at least 0.90, wrong answers at most 2 % of scored questions, out-of-scope abstention at
//! least 0.95, every emergency flagged, false alarms at most 3 %.

mod common;

use medfaq::cli::default_eval_file;
use medfaq::eval::{evaluate, parse_jsonl};
use medfaq::knowledge::Knowledge;
use medfaq::matcher::MatchOptions;

#[test]
fn dev_set_meets_the_floors() {
    let k = Knowledge::load(&common::faq::bundled_faq(), MatchOptions::default())
        .expect("the bundled FAQ loads");
    // The same file `medfaq eval` reads by default.
    let path = default_eval_file();
    let text = std::fs::read_to_string(&path).expect("dev set readable");
    let rows = parse_jsonl(&text).expect("dev set parses");
    assert!(
        rows.len() >= 100,
        "{} rows in {}",
        rows.len(),
        path.display()
    );
    let (metrics, misses) = evaluate(&k, &rows);
    let below = metrics.below_floors();
    assert!(
        below.is_empty(),
        "{}\n{}\nmisses:\n{}",
        below.join("\n"),
        metrics.render(),
        misses
            .iter()
            .map(|m| format!(
                "  {:?}: expected {:?} (emergency {}), got {} (alerted {}) {:?}",
                m.query, m.expected, m.emergency, m.decision, m.alerted, m.candidates
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Every row was counted somewhere.
    assert_eq!(metrics.scored() + metrics.emergencies, rows.len());
}
