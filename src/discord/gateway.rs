//! Gateway closes no retry can fix, in an operator's words, and a watch for the ones
//! serenity retries for ever.
//!
//! serenity 0.12.5 stops the client on 4004, 4013 and 4014 (`ShardRunner::recv_event`),
//! but treats 4010 (invalid shard) and 4011 (sharding required) like any lost connection:
//! it identifies again, is closed again, and never stops or says so. Its shard runners
//! expose only their connection stage (`ShardManager::runners`), not the close code. So
//! [`watch`] looks for a shard that stays short of `Connected` for [`STALL`], then opens
//! one connection of its own to the gateway and identifies exactly as that shard does
//! ([`probe`]): if Discord closes it with a code in [`fatal_close`], the bot stops with
//! [`GatewayRefused`](super::DiscordError::GatewayRefused). A probe that gets READY (or no
//! answer: Discord unreachable) changes nothing; serenity keeps reconnecting, and the next
//! probe of that shard waits twice as long.
//!
//! serenity's runner of a refused shard cannot be stopped cleanly: after the close it
//! polls the ended socket without yielding until its next heartbeat is due, and its
//! `shutdown` waits on that socket for ever. So the bot does not shut it down; it
//! returns, and `medfaq serve` drops the runtime without waiting for serenity's tasks
//! (`shutdown_timeout`). Close codes: `discord/discord-api-docs`,
//! `developers/topics/opcodes-and-status-codes.mdx`, "Gateway Close Event Codes".

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use serenity::gateway::{ConnectionStage, ShardManager};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// How long a shard may stay short of `Connected` before the watch probes it. Discord
/// answers an IDENTIFY with READY within a second or two.
pub(crate) const STALL: Duration = Duration::from_secs(8);
/// How often the watch looks at the shards.
const TICK: Duration = Duration::from_secs(1);
/// Longest wait between two probes of one shard.
const MAX_BACKOFF: Duration = Duration::from_secs(600);
/// A probe gives up after this long (Discord unreachable: nothing learned).
const PROBE_TIMEOUT: Duration = Duration::from_secs(15);

/// For a gateway close code no retry can fix: its name and what the operator must change.
pub(crate) fn fatal_close(code: u16) -> Option<(&'static str, &'static str)> {
    Some(match code {
        4004 => (
            "authentication failed",
            "Discord refused the token: check DISCORD_TOKEN (Developer Portal, Bot, Reset Token)",
        ),
        4010 => (
            "invalid shard",
            "[discord] shards has a range outside 0..total: fix it, or remove [discord] \
             shards to run Discord's recommended count",
        ),
        4011 => (
            "sharding required",
            "the bot is in too many servers for this few shards: raise `total` in \
             [discord] shards (and give each process its part of the new range), or \
             remove [discord] shards to run Discord's recommended count",
        ),
        4012 => (
            "invalid API version",
            "this medfaq speaks a gateway version Discord no longer accepts: update medfaq",
        ),
        4013 => (
            "invalid intents",
            "medfaq asked for gateway intents Discord does not know: please report this bug",
        ),
        4014 => (
            "disallowed intents",
            "the privileged Message Content intent is not enabled for this application: \
             enable it in the Developer Portal (Bot -> Privileged Gateway Intents), or set \
             [discord] message_content = false (or leave it unset to decide from the \
             application's settings)",
        ),
        _ => return None,
    })
}

/// What the watch needs to identify as one of the bot's shards.
pub(crate) struct Identity {
    /// The gateway address serenity connects to (`GET /gateway`).
    pub ws_url: String,
    /// As serenity sends it (`Bot ...`).
    pub token: String,
    pub intents: u64,
    /// The shard total, when fixed by the config; else Discord's recommended count is
    /// read when a probe is due.
    pub total: Option<u32>,
}

