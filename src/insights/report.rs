//! The moderators' report: questions per day by decision, feedback per entry,
//! unanswered questions grouped, as data ([`Report`], serializable to JSON), text, and a
//! self-contained HTML page with inline SVG charts (no scripts, no external assets).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rusqlite::params;

use super::group::{self, Group};
use super::store::Store;
use super::Stats;
use crate::knowledge::Knowledge;
use crate::matcher::Decision;

/// Groups and entries listed at most.
pub const TOP: usize = 25;

/// Questions of one day (UTC).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Day {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub answer: usize,
    pub suggest: usize,
    pub none: usize,
    /// Messages that got an emergency or crisis notice (also counted by decision).
    pub urgent: usize,
}

/// Totals over the period.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    pub questions: usize,
    pub answer: usize,
    pub suggest: usize,
    pub none: usize,
    pub emergency: usize,
    pub crisis: usize,
    /// Questions per channel kind (`question`, `mention`, `slash`, `dm`).
    pub via: BTreeMap<String, usize>,
    pub up: usize,
    pub down: usize,
    pub removed: usize,
}

/// Feedback on one entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EntryFeedback {
    pub entry: String,
    pub up: usize,
    pub down: usize,
    /// Answers the asker removed ("not what I asked").
    pub removed: usize,
}

/// Everything a moderator sees.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Report {
    /// What the report covers, in words ("last 7 days", "questions from FILE").
    pub period: String,
    pub days: Vec<Day>,
    pub totals: Totals,
    /// Entries with feedback, most 👎 (then removals) first.
    pub entries: Vec<EntryFeedback>,
    /// Unanswered questions with stored text, grouped.
    pub unanswered: Vec<Group>,
    /// Unanswered questions without stored text (`keep_text` off, or DMs).
    pub unanswered_without_text: usize,
    /// All unanswered questions by the entry they came closest to (no text needed).
    pub unanswered_nearest: Vec<(String, usize)>,
    /// The writer's counters, when the report comes from a running bot.
    pub recording: Option<Stats>,
}

