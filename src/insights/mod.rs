//! What members ask and how answers land: events, votes and the moderators' report,
//! stored in SQLite.
//!
//! | file         | owns                                                                    |
//! |--------------|-------------------------------------------------------------------------|
//! | `mod.rs`     | [`Insights`]: the handle the bot records through; [`Key`]; the rows      |
//! | [`privacy`]  | pure: what of a question may be stored ([`event_row`]), the keyed hash   |
//! | [`scrub`]    | pure: mentions, links, e-mail addresses and phone numbers out of text   |
//! | [`store`]    | the SQLite file: versioned migrations, WAL, writing, purging, retention |
//! | `writer`     | the one writer thread behind a bounded queue; degraded mode and recovery |
//! | [`group`]    | pure: unanswered questions grouped with the matcher's own reading        |
//! | [`report`]   | the report as data, text, JSON and a self-contained HTML page           |
//!
//! Privacy rules (SECURITY.md says the same): no user ids are stored, ever; a vote is
//! deduplicated by a keyed hash of (member, answer); question text only when the server
//! opts in (`[insights] keep_text`), scrubbed, never for DMs nor for emergency or crisis
//! messages, and deleted after `retention_days`.
//!
//! Recording never delays a reply: [`Insights::asked`] and [`Insights::feedback`] only put
//! a job on a bounded queue (a full queue drops the job and counts it); matching for the
//! record, scrubbing and SQLite all happen on the writer thread.

pub mod group;
pub mod privacy;
pub mod report;
pub mod scrub;
pub mod store;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::config::InsightsConfig;
use crate::knowledge::Knowledge;

pub use privacy::event_row;
pub use store::{Store, StoreError};

/// The environment variable holding the hash key.
pub const KEY_ENV: &str = "MEDFAQ_INSIGHTS_KEY";

/// Jobs waiting for the writer at most; more are dropped (and counted).
pub const QUEUE: usize = 4096;

/// The secret key of the vote hash. `Debug` prints `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Key(Vec<u8>);

impl Key {
    pub fn new(secret: impl AsRef<[u8]>) -> Key {
        Key(secret.as_ref().to_vec())
    }

    /// Reads [`KEY_ENV`]; `None` when unset or empty.
    pub fn from_env() -> Option<Key> {
        std::env::var(KEY_ENV)
            .ok()
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .map(Key::new)
    }

    /// A random key for this process only (votes can then be counted twice across a
    /// restart, and "not what I asked" buttons from before it stop working).
    pub fn random() -> Key {
        let mut bytes = Vec::with_capacity(32);
        for i in 0..4u64 {
            bytes.extend_from_slice(&random_u64(i).to_le_bytes());
        }
        Key(bytes)
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// 64 random bits from the standard library's per-process hasher seed, the time and a
/// counter (enough for keys and event ids; nothing here needs a cryptographic RNG beyond
/// the unpredictability of the seed).
fn random_u64(salt: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(salt);
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}

/// A fresh event key (13 base-36 characters), carried in the `custom_id` of the buttons
/// under a reply and stored with its event.
pub fn new_event_key() -> String {
    let mut n = random_u64(0x5eed);
    let mut out = String::with_capacity(13);
    for _ in 0..13 {
        out.push(char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
    }
    out
}

/// Seconds since the Unix epoch now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Where a question came from ("channel kind").
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// A message in a question channel.
    Question,
    /// A message mentioning the bot.
    Mention,
    /// `/faq ask` or the "Find FAQ answer" message command.
    Slash,
    /// A direct message.
    Dm,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Question => "question",
            Via::Mention => "mention",
            Via::Slash => "slash",
            Via::Dm => "dm",
        }
    }
}

/// One question as the bot saw it, for the writer to turn into an [`EventRow`].
#[derive(Clone)]
pub struct Asked {
    pub key: String,
    pub at: i64,
    pub guild: Option<u64>,
    pub via: Via,
    pub text: String,
    /// The FAQ that answered it (the same snapshot the reply came from).
    pub knowledge: Arc<Knowledge>,
    /// Record it only if it carries an urgent notice (a chat message that is neither a
    /// question nor addressed to the bot).
    pub only_if_urgent: bool,
}

/// The matcher's decision, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DecisionKind {
    Answer,
    Suggest,
    None,
}

impl DecisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Answer => "answer",
            DecisionKind::Suggest => "suggest",
            DecisionKind::None => "none",
        }
    }
}

/// One row of `events` (plus its `candidates`).
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub key: String,
    pub at: i64,
    pub guild: Option<u64>,
    pub via: Via,
    pub decision: DecisionKind,
    /// `"emergency"` or `"crisis"`.
    pub alert: Option<&'static str>,
    /// Best candidates first: entry id and score.
    pub candidates: Vec<(String, f32)>,
    /// Scrubbed question text, only where the rules allow it.
    pub text: Option<String>,
}

/// What a member said about an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackKind {
    Up,
    Down,
    /// The asker removed the bot's reply ("not what I asked").
    Removed,
}

impl FeedbackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackKind::Up => "up",
            FeedbackKind::Down => "down",
            FeedbackKind::Removed => "removed",
        }
    }
}

