//! The stand-in's payloads deserialize into serenity's model types. serenity drops a
//! gateway event with a missing required field silently, so a shape error here would make
//! the end-to-end tests time out instead of failing clearly.

use discord_standin::payload::{self, MANAGE_GUILD};
use discord_standin::{member, GUILD_ID};
use serde_json::{json, Value};
use serenity::model::application::{Command, Interaction};
use serenity::model::channel::Message;
use serenity::model::event::{Event, GatewayEvent};
use serenity::model::gateway::Ready;

fn parse<T: serde::de::DeserializeOwned>(what: &str, v: Value) -> T {
    serde_json::from_value(v.clone())
        .unwrap_or_else(|e| panic!("{what} does not deserialize: {e}\n{v}"))
}

fn dispatch(t: &str, d: Value) -> Event {
    match parse::<GatewayEvent>(t, json!({ "op": 0, "t": t, "s": 2, "d": d })) {
        GatewayEvent::Dispatch(2, event) => event,
        other => panic!("{t}: not a dispatch: {other:?}"),
    }
}

#[test]
fn ready_parses() {
    let r: Ready = parse("READY", payload::ready("s", "ws://x"));
    assert_eq!(r.session_id, "s");
    assert!(matches!(
        dispatch("READY", payload::ready("s", "ws://x")),
        Event::Ready(_)
    ));
}

#[test]
fn message_create_parses() {
    let author = payload::user(5, "alice", false);
    let m = payload::message(10, 20, &author, "hello?", &[payload::bot_user()]);
    let msg: Message = parse("message", m.clone());
    assert_eq!(msg.content, "hello?");
    assert_eq!(msg.guild_id.map(|g| g.get()), Some(GUILD_ID));
    assert!(matches!(
        dispatch("MESSAGE_CREATE", m),
        Event::MessageCreate(_)
    ));
}

#[test]
fn message_from_body_parses() {
    let body = json!({
        "content": "x",
        "embeds": [{ "title": "t", "description": "d", "fields": [{ "name": "n", "value": "v", "inline": false }] }],
        "components": [{ "type": 1, "components": [{ "type": 2, "style": 2, "label": "Post", "custom_id": "share" }] }],
        "allowed_mentions": { "parse": [] },
        "flags": 64,
        "message_reference": { "message_id": "10" },
    });
    let msg: Message = parse(
        "echo",
        payload::message_from_body(11, 20, &payload::bot_user(), &body),
    );
    assert_eq!(msg.embeds.len(), 1);
    assert_eq!(msg.components.len(), 1);
}

