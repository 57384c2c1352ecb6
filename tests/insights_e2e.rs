//! Insights end to end: the real bot against the Discord stand-in, asserting on the
//! SQLite file it writes. An answer, a vote, a changed vote, an unanswered question, a DM
//! and an emergency produce exactly the rows SECURITY.md promises (no user ids, no text of
//! DMs or urgent messages); the report shows them; a restart keeps them and the buttons
//! still work; a corrupt or read-only database does not stop answers.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::discord::*;
use discord_standin::{payload, Recorded, BOT_USER_ID};
use medfaq::config::Config;
use medfaq::insights::report::Report;
use medfaq::insights::{Key, Store};
use rusqlite::Connection;
use serde_json::Value;

const KNOWN: &str = "Can I take magnesium after back surgery?";
const KNOWN_ID: &str = "after-back-surgery";
const ASKER: u64 = 700_000_000_000_001_001;
const UNANSWERED_USER: u64 = 700_000_000_000_001_002;
const VOTER: u64 = 700_000_000_000_001_003;
const DM_USER: u64 = 700_000_000_000_001_004;
const URGENT_USER: u64 = 700_000_000_000_001_005;
const CHATTY_USER: u64 = 700_000_000_000_001_006;
const DM_CHANNEL: u64 = 700_000_000_000_009_001;
// nothing in the FAQ is near it (with "at the clinic" the matcher offers the clinic
// entry as a suggestion, which is a non-answer of another kind)
const UNANSWERED: &str = "how do I renew my parking permit? email me at ann@example.org";
const DM_TEXT: &str = "does magnesium help me sleep? my private story";
const EMERGENCY: &str = "my dad has crushing chest pain and cant breathe";

fn insights_config(db: &Path) -> impl FnOnce(&mut Config) + '_ {
    move |c: &mut Config| {
        no_cooldowns(c);
        c.insights.db = db.to_path_buf();
        c.insights.keep_text = true;
        c.insights.key = Some(Key::new("test-insights-key"));
        c.insights.retry = Duration::from_millis(200);
    }
}

