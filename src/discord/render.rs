//! Pure text building for Discord: a [`Reply`] as embed text within Discord's limits,
//! list pages, and splitting long reports into messages. No serenity types here; see
//! `respond` for the conversion to builders.

use crate::reply::{Body, Citation, EntryRef, Reply};

/// Discord's limits.
pub mod limits {
    pub const MESSAGE: usize = 2000;
    pub const EMBED_TITLE: usize = 256;
    pub const EMBED_DESCRIPTION: usize = 4096;
    pub const FIELD_NAME: usize = 256;
    pub const FIELD_VALUE: usize = 1024;
    pub const FIELDS: usize = 25;
    pub const FOOTER: usize = 2048;
    pub const EMBED_TOTAL: usize = 6000;
    pub const BUTTON_LABEL: usize = 80;
    pub const BUTTONS_PER_ROW: usize = 5;
    pub const CHOICES: usize = 25;
    pub const CHOICE_NAME: usize = 100;
    pub const CUSTOM_ID: usize = 100;
}

/// Text shown when nothing matched and the bot was asked directly.
pub const NO_ANSWER: &str = "I don't have an answer to that in the FAQ. Try `/faq list` to \
browse the topics, or ask a moderator.";

/// Apology for a failed command or message.
pub const APOLOGY: &str = "Sorry, something went wrong while answering. Please try again in a \
moment; the moderators have been told.";

/// One embed, as text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmbedText {
    pub title: Option<String>,
    pub description: String,
    /// `(name, value)`, in order.
    pub fields: Vec<(String, String)>,
    pub footer: Option<String>,
    /// Shown in the urgent-help colour.
    pub urgent: bool,
}

impl EmbedText {
    /// Characters Discord counts against the 6000 limit.
    pub fn total_chars(&self) -> usize {
        chars(self.title.as_deref().unwrap_or(""))
            + chars(&self.description)
            + self
                .fields
                .iter()
                .map(|(n, v)| chars(n) + chars(v))
                .sum::<usize>()
            + chars(self.footer.as_deref().unwrap_or(""))
    }
}

/// A button to show under a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub label: String,
    pub custom_id: String,
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Member text made safe to show back inside bot output: Markdown specials are
/// backslash-escaped (so code fences, inline code, links, emphasis, quotes and headings
/// stay literal) and every `@` gets a zero-width space after it (so `@everyone`, `@here`
/// and `<@id>` neither ping nor render as mentions, whatever allowed mentions say).
///
/// ```
/// use medfaq::discord::render::escape_markdown;
/// assert_eq!(
///     escape_markdown("[x](http://a) @here"),
///     "\\[x\\]\\(http\\://a\\) @\u{200B}here"
/// );
/// ```
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '<' | '#' | '[' | ']' | '(' | ')' | '-'
            | ':' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200B}"),
            _ => out.push(c),
        }
    }
    out
}

/// Cuts `s` to at most `max` characters, ending with `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if chars(s) <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Cuts `text` to `max` characters; when cut, ends it with `… (see more: /faq show <id>)`,
/// at a line or word break when one is near.
pub fn trim_with_more(text: &str, max: usize, id: &str) -> String {
    if chars(text) <= max {
        return text.to_string();
    }
    let tail = format!("… (see more: /faq show {id})");
    let budget = max.saturating_sub(chars(&tail));
    let head: String = text.chars().take(budget).collect();
    let cut = head
        .rfind('\n')
        .filter(|&i| i * 4 >= head.len() * 3)
        .or_else(|| head.rfind(' ').filter(|&i| i * 4 >= head.len() * 3))
        .unwrap_or(head.len());
    format!("{}{}", head[..cut].trim_end(), tail)
}

/// Lines joined with `\n`, as many as fit in `max` characters; the rest summarized as
/// `… and N more`.
pub fn fit_lines(lines: &[String], max: usize) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let sep = usize::from(!out.is_empty());
        let rest = lines.len() - i - 1;
        let more = if rest > 0 {
            format!("\n… and {rest} more")
        } else {
            String::new()
        };
        if chars(&out) + sep + chars(line) + chars(&more) <= max {
            if sep == 1 {
                out.push('\n');
            }
            out.push_str(line);
        } else {
            let note = format!("… and {} more", lines.len() - i);
            if out.is_empty() {
                return truncate(line, max);
            }
            if chars(&out) + 1 + chars(&note) <= max {
                out.push('\n');
                out.push_str(&note);
            }
            return out;
        }
    }
    out
}