/// One row of `feedback`: one per (event, voter); a new vote replaces the old one.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackRow {
    pub event_key: String,
    /// Keyed hash of (member, event, purpose): see [`Insights::voter`].
    pub voter: String,
    pub entry: Option<String>,
    pub kind: FeedbackKind,
    pub at: i64,
}

/// A job for the writer thread.
pub(crate) enum Job {
    Asked(Box<Asked>),
    Feedback(FeedbackRow),
    Event(Box<EventRow>),
    /// Answered once every job before it was handled.
    Flush(mpsc::Sender<()>),
}

/// Counters shared with the writer.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    written: AtomicU64,
    dropped: AtomicU64,
    degraded: AtomicBool,
    queue_full_logged: AtomicBool,
}

/// What the writer has done so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Stats {
    /// Rows committed to the database (events and feedback).
    pub written: u64,
    /// Jobs dropped: queue full, or the database unavailable.
    pub dropped: u64,
    /// The database is unavailable right now.
    pub degraded: bool,
}

/// The recording handle: cheap to call from any handler; disabled when insights are off.
pub struct Insights {
    tx: Mutex<Option<SyncSender<Job>>>,
    shared: Arc<Shared>,
    key: Key,
    db: PathBuf,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Insights {
    /// Starts the writer for `config` (nothing when `enabled` is false). Never fails: a
    /// database that can't be opened puts the writer in degraded mode.
    pub fn start(config: &InsightsConfig) -> Insights {
        let key = config.key.clone().unwrap_or_else(|| {
            if config.enabled {
                tracing::warn!(
                    "{KEY_ENV} is not set: using a random vote-hash key for this run (a member can vote again after a restart)"
                );
            }
            Key::random()
        });
        let shared = Arc::new(Shared::default());
        if !config.enabled {
            return Insights {
                tx: Mutex::new(None),
                shared,
                key,
                db: config.db.clone(),
                thread: Mutex::new(None),
            };
        }
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let thread = writer::spawn(config.clone(), rx, shared.clone());
        Insights {
            tx: Mutex::new(Some(tx)),
            shared,
            key,
            db: config.db.clone(),
            thread: Mutex::new(thread),
        }
    }

    /// A handle that records nothing.
    pub fn disabled() -> Insights {
        Insights::start(&InsightsConfig {
            enabled: false,
            key: Some(Key::random()),
            ..InsightsConfig::default()
        })
    }

    pub fn enabled(&self) -> bool {
        self.lock_tx().is_some()
    }

    /// The database file.
    pub fn db(&self) -> &Path {
        &self.db
    }

    fn lock_tx(&self) -> std::sync::MutexGuard<'_, Option<SyncSender<Job>>> {
        self.tx.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn send(&self, job: Job) {
        let Some(tx) = self.lock_tx().clone() else {
            return;
        };
        match tx.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                if !self.shared.queue_full_logged.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        capacity = QUEUE,
                        "insights: the write queue is full; dropping records (answers are not affected)"
                    );
                }
            }
            Err(TrySendError::Disconnected(_)) => {
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Records a question (the writer matches it again on the same FAQ snapshot and
    /// applies the privacy rules).
    pub fn asked(&self, asked: Asked) {
        self.send(Job::Asked(Box::new(asked)));
    }

    /// Records an already built event row.
    pub fn event(&self, row: EventRow) {
        self.send(Job::Event(Box::new(row)));
    }

    /// Records a vote or a removal.
    pub fn feedback(&self, row: FeedbackRow) {
        self.send(Job::Feedback(row));
    }

    /// The keyed hash naming `member` for one event and purpose (`"vote"`, `"removed"`):
    /// the same member gets the same value for the same event, and it can't be turned
    /// back into a user id without the key.
    pub fn voter(&self, member: u64, event_key: &str, purpose: &str) -> String {
        privacy::keyed_hash(&self.key, &format!("{purpose}:{member}:{event_key}"))
    }

    /// A short tag of the asker of an event, carried in the "not what I asked" button so
    /// that only the asker can use it (16 hex characters of the keyed hash).
    pub fn asker_tag(&self, member: u64, event_key: &str) -> String {
        let mut h = self.voter(member, event_key, "asker");
        h.truncate(16);
        h
    }

    pub fn stats(&self) -> Stats {
        Stats {
            written: self.shared.written.load(Ordering::Acquire),
            dropped: self.shared.dropped.load(Ordering::Acquire),
            degraded: self.shared.degraded.load(Ordering::Acquire),
        }
    }

    /// Waits until every job queued before this call was handled (written or dropped),
    /// at most `timeout`; false on timeout or when disabled. Blocking.
    pub fn flush(&self, timeout: Duration) -> bool {
        let Some(tx) = self.lock_tx().clone() else {
            return false;
        };
        let (done_tx, done_rx) = mpsc::channel();
        if tx.send(Job::Flush(done_tx)).is_err() {
            return false;
        }
        done_rx.recv_timeout(timeout).is_ok()
    }

    /// Stops the writer after it handled every queued job. Blocking; later records are
    /// ignored.
    pub fn close(&self) {
        drop(self.lock_tx().take());
        let thread = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

impl Drop for Insights {
    fn drop(&mut self) {
        self.close();
    }
}
