//! Shards (issue 13): `serve` runs Discord's recommended shard count by default, or a
//! range of a fixed total (`[discord] shards`), with serenity's own sharding. The stand-in
//! routes each guild's events to the shard that owns it (`(guild_id >> 22) % total`) and
//! closes an IDENTIFY that needs more shards with 4011.

mod common;

use common::discord::*;
use discord_standin::{payload, Options, StandIn, GUILD_ID};
use medfaq::config::{Config, Shards, Token};
use serde_json::{json, Value};

/// Four guild ids, two owned by each of 2 shards.
fn guilds() -> Vec<u64> {
    let mut by_shard = [Vec::new(), Vec::new()];
    let mut g = GUILD_ID;
    while by_shard.iter().any(|v| v.len() < 2) {
        let shard = ((g >> 22) % 2) as usize;
        if by_shard[shard].len() < 2 {
            by_shard[shard].push(g);
        }
        g += 1 << 22;
    }
    by_shard.concat()
}

/// A stand-in recommending 2 shards, the bot in `guilds`.
async fn two_shard_standin(guilds: &[u64]) -> StandIn {
    StandIn::start_with(Options {
        recommended_shards: 2,
        guilds: guilds.to_vec(),
        ..Default::default()
    })
    .await
}

/// A running bot: its shutdown trigger and its result.
type Bot = (
    tokio::sync::oneshot::Sender<()>,
    tokio::sync::oneshot::Receiver<Result<(), medfaq::discord::DiscordError>>,
);

/// The bot's config against `standin` on the bundled FAQ, with `shards`.
fn bot_config(standin: &StandIn, shards: Shards) -> Config {
    init_logs();
    let mut config: Config = test_config(standin, &bundled_faq());
    no_cooldowns(&mut config);
    config.discord.shards = shards;
    // Every guild of the stand-in is served (by default only `guild_id` is).
    config.discord.servers = guilds();
    config
}

/// Starts the real bot against `standin` on the bundled FAQ, with `shards`.
fn start_bot(standin: &StandIn, shards: Shards) -> Bot {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let done = run_own_runtime(bot_config(standin, shards), async move {
        let _ = rx.await;
    });
    (tx, done)
}

/// Runs the bot with `config` until `shutdown`, in a runtime of its own ended as `medfaq
/// serve` ends it (`shutdown_timeout`), like a process of its own: a shard Discord
/// refuses leaves serenity's runner polling its closed socket without yielding
/// (`src/discord/gateway.rs`), which must not starve the test. Returns the bot's result.
fn run_own_runtime(
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> tokio::sync::oneshot::Receiver<Result<(), medfaq::discord::DiscordError>> {
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let result = runtime.block_on(medfaq::discord::run(config, Token::new(TOKEN), shutdown));
        runtime.shutdown_timeout(std::time::Duration::from_secs(1));
        let _ = done_tx.send(result);
    });
    done_rx
}

async fn stop_bot((tx, done): Bot) {
    let _ = tx.send(());
    let result = tokio::time::timeout(WAIT, done)
        .await
        .expect("the bot stops")
        .expect("the bot's thread ended without a result");
    assert!(result.is_ok(), "{result:?}");
}

fn question(standin: &StandIn, guild: u64, channel: u64, text: &str) -> Value {
    let id = standin.next_id();
    let mut msg = payload::message(
        id,
        channel,
        &payload::user(7_000 + id % 100, "m", false),
        text,
        &[],
    );
    msg["guild_id"] = json!(guild.to_string());
    standin.send_message(msg.clone());
    msg
}

/// A question the bot answers in a question channel.
fn answerable() -> String {
    let k = medfaq::knowledge::Knowledge::load(&bundled_faq(), Default::default()).unwrap();
    k.faq
        .entries
        .iter()
        .map(|e| e.question.clone())
        .find(|q| {
            medfaq::discord::trigger::reads_as_question(q)
                && matches!(
                    k.ask(q).outcome.decision,
                    medfaq::matcher::Decision::Answer(_)
                )
        })
        .unwrap()
}