/// One source line: `title — section (link)`.
pub fn citation_line(c: &Citation) -> String {
    let mut line = format!("{} — {}", c.title, c.section);
    if let Some(link) = &c.link {
        line.push_str(&format!(" ({link})"));
    }
    line
}

fn entry_line(e: &EntryRef) -> String {
    format!("`{}` — {}", e.id, e.question)
}

/// The embed for a reply: notice on top, then the answer, Sources, Related, and the
/// disclaimer as footer. Always within Discord's limits.
pub fn reply_embed(reply: &Reply) -> EmbedText {
    let notice = reply.notice().map(|n| format!("**⚠️ {}**", n.trim()));
    let footer = Some(truncate(reply.disclaimer(), limits::FOOTER));
    let mut embed = EmbedText {
        footer,
        urgent: notice.is_some(),
        ..EmbedText::default()
    };
    let with_notice = |text: &str, budget: usize, id: Option<&str>| -> String {
        let (prefix, budget) = match &notice {
            Some(n) => {
                let n = truncate(n, budget / 2);
                let rest = budget.saturating_sub(chars(&n) + 2);
                (format!("{n}\n\n"), rest)
            }
            None => (String::new(), budget),
        };
        let body = match id {
            Some(id) => trim_with_more(text, budget, id),
            None => truncate(text, budget),
        };
        format!("{prefix}{body}").trim_end().to_string()
    };
    match reply.body() {
        Body::Answer {
            id,
            question,
            answer,
            sources,
            related,
        } => {
            embed.title = Some(truncate(question, limits::EMBED_TITLE));
            let lines: Vec<String> = sources.iter().map(citation_line).collect();
            if !lines.is_empty() {
                embed.fields.push((
                    "Sources".to_string(),
                    fit_lines(&lines, limits::FIELD_VALUE),
                ));
            }
            if !related.is_empty() {
                let lines: Vec<String> = related.iter().map(entry_line).collect();
                embed.fields.push((
                    "Related".to_string(),
                    fit_lines(&lines, limits::FIELD_VALUE),
                ));
            }
            let others = embed.total_chars();
            let budget = limits::EMBED_DESCRIPTION.min(limits::EMBED_TOTAL.saturating_sub(others));
            embed.description = with_notice(answer, budget, Some(id));
        }
        Body::Suggestions(refs) => {
            embed.title = Some("Did you mean…?".to_string());
            let lines: Vec<String> = refs
                .iter()
                .enumerate()
                .map(|(i, e)| format!("{}. {}", i + 1, e.question))
                .collect();
            let text = format!(
                "{}\n\nPick one below to see its answer.",
                fit_lines(&lines, limits::EMBED_DESCRIPTION - 100)
            );
            let budget = limits::EMBED_DESCRIPTION.min(limits::EMBED_TOTAL - embed.total_chars());
            embed.description = with_notice(&text, budget, None);
        }
        Body::NoMatch => {
            let text = if notice.is_some() { "" } else { NO_ANSWER };
            let budget = limits::EMBED_DESCRIPTION.min(limits::EMBED_TOTAL - embed.total_chars());
            embed.description = with_notice(text, budget, None);
        }
    }
    embed
}

/// Custom ids of the bot's buttons. They carry everything needed to answer the press,
/// so no per-message state is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ButtonAction {
    /// Reveal this entry (ephemeral), e.g. a suggestion.
    Show { id: String },
    /// Re-post this entry publicly; `alert` keeps the urgent-help notice.
    Share {
        id: String,
        alert: Option<crate::safety::Alert>,
    },
    /// Page `page` of `/faq list [topic]`.
    List { page: usize, topic: Option<String> },
}

// Every FAQ id fits whole in the longest button id ("medfaq:share:-:" + id).
const _: () = assert!(crate::faq::MAX_ID_CHARS + "medfaq:share:-:".len() <= limits::CUSTOM_ID);

impl ButtonAction {
    /// The custom id, or `None` when it would be longer than Discord's 100 characters
    /// (never cut: a cut id would name another entry or topic, or none). Entry ids are
    /// capped by the FAQ validator well below that.
    pub fn custom_id(&self) -> Option<String> {
        use crate::safety::Alert;
        let id = match self {
            ButtonAction::Show { id } => format!("medfaq:show:{id}"),
            ButtonAction::Share { id, alert } => {
                let a = match alert {
                    Some(Alert::Emergency) => "e",
                    Some(Alert::Crisis) => "c",
                    None => "-",
                };
                format!("medfaq:share:{a}:{id}")
            }
            ButtonAction::List { page, topic } => {
                format!("medfaq:list:{page}:{}", topic.as_deref().unwrap_or(""))
            }
        };
        (id.chars().count() <= limits::CUSTOM_ID).then_some(id)
    }

