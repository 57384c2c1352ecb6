//! The answer / suggest / none decision: a small calibrated model over what the scorer
//! already knows about the best candidates.
//!
//! After the candidates are scored, [`Features`] describe the best one: its score and
//! lead, how much of the message it explains (in its questions or only in its answer),
//! and what it leaves unexplained (salient words, words that name another topic). Two
//! logistic models read them: *confidence* ("the best entry is the right answer") and
//! *relatedness* ("the message asks something this FAQ is about"). The message is
//! answered when the confidence reaches its threshold, suggested when only the
//! relatedness does, and left alone otherwise.
//!
//! The weights and thresholds live in `decision/model.tsv`, built into the binary and
//! fitted by `decision/fit.py` on labelled tuning messages only (`tests/data/*tune*.jsonl`
//! and the dev set; never the held-out sets). Refit after any change to scoring:
//! `python3 src/matcher/decision/fit.py` (see `decision/README.md`).

use std::borrow::Cow;
use std::sync::LazyLock;

/// A logistic model's input: what the matcher knows about the best candidate.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Features {
    /// Score of the best entry (0..1).
    pub score: f32,
    /// Its lead over the runner-up's score.
    pub lead: f32,
    /// Runner-up score over best score (0..1; 0 when there is no runner-up).
    pub ratio: f32,
    /// Share of the message's weight the best entry explains.
    pub coverage: f32,
    /// Its coverage minus the runner-up's.
    pub coverage_lead: f32,
    /// Share of the best entry's question the message covers.
    pub entry_coverage: f32,
    /// Character-trigram similarity of the message to the best question.
    pub surface: f32,
    /// Term similarity to the best question (strsim).
    pub similarity: f32,
    /// Share of the message's weight found in the best entry's questions or keywords.
    pub question_share: f32,
    /// Share found only in its answer text.
    pub answer_share: f32,
    /// Share of words the FAQ knows that the best entry does not have (they point to
    /// another entry).
    pub elsewhere_share: f32,
    /// Share of words the FAQ does not know at all.
    pub unknown_share: f32,
    /// Salient content words the best entry does not cover.
    pub uncovered_salient: f32,
    /// The highest salience among the words the best entry does not cover.
    pub uncovered_max: f32,
    /// 1 when a word of the message names another person, product or condition that
    /// neither the best entry nor any question covers (the near-miss guard fired).
    pub near_miss: f32,
    /// Weight of the known, non-generic words over the minimum to answer (capped at 4).
    pub substance: f32,
    /// 1 when the message is exactly one of the questions (stop words aside).
    pub exact: f32,
    /// 1 when the message names none of the FAQ's subject terms and the best entry
    /// explains a substantive word only through its answer text.
    pub off_subject: f32,
    /// 1 when a question-like span of a long message was scored rather than the whole.
    pub span: f32,
    /// ln(1 + number of terms scored).
    pub terms: f32,
    /// Share of the message's weight that comes from typo-corrected words.
    pub corrected_share: f32,
    /// 1 when a sentence of the message reads as a question (a question mark or a
    /// question opener: small talk rarely asks).
    pub asks: f32,
}

/// Feature names, in [`Features::values`] order (the names `model.tsv` uses).
pub const NAMES: [&str; 22] = [
    "score",
    "lead",
    "ratio",
    "coverage",
    "coverage_lead",
    "entry_coverage",
    "surface",
    "similarity",
    "question_share",
    "answer_share",
    "elsewhere_share",
    "unknown_share",
    "uncovered_salient",
    "uncovered_max",
    "near_miss",
    "substance",
    "exact",
    "off_subject",
    "span",
    "terms",
    "corrected_share",
    "asks",
];

