//! The one tokenizer used for the database full-text index and for queries.
//!
//! Pipeline: [`normalize`](crate::normalize::normalize()) (full-width → half-width,
//! lower-case), then the text is cut into runs of Han characters and runs of
//! letters/digits of any other script; everything else (punctuation, emoji,
//! symbols, spaces) separates runs and is dropped.
//!
//! * Han runs go through jieba in *search mode*, so `退款申请` yields `退款`, `申请` and
//!   `退款申请`.
//! * Other runs follow the Unicode word rules closely enough for chat text: an
//!   apostrophe inside a word is removed (`didn't` → `didnt`, a trailing `'s` is
//!   dropped), hyphens and dots split words, letters and digits stay together
//!   (`iphone15`, `sf1234567890`, `2024061800123`). A token mixing letters and
//!   digits is also emitted as its letter and digit parts (`iphone15` →
//!   `iphone15`, `iphone`, `15`), the same idea as jieba's search mode.
//!
//! Every token consists only of Unicode letters and digits, lower-cased, so the
//! tokens can be joined with spaces into an FTS5 document or a PostgreSQL
//! `to_tsvector('simple', …)` input, and used as FTS5 barewords in a query (no
//! quotes, no `*`, `-`, `:` or `^`; `and`/`or`/`not` are lower-case, FTS5
//! operators are upper-case only).

use std::collections::HashSet;
use std::sync::LazyLock;

use jieba_rs::Jieba;

use crate::fxhash::FxHashSet;
use crate::normalize::{is_han, is_word_char, normalize};

static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// The shared jieba instance (built-in dictionary, loaded once).
pub(crate) fn jieba() -> &'static Jieba {
    &JIEBA
}

/// A maximal run of Han characters or of word characters in normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    /// True for a run of Han characters.
    pub han: bool,
    /// The run's text (apostrophes inside words already removed).
    pub text: String,
    /// Char range of the run in the normalised text.
    pub start: usize,
    pub end: usize,
}

/// Cuts normalised text into Han runs and word runs, dropping everything else.
pub(crate) fn runs(normalized: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut iter = normalized.char_indices().peekable();
    let mut pos = 0usize; // char position of the next char
    while let Some(&(byte, c)) = iter.peek() {
        let start = pos;
        if is_han(c) {
            let mut end_byte = byte;
            while let Some(&(b, c)) = iter.peek() {
                if !is_han(c) {
                    break;
                }
                end_byte = b + c.len_utf8();
                iter.next();
                pos += 1;
            }
            out.push(Run { han: true, text: normalized[byte..end_byte].to_string(), start, end: pos });
        } else if is_word_char(c) {
            let mut text = String::new();
            while let Some(&(_, c)) = iter.peek() {
                if is_word_char(c) {
                    text.push(c);
                    iter.next();
                    pos += 1;
                    continue;
                }
                if c != '\'' || !text.chars().last().is_some_and(char::is_alphabetic) {
                    break;
                }
                // An apostrophe followed by a letter: a contraction is joined, a
                // possessive 's is dropped.
                let mut ahead = iter.clone();
                ahead.next();
                let next = ahead.next().map(|(_, c)| c);
                if !next.is_some_and(|n| n.is_alphabetic() && !is_han(n)) {
                    break;
                }
                let after = ahead.next().map(|(_, c)| c);
                let possessive = next == Some('s') && !after.is_some_and(is_word_char);
                iter.next();
                pos += 1;
                if possessive {
                    iter.next();
                    pos += 1;
                }
            }
            out.push(Run { han: false, text, start, end: pos });
        } else {
            iter.next();
            pos += 1;
        }
    }
    out
}

/// Splits a token that mixes letters and digits into its letter and digit parts
/// (`iphone15` → `iphone`, `15`). Returns nothing for a token of one kind.
fn alnum_parts(token: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut last_digit: Option<bool> = None;
    for c in token.chars() {
        let digit = c.is_numeric();
        if last_digit == Some(digit) {
            if let Some(p) = parts.last_mut() {
                p.push(c);
            }
        } else {
            parts.push(c.to_string());
        }
        last_digit = Some(digit);
    }
    if parts.len() > 1 { parts } else { Vec::new() }
}