    /// Parses a custom id made by [`ButtonAction::custom_id`].
    ///
    /// ```
    /// use medfaq::discord::render::ButtonAction;
    /// let a = ButtonAction::Show { id: "kidney-problems".into() };
    /// assert_eq!(ButtonAction::parse(&a.custom_id().unwrap()), Some(a));
    /// let long = ButtonAction::Show { id: "x".repeat(100) };
    /// assert_eq!(long.custom_id(), None);
    /// assert_eq!(ButtonAction::parse("other:thing"), None);
    /// ```
    pub fn parse(custom_id: &str) -> Option<ButtonAction> {
        use crate::safety::Alert;
        let rest = custom_id.strip_prefix("medfaq:")?;
        let (kind, rest) = rest.split_once(':')?;
        match kind {
            "show" if !rest.is_empty() => Some(ButtonAction::Show {
                id: rest.to_string(),
            }),
            "share" => {
                let (a, id) = rest.split_once(':')?;
                let alert = match a {
                    "e" => Some(Alert::Emergency),
                    "c" => Some(Alert::Crisis),
                    "-" => None,
                    _ => return None,
                };
                (!id.is_empty()).then(|| ButtonAction::Share {
                    id: id.to_string(),
                    alert,
                })
            }
            "list" => {
                let (page, topic) = rest.split_once(':')?;
                Some(ButtonAction::List {
                    page: page.parse().ok()?,
                    topic: (!topic.is_empty()).then(|| topic.to_string()),
                })
            }
            _ => None,
        }
    }
}

