//! Discord as it really behaves (issue 13): the real bot against a stand-in that enforces
//! Discord's rules (`tests/standin/src/rules.rs`): privileged intents (4014) and message
//! content blanked without the Message Content intent, reply pings, DMs, threads and
//! forum posts, deleted questions, command contexts and permissions, servers not served,
//! stale command sets, stalled HTTP calls, unknown buttons, expired interactions, and
//! plain-http `api_base` off loopback.

mod common;

use std::time::Duration;

use common::discord::*;
use discord_standin::rules::{self, BOT_ROLE_ID};
use discord_standin::{
    payload, Fault, Options, Recorded, StandIn, APPLICATION_ID, BOT_USER_ID, GUILD_ID,
};
use serde_json::{json, Value};

const KNOWN: &str = "Can I take magnesium after back surgery?";
const OTHER: &str = "Is magnesium safe if I have kidney problems?";
const DM_CHANNEL: u64 = 910_000_000_000_000_001;
const FORUM: u64 = 910_000_000_000_000_002;
const OTHER_GUILD: u64 = 910_000_000_000_000_099;

/// A message that the safety rules flag (precondition checked), for urgent-notice tests.
fn urgent_text(h: &Harness) -> (&'static str, String) {
    let k = h.knowledge();
    let candidates = [
        "i want to end my life",
        "I want to kill myself tonight",
        "my mom took a whole bottle of magnesium and now she can't breathe",
    ];
    let text = candidates
        .into_iter()
        .find(|t| k.ask(t).alert.is_some())
        .unwrap_or_else(|| panic!("precondition: one of {candidates:?} gets an urgent notice"));
    let notice = k
        .ask(text)
        .reply
        .notice()
        .unwrap()
        .chars()
        .take(40)
        .collect();
    (text, notice)
}

/// The embed description of a reply.
fn description(r: &Recorded) -> String {
    embed(r)["description"].as_str().unwrap_or("").to_string()
}

/// The bot's channel message replying to `msg`, or posted in its channel after `mark`
/// (a reply to a deleted message goes out without a reference).
async fn posted_in(h: &Harness, mark: usize, channel: u64) -> Recorded {
    let path = format!("/channels/{channel}/messages");
    h.request_since(mark, move |r| {
        r.is_channel_message() && r.path.ends_with(&path)
    })
    .await
}

/// Intents of the last IDENTIFY.
fn identified_intents(h: &Harness) -> u64 {
    h.standin.gateway().last_identify.unwrap()["intents"]
        .as_u64()
        .unwrap()
}

