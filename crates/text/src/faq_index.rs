//! The in-memory FAQ index: an inverted index from features (concepts, words,
//! Han bigrams and unigrams) to entries, BM25-style idf weights, and the scoring
//! of a message against the entries it shares features with.
//!
//! Scoring, for a message with units `u` (its concepts and content words) and an entry `d`:
//!
//! * `match(u, d)` is 1 when the unit's concept or word occurs in the entry's
//!   question or similar questions, `answer_weight` when it occurs only in the
//!   answer, and partial credit from shared bigrams (×0.8) or characters (×0.5)
//!   for a Han word that does not occur as such (typos, other segmentations);
//! * `query_coverage(d) = Σ idf(u)·match(u,d) / Σ idf(u)`: how much of the
//!   message the entry explains. Words unknown to the whole FAQ get the highest
//!   idf, so a message about something else scores low;
//! * `entry_coverage(d)`: the same the other way round, for the entry's best
//!   phrasing (question or one similar question) against the message, so that a
//!   specific entry whose key concepts are all present beats a generic one;
//! * `score = (query_coverage + λ·entry_coverage) / (1 + λ)`.
//!
//! The weights live in [`Scoring`]; a unit's weight is `idf^idf_power` (times
//! `concept_boost` for a concept, `unknown_factor` for a word no entry has).
//!
//! Only entries sharing at least one feature with the message are touched (via the
//! postings), and `entry_coverage` is computed for the top [`RERANK`] only.

use serde::{Deserialize, Serialize};

use crate::analyze::{Analysis, Correct, Feature, NoCorrect, Unit, UnitKind, analyze, light_features};
use crate::fxhash::{FxHashMap, FxHashSet};
use crate::lexicon::Lexicon;
use crate::tokenize::is_stop_word;

/// One FAQ entry, as stored in `kb.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaqEntry {
    pub id: String,
    #[serde(default)]
    pub category: String,
    pub question: String,
    #[serde(default)]
    pub similar: Vec<String>,
    #[serde(default)]
    pub answer: String,
    #[serde(default)]
    pub lang: String,
}

/// Number of best query-coverage candidates that are re-ranked.
pub const RERANK: usize = 40;
/// Credit for a Han word matched through its bigrams / characters.
const BIGRAM_CREDIT: f32 = 0.8;
const UNIGRAM_CREDIT: f32 = 0.5;

/// Weights of the scoring (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scoring {
    /// Strength of a feature that occurs only in an entry's answer.
    pub answer_weight: f32,
    /// Weight λ of entry coverage relative to query coverage.
    pub entry_lambda: f32,
    /// Multiplier of a concept unit's idf (concepts are curated, words are not).
    pub concept_boost: f32,
    /// Multiplier of the idf of a word no entry contains.
    pub unknown_factor: f32,
    /// Unit weight = idf ^ idf_power (above 1, rare units dominate more).
    pub idf_power: f32,
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring { answer_weight: 0.3, entry_lambda: 0.5, concept_boost: 1.2, unknown_factor: 0.8, idf_power: 1.0 }
    }
}

/// A unit of an entry phrasing with its weight.
#[derive(Debug, Clone)]
struct WeightedUnit {
    unit: Unit,
    weight: f32,
}

/// A scored candidate entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scored {
    pub doc: usize,
    pub query_coverage: f32,
    pub entry_coverage: f32,
    pub score: f32,
}

/// Fixes English typos against the FAQ's and the lexicon's vocabulary
/// (single insertion, deletion or substitution, words of 5+ letters).
#[derive(Debug, Clone, Default)]
pub(crate) struct Speller {
    counts: FxHashMap<String, u32>,
    /// A vocabulary word with one letter deleted → the vocabulary words.
    deletes: FxHashMap<String, Vec<String>>,
}

fn deletions(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len()).map(|i| chars.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, c)| c).collect()).collect()
}

impl Speller {
    fn add(&mut self, word: &str) {
        if word.len() < 4 || !word.bytes().all(|b| b.is_ascii_lowercase()) || is_stop_word(word) {
            return;
        }
        let count = self.counts.entry(word.to_string()).or_insert(0);
        *count += 1;
        if *count == 1 {
            for d in deletions(word) {
                self.deletes.entry(d).or_default().push(word.to_string());
            }
        }
    }
}

