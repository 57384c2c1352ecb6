//! Urgent replies first (issue 13): when chat replies wait on Discord's rate limits, an
//! emergency or crisis notice goes out before the ordinary answers still queued.
//!
//! Both ways a bot meets Discord's limits, one message per 500 ms in a channel:
//! - behind a rate-limit proxy at `api_base` (the stand-in plays it: `RateLimitMode::Hold`,
//!   held calls released in arrival order), the bot's own limiter off;
//! - the default setup, serenity's own limiter on, against the stand-in as
//!   `https://discord.com` answering with Discord's headers and 429s
//!   (`RateLimitMode::Refuse`): the limiter waits as the headers say, nothing is refused.

mod common;

use std::time::Duration;

use common::discord::*;
use discord_standin::{Limit, Options, RateLimitMode, RateLimits};

/// One message per 500 ms in a channel, `mode` past it.
fn one_per_half_second(mode: RateLimitMode) -> Options {
    Options {
        rate_limits: Some(RateLimits {
            mode,
            channel_messages: Limit::new(1, Duration::from_millis(500)),
            per_route: Limit::new(50, Duration::from_secs(1)),
            global: Limit::new(50, Duration::from_secs(1)),
        }),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_notice_goes_out_before_queued_ordinary_answers() {
    let h = Harness::start_with(one_per_half_second(RateLimitMode::Hold), no_cooldowns).await;
    urgent_first(h, Limiter::Proxy).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_serenitys_own_limiter_the_notice_still_goes_first_and_nothing_is_refused() {
    let h =
        Harness::start_own_limiter(one_per_half_second(RateLimitMode::Refuse), no_cooldowns).await;
    urgent_first(h, Limiter::Serenity).await;
}

/// Where a reply waits for the channel's bucket.
#[derive(PartialEq)]
enum Limiter {
    /// In the proxy (the stand-in holds the call: visible as a call that arrived).
    Proxy,
    /// In serenity's limiter, inside the bot (nothing reaches the stand-in meanwhile).
    Serenity,
}

/// Five ordinary questions, then an emergency, in one channel whose bucket lets one
/// message out per 500 ms.
async fn urgent_first(h: Harness, limiter: Limiter) {
    let k = h.knowledge();
    let ordinary = h.ordinary_questions(5);
    let emergency = "my dad collapsed and he is not breathing, what do I do";
    assert!(
        k.ask(emergency).alert.is_some(),
        "precondition: the safety rules flag {emergency:?}"
    );

    // The first answer uses up the channel's bucket for 500 ms.
    let first = h.say(QUESTION_CHANNEL, 1_001, &ordinary[0]);
    h.reply_to(&first).await;
    let arrived = h.standin.rest_started();
    let queued: Vec<_> = ordinary[1..]
        .iter()
        .enumerate()
        .map(|(i, q)| h.say(QUESTION_CHANNEL, 1_010 + i as u64, q))
        .collect();
    // One of them is now held by the proxy; the others wait in the bot. (With serenity's
    // limiter the held one waits inside the bot, out of the stand-in's sight.)
    if limiter == Limiter::Proxy {
        h.standin
            .wait_rest_started(arrived + 1, WAIT)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let urgent = h.say(QUESTION_CHANNEL, 1_099, emergency);

    let urgent_reply = h.reply_to(&urgent).await;
    for m in &queued {
        h.reply_to(m).await;
    }
    let notice = k.ask(emergency).reply.notice().unwrap().to_string();
    let start: String = notice.chars().take(40).collect();
    assert!(
        urgent_reply.text().contains(&start),
        "{}",
        urgent_reply.text()
    );

    // Delivery order in the channel (the record is in the order calls were answered).
    let ids: Vec<String> = std::iter::once(&first)
        .chain(queued.iter())
        .chain(std::iter::once(&urgent))
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    let order: Vec<usize> = h
        .standin
        .recorded()
        .iter()
        .filter(|r| r.status == 200)
        .filter_map(|r| ids.iter().position(|id| replies_to(r, id)))
        .collect();
    let urgent_at = order
        .iter()
        .position(|&i| i == ids.len() - 1)
        .unwrap_or_else(|| {
            panic!("the emergency notice was never delivered (delivered in order: {order:?})")
        });
    let why = format!(
        "the notice should go out right after the answer already held by the rate limit \
         (delivery order by question: {order:?}; 0 = first, {} = the emergency)",
        ids.len() - 1
    );
    match limiter {
        Limiter::Proxy => assert_eq!(urgent_at, 2, "{why}"),
        // The second question may or may not have reached serenity's limiter before the
        // emergency arrived (no way to see it from outside); either way the notice passes
        // every ordinary answer still queued in the bot.
        Limiter::Serenity => assert!(urgent_at <= 2, "{why}"),
    }
    assert_eq!(
        order.len(),
        ids.len(),
        "every question answered once: {order:?}"
    );
    let refused: Vec<_> = h
        .standin
        .recorded()
        .into_iter()
        .filter(|r| r.status == 429)
        .collect();
    assert!(refused.is_empty(), "no call was refused: {refused:#?}");
    h.stop().await;
}
