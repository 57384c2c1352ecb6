//! Discord's REST rate limits, with Discord's headers (`discord/discord-api-docs`,
//! `developers/topics/rate-limits.mdx`):
//! - per route bucket and top-level resource (channel, guild, webhook id + token): every
//!   answer carries `X-RateLimit-Limit`, `-Remaining`, `-Reset` (epoch seconds),
//!   `-Reset-After` (seconds, with decimals) and `-Bucket` (the route, "non-inclusive of
//!   top-level resources");
//! - global, per bot ("All bots can make up to 50 requests per second"), except
//!   interaction endpoints ("Interaction endpoints are not bound to the bot's Global Rate
//!   Limit");
//! - past a limit: 429 with a JSON body (`message`, `retry_after`, `global`), the
//!   `Retry-After` header, `X-RateLimit-Scope` (`user` for a route bucket, `global`) and,
//!   for the global limit only, `X-RateLimit-Global: true` (serenity treats the mere
//!   presence of that header as global). A 429 does not use up the bucket.
//!
//! Windows are fixed: a bucket's window starts at its first call and resets `per` later.
//! The numbers are [`RateLimits`] (Discord's own in [`RateLimits::discord`]); tests pass
//! smaller windows to stay fast. `Retry-After` is sent with decimals (Discord rounds it
//! up to whole seconds; serenity parses either), so sub-second windows work.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{json, Value};

/// `requests` per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub requests: u32,
    pub per: Duration,
}

impl Limit {
    pub const fn new(requests: u32, per: Duration) -> Limit {
        Limit { requests, per }
    }
}

/// What the stand-in does with a call past a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Answers 429, as Discord does (a bot's own limiter must wait and retry).
    Refuse,
    /// Holds the call until the bucket allows it, then answers: what a shared rate-limit
    /// proxy at the bot's `api_base` does (e.g. twilight-http-proxy): the held calls of a
    /// bucket go out in arrival order.
    Hold,
}

/// The limits the stand-in enforces ([`crate::Options::rate_limits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub mode: Mode,
    /// `POST /channels/{id}/messages`, per channel. Discord: 5 per 5 s.
    pub channel_messages: Limit,
    /// Every other route, per route and top-level resource.
    pub per_route: Limit,
    /// Every call but interaction endpoints. Discord: 50 per second.
    pub global: Limit,
}

impl RateLimits {
    /// Discord's numbers: 5 messages per 5 s per channel, 50 calls per second in all.
    /// Other routes vary on Discord; 5 per second is typical of message edits.
    pub const fn discord() -> RateLimits {
        RateLimits {
            mode: Mode::Refuse,
            channel_messages: Limit::new(5, Duration::from_secs(5)),
            per_route: Limit::new(5, Duration::from_secs(1)),
            global: Limit::new(50, Duration::from_secs(1)),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    used: u32,
}

impl Window {
    /// The window in force at `now` (a new one once the old one ended).
    fn current(this: Option<Window>, limit: Limit, now: Instant) -> Window {
        match this {
            Some(w) if now < w.started + limit.per => w,
            _ => Window {
                started: now,
                used: 0,
            },
        }
    }

    fn reset_after(&self, limit: Limit, now: Instant) -> Duration {
        (self.started + limit.per).saturating_duration_since(now)
    }
}

/// What the limiter says about one call.
pub enum Decision {
    /// Go ahead; add these headers to the answer.
    Allow(HeaderMap),
    /// Answer 429 with these headers and body, or (in [`Mode::Hold`]) try again after
    /// `retry_after`.
    Limited {
        headers: HeaderMap,
        body: Value,
        retry_after: Duration,
    },
}

/// Bucket state.
pub struct Limiter {
    limits: RateLimits,
    state: Mutex<(Option<Window>, HashMap<String, Window>)>,
    /// [`Mode::Hold`]: one FIFO queue per bucket (tokio's mutex is fair).
    gates: Mutex<HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
}

/// The route's bucket name (template with ids replaced) and its top-level resource.
fn bucket_of(method: &str, parts: &[&str]) -> (String, String) {
    let template: Vec<&str> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let top = i == 1 && matches!(parts[0], "channels" | "guilds" | "webhooks");
            let token = i == 2 && parts[0] == "webhooks";
            if top || token || p.chars().all(|c| c.is_ascii_digit()) {
                "{}"
            } else {
                p
            }
        })
        .collect();
    let resource = match parts {
        ["webhooks", id, token, ..] => format!("{id}/{token}"),
        [top @ ("channels" | "guilds" | "webhooks"), id, ..] => format!("{top}/{id}"),
        _ => String::new(),
    };
    (format!("{method} {}", template.join("/")), resource)
}

fn hash_hex(s: &str) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    format!("{:016x}", h.finish())
}

fn header(headers: &mut HeaderMap, name: &'static str, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert(HeaderName::from_static(name), v);
    }
}

