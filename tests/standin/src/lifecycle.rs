//! What Discord refuses, per route: payload limits and shapes ([`crate::validate`]), the
//! interaction life cycle (respond within 3 s, once; follow-ups only after a response),
//! and medfaq's allowed-mentions rule, recorded as a [`Violation`] so tests can assert it.
//!
//! Interaction rules (`discord/discord-api-docs`, `developers/interactions/
//! receiving-and-responding.mdx`, "Responding to an Interaction": "you must send an
//! initial response within 3 seconds of receiving the event. If the 3 second deadline is
//! exceeded, the token will be invalidated"; codes from `developers/topics/
//! opcodes-and-status-codes.mdx`):
//! - a callback for an interaction never dispatched, or after the deadline: 404, 10062
//!   "Unknown interaction";
//! - a second callback: 400, 40060 "Interaction has already been acknowledged";
//! - a follow-up or an edit of `@original` before any callback: 404, 10015 "Unknown
//!   Webhook" (the interaction webhook exists only once the interaction is answered);
//! - a callback type the interaction does not take (autocomplete result for a command,
//!   message update for a slash command...): 400, 50035 at `type`.
//!
//! The deadline runs on the stand-in's clock: real time plus whatever a test added with
//! [`crate::StandIn::advance_clock`], so a late answer is tested without waiting 3 s.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::validate::{self, callback, MessageRoute, Rejection};

/// Discord's deadline for the first response to an interaction.
pub const INTERACTION_DEADLINE: Duration = Duration::from_secs(3);

/// A payload the bot sent that breaks a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// Index of the REST call in [`crate::StandIn::recorded`].
    pub index: usize,
    pub method: String,
    pub path: String,
    pub kind: ViolationKind,
    /// What was wrong (for a rejection: the code and every error path).
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationKind {
    /// Discord refuses it: the stand-in answered with Discord's error (400 50035 / 50006,
    /// 10062, 40060, 10015).
    Refused,
    /// Discord accepts it, but medfaq's rules do not (allowed mentions not none). The
    /// stand-in answered normally.
    Policy,
}

/// The outcome of checking one REST call against the rules.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Answer with this instead of the route's normal answer.
    pub rejection: Option<Rejection>,
    /// medfaq policy breach (answered normally).
    pub policy: Option<String>,
}

struct Interaction {
    dispatched: Instant,
    /// Interaction type (2 command, 3 component, 4 autocomplete, 5 modal submit).
    kind: u64,
    acknowledged: bool,
}

/// Interaction bookkeeping and the stand-in's clock.
pub struct Rules {
    deadline: Duration,
    offset: Mutex<Duration>,
    interactions: Mutex<HashMap<String, Interaction>>,
}

impl Rules {
    pub fn new(deadline: Duration) -> Rules {
        Rules {
            deadline,
            offset: Mutex::new(Duration::ZERO),
            interactions: Mutex::new(HashMap::new()),
        }
    }

    /// The stand-in's clock: real time plus [`Rules::advance`].
    pub fn now(&self) -> Instant {
        Instant::now() + *self.offset.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap_or_else(|p| p.into_inner()) += by;
    }

