//! Cooldown bookkeeping for message triggers: per user, per channel, and "this entry was
//! just answered here". Pure: the caller passes the time, so tests need no clock.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::config::Cooldowns;

/// Why a triggered answer is held back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// The user got an answer less than `per_user` ago.
    User,
    /// The channel got an answer less than `per_channel` ago.
    Channel,
    /// This entry was answered in this channel less than `same_entry` ago.
    SameEntry,
}

/// Last-answer times. Old records are pruned as new ones arrive, so memory stays bounded
/// by the number of users/channels active within the windows.
#[derive(Debug, Clone)]
pub struct CooldownBook {
    windows: Cooldowns,
    users: HashMap<u64, Instant>,
    channels: HashMap<u64, Instant>,
    entries: HashMap<(u64, String), Instant>,
    taken: usize,
}

impl CooldownBook {
    pub fn new(windows: Cooldowns) -> CooldownBook {
        CooldownBook {
            windows,
            users: HashMap::new(),
            channels: HashMap::new(),
            entries: HashMap::new(),
            taken: 0,
        }
    }

    /// Checks whether `user` may get an answer (of `entry`, when known) in `channel` at
    /// `now`; when allowed, records it. `Err` says why not.
    pub fn try_take(
        &mut self,
        user: u64,
        channel: u64,
        entry: Option<&str>,
        now: Instant,
    ) -> Result<(), Hold> {
        let within = |at: Option<&Instant>, window: Duration| {
            at.is_some_and(|t| now.saturating_duration_since(*t) < window)
        };
        if let Some(entry) = entry {
            if within(
                self.entries.get(&(channel, entry.to_string())),
                self.windows.same_entry,
            ) {
                return Err(Hold::SameEntry);
            }
        }
        if within(self.users.get(&user), self.windows.per_user) {
            return Err(Hold::User);
        }
        if within(self.channels.get(&channel), self.windows.per_channel) {
            return Err(Hold::Channel);
        }
        self.users.insert(user, now);
        self.channels.insert(channel, now);
        if let Some(entry) = entry {
            self.entries.insert((channel, entry.to_string()), now);
        }
        self.taken += 1;
        if self.taken % 256 == 0 {
            self.prune(now);
        }
        Ok(())
    }

    /// Records an answer that bypassed the check (urgent notices), so that the next
    /// ordinary answer still waits.
    pub fn note(&mut self, user: u64, channel: u64, entry: Option<&str>, now: Instant) {
        self.users.insert(user, now);
        self.channels.insert(channel, now);
        if let Some(entry) = entry {
            self.entries.insert((channel, entry.to_string()), now);
        }
    }

    /// Undoes the records made at `at` by [`Self::try_take`] or [`Self::note`] (the reply
    /// could not be sent, so the member got nothing). Later records are kept.
    pub fn undo(&mut self, user: u64, channel: u64, entry: Option<&str>, at: Instant) {
        if self.users.get(&user) == Some(&at) {
            self.users.remove(&user);
        }
        if self.channels.get(&channel) == Some(&at) {
            self.channels.remove(&channel);
        }
        if let Some(entry) = entry {
            let key = (channel, entry.to_string());
            if self.entries.get(&key) == Some(&at) {
                self.entries.remove(&key);
            }
        }
    }

    /// Forgets records older than their window.
    pub fn prune(&mut self, now: Instant) {
        let w = self.windows;
        let keep = |t: &Instant, window: Duration| now.saturating_duration_since(*t) < window;
        self.users.retain(|_, t| keep(t, w.per_user));
        self.channels.retain(|_, t| keep(t, w.per_channel));
        self.entries.retain(|_, t| keep(t, w.same_entry));
    }

    /// Records held now (users + channels + entries).
    pub fn len(&self) -> usize {
        self.users.len() + self.channels.len() + self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> CooldownBook {
        CooldownBook::new(Cooldowns {
            per_user: Duration::from_secs(30),
            per_channel: Duration::from_secs(5),
            same_entry: Duration::from_secs(300),
        })
    }

    #[test]
    fn user_channel_and_entry_windows() {
        let mut b = book();
        let t0 = Instant::now();
        assert_eq!(b.try_take(1, 10, Some("a"), t0), Ok(()));
        // same user, other channel, 10 s later: user window
        assert_eq!(
            b.try_take(1, 11, Some("b"), t0 + Duration::from_secs(10)),
            Err(Hold::User)
        );
        // other user, same channel, 1 s later: channel window
        assert_eq!(
            b.try_take(2, 10, Some("b"), t0 + Duration::from_secs(1)),
            Err(Hold::Channel)
        );
        // other user, same channel, same entry, 60 s later: entry window
        assert_eq!(
            b.try_take(2, 10, Some("a"), t0 + Duration::from_secs(60)),
            Err(Hold::SameEntry)
        );
        // other entry then is fine
        assert_eq!(
            b.try_take(2, 10, Some("b"), t0 + Duration::from_secs(60)),
            Ok(())
        );
        // and the first entry again after its window
        assert_eq!(
            b.try_take(3, 10, Some("a"), t0 + Duration::from_secs(400)),
            Ok(())
        );
    }

    #[test]
    fn a_held_attempt_records_nothing() {
        let mut b = book();
        let t0 = Instant::now();
        b.try_take(1, 10, None, t0).unwrap();
        assert!(b
            .try_take(2, 10, None, t0 + Duration::from_secs(1))
            .is_err());
        // user 2 was not recorded, so in another channel they are free
        assert_eq!(b.try_take(2, 11, None, t0 + Duration::from_secs(2)), Ok(()));
    }

    #[test]
    fn undo_releases_only_its_own_records() {
        let mut b = book();
        let t0 = Instant::now();
        b.try_take(1, 10, Some("a"), t0).unwrap();
        b.undo(1, 10, Some("a"), t0);
        assert!(b.is_empty());
        b.try_take(1, 10, Some("a"), t0).unwrap();
        let t1 = t0 + Duration::from_secs(40);
        b.try_take(2, 10, Some("b"), t1).unwrap();
        b.undo(1, 10, Some("a"), t0);
        // the channel record is user 2's now and stays
        assert_eq!(b.try_take(3, 10, None, t1), Err(Hold::Channel));
    }

    #[test]
    fn prune_forgets_old_records() {
        let mut b = book();
        let t0 = Instant::now();
        b.try_take(1, 10, Some("a"), t0).unwrap();
        assert_eq!(b.len(), 3);
        b.prune(t0 + Duration::from_secs(1000));
        assert!(b.is_empty());
    }
}
