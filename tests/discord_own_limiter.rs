//! The default setup (issue 13): no `api_base`, so serenity's own rate limiter is on and
//! every REST call goes to `https://discord.com`. The stand-in answers as `discord.com` on
//! loopback (`Options::https_as_discord`: a certificate made at start, the bot's client
//! pinned there by `medfaq::discord::run_reaching`) and refuses what Discord refuses:
//! past a limit, 429 with Discord's headers.
//!
//! Shown here: serenity's limiter waits as Discord's `X-RateLimit-*` headers say, so a
//! burst in one channel is never refused; when another process of the same bot used up a
//! bucket (a channel's, or the global one) the bot's call is refused once, serenity waits
//! the `Retry-After` it was told and the retry is delivered. Urgent notices first with
//! this limiter: `tests/discord_urgent_first.rs`.

mod common;

use std::time::Duration;

use common::discord::*;
use discord_standin::{Limit, Options, RateLimitMode, RateLimits, Recorded, BOT_USER_ID};
use serde_json::{json, Value};

/// The channel bucket's window: 2 messages per `WINDOW` in a channel. Long enough that
/// the bot's call lands in a window another process just used up, even on a busy machine.
const WINDOW: Duration = Duration::from_millis(800);
/// The global limit (every call but interaction endpoints), per second.
const GLOBAL: u32 = 20;

fn limits() -> Options {
    Options {
        rate_limits: Some(RateLimits {
            mode: RateLimitMode::Refuse,
            channel_messages: Limit::new(2, WINDOW),
            per_route: Limit::new(50, Duration::from_secs(1)),
            global: Limit::new(GLOBAL, Duration::from_secs(1)),
        }),
        ..Default::default()
    }
}

/// Another process of the same bot (same token, so the same buckets) calls `method
/// path` on the stand-in directly; returns the status and, for a 429, `Retry-After`.
async fn other_process(
    base: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Option<Duration>) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut req = client
        .request(method, format!("{base}/api/v10{path}"))
        .header("authorization", format!("Bot {TOKEN}"));
    if let Some(body) = body {
        req = req
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let resp = req.send().await.expect("the stand-in answers");
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse::<f64>().ok())
        .map(Duration::from_secs_f64);
    (resp.status().as_u16(), retry_after)
}

