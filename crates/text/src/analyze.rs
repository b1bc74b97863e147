//! Text analysis for the FAQ bot: turns a message or an FAQ phrasing into
//! *features* (for the inverted index) and *units* (the meaningful pieces of the
//! text that a match has to explain).
//!
//! Features are packed into `u64`s: lexicon concepts, words (jieba search-mode
//! words and stemmed English words), Han character bigrams and unigrams.
//!
//! Units are the non-neutral concepts found by the lexicon, plus the content words
//! not already explained by a concept (stop words, numbers and neutral spans such
//! as product nouns are skipped). A Han word unit also carries its bigrams and
//! unigrams so that a typo (`积份` for `积分`) still earns partial credit.

use crate::fxhash::{FxHashSet, fnv1a};
use crate::lexicon::{ConceptHit, ConceptId, Lexicon, split_runs, stem};
use crate::normalize::{is_han, normalize};
use crate::tokenize::{is_stop_word, jieba, runs};

/// A packed feature.
pub(crate) type Feature = u64;

const TAG_SHIFT: u32 = 60;
const LOW_MASK: u64 = (1 << TAG_SHIFT) - 1;

pub(crate) fn concept_feature(id: ConceptId) -> Feature {
    (1 << TAG_SHIFT) | u64::from(id)
}

pub(crate) fn word_feature(word: &str) -> Feature {
    (2 << TAG_SHIFT) | (fnv1a(word) & LOW_MASK)
}

fn bigram_feature(a: char, b: char) -> Feature {
    (3 << TAG_SHIFT) | (u64::from(a) << 21) | u64::from(b)
}

fn unigram_feature(c: char) -> Feature {
    (4 << TAG_SHIFT) | u64::from(c)
}

/// What a unit is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnitKind {
    Concept,
    HanWord,
    LatinWord,
}

/// One meaningful piece of a text.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    pub kind: UnitKind,
    /// The concept or word feature.
    pub primary: Feature,
    /// Han bigrams of a Han word (partial credit).
    pub bigrams: Vec<Feature>,
    /// Han characters of a Han word (smaller partial credit).
    pub unigrams: Vec<Feature>,
    /// Human-readable label, for debugging and explanations.
    pub label: String,
}

/// The analysis of one text.
#[derive(Debug, Clone, Default)]
pub(crate) struct Analysis {
    pub units: Vec<Unit>,
    /// Deduplicated index features of the whole text.
    pub features: Vec<Feature>,
    /// Non-neutral concepts found.
    pub concepts: Vec<ConceptId>,
    /// Length of the message: Han characters plus two per other word (stop words
    /// included), so that 4 is about "two Chinese words" or "two English words".
    pub length: usize,
    /// The English words as written (lower-cased), for the spelling corrector.
    pub raw_words: Vec<String>,
}

/// Corrects a misspelt English word (see `faq_index::Speller`).
pub(crate) trait Correct {
    fn correct(&self, word: &str) -> Option<String>;
}

/// No correction (used when indexing).
pub(crate) struct NoCorrect;

impl Correct for NoCorrect {
    fn correct(&self, _word: &str) -> Option<String> {
        None
    }
}

/// A numeral plus measure words (两条, 一件, 好几块, 三次): quantities are noise.
fn is_quantity(word: &str) -> bool {
    const NUMERALS: &str = "一二两三四五六七八九十百千万几好半多每";
    const MEASURES: &str = "个件条块双只套张份次台盒箱包瓶支把位回遍笔单样种";
    let mut chars = word.chars();
    chars.next().is_some_and(|c| NUMERALS.contains(c))
        && chars.clone().next().is_some()
        && chars.all(|c| NUMERALS.contains(c) || MEASURES.contains(c))
}

fn is_number_like(word: &str) -> bool {
    word.chars().any(|c| c.is_numeric())
}

