//! The domain lexicon: customer-service concepts with Chinese and English synonyms.
//!
//! The data lives in `src/lexicon.txt` (one concept per line, see the header of
//! that file). A concept id is shared by all its surface forms, which is what lets
//! `refund`, `money back`, `退钱` and `退款` match each other, across languages.
//!
//! Matching:
//! * a term containing a Han character is matched as a substring of the normalised
//!   text (so `7天无理由` and `满减` match inside longer runs);
//! * any other term is matched as a sequence of stemmed English words on word
//!   boundaries (`money back`, `tracking number`).
//!
//! Concepts whose id starts with `~` are *neutral*: recognised (product nouns, time
//! words, people, greetings) and then ignored, so that "my hair dryer" does not
//! count as an unknown topic against an answer.

use crate::fxhash::{FxHashMap, FxHashSet};

use crate::normalize::{is_han, normalize};
use crate::tokenize::{Run, runs};

/// Index of a concept in the lexicon.
pub type ConceptId = u16;

/// One concept of the lexicon.
#[derive(Debug, Clone)]
pub struct Concept {
    /// The id as written in the data file (without the `~` marker).
    pub name: String,
    /// Neutral concepts are recognised and then ignored for matching.
    pub neutral: bool,
    /// Hits of a blocking concept hide other hits nested inside them.
    pub blocking: bool,
}

/// A Han term: the rest of its first part after the first char, then further
/// parts that follow within the lexicon's gap (from `*` in the data file).
#[derive(Debug, Clone)]
struct HanTerm {
    rest: Vec<char>,
    more: Vec<Vec<char>>,
    concept: ConceptId,
}

const NO_CHAR: char = '\0';

/// Default largest number of chars a `*` in a Han term may skip.
pub const DEFAULT_GAP: usize = 4;

/// A concept found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConceptHit {
    pub concept: ConceptId,
    /// Char range in the normalised text.
    pub start: usize,
    pub end: usize,
}

/// A word of a text outside Han runs, with its char range in the normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatinWord {
    /// Lower-cased surface form (apostrophes removed).
    pub raw: String,
    /// Light English stem of `raw`.
    pub stem: String,
    pub start: usize,
    pub end: usize,
}

/// The parsed lexicon with its matchers.
#[derive(Debug, Clone)]
pub struct Lexicon {
    /// Largest number of chars a `*` may skip.
    gap: usize,
    concepts: Vec<Concept>,
    /// (first char, second char or `NO_CHAR`) → terms, longest first. A term of
    /// one char, or whose first part is one char before a gap, uses `NO_CHAR`.
    han: FxHashMap<(char, char), Vec<HanTerm>>,
    /// First stem → (remaining stems, concept).
    latin: FxHashMap<String, Vec<(Vec<String>, ConceptId)>>,
    /// Every English surface word the lexicon knows (for typo correction).
    latin_words: FxHashSet<String>,
}

impl Default for Lexicon {
    fn default() -> Self {
        Lexicon {
            gap: DEFAULT_GAP,
            concepts: Vec::new(),
            han: FxHashMap::default(),
            latin: FxHashMap::default(),
            latin_words: FxHashSet::default(),
        }
    }
}

/// Errors found while parsing lexicon data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexiconError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for LexiconError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "lexicon line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for LexiconError {}

/// The lexicon shipped with the crate.
pub const BUILTIN_LEXICON: &str = include_str!("lexicon.txt");

impl Lexicon {
    /// Parses lexicon data: `concept_id = term | term | …` per line, `#` comments,
    /// a `~` before the id marks a neutral concept. A repeated id adds terms to the
    /// same concept.
    pub fn parse(data: &str) -> Result<Lexicon, LexiconError> {
        let mut lex = Lexicon::default();
        let mut ids: FxHashMap<String, ConceptId> = FxHashMap::default();
        for (n, raw_line) in data.lines().enumerate() {
            let line = raw_line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let err = |message: &str| LexiconError { line: n + 1, message: message.to_string() };
            let Some((head, terms)) = line.split_once('=') else {
                return Err(err("expected `concept = term | term`"));
            };
            let head = head.trim();
            let (neutral, blocking, name) = if let Some(rest) = head.strip_prefix('~') {
                (true, true, rest.trim())
            } else if let Some(rest) = head.strip_prefix('!') {
                (false, true, rest.trim())
            } else {
                (false, false, head)
            };
            if name.is_empty() || name.contains(char::is_whitespace) {
                return Err(err("bad concept id"));
            }
            let id = match ids.get(name) {
                Some(&id) => id,
                None => {
                    let id = ConceptId::try_from(lex.concepts.len()).map_err(|_| err("too many concepts"))?;
                    lex.concepts.push(Concept { name: name.to_string(), neutral, blocking });
                    ids.insert(name.to_string(), id);
                    id
                }
            };
            for term in terms.split('|') {
                lex.add_term(term, id);
            }
        }
        for list in lex.han.values_mut() {
            list.sort_by_key(|t| std::cmp::Reverse(t.rest.len()));
        }
        Ok(lex)
    }