// 1. Message Content intent

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_message_content_enabled_the_bot_starts_and_answers_what_discord_shows_it() {
    // The app's Developer Portal has no privileged intent enabled.
    let options = Options {
        granted_intents: 0,
        ..Default::default()
    };
    let h = Harness::start_with(options, |_| {}).await;
    assert_eq!(
        identified_intents(&h) & rules::INTENT_MESSAGE_CONTENT,
        0,
        "asked for Message Content although the application does not have it"
    );
    // A plain question in a question channel reaches the bot without its text.
    let unread = h.say(QUESTION_CHANNEL, 1001, KNOWN);
    // A mention carries its text.
    let mention = h.say(
        QUESTION_CHANNEL_2,
        1002,
        &format!("<@{BOT_USER_ID}> {KNOWN}"),
    );
    let r = h.reply_to(&mention).await;
    assert_eq!(embed(&r)["title"], json!(KNOWN), "{r:?}");
    // DMs carry their text.
    let dm = dm(&h, 1003, OTHER);
    assert!(h.reply_to(&dm).await.path.contains(&DM_CHANNEL.to_string()));
    // The target of "Find FAQ answer" carries its text.
    let target = payload::message(
        h.standin.next_id(),
        OTHER_CHANNEL,
        &payload::user(1004, "asker", false),
        KNOWN,
        &[],
    );
    let (id, _) = h.interact(|id, tok| {
        payload::message_command(
            id,
            OTHER_CHANNEL,
            &member(1005),
            tok,
            "Find FAQ answer",
            &target,
        )
    });
    assert_eq!(embed(&h.callback(id).await)["title"], json!(KNOWN));
    // Slash commands work.
    let (id, _) = h.slash_ask(&member(1006), KNOWN);
    assert_eq!(embed(&h.callback(id).await)["title"], json!(KNOWN));
    h.assert_unanswered(&[&unread], "its text being hidden without Message Content");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_message_content_enabled_it_is_asked_for_and_question_channels_work() {
    let h = Harness::start(|_| {}).await;
    assert_ne!(identified_intents(&h) & rules::INTENT_MESSAGE_CONTENT, 0);
    let msg = h.say(QUESTION_CHANNEL, 1011, KNOWN);
    h.reply_to(&msg).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forcing_message_content_that_is_not_enabled_stops_with_a_clear_error() {
    let standin = StandIn::start_with(Options {
        granted_intents: 0,
        ..Default::default()
    })
    .await;
    let mut h = Harness::launch(standin, |c| c.discord.message_content = Some(true));
    let result = h
        .exit(WAIT)
        .await
        .expect("the bot kept running after 4014 (disallowed intents)");
    let error = result.expect_err("run should fail on 4014").to_string();
    assert!(
        error.contains("Message Content") && error.contains("message_content"),
        "the error should say what to change: {error}"
    );
    let g = h.standin.gateway();
    assert_eq!(g.closes_sent, vec![4014], "{g:?}");
    assert_eq!(g.identifies, 1, "retried a disallowed IDENTIFY: {g:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_content_off_by_config_is_not_asked_for_even_when_enabled() {
    let h = Harness::start(|c| c.discord.message_content = Some(false)).await;
    assert_eq!(identified_intents(&h) & rules::INTENT_MESSAGE_CONTENT, 0);
    h.stop().await;
}

// 2. A reply to the bot is not a mention

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_to_the_bot_is_not_a_mention_but_an_explicit_user_or_role_mention_is() {
    let h = Harness::start(no_cooldowns).await;
    let asked = h.say(OTHER_CHANNEL, 1021, &format!("<@{BOT_USER_ID}> {KNOWN}"));
    let answer = h.reply_to(&asked).await;
    let answer = h.standin.message_of(&answer, OTHER_CHANNEL);
    let author = payload::user(1021, "member", false);
    // "thanks!" as a reply with the default reply ping: the bot is in `mentions`.
    let thanks = payload::reply_message(
        h.standin.next_id(),
        &author,
        "thanks so much!",
        &answer,
        true,
    );
    assert_eq!(thanks["mentions"][0]["id"], json!(BOT_USER_ID.to_string()));
    h.standin.send_message(thanks.clone());
    // A reply that mentions the bot in its text is a mention.
    let follow = payload::reply_message(
        h.standin.next_id(),
        &author,
        &format!("<@{BOT_USER_ID}> {OTHER}"),
        &answer,
        true,
    );
    h.standin.send_message(follow.clone());
    h.reply_to(&follow).await;
    // So is a mention of the bot's managed role.
    let by_role = h.say(OTHER_CHANNEL, 1022, &format!("<@&{BOT_ROLE_ID}> {KNOWN}"));
    let r = h.reply_to(&by_role).await;
    assert_eq!(
        embed(&r)["title"],
        json!(KNOWN),
        "role mention left in the text?"
    );
    h.assert_unanswered(&[&thanks], "a reply ping not being a mention");
    h.stop().await;
}

// 3. Direct messages

/// A member's DM to the bot (the DM channel is known to the stand-in).
fn dm(h: &Harness, user: u64, content: &str) -> Value {
    let author = payload::user(user, &format!("member{user}"), false);
    h.standin
        .add_channel(payload::dm_channel(DM_CHANNEL, &author));
    let msg = payload::dm_message(h.standin.next_id(), DM_CHANNEL, &author, content);
    h.standin.send_message(msg.clone());
    msg
}

/// Every message the bot posted went to the DM channel.
fn assert_only_in_dm(h: &Harness) {
    let elsewhere: Vec<String> = h
        .standin
        .recorded()
        .iter()
        .filter(|r| r.is_channel_message() && !r.path.contains(&DM_CHANNEL.to_string()))
        .map(|r| format!("{} {}", r.path, r.text()))
        .collect();
    assert!(
        elsewhere.is_empty(),
        "DM content posted elsewhere: {elsewhere:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dm_is_answered_in_the_dm_with_the_urgent_notice_and_nowhere_else() {
    let h = Harness::start(|_| {}).await;
    let (urgent, notice) = urgent_text(&h);
    let msg = dm(&h, 1031, urgent);
    let r = h.reply_to(&msg).await;
    let d = description(&r);
    assert!(
        d.find(&notice).is_some_and(|i| i < 10),
        "notice not on top: {d}"
    );
    // Questions are answered too, one after the other (no chat cooldowns in a DM).
    let q = dm(&h, 1031, KNOWN);
    assert_eq!(embed(&h.reply_to(&q).await)["title"], json!(KNOWN));
    let q2 = dm(&h, 1031, "what's the weather like on mars today?");
    assert!(description(&h.reply_to(&q2).await).contains("I don't have an answer"));
    assert_only_in_dm(&h);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_answer_dms_off_only_an_urgent_dm_is_answered() {
    let h = Harness::start(|c| c.discord.answer_dms = false).await;
    let (urgent, notice) = urgent_text(&h);
    let question = dm(&h, 1041, KNOWN);
    let msg = dm(&h, 1042, urgent);
    let r = h.reply_to(&msg).await;
    assert!(description(&r).contains(&notice), "{r:?}");
    h.assert_unanswered(&[&question], "answer_dms = false");
    assert_only_in_dm(&h);
    h.stop().await;
}

// 4. Threads and forum posts

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_in_a_thread_or_forum_post_under_a_question_channel_is_answered_there() {
    let standin = StandIn::start().await;
    // A forum channel (a question channel) and a thread known from GUILD_CREATE.
    standin.add_channel(payload::guild_channel(
        FORUM,
        rules::GUILD_FORUM,
        "ask-here",
    ));
    let early = standin.next_id();
    standin.add_channel(payload::thread(
        early,
        QUESTION_CHANNEL,
        rules::PUBLIC_THREAD,
        "t",
        1,
    ));
    let h = Harness::start_on(standin, |c| {
        no_cooldowns(c);
        c.discord.question_channels.push(FORUM);
    })
    .await;
    // A forum post created now (THREAD_CREATE), a thread the bot never heard of (found
    // with GET /channels/{id}), and a thread under a channel that is not a question one.
    let post = h.standin.next_id();
    h.standin.create_thread(payload::thread(
        post,
        FORUM,
        rules::PUBLIC_THREAD,
        "magnesium?",
        1051,
    ));
    let unseen = h.standin.next_id();
    h.standin.add_channel(payload::thread(
        unseen,
        QUESTION_CHANNEL_2,
        rules::PRIVATE_THREAD,
        "x",
        1,
    ));
    let elsewhere = h.standin.next_id();
    h.standin.create_thread(payload::thread(
        elsewhere,
        OTHER_CHANNEL,
        rules::PUBLIC_THREAD,
        "y",
        1,
    ));

    let silent = h.say(elsewhere, 1052, KNOWN);
    for (thread, user) in [(early, 1053), (post, 1051), (unseen, 1054)] {
        let msg = h.say(thread, user, KNOWN);
        let r = h.reply_to(&msg).await;
        assert!(
            r.path.ends_with(&format!("/channels/{thread}/messages")),
            "{}",
            r.path
        );
        assert_eq!(embed(&r)["title"], json!(KNOWN));
    }
    // A statement in a forum post is not a question.
    let statement = h.say(post, 1055, "thanks everyone, feeling better today");
    let sentinel = h.say(post, 1056, OTHER);
    h.reply_to(&sentinel).await;
    h.assert_unanswered(
        &[&silent, &statement],
        "not a question channel, or not a question",
    );
    h.stop().await;
}

// 5. The member deleted the question

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_deleted_before_the_reply_still_gets_its_answer_and_notice() {
    let h = Harness::start(no_cooldowns).await;
    let (urgent, notice) = urgent_text(&h);
    for (text, user) in [(KNOWN, 1061), (urgent, 1062)] {
        let mark = h.standin.mark();
        let id = h.standin.next_id();
        // Deleted by the time the reply arrives.
        h.standin.delete_message(id);
        let author = payload::user(user, "member", false);
        h.standin
            .send_message(payload::message(id, QUESTION_CHANNEL, &author, text, &[]));
        let r = posted_in(&h, mark, QUESTION_CHANNEL).await;
        assert_eq!(r.status, 200, "the reply was refused: {r:?}");
        assert_eq!(
            r.body
                .as_ref()
                .unwrap()
                .pointer("/message_reference/fail_if_not_exists"),
            Some(&json!(false)),
            "{r:?}"
        );
        if text == urgent {
            assert!(description(&r).contains(&notice), "notice lost: {r:?}");
        }
    }
    h.stop().await;
}

// 6. Moderator commands, contexts, servers, stale command sets

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_declare_contexts_and_the_moderator_command_is_hidden_from_members() {
    let h = Harness::start(|_| {}).await;
    let cmds = h.standin.commands(Some(GUILD_ID));
    let find = |name: &str| {
        cmds.as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name}: {cmds:#}"))
    };
    for c in cmds.as_array().unwrap() {
        assert_eq!(
            c["integration_types"],
            json!([0]),
            "server install only: {c:#}"
        );
        assert!(c["contexts"].is_array(), "no explicit contexts: {c:#}");
    }
    assert_eq!(
        find("faq")["contexts"],
        json!([0, 1]),
        "servers and DMs with the bot"
    );
    assert_eq!(find("Find FAQ answer")["contexts"], json!([0]));
    let faqmod = find("faqmod");
    assert_eq!(faqmod["contexts"], json!([0]), "servers only");
    assert_eq!(
        faqmod["default_member_permissions"],
        json!(payload::MANAGE_GUILD.to_string()),
        "hidden from members by default"
    );
    assert_eq!(faqmod["options"][0]["name"], "reload");
    let faq = find("faq");
    assert!(
        faq["default_member_permissions"].is_null(),
        "/faq is for everyone: {faq:#}"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_between_global_and_guild_registration_removes_the_stale_set() {
    let stale = json!([{ "name": "faq", "description": "old", "type": 1 }]);
    // Was global, now a guild: the global set goes.
    let standin = StandIn::start().await;
    standin.set_commands(None, stale.clone());
    let h = Harness::start_on(standin, |_| {}).await;
    let global = format!("/applications/{APPLICATION_ID}/commands");
    h.standin
        .wait_for_request(|r| r.is("PUT", &global) && r.body == Some(json!([])), WAIT)
        .await
        .unwrap();
    assert_eq!(h.standin.commands(None), json!([]));
    assert_ne!(h.standin.commands(Some(GUILD_ID)), json!([]));
    h.stop().await;
    // Was a guild, now global (serving that guild): the guild set goes.
    let standin = StandIn::start().await;
    standin.set_commands(Some(GUILD_ID), stale);
    let h = Harness::start_on(standin, |c| {
        c.discord.guild_id = None;
        c.discord.servers = vec![GUILD_ID];
    })
    .await;
    let in_guild = format!("/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands");
    h.standin
        .wait_for_request(
            |r| r.is("PUT", &in_guild) && r.body == Some(json!([])),
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(h.standin.commands(Some(GUILD_ID)), json!([]));
    assert_ne!(h.standin.commands(None), json!([]));
    h.stop().await;
}

/// `payload` moved to server [`OTHER_GUILD`].
fn in_other_guild(mut v: Value) -> Value {
    v["guild_id"] = json!(OTHER_GUILD.to_string());
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_not_served_is_told_once_and_gets_nothing_else() {
    let h = Harness::start(no_cooldowns).await; // serves GUILD_ID (its guild_id) only
    let author = payload::user(1071, "member", false);
    let mention = |text: &str| {
        let m = payload::message(
            h.standin.next_id(),
            OTHER_CHANNEL,
            &author,
            &format!("<@{BOT_USER_ID}> {text}"),
            &[payload::bot_user()],
        );
        let m = in_other_guild(m);
        h.standin.send_message(m.clone());
        m
    };
    let first = mention(KNOWN);
    let r = h.reply_to(&first).await;
    assert!(r.text().contains("not set up"), "{}", r.text());
    assert!(r
        .body
        .as_ref()
        .unwrap()
        .get("embeds")
        .is_none_or(|e| e == &json!([])));
    let second = mention(OTHER);
    let question = in_other_guild(payload::message(
        h.standin.next_id(),
        QUESTION_CHANNEL,
        &author,
        KNOWN,
        &[],
    ));
    h.standin.send_message(question.clone());
    // Commands there get the note, only for the member.
    let (id, _) = h.interact(|id, tok| {
        in_other_guild(payload::slash_command(
            id,
            OTHER_CHANNEL,
            &member(1072),
            tok,
            "faq",
            Some("ask"),
            vec![payload::option("question", json!(KNOWN))],
        ))
    });
    let r = h.callback(id).await;
    assert!(r.text().contains("not set up") && is_ephemeral(&r), "{r:?}");
    // The served server is answered as before.
    let sentinel = h.say(QUESTION_CHANNEL, 1073, KNOWN);
    h.reply_to(&sentinel).await;
    h.assert_unanswered(&[&second, &question], "the server not being served");
    h.stop().await;
}

// 7. HTTP calls are bounded

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_replies_time_out_free_their_slots_and_cooldowns() {
    let h = Harness::start(|c| {
        c.discord.http_timeout = Duration::from_millis(300);
        c.discord.cooldowns.per_user = Duration::from_secs(600);
        c.discord.cooldowns.per_channel = Duration::ZERO;
        c.discord.cooldowns.same_entry = Duration::ZERO;
    })
    .await;
    let stalled = medfaq::discord::MAX_SENDS_IN_FLIGHT + 4;
    let started = h.standin.rest_started();
    h.standin.fail_next(stalled, Fault::Stall);
    let first: Vec<Value> = (0..stalled as u64)
        .map(|i| h.say(QUESTION_CHANNEL, 1100 + i, KNOWN))
        .collect();
    // More stalled calls than slots: the last ones start only once earlier ones timed out.
    h.standin
        .wait_rest_started(started + stalled, WAIT)
        .await
        .unwrap();
    // The first member's cooldown was taken by the lost reply: once that reply timed out
    // it is released, and asking again is answered.
    let mut again = None;
    for _ in 0..20 {
        let msg = h.say(QUESTION_CHANNEL_2, 1100, KNOWN);
        let id = msg["id"].as_str().unwrap().to_string();
        let replied = h
            .standin
            .wait_for_request(move |r| replies_to(r, &id), Duration::from_secs(1))
            .await;
        if replied.is_ok() {
            again = Some(msg);
            break;
        }
    }
    assert!(
        again.is_some(),
        "the member whose reply stalled was never answered again"
    );
    let fresh = h.say(QUESTION_CHANNEL_2, 1099, OTHER);
    h.reply_to(&fresh).await;
    for m in &first {
        let answered = h.replies(m).iter().any(|r| r.status == 200);
        assert!(!answered, "a stalled reply was answered: {}", m["content"]);
    }
    h.stop().await;
}

// 8. Unknown buttons, long custom ids, reload report, expired interactions, api_base

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_button_gets_an_ephemeral_answer() {
    let h = Harness::start(|_| {}).await;
    let carrier = payload::message_from_body(
        h.standin.next_id(),
        OTHER_CHANNEL,
        &payload::bot_user(),
        &json!({ "content": "an old message" }),
    );
    for custom_id in ["medfaq:retired:thing", "medfaq:show:", "not-ours"] {
        let id = h.press(OTHER_CHANNEL, &member(1081), custom_id, &carrier);
        let r = h.callback(id).await;
        assert!(is_ephemeral(&r), "{custom_id}: {r:?}");
        assert!(
            r.text().contains("no longer works"),
            "{custom_id}: {}",
            r.text()
        );
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_reports_by_editing_its_deferred_response() {
    let h = Harness::start(|_| {}).await;
    let mark = h.standin.mark();
    let (id, token) = h.slash_reload(&moderator(1091));
    assert_eq!(h.callback(id).await.body.as_ref().unwrap()["type"], 5);
    let edit = h.followup_containing(&token, "FAQ reloaded").await;
    assert!(
        edit.is(
            "PATCH",
            &format!("/webhooks/{APPLICATION_ID}/{token}/messages/@original")
        ),
        "the report should replace the deferred response: {} {}",
        edit.method,
        edit.path
    );
    h.log_post_since(mark, &["reload by"]).await;
    let posts: Vec<String> = h.standin.recorded()[mark..]
        .iter()
        .filter(|r| r.method == "POST" && r.is_followup() && r.path.contains(&token))
        .map(|r| r.path.clone())
        .collect();
    assert!(posts.is_empty(), "follow-ups besides the edit: {posts:?}");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_interaction_is_not_answered_again_with_an_apology() {
    let h = Harness::start(|_| {}).await;
    let expired = || Fault::Api {
        status: 404,
        code: 10062,
        message: "Unknown interaction".into(),
    };
    h.standin.fail_next(1, expired());
    let (command, _) = h.slash_ask(&member(1101), KNOWN);
    h.callback(command).await;
    // A button press, too.
    let carrier = payload::message_from_body(
        h.standin.next_id(),
        OTHER_CHANNEL,
        &payload::bot_user(),
        &json!({ "content": "Did you mean…?" }),
    );
    h.standin.fail_next(1, expired());
    let press = h.press(
        OTHER_CHANNEL,
        &member(1102),
        "medfaq:show:after-back-surgery",
        &carrier,
    );
    h.callback(press).await;
    // Later interactions are answered (and everything before them was handled).
    let (later, _) = h.slash_ask(&member(1103), KNOWN);
    h.callback(later).await;
    let sentinel = h.say(QUESTION_CHANNEL, 1104, KNOWN);
    h.reply_to(&sentinel).await;
    // The bot handles a failed command after the failed call was recorded: an apology
    // (a second call naming the interaction) would follow within milliseconds. Give it
    // two seconds to show.
    let again = h
        .standin
        .wait_until(
            Duration::from_secs(2),
            "a second call for an expired interaction",
            |calls, _| {
                [command, press].into_iter().find(|id| {
                    let id = id.to_string();
                    calls.iter().filter(|r| r.path.contains(&id)).count() > 1
                })
            },
        )
        .await;
    if let Ok(id) = again {
        let calls: Vec<String> = h
            .standin
            .recorded()
            .iter()
            .filter(|r| r.path.contains(&id.to_string()))
            .map(|r| format!("{} {} -> {}", r.method, r.path, r.status))
            .collect();
        panic!("interaction {id} answered again after 10062: {calls:?}");
    }
    for id in [command, press] {
        let calls: Vec<String> = h
            .standin
            .recorded()
            .iter()
            .filter(|r| r.path.contains(&format!("/interactions/{id}/")) || r.is_followup())
            .map(|r| format!("{} {} -> {}", r.method, r.path, r.status))
            .collect();
        assert_eq!(
            calls.iter().filter(|c| c.contains(&id.to_string())).count(),
            1,
            "interaction {id} answered again after 10062: {calls:?}"
        );
    }
    let followups = h
        .standin
        .recorded()
        .iter()
        .filter(|r| r.is_followup())
        .count();
    assert_eq!(followups, 0, "a follow-up on an expired interaction");
    h.stop().await;
}

/// Custom ids carry the entry id whole. An id that would not fit in 100 characters
/// gets no button (`ButtonAction::custom_id` is `None`, unit-tested in `render`); FAQ ids
/// are capped well below that, so here an id near the cap must round-trip through the
/// buttons of `/faq show` and the public post.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_carry_long_entry_ids_whole() {
    let h = Harness::start(|_| {}).await;
    let id = format!("long-id-{}", "x".repeat(52));
    std::fs::write(
        h.faq_dir.join("entries").join(format!("{id}.md")),
        "+++\nquestion = \"Long id test entry: can a zebra take magnesium?\"\ntopic = \"basics\"\n\
         sources = [{ source = \"back-surgery-guide\", section = \"Quick Summary\" }]\n+++\n\
         A test answer.\n",
    )
    .unwrap();
    let (reload, token) = h.slash_reload(&moderator(1111));
    h.callback(reload).await;
    let report = h.followup_containing(&token, "").await.text();
    assert!(report.contains("FAQ reloaded"), "precondition: {report}");
    let (shown, _) = h.slash_show(&member(1112), &id);
    let r = h.callback(shown).await;
    let (_, share) = buttons(&r)
        .into_iter()
        .find(|(label, _)| label == "Post in channel")
        .unwrap_or_else(|| panic!("no share button: {:?}", r.body));
    assert!(share.chars().count() <= 100, "{share}");
    let carrier = h.standin.message_of(&r, OTHER_CHANNEL);
    let press = h.press(OTHER_CHANNEL, &member(1112), &share, &carrier);
    let posted = h.callback(press).await;
    assert_eq!(
        embed(&posted)["title"],
        json!("Long id test entry: can a zebra take magnesium?"),
        "the button named another entry: {share}"
    );
    h.stop().await;
}

/// An entry id too long to travel whole in a button (here 90 characters: the share
/// button's custom id would be 105) never reaches a button: the FAQ validator refuses it
/// (ids are at most 64 characters), the reload says so and the previous FAQ stays. Before
/// the cap such an entry loaded and its buttons' custom ids were cut at 100 characters,
/// naming an entry that does not exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_id_too_long_for_a_button_is_refused_at_reload() {
    let h = Harness::start(|_| {}).await;
    let before = h.knowledge().faq.entries.len();
    let id = format!("long-id-{}", "x".repeat(82));
    assert_eq!(id.chars().count(), 90, "precondition");
    let question = "Long id test entry: can a zebra take magnesium?";
    std::fs::write(
        h.faq_dir.join("entries").join(format!("{id}.md")),
        format!(
            "+++\nquestion = \"{question}\"\ntopic = \"basics\"\n\
             sources = [{{ source = \"back-surgery-guide\", section = \"Quick Summary\" }}]\n+++\n\
             A test answer.\n"
        ),
    )
    .unwrap();
    let (reload, token) = h.slash_reload(&moderator(1121));
    h.callback(reload).await;
    let report = h.followup_containing(&token, "").await.text();
    assert!(
        report.contains("NOT reloaded") && report.contains("at most 64"),
        "an entry id of 90 characters was accepted: {report}"
    );
    assert!(
        report.contains(&format!(
            "Still serving the previous FAQ ({before} entries)"
        )),
        "the previous FAQ should stay: {report}"
    );
    // Asked for by its question, it is not there: no button can name it.
    let (asked, _) = h.slash_ask(&member(1122), question);
    let r = h.callback(asked).await;
    assert_ne!(embed(&r)["title"], json!(question), "{:?}", r.body);
    for (_, custom_id) in buttons(&r) {
        assert!(!custom_id.contains("long-id-"), "{custom_id}");
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_api_base_off_loopback_is_refused_before_connecting() {
    init_logs();
    let standin = StandIn::start().await;
    // 0.0.0.0 reaches this machine on Linux, but is not a loopback address: a
    // configuration like this could as well name another host.
    let port = standin.addr().port();
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[discord]\napi_base = \"http://0.0.0.0:{port}\"\nguild_id = {GUILD_ID}\n\n[faq]\ndir = {:?}\nwatch = false\n",
            bundled_faq().display().to_string(),
        ),
    )
    .unwrap();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_medfaq"))
        .args(["serve", "--config"])
        .arg(&config)
        .env("DISCORD_TOKEN", TOKEN)
        .env_remove("RUST_LOG")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(20), child)
        .await
        .expect("medfaq serve kept running with a plain-http api_base off loopback")
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("only to this machine"), "{stderr}");
    assert!(h_no_calls(&standin), "the bot reached the api_base");
}

fn h_no_calls(standin: &StandIn) -> bool {
    standin.recorded().is_empty()
}