impl Correct for Speller {
    fn correct(&self, word: &str) -> Option<String> {
        // Short words are too often real words the FAQ does not use ("black").
        if word.len() < 6 || self.counts.contains_key(word) || !word.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        let mut candidates: Vec<&String> = Vec::new();
        if let Some(list) = self.deletes.get(word) {
            candidates.extend(list);
        }
        for d in deletions(word) {
            if let Some((w, _)) = self.counts.get_key_value(&d) {
                candidates.push(w);
            }
            if let Some(list) = self.deletes.get(&d) {
                candidates.extend(list);
            }
        }
        candidates
            .into_iter()
            .max_by(|a, b| {
                let ca = self.counts.get(*a).copied().unwrap_or(0);
                let cb = self.counts.get(*b).copied().unwrap_or(0);
                ca.cmp(&cb).then_with(|| b.cmp(a))
            })
            .cloned()
    }
}

/// The FAQ index.
#[derive(Debug, Clone)]
pub(crate) struct Index {
    pub scoring: Scoring,
    pub lexicon: Lexicon,
    pub entries: Vec<FaqEntry>,
    postings: FxHashMap<Feature, Vec<(u32, f32)>>,
    phrasings: Vec<Vec<Vec<WeightedUnit>>>,
    pub speller: Speller,
}

impl Index {
    pub fn build(entries: Vec<FaqEntry>, lexicon: Lexicon, scoring: Scoring) -> Index {
        let analysed = analyse_all(&entries, &lexicon, scoring.answer_weight);
        let mut postings: FxHashMap<Feature, Vec<(u32, f32)>> = FxHashMap::default();
        let mut raw_phrasings: Vec<Vec<Vec<Unit>>> = Vec::with_capacity(entries.len());
        let mut speller = Speller::default();
        for w in lexicon.latin_words() {
            speller.add(w);
        }
        for (doc, a) in analysed.into_iter().enumerate() {
            let doc = u32::try_from(doc).unwrap_or(u32::MAX);
            for (f, s) in a.strengths {
                postings.entry(f).or_default().push((doc, s));
            }
            for w in &a.words {
                speller.add(w);
            }
            raw_phrasings.push(a.phrasings);
        }
        let mut index = Index { scoring, lexicon, entries, postings, phrasings: Vec::new(), speller };
        index.phrasings = raw_phrasings
            .into_iter()
            .map(|phr| {
                phr.into_iter()
                    .map(|units| {
                        units.into_iter().map(|unit| WeightedUnit { weight: index.unit_weight(&unit), unit }).collect()
                    })
                    .collect()
            })
            .collect();
        index
    }

    /// Number of entries containing the feature.
    fn df(&self, f: Feature) -> usize {
        self.postings.get(&f).map_or(0, Vec::len)
    }

    /// BM25 idf of a feature, raised to the configured power.
    fn idf(&self, f: Feature) -> f32 {
        let n = self.entries.len() as f32;
        let df = self.df(f) as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln().powf(self.scoring.idf_power)
    }

    /// The weight of a unit: idf of its concept or word (a Han word unknown as a
    /// word but known through its bigrams takes their mean idf).
    pub fn unit_weight(&self, unit: &Unit) -> f32 {
        let idf = self.idf(unit.primary);
        match unit.kind {
            UnitKind::Concept => idf * self.scoring.concept_boost,
            _ if self.df(unit.primary) > 0 => idf,
            UnitKind::HanWord if !unit.bigrams.is_empty() => {
                let known: Vec<f32> = unit.bigrams.iter().filter(|b| self.df(**b) > 0).map(|b| self.idf(*b)).collect();
                if known.len() == unit.bigrams.len() {
                    known.iter().sum::<f32>() / known.len() as f32
                } else {
                    idf * self.scoring.unknown_factor
                }
            }
            _ => idf * self.scoring.unknown_factor,
        }
    }

    /// Analyses a message (with English typo correction).
    pub fn analyze_query(&self, text: &str) -> Analysis {
        analyze(&self.lexicon, text, &self.speller)
    }