    /// Sets how many chars a `*` in a Han term may skip.
    pub fn with_gap(mut self, gap: usize) -> Lexicon {
        self.gap = gap;
        self
    }

    /// The lexicon compiled into the crate.
    pub fn builtin() -> Result<Lexicon, LexiconError> {
        Lexicon::parse(BUILTIN_LEXICON)
    }

    fn add_term(&mut self, term: &str, id: ConceptId) {
        let norm = normalize(term.trim());
        if norm.is_empty() {
            return;
        }
        if norm.chars().any(is_han) {
            let mut parts = norm
                .split('*')
                .map(|p| p.chars().filter(|c| !c.is_whitespace()).collect::<Vec<char>>())
                .filter(|p| !p.is_empty());
            if let Some(first_part) = parts.next()
                && let Some((&first, rest)) = first_part.split_first()
            {
                let second = rest.first().copied().unwrap_or(NO_CHAR);
                self.han.entry((first, second)).or_default().push(HanTerm {
                    rest: rest.to_vec(),
                    more: parts.collect(),
                    concept: id,
                });
            }
        } else {
            let words: Vec<String> = runs(&norm).into_iter().map(|r| r.text).collect();
            for w in &words {
                self.latin_words.insert(w.clone());
            }
            let stems: Vec<String> = words.iter().map(|w| stem(w)).collect();
            if let Some((first, rest)) = stems.split_first() {
                self.latin.entry(first.clone()).or_default().push((rest.to_vec(), id));
            }
        }
    }

    /// All concepts, indexed by [`ConceptId`].
    pub fn concepts(&self) -> &[Concept] {
        &self.concepts
    }

    /// The concept's name, or `"?"` for an unknown id.
    pub fn name(&self, id: ConceptId) -> &str {
        self.concepts.get(usize::from(id)).map_or("?", |c| c.name.as_str())
    }

    /// True if the concept is neutral (recognised, then ignored).
    pub fn is_neutral(&self, id: ConceptId) -> bool {
        self.concepts.get(usize::from(id)).is_some_and(|c| c.neutral)
    }

    /// English surface words known to the lexicon.
    pub fn latin_words(&self) -> &FxHashSet<String> {
        &self.latin_words
    }

    /// Finds all concept terms in normalised text. `chars` is the text as chars,
    /// `words` its non-Han words in order. Overlapping hits are all kept; a hit
    /// nested strictly inside a hit of a blocking concept is dropped.
    pub fn find(&self, chars: &[char], words: &[LatinWord]) -> Vec<ConceptHit> {
        let mut hits = Vec::new();
        for (i, &c) in chars.iter().enumerate() {
            let next = chars.get(i + 1).copied().unwrap_or(NO_CHAR);
            let two = self.han.get(&(c, next)).into_iter().flatten();
            let one = self.han.get(&(c, NO_CHAR)).into_iter().flatten();
            for term in two.chain(one) {
                if let Some(end) = match_han(chars, i, term, self.gap) {
                    hits.push(ConceptHit { concept: term.concept, start: i, end });
                }
            }
        }
        for (i, w) in words.iter().enumerate() {
            let Some(list) = self.latin.get(&w.stem) else {
                continue;
            };
            for (rest, id) in list {
                if let Some(last) = match_latin(words, i, rest) {
                    hits.push(ConceptHit { concept: *id, start: w.start, end: words[last].end });
                }
            }
        }
        let blockers: Vec<ConceptHit> = hits
            .iter()
            .filter(|h| self.concepts.get(usize::from(h.concept)).is_some_and(|c| c.blocking))
            .copied()
            .collect();
        hits.retain(|h| {
            !blockers.iter().any(|b| {
                b.concept != h.concept && b.start <= h.start && h.end <= b.end && (b.end - b.start) > (h.end - h.start)
            })
        });
        hits.sort_by_key(|h| (h.start, h.end, h.concept));
        hits.dedup();
        hits
    }
}

/// Matches the remaining words of an English term after word `i`, allowing one
/// extra word anywhere in between ("no tracking update" matches `no update`).
/// Returns the index of the last matched word.
fn match_latin(words: &[LatinWord], i: usize, rest: &[String]) -> Option<usize> {
    let mut pos = i;
    let mut skipped = false;
    for want in rest {
        let next = pos + 1;
        if words.get(next).is_some_and(|w| &w.stem == want) {
            pos = next;
        } else if !skipped && words.get(next + 1).is_some_and(|w| &w.stem == want) {
            pos = next + 1;
            skipped = true;
        } else {
            return None;
        }
    }
    Some(pos)
}

