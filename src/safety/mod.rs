//! Emergency and crisis detection, run on every message before matching. Pure: no I/O.
//!
//! The rules are moderator-editable files (`faq/safety/*.toml`, read by
//! [`crate::knowledge`]); this module parses them ([`Rules::parse_files`]) and checks a
//! message against them ([`Rules::check`], explained by [`Rules::assess`]). The detector
//! reads meaning rather than exact strings:
//!
//! 1. The message is cut into words as the matcher reads it (same normalization), with
//!    sentence and clause numbers ([`text`]).
//! 2. Each word is looked up in the word lists ("concepts": `BREATHE`, `THROAT`, `PILLS`,
//!    ...); a word that is in no list and is not a known English word is typo-corrected
//!    against the lists ([`vocab`]).
//! 3. A **rule** fires when its pattern's parts appear in order (or in any order when
//!    the rule says so), each at most `gap` words after the previous one, in one sentence:
//!    "CANT BREATHE" fires on "I literally can't really breathe".
//! 4. A **guard** keeps a rule occurrence quiet when it is a general question, a
//!    hypothetical, the past, negated, an idiom, gaming talk, ... Guards never suppress a
//!    `strong` rule unless the guard itself says `strong = true` (negation, the past):
//!    "I want to kill myself lol" still raises the crisis notice.
//!
//! A crisis finding wins over an emergency finding (the crisis notice also tells people
//! in danger to call emergency services).
//!
//! When no rule fires, the optional [`model`] (`faq/safety/model.tsv`, two small logistic
//! regressions) raises its class when its probability reaches its threshold. When a rule
//! fires but both of the model's probabilities are below its veto level (the model is
//! confident nothing urgent is happening: someone asking how to support a friend, a game,
//! an idiom), the rule is kept quiet; `[model] veto = false` in a safety file turns that
//! off.

pub mod model;
mod parse;
mod table;
pub mod text;
mod vocab;

use crate::faq::Problems;
use model::{Model, ModelView};
use std::sync::Arc;
use vocab::{Tagged, Vocab};

/// What kind of urgent help a message needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Alert {
    /// Something medically urgent happening now (chest pain, can't breathe, overdose...).
    Emergency,
    /// Self-harm or suicidal thoughts.
    Crisis,
}

impl Alert {
    /// `emergency` or `crisis`.
    pub fn as_str(self) -> &'static str {
        match self {
            Alert::Emergency => "emergency",
            Alert::Crisis => "crisis",
        }
    }
}

/// The notices shown at the top of a reply.
#[derive(Debug, Clone)]
struct Notices {
    emergency: String,
    crisis: String,
}

/// One part of a pattern: matches a word covered by any of its atoms.
type Element = Vec<Atom>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Atom {
    /// A word list (plain words of patterns are one-word lists named `=word`).
    Concept(u16),
    /// `^`: the start of a sentence.
    Start,
    /// `#10+`: a count of at least this much.
    Number(u32),
    /// `#-45`: a count of at most this much.
    NumberAtMost(u32),
}

#[derive(Debug, Clone)]
struct Pattern {
    /// Index among every pattern of the rules and guards, given by the parser in the
    /// order it makes them ([`Rules::index_patterns`]).
    id: u32,
    elements: Vec<Element>,
    text: String,
    /// `file:line`
    origin: String,
}

#[derive(Debug, Clone)]
struct Rule {
    category: String,
    alert: Alert,
    gap: u16,
    any_order: bool,
    across_sentences: bool,
    strong: bool,
    patterns: Vec<Pattern>,
    /// The guards that may keep this rule quiet (they apply to its alert and category,
    /// and are strong when it is), in file order: found once when the rules are built
    /// ([`Rules::link_guards`]), not for every occurrence of the rule.
    guards: Vec<u32>,
}

/// Where a guard's words must be, relative to a rule's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Where {
    /// Ending at most this many words before the rule's words, in the same sentence.
    Before(u16),
    /// Starting at most this many words after them, in the same sentence.
    After(u16),
    Sentence,
    Clause,
    /// Sharing a word with them.
    Overlap,
    Message,
}

#[derive(Debug, Clone)]
struct Guard {
    name: String,
    place: Where,
    /// The guard's words must also be in the rule's clause.
    same_clause: bool,
    /// Words between the guard and the rule's words must all be in this list.
    through: Option<u16>,
    /// [emergency, crisis]
    applies: [bool; 2],
    categories: Vec<String>,
    not_categories: Vec<String>,
    strong: bool,
    gap: u16,
    origin: String,
    patterns: Vec<Pattern>,
    unless: Vec<Pattern>,
    /// Patterns that cancel the guard wherever they are in the message.
    unless_anywhere: Vec<Pattern>,
    /// `before` guards do not reach past these (a new statement: "my husband cant").
    stop_at: Vec<Pattern>,
    /// A stop right after a word of this list does not count ("how do I know if my ...").
    stop_not_after: Option<u16>,
    /// The first guard with the same `stop_at` and `stop_not_after`: its stops, computed
    /// once per message, serve every guard of the group.
    stop_group: usize,
}