/// Days since the Unix epoch as `YYYY-MM-DD` (proleptic Gregorian, UTC).
pub fn date(days: i64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Parses a period such as `7d`, `24h`, `2w` or `90m` into seconds.
///
/// ```
/// use medfaq::insights::report::parse_since;
/// assert_eq!(parse_since("7d"), Ok(7 * 86_400));
/// assert_eq!(parse_since("12h"), Ok(12 * 3_600));
/// assert!(parse_since("soon").is_err());
/// ```
pub fn parse_since(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: i64 = n
        .parse()
        .map_err(|_| format!("{text:?}: expected a number and a unit, e.g. 7d, 24h, 2w"))?;
    let unit_secs = match unit {
        "m" => 60,
        "h" => 3_600,
        "d" | "" => 86_400,
        "w" => 7 * 86_400,
        other => {
            return Err(format!(
                "{text:?}: unknown unit {other:?} (use m, h, d or w)"
            ))
        }
    };
    if n <= 0 {
        return Err(format!("{text:?}: the period must be positive"));
    }
    n.checked_mul(unit_secs)
        .ok_or_else(|| format!("{text:?}: too long"))
}

fn count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

impl Report {
    /// The report over events at or after `since` (Unix seconds) until `now`; unanswered
    /// texts are grouped with `knowledge`.
    pub fn from_store(
        store: &Store,
        since: i64,
        now: i64,
        period: &str,
        knowledge: &Knowledge,
    ) -> rusqlite::Result<Report> {
        let conn = store.conn();
        let mut report = Report {
            period: period.to_string(),
            ..Report::default()
        };
        // Per day, by decision.
        let (first, last) = (since.div_euclid(86_400), now.div_euclid(86_400));
        let mut days: BTreeMap<i64, Day> = BTreeMap::new();
        if last - first <= 120 {
            for d in first..=last {
                days.insert(
                    d,
                    Day {
                        date: date(d),
                        ..Day::default()
                    },
                );
            }
        }
        let mut stmt = conn.prepare(
            "SELECT at / 86400, decision, alert, via, COUNT(*) FROM events WHERE at >= ?1
             GROUP BY 1, 2, 3, 4",
        )?;
        let rows = stmt.query_map(params![since], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                count(r.get::<_, i64>(4)?),
            ))
        })?;
        let t = &mut report.totals;
        for row in rows {
            let (d, decision, alert, via, n) = row?;
            let day = days.entry(d).or_insert_with(|| Day {
                date: date(d),
                ..Day::default()
            });
            let (per_day, total) = match decision.as_str() {
                "answer" => (&mut day.answer, &mut t.answer),
                "suggest" => (&mut day.suggest, &mut t.suggest),
                _ => (&mut day.none, &mut t.none),
            };
            *per_day += n;
            *total += n;
            if let Some(alert) = alert.as_deref() {
                day.urgent += n;
                if alert == "emergency" {
                    t.emergency += n;
                } else {
                    t.crisis += n;
                }
            }
            t.questions += n;
            *t.via.entry(via).or_insert(0) += n;
        }
        report.days = days.into_values().collect();
        // Feedback per entry.
        let mut stmt = conn.prepare(
            "SELECT COALESCE(entry, '?'), kind, COUNT(*) FROM feedback WHERE at >= ?1 GROUP BY 1, 2",
        )?;
        let mut entries: BTreeMap<String, EntryFeedback> = BTreeMap::new();
        for row in stmt.query_map(params![since], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                count(r.get::<_, i64>(2)?),
            ))
        })? {
            let (entry, kind, n) = row?;
            let e = entries
                .entry(entry.clone())
                .or_insert_with(|| EntryFeedback {
                    entry,
                    ..EntryFeedback::default()
                });
            let (per_entry, total) = match kind.as_str() {
                "up" => (&mut e.up, &mut report.totals.up),
                "down" => (&mut e.down, &mut report.totals.down),
                _ => (&mut e.removed, &mut report.totals.removed),
            };
            *per_entry += n;
            *total += n;
        }
        report.entries = entries.into_values().collect();
        report
            .entries
            .sort_by(|a, b| (b.down, b.removed, a.up).cmp(&(a.down, a.removed, b.up)));
        // Unanswered: texts grouped; nearest entries for all.
        let mut stmt = conn.prepare(
            "SELECT text FROM events WHERE at >= ?1 AND decision = 'none' AND alert IS NULL
             ORDER BY at",
        )?;
        let mut texts = Vec::new();
        for text in stmt.query_map(params![since], |r| r.get::<_, Option<String>>(0))? {
            match text? {
                Some(t) => texts.push(t),
                None => report.unanswered_without_text += 1,
            }
        }
        report.unanswered = group::group(knowledge, &texts);
        report.unanswered.truncate(TOP);
        let mut stmt = conn.prepare(
            "SELECT c.entry, COUNT(*) FROM events e JOIN candidates c ON c.event = e.id AND c.rank = 0
             WHERE e.at >= ?1 AND e.decision = 'none' AND e.alert IS NULL
             GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?2",
        )?;
        report.unanswered_nearest = stmt
            .query_map(params![since, TOP as i64], |r| {
                Ok((r.get::<_, String>(0)?, count(r.get::<_, i64>(1)?)))
            })?
            .collect::<Result<_, _>>()?;
        Ok(report)
    }

    /// The report for a plain list of questions, without a database: what the FAQ would
    /// answer, suggest or leave unanswered, the unanswered grouped.
    pub fn from_questions(knowledge: &Knowledge, questions: &[String], period: &str) -> Report {
        let mut report = Report {
            period: period.to_string(),
            ..Report::default()
        };
        let mut unanswered = Vec::new();
        let mut nearest: BTreeMap<String, usize> = BTreeMap::new();
        let t = &mut report.totals;
        for q in questions.iter().filter(|q| !q.trim().is_empty()) {
            let answered = knowledge.ask(q);
            t.questions += 1;
            match answered.alert {
                Some(crate::safety::Alert::Emergency) => t.emergency += 1,
                Some(crate::safety::Alert::Crisis) => t.crisis += 1,
                None => {}
            }
            match answered.outcome.decision {
                Decision::Answer(_) => t.answer += 1,
                Decision::Suggest(_) => t.suggest += 1,
                Decision::None => {
                    t.none += 1;
                    if answered.alert.is_none() {
                        unanswered.push(q.trim().to_string());
                        if let Some(m) = answered.outcome.candidates.first() {
                            *nearest.entry(m.id.clone()).or_insert(0) += 1;
                        }
                    }
                }
            }
        }
        report.unanswered = group::group(knowledge, &unanswered);
        report.unanswered.truncate(TOP);
        let mut nearest: Vec<(String, usize)> = nearest.into_iter().collect();
        nearest.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        nearest.truncate(TOP);
        report.unanswered_nearest = nearest;
        report
    }

    /// Plain text, for the terminal.
    pub fn text(&self) -> String {
        let t = &self.totals;
        let mut out = String::new();
        let _ = writeln!(out, "medfaq insights: {}", self.period);
        let _ = writeln!(
            out,
            "Questions: {} (answered {}, suggested {}, unanswered {}); emergency notices {}, crisis notices {}",
            t.questions, t.answer, t.suggest, t.none, t.emergency, t.crisis
        );
        if !t.via.is_empty() {
            let via: Vec<String> = t.via.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let _ = writeln!(out, "By channel kind: {}", via.join(", "));
        }
        if let Some(s) = &self.recording {
            let _ = writeln!(out, "Recording: {}", recording(s));
        }
        if !self.days.is_empty() {
            let _ = writeln!(
                out,
                "\nPer day (UTC)   answered  suggested  unanswered  urgent"
            );
            for d in &self.days {
                let _ = writeln!(
                    out,
                    "  {}  {:>9}  {:>9}  {:>10}  {:>6}",
                    d.date, d.answer, d.suggest, d.none, d.urgent
                );
            }
        }
        let _ = writeln!(
            out,
            "\nFeedback by entry (most 👎 first): 👍 {}  👎 {}  removed by the asker {}",
            t.up, t.down, t.removed
        );
        if self.entries.is_empty() {
            let _ = writeln!(out, "  (none yet)");
        }
        for e in self.entries.iter().take(TOP) {
            let _ = writeln!(
                out,
                "  {:<32} 👍 {:>3}  👎 {:>3}  removed {:>3}",
                e.entry, e.up, e.down, e.removed
            );
        }
        let _ = writeln!(
            out,
            "\nUnanswered questions, grouped ({} groups; {} unanswered without stored text)",
            self.unanswered.len(),
            self.unanswered_without_text
        );
        if self.unanswered.is_empty() {
            let _ = writeln!(
                out,
                "  (none with text; set [insights] keep_text = true to see them)"
            );
        }
        for g in &self.unanswered {
            let near = match &g.nearest {
                Some(n) => format!("nearest: {} ({:.2})", n.id, n.score),
                None => "nearest: none".to_string(),
            };
            let _ = writeln!(out, "  {:>3} × {}   {}", g.count, g.label, near);
            for e in &g.examples {
                let _ = writeln!(out, "        “{e}”");
            }
            if let (Some(line), Some(n)) = (&g.alternate, &g.nearest) {
                let _ = writeln!(
                    out,
                    "        add to faq/entries/{}.md alternates:{line}",
                    n.id
                );
            }
        }
        if !self.unanswered_nearest.is_empty() {
            let near: Vec<String> = self
                .unanswered_nearest
                .iter()
                .map(|(id, n)| format!("{id} {n}"))
                .collect();
            let _ = writeln!(out, "\nUnanswered, by nearest entry: {}", near.join(", "));
        }
        out
    }

    /// Pretty JSON.
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report serializes")
    }

    /// One self-contained HTML page: inline CSS and SVG, no scripts, no external assets.
    pub fn html(&self) -> String {
        let t = &self.totals;
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>medfaq insights</title><style>{CSS}</style></head><body>\
<h1>medfaq insights</h1><p class=\"period\">{}</p>",
            esc(&self.period)
        );
        let _ = write!(
            out,
            "<div class=\"cards\">{}{}{}{}{}</div>",
            card("questions", t.questions, ""),
            card("answered", t.answer, "answer"),
            card("suggested", t.suggest, "suggest"),
            card("unanswered", t.none, "none"),
            card("urgent notices", t.emergency + t.crisis, "urgent"),
        );
        if let Some(s) = &self.recording {
            let _ = write!(out, "<p class=\"note\">Recording: {}.</p>", recording(s));
        }
        if !self.days.is_empty() {
            let _ = write!(out, "<h2>Questions per day</h2>{}", self.day_chart());
        }
        let _ = write!(out, "<h2>Not helpful (👎) by entry</h2>");
        if self.entries.iter().any(|e| e.down + e.removed > 0) {
            out.push_str(&self.down_chart());
        } else {
            out.push_str("<p class=\"note\">No 👎 or removed answers in this period.</p>");
        }
        if !self.entries.is_empty() {
            out.push_str(
                "<table><tr><th>entry</th><th>helpful (👍)</th><th>not helpful (👎)</th><th>removed by asker</th></tr>",
            );
            for e in self.entries.iter().take(TOP) {
                let _ = write!(
                    out,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&e.entry),
                    e.up,
                    e.down,
                    e.removed
                );
            }
            out.push_str("</table>");
        }
        let _ = write!(
            out,
            "<h2>Unanswered questions, grouped</h2><p class=\"note\">{} groups; {} unanswered without stored text.</p>",
            self.unanswered.len(),
            self.unanswered_without_text
        );
        if !self.unanswered.is_empty() {
            out.push_str("<table><tr><th>count</th><th>asks about</th><th>examples</th><th>nearest entry</th></tr>");
            for g in &self.unanswered {
                let examples: String = g
                    .examples
                    .iter()
                    .map(|e| format!("<li>{}</li>", esc(e)))
                    .collect();
                let near = match &g.nearest {
                    Some(n) => {
                        let mut s = format!("<code>{}</code> ({:.2})", esc(&n.id), n.score);
                        if let Some(line) = &g.alternate {
                            let _ = write!(
                                s,
                                "<div class=\"alt\">add to alternates:<pre>{}</pre></div>",
                                esc(line.trim())
                            );
                        }
                        s
                    }
                    None => "–".to_string(),
                };
                let _ = write!(
                    out,
                    "<tr><td class=\"n\">{}</td><td>{}</td><td><ul>{}</ul></td><td>{}</td></tr>",
                    g.count,
                    esc(&g.label),
                    examples,
                    near
                );
            }
            out.push_str("</table>");
        }
        out.push_str("<footer>Generated by <code>medfaq insights</code>. No user ids are stored; question text only when the server opted in, scrubbed, never for DMs or urgent messages.</footer></body></html>\n");
        out
    }

    /// Stacked bars: questions per day by decision.
    fn day_chart(&self) -> String {
        let (w, h, left, bottom, top) = (760.0f32, 270.0f32, 40.0f32, 40.0f32, 24.0f32);
        let max = self
            .days
            .iter()
            .map(|d| d.answer + d.suggest + d.none)
            .max()
            .unwrap_or(0)
            .max(1) as f32;
        let n = self.days.len().max(1) as f32;
        let slot = (w - left - 10.0) / n;
        let bar = (slot * 0.7).max(1.0);
        let scale = (h - bottom - top) / max;
        let mut svg = format!(
            "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"questions per day by decision\" xmlns=\"http://www.w3.org/2000/svg\">"
        );
        let base = h - bottom;
        let _ = write!(
            svg,
            "<line x1=\"{left}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#999\"/>",
            w - 10.0
        );
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" class=\"axis\" text-anchor=\"end\">{}</text>",
            left - 4.0,
            top + 10.0,
            max as usize
        );
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{base}\" class=\"axis\" text-anchor=\"end\">0</text>",
            left - 4.0
        );
        let label_every = (self.days.len() / 8).max(1);
        for (i, d) in self.days.iter().enumerate() {
            let x = left + slot * i as f32 + (slot - bar) / 2.0;
            let mut y = base;
            for (value, class, what) in [
                (d.answer, "answer", "answered"),
                (d.suggest, "suggest", "suggested"),
                (d.none, "none", "unanswered"),
            ] {
                if value == 0 {
                    continue;
                }
                let hgt = value as f32 * scale;
                y -= hgt;
                let _ = write!(
                    svg,
                    "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{hgt:.1}\"><title>{} {what}: {value}</title></rect>",
                    d.date
                );
            }
            if d.urgent > 0 {
                let _ = write!(
                    svg,
                    "<circle class=\"urgent\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\"><title>{}: {} urgent notices</title></circle>",
                    x + bar / 2.0,
                    y - 9.0,
                    d.date,
                    d.urgent
                );
            }
            if i % label_every == 0 {
                let _ = write!(
                    svg,
                    "<text x=\"{:.1}\" y=\"{}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
                    x + bar / 2.0,
                    base + 16.0,
                    &d.date[5..]
                );
            }
        }
        let legend = [
            ("answer", "answered"),
            ("suggest", "suggested"),
            ("none", "unanswered"),
        ];
        for (i, (class, what)) in legend.iter().enumerate() {
            let x = left + 10.0 + i as f32 * 120.0;
            let _ = write!(
                svg,
                "<rect class=\"{class}\" x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\"/><text x=\"{}\" y=\"{}\" class=\"axis\">{what}</text>",
                h - 14.0,
                x + 16.0,
                h - 4.0
            );
        }
        let x = left + 10.0 + 3.0 * 120.0;
        let _ = write!(
            svg,
            "<circle class=\"urgent\" cx=\"{}\" cy=\"{}\" r=\"5\"/><text x=\"{}\" y=\"{}\" class=\"axis\">urgent notice</text></svg>",
            x + 6.0,
            h - 8.0,
            x + 16.0,
            h - 4.0
        );
        svg
    }

    /// Horizontal bars: 👎 and removals by entry.
    fn down_chart(&self) -> String {
        let rows: Vec<&EntryFeedback> = self
            .entries
            .iter()
            .filter(|e| e.down + e.removed > 0)
            .take(15)
            .collect();
        let (w, row_h, left) = (760.0f32, 26.0f32, 260.0f32);
        let h = row_h * rows.len() as f32 + 10.0;
        let max = rows
            .iter()
            .map(|e| e.down + e.removed)
            .max()
            .unwrap_or(1)
            .max(1) as f32;
        let scale = (w - left - 170.0) / max;
        let mut svg = format!(
            "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"thumbs down by entry\" xmlns=\"http://www.w3.org/2000/svg\">"
        );
        for (i, e) in rows.iter().enumerate() {
            let y = 5.0 + row_h * i as f32;
            let down = e.down as f32 * scale;
            let removed = e.removed as f32 * scale;
            let _ = write!(
                svg,
                "<text x=\"{}\" y=\"{:.1}\" class=\"label\" text-anchor=\"end\">{}</text>\
<rect class=\"down\" x=\"{left}\" y=\"{y:.1}\" width=\"{down:.1}\" height=\"{:.1}\"><title>{} not helpful {}</title></rect>\
<rect class=\"removed\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{removed:.1}\" height=\"{:.1}\"><title>{} removed {}</title></rect>\
<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\">{} not helpful{}</text>",
                left - 8.0,
                y + row_h * 0.6,
                esc(&e.entry),
                row_h * 0.7,
                esc(&e.entry),
                e.down,
                left + down,
                row_h * 0.7,
                esc(&e.entry),
                e.removed,
                left + down + removed + 6.0,
                y + row_h * 0.6,
                e.down,
                if e.removed > 0 { format!(" · {} removed", e.removed) } else { String::new() }
            );
        }
        svg.push_str("</svg>");
        svg
    }
}

