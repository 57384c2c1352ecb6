//! The stand-in refuses what Discord refuses (issue 13), seen through serenity's own HTTP
//! client: Discord's limits and shapes (400, 50035 and an `errors` tree serenity parses
//! into paths), the interaction life cycle (10062, 40060, 10015), and rate limits with
//! Discord's headers, which serenity's own limiter obeys.

use std::time::{Duration, Instant};

use discord_standin::payload;
use discord_standin::{Limit, Options, RateLimitMode, RateLimits, StandIn, ViolationKind};
use serde_json::{json, Value};
use serenity::all as sy;

const CHANNEL: u64 = 900_000_000_000_000_001;

/// serenity's HTTP client pointed at the stand-in; its own rate limiter on or off.
fn client(standin: &StandIn, own_limiter: bool) -> sy::Http {
    sy::HttpBuilder::new("standin-token")
        .proxy(standin.base_url())
        .ratelimiter_disabled(!own_limiter)
        .application_id(sy::ApplicationId::new(discord_standin::APPLICATION_ID))
        .build()
}

/// Discord's JSON error as serenity parsed it: (HTTP status, code, error paths).
fn discord_error(e: sy::Error) -> (u16, isize, Vec<String>) {
    match e {
        sy::Error::Http(sy::HttpError::UnsuccessfulRequest(r)) => (
            r.status_code.as_u16(),
            r.error.code,
            r.error.errors.iter().map(|e| e.path.clone()).collect(),
        ),
        other => panic!("not a Discord error answer: {other:?}"),
    }
}

fn no_mentions() -> Value {
    json!({ "parse": [], "replied_user": false })
}

#[tokio::test]
async fn payloads_over_discords_limits_get_400_50035_with_each_path() {
    let s = StandIn::start().await;
    let http = client(&s, false);
    let ch = sy::ChannelId::new(CHANNEL);
    let ok = json!({ "content": "fine", "allowed_mentions": no_mentions() });
    http.send_message(ch, vec![], &ok)
        .await
        .expect("a plain message is accepted");

    let bad = json!({
        "content": "x".repeat(2001),
        "embeds": [{ "description": "d".repeat(4097), "fields": [{ "name": "n", "value": "v".repeat(1025) }] }],
        "components": [{ "type": 1, "components": [
            { "type": 2, "style": 2, "label": "a", "custom_id": "same" },
            { "type": 2, "style": 2, "label": "b", "custom_id": "same" },
        ] }],
        "allowed_mentions": no_mentions(),
    });
    let (status, code, paths) =
        discord_error(http.send_message(ch, vec![], &bad).await.unwrap_err());
    assert_eq!((status, code), (400, 50035));
    for p in [
        "content",
        "embeds.0.description",
        "embeds.0.fields.0.value",
        "components.0.components.1.custom_id",
    ] {
        assert!(
            paths.iter().any(|x| x == p),
            "no error at {p}; serenity saw {paths:?}"
        );
    }
    let empty = json!({ "allowed_mentions": no_mentions() });
    let (status, code, _) = discord_error(http.send_message(ch, vec![], &empty).await.unwrap_err());
    assert_eq!((status, code), (400, 50006), "an empty message");

    let v = s.violations();
    assert_eq!(v.len(), 2, "{v:?}");
    assert!(v.iter().all(|v| v.kind == ViolationKind::Refused));
    assert!(
        v[0].detail.contains("embeds.0.description"),
        "{}",
        v[0].detail
    );
}

#[tokio::test]
async fn commands_are_checked_like_discord_checks_them() {
    let s = StandIn::start().await;
    let http = client(&s, false);
    let bad = json!([
        { "name": "FAQ", "description": "Upper case is refused", "type": 1 },
        { "name": "faq", "description": "d".repeat(101), "type": 1 },
    ]);
    let (status, code, paths) = discord_error(http.create_global_commands(&bad).await.unwrap_err());
    assert_eq!((status, code), (400, 50035));
    assert!(paths.contains(&"0.name".to_string()), "{paths:?}");
    assert!(paths.contains(&"1.description".to_string()), "{paths:?}");
}

