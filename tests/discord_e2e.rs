//! End to end: the real medfaq bot, unmodified, against the loopback Discord stand-in
//! (`tests/standin`). Each test starts its own stand-in and bot on a temporary copy of
//! `faq/`, drives it with gateway events, and asserts on the REST calls it made. Every
//! test ends with `Harness::stop`, which checks a clean shutdown and that every recorded
//! payload sets allowed mentions to none and never carries the token.

mod common;

use common::discord::*;
use discord_standin::{payload, Recorded, APPLICATION_ID, BOT_USER_ID, GUILD_ID};
use medfaq::reply::Body;
use serde_json::{json, Value};

const KNOWN: &str = "Can I take magnesium after back surgery?";
const KNOWN_ID: &str = "after-back-surgery";
const DISCLAIMER_PART: &str = "should not replace professional medical advice";

/// The answer the bot must give to `question`, from the test's own load of the FAQ.
fn expected(h: &Harness, question: &str) -> (String, String, Vec<String>, String) {
    let answered = h.knowledge().ask(question);
    match answered.reply.body() {
        Body::Answer {
            id,
            question,
            answer,
            sources,
            ..
        } => (
            id.clone(),
            question.clone(),
            sources.iter().map(|s| s.title.clone()).collect(),
            answer.chars().take(80).collect(),
        ),
        other => panic!("precondition: {question:?} should be answered, got {other:?}"),
    }
}

