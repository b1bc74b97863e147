//! Evaluation of the bot on a labelled set (the format of `shared/boteval`).
//!
//! Scoring rules: each message gets one predicted label — the entry id for
//! `Answer`, `handoff` for `Handoff`, and for `Clarify` the id of its FIRST
//! candidate (the one the customer sees first). Top-1 accuracy is over the
//! answerable set (a handoff there is wrong). Handoff precision = handoff rows
//! predicted `handoff` / all rows predicted `handoff` (answerable rows included);
//! recall = handoff rows predicted `handoff` / handoff rows, also per reason.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::bot::{BotDecision, FaqBot};

/// One labelled message (a line of `dev.jsonl` or `handoff_dev.jsonl`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalQuestion {
    pub q: String,
    /// An entry id, or `handoff`.
    pub expected: String,
    /// For handoff rows: `explicit_request`, `complaint_angry`, …
    #[serde(default)]
    pub reason: Option<String>,
}

/// A JSON Lines parse error.
#[derive(Debug)]
pub struct JsonlError {
    pub line: usize,
    pub error: serde_json::Error,
}

impl fmt::Display for JsonlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.error)
    }
}

impl std::error::Error for JsonlError {}

/// Parses JSON Lines (blank lines are skipped).
pub fn parse_jsonl<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, JsonlError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|error| JsonlError { line: i + 1, error }))
        .collect()
}

/// A wrongly handled message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Confusion {
    pub q: String,
    pub expected: String,
    pub predicted: String,
    /// `answer`, `clarify` or `handoff:<reason>`.
    pub decision: String,
}

/// Recall of one handoff reason.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReasonStats {
    /// Handoff rows with this expected reason.
    pub total: usize,
    /// Of those, predicted `handoff` (any reason).
    pub caught: usize,
    /// Of those, predicted `handoff` with this very reason.
    pub same_reason: usize,
    /// Rows (of both sets) the bot handed over with this reason.
    pub predicted: usize,
    /// Of those, rows that really were handoff rows.
    pub predicted_correct: usize,
}

/// The result of [`evaluate`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EvalReport {
    pub answerable: usize,
    pub answerable_correct: usize,
    pub handoff_rows: usize,
    /// Handoff rows predicted `handoff`.
    pub handoff_caught: usize,
    /// All rows predicted `handoff`.
    pub predicted_handoff: usize,
    /// `Clarify` decisions on the answerable / handoff sets.
    pub clarify_answerable: usize,
    pub clarify_answerable_correct: usize,
    pub clarify_handoff: usize,
    pub per_reason: BTreeMap<String, ReasonStats>,
    pub confusions: Vec<Confusion>,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

impl EvalReport {
    /// Top-1 accuracy over the answerable set.
    pub fn top1(&self) -> f64 {
        ratio(self.answerable_correct, self.answerable)
    }

    /// Handoff precision over all rows.
    pub fn handoff_precision(&self) -> f64 {
        ratio(self.handoff_caught, self.predicted_handoff)
    }

    /// Handoff recall over the handoff rows.
    pub fn handoff_recall(&self) -> f64 {
        ratio(self.handoff_caught, self.handoff_rows)
    }

    /// Total `Clarify` decisions.
    pub fn clarify_count(&self) -> usize {
        self.clarify_answerable + self.clarify_handoff
    }

    /// The closing summary line, e.g. `top1=0.912 handoff_precision=0.903 handoff_recall=0.950`.
    pub fn summary_line(&self) -> String {
        format!(
            "top1={:.3} handoff_precision={:.3} handoff_recall={:.3}",
            self.top1(),
            self.handoff_precision(),
            self.handoff_recall()
        )
    }
}

fn decision_kind(d: &BotDecision) -> String {
    match d {
        BotDecision::Answer { .. } => "answer".into(),
        BotDecision::Clarify { .. } => "clarify".into(),
        BotDecision::Handoff { reason, .. } => format!("handoff:{}", reason.as_str()),
    }
}

