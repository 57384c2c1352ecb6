//! The safety model: two small logistic regressions (emergency, crisis) over hashed text
//! features, read from `faq/safety/model.tsv` and used next to the rules: when no rule
//! fires, the model's class raises the alert if its probability reaches its threshold.
//! Pure: no I/O.
//!
//! The weights and thresholds come from `src/safety/model/train.py`, which mirrors the
//! text normalization and the features here exactly (the parity test
//! `tests/safety_model.rs` checks it on `tests/data/safety_model_parity.tsv`):
//!
//! - the first [`MAX_CHECK_CHARS`] characters; apostrophes (`'` `’` `‘` `` ` ``) dropped,
//!   ASCII letters lowercased, ASCII letters and digits kept, any other character a word
//!   break; a run of 3+ identical characters inside a word is cut to 2;
//! - features, counted each time they occur: `w:word`, `b:word next`, `s:word skip next`,
//!   and `c:` + every 4- and 5-character slice of `" " + words joined by " " + " "`;
//! - bucket = FNV-1a 32-bit hash of the feature's bytes modulo the bucket count;
//! - `z = bias + step * (sum of integer weights) / sqrt(occurrences)`, `p = 1 / (1 + e^-z)`.
//!
//! An optional `veto` level (chosen by cross-validation in the training script): when a
//! rule fires but both probabilities are below it, the model is confident the message is
//! not urgent (someone asking how to support a friend, a game, an idiom) and
//! [`super::Rules`] keeps the rule quiet, unless the moderators turned the veto off.

use std::collections::HashMap;

use super::text::MAX_CHECK_CHARS;
use super::Alert;
use crate::faq::{Problem, Problems};
use crate::matcher::normalize::truncate_chars;

/// The first line a model file must have (after comments).
const FORMAT: &str = "medfaq-safety-model 1";
/// Most buckets a model file may declare.
const MAX_BUCKETS: u32 = 1 << 24;

/// Weights of the two classes, `[emergency, crisis]`.
const CLASSES: [Alert; 2] = [Alert::Emergency, Alert::Crisis];

/// A loaded safety model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// `file` the model came from.
    origin: String,
    step: f64,
    bias: [f64; 2],
    /// Probability at or above which a class raises its alert, `[emergency, crisis]`.
    threshold: [f64; 2],
    /// Both probabilities below this: a rule's alert is vetoed (see the module doc).
    veto: Option<f64>,
    /// Dense weights, one pair per bucket.
    weights: Vec<[i16; 2]>,
    /// Buckets with a weight.
    kept: usize,
}

/// What the model saw in a message (for `ask --explain`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ModelView {
    /// `[emergency, crisis]` probabilities.
    pub probability: [f64; 2],
    pub threshold: [f64; 2],
    /// The veto level, when the file has one.
    pub veto: Option<f64>,
    /// Whether both probabilities are below the veto level.
    pub vetoes: bool,
    /// The alert the model raises on its own.
    pub alert: Option<Alert>,
    /// The features that pushed the stronger class most, with their share of `z`.
    pub features: Vec<(String, f64)>,
    /// The model file.
    pub origin: String,
}

impl Eq for ModelView {}