    /// Scores the entries sharing features with the analysed message; best first.
    pub fn search(&self, query: &Analysis, limit: usize) -> Vec<Scored> {
        let n = self.entries.len();
        let weights: Vec<f32> = query.units.iter().map(|u| self.unit_weight(u)).collect();
        let total_weight: f32 = weights.iter().sum();
        if n == 0 || total_weight <= 0.0 {
            return Vec::new();
        }
        let mut total = vec![0f32; n];
        let mut word = vec![0f32; n];
        let mut bi = vec![0f32; n];
        let mut uni = vec![0f32; n];
        let mut stamp = vec![usize::MAX; n];
        let mut touched: Vec<usize> = Vec::new();
        let mut any: Vec<usize> = Vec::new();
        for (ui, (unit, w)) in query.units.iter().zip(&weights).enumerate() {
            touched.clear();
            let mut visit = |f: Feature, slot: &mut Vec<f32>, credit: f32, max: bool| {
                for &(doc, s) in self.postings.get(&f).map_or(&[][..], Vec::as_slice) {
                    let d = doc as usize;
                    if stamp[d] != ui {
                        stamp[d] = ui;
                        touched.push(d);
                    }
                    if max {
                        slot[d] = slot[d].max(s * credit);
                    } else {
                        slot[d] += s * credit;
                    }
                }
            };
            visit(unit.primary, &mut word, 1.0, true);
            if !unit.bigrams.is_empty() {
                let c = BIGRAM_CREDIT / unit.bigrams.len() as f32;
                for &b in &unit.bigrams {
                    visit(b, &mut bi, c, false);
                }
            }
            if unit.unigrams.len() > 1 {
                let c = UNIGRAM_CREDIT / unit.unigrams.len() as f32;
                for &u in &unit.unigrams {
                    visit(u, &mut uni, c, false);
                }
            } else if let Some(&u) = unit.unigrams.first() {
                visit(u, &mut uni, UNIGRAM_CREDIT, true);
            }
            for &d in &touched {
                let m = word[d].max(bi[d]).max(uni[d]).min(1.0);
                if total[d] == 0.0 && m > 0.0 {
                    any.push(d);
                }
                total[d] += w * m;
                word[d] = 0.0;
                bi[d] = 0.0;
                uni[d] = 0.0;
            }
        }
        let mut cands: Vec<Scored> = any
            .into_iter()
            .map(|doc| Scored { doc, query_coverage: total[doc] / total_weight, entry_coverage: 0.0, score: 0.0 })
            .collect();
        let by_coverage =
            |a: &Scored, b: &Scored| b.query_coverage.total_cmp(&a.query_coverage).then(a.doc.cmp(&b.doc));
        if cands.len() > RERANK {
            cands.select_nth_unstable_by(RERANK, by_coverage);
            cands.truncate(RERANK);
        }
        let qset: FxHashSet<Feature> = query.features.iter().copied().collect();
        for c in &mut cands {
            c.entry_coverage = self.entry_coverage(c.doc, &qset);
            let lambda = self.scoring.entry_lambda;
            c.score = (c.query_coverage + lambda * c.entry_coverage) / (1.0 + lambda);
        }
        cands.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
        cands.truncate(limit);
        cands
    }

    /// Best coverage of one of the entry's phrasings by the message's features.
    fn entry_coverage(&self, doc: usize, qset: &FxHashSet<Feature>) -> f32 {
        let Some(phrasings) = self.phrasings.get(doc) else {
            return 0.0;
        };
        let mut best = 0f32;
        for units in phrasings {
            let total: f32 = units.iter().map(|u| u.weight).sum();
            if total <= 0.0 {
                continue;
            }
            let matched: f32 = units.iter().map(|wu| wu.weight * unit_match(&wu.unit, qset)).sum();
            best = best.max(matched / total);
        }
        best
    }
}

/// The analysis of one entry, before it is merged into the index.
struct DocAnalysis {
    strengths: Vec<(Feature, f32)>,
    phrasings: Vec<Vec<Unit>>,
    words: Vec<String>,
}