impl Features {
    /// The values in [`NAMES`] order.
    pub fn values(&self) -> [f32; NAMES.len()] {
        [
            self.score,
            self.lead,
            self.ratio,
            self.coverage,
            self.coverage_lead,
            self.entry_coverage,
            self.surface,
            self.similarity,
            self.question_share,
            self.answer_share,
            self.elsewhere_share,
            self.unknown_share,
            self.uncovered_salient,
            self.uncovered_max,
            self.near_miss,
            self.substance,
            self.exact,
            self.off_subject,
            self.span,
            self.terms,
            self.corrected_share,
            self.asks,
        ]
    }
}

/// One logistic model: a bias, a weight per feature and per product of two features,
/// and the probability from which it says yes.
#[derive(Debug, Clone, PartialEq)]
pub struct Logistic {
    pub bias: f32,
    pub weights: [f32; NAMES.len()],
    /// Interactions: `(a, b, weight)` adds `weight * value[a] * value[b]` (`a*b` in
    /// `model.tsv`). They let the model trust a small lead when the score is high, or
    /// a low coverage when the entry's question is held whole, which one weight per
    /// feature cannot.
    pub pairs: Vec<(usize, usize, f32)>,
    pub threshold: f32,
}

impl Logistic {
    /// The model's probability for `f`.
    pub fn probability(&self, f: &Features) -> f32 {
        let x = f.values();
        let z: f32 = self.bias
            + self.weights.iter().zip(x).map(|(w, x)| w * x).sum::<f32>()
            + self
                .pairs
                .iter()
                .map(|&(a, b, w)| w * x[a] * x[b])
                .sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }

    /// Each feature's and interaction's part of the log-odds (`weight * value`),
    /// largest magnitude first.
    pub fn contributions(&self, f: &Features) -> Vec<(Cow<'static, str>, f32)> {
        let x = f.values();
        let mut out: Vec<(Cow<'static, str>, f32)> =
            NAMES
                .iter()
                .zip(self.weights.iter().zip(x))
                .map(|(&n, (w, x))| (Cow::Borrowed(n), w * x))
                .chain(self.pairs.iter().map(|&(a, b, w)| {
                    (format!("{}*{}", NAMES[a], NAMES[b]).into(), w * x[a] * x[b])
                }))
                .filter(|(_, c)| *c != 0.0)
                .collect();
        out.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        out
    }
}

/// The fitted decision: confidence (answer) and relatedness (suggest).
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub confidence: Logistic,
    pub relatedness: Logistic,
}

/// A problem in `model.tsv`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("decision model line {line}: {message}")]
pub struct ModelError {
    pub line: usize,
    pub message: String,
}

/// The fitted model built into the binary.
const MODEL_TSV: &str = include_str!("decision/model.tsv");

static MODEL: LazyLock<Model> =
    LazyLock::new(|| Model::parse(MODEL_TSV).expect("decision/model.tsv is valid (unit-tested)"));

impl Model {
    /// The model built into the binary (`decision/model.tsv`).
    pub fn builtin() -> &'static Model {
        &MODEL
    }

    /// Parses `model<TAB>name<TAB>value` lines (`#` comments): `name` is `bias`,
    /// `threshold`, a feature of [`NAMES`] or the product of two (`score*lead`); every
    /// model needs a bias and a threshold, features it does not list weigh 0.
    pub fn parse(text: &str) -> Result<Model, ModelError> {
        let empty = || Logistic {
            bias: f32::NAN,
            weights: [0.0; NAMES.len()],
            pairs: Vec::new(),
            threshold: f32::NAN,
        };
        let (mut confidence, mut relatedness) = (empty(), empty());
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            let err = |message: String| ModelError {
                line: line_no,
                message,
            };
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let [model, name, value] = fields[..] else {
                return Err(err(format!(
                    "expected 3 tab-separated fields, got {line:?}"
                )));
            };
            let value: f32 = value
                .parse()
                .map_err(|_| err(format!("{value:?} is not a number")))?;
            if !value.is_finite() {
                return Err(err(format!("{value} is not finite")));
            }
            let m = match model {
                "confidence" => &mut confidence,
                "relatedness" => &mut relatedness,
                other => return Err(err(format!("unknown model {other:?}"))),
            };
            let feature = |name: &str| {
                NAMES
                    .iter()
                    .position(|&n| n == name)
                    .ok_or_else(|| err(format!("unknown feature {name:?}")))
            };
            match name {
                "bias" => m.bias = value,
                "threshold" => m.threshold = value,
                pair if pair.contains('*') => {
                    let (a, b) = pair.split_once('*').unwrap_or_default();
                    m.pairs.push((feature(a)?, feature(b)?, value));
                }
                name => m.weights[feature(name)?] = value,
            }
        }
        for (name, m) in [("confidence", &confidence), ("relatedness", &relatedness)] {
            if m.bias.is_nan() || m.threshold.is_nan() {
                return Err(ModelError {
                    line: 0,
                    message: format!("{name} needs a bias and a threshold"),
                });
            }
        }
        Ok(Model {
            confidence,
            relatedness,
        })
    }
}

