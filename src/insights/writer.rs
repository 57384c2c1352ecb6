//! The one writer thread: takes jobs off the bounded queue, builds event rows (matching
//! and scrubbing happen here, off the reply path) and commits them in batches.
//!
//! Degraded mode: when the database can't be opened or a write fails (missing folder,
//! locked past the busy timeout, corrupt, read-only, disk full), the batch is dropped and
//! counted, the problem is logged once, and every `retry` the writer tries to open the
//! file again; it logs once more when it recovers. Answers never wait for any of this.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::store::Store;
use super::{privacy, EventRow, FeedbackRow, Job, Shared};
use crate::config::InsightsConfig;

/// Jobs committed in one transaction at most.
const BATCH: usize = 256;
/// How often stored text past its retention is deleted.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);

pub(crate) fn spawn(
    config: InsightsConfig,
    rx: Receiver<Job>,
    shared: Arc<Shared>,
) -> Option<std::thread::JoinHandle<()>> {
    let spawned = std::thread::Builder::new()
        .name("medfaq-insights".into())
        .spawn(move || Writer::new(config, shared).run(rx));
    match spawned {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::error!(error = %e, "insights: cannot start the writer thread; recording nothing");
            None
        }
    }
}

struct Writer {
    config: InsightsConfig,
    shared: Arc<Shared>,
    store: Option<Store>,
    /// When to try opening the database again.
    retry_at: Instant,
    /// When to expire stored text again.
    expire_at: Instant,
    /// Jobs dropped in the current outage.
    dropped_now: u64,
}

impl Writer {
    fn new(config: InsightsConfig, shared: Arc<Shared>) -> Writer {
        let now = Instant::now();
        Writer {
            config,
            shared,
            store: None,
            retry_at: now,
            expire_at: now,
            dropped_now: 0,
        }
    }

    fn run(mut self, rx: Receiver<Job>) {
        self.connect();
        self.expire();
        loop {
            let first = match rx.recv_timeout(self.config.retry.min(RETENTION_EVERY)) {
                Ok(job) => job,
                Err(RecvTimeoutError::Timeout) => {
                    self.connect();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let mut jobs = vec![first];
            while jobs.len() < BATCH {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            self.handle(jobs);
        }
        if let Some(store) = self.store.take() {
            // Fold the WAL into the file on a clean stop (not needed for safety).
            let _ = store
                .conn()
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        }
    }

    fn handle(&mut self, jobs: Vec<Job>) {
        let mut events: Vec<EventRow> = Vec::new();
        let mut feedback: Vec<FeedbackRow> = Vec::new();
        let mut flushes = Vec::new();
        for job in jobs {
            match job {
                Job::Asked(asked) => {
                    if let Some(row) = privacy::event_row(&asked, self.config.keep_text) {
                        events.push(row);
                    }
                }
                Job::Event(row) => events.push(*row),
                Job::Feedback(row) => feedback.push(row),
                Job::Flush(done) => flushes.push(done),
            }
        }
        let rows = (events.len() + feedback.len()) as u64;
        if rows > 0 {
            self.connect();
            let result = match self.store.as_mut() {
                Some(store) => store.write(&events, &feedback).map_err(|e| e.to_string()),
                None => Err(String::new()),
            };
            match result {
                Ok(()) => {
                    self.shared.written.fetch_add(rows, Ordering::AcqRel);
                }
                Err(e) => {
                    if !e.is_empty() {
                        self.degrade(&e);
                    }
                    self.drop_rows(rows);
                }
            }
        }
        self.expire();
        for done in flushes {
            let _ = done.send(());
        }
    }

    fn drop_rows(&mut self, rows: u64) {
        self.dropped_now += rows;
        self.shared.dropped.fetch_add(rows, Ordering::AcqRel);
    }

    /// Opens the database if it is not open and a retry is due.
    fn connect(&mut self) {
        if self.store.is_some() || Instant::now() < self.retry_at {
            return;
        }
        if let Some(parent) = self
            .config
            .db
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            let _ = std::fs::create_dir_all(parent);
        }
        match Store::open(&self.config.db).and_then(|s| {
            // A file that opens but is not a sound database fails here, not mid-write.
            match s
                .conn()
                .query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))
            {
                Ok(_) => Ok(s),
                Err(source) => Err(super::StoreError::Sqlite {
                    path: self.config.db.display().to_string(),
                    source,
                }),
            }
        }) {
            Ok(store) => {
                if self.shared.degraded.swap(false, Ordering::AcqRel) {
                    tracing::warn!(
                        db = %self.config.db.display(),
                        dropped = self.dropped_now,
                        "insights: database available again; recording resumed"
                    );
                } else {
                    tracing::info!(db = %self.config.db.display(), "insights: recording");
                }
                self.dropped_now = 0;
                self.store = Some(store);
            }
            Err(e) => self.degrade(&e.to_string()),
        }
    }

    /// Enters degraded mode (logged once per outage) and schedules a retry.
    fn degrade(&mut self, error: &str) {
        self.store = None;
        self.retry_at = Instant::now() + self.config.retry;
        if !self.shared.degraded.swap(true, Ordering::AcqRel) {
            tracing::error!(
                db = %self.config.db.display(),
                error,
                retry = ?self.config.retry,
                "insights: database unavailable; answering goes on, records are dropped and counted until it is back"
            );
        }
    }

    /// Deletes stored question text past the retention period, at most hourly.
    fn expire(&mut self) {
        if Instant::now() < self.expire_at {
            return;
        }
        self.expire_at = Instant::now() + RETENTION_EVERY;
        if let Some(store) = &self.store {
            let before = super::now() - i64::from(self.config.retention_days) * 86_400;
            match store.expire_text(before) {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(texts = n, "insights: deleted question text past retention")
                }
                Err(e) => tracing::warn!(error = %e, "insights: retention failed"),
            }
        }
    }
}