/// The writer's counters in words.
fn recording(s: &Stats) -> String {
    format!(
        "{} rows written, {} dropped{}",
        s.written,
        s.dropped,
        if s.degraded {
            " (database unavailable now)"
        } else {
            ""
        }
    )
}

fn card(what: &str, n: usize, class: &str) -> String {
    format!(
        "<div class=\"card {class}\"><b>{n}</b><span>{}</span></div>",
        esc(what)
    )
}

/// Text made safe inside HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;max-width:820px;color:#222;padding:0 1em}\
h1{margin-bottom:0}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}\
.period,.note{color:#666}.cards{display:flex;gap:.8em;flex-wrap:wrap}\
.card{border:1px solid #ddd;border-radius:8px;padding:.6em 1em;min-width:90px}\
.card b{display:block;font-size:1.6em}.card span{color:#666;font-size:.9em}\
.card.answer{border-left:6px solid #2e7d32}.card.suggest{border-left:6px solid #f9a825}\
.card.none{border-left:6px solid #9e9e9e}.card.urgent{border-left:6px solid #c62828}\
svg .answer{fill:#2e7d32}svg .suggest{fill:#f9a825}svg .none{fill:#9e9e9e}svg .urgent{fill:#c62828}\
svg .down{fill:#c62828}svg .removed{fill:#6a1b9a}svg text{font-size:12px;fill:#333}\
table{border-collapse:collapse;width:100%;margin-top:.6em}th,td{border-bottom:1px solid #eee;padding:.35em .5em;text-align:left;vertical-align:top;overflow-wrap:anywhere}\
td.n{font-weight:bold;text-align:right}ul{margin:0;padding-left:1.1em}pre{margin:.2em 0;white-space:pre-wrap;background:#f5f5f5;padding:.2em .4em}\
.alt{font-size:.85em;color:#555}footer{margin-top:2em;color:#888;font-size:.85em}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(19_723), "2024-01-01");
        assert_eq!(date(-1), "1969-12-31");
        assert_eq!(date(11_016), "2000-02-29");
    }

    #[test]
    fn html_escapes_member_text_and_loads_nothing() {
        let mut r = Report::default();
        r.unanswered.push(Group {
            label: "x".into(),
            count: 1,
            examples: vec!["<script>alert(1)</script>".into()],
            nearest: None,
            alternate: None,
        });
        let html = r.html();
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        for external in ["src=", "href=", "@import", "url("] {
            assert!(!html.contains(external), "external asset via {external}");
        }
    }
}
