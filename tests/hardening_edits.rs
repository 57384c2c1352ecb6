//! Hardening: moderators break the FAQ while members keep asking. The real bot runs
//! against the loopback Discord stand-in on a temporary copy of `faq/` with folder
//! watching on. Broken edits (bad TOML, duplicate id, a half-written file, a file that is
//! not UTF-8, the whole folder deleted) never stop the answers: every question is answered
//! from the last good FAQ, each broken state is reported in the moderators' log channel,
//! and a later good edit is picked up. A save that lands in two parts within the debounce
//! window is loaded once, never half.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::discord::*;
use discord_standin::Recorded;
use serde_json::Value;

const KNOWN: &str = "Can I take magnesium after back surgery?";
const KNOWN_ID: &str = "after-back-surgery";
const OTHER: &str = "Can I take magnesium if I have kidney problems?";
const OTHER_ID: &str = "kidney-problems";

fn entry(dir: &Path, id: &str) -> PathBuf {
    dir.join("entries").join(format!("{id}.md"))
}

/// `text` (an entry file) with `marker` put at the start of its answer.
fn with_marker(text: &str, marker: &str) -> String {
    let close = text[3..].find("+++\n").expect("closing +++") + 3 + 4;
    format!("{}{marker} {}", &text[..close], text[close..].trim_start())
}