/// The compiled safety rules: word lists, rules, guards and the notices.
#[derive(Debug, Clone)]
pub struct Rules {
    notices: Notices,
    vocab: Vocab,
    rules: Vec<Rule>,
    guards: Vec<Guard>,
    /// Consulted when no rule fires, and when one does (its veto).
    model: Option<Arc<Model>>,
    /// Whether the model may veto a rule's alert (`[model] veto`, default on).
    model_veto: bool,
    /// pattern ids by concept: the patterns that can only match a message where the
    /// concept has a hit (each pattern is listed under the concepts of one of its parts);
    /// concept `c`'s are `trigger_ids[trigger_ends[c]..trigger_ends[c + 1]]` (one flat
    /// list: fewer cache misses on every message)
    trigger_ends: Vec<u32>,
    trigger_ids: Vec<u32>,
    /// patterns no concept rules out (every part holds `^` or a number)
    untriggered: Vec<u32>,
    pattern_count: usize,
    /// Every pattern list (of a rule, or a guard's `match`, `unless`, `unless_anywhere`,
    /// `stop_at`) holds consecutive ids in order, as the parser makes them: a list's
    /// patterns that may match are then found from the bits of `Tagged::may_match`
    /// alone ([`Rules::each_may_match`]), without reading every pattern.
    consecutive_ids: bool,
    /// The rules in the order [`Rules::check`] tries them (crisis, then emergency, each in
    /// file order) as (rule index, its pattern ids `lo..hi`), and by guard its `match`
    /// patterns' ids: with consecutive ids, a rule or guard none of whose patterns may
    /// match is passed over from these few bytes and the may-match bits, without reading
    /// it or its patterns (most rules and guards, most messages). Set by
    /// [`Rules::link_guards`].
    check_order: Vec<[u32; 3]>,
    guard_ids: Vec<[u32; 2]>,
    /// Every pattern's parts in one flat list, by pattern id, for [`Rules::all_possible`]:
    /// pattern `id`'s atoms are `part_atoms[part_from[id]..part_from[id + 1]]`, each with
    /// whether it ends its part (empty when some pattern is not in a list: then the
    /// patterns' own elements are read).
    part_from: Vec<u32>,
    part_atoms: Vec<(Atom, bool)>,
}

/// Why one rule fired on a message, or why it was kept quiet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub alert: Alert,
    pub category: String,
    /// The pattern that matched, and its `file:line`.
    pub pattern: String,
    pub origin: String,
    /// The message words it matched (as read, typos corrected).
    pub words: String,
    pub strong: bool,
    /// The guard that kept it quiet, if one did.
    pub suppressed: Option<Suppression>,
}

/// A guard that kept a finding quiet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Suppression {
    pub guard: String,
    pub origin: String,
    pub words: String,
}

/// Everything the safety check saw in a message (for `ask --explain`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Assessment {
    pub alert: Option<Alert>,
    /// The category of the finding that raised the alert.
    pub category: Option<String>,
    pub findings: Vec<Finding>,
    /// (as written, read as)
    pub corrections: Vec<(String, String)>,
    /// What the model saw, when there is one.
    pub model: Option<ModelView>,
    /// A rule fired but the model vetoed it (so `alert` is `None`).
    pub vetoed: bool,
}

/// One occurrence of a pattern: its word range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    from: usize,
    to: usize,
}

impl Rules {
    /// Parses one text holding a whole rule set (notices included).
    pub fn parse(text: &str, origin: &str) -> Result<Rules, Problems> {
        Rules::parse_files(&[(origin.to_string(), text.to_string())])
    }

    /// Parses several files `(origin, text)` as one rule set: word lists defined in one
    /// file may be used in another; the `[notice]` table appears once.
    pub fn parse_files(files: &[(String, String)]) -> Result<Rules, Problems> {
        let mut b = parse::Builder::default();
        for (origin, text) in files {
            b.add(text, origin);
        }
        b.finish()
    }

    /// The rules shipped in the bundled `faq/safety/` (compiled in), for tests and tools
    /// that build a FAQ in code.
    pub fn bundled() -> Rules {
        let files: Vec<(String, String)> = BUNDLED
            .iter()
            .map(|(name, text)| (format!("faq/safety/{name}"), text.to_string()))
            .collect();
        let model = Model::parse(BUNDLED_MODEL, "faq/safety/model.tsv")
            .expect("the bundled safety model is valid");
        Rules::parse_files(&files)
            .expect("the bundled safety rules are valid")
            .with_model(Some(model))
    }

    /// These rules with `model` consulted when no rule fires (`None`: rules only).
    pub fn with_model(mut self, model: Option<Model>) -> Rules {
        self.model = model.map(Arc::new);
        self
    }

