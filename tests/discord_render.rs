//! The pure Discord-side pieces on the bundled FAQ: every entry's embed stays within
//! Discord's limits and carries its sources and the disclaimer; long answers are trimmed
//! with a pointer to `/faq show`; reload diffs name what changed.

use medfaq::discord::diff::FaqDiff;
use medfaq::discord::render::{self, limits, ButtonAction};
use medfaq::knowledge::Knowledge;
use medfaq::reply::{Body, Reply};

fn bundled() -> Knowledge {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("faq");
    Knowledge::load(&dir, Default::default()).expect("the bundled FAQ loads")
}

fn assert_within_limits(e: &render::EmbedText) {
    assert!(e.title.as_deref().unwrap_or("").chars().count() <= limits::EMBED_TITLE);
    assert!(
        e.description.chars().count() <= limits::EMBED_DESCRIPTION,
        "{}",
        e.description.len()
    );
    assert!(e.fields.len() <= limits::FIELDS);
    for (n, v) in &e.fields {
        assert!(n.chars().count() <= limits::FIELD_NAME);
        assert!(
            v.chars().count() <= limits::FIELD_VALUE,
            "{n}: {} chars",
            v.chars().count()
        );
    }
    assert!(e.footer.as_deref().unwrap_or("").chars().count() <= limits::FOOTER);
    assert!(
        e.total_chars() <= limits::EMBED_TOTAL,
        "{} chars in all",
        e.total_chars()
    );
}

#[test]
fn every_entry_renders_within_limits_with_sources_and_disclaimer() {
    let k = bundled();
    for entry in &k.faq.entries {
        let reply = Reply::for_entry(&k.faq, entry);
        let e = render::reply_embed(&reply);
        assert_within_limits(&e);
        assert_eq!(
            e.title.as_deref(),
            Some(entry.question.as_str()),
            "{}",
            entry.id
        );
        assert!(
            e.description
                .starts_with(entry.answer.chars().take(60).collect::<String>().as_str()),
            "{}",
            entry.id
        );
        let sources = e
            .fields
            .iter()
            .find(|(n, _)| n == "Sources")
            .expect("a Sources field");
        assert!(!sources.1.is_empty(), "{}", entry.id);
        assert_eq!(
            e.footer.as_deref(),
            Some(k.faq.disclaimer.as_str()),
            "{}",
            entry.id
        );
        assert!(!e.urgent);
        let share = render::share_button(&reply).expect("answers can be shared");
        assert_eq!(
            ButtonAction::parse(&share.custom_id),
            Some(ButtonAction::Share {
                id: entry.id.clone(),
                alert: None
            })
        );
    }
}

#[test]
fn a_huge_answer_is_trimmed_with_a_pointer_to_faq_show() {
    let k = bundled();
    let mut faq = k.faq.clone();
    faq.entries[0].answer = "Lots of words here. ".repeat(600);
    let id = faq.entries[0].id.clone();
    let reply = Reply::for_entry(&faq, &faq.entries[0]);
    let e = render::reply_embed(&reply);
    assert_within_limits(&e);
    assert!(
        e.description
            .ends_with(&format!("… (see more: /faq show {id})")),
        "{}",
        &e.description[e.description.len() - 80..]
    );
    assert_eq!(e.footer.as_deref(), Some(faq.disclaimer.as_str()));
}

#[test]
fn an_urgent_reply_puts_the_notice_on_top() {
    let k = bundled();
    let text = "my mom took a whole bottle of magnesium and now she can't breathe";
    let answered = k.ask(text);
    let Some(notice) = answered.reply.notice() else {
        panic!("precondition: {text:?} raises an alert");
    };
    let e = render::reply_embed(&answered.reply);
    assert!(e.urgent);
    let start: String = notice.chars().take(30).collect();
    assert!(
        e.description.find(&start).is_some_and(|i| i < 10),
        "{}",
        e.description
    );
    assert_eq!(e.footer.as_deref(), Some(k.faq.disclaimer.as_str()));
    assert_within_limits(&e);
    if let Body::Answer { .. } = answered.reply.body() {
        let share = render::share_button(&answered.reply).unwrap();
        match ButtonAction::parse(&share.custom_id) {
            Some(ButtonAction::Share { alert, .. }) => assert_eq!(alert, answered.alert),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn diff_names_added_removed_and_edited_entries() {
    let k = bundled();
    let old = k.faq.clone();
    let mut new = k.faq.clone();
    let removed = new.entries.remove(1).id;
    new.entries[0].answer.push_str(" More.");
    let edited = new.entries[0].id.clone();
    let mut added = new.entries[0].clone();
    added.id = "zzz-new-entry".to_string();
    new.entries.push(added);
    let d = FaqDiff::between(&old, &new);
    assert_eq!(d.added, vec!["zzz-new-entry".to_string()]);
    assert_eq!(d.removed, vec![removed]);
    assert_eq!(d.edited, vec![edited]);
    assert!(d.other.is_empty());
    assert!(FaqDiff::between(&old, &old).is_empty());
}

/// Outgoing builders are created only in `src/discord/respond.rs`, which sets allowed
/// mentions to none on each; a new call site elsewhere would bypass that.
#[test]
fn outgoing_builders_are_only_made_in_respond_rs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/discord");
    let banned = [
        "CreateMessage::new",
        "CreateMessage::default",
        "CreateInteractionResponseMessage::new",
        "CreateInteractionResponseMessage::default",
        "CreateInteractionResponseFollowup::new",
        "CreateInteractionResponseFollowup::default",
        "CreateReply::new",
        "CreateReply::default",
        "EditMessage::new",
        "EditInteractionResponse::new",
    ];
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        checked += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let is_respond = path.file_name().unwrap() == "respond.rs";
        for b in banned {
            let uses = text.matches(b).count();
            if is_respond {
                continue;
            }
            assert_eq!(
                uses,
                0,
                "{} builds `{b}` directly; use discord::respond",
                path.display()
            );
        }
        if is_respond {
            assert_eq!(
                text.matches(".allowed_mentions(no_mentions())").count(),
                5,
                "every builder in respond.rs sets allowed mentions to none"
            );
        }
    }
    assert!(
        checked >= 5,
        "found only {checked} files in {}",
        dir.display()
    );
}