impl Model {
    /// Parses a model file: `#` comments, `key<TAB>value` header lines (`format`,
    /// `buckets`, `step`, `bias`, `threshold`, optional `veto`), a line `weights`, then one
    /// `bucket<TAB>emergency<TAB>crisis` line per bucket (integers).
    pub fn parse(text: &str, origin: &str) -> Result<Model, Problems> {
        let mut problems = Vec::new();
        let mut say = |line: usize, message: String| {
            problems.push(Problem {
                origin: origin.to_string(),
                line: Some(line),
                message,
            })
        };
        let (mut format, mut buckets, mut step, mut bias, mut threshold, mut veto) =
            (false, None::<u32>, None::<f64>, None, None, None);
        let mut rows: Vec<(usize, u32, [i16; 2])> = Vec::new();
        let mut in_weights = false;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let l = raw.trim_end_matches('\r');
            if l.trim().is_empty() || l.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = l.split('\t').collect();
            if in_weights {
                let parsed = match fields.as_slice() {
                    [b, e, c] => b
                        .parse::<u32>()
                        .ok()
                        .zip(e.parse::<i16>().ok())
                        .zip(c.parse::<i16>().ok())
                        .map(|((b, e), c)| (b, [e, c])),
                    _ => None,
                };
                match parsed {
                    Some((b, w)) => rows.push((line, b, w)),
                    None => say(
                        line,
                        format!(
                            "a weight line is `bucket<TAB>emergency<TAB>crisis` (whole numbers, \
                             weights between -32768 and 32767), not {:?}",
                            short(l)
                        ),
                    ),
                }
                continue;
            }
            let floats = |n: usize| -> Option<Vec<f64>> {
                let v: Vec<f64> = fields[1..]
                    .iter()
                    .filter_map(|x| x.parse::<f64>().ok().filter(|f| f.is_finite()))
                    .collect();
                (fields.len() == n + 1 && v.len() == n).then_some(v)
            };
            match fields[0] {
                "format" if fields.len() == 2 && fields[1] == FORMAT => format = true,
                "format" => say(
                    line,
                    format!(
                        "this is not a model file this medfaq reads (expected `format<TAB>{FORMAT}`)"
                    ),
                ),
                "buckets" => match fields.get(1).and_then(|b| b.parse::<u32>().ok()) {
                    Some(b) if fields.len() == 2 && (1..=MAX_BUCKETS).contains(&b) => {
                        buckets = Some(b)
                    }
                    _ => say(
                        line,
                        format!("`buckets` is a whole number from 1 to {MAX_BUCKETS}"),
                    ),
                },
                "step" => match floats(1) {
                    Some(v) if v[0] > 0.0 => step = Some(v[0]),
                    _ => say(line, "`step` is one positive number".into()),
                },
                "bias" => match floats(2) {
                    Some(v) => bias = Some([v[0], v[1]]),
                    None => say(line, "`bias` is two numbers (emergency, crisis)".into()),
                },
                "threshold" => match floats(2) {
                    Some(v) if v.iter().all(|t| *t > 0.0 && *t <= 1.0) => {
                        threshold = Some([v[0], v[1]])
                    }
                    _ => say(
                        line,
                        "`threshold` is two probabilities above 0 and at most 1 (emergency, \
                         crisis)"
                            .into(),
                    ),
                },
                "veto" => match floats(1) {
                    Some(v) if v[0] >= 0.0 && v[0] < 1.0 => veto = Some(v[0]),
                    _ => say(
                        line,
                        "`veto` is one probability from 0 up to (not including) 1".into(),
                    ),
                },
                "weights" if fields.len() == 1 => in_weights = true,
                other => say(
                    line,
                    format!(
                        "unknown line {:?} (the header keys are format, buckets, step, bias, \
                         threshold, veto, then a line `weights`)",
                        short(other)
                    ),
                ),
            }
        }
        let missing: Vec<&str> = [
            ("format", format),
            ("buckets", buckets.is_some()),
            ("step", step.is_some()),
            ("bias", bias.is_some()),
            ("threshold", threshold.is_some()),
            ("weights", in_weights),
        ]
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(k, _)| *k)
        .collect();
        let mut model = Model {
            origin: origin.to_string(),
            step: step.unwrap_or(1.0),
            bias: bias.unwrap_or_default(),
            threshold: threshold.unwrap_or([1.0; 2]),
            veto,
            weights: Vec::new(),
            kept: rows.len(),
        };
        if let Some(n) = buckets {
            model.weights = vec![[0; 2]; n as usize];
            let mut seen = vec![false; n as usize];
            for &(line, b, w) in &rows {
                match seen.get_mut(b as usize) {
                    None => say(line, format!("bucket {b} is not below `buckets` ({n})")),
                    Some(true) => say(line, format!("bucket {b} appears twice")),
                    Some(s) => {
                        *s = true;
                        model.weights[b as usize] = w;
                    }
                }
            }
        }
        if !missing.is_empty() {
            problems.push(Problem {
                origin: origin.to_string(),
                line: None,
                message: format!(
                    "incomplete safety model: no {} line (retrain it with \
                     src/safety/model/train.py, or delete the file to turn the model off)",
                    missing.join(", no ")
                ),
            });
        }
        if problems.is_empty() {
            Ok(model)
        } else {
            Err(problems)
        }
    }

    /// The file the model came from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Number of buckets with a weight.
    pub fn kept(&self) -> usize {
        self.kept
    }

    /// `[emergency, crisis]` probabilities for `message`.
    pub fn probabilities(&self, message: &str) -> [f64; 2] {
        let buckets = self.weights.len() as u32;
        if buckets == 0 {
            return [0.0; 2];
        }
        // one text buffer per thread, reused: no allocation per message once warm
        thread_local! {
            static NORM: std::cell::RefCell<String> = std::cell::RefCell::default();
        }
        let (sums, n) = NORM.with(|cell| match cell.try_borrow_mut() {
            Ok(mut norm) => self.sums(message, &mut norm),
            Err(_) => self.sums(message, &mut String::new()),
        });
        let scale = 1.0 / (n.max(1) as f64).sqrt();
        [0, 1].map(|c| sigmoid(self.bias[c] + sums[c] as f64 * self.step * scale))
    }

    /// The sums of the weights of every feature occurrence of `message`, and their
    /// number (`norm`: a buffer for the normalized text).
    fn sums(&self, message: &str, norm: &mut String) -> ([i64; 2], u64) {
        normalize_into(message, norm);
        let mut sums = [0i64; 2];
        let mut n = 0u64;
        let buckets = self.weights.len() as u32;
        let mut add = |bucket: u32| {
            let w = self.weights[bucket as usize];
            sums[0] += i64::from(w[0]);
            sums[1] += i64::from(w[1]);
            n += 1;
        };
        if buckets.is_power_of_two() {
            // the usual case: a mask, not a division per feature
            let mask = buckets - 1;
            for_each_feature(norm, |h| add(h & mask));
        } else {
            for_each_feature(norm, |h| add(h % buckets));
        }
        (sums, n)
    }

    /// The alert the model raises on its own: crisis first, then emergency, each when its
    /// probability reaches its threshold.
    pub fn alert(&self, message: &str) -> Option<Alert> {
        let p = self.probabilities(message);
        self.decide(p)
    }

    /// Whether the model vetoes a rule's alert on `message`: both probabilities below
    /// the file's veto level (never when the file has none).
    pub fn vetoes(&self, message: &str) -> bool {
        self.veto.is_some() && self.below_veto(self.probabilities(message))
    }

    fn below_veto(&self, p: [f64; 2]) -> bool {
        self.veto.is_some_and(|v| p[0] < v && p[1] < v)
    }

    fn decide(&self, p: [f64; 2]) -> Option<Alert> {
        [1, 0]
            .into_iter()
            .find(|&c| p[c] >= self.threshold[c])
            .map(|c| CLASSES[c])
    }

    /// Probabilities, thresholds, the model's own alert and the `top` features that
    /// pushed the more likely class most.
    pub fn view(&self, message: &str, top: usize) -> ModelView {
        let probability = self.probabilities(message);
        let c = usize::from(probability[1] >= probability[0]);
        let norm = normalize(message);
        let buckets = self.weights.len().max(1) as u32;
        let mut total: HashMap<String, i64> = HashMap::new();
        let mut n = 0u64;
        for_each_feature_named(&norm, |name, h| {
            let w = self.weights.get((h % buckets) as usize).map_or(0, |w| w[c]);
            *total.entry(name).or_default() += i64::from(w);
            n += 1;
        });
        let scale = self.step / (n.max(1) as f64).sqrt();
        let mut features: Vec<(String, f64)> = total
            .into_iter()
            .filter(|(_, w)| *w != 0)
            .map(|(f, w)| (f, w as f64 * scale))
            .collect();
        features.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        features.truncate(top);
        ModelView {
            probability,
            threshold: self.threshold,
            veto: self.veto,
            vetoes: self.below_veto(probability),
            alert: self.decide(probability),
            features,
            origin: self.origin.clone(),
        }
    }
}