/// Waits until the bot's reply to `msg` is delivered; returns its attempts, in order,
/// each refused one retried no earlier than its `Retry-After` said.
async fn delivered_waiting_as_told(h: &Harness, msg: &Value) -> Vec<Recorded> {
    let id = msg["id"].as_str().unwrap().to_string();
    h.standin
        .wait_for_request(|r| replies_to(r, &id) && r.status == 200, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let tries = h.replies(msg);
    let last = tries.last().expect("at least one attempt");
    assert_eq!(
        last.status, 200,
        "the reply was delivered in the end: {tries:#?}"
    );
    for pair in tries.windows(2) {
        let limited = pair[0]
            .limited
            .as_ref()
            .unwrap_or_else(|| panic!("only a 429 is retried: {tries:#?}"));
        let waited = pair[1].at - pair[0].at;
        assert!(
            waited + Duration::from_millis(2) >= limited.retry_after,
            "retried after {waited:?}, told to wait {:?}",
            limited.retry_after
        );
    }
    tries
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serenitys_own_limiter_waits_as_discords_headers_say() {
    let h = Harness::start_own_limiter(limits(), no_cooldowns).await;
    let questions = h.ordinary_questions(5);

    // 1. A burst of five questions in one channel (2 messages per window allowed): the
    //    limiter learns the bucket from the first answer's headers and waits before each
    //    call past it, so Discord refuses nothing.
    let asked: Vec<Value> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| h.say(QUESTION_CHANNEL, 2_000 + i as u64, q))
        .collect();
    let mut replies = Vec::new();
    for m in &asked {
        replies.push(h.reply_to(m).await);
    }
    let refused: Vec<Recorded> = h
        .standin
        .recorded()
        .into_iter()
        .filter(|r| r.status == 429)
        .collect();
    assert!(
        refused.is_empty(),
        "serenity's limiter should wait on the headers, not be refused: {refused:#?}"
    );
    assert!(replies.iter().all(|r| r.status == 200));
    // Five messages at two per window span at least two windows.
    let first = replies.iter().map(|r| r.at).min().unwrap();
    let last = replies.iter().map(|r| r.at).max().unwrap();
    assert!(
        last - first >= 2 * WINDOW,
        "5 replies went out within {:?}: the channel's bucket was not waited for",
        last - first
    );

    // 2. Another process used up the second channel's bucket: the bot's first call there
    //    is refused (scope `user`), serenity waits the `Retry-After` and the retry lands.
    let base = h.standin.base_url();
    let posted = json!({ "content": "from another process", "allowed_mentions": { "parse": [] } });
    for _ in 0..2 {
        let path = format!("/channels/{QUESTION_CHANNEL_2}/messages");
        let (status, _) =
            other_process(&base, reqwest::Method::POST, &path, Some(posted.clone())).await;
        assert_eq!(status, 200, "the other process's message");
    }
    let q2 = h.say(QUESTION_CHANNEL_2, 2_100, &questions[0]);
    let tries = delivered_waiting_as_told(&h, &q2).await;
    assert_eq!(tries.len(), 2, "one refusal, one delivery: {tries:#?}");
    let told = tries[0].limited.clone().unwrap();
    assert_eq!(told.scope.as_deref(), Some("user"), "{told:?}");
    assert!(!told.global);

    // 3. Other processes used up the bot's global limit: the bot's next call (a mention in
    //    a channel it has not written to) is refused as global, waited out and delivered.
    //    Used up with most of the window still to run, so the bot's call lands in it.
    let mut used_up = false;
    for _ in 0..(8 * GLOBAL) {
        match other_process(&base, reqwest::Method::GET, "/users/@me", None).await {
            (429, Some(left)) if left >= Duration::from_millis(500) => {
                used_up = true;
                break;
            }
            (429, left) => tokio::time::sleep(left.unwrap_or_default()).await,
            _ => {}
        }
    }
    assert!(used_up, "precondition: the global limit was reached");
    let mention = format!("<@{BOT_USER_ID}> {}", questions[1]);
    let q3 = h.say(OTHER_CHANNEL, 2_200, &mention);
    let tries = delivered_waiting_as_told(&h, &q3).await;
    assert!(
        tries.len() >= 2,
        "the global limit refused the first call: {tries:#?}"
    );
    let told = tries[0].limited.clone().unwrap();
    assert_eq!(told.scope.as_deref(), Some("global"), "{told:?}");
    assert!(told.global);

    // Every question got exactly one delivered reply.
    for m in asked.iter().chain([&q2, &q3]) {
        let delivered = h.replies(m).iter().filter(|r| r.status == 200).count();
        assert_eq!(delivered, 1, "{}", m["content"]);
    }
    h.stop().await;
}

/// The stand-in's certificate is what makes the bot's client reach it: a client that does
/// not trust the stand-in's root is refused at the handshake, so `run_reaching` cannot
/// pass by accident, and it refuses a redirect off this machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discord_com_is_reached_only_with_the_stand_ins_root_and_only_on_loopback() {
    let standin = discord_standin::StandIn::start_with(Options {
        https_as_discord: true,
        ..Default::default()
    })
    .await;
    let tls = standin.discord_tls().unwrap().clone();
    let url = "https://discord.com/api/v10/gateway";
    let trusting = reqwest::Client::builder()
        .use_rustls_tls()
        .resolve("discord.com", tls.addr)
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_der(&tls.root_certificate_der).unwrap())
        .no_proxy()
        .build()
        .unwrap();
    let body = trusting
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["url"], standin.gateway_url());
    let untrusting = reqwest::Client::builder()
        .use_rustls_tls()
        .resolve("discord.com", tls.addr)
        .no_proxy()
        .build()
        .unwrap();
    let err = untrusting
        .get(url)
        .send()
        .await
        .expect_err("an unknown root is refused");
    assert!(err.is_connect(), "{err:?}");

    let at = medfaq::discord::DiscordAt {
        addr: "192.0.2.1:443".parse().unwrap(),
        root_certificate_der: tls.root_certificate_der.clone(),
    };
    let mut config = medfaq::config::Config::default();
    config.discord.api_base = None;
    config.faq.dir = bundled_faq();
    let result = medfaq::discord::run_reaching(
        config,
        medfaq::config::Token::new(TOKEN),
        std::future::pending(),
        at,
    )
    .await;
    let err = result.expect_err("a redirect off loopback is refused");
    assert!(err.to_string().contains("this machine only"), "{err}");
}