    /// The model consulted when no rule fires, if any.
    pub fn model(&self) -> Option<&Model> {
        self.model.as_deref()
    }

    /// Whether the model may veto a rule's alert (`[model] veto` in the safety files).
    pub fn model_veto(&self) -> bool {
        self.model_veto
    }

    /// The model when it may veto a rule's alert.
    fn veto_model(&self) -> Option<&Model> {
        self.model.as_deref().filter(|_| self.model_veto)
    }

    /// Number of (emergency, crisis) patterns.
    pub fn pattern_counts(&self) -> (usize, usize) {
        let count = |a: Alert| {
            self.rules
                .iter()
                .filter(|r| r.alert == a)
                .map(|r| r.patterns.len())
                .sum()
        };
        (count(Alert::Emergency), count(Alert::Crisis))
    }

    /// Every rule category with its alert, in file order, once each.
    pub fn categories(&self) -> Vec<(String, Alert)> {
        let mut out: Vec<(String, Alert)> = Vec::new();
        for r in &self.rules {
            if !out.iter().any(|(c, _)| *c == r.category) {
                out.push((r.category.clone(), r.alert));
            }
        }
        out
    }

    /// The urgent-help notice shown at the top of a reply for `alert`.
    pub fn notice(&self, alert: Alert) -> &str {
        match alert {
            Alert::Emergency => &self.notices.emergency,
            Alert::Crisis => &self.notices.crisis,
        }
    }

    /// The concepts a pattern is indexed under: those of its rarest part (its least
    /// common concepts), so a message only tries the patterns one of its concepts
    /// triggers. None when every part holds `^` or a number (tried on every message).
    fn trigger_of(elements: &[Element], vocab: &Vocab) -> Option<Vec<u16>> {
        elements
            .iter()
            .filter_map(|el| {
                let concepts: Option<Vec<u16>> = el
                    .iter()
                    .map(|a| match *a {
                        Atom::Concept(c) => Some(c),
                        _ => None,
                    })
                    .collect();
                concepts.map(|cs| (cs.iter().map(|&c| vocab.commonness(c)).sum::<u32>(), cs))
            })
            .min_by_key(|(w, _)| *w)
            .map(|(_, cs)| cs)
    }

    /// Fills each rule's `guards`: the guards whose alert, strength and categories let
    /// them keep that rule quiet.
    fn link_guards(&mut self) {
        for rule in &mut self.rules {
            let alert_ix = usize::from(rule.alert == Alert::Crisis);
            rule.guards = (0..self.guards.len() as u32)
                .filter(|&gi| {
                    let g = &self.guards[gi as usize];
                    g.applies[alert_ix]
                        && (!rule.strong || g.strong)
                        && (g.categories.is_empty() || g.categories.contains(&rule.category))
                        && !g.not_categories.contains(&rule.category)
                })
                .collect();
        }
        let ids = |ps: &[Pattern]| {
            ps.first()
                .map_or([0, 0], |p| [p.id, p.id + ps.len() as u32])
        };
        self.check_order = [Alert::Crisis, Alert::Emergency]
            .iter()
            .flat_map(|&alert| {
                let rules = self.rules.iter().enumerate();
                rules.filter(move |(_, r)| r.alert == alert).map(|(i, r)| {
                    let [lo, hi] = ids(&r.patterns);
                    [i as u32, lo, hi]
                })
            })
            .collect();
        self.guard_ids = self.guards.iter().map(|g| ids(&g.patterns)).collect();
        self.flatten_parts();
    }

    /// Sets `part_from` and `part_atoms` from the patterns of every list.
    fn flatten_parts(&mut self) {
        let mut by_id: Vec<Option<&Pattern>> = vec![None; self.pattern_count];
        let lists = self.rules.iter().map(|r| &r.patterns).chain(
            self.guards
                .iter()
                .flat_map(|g| [&g.patterns, &g.unless, &g.unless_anywhere, &g.stop_at]),
        );
        for p in lists.flatten() {
            if let Some(slot) = by_id.get_mut(p.id as usize) {
                *slot = Some(p);
            }
        }
        let (mut from, mut atoms) = (vec![0u32], Vec::new());
        for p in &by_id {
            match p {
                Some(p) if p.elements.iter().all(|el| !el.is_empty()) => {
                    for el in &p.elements {
                        atoms.extend(el.iter().enumerate().map(|(k, &a)| (a, k + 1 == el.len())));
                    }
                    from.push(atoms.len() as u32);
                }
                _ => {
                    (from, atoms) = (Vec::new(), Vec::new());
                    break;
                }
            }
        }
        (self.part_from, self.part_atoms) = (from, atoms);
    }