#[tokio::test]
async fn a_message_without_allowed_mentions_is_accepted_but_recorded() {
    let s = StandIn::start().await;
    let http = client(&s, false);
    let ch = sy::ChannelId::new(CHANNEL);
    http.send_message(ch, vec![], &json!({ "content": "hello @everyone" }))
        .await
        .expect("Discord accepts it");
    let v = s.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].kind, ViolationKind::Policy);
    assert!(v[0].detail.contains("allowed_mentions"), "{}", v[0].detail);
}

fn slash(s: &StandIn, token: &str) -> u64 {
    let id = s.next_id();
    let member = discord_standin::member(5, "alice", &[], 0);
    s.open_interaction(&payload::slash_command(
        id,
        CHANNEL,
        &member,
        token,
        "faq",
        Some("ask"),
        vec![],
    ));
    id
}

#[tokio::test]
async fn interactions_are_answered_once_within_3_seconds_and_followed_up_after() {
    let s = StandIn::start().await;
    let http = client(&s, false);
    let reply =
        json!({ "type": 4, "data": { "content": "hi", "allowed_mentions": no_mentions() } });
    let followup = json!({ "content": "more", "allowed_mentions": no_mentions() });

    // In time, once: accepted; a second answer: 40060.
    let id = slash(&s, "tok-once");
    let iid = sy::InteractionId::new(id);
    http.create_interaction_response(iid, "tok-once", &reply, vec![])
        .await
        .expect("the first answer in time");
    let (status, code, _) = discord_error(
        http.create_interaction_response(iid, "tok-once", &reply, vec![])
            .await
            .unwrap_err(),
    );
    assert_eq!((status, code), (400, 40060), "answering twice");
    http.create_followup_message("tok-once", &followup, vec![])
        .await
        .expect("a follow-up after the answer");

    // A follow-up before any answer: the interaction webhook does not exist yet.
    slash(&s, "tok-early");
    let (status, code, _) = discord_error(
        http.create_followup_message("tok-early", &followup, vec![])
            .await
            .unwrap_err(),
    );
    assert_eq!((status, code), (404, 10015), "follow-up before a response");

    // After 3 s on the stand-in's clock: 10062, and the token is gone.
    let id = slash(&s, "tok-late");
    s.advance_clock(Duration::from_millis(3_100));
    let (status, code, _) = discord_error(
        http.create_interaction_response(sy::InteractionId::new(id), "tok-late", &reply, vec![])
            .await
            .unwrap_err(),
    );
    assert_eq!((status, code), (404, 10062), "answering after 3 s");

    // An autocomplete result is no answer to a slash command.
    let id = slash(&s, "tok-kind");
    let (status, code, paths) = discord_error(
        http.create_interaction_response(
            sy::InteractionId::new(id),
            "tok-kind",
            &json!({ "type": 8, "data": { "choices": [] } }),
            vec![],
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(
        (status, code, paths),
        (400, 50035, vec!["type".to_string()])
    );
}

/// Raw HTTP/1.1 POST: (status, lower-cased headers, JSON body).
async fn post(base: &str, path: &str, body: &Value) -> (u16, Vec<(String, String)>, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = body.to_string();
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    sock.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    sock.read_to_string(&mut out).await.unwrap();
    let (head, json) = out.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (
        status,
        headers,
        serde_json::from_str(json).unwrap_or(Value::Null),
    )
}

fn get<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn fast_limits() -> RateLimits {
    RateLimits {
        mode: RateLimitMode::Refuse,
        channel_messages: Limit::new(2, Duration::from_millis(400)),
        per_route: Limit::new(5, Duration::from_millis(400)),
        global: Limit::new(50, Duration::from_secs(1)),
    }
}

#[tokio::test]
async fn rate_limits_answer_with_discords_headers_and_429_body() {
    let s = StandIn::start_with(Options {
        rate_limits: Some(RateLimits {
            global: Limit::new(4, Duration::from_secs(5)),
            ..fast_limits()
        }),
        ..Default::default()
    })
    .await;
    let path = format!("/api/v10/channels/{CHANNEL}/messages");
    let msg = json!({ "content": "x", "allowed_mentions": no_mentions() });
    let (status, h, _) = post(&s.base_url(), &path, &msg).await;
    assert_eq!(status, 200);
    assert_eq!(get(&h, "x-ratelimit-limit"), Some("2"));
    assert_eq!(get(&h, "x-ratelimit-remaining"), Some("1"));
    assert!(get(&h, "x-ratelimit-bucket").is_some_and(|b| !b.is_empty()));
    let after: f64 = get(&h, "x-ratelimit-reset-after").unwrap().parse().unwrap();
    assert!(after > 0.0 && after <= 0.4, "{after}");
    let reset: f64 = get(&h, "x-ratelimit-reset").unwrap().parse().unwrap();
    assert!(reset > 1.7e9, "epoch seconds: {reset}");
    post(&s.base_url(), &path, &msg).await;
    // Third in the window: the channel's bucket (scope user, not global).
    let (status, h, body) = post(&s.base_url(), &path, &msg).await;
    assert_eq!(status, 429);
    assert_eq!(get(&h, "x-ratelimit-scope"), Some("user"));
    assert_eq!(
        get(&h, "x-ratelimit-global"),
        None,
        "serenity reads its presence as global"
    );
    assert_eq!(get(&h, "x-ratelimit-remaining"), Some("0"));
    assert!(get(&h, "retry-after").is_some());
    assert_eq!(body["global"], false);
    assert!(
        body["retry_after"].as_f64().is_some_and(|r| r > 0.0),
        "{body}"
    );
    assert!(body["message"].as_str().is_some());
    // Other channels until the global 4 are used up, then the global limit.
    post(&s.base_url(), "/api/v10/channels/2/messages", &msg).await;
    post(&s.base_url(), "/api/v10/channels/3/messages", &msg).await;
    let (status, h, body) = post(&s.base_url(), "/api/v10/channels/4/messages", &msg).await;
    assert_eq!(status, 429);
    assert_eq!(get(&h, "x-ratelimit-scope"), Some("global"));
    assert_eq!(get(&h, "x-ratelimit-global"), Some("true"));
    assert_eq!(body["global"], true);
}

/// serenity 0.12.5's own limiter builds every request for `https://discord.com`, dropping
/// the proxy (`Ratelimiter::perform` calls `build(.., None)`), so a bot with its limiter
/// on cannot be pointed at a loopback stand-in; behind `api_base` the limits are the
/// proxy's. The stand-in plays that proxy in `Hold` mode: a burst to one channel is paced
/// to the channel's limit and every call succeeds, in arrival order.
#[tokio::test]
async fn hold_mode_paces_a_burst_like_a_rate_limit_proxy() {
    let s = StandIn::start_with(Options {
        rate_limits: Some(RateLimits {
            mode: RateLimitMode::Hold,
            ..fast_limits()
        }),
        ..Default::default()
    })
    .await;
    let http = std::sync::Arc::new(client(&s, false));
    let n = 7;
    let started = Instant::now();
    let mut sends = Vec::new();
    for i in 0..n {
        let http = http.clone();
        sends.push(tokio::spawn(async move {
            let msg = json!({ "content": format!("m{i}"), "allowed_mentions": no_mentions() });
            http.send_message(sy::ChannelId::new(CHANNEL), vec![], &msg)
                .await
        }));
        // A distinct arrival order.
        s.wait_rest_started(i + 1, Duration::from_secs(10))
            .await
            .unwrap();
    }
    for t in sends {
        t.await.unwrap().expect("held, then answered");
    }
    let took = started.elapsed();
    let delivered: Vec<String> = s
        .recorded()
        .into_iter()
        .filter(|r| r.is_channel_message())
        .map(|r| {
            assert_eq!(r.status, 200);
            r.body.unwrap()["content"].as_str().unwrap().to_string()
        })
        .collect();
    let sent: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
    assert_eq!(delivered, sent, "held calls go out in arrival order");
    // 7 messages at 2 per 400 ms need 4 windows: at least 3 full ones waited.
    assert!(took >= Duration::from_millis(1_200), "took only {took:?}");
}
