//! Hardening: a flaky Discord. The real bot against the loopback stand-in, whose fault
//! hooks close the gateway (resumable and not), invalidate the session, stop
//! acknowledging heartbeats, and answer REST calls with 429, 500 or slowly. The bot
//! reconnects (RESUME or a new IDENTIFY), answers the next question, never sends one
//! reply twice, and never loops hot: reconnects and requests stay bounded.
//!
//! What happens to a question whose reply could not be sent is documented in
//! SECURITY.md ("When Discord fails"): it is dropped, not retried.

mod common;

use std::time::{Duration, Instant};

use common::discord::*;
use discord_standin::Fault;
use serde_json::Value;

const KNOWN: &str = "Can I take magnesium after back surgery?";
const OTHER: &str = "Can I take magnesium if I have kidney problems?";

/// Asks `question` and waits for the reply; returns the message.
async fn answered(h: &Harness, channel: u64, user: u64, question: &str) -> Value {
    let msg = h.say(channel, user, question);
    h.reply_to(&msg).await;
    msg
}

/// How many replies to `msg` were attempted, and how many of them Discord accepted.
fn attempts(h: &Harness, msg: &Value) -> (usize, usize) {
    let tries = h.replies(msg);
    let ok = tries.iter().filter(|r| r.status < 300).count();
    (tries.len(), ok)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_closes_and_invalid_sessions_are_survived_and_each_message_answered_once() {
    let h = Harness::start(no_cooldowns).await;
    let mut asked = vec![answered(&h, QUESTION_CHANNEL, 701, KNOWN).await];

    // 4000 (unknown error): resumable. serenity sends RESUME, no new IDENTIFY.
    h.standin.close_gateway(4000);
    let g = h
        .wait_gateway("a RESUME after 4000", |g| g.resumed >= 1 && g.connected)
        .await;
    assert_eq!(g.identifies, 1, "4000 must be resumed: {g:?}");
    asked.push(answered(&h, QUESTION_CHANNEL, 702, OTHER).await);

    // 4009 (session timed out): the session is gone, so a new IDENTIFY.
    h.standin.close_gateway(4009);
    h.wait_gateway("a new IDENTIFY after 4009", |g| {
        g.identifies >= 2 && g.connected
    })
    .await;
    asked.push(answered(&h, QUESTION_CHANNEL_2, 703, KNOWN).await);

    // INVALID_SESSION (not resumable): a new IDENTIFY.
    h.standin.invalid_session(false);
    h.wait_gateway("a new IDENTIFY after INVALID_SESSION", |g| {
        g.identifies >= 3 && g.connected
    })
    .await;
    asked.push(answered(&h, QUESTION_CHANNEL, 704, OTHER).await);

    // RECONNECT (op 7): a resume on a new connection.
    let before = h.standin.gateway();
    h.standin.request_reconnect();
    h.wait_gateway("a reconnect after op 7", |g| {
        g.connections > before.connections && g.connected
    })
    .await;
    asked.push(answered(&h, QUESTION_CHANNEL_2, 705, KNOWN).await);

    // One reply per message, and no reconnect storm: 4 faults, about 4 reconnects.
    for msg in &asked {
        assert_eq!(attempts(&h, msg), (1, 1), "replies to {}", msg["content"]);
    }
    let g = h.standin.gateway();
    assert!(g.connections <= 1 + 4 + 2, "too many connections: {g:?}");
    assert!(g.identifies <= 3 + 1, "too many IDENTIFYs: {g:?}");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_4004_authentication_failure_stops_the_bot_instead_of_reconnecting() {
    let mut h = Harness::start(|_| {}).await;
    h.standin.close_gateway(4004);
    let result = h
        .exit(WAIT)
        .await
        .expect("the bot kept running after 4004 (authentication failed)");
    assert!(result.is_err(), "run should fail on 4004: {result:?}");
    let g = h.standin.gateway();
    assert_eq!(
        g.identifies, 1,
        "no new IDENTIFY with a rejected token: {g:?}"
    );
    assert!(g.connections <= 2, "reconnected after 4004: {g:?}");
    assert_safe_payloads(&h.standin.recorded());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_heartbeat_acks_reconnect_at_the_heartbeat_pace_not_in_a_hot_loop() {
    let interval = Duration::from_millis(300);
    let options = discord_standin::Options {
        heartbeat_interval: interval,
        ..Default::default()
    };
    let h = Harness::start_with(options, |_| {}).await;
    h.wait_gateway("two heartbeats", |g| g.heartbeats >= 2)
        .await;
    let before = h.standin.gateway();
    let since = Instant::now();
    h.standin.set_heartbeat_ack(false);
    let g = h
        .wait_gateway("three reconnects", |g| {
            g.connections >= before.connections + 3
        })
        .await;
    let elapsed = since.elapsed();
    // A zombied connection is only noticed at the next heartbeat: at most one new
    // connection per interval (plus slack), never a tight loop.
    let allowed = (elapsed.as_millis() / interval.as_millis()) as usize + 3;
    assert!(
        g.connections - before.connections <= allowed,
        "{} reconnects in {elapsed:?}: {g:?}",
        g.connections - before.connections
    );
    h.standin.set_heartbeat_ack(true);
    let n = h.standin.gateway().connections;
    // Once ACKs are back the connection holds: several heartbeats, no new connection.
    let hb = h.standin.gateway().heartbeats;
    h.wait_gateway("heartbeats on a healthy connection", |g| {
        g.connected && g.heartbeats >= hb + 4
    })
    .await;
    let g = h.standin.gateway();
    assert!(
        g.connections <= n + 1,
        "kept reconnecting with ACKs on: {g:?}"
    );
    let msg = answered(&h, QUESTION_CHANNEL, 711, KNOWN).await;
    assert_eq!(attempts(&h, &msg), (1, 1));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_429_500_and_slow_answers_never_duplicate_a_reply_or_loop() {
    // Only the per-user cooldown, to see it released after a failed reply.
    let h = Harness::start(|c| {
        c.discord.cooldowns.per_user = Duration::from_secs(120);
        c.discord.cooldowns.per_channel = Duration::ZERO;
        c.discord.cooldowns.same_entry = Duration::ZERO;
    })
    .await;
    let start = h.standin.mark();

    // 500 on a reply: not retried (Discord may have posted it), and the member's
    // cooldown is released: the same member's next message in that channel is answered.
    let lost = h
        .say_rejected(Fault::ServerError, 500, QUESTION_CHANNEL, 721, KNOWN)
        .await;
    // The failed reply is handled in its own task, so the release is not ordered with
    // the next message: ask again until answered. Without the release nothing would be
    // answered for the whole 120 s window; the wait is far shorter.
    let since = std::time::Instant::now();
    let mut asks = 0;
    let again = loop {
        asks += 1;
        let msg = h.say(QUESTION_CHANNEL, 721, OTHER);
        let id = msg["id"].as_str().unwrap().to_string();
        let got = h
            .standin
            .wait_for_request(move |r| replies_to(r, &id), Duration::from_secs(2))
            .await;
        if got.is_ok() {
            break msg;
        }
        assert!(
            since.elapsed() < WAIT,
            "the cooldown was not released after the failed reply"
        );
    };
    assert_eq!(attempts(&h, &lost), (1, 0), "a failed reply is not retried");
    assert_eq!(attempts(&h, &again), (1, 1));

    // 429 with retry_after on a reply: not retried, never a duplicate.
    let rate_limited = Fault::RateLimited {
        retry_after: 0.5,
        global: false,
    };
    let limited = h
        .say_rejected(rate_limited, 429, QUESTION_CHANNEL_2, 722, KNOWN)
        .await;
    let next = answered(&h, QUESTION_CHANNEL, 723, OTHER).await;
    // With `api_base` (a shared rate-limit proxy paces the calls) serenity's own limiter
    // is off: a 429 that still gets through is a failed send like any other, dropped.
    assert_eq!(attempts(&h, &limited), (1, 0), "429: retried or duplicated");
    assert_eq!(attempts(&h, &next), (1, 1));

    // A slow answer (longer than a typical client timeout would be generous with) is
    // delivered once, and other members are answered meanwhile.
    h.standin.fail_next(1, Fault::Slow(Duration::from_secs(3)));
    let slow = h.say(QUESTION_CHANNEL_2, 724, OTHER);
    let meanwhile = answered(&h, QUESTION_CHANNEL, 725, KNOWN).await;
    h.reply_to(&slow).await;
    assert_eq!(attempts(&h, &slow), (1, 1), "slow reply sent twice?");
    assert_eq!(attempts(&h, &meanwhile), (1, 1));

    // One REST call per question at most (held re-asks make none): no retry storm.
    let questions = 5 + asks;
    let calls = h.standin.recorded().len() - start;
    assert!(
        calls <= questions,
        "{calls} REST calls for {questions} questions: {:#?}",
        h.standin
            .recorded()
            .iter()
            .skip(start)
            .map(|r| format!("{} {} -> {}", r.method, r.path, r.status))
            .collect::<Vec<_>>()
    );
    h.stop().await;
}