    /// Whether every part of `p` has a candidate in the message read as `t` (each part
    /// [`Rules::possible`]), from the flat list when there is one: no pattern's own
    /// elements read (most patterns that may match lack a part).
    fn all_possible(&self, p: &Pattern, t: &Tagged) -> bool {
        let id = p.id as usize;
        let Some(&[from, to]) = self.part_from.get(id..id + 2).and_then(|r| r.first_chunk()) else {
            return p.elements.iter().all(|el| Rules::possible(el, t));
        };
        let mut part_ok = false;
        for &(atom, last) in &self.part_atoms[from as usize..to as usize] {
            part_ok = part_ok || Rules::atom_possible(atom, t);
            if last {
                if !part_ok {
                    return false;
                }
                part_ok = false;
            }
        }
        true
    }

    /// Whether a pattern with an id in `lo..hi` may match (false when none may; only
    /// meaningful for a list of consecutive ids).
    fn any_may_match(t: &Tagged, lo: u32, hi: u32) -> bool {
        let (lo, hi) = (lo as usize, hi as usize);
        (lo / 64..hi.div_ceil(64)).any(|w| {
            let mut bits = t.may_match.get(w).copied().unwrap_or(0);
            if w == lo / 64 {
                bits &= u64::MAX << (lo % 64);
            }
            if (w + 1) * 64 > hi {
                bits &= u64::MAX >> (64 - hi % 64);
            }
            bits != 0
        })
    }

    /// Builds the pattern index from every pattern's [`Rules::trigger_of`], by pattern
    /// id (every pattern made by the parser has one, whatever list it is in).
    fn index_patterns(&mut self, triggers_by_pattern: Vec<Option<Vec<u16>>>) {
        let mut triggers: Vec<Vec<u32>> = vec![Vec::new(); self.vocab.concept_count()];
        self.untriggered.clear();
        for (id, trigger) in triggers_by_pattern.iter().enumerate() {
            let id = id as u32;
            match trigger {
                Some(concepts) => {
                    for &c in concepts {
                        let list = &mut triggers[usize::from(c)];
                        if list.last() != Some(&id) {
                            list.push(id);
                        }
                    }
                }
                None => self.untriggered.push(id),
            }
        }
        self.pattern_count = triggers_by_pattern.len();
        self.trigger_ends = std::iter::once(0)
            .chain(triggers.iter().scan(0u32, |end, list| {
                *end += list.len() as u32;
                Some(*end)
            }))
            .collect();
        self.trigger_ids = triggers.concat();
        let consecutive = |ps: &[Pattern]| ps.windows(2).all(|w| w[1].id == w[0].id + 1);
        self.consecutive_ids = self.rules.iter().all(|r| consecutive(&r.patterns))
            && self.guards.iter().all(|g| {
                [&g.patterns, &g.unless, &g.unless_anywhere, &g.stop_at]
                    .iter()
                    .all(|ps| consecutive(ps))
            });
    }

    /// Calls `f` with each pattern of `ps` that may match the message read as `t`
    /// ([`Rules::may_match`]), in list order, until it returns true (then returns true).
    /// With consecutive ids only the list's bits are read: most patterns of a list are
    /// ruled out without touching them (a guard has dozens).
    fn each_may_match<'p>(
        &self,
        ps: &'p [Pattern],
        t: &Tagged,
        mut f: impl FnMut(&'p Pattern) -> bool,
    ) -> bool {
        if !self.consecutive_ids {
            return ps.iter().filter(|p| Rules::may_match(p, t)).any(f);
        }
        let Some(first) = ps.first() else {
            return false;
        };
        let (lo, hi) = (first.id as usize, first.id as usize + ps.len());
        for w in lo / 64..hi.div_ceil(64) {
            let mut bits = t.may_match.get(w).copied().unwrap_or(0);
            if w == lo / 64 {
                bits &= u64::MAX << (lo % 64);
            }
            if (w + 1) * 64 > hi {
                bits &= u64::MAX >> (64 - hi % 64);
            }
            while bits != 0 {
                let id = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if f(&ps[id - lo]) {
                    return true;
                }
            }
        }
        false
    }

    /// Reads `message`: its words, their concepts, and the patterns that may match.
    fn read(&self, message: &str) -> Tagged {
        let mut t = Tagged::default();
        self.read_into(message, &mut t);
        t
    }

    /// [`Rules::read`] into `t`, reusing its buffers.
    fn read_into(&self, message: &str, t: &mut Tagged) {
        self.vocab.tag_into(message, t);
        let mut may = std::mem::take(&mut t.may_match);
        may.clear();
        may.resize(self.pattern_count.div_ceil(64), 0);
        let mut set = |id: u32| may[id as usize / 64] |= 1u64 << (id % 64);
        self.untriggered.iter().copied().for_each(&mut set);
        for c in t.concepts() {
            let c = usize::from(c);
            let ids = self.trigger_ends[c] as usize..self.trigger_ends[c + 1] as usize;
            self.trigger_ids[ids].iter().copied().for_each(&mut set);
        }
        t.may_match = may;
    }

    /// Whether pattern `p` may match the message read as `t`: its indexed part has a hit.
    fn may_match(p: &Pattern, t: &Tagged) -> bool {
        t.may_match
            .get(p.id as usize / 64)
            .is_some_and(|b| b & (1u64 << (p.id % 64)) != 0)
    }