/// Polls the database until `sql` (one integer) gives `want`; panics with what it saw.
async fn wait_count(db: &Path, sql: &str, want: i64) {
    let deadline = Instant::now() + WAIT;
    let mut last;
    loop {
        match Connection::open(db).and_then(|c| c.query_row(sql, [], |r| r.get::<_, i64>(0))) {
            Ok(n) if n == want => return,
            Ok(n) => last = format!("{n}"),
            Err(e) => last = e.to_string(),
        }
        if Instant::now() > deadline {
            panic!("{sql}: wanted {want}, last saw {last}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn rows(db: &Path, sql: &str) -> Vec<Vec<String>> {
    let c = Connection::open(db).unwrap();
    let mut stmt = c.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        (0..n)
            .map(|i| {
                r.get::<_, rusqlite::types::Value>(i).map(|v| match v {
                    rusqlite::types::Value::Null => "NULL".to_string(),
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Real(f) => format!("{f:.3}"),
                    rusqlite::types::Value::Text(t) => t,
                    rusqlite::types::Value::Blob(b) => format!("{b:?}"),
                })
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Every value of every table, for "never stored" checks.
fn everything(db: &Path) -> String {
    let mut out = String::new();
    for table in ["events", "candidates", "feedback"] {
        for row in rows(db, &format!("SELECT * FROM {table}")) {
            out.push_str(&row.join("|"));
            out.push('\n');
        }
    }
    out
}

/// A DM to the bot (no guild, no member), mentioning it.
fn dm(h: &Harness, user: u64, content: &str) -> Value {
    let id = h.standin.next_id();
    let author = payload::user(user, "dm-member", false);
    let mut msg = payload::message(id, DM_CHANNEL, &author, content, &[payload::bot_user()]);
    let o = msg.as_object_mut().unwrap();
    o.remove("guild_id");
    o.remove("member");
    h.standin.send_message(msg.clone());
    msg
}

fn button<'a>(buttons: &'a [(String, String)], label_or_emoji: &str) -> &'a str {
    buttons
        .iter()
        .find(|(l, id)| {
            l == label_or_emoji
                || (label_or_emoji == "up" && id.starts_with("medfaq:fb:u:"))
                || (label_or_emoji == "down" && id.starts_with("medfaq:fb:d:"))
        })
        .map(|(_, id)| id.as_str())
        .unwrap_or_else(|| panic!("no {label_or_emoji:?} button in {buttons:?}"))
}

async fn press_and_wait(
    h: &Harness,
    channel: u64,
    who: &Value,
    id: &str,
    carrier: &Value,
) -> Recorded {
    let press = h.press(channel, who, id, carrier);
    h.callback(press).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_votes_dms_and_emergencies_make_exactly_the_promised_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("insights.sqlite3");
    let h = Harness::start(insights_config(&db)).await;

    // An answer, with 👍 / 👎 / "Not what I asked" under it.
    let asked = h.say(QUESTION_CHANNEL, ASKER, KNOWN);
    let reply = h.reply_to(&asked).await;
    let b = buttons(&reply);
    assert_eq!(b.len(), 3, "{b:?}");
    let (up, down, remove) = (
        button(&b, "up").to_string(),
        button(&b, "down").to_string(),
        button(&b, "Not what I asked").to_string(),
    );
    for (_, id) in &b {
        assert!(id.len() <= 100, "custom_id over 100: {id}");
        assert!(
            !id.contains(&ASKER.to_string()),
            "user id in a custom_id: {id}"
        );
    }
    let carrier = h.standin.message_of(&reply, QUESTION_CHANNEL);
    // A vote, a changed vote, another member's vote.
    let r = press_and_wait(&h, QUESTION_CHANNEL, &member(ASKER), &up, &carrier).await;
    assert!(
        is_ephemeral(&r),
        "vote thanks must be private: {:?}",
        r.body
    );
    press_and_wait(&h, QUESTION_CHANNEL, &member(ASKER), &down, &carrier).await;
    press_and_wait(&h, QUESTION_CHANNEL, &member(VOTER), &up, &carrier).await;
    // Only the asker may remove the answer.
    let mark = h.standin.mark();
    let r = press_and_wait(&h, QUESTION_CHANNEL, &member(VOTER), &remove, &carrier).await;
    assert!(
        r.text().contains("Only the member who asked"),
        "{:?}",
        r.body
    );
    press_and_wait(&h, QUESTION_CHANNEL, &member(ASKER), &remove, &carrier).await;
    let deleted: Vec<Recorded> = h
        .standin
        .recorded()
        .into_iter()
        .skip(mark)
        .filter(|r| r.method == "DELETE")
        .collect();
    assert_eq!(
        deleted.len(),
        1,
        "exactly one delete, by the asker: {deleted:?}"
    );
    let carrier_id = carrier["id"].as_str().unwrap();
    assert!(
        deleted[0].path.ends_with(&format!(
            "/channels/{QUESTION_CHANNEL}/messages/{carrier_id}"
        )),
        "{}",
        deleted[0].path
    );

    // An unanswered question (mention), a DM, an emergency, and chat that is no question.
    let unanswered = h.say(
        OTHER_CHANNEL,
        UNANSWERED_USER,
        &format!("<@{BOT_USER_ID}> {UNANSWERED}"),
    );
    let r = h.reply_to(&unanswered).await;
    assert!(
        buttons(&r).is_empty(),
        "no votes under a non-answer: {:?}",
        r.body
    );
    let dm_msg = dm(&h, DM_USER, &format!("<@{BOT_USER_ID}> {DM_TEXT}"));
    h.reply_to(&dm_msg).await;
    let urgent = h.say(QUESTION_CHANNEL, URGENT_USER, EMERGENCY);
    h.reply_to(&urgent).await;
    h.say(QUESTION_CHANNEL, CHATTY_USER, "good morning everyone");

    wait_count(&db, "SELECT COUNT(*) FROM events", 4).await;
    wait_count(&db, "SELECT COUNT(*) FROM feedback", 3).await;
    let events = rows(
        &db,
        "SELECT via, decision, COALESCE(alert, '-'), COALESCE(guild, 'NULL'), COALESCE(text, 'NULL') FROM events ORDER BY id",
    );
    let guild = discord_standin::GUILD_ID.to_string();
    assert_eq!(
        events,
        vec![
            vec![
                "question".to_string(),
                "answer".into(),
                "-".into(),
                guild.clone(),
                KNOWN.into()
            ],
            vec![
                "mention".into(),
                "none".into(),
                "-".into(),
                guild.clone(),
                "how do I renew my parking permit? email me at [email]".into()
            ],
            vec![
                "dm".into(),
                events[2][1].clone(),
                "-".into(),
                "NULL".into(),
                "NULL".into()
            ],
            vec![
                "question".into(),
                events[3][1].clone(),
                "emergency".into(),
                guild,
                "NULL".into()
            ],
        ],
        "events"
    );
    let top = rows(&db, "SELECT c.entry FROM candidates c JOIN events e ON e.id = c.event WHERE e.via = 'question' AND e.decision = 'answer' AND c.rank = 0");
    assert_eq!(top, vec![vec![KNOWN_ID.to_string()]]);
    let mut feedback = rows(&db, "SELECT kind, entry FROM feedback ORDER BY kind");
    feedback.sort();
    assert_eq!(
        feedback,
        vec![
            vec!["down".to_string(), KNOWN_ID.into()],
            vec!["removed".into(), KNOWN_ID.into()],
            vec!["up".into(), KNOWN_ID.into()],
        ],
        "one vote per member (the changed vote replaced the first), plus the removal"
    );
    let all = everything(&db);
    for id in [
        ASKER,
        UNANSWERED_USER,
        VOTER,
        DM_USER,
        URGENT_USER,
        CHATTY_USER,
        DM_CHANNEL,
        QUESTION_CHANNEL,
    ] {
        assert!(!all.contains(&id.to_string()), "id {id} stored:\n{all}");
    }
    for private in [
        "private story",
        "chest pain",
        "ann@example.org",
        "good morning",
    ] {
        assert!(!all.contains(private), "{private:?} stored:\n{all}");
    }

    // The report shows them.
    let store = Store::open_read(&db).unwrap();
    let now = medfaq::insights::now();
    let report = Report::from_store(&store, now - 86_400, now, "test", &h.knowledge()).unwrap();
    assert_eq!(report.totals.questions, 4, "{report:#?}");
    assert_eq!(report.totals.emergency, 1);
    assert_eq!(report.totals.via.get("dm"), Some(&1));
    let e = &report.entries[0];
    assert_eq!(
        (e.entry.as_str(), e.up, e.down, e.removed),
        (KNOWN_ID, 1, 1, 1)
    );
    assert!(
        report
            .unanswered
            .iter()
            .any(|g| g.examples.iter().any(|x| x.contains("parking permit"))),
        "{report:#?}"
    );
    let text = report.text();
    assert!(
        text.contains(KNOWN_ID) && text.contains("parking permit"),
        "{text}"
    );

    // `/faqmod insights`: moderators only, private.
    let (id, _) = h.slash_mod_edited(&member(VOTER), "insights", vec![], |_| {});
    let r = h.callback(id).await;
    assert!(
        is_ephemeral(&r) && r.text().contains("Only moderators"),
        "{:?}",
        r.body
    );
    let (_, token) = h.slash_mod_edited(&moderator(CHATTY_USER), "insights", vec![], |_| {});
    let f = h.followup_containing(&token, "parking permit").await;
    assert!(is_ephemeral(&f), "{:?}", f.body);
    assert!(f.text().contains(KNOWN_ID), "{}", f.text());
    drop(store);
    h.stop().await;

    // Restart on the same file: the rows are there and the old buttons still work.
    let h = Harness::start(insights_config(&db)).await;
    wait_count(&db, "SELECT COUNT(*) FROM events", 4).await;
    press_and_wait(&h, QUESTION_CHANNEL, &member(ASKER), &up, &carrier).await;
    wait_count(&db, "SELECT COUNT(*) FROM feedback WHERE kind = 'up'", 2).await;
    wait_count(&db, "SELECT COUNT(*) FROM feedback", 3).await;
    h.stop().await;
    // `.ci/insights-html-check.sh` renders a report from this database.
    if let Ok(keep) = std::env::var("MEDFAQ_KEEP_INSIGHTS_DB") {
        let _ = std::fs::remove_file(&keep);
        Connection::open(&db)
            .unwrap()
            .execute("VACUUM INTO ?1", [keep.as_str()])
            .unwrap();
    }
}

/// A file that is not a database: the bot answers anyway; once the file is replaced
/// the writer recovers and records again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_database_does_not_stop_answers_and_recovery_follows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("insights.sqlite3");
    std::fs::write(&db, "this is not a database\n".repeat(500)).unwrap();
    let h = Harness::start(insights_config(&db)).await;
    let first = h.say(QUESTION_CHANNEL, ASKER, KNOWN);
    let r = h.reply_to(&first).await;
    assert!(
        embed(&r)["title"].as_str().is_some(),
        "no answer: {:?}",
        r.body
    );
    // the moderator replaces the file; the next question is recorded
    std::fs::remove_file(&db).unwrap();
    let deadline = Instant::now() + WAIT;
    let mut user = VOTER;
    loop {
        let m = h.say(QUESTION_CHANNEL, user, KNOWN);
        h.reply_to(&m).await;
        let n = Connection::open(&db)
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0)))
            .unwrap_or(0);
        if n > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the writer never recovered");
        tokio::time::sleep(Duration::from_millis(100)).await;
        user += 1;
    }
    h.stop().await;
}

/// Makes `path` unwritable even for root (immutable attribute), undone on drop.
struct ReadOnly(PathBuf);

impl ReadOnly {
    /// `None` when this machine can't make a file read-only for this process.
    fn make(path: &Path) -> Option<ReadOnly> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let _ = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .status();
        let guard = ReadOnly(path.to_path_buf());
        let writable = std::fs::OpenOptions::new().append(true).open(path).is_ok();
        (!writable).then_some(guard)
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_does_not_stop_answers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("insights.sqlite3");
    drop(Store::open(&db).unwrap());
    let Some(_guard) = ReadOnly::make(&db) else {
        eprintln!("SKIPPED: cannot make a file read-only here (no chattr, and root)");
        return;
    };
    let h = Harness::start(insights_config(&db)).await;
    for (i, user) in [ASKER, VOTER].into_iter().enumerate() {
        let m = h.say(QUESTION_CHANNEL, user, KNOWN);
        let r = h.reply_to(&m).await;
        assert!(
            embed(&r)["title"].as_str().is_some(),
            "answer {i} missing: {:?}",
            r.body
        );
    }
    let n: i64 = Connection::open(&db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0, "a read-only file was written");
    h.stop().await;
}
