//! Reading the moderator-editable safety files (`faq/safety/*.toml`) into [`Rules`].
//!
//! Every file has the same shape and any of these parts (see `faq/safety/README.md`):
//!
//! ```toml
//! [notice]                 # the urgent-help notices (exactly once across the files)
//! emergency = "..."
//! crisis = "..."
//!
//! [words]                  # word lists: NAME = ["word", "two words", "prefix*"]
//! BREATHE = ["breathe", "breath*", "air"]
//!
//! [typos]                  # words never corrected into a safety word
//! never_correct = ["cooking"]
//!
//! [[rule]]                 # what raises an alert
//! category = "breathing"
//! alert = "emergency"
//! match = ["CANT BREATHE"]
//!
//! [[guard]]                # what keeps a rule quiet
//! name = "general question"
//! where = "before"
//! match = ["signs of"]
//!
//! [model]                  # the safety model's switches (at most once)
//! veto = false             # the default; true: the model may keep a rule quiet
//! ```
//!
//! Every problem is collected with its file and line and worded for a moderator.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use toml::Spanned;

use super::vocab::{Term, Vocab};
use super::{Alert, Atom, Element, Guard, Notices, Pattern, Rule, Rules, Where};
use crate::faq::{Problem, Problems};
use crate::matcher::normalize::words;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    notice: Option<Spanned<RawNotice>>,
    #[serde(default)]
    words: BTreeMap<String, Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    typos: Option<RawTypos>,
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
    #[serde(default)]
    guard: Vec<Spanned<RawGuard>>,
    #[serde(default)]
    model: Option<Spanned<RawModel>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    veto: Option<bool>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotice {
    emergency: Option<Spanned<String>>,
    crisis: Option<Spanned<String>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTypos {
    #[serde(default)]
    never_correct: Vec<Spanned<String>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    category: Spanned<String>,
    alert: Spanned<String>,
    #[serde(default = "default_rule_gap")]
    gap: u16,
    #[serde(default)]
    any_order: bool,
    #[serde(default)]
    across_sentences: bool,
    #[serde(default)]
    strong: bool,
    #[serde(rename = "match")]
    patterns: Vec<Spanned<String>>,
}

fn default_rule_gap() -> u16 {
    3
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGuard {
    name: Spanned<String>,
    #[serde(rename = "where")]
    place: Spanned<String>,
    #[serde(default)]
    within: Option<u16>,
    #[serde(default)]
    same_clause: bool,
    #[serde(default)]
    through: Option<Spanned<String>>,
    #[serde(default)]
    applies_to: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    categories: Vec<Spanned<String>>,
    #[serde(default)]
    not_categories: Vec<Spanned<String>>,
    #[serde(default)]
    strong: bool,
    #[serde(default)]
    gap: u16,
    #[serde(rename = "match")]
    patterns: Vec<Spanned<String>>,
    #[serde(default)]
    unless: Vec<Spanned<String>>,
    /// Patterns that cancel the guard wherever they are in the message.
    #[serde(default)]
    unless_anywhere: Vec<Spanned<String>>,
    /// `before` guards: patterns that end the guard's reach (a new statement).
    #[serde(default)]
    stop_at: Vec<Spanned<String>>,
    /// A word list: a stop right after one of its words does not count ("if my ...").
    #[serde(default)]
    stop_not_after: Option<Spanned<String>>,
}

/// Largest `gap` / `within` accepted (words).
const MAX_GAP: u16 = 40;

/// 1-based line of byte offset `at` in `text`.
fn line_at(text: &str, at: usize) -> usize {
    text[..at.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// A pattern string before its names are resolved.
struct PendingPattern {
    origin: String,
    line: usize,
    text: String,
}

/// A guard read from a file, its pattern lists not yet resolved.
struct PendingGuard {
    raw: RawGuard,
    origin: String,
    line: usize,
    patterns: Vec<PendingPattern>,
    unless: Vec<PendingPattern>,
    unless_anywhere: Vec<PendingPattern>,
    stop_at: Vec<PendingPattern>,
}

/// Collects the files, then compiles them together (a word list may be used in a file
/// other than the one that defines it).
#[derive(Default)]
pub(super) struct Builder {
    problems: Problems,
    notice_emergency: Option<String>,
    notice_crisis: Option<String>,
    notice_seen: Option<(String, usize)>,
    /// `[model] veto`, and where the `[model]` table was
    model_veto: Option<bool>,
    model_seen: Option<(String, usize)>,
    /// list name -> (entries with their origin and line)
    lists: BTreeMap<String, Vec<(String, String, usize)>>,
    never_correct: Vec<String>,
    rules: Vec<(RawRule, String, usize, Vec<PendingPattern>)>,
    guards: Vec<PendingGuard>,
    first_origin: Option<String>,
    /// every pattern made, by id: the concepts it is indexed under
    pattern_triggers: Vec<Option<Vec<u16>>>,
}

impl Builder {
    fn problem(&mut self, origin: &str, line: Option<usize>, message: impl Into<String>) {
        self.problems.push(Problem {
            origin: origin.to_string(),
            line,
            message: message.into(),
        });
    }

    /// The word list a guard field such as `through = "LIST"` names, if it exists.
    fn list_field(
        &mut self,
        names: &FxHashMap<String, u16>,
        field: &str,
        value: Option<&Spanned<String>>,
        guard: &str,
        origin: &str,
        line: usize,
    ) -> Option<u16> {
        let list = value?.get_ref();
        let id = names.get(list).copied();
        if id.is_none() {
            self.problem(
                origin,
                Some(line),
                format!("guard `{guard}`: `{field} = \"{list}\"` is not a word list"),
            );
        }
        id
    }

    /// Reads one file's text.
    pub(super) fn add(&mut self, text: &str, origin: &str) {
        self.first_origin.get_or_insert_with(|| origin.to_string());
        let raw: RawFile = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                let line = e.span().map(|s| line_at(text, s.start));
                let message = e.message().trim();
                let message = if message.is_empty() {
                    "this is not valid TOML; check the quotes, commas, brackets and `=` signs \
                     on this line or the one before"
                        .to_string()
                } else {
                    message.to_string()
                };
                self.problem(origin, line, message);
                return;
            }
        };
        let pending = |list: &[Spanned<String>]| -> Vec<PendingPattern> {
            list.iter()
                .map(|p| PendingPattern {
                    origin: origin.to_string(),
                    line: line_at(text, p.span().start),
                    text: p.get_ref().clone(),
                })
                .collect()
        };
        if let Some(notice) = raw.notice {
            let line = line_at(text, notice.span().start);
            if let Some((first, first_line)) = &self.notice_seen {
                let message = format!(
                    "[notice] is already set in {first}:{first_line}: keep the notices in one file"
                );
                self.problem(origin, Some(line), message);
            } else {
                self.notice_seen = Some((origin.to_string(), line));
                let notice = notice.into_inner();
                for (name, value, slot) in [
                    ("emergency", notice.emergency, &mut self.notice_emergency),
                    ("crisis", notice.crisis, &mut self.notice_crisis),
                ] {
                    match value {
                        Some(v) if !v.get_ref().trim().is_empty() => {
                            *slot = Some(v.get_ref().trim().to_string())
                        }
                        Some(v) => self.problems.push(Problem {
                            origin: origin.to_string(),
                            line: Some(line_at(text, v.span().start)),
                            message: format!(
                                "the {name} notice is empty: members in danger would see nothing"
                            ),
                        }),
                        None => self.problems.push(Problem {
                            origin: origin.to_string(),
                            line: Some(line),
                            message: format!("[notice] needs `{name} = \"...\"`"),
                        }),
                    }
                }
            }
        }
        if let Some(model) = raw.model {
            let line = line_at(text, model.span().start);
            if let Some((first, first_line)) = &self.model_seen {
                let message = format!(
                    "[model] is already set in {first}:{first_line}: keep the model's switches \
                     in one file"
                );
                self.problem(origin, Some(line), message);
            } else {
                self.model_seen = Some((origin.to_string(), line));
                self.model_veto = model.into_inner().veto;
            }
        }
        for (name, list) in raw.words {
            let line = line_at(text, list.span().start);
            if !is_list_name(&name) {
                self.problem(
                    origin,
                    Some(line),
                    format!(
                        "word list `{name}`: names are written in CAPITALS, digits and `_` \
                         (e.g. `BREATHE`), so patterns can tell them from plain words"
                    ),
                );
                continue;
            }
            if list.get_ref().is_empty() {
                self.problem(origin, Some(line), format!("word list `{name}` is empty"));
            }
            let entries = self.lists.entry(name).or_default();
            for w in list.into_inner() {
                entries.push((
                    w.get_ref().clone(),
                    origin.to_string(),
                    line_at(text, w.span().start),
                ));
            }
        }
        if let Some(t) = raw.typos {
            for w in t.never_correct {
                self.never_correct.extend(words(w.get_ref()));
            }
        }
        for r in raw.rule {
            let line = line_at(text, r.span().start);
            let r = r.into_inner();
            let pats = pending(&r.patterns);
            self.rules.push((r, origin.to_string(), line, pats));
        }
        for g in raw.guard {
            let line = line_at(text, g.span().start);
            let g = g.into_inner();
            self.guards.push(PendingGuard {
                patterns: pending(&g.patterns),
                unless: pending(&g.unless),
                unless_anywhere: pending(&g.unless_anywhere),
                stop_at: pending(&g.stop_at),
                raw: g,
                origin: origin.to_string(),
                line,
            });
        }
    }

    /// Compiles everything read; every problem found, or the rules.
    pub(super) fn finish(mut self) -> Result<Rules, Problems> {
        let mut vocab = Vocab::default();
        let mut names: FxHashMap<String, u16> = FxHashMap::default();
        let lists = std::mem::take(&mut self.lists);
        for (name, entries) in &lists {
            let id = vocab.add_concept(name);
            names.insert(name.clone(), id);
            for (entry, origin, line) in entries {
                match parse_term_words(entry) {
                    Ok(terms) => vocab.add_entry(id, terms),
                    Err(why) => self.problem(
                        origin,
                        Some(*line),
                        format!("word list `{name}`, entry \"{entry}\": {why}"),
                    ),
                }
            }
        }
        vocab.never_correct(std::mem::take(&mut self.never_correct));

        let mut rules = Vec::new();
        let mut categories: Vec<String> = Vec::new();
        for (raw, origin, line, pats) in std::mem::take(&mut self.rules) {
            let alert = match raw.alert.get_ref().as_str() {
                "emergency" => Some(Alert::Emergency),
                "crisis" => Some(Alert::Crisis),
                other => {
                    let l = Some(line_at_pending(&pats, line));
                    self.problem(
                        &origin,
                        l,
                        format!("rule alert `{other}`: write `emergency` or `crisis`"),
                    );
                    None
                }
            };
            let category = raw.category.get_ref().trim().to_string();
            if category.is_empty() {
                self.problem(&origin, Some(line), "a rule needs a `category` name");
            }
            if raw.gap > MAX_GAP {
                self.problem(
                    &origin,
                    Some(line),
                    format!("rule gap {} is more than {MAX_GAP} words", raw.gap),
                );
            }
            if pats.is_empty() {
                self.problem(
                    &origin,
                    Some(line),
                    format!("rule `{category}` has an empty `match` list"),
                );
            }
            let patterns = self.patterns(&pats, &mut vocab, &mut names);
            if !categories.contains(&category) {
                categories.push(category.clone());
            }
            if let Some(alert) = alert {
                rules.push(Rule {
                    category,
                    alert,
                    gap: raw.gap,
                    any_order: raw.any_order,
                    across_sentences: raw.across_sentences,
                    strong: raw.strong,
                    patterns,
                    guards: Vec::new(),
                });
            }
        }

        let mut guards = Vec::new();
        for pg in std::mem::take(&mut self.guards) {
            let PendingGuard {
                raw,
                origin,
                line,
                patterns: pats,
                unless,
                unless_anywhere,
                stop_at: stop,
            } = pg;
            let within = raw.within.unwrap_or(MAX_GAP);
            let place = match raw.place.get_ref().as_str() {
                "before" => Some(Where::Before(within)),
                "after" => Some(Where::After(within)),
                "sentence" => Some(Where::Sentence),
                "clause" => Some(Where::Clause),
                "overlap" => Some(Where::Overlap),
                "message" => Some(Where::Message),
                other => {
                    self.problem(
                        &origin,
                        Some(line),
                        format!(
                            "guard `where = \"{other}\"`: write one of before, after, sentence, \
                             clause, overlap, message"
                        ),
                    );
                    None
                }
            };
            if within > MAX_GAP || raw.gap > MAX_GAP {
                self.problem(
                    &origin,
                    Some(line),
                    format!("guard `within` and `gap` are at most {MAX_GAP} words"),
                );
            }
            let mut applies = [true, true];
            if let Some(list) = &raw.applies_to {
                applies = [false, false];
                for a in list {
                    match a.get_ref().as_str() {
                        "emergency" => applies[0] = true,
                        "crisis" => applies[1] = true,
                        other => self.problem(
                            &origin,
                            Some(line),
                            format!(
                                "guard `{}`: applies_to `{other}`: write `emergency` or `crisis`",
                                raw.name.get_ref()
                            ),
                        ),
                    }
                }
            }
            for c in raw.categories.iter().chain(&raw.not_categories) {
                if !categories.contains(c.get_ref()) {
                    self.problem(
                        &origin,
                        Some(line),
                        format!(
                            "guard `{}` names category `{}`, which no rule has (categories: {})",
                            raw.name.get_ref(),
                            c.get_ref(),
                            categories.join(", ")
                        ),
                    );
                }
            }
            let name = raw.name.get_ref();
            if !raw.stop_at.is_empty() && !matches!(place, Some(Where::Before(_))) {
                self.problem(
                    &origin,
                    Some(line),
                    format!("guard `{name}`: `stop_at` works only with `where = \"before\"`"),
                );
            }
            let through =
                self.list_field(&names, "through", raw.through.as_ref(), name, &origin, line);
            let stop_not_after = self.list_field(
                &names,
                "stop_not_after",
                raw.stop_not_after.as_ref(),
                name,
                &origin,
                line,
            );
            if pats.is_empty() {
                self.problem(
                    &origin,
                    Some(line),
                    format!("guard `{}` has an empty `match` list", raw.name.get_ref()),
                );
            }
            let patterns = self.patterns(&pats, &mut vocab, &mut names);
            let unless = self.patterns(&unless, &mut vocab, &mut names);
            let unless_anywhere = self.patterns(&unless_anywhere, &mut vocab, &mut names);
            let stop_at = self.patterns(&stop, &mut vocab, &mut names);
            if let Some(place) = place {
                guards.push(Guard {
                    name: raw.name.get_ref().clone(),
                    place,
                    same_clause: raw.same_clause,
                    through,
                    applies,
                    categories: raw.categories.iter().map(|c| c.get_ref().clone()).collect(),
                    not_categories: raw
                        .not_categories
                        .iter()
                        .map(|c| c.get_ref().clone())
                        .collect(),
                    strong: raw.strong,
                    gap: raw.gap,
                    origin: format!("{origin}:{line}"),
                    patterns,
                    unless,
                    unless_anywhere,
                    stop_at,
                    stop_not_after,
                    stop_group: guards.len(),
                });
            }
        }

        let first = self.first_origin.clone().unwrap_or_else(|| "safety".into());
        let emergency = self.notice_emergency.take();
        let crisis = self.notice_crisis.take();
        if self.notice_seen.is_none() {
            self.problem(
                &first,
                None,
                "no [notice] table: the safety files need the emergency and crisis notices",
            );
        }
        if self.problems.is_empty() {
            vocab.finish();
            // guards with the same stops share them (computed once per message)
            for i in 0..guards.len() {
                let (before, rest) = guards.split_at_mut(i);
                let g = &mut rest[0];
                if let Some(first) = before.iter().find(|f| {
                    f.stop_not_after == g.stop_not_after
                        && f.stop_at.len() == g.stop_at.len()
                        && f.stop_at
                            .iter()
                            .zip(&g.stop_at)
                            .all(|(x, y)| x.text == y.text)
                }) {
                    g.stop_group = first.stop_group;
                }
            }
            let mut rules = Rules {
                notices: Notices {
                    emergency: emergency.unwrap_or_default(),
                    crisis: crisis.unwrap_or_default(),
                },
                vocab,
                rules,
                guards,
                model: None,
                // Off unless a moderator turns it on: a diluted long message can fall below the
                // veto level even with an emergency sentence in it (docs/safety.md).
                model_veto: self.model_veto.unwrap_or(false),
                trigger_ends: Vec::new(),
                trigger_ids: Vec::new(),
                untriggered: Vec::new(),
                pattern_count: 0,
                consecutive_ids: false,
                check_order: Vec::new(),
                guard_ids: Vec::new(),
                part_from: Vec::new(),
                part_atoms: Vec::new(),
            };
            rules.index_patterns(std::mem::take(&mut self.pattern_triggers));
            rules.link_guards();
            Ok(rules)
        } else {
            Err(self.problems)
        }
    }

    /// Compiles pattern strings; unknown names are problems.
    fn patterns(
        &mut self,
        pending: &[PendingPattern],
        vocab: &mut Vocab,
        names: &mut FxHashMap<String, u16>,
    ) -> Vec<Pattern> {
        let mut out = Vec::new();
        for p in pending {
            match parse_pattern(&p.text, vocab, names) {
                Ok(elements) => {
                    let id = self.pattern_triggers.len() as u32;
                    self.pattern_triggers
                        .push(Rules::trigger_of(&elements, vocab));
                    out.push(Pattern {
                        id,
                        elements,
                        text: p.text.clone(),
                        origin: format!("{}:{}", p.origin, p.line),
                    })
                }
                Err(why) => self.problem(
                    &p.origin,
                    Some(p.line),
                    format!("pattern \"{}\": {why}", p.text),
                ),
            }
        }
        out
    }
}

fn line_at_pending(pats: &[PendingPattern], fallback: usize) -> usize {
    pats.first()
        .map_or(fallback, |p| p.line.saturating_sub(1).max(1))
}

fn is_list_name(name: &str) -> bool {
    !name.is_empty()
        && name.as_bytes()[0].is_ascii_uppercase()
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// One word-list entry as terms: normalized words, the last (or any) may end with `*`.
fn parse_term_words(entry: &str) -> Result<Vec<Term>, String> {
    let mut terms = Vec::new();
    for raw in entry.split_whitespace() {
        let (body, prefix) = match raw.strip_suffix('*') {
            Some(b) => (b, true),
            None => (raw, false),
        };
        let ws = words(body);
        if ws.is_empty() {
            return Err(format!("`{raw}` has no letters or digits"));
        }
        let n = ws.len();
        for (i, w) in ws.into_iter().enumerate() {
            if prefix && i + 1 == n {
                if w.chars().count() < 3 {
                    return Err(format!(
                        "`{raw}`: a word ending in `*` needs at least 3 letters before the `*`"
                    ));
                }
                terms.push(Term::Prefix(w.into()));
            } else {
                terms.push(Term::Word(w.into()));
            }
        }
    }
    if terms.is_empty() {
        return Err("the entry is empty".into());
    }
    if matches!(terms[0], Term::Prefix(_)) && terms.len() > 1 {
        return Err("a phrase must start with a whole word (no `*` on its first word)".into());
    }
    Ok(terms)
}

/// Parses `A b|C ^ #10+` into elements.
fn parse_pattern(
    text: &str,
    vocab: &mut Vocab,
    names: &mut FxHashMap<String, u16>,
) -> Result<Vec<Element>, String> {
    let mut elements = Vec::new();
    for token in text.split_whitespace() {
        let mut alts = Vec::new();
        for alt in token.split('|') {
            if alt.is_empty() {
                return Err(format!("`{token}` has an empty alternative around `|`"));
            }
            if alt == "^" {
                alts.push(Atom::Start);
            } else if let Some(n) = alt.strip_prefix("#-") {
                let n = n.parse::<u32>().map_err(|_| {
                    format!("`{alt}`: write a number as `#10+` (10 or more) or `#-45` (45 or less)")
                })?;
                alts.push(Atom::NumberAtMost(n));
            } else if let Some(n) = alt.strip_prefix('#') {
                let n = n
                    .strip_suffix('+')
                    .and_then(|n| n.parse::<u32>().ok())
                    .ok_or_else(|| format!("`{alt}`: write a number as `#10+` (10 or more)"))?;
                alts.push(Atom::Number(n));
            } else if alt.as_bytes()[0].is_ascii_uppercase() {
                match names.get(alt) {
                    Some(&id) => alts.push(Atom::Concept(id)),
                    None => {
                        let mut known: Vec<&String> = names
                            .keys()
                            .filter(|k| !k.starts_with('='))
                            .filter(|k| strsim::levenshtein(k, alt) <= 2)
                            .collect();
                        known.sort();
                        let hint = if known.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " (did you mean {}?)",
                                known
                                    .iter()
                                    .map(|k| format!("`{k}`"))
                                    .collect::<Vec<_>>()
                                    .join(" or ")
                            )
                        };
                        return Err(format!(
                            "`{alt}` is not a word list: define it under [words]{hint}, or write \
                             a plain word in lowercase"
                        ));
                    }
                }
            } else {
                let terms = parse_term_words(alt)?;
                if terms.len() != 1 {
                    return Err(format!(
                        "`{alt}` is more than one word: put the words of a phrase in a word \
                         list, or write them as separate words"
                    ));
                }
                let key = format!("={alt}");
                let id = match names.get(&key) {
                    Some(&id) => id,
                    None => {
                        let id = vocab.add_concept(&key);
                        vocab.add_entry(id, terms);
                        names.insert(key, id);
                        id
                    }
                };
                alts.push(Atom::Concept(id));
            }
        }
        elements.push(alts);
    }
    if elements.is_empty() {
        return Err("the pattern is empty".into());
    }
    if elements.len() > 8 {
        return Err("a pattern has at most 8 parts".into());
    }
    Ok(elements)
}