/// Tokenizes text for the full-text index and for queries (see the module docs).
///
/// ```
/// let t = switchboard_text::tokenize("我想申请退款");
/// assert!(t.contains(&"退款".to_string()));
/// ```
pub fn tokenize(text: &str) -> Vec<String> {
    let normalized = normalize(text);
    let mut out = Vec::new();
    for run in runs(&normalized) {
        if run.han {
            for token in jieba().cut_for_search(&run.text, true) {
                let word = token.word.trim();
                if !word.is_empty() {
                    out.push(word.to_string());
                }
            }
        } else {
            let parts = alnum_parts(&run.text);
            out.push(run.text);
            out.extend(parts);
        }
    }
    out
}

/// Tokenizes a search query: [`tokenize`] minus stop words and duplicates.
///
/// Why a separate function: documents are indexed with every token (so phrase
/// positions stay honest), but a query's function words (`的`, `吗`, `怎么`,
/// `the`, `how`) match nearly every row, and with FTS5's implicit AND they would
/// also be *required*. Dropping them makes `AND`/`OR` queries over the remaining
/// tokens behave. If every token is a stop word (`在吗`, `how?`) the full token
/// list is returned instead, so a query never becomes empty by filtering alone.
pub fn tokenize_query(text: &str) -> Vec<String> {
    let all = tokenize(text);
    let mut seen = HashSet::new();
    let kept: Vec<String> =
        all.iter().filter(|t| !is_stop_word(t)).filter(|t| seen.insert((*t).clone())).cloned().collect();
    if kept.is_empty() {
        let mut seen = HashSet::new();
        all.into_iter().filter(|t| seen.insert(t.clone())).collect()
    } else {
        kept
    }
}

static STOP_WORDS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| {
    include_str!("stopwords.txt")
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .flat_map(|l| l.split_whitespace())
        .collect()
});

/// True for function words, particles and chat fillers in Chinese and English
/// (the list is `src/stopwords.txt`). Tokens are expected lower-case.
pub fn is_stop_word(token: &str) -> bool {
    STOP_WORDS.contains(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(tokens: &[String], t: &str) -> bool {
        tokens.iter().any(|x| x == t)
    }

    #[test]
    fn chinese_search_mode() {
        let t = tokenize("我想申请退款");
        assert!(has(&t, "退款"), "{t:?}");
        let t = tokenize("退款申请");
        assert!(has(&t, "退款") && has(&t, "申请"), "{t:?}");
    }

    #[test]
    fn english_case_and_apostrophes() {
        let t = tokenize("I Didn't receive my Mom's PARCEL");
        assert_eq!(t, vec!["i", "didnt", "receive", "my", "mom", "parcel"]);
        let t = tokenize("don’t");
        assert_eq!(t, vec!["dont"]);
    }

    #[test]
    fn mixed_script() {
        let t = tokenize("iPhone15怎么退货");
        assert!(has(&t, "iphone15"), "{t:?}");
        assert!(has(&t, "iphone") && has(&t, "15"), "{t:?}");
        assert!(has(&t, "退货"), "{t:?}");
    }

    #[test]
    fn numbers_kept_whole() {
        let t = tokenize("order 2024061800123 please");
        assert!(has(&t, "2024061800123"), "{t:?}");
        let t = tokenize("订单号2024061800123怎么还没到");
        assert!(has(&t, "2024061800123"), "{t:?}");
    }

    #[test]
    fn emoji_and_punctuation_dropped() {
        let t = tokenize("还能退不😭！！？ ok👍");
        assert!(t.iter().all(|x| x.chars().all(char::is_alphanumeric)), "{t:?}");
        assert!(has(&t, "ok"));
        assert!(tokenize("😭👍🙏").is_empty());
    }

    #[test]
    fn full_width_normalised() {
        let t = tokenize("ＡＢＣ１２３");
        assert_eq!(t, vec!["abc123", "abc", "123"]);
    }

    #[test]
    fn empty_input() {
        assert!(tokenize("").is_empty());
        assert!(tokenize("  \t\n　").is_empty());
        assert!(tokenize_query("").is_empty());
    }

    #[test]
    fn fts_safe_tokens() {
        let t = tokenize("\"refund\" OR (cancel*) -x: ^y NEAR/2 a'b c.d e-f");
        for tok in &t {
            assert!(tok.chars().all(char::is_alphanumeric), "{tok}");
            assert_eq!(tok, &tok.to_lowercase());
        }
    }

    #[test]
    fn query_drops_stop_words() {
        let q = tokenize_query("我想问一下怎么申请退款呢");
        assert!(has(&q, "退款"), "{q:?}");
        assert!(!has(&q, "怎么") && !has(&q, "呢"), "{q:?}");
        // All stop words: keep them rather than return nothing.
        assert!(!tokenize_query("在吗").is_empty());
    }
}