async fn wait_shards(standin: &StandIn, want: &[[u64; 2]]) {
    standin
        .wait_until(WAIT, "every shard identified", |_, g| {
            want.iter()
                .all(|s| g.shards_identified.contains(s))
                .then_some(())
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_two_halves_answer_each_guild_exactly_once() {
    let guilds = guilds();
    let standin = two_shard_standin(&guilds).await;
    // Two bots as two processes would run them: shard 0 of 2 and shard 1 of 2.
    let a = start_bot(
        &standin,
        Shards::Range {
            total: 2,
            first: 0,
            last: 0,
        },
    );
    let b = start_bot(
        &standin,
        Shards::Range {
            total: 2,
            first: 1,
            last: 1,
        },
    );
    wait_shards(&standin, &[[0, 2], [1, 2]]).await;
    standin
        .wait_until(WAIT, "both bots registered commands", |calls, _| {
            (calls
                .iter()
                .filter(|r| r.method == "PUT" && r.path.ends_with("/commands"))
                .count()
                >= 2)
                .then_some(())
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Each READY listed only the guilds its shard owns.
    let text = answerable();
    let asked: Vec<Value> = guilds
        .iter()
        .map(|&g| question(&standin, g, QUESTION_CHANNEL, &text))
        .collect();
    for m in &asked {
        let id = m["id"].as_str().unwrap().to_string();
        standin
            .wait_for_request(move |r| replies_to(r, &id), WAIT)
            .await
            .unwrap_or_else(|e| panic!("guild {} got no answer: {e}", m["guild_id"]));
    }
    // Each process identified its own shard only: none twice, none outside 0..total
    // (serenity's range end is inclusive: `first..last` starts shard `last` too).
    // serenity starts a process's shards 5 s apart, so a shard too many shows within 8 s.
    let extra = standin
        .wait_until(
            std::time::Duration::from_secs(8),
            "an IDENTIFY beyond the two shards",
            |_, g| (g.identifies > 2 || !g.closes_sent.is_empty()).then(|| format!("{g:?}")),
        )
        .await;
    if let Ok(g) = extra {
        panic!("a process identified a shard that is not its own: {g}");
    }
    // Both bots drained: any duplicate would be recorded by now.
    stop_bot(a).await;
    stop_bot(b).await;
    let recorded = standin.recorded();
    for m in &asked {
        let id = m["id"].as_str().unwrap();
        let n = recorded.iter().filter(|r| replies_to(r, id)).count();
        assert_eq!(n, 1, "guild {} answered {n} times", m["guild_id"]);
    }
    assert_safe_payloads(&recorded);
    assert_no_violations(&standin);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_the_bot_runs_discords_recommended_shard_count() {
    let guilds = guilds();
    let standin = two_shard_standin(&guilds).await;
    let bot = start_bot(&standin, Shards::Recommended);
    wait_shards(&standin, &[[0, 2], [1, 2]]).await;
    assert!(
        standin
            .recorded()
            .iter()
            .any(|r| r.is("GET", "/gateway/bot")),
        "the recommended count comes from GET /gateway/bot"
    );
    wait_connected(&standin).await;
    // A guild of the second shard is answered by the same process.
    let m = question(&standin, guilds[3], QUESTION_CHANNEL_2, &answerable());
    let id = m["id"].as_str().unwrap().to_string();
    standin
        .wait_for_request(move |r| replies_to(r, &id), WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    stop_bot(bot).await;
}

/// Discord closes an IDENTIFY whose session would hold too many guilds with 4011; the
/// stand-in does too (`Options::min_shards`), and sends no READY. serenity 0.12 treats
/// 4010/4011 as a reason to reconnect, for ever; the bot's gateway watch notices the shard
/// never connects, learns the close code and stops with an error saying what to change.
///
/// The bot runs in a runtime of its own, ended as `medfaq serve` ends it
/// (`shutdown_timeout`): serenity's runner of the refused shard polls its closed socket
/// without yielding until its next heartbeat (the stand-in asks for one every 500 ms), and
/// a runtime waiting for it would not end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_few_shards_stop_the_bot_with_an_error_naming_the_setting() {
    let standin = StandIn::start_with(Options {
        min_shards: 2,
        heartbeat_interval: std::time::Duration::from_millis(500),
        ..Default::default()
    })
    .await;
    let config = bot_config(
        &standin,
        Shards::Range {
            total: 1,
            first: 0,
            last: 0,
        },
    );
    let done_rx = run_own_runtime(config, std::future::pending());
    let result = tokio::time::timeout(WAIT, done_rx)
        .await
        .expect("the bot kept retrying a shard Discord refuses (4011)")
        .expect("the bot's thread ended without a result");
    let error = result
        .expect_err("a 4011 close should stop the bot")
        .to_string();
    assert!(
        error.contains("4011") && error.contains("[discord] shards") && error.contains("total"),
        "the error should name the close and the setting to change: {error}"
    );
    let g = standin.gateway();
    assert!(g.closes_sent.contains(&4011), "{g:?}");
    assert!(
        g.closes_sent.iter().all(|&c| c == 4011),
        "only 4011 closes: {g:?}"
    );
    assert!(g.shards_identified.is_empty(), "no READY for it: {g:?}");
}

/// A shard that connects is never probed: the watch stays silent on a healthy gateway.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_shard_is_not_probed() {
    let standin = StandIn::start().await;
    let bot = start_bot(
        &standin,
        Shards::Range {
            total: 1,
            first: 0,
            last: 0,
        },
    );
    wait_connected(&standin).await;
    // Longer than the watch's stall limit (8 s): a probe would show as a second IDENTIFY.
    tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    let g = standin.gateway();
    assert_eq!(g.identifies, 1, "{g:?}");
    stop_bot(bot).await;
}