/// Writes `contents` to `path` through a temporary file and a rename, as editors do, so
/// the watcher never sees a half-written file unless a test writes one on purpose.
fn save(path: &Path, contents: impl AsRef<[u8]>) {
    let tmp = path.with_extension("md.tmp~");
    std::fs::write(&tmp, contents).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn watching(c: &mut medfaq::config::Config, debounce_ms: u64) {
    watch_folder(c, debounce_ms);
    // Questions flow fast in these tests: no cooldowns.
    no_cooldowns(c);
}

fn description(r: &Recorded) -> String {
    embed(r)["description"].as_str().unwrap_or("").to_string()
}

/// Asks `question` and returns the reply's description.
async fn ask(h: &Harness, user: u64, question: &str) -> String {
    let msg = h.say(QUESTION_CHANNEL, user, question);
    description(&h.reply_to(&msg).await)
}

/// Waits until `n` more questions have been asked by the flow (while a broken state is
/// on disk).
async fn flowed(asked: &Mutex<Vec<Value>>, n: usize) {
    let target = asked.lock().unwrap().len() + n;
    let deadline = tokio::time::Instant::now() + WAIT;
    while asked.lock().unwrap().len() < target {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the question flow stalled"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_edits_under_load_keep_the_last_good_faq_and_reach_the_log_channel() {
    let h = Arc::new(Harness::start(|c| watching(c, 150)).await);
    let dir = h.faq_dir.clone();
    let pristine = std::fs::read_to_string(entry(&dir, KNOWN_ID)).unwrap();
    let other_title = match h.knowledge().ask(OTHER).reply.body() {
        medfaq::reply::Body::Answer { id, question, .. } if id == OTHER_ID => question.clone(),
        other => panic!("precondition: {OTHER:?} should be answered by {OTHER_ID}: {other:?}"),
    };

    // A good edit: the version every later answer must come from.
    let mark = h.standin.mark();
    save(&entry(&dir, KNOWN_ID), with_marker(&pristine, "[v2]"));
    h.log_post_since(mark, &["automatic reload", KNOWN_ID])
        .await;
    assert!(ask(&h, 300, KNOWN).await.starts_with("[v2]"));

    // Questions keep flowing while the files break.
    let stop = Arc::new(AtomicBool::new(false));
    let asked: Arc<Mutex<Vec<Value>>> = Arc::default();
    let flow = {
        let (h, stop, asked) = (h.clone(), stop.clone(), asked.clone());
        tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Acquire) {
                let q = if n % 2 == 0 { KNOWN } else { OTHER };
                let channel = if n % 3 == 0 {
                    QUESTION_CHANNEL
                } else {
                    QUESTION_CHANNEL_2
                };
                asked.lock().unwrap().push(h.say(channel, 400 + n % 7, q));
                n += 1;
                tokio::time::sleep(Duration::from_millis(120)).await;
            }
        })
    };

    // Broken states, one after the other (they accumulate); each must reach the log
    // channel while the old FAQ keeps answering.
    let oxide = std::fs::read_to_string(entry(&dir, "oxide")).unwrap();
    let glycinate = std::fs::read_to_string(entry(&dir, "glycinate")).unwrap();
    let headache = std::fs::read_to_string(entry(&dir, "headache")).unwrap();
    type Break = Box<dyn Fn(&Path)>;
    let breaks: Vec<(&str, Break, Vec<&str>)> = vec![
        (
            "bad TOML",
            Box::new({
                let oxide = oxide.clone();
                move |d: &Path| {
                    save(
                        &entry(d, "oxide"),
                        oxide.replacen("question = \"", "question = ", 1),
                    )
                }
            }),
            vec!["NOT reloaded", "oxide.md:2"],
        ),
        (
            "duplicate id",
            Box::new({
                let oxide = oxide.clone();
                move |d: &Path| save(&d.join("entries/OXIDE.md"), &oxide)
            }),
            vec!["NOT reloaded", "have the same id"],
        ),
        (
            "half-written file",
            Box::new({
                let glycinate = glycinate.clone();
                move |d: &Path| {
                    let cut = glycinate.len() / 3;
                    std::fs::write(entry(d, "glycinate"), &glycinate.as_bytes()[..cut]).unwrap()
                }
            }),
            vec!["NOT reloaded", "glycinate.md"],
        ),
        (
            "not UTF-8",
            Box::new({
                let headache = headache.clone();
                move |d: &Path| {
                    let mut bytes = headache.as_bytes().to_vec();
                    bytes.extend_from_slice(b"\nsmart quotes from a Latin-1 editor: \x93ok\x94\n");
                    save(&entry(d, "headache"), bytes)
                }
            }),
            vec!["NOT reloaded", "headache.md", "UTF-8"],
        ),
    ];
    for (i, (what, apply, needles)) in breaks.iter().enumerate() {
        let mark = h.standin.mark();
        apply(&dir);
        let post = h.log_post_since(mark, needles).await;
        flowed(&asked, 2).await;
        assert!(
            post.text().contains("Still serving the previous FAQ"),
            "{what}: {}",
            post.text()
        );
        let d = ask(&h, 500 + i as u64, KNOWN).await;
        assert!(
            d.starts_with("[v2]"),
            "{what}: answered from another FAQ: {d}"
        );
    }

    // The whole folder deleted.
    let mark = h.standin.mark();
    let away = tempfile::tempdir().unwrap();
    std::fs::rename(&dir, away.path().join("faq")).unwrap();
    h.log_post_since(mark, &["NOT reloaded"]).await;
    flowed(&asked, 2).await;
    let d = ask(&h, 510, KNOWN).await;
    assert!(d.starts_with("[v2]"), "folder deleted: {d}");

    // Every question asked meanwhile was answered once, from the last good FAQ.
    stop.store(true, Ordering::Release);
    flow.await.unwrap();
    let asked = asked.lock().unwrap().clone();
    assert!(asked.len() >= 10, "{} questions flowed", asked.len());
    for msg in &asked {
        let r = h.reply_to(msg).await;
        let d = description(&r);
        if msg["content"] == KNOWN {
            assert!(d.starts_with("[v2]"), "{}: {d}", msg["content"]);
        } else {
            let title = embed(&r)["title"].as_str().unwrap_or("").to_string();
            assert_eq!(title, other_title, "{}", msg["content"]);
        }
        let replies = h.replies(msg).len();
        assert_eq!(replies, 1, "{} replies to {}", replies, msg["content"]);
    }

    // A good folder comes back, with a new edit: picked up.
    let mark = h.standin.mark();
    let restored = away.path().join("faq");
    std::fs::remove_file(restored.join("entries/OXIDE.md")).unwrap();
    std::fs::write(entry(&restored, "oxide"), &oxide).unwrap();
    std::fs::write(entry(&restored, "glycinate"), &glycinate).unwrap();
    std::fs::write(entry(&restored, "headache"), &headache).unwrap();
    std::fs::write(entry(&restored, KNOWN_ID), with_marker(&pristine, "[v3]")).unwrap();
    std::fs::rename(&restored, &dir).unwrap();
    let post = h
        .log_post_since(mark, &["automatic reload", KNOWN_ID])
        .await;
    assert!(!post.text().contains("NOT reloaded"), "{}", post.text());
    let d = ask(&h, 520, KNOWN).await;
    assert!(
        d.starts_with("[v3]"),
        "the good edit was not picked up: {d}"
    );

    let h = Arc::try_unwrap(h).unwrap_or_else(|_| panic!("harness still shared"));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_in_two_parts_within_the_debounce_window_is_loaded_once() {
    // A wide window, so the second half surely lands inside it even on a loaded machine.
    let h = Harness::start(|c| watching(c, 1500)).await;
    let dir = h.faq_dir.clone();
    let pristine = std::fs::read_to_string(entry(&dir, KNOWN_ID)).unwrap();
    let edited = with_marker(&pristine, "[two-part]");
    let (first, rest) = edited.as_bytes().split_at(edited.len() / 2);

    let mark = h.standin.mark();
    // An editor writing in place: half the file, a pause, then the rest.
    {
        use std::io::Write;
        let mut f = std::fs::File::create(entry(&dir, KNOWN_ID)).unwrap();
        f.write_all(first).unwrap();
        f.flush().unwrap();
        std::thread::sleep(Duration::from_millis(150));
        f.write_all(rest).unwrap();
    }
    let post = h
        .log_post_since(mark, &["automatic reload", KNOWN_ID])
        .await;
    assert!(!post.text().contains("NOT reloaded"), "{}", post.text());

    // A later, unrelated edit is a barrier: once its report is in, every report about
    // the two-part save has been posted too.
    let barrier = h.standin.mark();
    let oxide = std::fs::read_to_string(entry(&dir, "oxide")).unwrap();
    save(&entry(&dir, "oxide"), with_marker(&oxide, "[barrier]"));
    h.log_post_since(barrier, &["automatic reload", "oxide"])
        .await;

    let reports: Vec<String> = h
        .standin
        .recorded()
        .iter()
        .skip(mark)
        .filter(|r| is_log_post(r))
        .map(Recorded::text)
        .collect();
    assert!(
        reports.iter().all(|t| !t.contains("NOT reloaded")),
        "the half-written file was loaded: {reports:#?}"
    );
    let about_save = reports.iter().filter(|t| t.contains(KNOWN_ID)).count();
    assert_eq!(about_save, 1, "one reload for one save: {reports:#?}");
    assert!(ask(&h, 600, KNOWN).await.starts_with("[two-part]"));
    h.stop().await;
}