/// Analyses a text. `speller` may fix English typos before stemming.
pub(crate) fn analyze(lex: &Lexicon, text: &str, speller: &dyn Correct) -> Analysis {
    let normalized = normalize(text);
    let chars: Vec<char> = normalized.chars().collect();
    let (han_runs, mut words) = split_runs(runs(&normalized));
    for w in &mut words {
        if w.raw.len() >= 5
            && !is_number_like(&w.raw)
            && !is_stop_word(&w.raw)
            && let Some(fixed) = speller.correct(&w.raw)
        {
            w.stem = stem(&fixed);
            w.raw = fixed;
        }
    }
    let hits = lex.find(&chars, &words);

    // Char coverage: 1 = covered by a concept, 2 = covered by a neutral span.
    let mut covered = vec![0u8; chars.len()];
    for h in &hits {
        let mark = if lex.is_neutral(h.concept) { 2 } else { 1 };
        for c in covered.iter_mut().take(h.end).skip(h.start) {
            *c = (*c).max(mark);
        }
    }

    let mut out = Analysis::default();
    let mut feature_set: FxHashSet<Feature> = FxHashSet::default();
    let mut push_feature = |f: Feature, out: &mut Analysis| {
        if feature_set.insert(f) {
            out.features.push(f);
        }
    };

    let mut seen_concepts: FxHashSet<ConceptId> = FxHashSet::default();
    for ConceptHit { concept, .. } in &hits {
        if lex.is_neutral(*concept) || !seen_concepts.insert(*concept) {
            continue;
        }
        out.concepts.push(*concept);
        let f = concept_feature(*concept);
        push_feature(f, &mut out);
        out.units.push(Unit {
            kind: UnitKind::Concept,
            primary: f,
            bigrams: Vec::new(),
            unigrams: Vec::new(),
            label: format!("#{}", lex.name(*concept)),
        });
    }

    let mut seen_words: FxHashSet<Feature> = FxHashSet::default();
    for run in &han_runs {
        let run_chars: Vec<char> = run.text.chars().collect();
        for pair in run_chars.windows(2) {
            push_feature(bigram_feature(pair[0], pair[1]), &mut out);
        }
        for &c in &run_chars {
            push_feature(unigram_feature(c), &mut out);
        }
        // One jieba pass: search mode gives the sub-words (index features) and,
        // once the sub-words nested in a token are popped, the default cut (units).
        let mut cut: Vec<(&str, usize, usize)> = Vec::new();
        for tok in jieba().cut_for_search(&run.text, true) {
            if !is_stop_word(tok.word) {
                push_feature(word_feature(tok.word), &mut out);
            }
            while cut.last().is_some_and(|&(_, s, e)| s >= tok.start && e <= tok.end && (s, e) != (tok.start, tok.end))
            {
                cut.pop();
            }
            cut.push((tok.word, tok.start, tok.end));
        }
        for (word, tok_start, tok_end) in cut {
            if is_stop_word(word) || is_quantity(word) {
                continue;
            }
            let start = run.start + tok_start;
            let end = run.start + tok_end;
            let len = end - start;
            let masked = covered[start..end].iter().filter(|&&c| c > 0).count();
            if masked * 2 >= len {
                continue;
            }
            let primary = word_feature(word);
            if !seen_words.insert(primary) {
                continue;
            }
            let wc: Vec<char> = word.chars().collect();
            out.units.push(Unit {
                kind: UnitKind::HanWord,
                primary,
                bigrams: wc.windows(2).map(|p| bigram_feature(p[0], p[1])).collect(),
                unigrams: wc.iter().map(|&c| unigram_feature(c)).collect(),
                label: word.to_string(),
            });
        }
    }

    for w in &words {
        if is_stop_word(&w.raw) || is_stop_word(&w.stem) || is_number_like(&w.raw) {
            continue;
        }
        let primary = word_feature(&w.stem);
        push_feature(primary, &mut out);
        if w.raw.chars().count() < 2 || covered[w.start..w.end].iter().any(|&c| c > 0) {
            continue;
        }
        if !seen_words.insert(primary) {
            continue;
        }
        out.units.push(Unit {
            kind: UnitKind::LatinWord,
            primary,
            bigrams: Vec::new(),
            unigrams: Vec::new(),
            label: w.stem.clone(),
        });
    }
    out.raw_words = words.into_iter().map(|w| w.raw).collect();
    out.length = han_runs.iter().map(|r| r.end - r.start).sum::<usize>() + 2 * out.raw_words.len();
    out
}

