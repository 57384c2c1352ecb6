//! Hardening: security properties of the running bot, on loopback.
//! - The token (a canary) never appears in any log line, captured at TRACE from every
//!   crate (serenity, its HTTP and WebSocket stacks, medfaq), across connect, gateway
//!   errors, a 401 from REST and a fatal 4004 close.
//! - `/faqmod reload` re-checks the member data of the interaction: a member without the
//!   moderator role or Manage Server is refused even though Discord delivered the command.
//! - Member text shown back (a `/faq list` topic, a moderator's name in the log channel)
//!   cannot break formatting or mention anyone, and every payload sets allowed mentions
//!   to none.
//!
//! This test binary installs its own global log subscriber (a buffer), so it is the only
//! binary whose logs are captured this way; every test here calls [`logs`] first.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use common::discord::*;
use discord_standin::{payload, Fault};
use serde_json::{json, Value};

const KNOWN: &str = "Can I take magnesium after back surgery?";

/// Everything logged in this process, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Installs (once) a subscriber writing into a buffer, with the bot's own log filter set
/// to `trace` (as an operator debugging a problem would), including `log` records from
/// crates that don't use `tracing` (e.g. the WebSocket library).
fn logs() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        // The filter production uses (`medfaq::cli::init_tracing`), asked for everything.
        tracing_subscriber::fmt()
            .with_env_filter(medfaq::cli::log_filter("trace"))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init()
            .expect("no other subscriber in this test binary");
        captured
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_never_appears_in_logs_even_at_trace() {
    let logs = logs();
    let mut h = Harness::start(no_cooldowns).await;
    // Answer, then a 401 and a 500 on replies.
    let msg = h.say(QUESTION_CHANNEL, 801, KNOWN);
    h.reply_to(&msg).await;
    for (fault, status) in [(Fault::Unauthorized, 401), (Fault::ServerError, 500)] {
        h.say_rejected(fault, status, QUESTION_CHANNEL, 802, KNOWN)
            .await;
    }
    // Gateway trouble: a resume (the token is sent again) and a new IDENTIFY.
    h.standin.close_gateway(4000);
    h.wait_gateway("a resume", |g| g.resumed >= 1).await;
    h.standin.invalid_session(false);
    h.wait_gateway("a second IDENTIFY", |g| g.identifies >= 2 && g.connected)
        .await;
    let msg = h.say(QUESTION_CHANNEL, 803, KNOWN);
    h.reply_to(&msg).await;
    // A rejected token ends the session for good.
    h.standin.close_gateway(4004);
    let _ = h.exit(WAIT).await.expect("the bot stops on 4004");

    let g = h.standin.gateway();
    assert!(
        g.last_token.as_deref().is_some_and(|t| t.contains(TOKEN)),
        "precondition: the bot used the canary token"
    );
    let text = logs.text();
    // The capture is real: serenity's TRACE lines, the 401 and 4004 were all logged.
    assert!(text.lines().count() > 100, "too little captured:\n{text}");
    assert!(text.contains("TRACE"), "no TRACE lines captured");
    assert!(text.contains("401"), "the 401 was not logged");
    assert!(
        text.contains("answering a message failed"),
        "errors not captured"
    );
    let leaks: Vec<&str> = text
        .lines()
        // The stand-in runs in this process: its WebSocket library logs the IDENTIFY it
        // *receives*. Only a receiver can log a received token, and the bot never
        // receives its own token, so these lines are the stand-in's, not the bot's.
        .filter(|l| !(l.contains("tungstenite::protocol") && l.contains("Received message")))
        .filter(|l| canary_forms().iter().any(|f| l.contains(f.as_str())))
        .collect();
    assert!(
        leaks.is_empty(),
        "the token leaked into the logs:\n{}",
        leaks.join("\n")
    );
    assert_safe_payloads(&h.standin.recorded());
}