/// Seconds with 3 decimals, rounded up: a client that waits what it is told never comes
/// back a fraction of a millisecond too early.
fn secs(d: Duration) -> String {
    let ms = d.as_nanos().div_ceil(1_000_000);
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

impl Limiter {
    pub fn mode(&self) -> Mode {
        self.limits.mode
    }

    pub fn new(limits: RateLimits) -> Limiter {
        Limiter {
            limits,
            state: Mutex::new((None, HashMap::new())),
            gates: Mutex::new(HashMap::new()),
        }
    }

    /// The queue of held calls for the bucket of `method parts` ([`Mode::Hold`]).
    pub fn gate(&self, method: &str, parts: &[&str]) -> std::sync::Arc<tokio::sync::Mutex<()>> {
        let (route, resource) = bucket_of(method, parts);
        self.gates
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(format!("{route} {resource}"))
            .or_default()
            .clone()
    }

    /// Counts a call to `method parts` at `now`, or refuses it.
    pub fn take(&self, method: &str, parts: &[&str], now: Instant) -> Decision {
        let interaction = matches!(parts, ["interactions", ..] | ["webhooks", ..]);
        let (route, resource) = bucket_of(method, parts);
        let limit = if method == "POST" && matches!(parts, ["channels", _, "messages"]) {
            self.limits.channel_messages
        } else {
            self.limits.per_route
        };
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (global, buckets) = &mut *state;
        let key = format!("{route} {resource}");
        let mut window = Window::current(buckets.get(&key).copied(), limit, now);
        let g_limit = self.limits.global;
        let mut g_window = Window::current(*global, g_limit, now);

        let mut headers = HeaderMap::new();
        header(&mut headers, "x-ratelimit-bucket", hash_hex(&route));
        header(
            &mut headers,
            "x-ratelimit-limit",
            limit.requests.to_string(),
        );
        let reset_after = window.reset_after(limit, now);
        let reset_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            + reset_after;
        header(&mut headers, "x-ratelimit-reset", secs(reset_epoch));
        header(&mut headers, "x-ratelimit-reset-after", secs(reset_after));

        if !interaction && g_window.used >= g_limit.requests {
            let retry = g_window.reset_after(g_limit, now);
            let mut headers = HeaderMap::new();
            header(&mut headers, "retry-after", secs(retry));
            header(&mut headers, "x-ratelimit-global", "true".into());
            header(&mut headers, "x-ratelimit-scope", "global".into());
            return Decision::Limited {
                headers,
                body: json!({
                    "message": "You are being rate limited.",
                    "retry_after": retry.as_secs_f64(),
                    "global": true,
                }),
                retry_after: retry,
            };
        }
        if window.used >= limit.requests {
            header(&mut headers, "x-ratelimit-remaining", "0".into());
            header(&mut headers, "retry-after", secs(reset_after));
            header(&mut headers, "x-ratelimit-scope", "user".into());
            return Decision::Limited {
                headers,
                body: json!({
                    "message": "You are being rate limited.",
                    "retry_after": reset_after.as_secs_f64(),
                    "global": false,
                }),
                retry_after: reset_after,
            };
        }
        window.used += 1;
        buckets.insert(key, window);
        if !interaction {
            g_window.used += 1;
            *global = Some(g_window);
        }
        header(
            &mut headers,
            "x-ratelimit-remaining",
            (limit.requests - window.used).to_string(),
        );
        Decision::Allow(headers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limited(d: &Decision) -> Option<&Value> {
        match d {
            Decision::Limited { body, .. } => Some(body),
            Decision::Allow(_) => None,
        }
    }

    #[test]
    fn per_channel_buckets_are_separate_and_reset() {
        let l = Limiter::new(RateLimits {
            channel_messages: Limit::new(2, Duration::from_millis(100)),
            ..RateLimits::discord()
        });
        let t = Instant::now();
        let a = ["channels", "1", "messages"];
        let b = ["channels", "2", "messages"];
        assert!(limited(&l.take("POST", &a, t)).is_none());
        assert!(limited(&l.take("POST", &a, t)).is_none());
        let third = l.take("POST", &a, t);
        let body = limited(&third).expect("the third call in the window is refused");
        assert_eq!(body["global"], false);
        assert!(limited(&l.take("POST", &b, t)).is_none(), "another channel");
        assert!(limited(&l.take("POST", &a, t + Duration::from_millis(101))).is_none());
    }

    #[test]
    fn global_limit_spares_interaction_endpoints() {
        let l = Limiter::new(RateLimits {
            global: Limit::new(3, Duration::from_secs(1)),
            ..RateLimits::discord()
        });
        let t = Instant::now();
        for c in ["1", "2", "3"] {
            assert!(limited(&l.take("POST", &["channels", c, "messages"], t)).is_none());
        }
        let d = l.take("POST", &["channels", "4", "messages"], t);
        assert_eq!(limited(&d).expect("global")["global"], true);
        if let Decision::Limited { headers, .. } = &d {
            assert_eq!(headers["x-ratelimit-scope"], "global");
            assert_eq!(headers["x-ratelimit-global"], "true");
        }
        assert!(limited(&l.take("POST", &["interactions", "9", "tok", "callback"], t)).is_none());
    }

    #[test]
    fn bucket_names_leave_out_top_level_resources() {
        assert_eq!(
            bucket_of("POST", &["channels", "1", "messages"]).0,
            bucket_of("POST", &["channels", "2", "messages"]).0
        );
        assert_ne!(
            bucket_of("POST", &["channels", "1", "messages"]).1,
            bucket_of("POST", &["channels", "2", "messages"]).1
        );
    }
}
