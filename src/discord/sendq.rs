//! The chat-reply send queue: a bounded number of replies in flight, at most
//! `per_channel` of them in one channel, and urgent replies (an emergency or crisis
//! notice) granted before every ordinary reply still waiting.
//!
//! Why per channel: Discord allows 5 messages per 5 s in a channel. Whatever holds the
//! replies for a channel's bucket (serenity's own limiter, or a rate-limit proxy at
//! `api_base`) releases them in arrival order, so a notice queued there behind ordinary
//! answers waits for all of them. So one reply per channel is in flight at a time and the
//! rest wait here, where the next turn goes to the most urgent reply (first come first
//! served among equals). Replies in different channels still go out side by side, up to
//! the global bound.
//!
//! Pure bookkeeping with a `std` mutex never held across `.await`; a waiter is woken by a
//! oneshot channel.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use tokio::sync::oneshot;

/// How soon a reply must go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// Carries an emergency or crisis notice.
    Urgent,
    Normal,
}

#[derive(Default)]
struct State {
    in_flight: usize,
    per_channel: HashMap<u64, usize>,
    /// Waiting replies by (priority, arrival).
    waiting: BTreeMap<(Priority, u64), (u64, oneshot::Sender<()>)>,
    arrivals: u64,
}

/// The queue; see the module docs.
pub struct SendQueue {
    max: usize,
    max_per_channel: usize,
    state: Mutex<State>,
}

/// A turn to send, released on drop (which hands it to the next waiter).
pub struct Slot<'a> {
    queue: &'a SendQueue,
    channel: u64,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.queue.release(self.channel);
    }
}

/// Releases a turn that was granted to a waiter that gave up (its future was dropped).
struct Pending<'a> {
    queue: &'a SendQueue,
    channel: u64,
    rx: Option<oneshot::Receiver<()>>,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if let Some(mut rx) = self.rx.take() {
            rx.close();
            if rx.try_recv().is_ok() {
                self.queue.release(self.channel);
            }
        }
    }
}

impl SendQueue {
    /// At most `max` replies in flight, at most `max_per_channel` in one channel.
    pub fn new(max: usize, max_per_channel: usize) -> SendQueue {
        SendQueue {
            max: max.max(1),
            max_per_channel: max_per_channel.clamp(1, max.max(1)),
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn has_room(&self, st: &State, channel: u64) -> bool {
        st.in_flight < self.max
            && st.per_channel.get(&channel).copied().unwrap_or(0) < self.max_per_channel
    }

    fn take(st: &mut State, channel: u64) {
        st.in_flight += 1;
        *st.per_channel.entry(channel).or_default() += 1;
    }

    /// Waits for a turn to send a reply in `channel`.
    pub async fn acquire(&self, channel: u64, priority: Priority) -> Slot<'_> {
        let rx = {
            let mut st = self.lock();
            if self.has_room(&st, channel) {
                Self::take(&mut st, channel);
                None
            } else {
                let (tx, rx) = oneshot::channel();
                st.arrivals += 1;
                let key = (priority, st.arrivals);
                st.waiting.insert(key, (channel, tx));
                Some(rx)
            }
        };
        if let Some(rx) = rx {
            let mut pending = Pending {
                queue: self,
                channel,
                rx: Some(rx),
            };
            let granted = pending.rx.as_mut().expect("set above").await;
            pending.rx = None;
            // The sender is only dropped after a successful send or by `release`, which
            // always sends first: an error cannot happen while the queue lives.
            debug_assert!(granted.is_ok());
        }
        Slot {
            queue: self,
            channel,
        }
    }

    /// Frees a turn in `channel` and grants turns to the most urgent waiters that fit.
    fn release(&self, channel: u64) {
        let mut st = self.lock();
        st.in_flight = st.in_flight.saturating_sub(1);
        if let Some(n) = st.per_channel.get_mut(&channel) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                st.per_channel.remove(&channel);
            }
        }
        loop {
            let next = st
                .waiting
                .iter()
                .find(|(_, (c, _))| self.has_room(&st, *c))
                .map(|(k, _)| *k);
            let Some(key) = next else { break };
            let (c, tx) = st.waiting.remove(&key).expect("found above");
            Self::take(&mut st, c);
            if tx.send(()).is_err() {
                // The waiter gave up before its turn: take the turn back.
                st.in_flight -= 1;
                if let Some(n) = st.per_channel.get_mut(&c) {
                    *n -= 1;
                    if *n == 0 {
                        st.per_channel.remove(&c);
                    }
                }
            }
        }
    }

    /// Replies waiting for a turn (for logs and tests).
    pub fn waiting(&self) -> usize {
        self.lock().waiting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    /// Order in which queued replies get their turn, as `(label)`.
    async fn order(
        queue: Arc<SendQueue>,
        arrivals: Vec<(&'static str, u64, Priority)>,
    ) -> Vec<&'static str> {
        let log = Arc::new(Mutex::new(Vec::new()));
        // Hold the only turn of channel 1 while the others queue up.
        let first = queue.acquire(1, Priority::Normal).await;
        let mut tasks = Vec::new();
        for (label, channel, p) in arrivals {
            let (q, log) = (queue.clone(), log.clone());
            tasks.push(tokio::spawn(async move {
                let _slot = q.acquire(channel, p).await;
                log.lock().unwrap().push(label);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }));
            // Arrival order is the spawn order.
            while queue.waiting() < tasks.len() {
                tokio::task::yield_now().await;
            }
        }
        drop(first);
        for t in tasks {
            t.await.unwrap();
        }
        Arc::try_unwrap(log).unwrap().into_inner().unwrap()
    }

    #[tokio::test]
    async fn urgent_goes_before_every_waiting_ordinary_reply() {
        let q = Arc::new(SendQueue::new(16, 1));
        let got = order(
            q,
            vec![
                ("a", 1, Priority::Normal),
                ("b", 1, Priority::Normal),
                ("urgent", 1, Priority::Urgent),
                ("c", 1, Priority::Normal),
            ],
        )
        .await;
        assert_eq!(got, vec!["urgent", "a", "b", "c"]);
    }

    #[tokio::test]
    async fn other_channels_are_not_held_by_a_busy_one() {
        let q = Arc::new(SendQueue::new(16, 1));
        let _busy = q.acquire(1, Priority::Normal).await;
        let other = tokio::time::timeout(Duration::from_secs(5), q.acquire(2, Priority::Normal))
            .await
            .expect("channel 2 has room while channel 1 is busy");
        drop(other);
        assert_eq!(q.waiting(), 0);
    }

    #[tokio::test]
    async fn a_waiter_that_gives_up_does_not_leak_its_turn() {
        let q = SendQueue::new(1, 1);
        let held = q.acquire(1, Priority::Normal).await;
        let gave_up =
            tokio::time::timeout(Duration::from_millis(20), q.acquire(1, Priority::Urgent)).await;
        assert!(gave_up.is_err());
        drop(held);
        let again =
            tokio::time::timeout(Duration::from_secs(5), q.acquire(1, Priority::Normal)).await;
        assert!(again.is_ok(), "the turn came back after the waiter left");
    }
}
