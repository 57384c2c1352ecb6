//! Discord helpers for the end-to-end tests: the real medfaq bot (`medfaq::discord::run`)
//! against the loopback Discord stand-in, on a temporary copy of the bundled `faq/`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use discord_standin::payload::{self, MANAGE_GUILD};
use discord_standin::{Fault, GatewayStats, Recorded, StandIn, GUILD_ID};
use medfaq::config::{Config, Cooldowns, Token};
use medfaq::knowledge::Knowledge;
use serde_json::{json, Value};

/// Generous upper bound for one wait on a loaded 2-core CI machine. Waits end as soon as
/// their condition holds; this only bounds a failure.
pub const WAIT: Duration = Duration::from_secs(30);

pub const QUESTION_CHANNEL: u64 = 900_000_000_000_000_001;
pub const QUESTION_CHANNEL_2: u64 = 900_000_000_000_000_002;
pub const OTHER_CHANNEL: u64 = 900_000_000_000_000_003;
pub const LOG_CHANNEL: u64 = 900_000_000_000_000_004;
pub const MOD_ROLE: u64 = 900_000_000_000_000_010;
/// The token given to the bot; tests check it never shows up in payloads.
pub const TOKEN: &str = "standin-canary-token-0123456789";

/// A running bot plus its stand-in and FAQ copy.
pub struct Harness {
    pub standin: StandIn,
    pub faq_dir: PathBuf,
    _tmp: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    bot: Option<tokio::task::JoinHandle<Result<(), medfaq::discord::DiscordError>>>,
}

/// Logs to the test output when `RUST_LOG` is set.
pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

pub use super::faq::bundled_faq;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The test config: stand-in REST base, guild registration, two question channels, a
/// moderator role and a log channel; no folder watching unless `tweak` turns it on.
pub fn test_config(standin: &StandIn, faq_dir: &Path) -> Config {
    let mut config = Config::default();
    config.discord.api_base = Some(standin.base_url());
    config.discord.guild_id = Some(GUILD_ID);
    config.discord.question_channels = vec![QUESTION_CHANNEL, QUESTION_CHANNEL_2];
    config.discord.moderator_roles = vec![MOD_ROLE];
    config.discord.log_channel = Some(LOG_CHANNEL);
    config.faq.dir = faq_dir.to_path_buf();
    config.faq.watch = false;
    // insights: a database of its own in the system's temporary folder, never the repo
    // (tests that run on the bundled `faq/` would otherwise write beside it)
    config.insights.db = scratch_db();
    config
}

/// A fresh insights database path under the system's temporary folder.
fn scratch_db() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    std::env::temp_dir().join(format!(
        "medfaq-test-{}-{n}-{nanos}.sqlite3",
        std::process::id()
    ))
}

/// A `tweak` for [`Harness::start`]: no cooldowns at all, for tests where questions flow
/// fast.
pub fn no_cooldowns(c: &mut Config) {
    c.discord.cooldowns = Cooldowns {
        per_user: Duration::ZERO,
        per_channel: Duration::ZERO,
        same_entry: Duration::ZERO,
    };
}

/// A `tweak` for [`Harness::start`]: folder watching on, with a `debounce_ms` window.
pub fn watch_folder(c: &mut Config, debounce_ms: u64) {
    c.faq.watch = true;
    c.faq.debounce = Duration::from_millis(debounce_ms);
}