/// The token as it could show up in a log line: as text, in halves, and as the byte
/// dumps libraries print for frames and buffers (decimal list, hex).
fn canary_forms() -> Vec<String> {
    let bytes = TOKEN.as_bytes();
    let half = TOKEN.len() / 2;
    let decimal = |b: &[u8]| {
        b.iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let hex = |b: &[u8]| b.iter().map(|b| format!("{b:02x}")).collect::<String>();
    vec![
        TOKEN.to_string(),
        TOKEN[..half].to_string(),
        TOKEN[half..].to_string(),
        decimal(&bytes[..half]),
        decimal(&bytes[half..]),
        hex(&bytes[..half]),
        hex(&bytes[half..]),
    ]
}

const MANAGE_MESSAGES: u64 = 1 << 13;
const KICK_MEMBERS: u64 = 1 << 1;
const MENTION_EVERYONE: u64 = 1 << 17;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_rechecks_the_members_role_and_permissions_on_every_use() {
    let _ = logs();
    let h = Harness::start(|_| {}).await;
    // A pending edit: only a moderator's reload may bring it in.
    let path = h.faq_dir.join("entries/after-back-surgery.md");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("\n+++\n", "\n+++\n[edited] ", 1)).unwrap();

    type Edit = Box<dyn FnOnce(&mut Value)>;
    let refused: Vec<(&str, Value, Edit)> = vec![
        ("no role, no permission", member(811), Box::new(|_| {})),
        (
            "other roles and lesser permissions",
            discord_standin::member(
                812,
                "helper",
                &[MOD_ROLE + 1],
                MANAGE_MESSAGES | KICK_MEMBERS | MENTION_EVERYONE,
            ),
            Box::new(|_| {}),
        ),
        (
            "permissions missing from the member data",
            member(813),
            Box::new(|i: &mut Value| {
                i["member"].as_object_mut().unwrap().remove("permissions");
            }),
        ),
        (
            "the moderator role id only in the member's name",
            discord_standin::member(814, &MOD_ROLE.to_string(), &[], 0),
            Box::new(|_| {}),
        ),
    ];
    for (what, m, edit) in refused {
        let (id, _) = h.slash_mod_edited(&m, "reload", vec![], edit);
        let r = h.callback(id).await;
        assert!(
            r.text().contains("Only moderators"),
            "{what}: not refused: {}",
            r.text()
        );
        assert!(is_ephemeral(&r), "{what}: the refusal should be ephemeral");
    }
    // Nothing was reloaded: the old answer is still served.
    let msg = h.say(QUESTION_CHANNEL, 815, KNOWN);
    let e = embed(&h.reply_to(&msg).await);
    assert!(
        !e["description"].as_str().unwrap().starts_with("[edited]"),
        "a refused reload reloaded: {e:#}"
    );
    // A moderator (by role) may.
    let (id, token) = h.slash_reload(&moderator(816));
    h.callback(id).await;
    h.followup_containing(&token, "after-back-surgery").await;
    h.stop().await;
}

/// Whether `text` contains `needle` with no backslash right before it.
fn has_unescaped(text: &str, needle: &str) -> bool {
    text.match_indices(needle)
        .any(|(i, _)| !text[..i].ends_with('\\'))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echoed_member_text_cannot_break_formatting_or_mention() {
    let _ = logs();
    let h = Harness::start(|_| {}).await;
    let hostile =
        "```\n@everyone @here <@&900000000000000010> [free meds](https://evil.example) **x**";

    // `/faq list topic:` shows the topic back in the title.
    let (id, _) = h.slash_faq(
        &member(821),
        "list",
        vec![payload::option("topic", json!(hostile))],
    );
    let r = h.callback(id).await;
    let title = embed(&r)["title"].as_str().unwrap_or("").to_string();
    assert!(title.contains("everyone"), "the topic is shown: {title:?}");
    for bad in ["```", "<@&", "](", "**"] {
        assert!(!has_unescaped(&title, bad), "{bad:?} in {title:?}");
    }
    assert!(
        !title.contains("@everyone") && !title.contains("@here"),
        "{title:?}"
    );
    assert!(title.chars().count() <= 256, "title over Discord's limit");

    // A very long topic still fits the title limit (Discord rejects longer titles).
    let long = "x".repeat(3000);
    let (id, _) = h.slash_faq(
        &member(822),
        "list",
        vec![payload::option("topic", json!(long))],
    );
    let r = h.callback(id).await;
    let title = embed(&r)["title"].as_str().unwrap_or("").to_string();
    assert!(
        title.chars().count() <= 256,
        "title of {} chars",
        title.chars().count()
    );

    // A moderator whose name is hostile: the log-channel report names them, escaped.
    let (id, token) = h.slash_reload(&discord_standin::member(
        823,
        "`mod`_[x](y)@everyone",
        &[MOD_ROLE],
        0,
    ));
    h.callback(id).await;
    h.followup_containing(&token, "").await;
    let post = h.log_post(&["reload by"]).await;
    let text = post.text();
    assert!(!text.contains("@everyone"), "{text}");
    assert!(!has_unescaped(&text, "`mod`"), "{text}");
    assert!(!has_unescaped(&text, "[x]"), "{text}");

    // And a message that tries to ping gets a reply that pings nobody.
    let msg = h.say(
        QUESTION_CHANNEL,
        824,
        "@everyone <@&900000000000000010> can I take magnesium after back surgery?",
    );
    h.reply_to(&msg).await;
    h.stop().await; // allowed mentions none on every payload, token in none
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dm_text_is_answered_but_never_logged_at_info_or_above() {
    let logs = logs();
    let h = Harness::start(|_| {}).await;
    let canary = "zebra-dm-canary-5521";
    let author = payload::user(831, "member", false);
    let dm_channel = 910_000_000_000_000_031;
    h.standin
        .add_channel(payload::dm_channel(dm_channel, &author));
    let msg = payload::dm_message(
        h.standin.next_id(),
        dm_channel,
        &author,
        &format!("{KNOWN} {canary}"),
    );
    h.standin.send_message(msg.clone());
    let r = h.reply_to(&msg).await;
    assert!(r.path.contains(&dm_channel.to_string()));
    // Stopping drains the handlers: everything about this DM is logged by then.
    h.stop().await;
    let text = logs.text();
    assert!(
        text.contains("answered a chat message"),
        "precondition: the answer was logged"
    );
    let leaks: Vec<&str> = text
        .lines()
        .filter(|l| {
            [" INFO ", " WARN ", "ERROR "]
                .iter()
                .any(|lvl| l.contains(lvl))
        })
        .filter(|l| l.contains(canary))
        .collect();
    assert!(leaks.is_empty(), "DM text logged:\n{}", leaks.join("\n"));
}