/// Buttons under a reply: suggestions become "show" buttons (at most 5; one whose id
/// cannot make a custom id is left out).
pub fn suggestion_buttons(reply: &Reply) -> Vec<Button> {
    match reply.body() {
        Body::Suggestions(refs) => refs
            .iter()
            .take(limits::BUTTONS_PER_ROW)
            .filter_map(|e| {
                Some(Button {
                    label: truncate(&e.question, limits::BUTTON_LABEL),
                    custom_id: ButtonAction::Show { id: e.id.clone() }.custom_id()?,
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The "Post in channel" button for an answer (none for other bodies).
pub fn share_button(reply: &Reply) -> Option<Button> {
    match reply.body() {
        Body::Answer { id, .. } => Some(Button {
            label: "Post in channel".to_string(),
            custom_id: ButtonAction::Share {
                id: id.clone(),
                alert: reply.alert(),
            }
            .custom_id()?,
        }),
        _ => None,
    }
}

/// Pages of `/faq list`: each page's description fits one embed.
pub fn list_pages(entries: &[(String, String)], per_page: usize) -> Vec<String> {
    let per_page = per_page.max(1);
    let mut pages = Vec::new();
    let mut page = String::new();
    let mut count = 0;
    for (id, question) in entries {
        let line = truncate(&format!("`{id}` — {question}"), 300);
        if count == per_page || chars(&page) + chars(&line) + 1 > limits::EMBED_DESCRIPTION {
            pages.push(std::mem::take(&mut page));
            count = 0;
        }
        if !page.is_empty() {
            page.push('\n');
        }
        page.push_str(&line);
        count += 1;
    }
    if !page.is_empty() || pages.is_empty() {
        pages.push(page);
    }
    pages
}

/// Splits `text` into messages of at most `max` characters, at line breaks when possible.
pub fn split_message(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        let mut line = line.to_string();
        while chars(&line) > max {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            let head: String = line.chars().take(max).collect();
            line = line.chars().skip(max).collect();
            out.push(head);
        }
        if !cur.is_empty() && chars(&cur) + 1 + chars(&line) > max {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push('\n');
        }
        cur.push_str(&line);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `escaped` contains `needle` not preceded by a backslash.
    fn has_unescaped(escaped: &str, needle: &str) -> bool {
        escaped
            .match_indices(needle)
            .any(|(i, _)| !escaped[..i].ends_with('\\'))
    }

    /// `escape_markdown` undone: zero-width spaces after `@` removed, escapes dropped.
    fn unescape(escaped: &str) -> String {
        let back = escaped.replace("@\u{200B}", "@");
        let mut out = String::new();
        let mut chars = back.chars();
        while let Some(c) = chars.next() {
            out.push(if c == '\\' { chars.next().unwrap() } else { c });
        }
        out
    }

    #[test]
    fn escape_neutralizes_fences_links_and_mentions() {
        for text in [
            "```rust\nfn main() {}\n```",
            "`inline` and ``double``",
            "[click me](https://evil.example/phish)",
            "<https://evil.example>",
            "@everyone and @here",
            "<@123456789012345678> <@&42> <#7>",
            "**bold** __under__ ~~strike~~ ||spoiler||",
            "> quote\n# heading\n- item",
            "\\`already escaped`",
        ] {
            let e = escape_markdown(text);
            for special in ["`", "[", "](", "*", "_", "~", "|", ">", "#", "<"] {
                assert!(
                    !has_unescaped(&e, special),
                    "{special:?} left in {e:?} (from {text:?})"
                );
            }
            assert!(
                !e.contains("@everyone") && !e.contains("@here") && !e.contains("@1"),
                "{e:?}"
            );
            assert_eq!(unescape(&e), text, "text lost in {e:?}");
        }
    }

    #[test]
    fn escape_keeps_plain_text() {
        assert_eq!(escape_markdown("surgery"), "surgery");
        assert_eq!(escape_markdown("magnésium 🙂 ok?"), "magnésium 🙂 ok?");
    }

    #[test]
    fn truncate_counts_characters_not_bytes() {
        assert_eq!(truncate("ééééé", 5), "ééééé");
        assert_eq!(truncate("éééééé", 5), "éééé…");
    }

    #[test]
    fn trim_with_more_points_to_the_entry() {
        let text = "word ".repeat(2000);
        let t = trim_with_more(&text, 4096, "kidney-problems");
        assert!(t.chars().count() <= 4096);
        assert!(
            t.ends_with("… (see more: /faq show kidney-problems)"),
            "{}",
            &t[t.len() - 60..]
        );
        assert_eq!(trim_with_more("short", 4096, "x"), "short");
    }

    #[test]
    fn fit_lines_summarizes_the_rest() {
        let lines: Vec<String> = (0..100).map(|i| format!("line number {i}")).collect();
        let v = fit_lines(&lines, 100);
        assert!(v.chars().count() <= 100, "{v}");
        assert!(v.ends_with("more"), "{v}");
        assert_eq!(fit_lines(&lines[..2], 100), "line number 0\nline number 1");
    }

    #[test]
    fn split_message_respects_the_limit_and_keeps_everything() {
        let text: String = (0..300)
            .map(|i| format!("problem {i}: something\n"))
            .collect();
        let parts = split_message(&text, 2000);
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| p.chars().count() <= 2000));
        assert_eq!(parts.join("\n"), text.trim_end());
        let long = "x".repeat(4500);
        let parts = split_message(&long, 2000);
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            vec![2000, 2000, 500]
        );
    }

    #[test]
    fn list_pages_fit() {
        let entries: Vec<(String, String)> = (0..45)
            .map(|i| (format!("entry-{i}"), format!("Question {i}?")))
            .collect();
        let pages = list_pages(&entries, 20);
        assert_eq!(pages.len(), 3);
        assert!(pages[0].starts_with("`entry-0` — Question 0?"));
        assert_eq!(list_pages(&[], 20), vec![String::new()]);
    }

    #[test]
    fn button_actions_round_trip() {
        use crate::safety::Alert;
        for a in [
            ButtonAction::Show { id: "a-b".into() },
            ButtonAction::Share {
                id: "a".into(),
                alert: Some(Alert::Emergency),
            },
            ButtonAction::Share {
                id: "a".into(),
                alert: None,
            },
            ButtonAction::List {
                page: 3,
                topic: Some("surgery".into()),
            },
            ButtonAction::List {
                page: 0,
                topic: None,
            },
        ] {
            assert_eq!(
                ButtonAction::parse(&a.custom_id().unwrap()),
                Some(a.clone())
            );
        }
        assert_eq!(ButtonAction::parse("medfaq:share:x:id"), None);
    }

    #[test]
    fn a_custom_id_that_would_not_fit_is_left_out_never_cut() {
        // 100 characters exactly fit; one more and there is no custom id at all (a cut one
        // would name another entry, or none).
        let fits = ButtonAction::Show {
            id: "x".repeat(limits::CUSTOM_ID - "medfaq:show:".len()),
        };
        assert_eq!(fits.custom_id().map(|c| c.chars().count()), Some(100));
        let long = ButtonAction::Share {
            id: "y".repeat(90),
            alert: None,
        };
        assert_eq!(long.custom_id(), None, "a custom id over 100 characters");
    }
}