fn analyse_entry(lexicon: &Lexicon, entry: &FaqEntry, answer_weight: f32) -> DocAnalysis {
    let mut strengths: FxHashMap<Feature, f32> = FxHashMap::default();
    let mut phrasings = Vec::with_capacity(1 + entry.similar.len());
    let mut words = Vec::new();
    for text in std::iter::once(&entry.question).chain(entry.similar.iter()) {
        let a = analyze(lexicon, text, &NoCorrect);
        for f in &a.features {
            strengths.insert(*f, 1.0);
        }
        phrasings.push(a.units);
        words.extend(a.raw_words);
    }
    let (answer_features, answer_words) = light_features(lexicon, &entry.answer);
    for f in answer_features {
        strengths.entry(f).or_insert(answer_weight);
    }
    words.extend(answer_words);
    DocAnalysis { strengths: strengths.into_iter().collect(), phrasings, words }
}

/// Analyses all entries, on several threads for a big FAQ.
fn analyse_all(entries: &[FaqEntry], lexicon: &Lexicon, answer_weight: f32) -> Vec<DocAnalysis> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if threads < 2 || entries.len() < 512 {
        return entries.iter().map(|e| analyse_entry(lexicon, e, answer_weight)).collect();
    }
    let chunk = entries.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = entries
            .chunks(chunk)
            .map(|part| {
                let handle = scope
                    .spawn(move || part.iter().map(|e| analyse_entry(lexicon, e, answer_weight)).collect::<Vec<_>>());
                (part, handle)
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(part, handle)| {
                // A panicking worker is not expected; redo its part here if it happens.
                handle
                    .join()
                    .unwrap_or_else(|_| part.iter().map(|e| analyse_entry(lexicon, e, answer_weight)).collect())
            })
            .collect()
    })
}

/// How well a unit is matched by a feature set (1, or partial credit).
fn unit_match(unit: &Unit, set: &FxHashSet<Feature>) -> f32 {
    if set.contains(&unit.primary) {
        return 1.0;
    }
    let frac = |fs: &[Feature]| {
        if fs.is_empty() { 0.0 } else { fs.iter().filter(|f| set.contains(f)).count() as f32 / fs.len() as f32 }
    };
    let uni = UNIGRAM_CREDIT * frac(&unit.unigrams);
    (BIGRAM_CREDIT * frac(&unit.bigrams)).max(uni)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, q: &str, similar: &[&str], answer: &str) -> FaqEntry {
        FaqEntry {
            id: id.into(),
            category: String::new(),
            question: q.into(),
            similar: similar.iter().map(|s| s.to_string()).collect(),
            answer: answer.into(),
            lang: "zh".into(),
        }
    }

    fn index() -> Index {
        Index::build(
            vec![
                entry("a", "退款多久能到账？", &["退款什么时候到账"], "1-7个工作日原路退回。"),
                entry("b", "如何开具发票？", &["怎么开发票"], "在订单详情申请开票。"),
                entry("c", "忘记登录密码怎么办？", &["找回密码"], "点击忘记密码重置。"),
            ],
            Lexicon::builtin().unwrap_or_default(),
            Scoring::default(),
        )
    }

    #[test]
    fn entry_parses_with_defaults() {
        let line = r#"{"id": "faq-9", "question": "怎么退货？", "similar": ["退货流程"], "answer": "在订单页申请。"}"#;
        let e: FaqEntry = match serde_json::from_str(line) {
            Ok(e) => e,
            Err(err) => panic!("{err}"),
        };
        assert_eq!((e.category.as_str(), e.lang.as_str()), ("", ""));
        assert_eq!(e.similar, vec!["退货流程".to_string()]);
    }

    #[test]
    fn cross_language_match() {
        let idx = index();
        let q = idx.analyze_query("how long until I get my refund");
        let r = idx.search(&q, 3);
        assert_eq!(r.first().map(|s| s.doc), Some(0), "{r:?}");
    }

    #[test]
    fn typo_tolerance() {
        let idx = index();
        let q = idx.analyze_query("I forgot my pasword");
        let r = idx.search(&q, 3);
        assert_eq!(r.first().map(|s| s.doc), Some(2), "{r:?}");
        assert_eq!(idx.speller.correct("pasword").as_deref(), Some("password"));
    }

    #[test]
    fn unrelated_scores_low() {
        let idx = index();
        let q = idx.analyze_query("今天北京天气怎么样");
        let best = idx.search(&q, 3).first().map_or(0.0, |s| s.score);
        assert!(best < 0.3, "{best}");
    }
}