fn short(s: &str) -> String {
    s.chars().take(60).collect()
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `" " + words joined by " " + " "` (see the module doc).
fn normalize(message: &str) -> String {
    let mut out = String::new();
    normalize_into(message, &mut out);
    out
}

/// [`normalize`] into `out` (cleared first).
fn normalize_into(message: &str, out: &mut String) {
    // no more bytes than the limit: no more characters either (no need to count)
    let text = if message.len() <= MAX_CHECK_CHARS {
        message
    } else {
        truncate_chars(message, MAX_CHECK_CHARS)
    };
    out.clear();
    out.reserve(text.len() + 2);
    out.push(' ');
    let mut in_word = false;
    for ch in text.chars() {
        if matches!(ch, '\'' | '\u{2019}' | '\u{2018}' | '`') {
            continue;
        }
        if ch.is_ascii_alphanumeric() {
            let c = ch.to_ascii_lowercase() as u8;
            let b = out.as_bytes();
            if in_word && b.len() >= 2 && b[b.len() - 1] == c && b[b.len() - 2] == c {
                continue;
            }
            if !in_word && out.len() > 1 {
                out.push(' ');
            }
            out.push(c as char);
            in_word = true;
        } else {
            in_word = false;
        }
    }
    out.push(' ');
}

const FNV_OFFSET: u32 = 0x811C_9DC5;
const FNV_PRIME: u32 = 0x0100_0193;

fn fnv(mut h: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// The bucket of the feature named `name` (`w:word`, `b:word next`, ...), for tests that
/// build a model by hand.
#[cfg(test)]
pub(super) fn feature_bucket(name: &str, buckets: u32) -> u32 {
    fnv(FNV_OFFSET, name.as_bytes()) % buckets
}

/// Calls `f` with the hash of every feature occurrence of `norm` (from [`normalize`]).
fn for_each_feature(norm: &str, mut f: impl FnMut(u32)) {
    let (w, b, s) = (
        fnv(FNV_OFFSET, b"w:"),
        fnv(FNV_OFFSET, b"b:"),
        fnv(FNV_OFFSET, b"s:"),
    );
    let inner = &norm[1..norm.len() - 1];
    let (mut prev, mut prev2): (Option<&str>, Option<&str>) = (None, None);
    for word in inner.split(' ').filter(|x| !x.is_empty()) {
        let wb = word.as_bytes();
        f(fnv(w, wb));
        if let Some(p) = prev {
            f(fnv(fnv(fnv(b, p.as_bytes()), b" "), wb));
        }
        if let Some(p) = prev2 {
            f(fnv(fnv(fnv(s, p.as_bytes()), b" "), wb));
        }
        prev2 = prev;
        prev = Some(word);
    }
    let c = fnv(FNV_OFFSET, b"c:");
    let bytes = norm.as_bytes();
    for (i, win) in bytes.windows(4).enumerate() {
        // the 5-letter slice starting here continues the 4-letter slice's hash
        let h = fnv(c, win);
        f(h);
        if let Some(&next) = bytes.get(i + 4) {
            f(fnv(h, &[next]));
        }
    }
}

/// [`for_each_feature`] with each feature's name (for explanations).
fn for_each_feature_named(norm: &str, mut f: impl FnMut(String, u32)) {
    let words: Vec<&str> = norm.split(' ').filter(|x| !x.is_empty()).collect();
    let mut names = Vec::new();
    for (i, w) in words.iter().enumerate() {
        names.push(format!("w:{w}"));
        if let Some(n) = words.get(i + 1) {
            names.push(format!("b:{w} {n}"));
        }
        if let Some(n) = words.get(i + 2) {
            names.push(format!("s:{w} {n}"));
        }
    }
    for k in [4, 5] {
        for win in norm.as_bytes().windows(k) {
            names.push(format!("c:{}", String::from_utf8_lossy(win)));
        }
    }
    for name in names {
        let h = fnv(FNV_OFFSET, name.as_bytes());
        f(name, h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "# a comment\nformat\tmedfaq-safety-model 1\nbuckets\t4096\nstep\t0.5\nbias\t-1\t-2\nthreshold\t0.5\t0.9\nweights\n";

    #[test]
    fn normalization_mirrors_the_training_script() {
        assert_eq!(
            normalize("HELP!!! I can't   breathe"),
            " help i cant breathe "
        );
        assert_eq!(normalize("soooo dizzzzy"), " soo dizzy ");
        assert_eq!(normalize("café ‘ok’ 10:30"), " caf ok 10 30 ");
        assert_eq!(normalize(""), "  ");
    }

    #[test]
    fn hashing_is_fnv1a_32() {
        // published FNV-1a 32-bit test vectors
        assert_eq!(fnv(FNV_OFFSET, b""), 0x811c9dc5);
        assert_eq!(fnv(FNV_OFFSET, b"a"), 0xe40c292c);
        assert_eq!(fnv(FNV_OFFSET, b"foobar"), 0xbf9cf968);
    }

    #[test]
    fn features_by_hash_and_by_name_agree() {
        let norm = normalize("my mum cant breathe");
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for_each_feature(&norm, |h| a.push(h));
        for_each_feature_named(&norm, |_, h| b.push(h));
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
        // 4 words + 3 bigrams + 2 skip-bigrams + (21 - 3) + (21 - 4) slices
        assert_eq!(a.len(), 4 + 3 + 2 + 18 + 17);
    }

    #[test]
    fn a_small_model_scores_and_decides() {
        let c_bucket = fnv(FNV_OFFSET, b"w:die") % 4096;
        let text = format!("{HEADER}{c_bucket}\t0\t1000\n");
        let m = Model::parse(&text, "model.tsv").unwrap();
        let p = m.probabilities("die");
        assert!(p[1] > 0.99, "{p:?}");
        assert!(p[0] < 0.5, "{p:?}");
        assert_eq!(m.alert("die"), Some(Alert::Crisis));
        assert_eq!(m.alert("hello there"), None);
        let v = m.view("die", 3);
        assert!(v.features.iter().any(|(f, _)| f == "w:die"), "{v:?}");
    }

    #[test]
    fn the_veto_level_is_optional_and_applies_below_both_probabilities() {
        let c_bucket = feature_bucket("w:die", 4096);
        let without = Model::parse(&format!("{HEADER}{c_bucket}\t0\t1000\n"), "m").unwrap();
        assert!(!without.vetoes("hello there"));
        assert_eq!(without.view("hello there", 3).veto, None);
        let with =
            format!("{HEADER}{c_bucket}\t0\t1000\n").replace("weights\n", "veto\t0.5\nweights\n");
        let m = Model::parse(&with, "m").unwrap();
        // bias -1 and -2: both probabilities below 0.5 with no feature
        assert!(m.vetoes("hello there"));
        assert!(m.view("hello there", 3).vetoes);
        // "die" pushes crisis above 0.5: no veto
        assert!(!m.vetoes("die"));
        let bad = problems(&HEADER.replace("weights\n", "veto\t1.5\nweights\n"));
        assert!(bad[0].contains(":7: `veto` is one probability"), "{bad:?}");
    }

    fn problems(text: &str) -> Vec<String> {
        Model::parse(text, "faq/safety/model.tsv")
            .unwrap_err()
            .iter()
            .map(|p| p.to_string())
            .collect()
    }

    #[test]
    fn parse_errors_name_file_and_line() {
        let p = problems(&format!(
            "{HEADER}3\t1\n9999\t1\t1\n4\t1\t1\n4\t2\t2\n5\t1\t99999\n"
        ));
        assert_eq!(p.len(), 4, "{p:?}");
        assert!(
            p[0].starts_with("faq/safety/model.tsv:8: a weight line"),
            "{p:?}"
        );
        assert!(
            p[1].starts_with("faq/safety/model.tsv:12: a weight line"),
            "{p:?}"
        );
        assert!(p[2].contains(":9: bucket 9999 is not below"), "{p:?}");
        assert!(p[3].contains(":11: bucket 4 appears twice"), "{p:?}");
    }

    #[test]
    fn parse_errors_in_the_header() {
        let p = problems("format\tsomething else\nbuckets\t0\nstep\t-1\nbias\t1\nthreshold\t0\t2\nfrobnicate\t1\n");
        assert_eq!(p.len(), 7, "{p:?}");
        assert!(p[0].contains(":1: this is not a model file"), "{p:?}");
        assert!(p[1].contains(":2: `buckets`"), "{p:?}");
        assert!(p[2].contains(":3: `step`"), "{p:?}");
        assert!(p[3].contains(":4: `bias`"), "{p:?}");
        assert!(p[4].contains(":5: `threshold`"), "{p:?}");
        assert!(p[5].contains(":6: unknown line \"frobnicate\""), "{p:?}");
        assert!(
            p[6].contains("no format, no buckets, no step, no bias, no threshold, no weights"),
            "{p:?}"
        );
    }
}