/// Runs the bot over both sets and scores it (see the module docs).
pub fn evaluate(bot: &FaqBot, answerable: &[EvalQuestion], handoffs: &[EvalQuestion]) -> EvalReport {
    let mut r = EvalReport::default();
    let note_predicted = |r: &mut EvalReport, d: &BotDecision, correct: bool| {
        if let BotDecision::Handoff { reason, .. } = d {
            let s = r.per_reason.entry(reason.as_str().to_string()).or_default();
            s.predicted += 1;
            if correct {
                s.predicted_correct += 1;
            }
        }
    };
    for row in answerable {
        let d = bot.decide(&row.q);
        let predicted = d.predicted_label().to_string();
        r.answerable += 1;
        if d.is_handoff() {
            r.predicted_handoff += 1;
        }
        note_predicted(&mut r, &d, false);
        let correct = predicted == row.expected;
        if matches!(d, BotDecision::Clarify { .. }) {
            r.clarify_answerable += 1;
            if correct {
                r.clarify_answerable_correct += 1;
            }
        }
        if correct {
            r.answerable_correct += 1;
        } else {
            r.confusions.push(Confusion {
                q: row.q.clone(),
                expected: row.expected.clone(),
                predicted,
                decision: decision_kind(&d),
            });
        }
    }
    for row in handoffs {
        let d = bot.decide(&row.q);
        r.handoff_rows += 1;
        let reason = row.reason.clone().unwrap_or_else(|| "unspecified".into());
        let caught = d.is_handoff();
        if caught {
            r.predicted_handoff += 1;
            r.handoff_caught += 1;
        }
        if matches!(d, BotDecision::Clarify { .. }) {
            r.clarify_handoff += 1;
        }
        note_predicted(&mut r, &d, true);
        let same = matches!(&d, BotDecision::Handoff { reason: got, .. } if got.as_str() == reason);
        let s = r.per_reason.entry(reason.clone()).or_default();
        s.total += 1;
        if caught {
            s.caught += 1;
        }
        if same {
            s.same_reason += 1;
        }
        if !caught {
            r.confusions.push(Confusion {
                q: row.q.clone(),
                expected: format!("handoff:{reason}"),
                predicted: d.predicted_label().to_string(),
                decision: decision_kind(&d),
            });
        }
    }
    r
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "FAQ bot evaluation")?;
        writeln!(
            f,
            "Scoring: Answer predicts its entry, Handoff predicts `handoff`, Clarify predicts its FIRST candidate (what the customer sees first)."
        )?;
        writeln!(f, "top-1 accuracy: {}/{} = {:.3}", self.answerable_correct, self.answerable, self.top1())?;
        writeln!(
            f,
            "handoff precision: {}/{} = {:.3}   recall: {}/{} = {:.3}",
            self.handoff_caught,
            self.predicted_handoff,
            self.handoff_precision(),
            self.handoff_caught,
            self.handoff_rows,
            self.handoff_recall()
        )?;
        writeln!(
            f,
            "clarify decisions: {} ({} on answerable rows, {} of them with the right first candidate; {} on handoff rows)",
            self.clarify_count(),
            self.clarify_answerable,
            self.clarify_answerable_correct,
            self.clarify_handoff
        )?;
        writeln!(
            f,
            "per reason: recall = expected-reason rows handed over (any reason); precision = rows handed over with this reason that were handoff rows"
        )?;
        for (reason, s) in &self.per_reason {
            writeln!(
                f,
                "  {:<17} recall {:>2}/{:<2} = {:.3} (same reason {:>2})   precision {:>2}/{:<2} = {:.3}",
                reason,
                s.caught,
                s.total,
                ratio(s.caught, s.total),
                s.same_reason,
                s.predicted_correct,
                s.predicted,
                ratio(s.predicted_correct, s.predicted)
            )?;
        }
        writeln!(f, "confused ({}): expected -> predicted [decision] question", self.confusions.len())?;
        for c in &self.confusions {
            writeln!(f, "  {} -> {} [{}] {}", c.expected, c.predicted, c.decision, c.q)?;
        }
        write!(f, "{}", self.summary_line())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faq_index::FaqEntry;
    use std::path::PathBuf;

    #[test]
    fn summary_line_format() {
        let r = EvalReport {
            answerable: 1000,
            answerable_correct: 912,
            handoff_rows: 40,
            handoff_caught: 38,
            predicted_handoff: 42,
            ..EvalReport::default()
        };
        assert_eq!(r.summary_line(), "top1=0.912 handoff_precision=0.905 handoff_recall=0.950");
        assert!(r.to_string().ends_with(&r.summary_line()));
    }

    #[test]
    fn jsonl_parsing() {
        let rows: Result<Vec<EvalQuestion>, _> = parse_jsonl(
            "{\"q\": \"转人工\", \"expected\": \"handoff\", \"reason\": \"explicit_request\"}\n\n{\"q\": \"x\", \"expected\": \"faq-1\"}\n",
        );
        let rows = rows.unwrap_or_default();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].reason, None);
        let bad: Result<Vec<EvalQuestion>, _> = parse_jsonl("{}\n");
        assert!(bad.is_err());
    }

    fn boteval_dir() -> Option<PathBuf> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/boteval");
        dir.join("kb.jsonl").exists().then_some(dir)
    }

    fn load<T: DeserializeOwned>(dir: &std::path::Path, name: &str) -> Vec<T> {
        let text = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        match parse_jsonl(&text) {
            Ok(rows) => rows,
            Err(e) => panic!("{name}: {e}"),
        }
    }

    #[test]
    fn dev_split_meets_targets() {
        let Some(dir) = boteval_dir() else {
            println!("shared/boteval not found next to the workspace; skipping the dev evaluation");
            return;
        };
        let kb: Vec<FaqEntry> = load(&dir, "kb.jsonl");
        let dev: Vec<EvalQuestion> = load(&dir, "dev.jsonl");
        let handoff: Vec<EvalQuestion> = load(&dir, "handoff_dev.jsonl");
        let bot = FaqBot::new(kb);
        let report = evaluate(&bot, &dev, &handoff);
        println!("{report}");
        assert!(report.top1() >= 0.90, "{}", report.summary_line());
        assert!(report.handoff_recall() >= 0.90, "{}", report.summary_line());
        assert!(report.handoff_precision() >= 0.85, "{}", report.summary_line());
    }

    /// The developer-written paraphrase sets in `tests/data` (see docs/bot.md):
    /// a regression guard for lexicon edits, independent of `shared/`.
    #[test]
    fn probe_sets_do_not_regress() {
        let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        let kb_dir = boteval_dir();
        let Some(kb_dir) = kb_dir else {
            println!("shared/boteval/kb.jsonl not found; skipping the probe sets");
            return;
        };
        let kb: Vec<FaqEntry> = load(&kb_dir, "kb.jsonl");
        let bot = FaqBot::new(kb);
        for name in ["probe", "probe2", "probe3", "probe4"] {
            let q: Vec<EvalQuestion> = load(&data, &format!("{name}.jsonl"));
            let h: Vec<EvalQuestion> = load(&data, &format!("{name}_handoff.jsonl"));
            let r = evaluate(&bot, &q, &h);
            println!("{name}: {}", r.summary_line());
            assert!(r.top1() >= 0.93, "{name}: {}", r.summary_line());
            assert!(r.handoff_precision() >= 0.9, "{name}: {}", r.summary_line());
            assert!(r.handoff_recall() >= 0.9, "{name}: {}", r.summary_line());
        }
    }
}