    /// Starts the clock of an interaction (`INTERACTION_CREATE` `d`) being dispatched.
    pub fn open_interaction(&self, d: &Value) {
        let Some(token) = d.get("token").and_then(Value::as_str) else {
            return;
        };
        let kind = d.get("type").and_then(Value::as_u64).unwrap_or(0);
        let now = self.now();
        self.interactions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                token.to_string(),
                Interaction {
                    dispatched: now,
                    kind,
                    acknowledged: false,
                },
            );
    }

    /// Checks one REST call (path split after `/api/v10/`) and updates the interaction
    /// state when it is accepted.
    pub fn check(&self, method: &str, parts: &[&str], body: Option<&Value>) -> Verdict {
        let empty = Value::Null;
        let body = body.unwrap_or(&empty);
        let mut verdict = Verdict::default();
        let message_route = match (method, parts) {
            ("POST", ["channels", _, "messages"]) => Some(MessageRoute::Create),
            ("PATCH", ["channels", _, "messages", _]) => Some(MessageRoute::Edit),
            ("POST", ["webhooks", _, token]) => {
                if let Some(r) = self.require_answered(token) {
                    verdict.rejection = Some(r);
                    return verdict;
                }
                Some(MessageRoute::InteractionCreate)
            }
            ("PATCH", ["webhooks", _, token, "messages", _])
            | ("GET", ["webhooks", _, token, "messages", _])
            | ("DELETE", ["webhooks", _, token, "messages", _]) => {
                if let Some(r) = self.require_answered(token) {
                    verdict.rejection = Some(r);
                    return verdict;
                }
                (method == "PATCH").then_some(MessageRoute::InteractionEdit)
            }
            ("POST", ["interactions", _, token, "callback"]) => {
                return self.callback(token, body);
            }
            ("PUT", ["applications", _, "commands"])
            | ("PUT", ["applications", _, "guilds", _, "commands"]) => {
                verdict.rejection = validate::commands(body).err();
                return verdict;
            }
            _ => None,
        };
        if let Some(route) = message_route {
            verdict.rejection = validate::message(body, route).err();
            if verdict.rejection.is_none() && sends_message(body) {
                verdict.policy = validate::mention_policy(body);
            }
        }
        verdict
    }

    fn require_answered(&self, token: &str) -> Option<Rejection> {
        let map = self.interactions.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(token) {
            Some(i) if i.acknowledged => None,
            _ => Some(Rejection::plain(404, 10015, "Unknown Webhook")),
        }
    }

    fn callback(&self, token: &str, body: &Value) -> Verdict {
        let mut verdict = Verdict::default();
        let now = self.now();
        let mut map = self.interactions.lock().unwrap_or_else(|p| p.into_inner());
        let Some(interaction) = map.get_mut(token) else {
            verdict.rejection = Some(Rejection::plain(404, 10062, "Unknown interaction"));
            return verdict;
        };
        if now.saturating_duration_since(interaction.dispatched) > self.deadline {
            verdict.rejection = Some(Rejection::plain(404, 10062, "Unknown interaction"));
            return verdict;
        }
        if interaction.acknowledged {
            verdict.rejection = Some(Rejection::plain(
                400,
                40060,
                "Interaction has already been acknowledged",
            ));
            return verdict;
        }
        let kind = body.get("type").and_then(Value::as_u64).unwrap_or(0);
        // Which callback types each interaction type takes (`receiving-and-responding.mdx`,
        // "Interaction Callback Type": 6 and 7 "for components", 8 for autocomplete).
        let fits = match interaction.kind {
            2 => matches!(
                kind,
                callback::CHANNEL_MESSAGE | callback::DEFERRED_CHANNEL_MESSAGE | callback::MODAL
            ),
            3 => matches!(
                kind,
                callback::CHANNEL_MESSAGE
                    | callback::DEFERRED_CHANNEL_MESSAGE
                    | callback::DEFERRED_UPDATE_MESSAGE
                    | callback::UPDATE_MESSAGE
                    | callback::MODAL
            ),
            4 => kind == callback::AUTOCOMPLETE_RESULT,
            5 => matches!(
                kind,
                callback::CHANNEL_MESSAGE
                    | callback::DEFERRED_CHANNEL_MESSAGE
                    | callback::DEFERRED_UPDATE_MESSAGE
                    | callback::UPDATE_MESSAGE
            ),
            _ => true,
        };
        if !fits {
            let mut e = validate::FormErrors::default();
            e.add(
                &["type".to_string()],
                "INTERACTION_CALLBACK_TYPE_INVALID",
                format!(
                    "Callback type {kind} is not valid for interaction type {}",
                    interaction.kind
                ),
            );
            verdict.rejection = e.finish().err();
            return verdict;
        }
        verdict.rejection = validate::interaction_callback(body).err();
        if verdict.rejection.is_none() {
            interaction.acknowledged = true;
            if matches!(kind, callback::CHANNEL_MESSAGE | callback::UPDATE_MESSAGE) {
                let data = body.get("data").cloned().unwrap_or(Value::Null);
                verdict.policy = validate::mention_policy(&data);
            }
        }
        verdict
    }
}

/// Whether a message body puts text or components in front of members (an edit that only
/// changes flags, say, needs no allowed mentions).
fn sends_message(body: &Value) -> bool {
    let non_empty = |k: &str| match body.get(k) {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        _ => false,
    };
    non_empty("content") || non_empty("embeds") || non_empty("components")
}
