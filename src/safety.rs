//! Emergency and crisis detection, run before matching.
//!
//! Patterns and notices live in the moderator-editable `faq/safety.toml`; this module
//! parses that text and checks a message against it. Pure: no I/O.
//!
//! The file has two tables, `[emergency]` and `[crisis]`, each with a `notice` (shown at
//! the top of the reply) and `patterns` (regular expressions). Patterns are matched as
//! whole words against the message after [`simplify`]: lowercase words separated by
//! single spaces, apostrophes dropped (`can't` -> `cant`), stretched letters cut to two.
//! A crisis match wins over an emergency match.

use regex::Regex;

use crate::faq::{Problem, Problems};
use crate::matcher::normalize::words;

/// What kind of urgent help a message needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Alert {
    /// Something medically urgent happening now (chest pain, can't breathe, overdose...).
    Emergency,
    /// Self-harm or suicidal intent.
    Crisis,
}

/// Longest message prefix the safety check reads (characters).
const MAX_CHECK_CHARS: usize = 4000;

/// One alert's notice and compiled patterns.
#[derive(Debug, Clone)]
struct Section {
    notice: String,
    /// All patterns as one whole-word alternation (`None` when there are none).
    matcher: Option<Regex>,
    count: usize,
}

/// Parsed `safety.toml`: patterns plus the notice text for each alert.
#[derive(Debug, Clone)]
pub struct Rules {
    emergency: Section,
    crisis: Section,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    emergency: RawSection,
    crisis: RawSection,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    notice: String,
    #[serde(default)]
    patterns: Vec<String>,
}

/// The message as patterns see it: lowercase words joined by single spaces.
///
/// ```
/// assert_eq!(medfaq::safety::simplify("I CAN'T   breeeathe!!"), "i cant breeathe");
/// ```
pub fn simplify(message: &str) -> String {
    let cut = crate::matcher::normalize::truncate_chars(message, MAX_CHECK_CHARS);
    words(cut).join(" ")
}

/// 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.find(needle)
        .map(|at| text[..at].bytes().filter(|&b| b == b'\n').count() + 1)
}

