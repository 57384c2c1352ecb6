//! What of a question may be stored, and the keyed hash that stands in for members.
//! Pure: the rules are tested here with plain literals.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{Asked, DecisionKind, EventRow, Key, Via};
use crate::matcher::Decision;
use crate::safety::Alert;

/// Hex HMAC-SHA256 of `message` under `key`.
///
/// ```
/// use medfaq::insights::{privacy::keyed_hash, Key};
/// let a = keyed_hash(&Key::new("k1"), "vote:42:abc");
/// assert_eq!(a.len(), 64);
/// assert_eq!(a, keyed_hash(&Key::new("k1"), "vote:42:abc"));
/// assert_ne!(a, keyed_hash(&Key::new("k2"), "vote:42:abc"));
/// ```
pub fn keyed_hash(key: &Key, message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.bytes()).expect("HMAC takes any key length");
    mac.update(message.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether the text of a question may be stored: only when the server opted in, never
/// for DMs, never for emergency or crisis messages.
pub fn may_keep_text(keep_text: bool, via: Via, alert: Option<Alert>) -> bool {
    keep_text && via != Via::Dm && alert.is_none()
}

/// The event row for a question: the decision, candidates and alert as `knowledge`
/// sees it, and the scrubbed text where [`may_keep_text`] allows. `None` when the
/// question is not to be recorded (`only_if_urgent` and no alert).
pub fn event_row(asked: &Asked, keep_text: bool) -> Option<EventRow> {
    let answered = asked.knowledge.ask(&asked.text);
    if asked.only_if_urgent && answered.alert.is_none() {
        return None;
    }
    Some(row_from(asked, answered, keep_text))
}

fn row_from(asked: &Asked, answered: crate::knowledge::Answered, keep_text: bool) -> EventRow {
    let decision = match answered.outcome.decision {
        Decision::Answer(_) => DecisionKind::Answer,
        Decision::Suggest(_) => DecisionKind::Suggest,
        Decision::None => DecisionKind::None,
    };
    let alert = answered.alert.map(|a| match a {
        Alert::Emergency => "emergency",
        Alert::Crisis => "crisis",
    });
    let text = may_keep_text(keep_text, asked.via, answered.alert)
        .then(|| super::scrub::scrub(&asked.text))
        .filter(|t| !t.is_empty());
    EventRow {
        key: asked.key.clone(),
        at: asked.at,
        guild: asked.guild,
        via: asked.via,
        decision,
        alert,
        candidates: answered
            .outcome
            .candidates
            .iter()
            .map(|m| (m.id.clone(), m.score))
            .collect(),
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Knowledge;
    use std::sync::Arc;

    fn knowledge() -> Arc<Knowledge> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");
        Arc::new(Knowledge::load(&dir, Default::default()).expect("bundled faq"))
    }

    fn asked(k: &Arc<Knowledge>, via: Via, text: &str) -> Asked {
        Asked {
            key: "k".into(),
            at: 1,
            guild: Some(7),
            via,
            text: text.into(),
            knowledge: k.clone(),
            only_if_urgent: false,
        }
    }

    #[test]
    fn text_is_kept_only_when_allowed() {
        let k = knowledge();
        let q = "how do I renew a parking permit? write to me at ann@example.org";
        let row = event_row(&asked(&k, Via::Mention, q), true).unwrap();
        assert_eq!(
            row.text.as_deref(),
            Some("how do I renew a parking permit? write to me at [email]")
        );
        assert_eq!(row.decision, DecisionKind::None);
        assert_eq!(
            event_row(&asked(&k, Via::Mention, q), false).unwrap().text,
            None
        );
        assert_eq!(event_row(&asked(&k, Via::Dm, q), true).unwrap().text, None);
        let urgent = "my dad has crushing chest pain and cant breathe, what do i do";
        let row = event_row(&asked(&k, Via::Question, urgent), true).unwrap();
        assert_eq!(row.alert, Some("emergency"), "{row:?}");
        assert_eq!(row.text, None, "emergency text stored: {row:?}");
    }

    #[test]
    fn only_if_urgent_skips_calm_messages() {
        let k = knowledge();
        let mut a = asked(&k, Via::Question, "good morning everyone");
        a.only_if_urgent = true;
        assert_eq!(event_row(&a, true), None);
        a.text = "my dad has crushing chest pain and cant breathe".into();
        assert!(event_row(&a, true).is_some());
    }
}