/// Watches the shards of `manager` until one is refused with a [`fatal_close`] code;
/// returns that code. Runs until then (abort it when the bot stops).
pub(crate) async fn watch(
    manager: Arc<ShardManager>,
    http: Arc<serenity::http::Http>,
    identity: Identity,
) -> u16 {
    // Per shard: since when it is short of Connected, and when it may next be probed.
    let mut since: HashMap<u32, Instant> = HashMap::new();
    let mut next_probe: HashMap<u32, (Instant, Duration)> = HashMap::new();
    loop {
        tokio::time::sleep(TICK).await;
        let now = Instant::now();
        let due: Vec<u32> = {
            let runners = manager.runners.lock().await;
            for (id, info) in runners.iter() {
                if info.stage == ConnectionStage::Connected {
                    since.remove(&id.0);
                    next_probe.remove(&id.0);
                } else {
                    since.entry(id.0).or_insert(now);
                }
            }
            since
                .iter()
                .filter(|(id, t)| {
                    now - **t >= STALL && next_probe.get(id).is_none_or(|(at, _)| now >= *at)
                })
                .map(|(id, _)| *id)
                .collect()
        };
        for shard in due {
            let total = match identity.total {
                Some(t) => t,
                None => match http.get_bot_gateway().await {
                    Ok(g) => g.shards,
                    Err(_) => continue,
                },
            };
            tracing::warn!(
                shard,
                total,
                "gateway shard not connected after {STALL:?}: asking Discord why"
            );
            let verdict = probe(&identity, [shard, total]).await;
            if let Some(code) = verdict.filter(|c| fatal_close(*c).is_some()) {
                return code;
            }
            tracing::info!(
                shard,
                ?verdict,
                "the gateway accepts the shard; still waiting"
            );
            let backoff = next_probe
                .get(&shard)
                .map_or(STALL, |(_, b)| (*b * 2).min(MAX_BACKOFF));
            next_probe.insert(shard, (Instant::now() + backoff, backoff));
        }
    }
}

/// Connects to the gateway once and identifies as `shard` (`[id, total]`) with the bot's
/// intents: the close code if Discord closes the connection, `None` if it sends READY
/// (the probe then closes normally, ending that session) or cannot be reached.
pub(crate) async fn probe(identity: &Identity, shard: [u32; 2]) -> Option<u16> {
    let url = format!("{}?v=10&encoding=json", identity.ws_url);
    let attempt = async {
        let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.ok()?;
        // HELLO first; then IDENTIFY as serenity sends it (token, intents, shard).
        let identify = json!({ "op": 2, "d": {
            "token": identity.token,
            "intents": identity.intents,
            "shard": shard,
            "properties": { "os": std::env::consts::OS, "browser": "medfaq", "device": "medfaq" },
        } });
        let mut identified = false;
        while let Some(frame) = ws.next().await {
            match frame.ok()? {
                Message::Text(text) => {
                    let v: Value = serde_json::from_str(&text).ok()?;
                    match v["op"].as_u64() {
                        Some(10) if !identified => {
                            identified = true;
                            ws.send(Message::Text(identify.to_string())).await.ok()?;
                        }
                        Some(0) if v["t"] == "READY" => {
                            let _ = ws.close(None).await;
                            return None;
                        }
                        // INVALID_SESSION: e.g. identifying too fast; nothing learned.
                        Some(9) => return None,
                        _ => {}
                    }
                }
                Message::Close(frame) => return frame.map(|f| u16::from(f.code)),
                _ => {}
            }
        }
        None
    };
    tokio::time::timeout(PROBE_TIMEOUT, attempt)
        .await
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_closes_no_retry_can_fix_are_fatal_and_each_says_what_to_change() {
        for code in [4004, 4010, 4011, 4012, 4013, 4014] {
            let (name, advice) = fatal_close(code).unwrap_or_else(|| panic!("{code}"));
            assert!(!name.is_empty() && advice.len() > 30, "{code}: {advice}");
        }
        // Resumable or transient: serenity reconnects, rightly.
        for code in [1000, 1001, 4000, 4001, 4002, 4003, 4005, 4007, 4008, 4009] {
            assert!(fatal_close(code).is_none(), "{code}");
        }
        assert!(fatal_close(4011).unwrap().1.contains("[discord] shards"));
    }
}
