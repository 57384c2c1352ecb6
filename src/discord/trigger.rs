//! When a chat message triggers the bot: mention handling (user and role mentions) and
//! "reads as a question".
//! Pure.

/// Words that open a question when the member leaves out the `?`.
const QUESTION_WORDS: &[&str] = &[
    "how", "what", "whats", "what's", "when", "where", "why", "who", "which", "can", "could",
    "should", "would", "is", "are", "am", "do", "does", "did", "will", "may", "might", "has",
    "have", "any", "anyone", "anybody", "does", "shall", "isnt", "isn't", "cant", "can't",
];

/// Whether a message reads as a question: it has a `?`, or its first word is a question
/// word, and it has at least two words.
///
/// ```
/// use medfaq::discord::trigger::reads_as_question;
/// assert!(reads_as_question("can i take magnesium after surgery"));
/// assert!(reads_as_question("magnesium after surgery?"));
/// assert!(!reads_as_question("thanks everyone, feeling better today"));
/// assert!(!reads_as_question("?"));
/// ```
pub fn reads_as_question(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() < 2 {
        return false;
    }
    if text.contains('?') {
        return true;
    }
    let first = words[0]
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
        .to_lowercase();
    QUESTION_WORDS.contains(&first.as_str())
}

/// Whether `text` mentions user `id` (`<@id>` or `<@!id>`).
pub fn mentions(text: &str, id: u64) -> bool {
    text.contains(&format!("<@{id}>")) || text.contains(&format!("<@!{id}>"))
}

/// Whether `text` mentions role `id` (`<@&id>`).
pub fn mentions_role(text: &str, id: u64) -> bool {
    text.contains(&format!("<@&{id}>"))
}

/// `text` without mentions of user `id`, trimmed.
///
/// ```
/// use medfaq::discord::trigger::strip_mention;
/// assert_eq!(strip_mention("<@42> is ibuprofen ok?", 42), "is ibuprofen ok?");
/// ```
pub fn strip_mention(text: &str, id: u64) -> String {
    strip_mentions(text, id, &[])
}

/// `text` without mentions of user `id` and of the roles `roles`, trimmed.
///
/// ```
/// use medfaq::discord::trigger::strip_mentions;
/// assert_eq!(strip_mentions("<@&7> is ibuprofen ok? <@!42>", 42, &[7]), "is ibuprofen ok?");
/// ```
pub fn strip_mentions(text: &str, id: u64, roles: &[u64]) -> String {
    let mut text = text
        .replace(&format!("<@{id}>"), " ")
        .replace(&format!("<@!{id}>"), " ");
    for r in roles {
        text = text.replace(&format!("<@&{r}>"), " ");
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_and_statements() {
        for q in [
            "Is it safe to take ibuprofen with my meds",
            "what's the best time to take magnesium",
            "mag after fusion ok?",
            "Anyone know if B2 helps migraines",
        ] {
            assert!(reads_as_question(q), "{q}");
        }
        for s in [
            "good morning all",
            "I had my surgery today",
            "",
            "hi",
            "ok?",
        ] {
            assert!(!reads_as_question(s), "{s}");
        }
    }

    #[test]
    fn mention_forms() {
        assert!(mentions("hey <@!7> help", 7));
        assert!(!mentions("hey <@77> help", 7));
        assert_eq!(strip_mention("<@!7>   hello  <@7>", 7), "hello");
    }
}
