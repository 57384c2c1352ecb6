//! `medfaq insights` as a moderator runs it: a report from a database (text, JSON,
//! HTML), `--questions` without a database, `--purge`, and clear errors.

use std::path::Path;
use std::process::{Command, Output};

use medfaq::insights::{DecisionKind, EventRow, FeedbackKind, FeedbackRow, Store, Via};
use serde_json::Value;

fn medfaq(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medfaq"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("medfaq runs")
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "medfaq failed: {}\n{}",
        String::from_utf8_lossy(&o.stderr),
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn event(key: &str, decision: DecisionKind, via: Via, text: Option<&str>, top: &str) -> EventRow {
    EventRow {
        key: key.into(),
        at: medfaq::insights::now() - 3600,
        guild: Some(1),
        via,
        decision,
        alert: None,
        candidates: vec![(top.into(), 0.4)],
        text: text.map(str::to_string),
    }
}

fn seed(db: &Path) {
    let mut s = Store::open(db).unwrap();
    let vote = |voter: &str, kind| FeedbackRow {
        event_key: "a1".into(),
        voter: voter.into(),
        entry: Some("after-back-surgery".into()),
        kind,
        at: medfaq::insights::now() - 3600,
    };
    s.write(
        &[
            event(
                "a1",
                DecisionKind::Answer,
                Via::Question,
                Some("mag after back op?"),
                "after-back-surgery",
            ),
            event(
                "n1",
                DecisionKind::None,
                Via::Mention,
                Some("how do I renew my parking permit"),
                "x",
            ),
            event(
                "n2",
                DecisionKind::None,
                Via::Question,
                Some("where can I renew a parking permit"),
                "x",
            ),
            event("n3", DecisionKind::None, Via::Dm, None, "x"),
        ],
        &[
            vote("v1", FeedbackKind::Down),
            vote("v2", FeedbackKind::Down),
            vote("v3", FeedbackKind::Up),
        ],
    )
    .unwrap();
}

#[test]
fn report_from_a_database_as_text_json_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("i.sqlite3");
    seed(&db);
    let db_s = db.to_str().unwrap();
    let text = stdout(&medfaq(&["insights", "--db", db_s]));
    assert!(
        text.contains("Questions: 4 (answered 1, suggested 0, unanswered 3)"),
        "{text}"
    );
    assert!(text.contains("after-back-surgery"), "{text}");
    assert!(text.contains("how do I renew my parking permit"), "{text}");

    let json: Value =
        serde_json::from_str(&stdout(&medfaq(&["insights", "--db", db_s, "--json"]))).unwrap();
    assert_eq!(json["totals"]["questions"], 4, "{json:#}");
    assert_eq!(json["totals"]["down"], 2);
    assert_eq!(json["entries"][0]["entry"], "after-back-surgery");
    assert_eq!(json["unanswered_without_text"], 1, "the DM has no text");
    let groups = json["unanswered"].as_array().unwrap();
    assert_eq!(
        groups.len(),
        1,
        "the two parking questions are one group: {json:#}"
    );
    assert_eq!(groups[0]["count"], 2);

    let html = dir.path().join("r.html");
    stdout(&medfaq(&[
        "insights",
        "--db",
        db_s,
        "--html",
        html.to_str().unwrap(),
    ]));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.starts_with("<!DOCTYPE html>") && page.contains("<svg"),
        "{page}"
    );
    assert!(page.contains("how do I renew my parking permit"));

    // --since limits the period; an unknown unit is a clear error
    let json: Value = serde_json::from_str(&stdout(&medfaq(&[
        "insights", "--db", db_s, "--json", "--since", "30m",
    ])))
    .unwrap();
    assert_eq!(
        json["totals"]["questions"], 0,
        "events of an hour ago are outside the last 30 minutes: {json:#}"
    );
    let bad = medfaq(&["insights", "--db", db_s, "--since", "10s"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("unknown unit"),
        "{bad:?}"
    );
}

#[test]
fn purge_deletes_everything() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("i.sqlite3");
    seed(&db);
    let out = stdout(&medfaq(&[
        "insights",
        "--db",
        db.to_str().unwrap(),
        "--purge",
    ]));
    assert!(
        out.contains("deleted 4 events and 3 feedback rows"),
        "{out}"
    );
    let c = rusqlite::Connection::open(&db).unwrap();
    for table in ["events", "candidates", "feedback"] {
        let n: i64 = c
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    let missing = medfaq(&[
        "insights",
        "--db",
        dir.path().join("none").to_str().unwrap(),
    ]);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("no insights database"),
        "{missing:?}"
    );
}

#[test]
fn questions_file_groups_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("q.txt");
    std::fs::write(
        &list,
        "Can I take magnesium after back surgery?\n\
         how do I renew my parking permit\n\
         \n\
         can I renew my parking permit online?\n\
         {\"query\": \"where can I renew a parking permit\", \"expected\": []}\n",
    )
    .unwrap();
    let text = stdout(&medfaq(&[
        "insights",
        "--questions",
        list.to_str().unwrap(),
    ]));
    assert!(text.contains("4 questions from"), "{text}");
    let json: Value = serde_json::from_str(&stdout(&medfaq(&[
        "insights",
        "--questions",
        list.to_str().unwrap(),
        "--json",
    ])))
    .unwrap();
    assert_eq!(json["totals"]["answer"], 1, "{json:#}");
    let groups = json["unanswered"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{json:#}");
    assert_eq!(groups[0]["count"], 3, "{json:#}");
}