    /// The alert this message raises, if any.
    pub fn check(&self, message: &str) -> Option<Alert> {
        // one reading buffer per thread, reused: no allocation per message once warm
        thread_local! {
            static READ: std::cell::RefCell<Tagged> = std::cell::RefCell::default();
        }
        READ.with(|cell| match cell.try_borrow_mut() {
            Ok(mut t) => self.check_read(message, &mut t),
            Err(_) => self.check_read(message, &mut Tagged::default()),
        })
    }

    /// [`Rules::check`] with `t` as the reading buffer.
    fn check_read(&self, message: &str, t: &mut Tagged) -> Option<Alert> {
        self.read_into(message, t);
        let t = &*t;
        let mut cache = GuardCache::new(self.guards.len());
        for &[ri, lo, hi] in &self.check_order {
            if self.consecutive_ids && !Rules::any_may_match(t, lo, hi) {
                continue;
            }
            let rule = &self.rules[ri as usize];
            let alert = rule.alert;
            let fired = self.each_may_match(&rule.patterns, t, |p| {
                let mut fired = false;
                self.occurrences(
                    p,
                    rule.gap,
                    rule.any_order,
                    rule.across_sentences,
                    t,
                    |s, parts| {
                        if self.suppressor(rule, s, parts, t, &mut cache).is_none() {
                            fired = true;
                            return true;
                        }
                        false
                    },
                );
                fired
            });
            if fired {
                let vetoed = self.veto_model().is_some_and(|m| m.vetoes(message));
                return (!vetoed).then_some(alert);
            }
        }
        self.model.as_deref().and_then(|m| m.alert(message))
    }

    /// What the check saw: every rule that matched, with the guard that kept it quiet if
    /// one did, and the typo corrections made.
    pub fn assess(&self, message: &str) -> Assessment {
        let t = self.read(message);
        let mut cache = GuardCache::new(self.guards.len());
        let mut findings = Vec::new();
        for rule in &self.rules {
            for p in &rule.patterns {
                let mut first_quiet: Option<(Span, usize, Span)> = None;
                let mut loud: Option<Span> = None;
                self.occurrences(
                    p,
                    rule.gap,
                    rule.any_order,
                    rule.across_sentences,
                    &t,
                    |s, parts| match self.suppressor(rule, s, parts, &t, &mut cache) {
                        None => {
                            loud = Some(s);
                            true
                        }
                        Some((g, gs)) => {
                            first_quiet.get_or_insert((s, g, gs));
                            false
                        }
                    },
                );
                let finding = |s: Span, suppressed| Finding {
                    alert: rule.alert,
                    category: rule.category.clone(),
                    pattern: p.text.clone(),
                    origin: p.origin.clone(),
                    words: self.read_as(&t, s),
                    strong: rule.strong,
                    suppressed,
                };
                if let Some(s) = loud {
                    findings.push(finding(s, None));
                } else if let Some((s, g, gs)) = first_quiet {
                    let guard = &self.guards[g];
                    findings.push(finding(
                        s,
                        Some(Suppression {
                            guard: guard.name.clone(),
                            origin: guard.origin.clone(),
                            words: self.read_as(&t, gs),
                        }),
                    ));
                }
            }
        }
        let winner = [Alert::Crisis, Alert::Emergency].into_iter().find_map(|a| {
            findings
                .iter()
                .find(|f| f.alert == a && f.suppressed.is_none())
        });
        let model = self.model.as_deref().map(|m| m.view(message, 6));
        let by_model = model
            .as_ref()
            .and_then(|v| v.alert)
            .filter(|_| winner.is_none());
        let vetoed =
            winner.is_some() && self.model_veto && model.as_ref().is_some_and(|v| v.vetoes);
        let winner = winner.filter(|_| !vetoed);
        Assessment {
            vetoed,
            alert: winner.map(|f| f.alert).or(by_model),
            category: winner
                .map(|f| f.category.clone())
                .or(by_model.map(|_| MODEL_CATEGORY.to_string())),
            model,
            corrections: t
                .corrections
                .iter()
                .map(|(i, c)| (t.words.get(*i).to_string(), c.to_string()))
                .collect(),
            findings,
        }
    }