/// What the decision saw and concluded, for `--explain` and for refitting.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct DecisionTrace {
    pub features: Features,
    /// Probability that the best entry is the right answer.
    pub confidence: f32,
    /// Probability that the message asks something the FAQ is about.
    pub relatedness: f32,
    /// Why it was not answered, when it was not (in words).
    pub held_back: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_model_is_valid() {
        let m = Model::parse(MODEL_TSV).unwrap();
        for l in [&m.confidence, &m.relatedness] {
            assert!((0.0..=1.0).contains(&l.threshold), "{l:?}");
        }
    }

    #[test]
    fn model_errors_name_the_line() {
        let e = Model::parse("confidence\tbias\t1\nconfidence\tnope\t2\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("nope"), "{e}");
        let e = Model::parse("confidence\tbias\t1\nconfidence\tthreshold\t0.5\n").unwrap_err();
        assert!(e.message.contains("relatedness"), "{e}");
    }

    #[test]
    fn probability_follows_the_weights() {
        let m = Model::parse(
            "confidence\tbias\t-2\nconfidence\tscore\t4\nconfidence\tthreshold\t0.5\n\
             relatedness\tbias\t0\nrelatedness\tthreshold\t0.5\n",
        )
        .unwrap();
        let low = Features {
            score: 0.2,
            ..Features::default()
        };
        let high = Features {
            score: 0.9,
            ..Features::default()
        };
        assert!(m.confidence.probability(&low) < 0.5);
        assert!(m.confidence.probability(&high) > 0.5);
        assert_eq!(m.confidence.contributions(&high)[0].0, "score");
    }

    #[test]
    fn interactions_multiply_two_features() {
        let m = Model::parse(
            "confidence\tbias\t0\nconfidence\tscore*lead\t10\nconfidence\tthreshold\t0.5\n\
             relatedness\tbias\t0\nrelatedness\tthreshold\t0.5\n",
        )
        .unwrap();
        let f = |score, lead| Features {
            score,
            lead,
            ..Features::default()
        };
        // only the product counts: either alone leaves the log-odds at 0
        assert_eq!(m.confidence.probability(&f(0.9, 0.0)), 0.5);
        assert_eq!(m.confidence.probability(&f(0.0, 0.3)), 0.5);
        let both = f(0.9, 0.3);
        let z = 10.0 * 0.9 * 0.3;
        assert!((m.confidence.probability(&both) - 1.0 / (1.0 + (-z as f32).exp())).abs() < 1e-6);
        let parts = m.confidence.contributions(&both);
        assert_eq!(parts.len(), 1, "{parts:?}");
        assert_eq!(parts[0].0, "score*lead");
        let e = Model::parse("confidence\tbias\t0\nconfidence\tscore*nope\t1\n").unwrap_err();
        assert!(e.message.contains("nope") && e.line == 2, "{e}");
    }
}
