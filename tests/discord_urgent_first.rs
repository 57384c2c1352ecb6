//! Urgent replies first (issue 13): when chat replies wait on Discord's rate limits, an
//! emergency or crisis notice goes out before the ordinary answers still queued.
//!
//! The stand-in plays a rate-limit proxy at `api_base` (`RateLimitMode::Hold`: one
//! message per 500 ms in a channel, held calls released in arrival order), so replies
//! really wait on the channel's bucket.

mod common;

use std::time::Duration;

use common::discord::*;
use discord_standin::{Limit, Options, RateLimitMode, RateLimits};
use medfaq::discord::trigger::reads_as_question;
use medfaq::matcher::Decision;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_notice_goes_out_before_queued_ordinary_answers() {
    let options = Options {
        rate_limits: Some(RateLimits {
            mode: RateLimitMode::Hold,
            channel_messages: Limit::new(1, Duration::from_millis(500)),
            per_route: Limit::new(50, Duration::from_secs(1)),
            global: Limit::new(50, Duration::from_secs(1)),
        }),
        ..Default::default()
    };
    let h = Harness::start_with(options, no_cooldowns).await;
    let k = h.knowledge();
    // Five ordinary questions the bot answers in a question channel, each a different
    // entry, none urgent.
    let ordinary: Vec<String> = k
        .faq
        .entries
        .iter()
        .map(|e| e.question.clone())
        .filter(|q| {
            let a = k.ask(q);
            a.alert.is_none()
                && reads_as_question(q)
                && matches!(a.outcome.decision, Decision::Answer(_))
        })
        .take(5)
        .collect();
    assert_eq!(ordinary.len(), 5, "precondition: five answerable questions");
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
    // One of them is now held by the proxy; the others wait in the bot.
    h.standin
        .wait_rest_started(arrived + 1, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
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
    let urgent_at = order.iter().position(|&i| i == ids.len() - 1).unwrap();
    assert_eq!(
        urgent_at,
        2,
        "the notice should go out right after the answer already held by the rate limit \
         (delivery order by question: {order:?}; 0 = first, {} = the emergency)",
        ids.len() - 1
    );
    h.stop().await;
}