    /// Words `s` as the detector read them (corrections shown as `typed(->read)`).
    fn read_as(&self, t: &Tagged, s: Span) -> String {
        let to = s.to.max(s.from + 1).min(t.words.len());
        (s.from..to)
            .map(|i| match t.corrections.iter().find(|(at, _)| *at == i) {
                Some((_, c)) => format!("{}(->{c})", t.words.get(i)),
                None => t.words.get(i).to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether some word is covered by `el` (what [`Rules::candidates`] would find is not
    /// empty), from the concepts present: no list is built.
    fn possible(el: &Element, t: &Tagged) -> bool {
        el.iter().any(|&atom| Rules::atom_possible(atom, t))
    }

    /// Whether `atom` covers a word of the message read as `t`.
    fn atom_possible(atom: Atom, t: &Tagged) -> bool {
        match atom {
            Atom::Concept(c) => t.has(c),
            Atom::Start => !t.words.is_empty(),
            Atom::Number(min) => t.numbers.iter().any(|&(_, v)| v >= min),
            Atom::NumberAtMost(max) => t.numbers.iter().any(|&(_, v)| v <= max),
        }
    }

    /// Appends to `out` the word ranges covered by `el`, in word order, once each.
    fn candidates(&self, el: &Element, t: &Tagged, out: &mut Vec<Span>) {
        let start = out.len();
        // atoms that found words: each one's spans come in word order, once each, so
        // only the spans of two or more need sorting together
        let mut found = 0;
        for atom in el {
            let before = out.len();
            match *atom {
                Atom::Concept(c) => out.extend(t.of(c).iter().map(|h| Span {
                    from: h.from as usize,
                    to: h.to as usize,
                })),
                Atom::Start => {
                    let w = &t.words.words;
                    out.extend(
                        (0..w.len())
                            .filter(|&i| i == 0 || w[i].sentence != w[i - 1].sentence)
                            .map(|i| Span { from: i, to: i }),
                    );
                }
                Atom::Number(min) => out.extend(
                    t.numbers
                        .iter()
                        .filter(|(_, v)| *v >= min)
                        .map(|&(i, _)| Span { from: i, to: i + 1 }),
                ),
                Atom::NumberAtMost(max) => out.extend(
                    t.numbers
                        .iter()
                        .filter(|(_, v)| *v <= max)
                        .map(|&(i, _)| Span { from: i, to: i + 1 }),
                ),
            }
            found += usize::from(out.len() > before);
        }
        if found > 1 {
            out[start..].sort_unstable_by_key(|s| (s.from, s.to));
            // dedup of the appended part only
            let mut kept = start;
            for i in start..out.len() {
                if kept == start || out[i] != out[kept - 1] {
                    out[kept] = out[i];
                    kept += 1;
                }
            }
            out.truncate(kept);
        }
        debug_assert!(out[start..].windows(2).all(|w| w[0].from <= w[1].from));
    }

    /// Calls `f` with each occurrence of `p` (one per starting place) and where each of
    /// its parts starts, until it returns true.
    fn occurrences(
        &self,
        p: &Pattern,
        gap: u16,
        any_order: bool,
        across: bool,
        t: &Tagged,
        mut f: impl FnMut(Span, &[Span]) -> bool,
    ) {
        if !Rules::may_match(p, t) || !self.all_possible(p, t) {
            return; // a part is missing: no occurrence (most patterns, most messages)
        }
        let k = p.elements.len();
        // the candidates of every part in one buffer: part j's are flat[ends[j]..ends[j + 1]]
        let mut flat = SpanBuf::take();
        let mut ends = [0usize; 9];
        for (j, el) in p.elements.iter().enumerate() {
            self.candidates(el, t, &mut flat);
            ends[j + 1] = flat.len();
            debug_assert!(ends[j + 1] > ends[j], "possible() said every part is there");
        }
        let mut cands: [&[Span]; 8] = [&[]; 8];
        for (j, c) in cands.iter_mut().enumerate().take(k) {
            *c = &flat[ends[j]..ends[j + 1]];
        }
        let cands = &cands[..k];
        let sentence = |i: usize| t.words.words[i.min(t.words.len() - 1)].sentence;
        let mut order = [0, 1, 2, 3, 4, 5, 6, 7];
        let order = &mut order[..k];
        let mut parts = [Span { from: 0, to: 0 }; 8];
        loop {
            for &first in cands[order[0]] {
                parts[order[0]] = first;
                let search = Search {
                    cands,
                    order,
                    gap: gap as usize,
                    across,
                    sentence: &sentence,
                };
                if search.extend(1, first, first.from, &mut parts) {
                    let from = parts[..k]
                        .iter()
                        .map(|p| p.from)
                        .min()
                        .unwrap_or(first.from);
                    let to = parts[..k].iter().map(|p| p.to).max().unwrap_or(first.to);
                    if f(Span { from, to }, &parts[..k]) {
                        return;
                    }
                }
            }
            if !any_order || !next_permutation(order) {
                return;
            }
        }
    }

    /// The guard (and its words) keeping occurrence `s` of `rule` quiet, if any.
    fn suppressor(
        &self,
        rule: &Rule,
        s: Span,
        parts: &[Span],
        t: &Tagged,
        cache: &mut GuardCache,
    ) -> Option<(usize, Span)> {
        let w = &t.words.words;
        let sentence_of = |i: usize| w[i.min(w.len() - 1)].sentence;
        let clause_of = |i: usize| w[i.min(w.len() - 1)].clause;
        let (s_sent, s_clause_lo, s_clause_hi) = (
            sentence_of(s.from),
            clause_of(s.from),
            clause_of(s.to.saturating_sub(1).max(s.from)),
        );
        for &gi in &rule.guards {
            let (gi, g) = (gi as usize, &self.guards[gi as usize]);
            let [lo, hi] = self.guard_ids[gi];
            if self.consecutive_ids && !Rules::any_may_match(t, lo, hi) {
                continue; // no occurrence of the guard's patterns
            }
            if cache
                .get(Slot::Found, gi, || {
                    self.all_occurrences(&g.patterns, g.gap, t)
                })
                .is_empty()
            {
                continue;
            }
            if !g.stop_at.is_empty() {
                cache.get(Slot::Stops, g.stop_group, || self.stops(g, t));
            }
            let (found, stops) = (
                cache.peek(Slot::Found, gi),
                cache.peek(Slot::Stops, g.stop_group),
            );
            let in_clause = |gs: &Span| {
                let c = clause_of(gs.from);
                !g.same_clause || (c >= s_clause_lo && c <= s_clause_hi)
            };
            // a guard word inside the match is part of what fired ("can not get air")
            // (a sentence start `^` holds no word: "never been suicidal" is negated)
            let overlaps_part = |gs: &Span| {
                parts
                    .iter()
                    .any(|q| q.to > q.from && gs.from < q.to && q.from < gs.to.max(gs.from + 1))
            };
            // where a new statement starts ("side effects i cant breathe"): a `before` guard
            // does not reach the words after it
            let stopped =
                |gs: &Span, p: usize| stops.iter().any(|st| st.from >= gs.to && st.from <= p);
            let hit = found
                .iter()
                .copied()
                .filter(|gs| in_clause(gs))
                .find(|gs| match g.place {
                    // right before any part of the match (a negation may sit before its
                    // second part: "my wound is fine, no fever")
                    Where::Before(within) => {
                        !overlaps_part(gs)
                            && parts.iter().any(|q| {
                                let p = q.from;
                                gs.to <= p
                                    && p - gs.to <= within as usize
                                    && sentence_of(gs.from) == sentence_of(p)
                                    && (!g.same_clause || clause_of(gs.from) == clause_of(p))
                                    && g.through.is_none_or(|c| (gs.to..p).all(|i| t.covers(c, i)))
                                    && !stopped(gs, p)
                            })
                    }
                    Where::After(within) => {
                        gs.from >= s.to
                            && gs.from - s.to <= within as usize
                            && sentence_of(gs.from) == sentence_of(s.to.saturating_sub(1))
                    }
                    Where::Sentence => {
                        let gsent = sentence_of(gs.from);
                        gsent >= s_sent && gsent <= sentence_of(s.to.saturating_sub(1).max(s.from))
                    }
                    Where::Clause => {
                        let c = clause_of(gs.from);
                        c >= s_clause_lo && c <= s_clause_hi
                    }
                    Where::Overlap => overlaps_part(gs),
                    Where::Message => true,
                });
            let Some(gs) = hit else { continue };
            if !g.unless.is_empty() {
                let voided = cache
                    .get(Slot::Unless, gi, || {
                        self.all_occurrences(&g.unless, g.gap, t)
                    })
                    .iter()
                    .any(|u| match g.place {
                        Where::Message => true,
                        Where::Clause => {
                            let c = clause_of(u.from);
                            c >= s_clause_lo && c <= s_clause_hi
                        }
                        _ => sentence_of(u.from) == s_sent,
                    });
                if voided {
                    continue;
                }
            }
            // a present statement elsewhere ("is it normal ...? it started 10 mins ago")
            if !g.unless_anywhere.is_empty()
                && !cache
                    .get(Slot::Anywhere, gi, || {
                        self.all_occurrences(&g.unless_anywhere, g.gap, t)
                    })
                    .is_empty()
            {
                continue;
            }
            return Some((gi, gs));
        }
        None
    }

    /// Where guard `g`'s `stop_at` patterns start a new statement, except right after a
    /// word of its `stop_not_after` list ("how do i know if my husband is ...").
    fn stops(&self, g: &Guard, t: &Tagged) -> Vec<Span> {
        let mut out = self.all_occurrences(&g.stop_at, STOP_GAP, t);
        if let Some(c) = g.stop_not_after {
            out.retain(|st| st.from == 0 || !t.covers(c, st.from - 1));
        }
        out
    }

    fn all_occurrences(&self, patterns: &[Pattern], gap: u16, t: &Tagged) -> Vec<Span> {
        let mut out = Vec::new();
        self.each_may_match(patterns, t, |p| {
            self.occurrences(p, gap, false, false, t, |s, _| {
                out.push(s);
                false
            });
            false
        });
        out
    }
}

/// A span buffer from a per-thread pool, returned to it (cleared) when dropped:
/// [`Rules::occurrences`] needs one per pattern tried, nested when a guard is looked for
/// inside an occurrence.
struct SpanBuf(Vec<Span>);

thread_local! {
    static SPAN_BUFS: std::cell::RefCell<Vec<Vec<Span>>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl SpanBuf {
    fn take() -> SpanBuf {
        SpanBuf(
            SPAN_BUFS
                .with(|pool| pool.borrow_mut().pop())
                .unwrap_or_default(),
        )
    }
}

impl std::ops::Deref for SpanBuf {
    type Target = Vec<Span>;
    fn deref(&self) -> &Vec<Span> {
        &self.0
    }
}

impl std::ops::DerefMut for SpanBuf {
    fn deref_mut(&mut self) -> &mut Vec<Span> {
        &mut self.0
    }
}

impl Drop for SpanBuf {
    fn drop(&mut self) {
        let mut v = std::mem::take(&mut self.0);
        v.clear();
        // `try_with`: nothing to return to while the thread is ending
        let _ = SPAN_BUFS.try_with(|pool| pool.borrow_mut().push(v));
    }
}

/// Words allowed between the parts of a `stop_at` pattern ("my [little] son is").
const STOP_GAP: u16 = 2;

/// The depth-first search for the remaining parts of one pattern occurrence.
struct Search<'a, F: Fn(usize) -> u16> {
    cands: &'a [&'a [Span]],
    order: &'a [usize],
    gap: usize,
    across: bool,
    sentence: &'a F,
}

impl<F: Fn(usize) -> u16> Search<'_, F> {
    /// Places part `order[depth]` after `prev` (the previous part), then the rest; the
    /// first complete placement wins (earliest candidates first).
    fn extend(&self, depth: usize, prev: Span, first_from: usize, parts: &mut [Span; 8]) -> bool {
        let Some(&j) = self.order.get(depth) else {
            return true;
        };
        for c in self.cands[j] {
            if c.from < prev.to {
                continue;
            }
            if c.from - prev.to > self.gap {
                break; // candidates are in word order
            }
            if !self.across && (self.sentence)(c.from) != (self.sentence)(first_from) {
                continue;
            }
            parts[j] = *c;
            if self.extend(depth + 1, *c, first_from, parts) {
                return true;
            }
        }
        false
    }
}

/// What a guard looks for in a message: its `match`, `unless`, `unless_anywhere` and
/// `stop_at` patterns.
#[derive(Clone, Copy)]
enum Slot {
    Found = 0,
    Unless = 1,
    Anywhere = 2,
    Stops = 3,
}

/// Guard occurrences ([`Slot`]s), computed once per message and guard when first needed.
struct GuardCache {
    guards: usize,
    slots: [Vec<Option<Vec<Span>>>; 4],
}

impl GuardCache {
    fn new(guards: usize) -> GuardCache {
        // nothing allocated until a rule matches
        GuardCache {
            guards,
            slots: Default::default(),
        }
    }
    /// Guard `i`'s occurrences of `slot`, computed by `f` the first time.
    fn get(&mut self, slot: Slot, i: usize, f: impl FnOnce() -> Vec<Span>) -> &[Span] {
        let slots = &mut self.slots[slot as usize];
        if slots.is_empty() {
            slots.resize_with(self.guards, || None);
        }
        slots[i].get_or_insert_with(f)
    }
    /// Guard `i`'s occurrences of `slot`, as computed by [`GuardCache::get`] (empty before).
    fn peek(&self, slot: Slot, i: usize) -> &[Span] {
        self.slots[slot as usize]
            .get(i)
            .and_then(Option::as_deref)
            .unwrap_or(&[])
    }
}

/// Next lexicographic permutation; false after the last.
fn next_permutation(v: &mut [usize]) -> bool {
    let n = v.len();
    if n < 2 {
        return false;
    }
    let mut i = n - 1;
    while i > 0 && v[i - 1] >= v[i] {
        i -= 1;
    }
    if i == 0 {
        return false;
    }
    let mut j = n - 1;
    while v[j] <= v[i - 1] {
        j -= 1;
    }
    v.swap(i - 1, j);
    v[i..].reverse();
    true
}

/// The category of an alert raised by the model (no rule fired).
pub const MODEL_CATEGORY: &str = "model";

/// The bundled safety model (`faq/safety/model.tsv`, compiled in).
pub const BUNDLED_MODEL: &str = include_str!("../../faq/safety/model.tsv");

/// The bundled rule files, in the order they are read.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "notices.toml",
        include_str!("../../faq/safety/notices.toml"),
    ),
    ("words.toml", include_str!("../../faq/safety/words.toml")),
    (
        "emergency.toml",
        include_str!("../../faq/safety/emergency.toml"),
    ),
    ("crisis.toml", include_str!("../../faq/safety/crisis.toml")),
    ("guards.toml", include_str!("../../faq/safety/guards.toml")),
    ("model.toml", include_str!("../../faq/safety/model.toml")),
];

#[cfg(test)]
mod tests;
