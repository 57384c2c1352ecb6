//! The SQLite file: versioned migrations (`PRAGMA user_version`), WAL journal, one
//! transaction per batch of rows, purge and retention.
//!
//! Several processes (shards) may share one file: WAL lets readers and the writer work
//! at once, and a busy timeout makes writers wait for each other instead of failing.
//! Two steps SQLite does not cover with its busy handler are retried here: switching a
//! fresh file to WAL while another process creates it, and the first migration race.
//! Writes take the write lock when they begin (`BEGIN IMMEDIATE`), so a writer never has
//! to upgrade a stale read snapshot, which fails at once instead of waiting.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use super::{EventRow, FeedbackRow};

/// Schema migrations; migration `i` brings the file to version `i + 1`. Append only.
pub const MIGRATIONS: &[&str] = &[
    // 1: events with their candidates, and feedback (one row per event and voter).
    "CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        at INTEGER NOT NULL,
        guild INTEGER,
        via TEXT NOT NULL CHECK (via IN ('question', 'mention', 'slash', 'dm')),
        decision TEXT NOT NULL CHECK (decision IN ('answer', 'suggest', 'none')),
        alert TEXT CHECK (alert IN ('emergency', 'crisis')),
        text TEXT,
        CHECK (text IS NULL OR (via <> 'dm' AND alert IS NULL))
    );
    CREATE INDEX events_at ON events(at);
    CREATE TABLE candidates (
        event INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        rank INTEGER NOT NULL,
        entry TEXT NOT NULL,
        score REAL NOT NULL,
        PRIMARY KEY (event, rank)
    );
    CREATE TABLE feedback (
        event_key TEXT NOT NULL,
        voter TEXT NOT NULL,
        entry TEXT,
        kind TEXT NOT NULL CHECK (kind IN ('up', 'down', 'removed')),
        at INTEGER NOT NULL,
        PRIMARY KEY (event_key, voter)
    );
    CREATE INDEX feedback_at ON feedback(at);",
];

/// How long opening waits out other processes holding the file (as the busy timeout).
const OPEN_PATIENCE: Duration = Duration::from_secs(5);

/// Whether SQLite refused because another connection holds a lock (worth waiting for).
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Why the database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("insights database {path}: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
    #[error(
        "insights database {path} has schema version {found}, newer than this medfaq ({known})"
    )]
    TooNew {
        path: String,
        found: i64,
        known: usize,
    },
}

/// An open insights database.
pub struct Store {
    conn: Connection,
    path: String,
}