/// Waits until the bot behind `standin` is connected and has registered its commands.
pub async fn wait_connected(standin: &StandIn) {
    standin
        .wait_connected(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

impl Harness {
    /// Starts the stand-in and the bot on a copy of `faq/`, and waits until the bot is
    /// connected and its commands are registered.
    pub async fn start(tweak: impl FnOnce(&mut Config)) -> Harness {
        Harness::start_with(discord_standin::Options::default(), tweak).await
    }

    /// [`Harness::start`] with stand-in options (e.g. a short heartbeat interval).
    pub async fn start_with(
        options: discord_standin::Options,
        tweak: impl FnOnce(&mut Config),
    ) -> Harness {
        let harness = Harness::launch(StandIn::start_with(options).await, tweak);
        wait_connected(&harness.standin).await;
        harness
    }

    /// Starts the bot against `standin` (prepared by the test, e.g. with channels or a
    /// stale command set) and waits until it is connected.
    pub async fn start_on(standin: StandIn, tweak: impl FnOnce(&mut Config)) -> Harness {
        let harness = Harness::launch(standin, tweak);
        wait_connected(&harness.standin).await;
        harness
    }

    /// [`Harness::start_with`] in the default setup: no `api_base`, serenity's own rate
    /// limiter on, the stand-in reached as `https://discord.com` on loopback
    /// (`Options::https_as_discord`, `medfaq::discord::run_reaching`).
    pub async fn start_own_limiter(
        options: discord_standin::Options,
        tweak: impl FnOnce(&mut Config),
    ) -> Harness {
        let standin = StandIn::start_with(discord_standin::Options {
            https_as_discord: true,
            ..options
        })
        .await;
        let tls = standin.discord_tls().expect("https_as_discord is on");
        let at = medfaq::discord::DiscordAt {
            addr: tls.addr,
            root_certificate_der: tls.root_certificate_der.clone(),
        };
        let harness = Harness::launch_via(
            standin,
            |c| {
                c.discord.api_base = None;
                tweak(c);
            },
            Some(at),
        );
        wait_connected(&harness.standin).await;
        harness
    }

    /// Starts the bot against `standin` without waiting for anything (e.g. a bot that is
    /// expected not to connect).
    pub fn launch(standin: StandIn, tweak: impl FnOnce(&mut Config)) -> Harness {
        Harness::launch_via(standin, tweak, None)
    }

    /// [`Harness::launch`]; with `at`, `discord.com` is reached there.
    fn launch_via(
        standin: StandIn,
        tweak: impl FnOnce(&mut Config),
        at: Option<medfaq::discord::DiscordAt>,
    ) -> Harness {
        init_logs();
        let tmp = tempfile::tempdir().unwrap();
        let faq_dir = tmp.path().join("faq");
        copy_dir(&bundled_faq(), &faq_dir);
        let mut config = test_config(&standin, &faq_dir);
        tweak(&mut config);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let shutdown = async move {
            let _ = rx.await;
        };
        let bot = match at {
            None => tokio::spawn(medfaq::discord::run(config, Token::new(TOKEN), shutdown)),
            Some(at) => tokio::spawn(medfaq::discord::run_reaching(
                config,
                Token::new(TOKEN),
                shutdown,
                at,
            )),
        };
        Harness {
            standin,
            faq_dir,
            _tmp: tmp,
            shutdown: Some(tx),
            bot: Some(bot),
        }
    }

    /// The FAQ as the test's own copy loads it (to know what the bot should answer).
    pub fn knowledge(&self) -> Knowledge {
        Knowledge::load(&self.faq_dir, Default::default()).expect("the FAQ copy loads")
    }

    /// `n` questions the bot answers in a question channel, each a different entry, none
    /// urgent (for tests of queues and rate limits).
    pub fn ordinary_questions(&self, n: usize) -> Vec<String> {
        use medfaq::matcher::Decision;
        let k = self.knowledge();
        let out: Vec<String> = k
            .faq
            .entries
            .iter()
            .map(|e| e.question.clone())
            .filter(|q| {
                let a = k.ask(q);
                a.alert.is_none()
                    && medfaq::discord::trigger::reads_as_question(q)
                    && matches!(a.outcome.decision, Decision::Answer(_))
            })
            .take(n)
            .collect();
        assert_eq!(out.len(), n, "precondition: {n} answerable questions");
        out
    }

    /// Sends a chat message from a member; returns the message object.
    pub fn say(&self, channel: u64, user: u64, content: &str) -> Value {
        let id = self.standin.next_id();
        let author = payload::user(user, &format!("member{}", user % 1000), false);
        let mentions: Vec<Value> =
            if content.contains(&format!("<@{}>", discord_standin::BOT_USER_ID)) {
                vec![payload::bot_user()]
            } else {
                vec![]
            };
        let msg = payload::message(id, channel, &author, content, &mentions);
        self.standin.send_message(msg.clone());
        msg
    }

    /// Waits for the bot's channel reply to message `msg`.
    pub async fn reply_to(&self, msg: &Value) -> Recorded {
        let id = msg["id"].as_str().unwrap().to_string();
        self.standin
            .wait_for_request(move |r| replies_to(r, &id), WAIT)
            .await
            .unwrap_or_else(|e| panic!("no reply to message {}: {e}", msg["content"]))
    }

    /// Sends an interaction; returns (interaction id, token).
    pub fn interact(&self, make: impl FnOnce(u64, &str) -> Value) -> (u64, String) {
        let id = self.standin.next_id();
        let token = format!("interaction-token-{id}");
        self.standin.send_interaction(make(id, &token));
        (id, token)
    }

    /// Waits for the callback of interaction `id`.
    pub async fn callback(&self, id: u64) -> Recorded {
        let prefix = format!("/interactions/{id}/");
        self.standin
            .wait_for_request(
                move |r| r.is_interaction_callback() && r.path.contains(&prefix),
                WAIT,
            )
            .await
            .unwrap_or_else(|e| panic!("no callback for interaction {id}: {e}"))
    }

    /// Waits for a follow-up on interaction `token` whose text contains `needle`.
    pub async fn followup_containing(&self, token: &str, needle: &str) -> Recorded {
        let part = format!("/{token}");
        let wanted = needle.to_string();
        self.standin
            .wait_for_request(
                move |r| r.is_followup() && r.path.contains(&part) && r.text().contains(&wanted),
                WAIT,
            )
            .await
            .unwrap_or_else(|e| panic!("no follow-up containing {needle:?}: {e}"))
    }

    /// `member` presses the button `custom_id` under the bot's message `carrier` in
    /// `channel`; returns the interaction id.
    pub fn press(&self, channel: u64, member: &Value, custom_id: &str, carrier: &Value) -> u64 {
        let (id, _) =
            self.interact(|id, tok| payload::button(id, channel, member, tok, custom_id, carrier));
        id
    }

    /// `/faq <sub>` with `options` from `member`, in [`OTHER_CHANNEL`].
    pub fn slash_faq(&self, member: &Value, sub: &str, options: Vec<Value>) -> (u64, String) {
        self.slash_faq_edited(member, sub, options, |_| {})
    }

    /// [`Harness::slash_faq`] with the interaction payload changed by `edit` before it is
    /// sent (e.g. member data Discord would not normally send).
    pub fn slash_faq_edited(
        &self,
        member: &Value,
        sub: &str,
        options: Vec<Value>,
        edit: impl FnOnce(&mut Value),
    ) -> (u64, String) {
        self.slash_edited(member, "faq", sub, options, edit)
    }

    /// `/faqmod <sub>` (the moderators' command) from `member`, the payload changed by
    /// `edit` before it is sent.
    pub fn slash_mod_edited(
        &self,
        member: &Value,
        sub: &str,
        options: Vec<Value>,
        edit: impl FnOnce(&mut Value),
    ) -> (u64, String) {
        self.slash_edited(member, "faqmod", sub, options, edit)
    }

    /// `/<command> <sub>` from `member` in [`OTHER_CHANNEL`], changed by `edit`.
    pub fn slash_edited(
        &self,
        member: &Value,
        command: &str,
        sub: &str,
        options: Vec<Value>,
        edit: impl FnOnce(&mut Value),
    ) -> (u64, String) {
        self.interact(|id, tok| {
            let mut interaction =
                payload::slash_command(id, OTHER_CHANNEL, member, tok, command, Some(sub), options);
            edit(&mut interaction);
            interaction
        })
    }

    /// `/faq ask question:` from `member`.
    pub fn slash_ask(&self, member: &Value, question: &str) -> (u64, String) {
        self.slash_faq(
            member,
            "ask",
            vec![payload::option("question", json!(question))],
        )
    }

    /// `/faq show entry:` from `member`.
    pub fn slash_show(&self, member: &Value, entry_id: &str) -> (u64, String) {
        self.slash_faq(
            member,
            "show",
            vec![payload::option("entry", json!(entry_id))],
        )
    }

    /// `/faqmod reload` from `member`.
    pub fn slash_reload(&self, member: &Value) -> (u64, String) {
        self.slash_mod_edited(member, "reload", vec![], |_| {})
    }

    /// Sends a member's message whose reply Discord rejects: the next REST call gets
    /// `fault`; waits until a call was answered with `status`. Returns the message.
    pub async fn say_rejected(
        &self,
        fault: Fault,
        status: u16,
        channel: u64,
        user: u64,
        content: &str,
    ) -> Value {
        let mark = self.standin.mark();
        self.standin.fail_next(1, fault);
        let msg = self.say(channel, user, content);
        self.request_since(mark, |r| r.status == status).await;
        msg
    }

    /// Every recorded reply to message `msg`, attempted or delivered.
    pub fn replies(&self, msg: &Value) -> Vec<Recorded> {
        let id = msg["id"].as_str().unwrap();
        self.standin
            .recorded()
            .into_iter()
            .filter(|r| replies_to(r, id))
            .collect()
    }

    /// Asserts that none of `msgs` got a reply; `why` says why none was due.
    #[track_caller]
    pub fn assert_unanswered(&self, msgs: &[&Value], why: &str) {
        for m in msgs {
            let replies = self.replies(m);
            assert!(
                replies.is_empty(),
                "answered {} despite {why}: {replies:?}",
                m["content"]
            );
        }
    }

    /// Waits for the first REST call at index `>= mark` matching `pred`.
    pub async fn request_since(&self, mark: usize, pred: impl Fn(&Recorded) -> bool) -> Recorded {
        self.standin
            .wait_for_request_since(mark, pred, WAIT)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Waits for a post in the moderators' log channel at index `>= mark` containing every
    /// needle.
    pub async fn log_post_since(&self, mark: usize, needles: &[&str]) -> Recorded {
        let wanted: Vec<String> = needles.iter().map(|s| s.to_string()).collect();
        self.standin
            .wait_for_request_since(
                mark,
                move |r| is_log_post(r) && wanted.iter().all(|n| r.text().contains(n.as_str())),
                WAIT,
            )
            .await
            .unwrap_or_else(|e| panic!("no log post with {needles:?}: {e}"))
    }

    /// The first post in the moderators' log channel containing every needle.
    pub async fn log_post(&self, needles: &[&str]) -> Recorded {
        self.log_post_since(0, needles).await
    }

    /// Waits until the gateway bookkeeping satisfies `cond` (`what` names it on timeout).
    pub async fn wait_gateway(
        &self,
        what: &str,
        cond: impl Fn(&GatewayStats) -> bool,
    ) -> GatewayStats {
        self.standin
            .wait_until(WAIT, what, |_, g| cond(g).then(|| g.clone()))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Asks the bot to shut down now (see [`Harness::stop`] for the checks).
    pub fn signal_shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }

    /// Shuts the bot down and waits until `run` returned; asserts it returned `Ok`.
    pub async fn wait_stopped(&mut self) {
        self.signal_shutdown();
        if let Some(bot) = self.bot.take() {
            let result = tokio::time::timeout(WAIT, bot)
                .await
                .expect("the bot did not stop within the wait")
                .expect("the bot task panicked");
            assert!(result.is_ok(), "the bot stopped with an error: {result:?}");
        }
    }

    /// Waits up to `timeout` for `run` to return by itself (no shutdown asked) and gives
    /// its result; `None` if it is still running.
    pub async fn exit(
        &mut self,
        timeout: Duration,
    ) -> Option<Result<(), medfaq::discord::DiscordError>> {
        let bot = self.bot.as_mut()?;
        let result = tokio::time::timeout(timeout, bot).await.ok()?;
        self.bot = None;
        Some(result.expect("the bot task panicked"))
    }

    /// Shuts the bot down and checks that it stopped cleanly; then checks every recorded
    /// payload for allowed mentions and the token.
    pub async fn stop(mut self) {
        self.wait_stopped().await;
        assert_safe_payloads(&self.standin.recorded());
        assert_no_violations(&self.standin);
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Whether `r` is a channel message replying to message `id`.
pub fn replies_to(r: &Recorded, id: &str) -> bool {
    r.is_channel_message()
        && r.body
            .as_ref()
            .and_then(|b| b.pointer("/message_reference/message_id"))
            .is_some_and(|m| {
                m.as_str() == Some(id) || m.as_u64().map(|n| n.to_string()).as_deref() == Some(id)
            })
}

/// Whether `r` is a post in the moderators' log channel.
pub fn is_log_post(r: &Recorded) -> bool {
    r.is_channel_message()
        && r.path
            .ends_with(&format!("/channels/{LOG_CHANNEL}/messages"))
}

/// Whether the message `r` sends is ephemeral (flag 64), for callbacks and follow-ups.
pub fn is_ephemeral(r: &Recorded) -> bool {
    r.message_body()
        .and_then(|m| m["flags"].as_u64())
        .is_some_and(|f| f & 64 != 0)
}

/// Appends `paragraph` to the end of the file at `path` (an entry's answer).
pub fn append_paragraph(path: &Path, paragraph: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, format!("{}\n\n{paragraph}\n", text.trim_end())).unwrap();
}

/// Every payload that puts content in a channel sets allowed mentions to none, and no
/// payload carries the token.
pub fn assert_safe_payloads(recorded: &[Recorded]) {
    let mut checked = 0;
    for r in recorded {
        if let Some(body) = &r.body {
            assert!(
                !body.to_string().contains(TOKEN),
                "the token leaked into {} {}",
                r.method,
                r.path
            );
        }
        if !r.sends_content() {
            continue;
        }
        checked += 1;
        let m = r.message_body().unwrap();
        let am = m
            .get("allowed_mentions")
            .unwrap_or_else(|| panic!("no allowed_mentions in {} {}: {m:#}", r.method, r.path));
        assert_eq!(
            am.get("parse"),
            Some(&json!([])),
            "{} {}: {am}",
            r.method,
            r.path
        );
        for key in ["users", "roles"] {
            let list = am.get(key);
            assert!(
                list.is_none() || list == Some(&json!([])),
                "{} {}: {am}",
                r.method,
                r.path
            );
        }
        assert_ne!(am.get("replied_user"), Some(&json!(true)), "{am}");
    }
    let _ = checked;
}

/// Nothing the bot sent broke Discord's rules (limits, shapes, interaction life cycle:
/// the stand-in answered those with Discord's error) or medfaq's allowed-mentions rule.
#[track_caller]
pub fn assert_no_violations(standin: &StandIn) {
    let v = standin.violations();
    assert!(
        v.is_empty(),
        "the bot sent {} payload(s) Discord or medfaq's rules refuse:\n{}",
        v.len(),
        v.iter()
            .map(|v| format!(
                "  #{} {} {} {:?}: {}",
                v.index, v.method, v.path, v.kind, v.detail
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// A member with no special permissions.
pub fn member(user: u64) -> Value {
    discord_standin::member(user, "member", &[], 0)
}

/// A moderator by role.
pub fn moderator(user: u64) -> Value {
    discord_standin::member(user, "moderator", &[MOD_ROLE], 0)
}

/// A member with the Manage Server permission.
pub fn manager(user: u64) -> Value {
    discord_standin::member(user, "manager", &[], MANAGE_GUILD)
}

/// The first embed of a message body.
pub fn embed(r: &Recorded) -> Value {
    r.message_body()
        .and_then(|m| m.pointer("/embeds/0"))
        .cloned()
        .unwrap_or_else(|| panic!("no embed in {} {}: {:?}", r.method, r.path, r.body))
}

/// Button `(label, custom_id)` pairs of a message body.
pub fn buttons(r: &Recorded) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(rows) = r
        .message_body()
        .and_then(|m| m.get("components"))
        .and_then(Value::as_array)
    {
        for row in rows {
            for c in row["components"].as_array().into_iter().flatten() {
                out.push((
                    c["label"].as_str().unwrap_or("").to_string(),
                    c["custom_id"].as_str().unwrap_or("").to_string(),
                ));
            }
        }
    }
    out
}