#[test]
fn interactions_parse() {
    let mem = member(5, "alice", &[9], MANAGE_GUILD);
    let slash = payload::slash_command(
        1,
        20,
        &mem,
        "tok",
        "faq",
        Some("ask"),
        vec![payload::option("question", json!("why?"))],
    );
    match parse::<Interaction>("slash", slash.clone()) {
        Interaction::Command(c) => {
            assert_eq!(c.data.name, "faq");
            assert_eq!(c.user.id.get(), 5);
            assert!(c.member.unwrap().permissions.unwrap().manage_guild());
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        dispatch("INTERACTION_CREATE", slash),
        Event::InteractionCreate(_)
    ));

    let auto = payload::autocomplete(2, 20, &mem, "tok", "faq", Some("show"), "entry", "magn");
    assert!(matches!(
        parse::<Interaction>("autocomplete", auto),
        Interaction::Autocomplete(_)
    ));

    let target = payload::message(10, 20, &payload::user(6, "bob", false), "magnesium?", &[]);
    match parse::<Interaction>(
        "context",
        payload::message_command(3, 20, &mem, "tok", "Find FAQ answer", &target),
    ) {
        Interaction::Command(c) => {
            assert_eq!(c.data.target_id.map(|t| t.get()), Some(10));
            assert_eq!(c.data.resolved.messages.len(), 1);
        }
        other => panic!("{other:?}"),
    }

    let carrier =
        payload::message_from_body(12, 20, &payload::bot_user(), &json!({ "content": "x" }));
    match parse::<Interaction>(
        "button",
        payload::button(4, 20, &mem, "tok", "share", &carrier),
    ) {
        Interaction::Component(c) => assert_eq!(c.data.custom_id, "share"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn command_echo_parses() {
    let sent = json!({ "name": "Find FAQ answer", "type": 3 });
    let c: Command = parse("command", payload::command_echo(&sent, Some(GUILD_ID)));
    assert_eq!(c.name, "Find FAQ answer");
}

#[test]
fn application_info_parses() {
    let _: serenity::model::application::CurrentApplicationInfo =
        parse("application", payload::application_info());
    let _: serenity::model::user::CurrentUser = parse("user", payload::bot_user());
}

#[tokio::test]
async fn followup_messages_parse() {
    let s = discord_standin::StandIn::start().await;
    // A follow-up needs an answered interaction (else 10015 Unknown Webhook).
    let mem = member(5, "alice", &[], 0);
    s.open_interaction(&payload::slash_command(
        1,
        20,
        &mem,
        "tok-1",
        "faq",
        Some("ask"),
        vec![],
    ));
    reqwest_like_post(
        &s.base_url(),
        "/api/v10/interactions/1/tok-1/callback",
        r#"{"type":5,"data":{"flags":64}}"#,
    )
    .await;
    let c = reqwest_like_post(
        &s.base_url(),
        "/api/v10/webhooks/1/tok-1",
        r#"{"content":"hi","flags":64}"#,
    )
    .await;
    let _: Message = parse("followup", c);
}

async fn reqwest_like_post(base: &str, path: &str, body: &str) -> Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    sock.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    sock.read_to_string(&mut out).await.unwrap();
    let json = out.split("\r\n\r\n").nth(1).unwrap_or("");
    serde_json::from_str(json).unwrap_or(Value::Null)
}

#[test]
fn guild_create_with_the_bots_role_channels_and_threads_parses() {
    use discord_standin::rules::{self, BOT_ROLE_ID};
    let forum = payload::guild_channel(30, rules::GUILD_FORUM, "ask");
    let post = payload::thread(31, 30, rules::PUBLIC_THREAD, "q", 5);
    let d = payload::guild_create(GUILD_ID, &[forum], &[post]);
    match dispatch("GUILD_CREATE", d) {
        Event::GuildCreate(e) => {
            let g = e.guild;
            let role = g
                .roles
                .values()
                .find(|r| r.id.get() == BOT_ROLE_ID)
                .unwrap();
            assert!(role.managed);
            assert_eq!(
                role.tags.bot_id.map(|b| b.get()),
                Some(discord_standin::BOT_USER_ID)
            );
            assert_eq!(g.threads[0].parent_id.map(|p| p.get()), Some(30));
            assert_eq!(g.channels.len(), 1);
        }
        other => panic!("not GUILD_CREATE: {other:?}"),
    }
}

#[test]
fn dm_thread_and_reply_payloads_parse() {
    use discord_standin::rules;
    let author = payload::user(5, "alice", false);
    let dm: Message = parse("dm", payload::dm_message(10, 40, &author, "hi?"));
    assert!(dm.guild_id.is_none());
    let channel: serenity::model::channel::Channel =
        parse("dm channel", payload::dm_channel(40, &author));
    assert!(matches!(
        channel,
        serenity::model::channel::Channel::Private(_)
    ));
    let thread: serenity::model::channel::GuildChannel = parse(
        "thread",
        payload::thread(41, 30, rules::PRIVATE_THREAD, "t", 5),
    );
    assert_eq!(thread.parent_id.map(|p| p.get()), Some(30));
    assert!(matches!(
        dispatch(
            "THREAD_CREATE",
            payload::thread(42, 30, rules::PUBLIC_THREAD, "t", 5)
        ),
        Event::ThreadCreate(_)
    ));
    let answer = payload::message(11, 20, &payload::bot_user(), "answer", &[]);
    let reply: Message = parse(
        "reply",
        payload::reply_message(12, &author, "thanks!", &answer, true),
    );
    assert_eq!(
        reply.mentions.len(),
        1,
        "reply ping lists the replied-to author"
    );
    assert_eq!(
        reply.referenced_message.map(|m| m.id.get()),
        Some(11),
        "referenced_message"
    );
}