impl Store {
    /// Opens (creating it if needed) the file at `path` for writing: WAL, busy timeout,
    /// migrations applied.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        // Busy answers the busy handler did not absorb are retried for as long as a
        // busy timeout would have waited; any other problem is reported at once.
        let deadline = Instant::now() + OPEN_PATIENCE;
        loop {
            match Store::open_once(path) {
                Err(StoreError::Sqlite { source, .. })
                    if is_busy(&source) && Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                other => return other,
            }
        }
    }

    fn open_once(path: &Path) -> Result<Store, StoreError> {
        let name = path.display().to_string();
        let err = |source| StoreError::Sqlite {
            path: name.clone(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        let mut store = Store {
            conn,
            path: name.clone(),
        };
        store.setup().map_err(err)?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens an existing file read-only (reports). The schema must be one this medfaq
    /// knows.
    pub fn open_read(path: &Path) -> Result<Store, StoreError> {
        let name = path.display().to_string();
        let err = |source| StoreError::Sqlite {
            path: name.clone(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(err)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(err)?;
        let store = Store {
            conn,
            path: name.clone(),
        };
        let version = store.version().map_err(err)?;
        if version as usize > MIGRATIONS.len() {
            return Err(StoreError::TooNew {
                path: store.path.clone(),
                found: version,
                known: MIGRATIONS.len(),
            });
        }
        Ok(store)
    }

    fn setup(&mut self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(Duration::from_secs(2))?;
        // WAL: readers don't block the writer; a killed process loses at most the
        // transaction it had not committed. NORMAL sync is durable against process
        // crashes (only an OS crash can lose the last commits), and never corrupts.
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(mode, "insights: WAL journal not available");
        }
        self.conn.execute_batch(
            "PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA secure_delete = ON;",
        )?;
        Ok(())
    }

    /// The schema version of the file.
    pub fn version(&self) -> rusqlite::Result<i64> {
        self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        // IMMEDIATE: two processes starting at once don't both migrate.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if version as usize > MIGRATIONS.len() {
            return Err(StoreError::TooNew {
                path: path.clone(),
                found: version,
                known: MIGRATIONS.len(),
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql).map_err(err)?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
                .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// The connection (reports and tests query it directly).
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Writes events and feedback in one transaction: all or nothing. A repeated event
    /// key is ignored; feedback replaces the voter's earlier feedback on that event.
    pub fn write(&mut self, events: &[EventRow], feedback: &[FeedbackRow]) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut event = tx.prepare_cached(
                "INSERT INTO events (key, at, guild, via, decision, alert, text)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(key) DO NOTHING",
            )?;
            let mut candidate = tx.prepare_cached(
                "INSERT INTO candidates (event, rank, entry, score) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for e in events {
                let n = event.execute(params![
                    e.key,
                    e.at,
                    e.guild.map(|g| g as i64),
                    e.via.as_str(),
                    e.decision.as_str(),
                    e.alert,
                    e.text
                ])?;
                if n == 0 {
                    continue;
                }
                let id = tx.last_insert_rowid();
                for (rank, (entry, score)) in e.candidates.iter().enumerate() {
                    candidate.execute(params![id, rank as i64, entry, f64::from(*score)])?;
                }
            }
            let mut vote = tx.prepare_cached(
                // Without an entry (it did not fit in the button), the event's answer.
                "INSERT INTO feedback (event_key, voter, entry, kind, at) VALUES (?1, ?2,
                 COALESCE(?3, (SELECT c.entry FROM events e JOIN candidates c ON c.event = e.id
                               AND c.rank = 0 WHERE e.key = ?1)), ?4, ?5)
                 ON CONFLICT(event_key, voter) DO UPDATE SET kind = excluded.kind, at = excluded.at,
                 entry = COALESCE(excluded.entry, feedback.entry)",
            )?;
            for f in feedback {
                vote.execute(params![
                    f.event_key,
                    f.voter,
                    f.entry,
                    f.kind.as_str(),
                    f.at
                ])?;
            }
        }
        tx.commit()
    }

    /// Deletes stored question text older than `before` (Unix seconds); returns how many
    /// texts were deleted.
    pub fn expire_text(&self, before: i64) -> rusqlite::Result<usize> {
        self.conn.execute(
            "UPDATE events SET text = NULL WHERE text IS NOT NULL AND at < ?1",
            params![before],
        )
    }

    /// Deletes everything: every row of every table, then compacts the file and empties
    /// the WAL so no deleted text is left on disk.
    pub fn purge(&mut self) -> rusqlite::Result<(usize, usize)> {
        let tx = self.conn.transaction()?;
        let events = tx.execute("DELETE FROM events", [])?;
        tx.execute("DELETE FROM candidates", [])?;
        let feedback = tx.execute("DELETE FROM feedback", [])?;
        tx.commit()?;
        self.conn.execute_batch("VACUUM")?;
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .optional()?;
        Ok((events, feedback))
    }

    /// `PRAGMA integrity_check`: `"ok"` for a sound file.
    pub fn integrity(&self) -> rusqlite::Result<String> {
        self.conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::{DecisionKind, FeedbackKind, Via};

    fn event(key: &str, at: i64, text: Option<&str>) -> EventRow {
        EventRow {
            key: key.into(),
            at,
            guild: Some(1),
            via: Via::Question,
            decision: DecisionKind::None,
            alert: None,
            candidates: vec![("a".into(), 0.2), ("b".into(), 0.1)],
            text: text.map(str::to_string),
        }
    }

    #[test]
    fn migrates_once_writes_replaces_votes_expires_and_purges() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.sqlite3");
        let mut s = Store::open(&path).unwrap();
        assert_eq!(s.version().unwrap(), MIGRATIONS.len() as i64);
        let vote = |kind| FeedbackRow {
            event_key: "e1".into(),
            voter: "v".into(),
            entry: Some("a".into()),
            kind,
            at: 5,
        };
        s.write(
            &[event("e1", 10, Some("old")), event("e2", 100, Some("new"))],
            &[vote(FeedbackKind::Up)],
        )
        .unwrap();
        s.write(&[event("e1", 10, None)], &[vote(FeedbackKind::Down)])
            .unwrap();
        drop(s);
        let mut s = Store::open(&path).unwrap();
        fn count(s: &Store, sql: &str) -> i64 {
            s.conn().query_row(sql, [], |r| r.get(0)).unwrap()
        }
        assert_eq!(count(&s, "SELECT COUNT(*) FROM events"), 2);
        assert_eq!(count(&s, "SELECT COUNT(*) FROM candidates"), 4);
        assert_eq!(
            count(&s, "SELECT COUNT(*) FROM feedback WHERE kind = 'down'"),
            1
        );
        assert_eq!(count(&s, "SELECT COUNT(*) FROM feedback"), 1);
        assert_eq!(s.expire_text(50).unwrap(), 1);
        assert_eq!(
            count(&s, "SELECT COUNT(*) FROM events WHERE text IS NOT NULL"),
            1
        );
        assert_eq!(s.purge().unwrap(), (2, 1));
        assert_eq!(count(&s, "SELECT COUNT(*) FROM candidates"), 0);
        assert_eq!(s.integrity().unwrap(), "ok");
    }

    #[test]
    fn the_schema_refuses_text_for_dms_and_alerts() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("i.sqlite3")).unwrap();
        let mut dm = event("d", 1, Some("private"));
        dm.via = Via::Dm;
        assert!(s.write(&[dm], &[]).is_err(), "a DM's text was accepted");
        let mut urgent = event("u", 1, Some("help"));
        urgent.alert = Some("crisis");
        assert!(
            s.write(&[urgent], &[]).is_err(),
            "a crisis text was accepted"
        );
    }
}
