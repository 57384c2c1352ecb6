//! Scrubbing question text before it is stored: Discord mentions, links, e-mail
//! addresses and phone numbers become placeholders. Pure.

use std::sync::LazyLock;

use regex::Regex;

/// `(pattern, placeholder)`, applied in order (e-mail before links and mentions, so an
/// address is one `[email]`, not a link and a mention).
static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // e-mail addresses
        (
            r"(?i)[a-z0-9._%+\-]+@[a-z0-9\-]+(\.[a-z0-9\-]+)*\.[a-z]{2,}",
            "[email]",
        ),
        // links: with a scheme, www., or a bare domain with a common top-level domain
        (r"(?i)<?\b(https?://|www\.)[^\s>]+>?", "[link]"),
        (
            r"(?i)\b[a-z0-9\-]+(\.[a-z0-9\-]+)*\.(com|org|net|io|gg|co|uk|de|fr|nl|ca|au|info|me|ly|app|dev|health)\b(/[^\s]*)?",
            "[link]",
        ),
        // Discord user, role and channel mentions, @everyone/@here, and @handles
        (r"<(@[!&]?|#)[0-9]+>", "[mention]"),
        (r"(?i)@(everyone|here)\b", "[mention]"),
        (r"(^|[^\w])@[\w.]{2,32}", "$1[mention]"),
        // phone numbers: 7+ digits with optional +, spaces, dots, dashes, parentheses
        (r"\+?\(?\d[\d\s().\-]{5,}\d", "[phone]"),
    ]
    .into_iter()
    .map(|(p, r)| (Regex::new(p).expect("valid scrub pattern"), r))
    .collect()
});

/// `text` with mentions, links, e-mail addresses and phone numbers replaced by
/// `[mention]`, `[link]`, `[email]` and `[phone]`, whitespace collapsed.
///
/// ```
/// use medfaq::insights::scrub::scrub;
/// assert_eq!(
///     scrub("<@123> mail bob@x.org or call +44 20 7946 0958, see https://x.io/a"),
///     "[mention] mail [email] or call [phone], see [link]"
/// );
/// assert_eq!(scrub("is 400mg of magnesium ok for 2 weeks?"), "is 400mg of magnesium ok for 2 weeks?");
/// ```
pub fn scrub(text: &str) -> String {
    let mut out = text.to_string();
    for (re, with) in RULES.iter() {
        if re.is_match(&out) {
            out = re
                .replace_all(&out, |c: &regex::Captures| {
                    // Phone rule: at least 7 digits, so doses and dates with few digits stay.
                    let m = c.get(0).map_or("", |m| m.as_str());
                    if *with == "[phone]" && m.chars().filter(char::is_ascii_digit).count() < 7 {
                        return m.to_string();
                    }
                    let mut s = String::new();
                    c.expand(with, &mut s);
                    s
                })
                .into_owned();
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn scrubs_each_kind() {
        for (input, want) in [
            (
                "ask <@!1234567890> or <@&55> in <#77>",
                "ask [mention] or [mention] in [mention]",
            ),
            ("hey @everyone and @here", "hey [mention] and [mention]"),
            ("ping @some.user please", "ping [mention] please"),
            ("see www.example.com/x?y=1 now", "see [link] now"),
            ("read <https://a.b/c>", "read [link]"),
            ("go to mysite.org/page", "go to [link]"),
            ("j.doe+tag@mail.example.co.uk wrote", "[email] wrote"),
            (
                "call 555-123-4567 or (020) 7946 0958",
                "call [phone] or [phone]",
            ),
            ("+1 (555) 123 4567", "[phone]"),
        ] {
            assert_eq!(scrub(input), want, "{input:?}");
        }
    }

    #[test]
    fn keeps_ordinary_health_text() {
        for text in [
            "can i take 400 mg magnesium after my 2nd surgery?",
            "bp 120/80, is that ok",
            "migraine for 3 days, b2 dose?",
            "is it safe at 37.5 weeks",
        ] {
            assert_eq!(scrub(text), text);
        }
    }
}
