//! The stand-in's fault hooks work against the real bot: a closed or invalidated gateway
//! session is resumed or re-identified, and failed REST calls are survived. (The full
//! fault and hardening suite builds on these hooks.)

mod common;

use common::discord::*;
use discord_standin::Fault;

const KNOWN: &str = "Can I take magnesium after back surgery?";
const OTHER: &str = "Is magnesium safe if I have kidney problems?";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumable_close_is_resumed_and_missed_events_replayed() {
    let h = Harness::start(|_| {}).await;
    h.standin.close_gateway(4000);
    // sent while the bot is disconnected: delivered by the replay on RESUME
    let msg = h.say(QUESTION_CHANNEL, 201, KNOWN);
    h.reply_to(&msg).await;
    let g = h.wait_gateway("a resume", |g| g.resumed >= 1).await;
    assert_eq!(g.identifies, 1, "resumed, not re-identified: {g:?}");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_session_leads_to_a_new_identify() {
    let h = Harness::start(|_| {}).await;
    h.standin.invalid_session(false);
    h.wait_gateway("a second IDENTIFY", |g| g.identifies >= 2 && g.connected)
        .await;
    let msg = h.say(QUESTION_CHANNEL, 202, KNOWN);
    h.reply_to(&msg).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_rest_calls_are_survived_without_a_duplicate_reply() {
    let h = Harness::start(|_| {}).await;
    let lost = h
        .say_rejected(Fault::ServerError, 500, QUESTION_CHANNEL, 203, KNOWN)
        .await;
    let rate_limited = Fault::RateLimited {
        retry_after: 0.2,
        global: false,
    };
    let limited = h
        .say_rejected(rate_limited, 429, QUESTION_CHANNEL_2, 204, OTHER)
        .await;
    // the bot is still up and answering
    // (another channel and user: the failed replies' cooldowns are released only once
    // their errors come back, which may be after this message arrives)
    let ok = h.say(
        OTHER_CHANNEL,
        205,
        &format!("<@{}> {OTHER}", discord_standin::BOT_USER_ID),
    );
    h.reply_to(&ok).await;
    for m in [&lost, &limited] {
        let replies = h.replies(m);
        let attempts = replies.len();
        assert!(
            attempts <= 2,
            "{attempts} attempts to answer {}",
            m["content"]
        );
        let delivered = replies.iter().filter(|r| r.status == 200).count();
        assert!(delivered <= 1, "answered {} twice", m["content"]);
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_heartbeat_acks_make_the_bot_reconnect() {
    let options = discord_standin::Options {
        heartbeat_interval: std::time::Duration::from_millis(300),
        ..Default::default()
    };
    let h = Harness::start_with(options, |_| {}).await;
    h.wait_gateway("two heartbeats", |g| g.heartbeats >= 2)
        .await;
    h.standin.set_heartbeat_ack(false);
    h.wait_gateway("a reconnect", |g| g.connections >= 2).await;
    h.standin.set_heartbeat_ack(true);
    h.wait_gateway("a live session", |g| {
        g.connected && g.resumed + g.identifies >= 2
    })
    .await;
    let msg = h.say(QUESTION_CHANNEL, 206, KNOWN);
    h.reply_to(&msg).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_a_reply_in_flight() {
    let mut h = Harness::start(|_| {}).await;
    let started = h.standin.rest_started();
    // the reply's REST call will take a while to be answered
    h.standin
        .fail_next(1, Fault::Slow(std::time::Duration::from_millis(1500)));
    let msg = h.say(QUESTION_CHANNEL, 207, KNOWN);
    h.standin
        .wait_rest_started(started + 1, WAIT)
        .await
        .unwrap();
    // `run` returns only after the reply in flight was delivered
    h.wait_stopped().await;
    let delivered = h
        .replies(&msg)
        .into_iter()
        .next()
        .expect("the reply in flight was finished before run returned");
    assert_eq!(delivered.status, 200);
    h.stop().await;
}