/// Index features of a long text (an answer), cheaply: concepts, Han bigrams
/// and English words; no jieba pass, no units.
pub(crate) fn light_features(lex: &Lexicon, text: &str) -> (Vec<Feature>, Vec<String>) {
    let normalized = normalize(text);
    let chars: Vec<char> = normalized.chars().collect();
    let (_, words) = split_runs(runs(&normalized));
    let mut set: FxHashSet<Feature> = FxHashSet::default();
    for h in lex.find(&chars, &words) {
        if !lex.is_neutral(h.concept) {
            set.insert(concept_feature(h.concept));
        }
    }
    for pair in chars.windows(2) {
        if is_han(pair[0]) && is_han(pair[1]) {
            set.insert(bigram_feature(pair[0], pair[1]));
        }
    }
    for w in &words {
        if !is_stop_word(&w.raw) && !is_number_like(&w.raw) {
            set.insert(word_feature(&w.stem));
        }
    }
    (set.into_iter().collect(), words.into_iter().map(|w| w.raw).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex() -> Lexicon {
        Lexicon::builtin().unwrap_or_default()
    }

    fn labels(a: &Analysis) -> Vec<String> {
        a.units.iter().map(|u| u.label.clone()).collect()
    }

    #[test]
    fn concepts_cover_words() {
        let a = analyze(&lex(), "我想申请退款", &NoCorrect);
        let l = labels(&a);
        assert!(l.contains(&"#refund".to_string()), "{l:?}");
        assert!(!l.contains(&"退款".to_string()), "{l:?}");
    }

    #[test]
    fn neutral_words_are_skipped() {
        let a = analyze(&lex(), "我的吹风机坏了", &NoCorrect);
        let l = labels(&a);
        assert!(l.contains(&"#defect".to_string()), "{l:?}");
        assert!(!l.iter().any(|x| x.contains("吹风")), "{l:?}");
        assert!(analyze(&lex(), "你好 在吗", &NoCorrect).units.is_empty());
    }

    #[test]
    fn one_pass_cut_matches_default_mode() {
        for text in ["中华人民共和国的退款申请流程", "我想申请退款", "物流信息好几天没有更新怎么办"]
        {
            let mut cut: Vec<(&str, usize, usize)> = Vec::new();
            for tok in jieba().cut_for_search(text, true) {
                while cut
                    .last()
                    .is_some_and(|&(_, s, e)| s >= tok.start && e <= tok.end && (s, e) != (tok.start, tok.end))
                {
                    cut.pop();
                }
                cut.push((tok.word, tok.start, tok.end));
            }
            let words: Vec<&str> = cut.iter().map(|t| t.0).collect();
            let default: Vec<&str> = jieba().cut(text, true).iter().map(|t| t.word).collect();
            assert_eq!(words, default);
        }
    }

    #[test]
    fn quantities_are_noise() {
        assert!(is_quantity("两条") && is_quantity("好几块") && is_quantity("一件"));
        assert!(!is_quantity("一直") && !is_quantity("两") && !is_quantity("好评"));
    }

    #[test]
    fn english_maps_to_concepts() {
        let a = analyze(&lex(), "How long does a refund take?", &NoCorrect);
        let l = labels(&a);
        assert!(l.contains(&"#refund".to_string()) && l.contains(&"#how_long".to_string()));
    }
}