/// Asserts that an answer embed carries the entry's question, answer, sources and the
/// disclaimer.
fn assert_answer(r: &Recorded, h: &Harness, question: &str) {
    let (id, title, sources, answer_start) = expected(h, question);
    let e = embed(r);
    assert_eq!(e["title"], json!(title), "entry {id}: {e:#}");
    let description = e["description"].as_str().unwrap_or("");
    assert!(description.contains(&answer_start), "answer missing: {e:#}");
    let fields = e["fields"].as_array().cloned().unwrap_or_default();
    let src = fields
        .iter()
        .find(|f| f["name"] == "Sources")
        .unwrap_or_else(|| panic!("no Sources field: {e:#}"));
    for s in &sources {
        assert!(
            src["value"].as_str().unwrap().contains(s.as_str()),
            "source {s:?} missing: {src}"
        );
    }
    let footer = e
        .pointer("/footer/text")
        .and_then(Value::as_str)
        .unwrap_or("");
    assert!(
        footer.contains(DISCLAIMER_PART),
        "disclaimer missing: {e:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connects_identifies_and_registers_commands_in_the_guild() {
    let h = Harness::start(|_| {}).await;
    let g = h.standin.gateway();
    assert_eq!(
        g.last_token,
        Some(format!("Bot {TOKEN}")),
        "the token from the caller is used"
    );
    let identify = g.last_identify.clone().unwrap();
    let intents = identify["intents"].as_u64().unwrap();
    assert_ne!(
        intents & (1 << 15),
        0,
        "MESSAGE_CONTENT intent missing: {intents}"
    );
    assert_ne!(
        intents & (1 << 9),
        0,
        "GUILD_MESSAGES intent missing: {intents}"
    );
    let path = format!("/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands");
    let put = h
        .standin
        .wait_for_request(|r| r.is("PUT", &path), WAIT)
        .await
        .unwrap();
    let cmds = put.body.clone().unwrap();
    let faq = cmds
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "faq")
        .unwrap_or_else(|| panic!("no /faq: {cmds:#}"));
    let subs: Vec<&str> = faq["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(subs, ["ask", "show", "list"], "reload is /faqmod's");
    let show = &faq["options"][1];
    assert_eq!(show["options"][0]["name"], "entry");
    assert_eq!(show["options"][0]["autocomplete"], true);
    assert!(
        cmds.as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "Find FAQ answer" && c["type"] == 3),
        "no message context menu: {cmds:#}"
    );
    // nothing registered globally when a guild is configured
    assert!(!h
        .standin
        .recorded()
        .iter()
        .any(|r| r.is("PUT", &format!("/applications/{APPLICATION_ID}/commands"))));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_in_a_question_channel_gets_answer_sources_and_disclaimer() {
    let h = Harness::start(|_| {}).await;
    let msg = h.say(QUESTION_CHANNEL, 11, KNOWN);
    let r = h.reply_to(&msg).await;
    assert!(r.path.contains(&QUESTION_CHANNEL.to_string()));
    assert_answer(&r, &h, KNOWN);
    assert_eq!(expected(&h, KNOWN).0, KNOWN_ID);
    let am = &r.body.as_ref().unwrap()["allowed_mentions"];
    assert_eq!(am["parse"], json!([]), "{am}");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_from_bots_and_from_itself_are_ignored() {
    let h = Harness::start(|_| {}).await;
    let other_bot = payload::user(55, "otherbot", true);
    let from_bot = payload::message(
        h.standin.next_id(),
        QUESTION_CHANNEL,
        &other_bot,
        KNOWN,
        &[],
    );
    h.standin.send_message(from_bot.clone());
    // its own user, even without the bot flag: recognized by id
    let me = payload::user(BOT_USER_ID, discord_standin::BOT_NAME, false);
    let from_self = payload::message(h.standin.next_id(), QUESTION_CHANNEL, &me, KNOWN, &[]);
    h.standin.send_message(from_self.clone());
    // A member's question afterwards is answered: the events before it were processed.
    let sentinel = h.say(QUESTION_CHANNEL_2, 12, KNOWN);
    h.reply_to(&sentinel).await;
    h.assert_unanswered(&[&from_bot, &from_self], "coming from a bot");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cooldowns_suppress_a_second_quick_answer() {
    // windows far longer than a slow CI machine needs between these messages
    let h = Harness::start(|c| {
        c.discord.cooldowns.per_user = std::time::Duration::from_secs(600);
        c.discord.cooldowns.per_channel = std::time::Duration::from_secs(600);
    })
    .await;
    // user 21 is answered...
    let first = h.say(QUESTION_CHANNEL, 21, KNOWN);
    h.reply_to(&first).await;
    // ...then asks again at once, elsewhere: per-user cooldown
    let again = h.say(
        QUESTION_CHANNEL_2,
        21,
        "Is magnesium safe if I have kidney problems?",
    );
    // someone else in the first channel at once: per-channel cooldown
    let busy_channel = h.say(
        QUESTION_CHANNEL,
        22,
        "Is magnesium safe if I have kidney problems?",
    );
    // a third member in the second channel is answered (nothing recorded for the held ones)
    let sentinel = h.say(
        QUESTION_CHANNEL_2,
        23,
        "Is magnesium safe if I have kidney problems?",
    );
    h.reply_to(&sentinel).await;
    h.assert_unanswered(&[&again, &busy_channel], "the cooldown");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_entry_is_not_answered_twice_in_a_channel_within_the_window() {
    let h = Harness::start(|c| {
        c.discord.cooldowns.per_user = std::time::Duration::ZERO;
        c.discord.cooldowns.per_channel = std::time::Duration::ZERO;
    })
    .await;
    let first = h.say(QUESTION_CHANNEL, 31, KNOWN);
    h.reply_to(&first).await;
    let repeat = h.say(QUESTION_CHANNEL, 32, KNOWN);
    let other = h.say(
        QUESTION_CHANNEL,
        33,
        "Is magnesium safe if I have kidney problems?",
    );
    h.reply_to(&other).await;
    h.assert_unanswered(&[&repeat], "the same-entry window");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_with_no_match_says_so_and_a_question_channel_stays_silent() {
    let h = Harness::start(|_| {}).await;
    let silent = h.say(
        QUESTION_CHANNEL,
        41,
        "what's the weather like on mars today?",
    );
    let asked = h.say(
        OTHER_CHANNEL,
        42,
        &format!("<@{BOT_USER_ID}> what's the weather like on mars today?"),
    );
    let r = h.reply_to(&asked).await;
    let e = embed(&r);
    assert!(
        e["description"]
            .as_str()
            .unwrap()
            .contains("I don't have an answer"),
        "{e:#}"
    );
    assert!(e
        .pointer("/footer/text")
        .unwrap()
        .as_str()
        .unwrap()
        .contains(DISCLAIMER_PART));
    // a statement in a question channel and a message elsewhere without a mention: silent
    let statement = h.say(
        QUESTION_CHANNEL_2,
        43,
        "thanks everyone, feeling better today",
    );
    let elsewhere = h.say(OTHER_CHANNEL, 44, KNOWN);
    let sentinel = h.say(QUESTION_CHANNEL_2, 45, KNOWN);
    h.reply_to(&sentinel).await;
    h.assert_unanswered(&[&silent, &statement, &elsewhere], "no match or no mention");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mentioning_the_bot_anywhere_gets_an_answer_and_pings_nobody() {
    let h = Harness::start(|_| {}).await;
    let msg = h.say(
        OTHER_CHANNEL,
        51,
        &format!("<@{BOT_USER_ID}> @everyone <@123> {KNOWN}"),
    );
    let r = h.reply_to(&msg).await;
    assert_answer(&r, &h, KNOWN);
    let am = &r.body.as_ref().unwrap()["allowed_mentions"];
    assert_eq!(am["parse"], json!([]));
    assert_eq!(am["replied_user"], json!(false));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slash_ask_is_ephemeral_with_a_button_that_posts_it_publicly() {
    let h = Harness::start(|_| {}).await;
    let (id, _) = h.slash_ask(&member(61), KNOWN);
    let r = h.callback(id).await;
    let body = r.body.clone().unwrap();
    assert_eq!(body["type"], 4, "{body:#}");
    assert!(is_ephemeral(&r), "not ephemeral: {body:#}");
    assert_answer(&r, &h, KNOWN);
    let share = buttons(&r)
        .into_iter()
        .find(|(label, _)| label == "Post in channel")
        .unwrap_or_else(|| panic!("no share button: {body:#}"));
    // press it
    let carrier = h.standin.message_of(&r, OTHER_CHANNEL);
    let press = h.press(OTHER_CHANNEL, &member(61), &share.1, &carrier);
    let posted = h.callback(press).await;
    let body = posted.body.clone().unwrap();
    assert_eq!(body["type"], 4, "{body:#}");
    assert!(!is_ephemeral(&posted), "still ephemeral: {body:#}");
    assert_answer(&posted, &h, KNOWN);
    assert!(
        buttons(&posted).is_empty(),
        "a public post needs no share button"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_by_default_makes_faq_replies_public() {
    let h = Harness::start(|c| c.discord.public_by_default = true).await;
    let (id, _) = h.slash_ask(&member(71), KNOWN);
    let r = h.callback(id).await;
    let body = r.body.clone().unwrap();
    assert!(!is_ephemeral(&r), "{body:#}");
    assert!(
        !buttons(&r)
            .iter()
            .any(|(label, _)| label == "Post in channel"),
        "{body:#}"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_autocomplete_offers_at_most_25_entries_by_id() {
    let h = Harness::start(|_| {}).await;
    let faq = h.knowledge().faq;
    for partial in ["magn", "", "migraine", "zzzz-no-such-thing"] {
        let (id, _) = h.interact(|id, tok| {
            payload::autocomplete(
                id,
                OTHER_CHANNEL,
                &member(81),
                tok,
                "faq",
                Some("show"),
                "entry",
                partial,
            )
        });
        let r = h.callback(id).await;
        let body = r.body.clone().unwrap();
        assert_eq!(body["type"], 8, "{body:#}");
        let choices = body["data"]["choices"].as_array().unwrap();
        assert!(choices.len() <= 25, "{} choices", choices.len());
        for c in choices {
            assert!(c["name"].as_str().unwrap().chars().count() <= 100, "{c}");
            assert!(
                faq.entry(c["value"].as_str().unwrap()).is_some(),
                "not an entry id: {c}"
            );
        }
        if partial == "magn" || partial == "migraine" {
            assert!(!choices.is_empty(), "no choices for {partial:?}");
        }
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_by_id_answers_ephemerally() {
    let h = Harness::start(|_| {}).await;
    let (id, _) = h.slash_show(&member(82), KNOWN_ID);
    let r = h.callback(id).await;
    assert!(is_ephemeral(&r), "{:?}", r.body);
    assert_answer(&r, &h, KNOWN);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suggestion_button_reveals_that_answer_ephemerally() {
    let h = Harness::start(|_| {}).await;
    let carrier = payload::message_from_body(
        h.standin.next_id(),
        QUESTION_CHANNEL,
        &payload::bot_user(),
        &json!({ "content": "Did you mean…?" }),
    );
    let id = h.press(
        QUESTION_CHANNEL,
        &member(83),
        &format!("medfaq:show:{KNOWN_ID}"),
        &carrier,
    );
    let r = h.callback(id).await;
    assert!(is_ephemeral(&r), "{:?}", r.body);
    assert_answer(&r, &h, KNOWN);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_faq_answer_on_a_message_answers_its_text() {
    let h = Harness::start(|_| {}).await;
    let target = payload::message(
        h.standin.next_id(),
        OTHER_CHANNEL,
        &payload::user(91, "asker", false),
        KNOWN,
        &[],
    );
    let (id, _) = h.interact(|id, tok| {
        payload::message_command(
            id,
            OTHER_CHANNEL,
            &member(92),
            tok,
            "Find FAQ answer",
            &target,
        )
    });
    let r = h.callback(id).await;
    assert_answer(&r, &h, KNOWN);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faq_list_pages_with_buttons() {
    let h = Harness::start(|_| {}).await;
    let total = h.knowledge().faq.entries.len();
    let pages = total.div_ceil(15);
    let (id, _) = h.slash_faq(&member(93), "list", vec![]);
    let r = h.callback(id).await;
    let e = embed(&r);
    let footer = e
        .pointer("/footer/text")
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    assert!(footer.starts_with(&format!("Page 1/{pages}")), "{footer}");
    if pages > 1 {
        let next = buttons(&r)
            .into_iter()
            .find(|(l, _)| l.starts_with("Next"))
            .expect("a Next button");
        let carrier = h.standin.message_of(&r, OTHER_CHANNEL);
        let press = h.press(OTHER_CHANNEL, &member(93), &next.1, &carrier);
        let r2 = h.callback(press).await;
        assert_eq!(
            r2.body.as_ref().unwrap()["type"],
            7,
            "update the message in place"
        );
        let footer = embed(&r2)["footer"]["text"].as_str().unwrap().to_string();
        assert!(footer.starts_with(&format!("Page 2/{pages}")), "{footer}");
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_is_refused_for_a_non_moderator() {
    let h = Harness::start(|_| {}).await;
    let mark = h.standin.mark();
    let (id, _) = h.slash_reload(&member(101));
    let r = h.callback(id).await;
    let body = r.body.clone().unwrap();
    assert_eq!(body["type"], 4, "{body:#}");
    assert!(is_ephemeral(&r), "{body:#}");
    assert!(r.text().contains("Only moderators"), "{body:#}");
    // nothing was reported to the log channel
    let log = format!("/channels/{LOG_CHANNEL}/messages");
    assert!(!h.standin.recorded()[mark..]
        .iter()
        .any(|r| r.path.ends_with(&log)));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_by_a_moderator_reports_a_good_edit() {
    let h = Harness::start(|_| {}).await;
    let entries = h.faq_dir.join("entries");
    append_paragraph(
        &entries.join(format!("{KNOWN_ID}.md")),
        "Edited by the test.",
    );
    std::fs::write(
        entries.join("zebra-test.md"),
        "+++\nquestion = \"Zebra test entry: can a zebra take magnesium?\"\n\
         alternates = [\"do zebras need magnesium supplements\"]\ntopic = \"basics\"\n\
         sources = [{ source = \"back-surgery-guide\", section = \"Quick Summary\" }]\n+++\n\
         A test answer about zebras.\n",
    )
    .unwrap();
    std::fs::remove_file(entries.join("oxide.md")).unwrap();

    let (id, token) = h.slash_reload(&moderator(102));
    let r = h.callback(id).await;
    assert_eq!(r.body.as_ref().unwrap()["type"], 5, "deferred first");
    let f = h.followup_containing(&token, "FAQ reloaded").await;
    let text = f.text();
    assert!(
        text.contains(&format!("Edited (1): `{KNOWN_ID}`")),
        "{text}"
    );
    assert!(text.contains("Added (1): `zebra-test`"), "{text}");
    assert!(text.contains("Removed (1): `oxide`"), "{text}");
    // the moderators' log channel got the report
    h.log_post(&["zebra-test"]).await;
    // and the new FAQ is served
    let (id, _) = h.slash_show(&member(103), KNOWN_ID);
    let r = h.callback(id).await;
    assert!(embed(&r)["description"]
        .as_str()
        .unwrap()
        .contains("Edited by the test."));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_after_a_bad_edit_lists_every_error_and_keeps_the_old_faq() {
    let h = Harness::start(|_| {}).await;
    let entries = h.faq_dir.join("entries");
    std::fs::write(
        entries.join("broken-one.md"),
        "+++\nqestion = \"typo in the key\"\nsources = []\n+++\n\n",
    )
    .unwrap();
    std::fs::write(entries.join("broken-two.md"), "no front matter at all\n").unwrap();
    let (id, token) = h.slash_reload(&manager(111));
    h.callback(id).await;
    let f = h.followup_containing(&token, "NOT reloaded").await;
    let text = f.text();
    assert!(text.contains("broken-one.md"), "{text}");
    assert!(text.contains("broken-two.md"), "{text}");
    assert!(text.contains("previous FAQ"), "{text}");
    h.log_post(&["broken-one.md"]).await;
    // the old FAQ still answers
    let msg = h.say(QUESTION_CHANNEL, 112, KNOWN);
    let r = h.reply_to(&msg).await;
    assert_eq!(embed(&r)["title"], json!(KNOWN));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_file_is_picked_up_by_the_watcher() {
    let h = Harness::start(|c| watch_folder(c, 100)).await;
    let path = h.faq_dir.join("entries").join(format!("{KNOWN_ID}.md"));
    append_paragraph(&path, "Watched edit.");
    let r = h.log_post(&["automatic reload"]).await;
    assert!(
        r.text().contains(&format!("Edited (1): `{KNOWN_ID}`")),
        "{}",
        r.text()
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_always_gets_the_urgent_notice_even_on_cooldown() {
    let h = Harness::start(|_| {}).await;
    let text = "my mom took a whole bottle of magnesium and now she can't breathe";
    let answered = h.knowledge().ask(text);
    assert!(
        answered.alert.is_some(),
        "precondition: the safety rules flag {text:?}"
    );
    let notice = answered.reply.notice().unwrap().to_string();
    let first = h.say(QUESTION_CHANNEL, 121, text);
    let second = h.say(QUESTION_CHANNEL, 121, text);
    for m in [&first, &second] {
        let r = h.reply_to(m).await;
        let e = embed(&r);
        let d = e["description"].as_str().unwrap();
        let start: String = notice.chars().take(40).collect();
        assert!(d.contains(&start), "notice missing: {e:#}");
        assert!(d.find(&start).unwrap() < 10, "notice not on top: {d}");
    }
    h.stop().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn medfaq_serve_runs_from_a_config_file_and_stops_cleanly_on_sigterm() {
    init_logs();
    let standin = discord_standin::StandIn::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[discord]\napi_base = \"{}\"\nguild_id = {GUILD_ID}\nquestion_channels = [{QUESTION_CHANNEL}]\n\n[faq]\ndir = {:?}\nwatch = false\n",
            standin.base_url(),
            bundled_faq().display().to_string(),
        ),
    )
    .unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_medfaq"))
        .args(["serve", "--config"])
        .arg(&config)
        .env("DISCORD_TOKEN", TOKEN)
        .env_remove("RUST_LOG")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    wait_connected(&standin).await;
    let id = standin.next_id();
    let msg = payload::message(
        id,
        QUESTION_CHANNEL,
        &payload::user(301, "m", false),
        KNOWN,
        &[],
    );
    standin.send_message(msg);
    let id = id.to_string();
    standin
        .wait_for_request(|r| replies_to(r, &id), WAIT)
        .await
        .unwrap();
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(WAIT, child.wait())
        .await
        .expect("medfaq serve did not exit after SIGTERM")
        .unwrap();
    assert!(status.success(), "exit status {status:?}");
    standin
        .wait_until(WAIT, "the gateway connection to close", |_, g| {
            (!g.connected).then_some(())
        })
        .await
        .unwrap();
    assert_safe_payloads(&standin.recorded());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vague_question_gets_suggestion_buttons_that_reveal_the_answer() {
    use medfaq::matcher::Decision;
    let h = Harness::start(|_| {}).await;
    let k = h.knowledge();
    let vague = [
        "which magnesium is best",
        "tell me about magnesium for pain",
        "iv magnesium",
        "what about the pills",
        "is it safe?",
    ];
    let (question, ids) = vague
        .iter()
        .find_map(|q| match k.ask(q).outcome.decision {
            Decision::Suggest(s) if !s.is_empty() => {
                Some((*q, s.into_iter().map(|m| m.id).collect::<Vec<_>>()))
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("precondition: one of {vague:?} gets suggestions"));
    let msg = h.say(QUESTION_CHANNEL, 131, question);
    let r = h.reply_to(&msg).await;
    let e = embed(&r);
    assert_eq!(e["title"], "Did you mean…?", "{e:#}");
    assert!(e
        .pointer("/footer/text")
        .unwrap()
        .as_str()
        .unwrap()
        .contains(DISCLAIMER_PART));
    let shown: Vec<String> = buttons(&r)
        .into_iter()
        .map(|(_, custom_id)| custom_id)
        .collect();
    let wanted: Vec<String> = ids.iter().map(|id| format!("medfaq:show:{id}")).collect();
    assert_eq!(shown, wanted);
    // pressing the first reveals that entry, only to the presser
    let carrier = h.standin.message_of(&r, QUESTION_CHANNEL);
    let press = h.press(QUESTION_CHANNEL, &member(132), &shown[0], &carrier);
    let revealed = h.callback(press).await;
    assert!(is_ephemeral(&revealed), "{:?}", revealed.body);
    let entry = k.faq.entry(&ids[0]).unwrap();
    assert_eq!(embed(&revealed)["title"], json!(entry.question));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_whose_reply_fails_is_answered_with_an_apology() {
    let h = Harness::start(|_| {}).await;
    let mark = h.standin.mark();
    // nothing else calls REST while idle, so the fault hits the reply's callback
    h.standin.fail_next(1, discord_standin::Fault::ServerError);
    let (id, _) = h.slash_ask(&member(141), KNOWN);
    let prefix = format!("/interactions/{id}/");
    let apology = h
        .request_since(mark, |r| {
            r.path.contains(&prefix) && r.status == 204 && r.text().contains("Sorry")
        })
        .await;
    assert!(is_ephemeral(&apology), "{:?}", apology.body);
    let first = &h.standin.recorded()[mark];
    assert!(
        first.path.contains(&prefix) && first.status == 500,
        "{first:?}"
    );
    // and the bot carries on
    let (id, _) = h.slash_ask(&member(142), KNOWN);
    let r = h.callback(id).await;
    assert_answer(&r, &h, KNOWN);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_faq_folder_keeps_the_old_faq_and_a_recreated_one_is_watched_again() {
    let h = Harness::start(|c| watch_folder(c, 100)).await;
    let saved = tempfile::tempdir().unwrap();
    let backup = saved.path().join("faq");
    std::fs::rename(&h.faq_dir, &backup).unwrap();
    h.log_post(&["NOT reloaded"]).await;
    let msg = h.say(QUESTION_CHANNEL, 151, KNOWN);
    let e = embed(&h.reply_to(&msg).await);
    assert_eq!(e["title"], json!(KNOWN), "the old FAQ still answers: {e:#}");
    // the folder comes back, with an edit
    append_paragraph(
        &backup.join("entries").join(format!("{KNOWN_ID}.md")),
        "Back again.",
    );
    std::fs::rename(&backup, &h.faq_dir).unwrap();
    let r = h.log_post(&[&format!("Edited (1): `{KNOWN_ID}`")]).await;
    assert!(r.text().contains("automatic reload"), "{}", r.text());
    // later edits inside the re-created folder are seen too
    append_paragraph(&h.faq_dir.join("entries").join("oxide.md"), "Seen.");
    h.log_post(&["Edited (1): `oxide`"]).await;
    h.stop().await;
}

#[test]
fn medfaq_serve_without_a_token_says_how_to_give_one() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_medfaq"))
        .args(["serve", "--config"])
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml"))
        .env_remove("DISCORD_TOKEN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DISCORD_TOKEN"), "{stderr}");
}