impl Rules {
    /// Parses `safety.toml`. Every invalid pattern and empty notice is reported.
    pub fn parse(text: &str, origin: &str) -> Result<Rules, Problems> {
        let problem = |line: Option<usize>, message: String| Problem {
            origin: origin.to_string(),
            line,
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
            // Some syntax errors come with an empty message (e.g. a stray `\r`): never
            // hand a moderator a problem that says nothing.
            let message = e.message().trim();
            let message = if message.is_empty() {
                "this is not valid TOML; check the quotes, commas, brackets and `=` signs \
                 on this line or the one before"
                    .to_string()
            } else {
                message.to_string()
            };
            vec![problem(line, message)]
        })?;
        let mut problems = Vec::new();
        let mut section = |name: &str, raw: RawSection| -> Section {
            let notice = raw.notice.trim().to_string();
            if notice.is_empty() {
                problems.push(problem(
                    line_of(text, &format!("[{name}]")),
                    format!("[{name}] notice must not be empty"),
                ));
            }
            let mut ok = Vec::new();
            for p in &raw.patterns {
                if p.trim().is_empty() {
                    problems.push(problem(
                        line_of(text, &format!("[{name}]")),
                        format!("[{name}] has an empty pattern"),
                    ));
                    continue;
                }
                match Regex::new(p) {
                    Ok(_) => ok.push(format!("(?:{p})")),
                    Err(e) => problems.push(problem(
                        line_of(text, p),
                        format!("[{name}] pattern `{p}` is not a valid regular expression: {e}"),
                    )),
                }
            }
            let matcher = (!ok.is_empty()).then(|| {
                Regex::new(&format!(r"\b(?:{})\b", ok.join("|"))).expect("each part is valid")
            });
            Section {
                notice,
                matcher,
                count: ok.len(),
            }
        };
        let emergency = section("emergency", raw.emergency);
        let crisis = section("crisis", raw.crisis);
        if problems.is_empty() {
            Ok(Rules { emergency, crisis })
        } else {
            Err(problems)
        }
    }

    /// The rules shipped in the bundled `faq/safety.toml` (compiled in), for tests and
    /// tools that build a FAQ in code.
    pub fn bundled() -> Rules {
        Rules::parse(include_str!("../faq/safety.toml"), "faq/safety.toml")
            .expect("the bundled safety.toml is valid")
    }

    /// Number of (emergency, crisis) patterns.
    pub fn pattern_counts(&self) -> (usize, usize) {
        (self.emergency.count, self.crisis.count)
    }

    /// The alert this message raises, if any.
    pub fn check(&self, message: &str) -> Option<Alert> {
        let text = simplify(message);
        let hit = |s: &Section| s.matcher.as_ref().is_some_and(|m| m.is_match(&text));
        if hit(&self.crisis) {
            Some(Alert::Crisis)
        } else if hit(&self.emergency) {
            Some(Alert::Emergency)
        } else {
            None
        }
    }

    /// The urgent-help notice shown at the top of a reply for `alert`.
    pub fn notice(&self, alert: Alert) -> &str {
        match alert {
            Alert::Emergency => &self.emergency.notice,
            Alert::Crisis => &self.crisis.notice,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_rules_flag_emergencies_now() {
        let r = Rules::bundled();
        for m in [
            "I took the whole bottle of magnesium and feel like I'm going to pass out",
            "i can't breathe after my infusion",
            "i cant breath",
            "I CANNOT BREATHE!!!",
            "im having chest pain after my iv",
            "my chest hurts really bad",
            "I think I overdosed on magnesium",
            "i took way too many mag pills",
            "sudden numbness in my groin after back surgery",
            "can't control my bladder since the fusion",
            "lost bladder control after my surgery",
            "I can't feel my legs",
            "worst headache of my life right now",
            "my husband is having a seizure",
            "the bleeding won't stop",
            "i passed out after the drip",
            "my throat is closing",
            "i cnt breathe",
            "having trouble breathing right now",
            "chest pain after the infusion",
            "my chest is really tight",
            "took 30 mag pills",
            "worst headache i've ever had, came on suddenly",
            // carers reporting on someone with them
            "my mom passed out after taking magnesium",
            "my wife took a whole bottle of mag pills",
            "my son swallowed a bunch of my magnesium pills",
            "my dad just collapsed",
            "my friend overdosed on magnesium",
            "my dad can't breathe after his infusion",
            "my kid swallowed a battery",
            "my toddler just swallowed a button battery",
            "my son ate one of the magnets",
            "she drank bleach",
        ] {
            assert_eq!(r.check(m), Some(Alert::Emergency), "{m}");
        }
    }

    #[test]
    fn bundled_rules_flag_crisis() {
        let r = Rules::bundled();
        for m in [
            "thinking about ending my life",
            "I want to kill myself",
            "i've been feeling suicidal",
            "I don't want to live anymore",
            "i keep hurting myself",
            "I took the whole bottle because I want to die",
            "i keep having suicidal thoughts",
        ] {
            assert_eq!(r.check(m), Some(Alert::Crisis), "{m}");
        }
        assert!(r.notice(Alert::Crisis).contains("988"));
        assert!(r.notice(Alert::Emergency).contains("emergency"));
    }

    #[test]
    fn general_questions_are_not_emergencies() {
        let r = Rules::bundled();
        for m in [
            "what are the signs of too much magnesium",
            "can magnesium cause breathing problems",
            "magnesium overdose symptoms muscle weakness",
            "can you overdose on magnesium",
            "does magnesium help chest pain",
            "does iv magnesium help headaches",
            "is it normal to feel faint after an infusion",
            "magnesium for nerve pain after back surgery",
            "does magnesium cause numbness",
            "what does the infusion feel like, does it hurt",
            "my complaint about the clinic",
            "migraine is killing me lol",
            "does iv magnesium cause chest pain",
            "what if I pass out during the infusion",
            "can magnesium cause bleeding",
            "does magnesium affect bladder control",
            "took 2 mag pills this morning",
            "what happens if a child swallows a battery",
            "can magnets help with pain",
            "can magnesium help with seizures",
            "what happens if someone takes too much magnesium",
            "can you pass out from an iv",
            "",
        ] {
            assert_eq!(r.check(m), None, "{m}");
        }
    }

    #[test]
    fn parse_reports_every_bad_pattern_with_its_line() {
        let text = "[emergency]\nnotice = \"call\"\npatterns = [\n  'ok',\n  '(unclosed',\n]\n[crisis]\nnotice = \" \"\npatterns = ['a[']\n";
        let problems = Rules::parse(text, "safety.toml").unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert_eq!(problems[0].line, Some(5));
        assert!(problems[1].message.contains("notice"));
        assert_eq!(problems[2].line, Some(9));
    }

    #[test]
    fn parse_rejects_unknown_keys_and_bad_toml() {
        let p = Rules::parse(
            "[emergency]\nnotice='x'\npaterns=[]\n[crisis]\nnotice='y'\n",
            "s.toml",
        )
        .unwrap_err();
        assert!(p[0].message.contains("paterns"), "{p:?}");
        assert!(Rules::parse("not toml [", "s.toml").is_err());
    }

    #[test]
    fn patterns_match_whole_words() {
        let r = Rules::parse(
            "[emergency]\nnotice='call'\npatterns=['faint']\n[crisis]\nnotice='talk'\n",
            "s.toml",
        )
        .unwrap();
        assert_eq!(r.check("I might FAINT"), Some(Alert::Emergency));
        assert_eq!(r.check("a complaint"), None);
        assert_eq!(r.pattern_counts(), (1, 0));
    }
}