/// Matches a Han term at `i`; returns the end of the match.
fn match_han(chars: &[char], i: usize, term: &HanTerm, gap: usize) -> Option<usize> {
    let mut end = i + 1 + term.rest.len();
    if end > chars.len() || chars[i + 1..end] != term.rest[..] {
        return None;
    }
    for part in &term.more {
        let mut found = None;
        for start in end..=(end + gap).min(chars.len()) {
            let stop = start + part.len();
            if stop <= chars.len() && chars[start..stop] == part[..] {
                found = Some(stop);
                break;
            }
        }
        end = found?;
    }
    Some(end)
}

/// A light English stemmer (plurals, `-ing`, `-ed`, final `-e`), enough to make
/// `ships`/`shipping`/`shipped` and `charge`/`charged` meet. Non-ASCII and short
/// words are returned unchanged.
pub fn stem(word: &str) -> String {
    if word.len() <= 3 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return word.to_string();
    }
    let mut s = word.to_string();
    if s.ends_with("ies") && s.len() > 4 {
        s.truncate(s.len() - 3);
        s.push('y');
    } else if s.ends_with("sses") {
        s.truncate(s.len() - 2);
    } else if s.ends_with('s') && !s.ends_with("ss") && !s.ends_with("us") && !s.ends_with("is") {
        s.truncate(s.len() - 1);
    }
    let mut stripped = false;
    if s.ends_with("ing") && s.len() >= 6 {
        s.truncate(s.len() - 3);
        stripped = true;
    } else if s.ends_with("ed") && s.len() >= 5 {
        s.truncate(s.len() - 2);
        stripped = true;
    }
    if stripped {
        let b = s.as_bytes();
        let n = b.len();
        if n >= 2 && b[n - 1] == b[n - 2] && !matches!(b[n - 1], b'l' | b's' | b'z' | b'f') {
            s.truncate(n - 1);
        }
    }
    if s.ends_with('e') && s.len() >= 5 {
        s.truncate(s.len() - 1);
    }
    s
}

/// Splits normalised text into its non-Han words with char positions and stems.
pub fn latin_words(normalized: &str) -> Vec<LatinWord> {
    latin_words_of(runs(normalized))
}

/// The non-Han words of already computed runs (the Han runs are returned).
pub(crate) fn split_runs(all: Vec<Run>) -> (Vec<Run>, Vec<LatinWord>) {
    let mut han = Vec::new();
    let mut words = Vec::new();
    for r in all {
        if r.han {
            han.push(r);
        } else {
            words.push(LatinWord { stem: stem(&r.text), raw: r.text, start: r.start, end: r.end });
        }
    }
    (han, words)
}

fn latin_words_of(all: Vec<Run>) -> Vec<LatinWord> {
    split_runs(all).1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_meet() {
        assert_eq!(stem("shipping"), stem("ships"));
        assert_eq!(stem("shipped"), stem("ship"));
        assert_eq!(stem("charged"), stem("charge"));
        assert_eq!(stem("coupons"), "coupon");
        assert_eq!(stem("deliveries"), "delivery");
        assert_eq!(stem("us"), "us");
    }

    #[test]
    fn builtin_parses() {
        let lex = Lexicon::builtin();
        assert!(lex.is_ok(), "{lex:?}");
    }

    #[test]
    fn finds_cross_language_concepts() {
        let lex = Lexicon::parse("refund = 退款 | 退钱 | refund | money back\n~time = 昨天").unwrap_or_default();
        let text = normalize("I want my MONEY back, 昨天退钱了");
        let chars: Vec<char> = text.chars().collect();
        let words = latin_words(&text);
        let hits = lex.find(&chars, &words);
        let names: Vec<&str> = hits.iter().map(|h| lex.name(h.concept)).collect();
        assert_eq!(names, vec!["refund", "time", "refund"]);
        assert!(lex.is_neutral(hits[1].concept));
        let money: String = chars[hits[0].start..hits[0].end].iter().collect();
        assert_eq!(money, "money back");
    }

    #[test]
    fn gaps_and_blocking() {
        let lex = Lexicon::parse("refund = 钱*退\n!unused = 没穿过\nworn = 穿过").unwrap_or_default();
        let text = normalize("钱什么时候退 衣服没穿过");
        let chars: Vec<char> = text.chars().collect();
        let hits = lex.find(&chars, &[]);
        let names: Vec<&str> = hits.iter().map(|h| lex.name(h.concept)).collect();
        assert_eq!(names, vec!["refund", "unused"]);
        assert_eq!((hits[0].start, hits[0].end), (0, 6));
    }

    #[test]
    fn bad_line_is_an_error() {
        assert!(Lexicon::parse("no equals sign").is_err());
    }
}
