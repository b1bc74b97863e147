//! Handoff cues: explicit requests for a person, anger, and account-specific
//! lookups. The cue words live in `src/cues.txt` (lexicon format); this module
//! combines them into decisions.

use std::collections::HashSet;

use crate::lexicon::{Lexicon, LexiconError, latin_words};
use crate::normalize::normalize;
use crate::tokenize::runs;

/// The cue data compiled into the crate.
pub const BUILTIN_CUES: &str = include_str!("cues.txt");

/// Cues allow longer gaps than the lexicon (`我*余额` in 我账号里还有多少余额).
const CUE_GAP: usize = 8;

/// Anger points at which a message is handed over as a complaint.
pub const ANGER_THRESHOLD: u32 = 2;

/// What the cues say about one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CueReport {
    /// The customer asks for a person.
    pub explicit_request: bool,
    /// Anger points (see `cues.txt`).
    pub anger: u32,
    /// The customer wants their own order/account looked at.
    pub account_specific: bool,
    /// An order, tracking or phone number is present.
    pub identifier: bool,
    /// The message is phrased as a question.
    pub question: bool,
    /// Names of the cues found, for explanations.
    pub found: Vec<String>,
}

/// The cue matcher.
#[derive(Debug, Clone)]
pub struct Cues {
    lexicon: Lexicon,
}

/// Words that make a message a question even without a question mark.
const QUESTION_MARKERS: &[&str] = &[
    "吗",
    "么",
    "呢",
    "怎么",
    "如何",
    "多久",
    "几",
    "什么",
    "哪",
    "能不能",
    "可不可以",
    "可以",
    "是否",
    "有没有",
    "咋",
    "啥",
    "为啥",
    "为什么",
    "不能",
    "能否",
    "会不会",
    "要不要",
    "多少",
];
const EN_QUESTION_WORDS: &[&str] = &[
    "how", "what", "when", "where", "why", "which", "who", "can", "could", "do", "does", "is", "are", "will", "would",
    "should", "may", "whats", "hows", "wheres", "whens", "whys", "any", "did", "has", "have", "am",
];

impl Cues {
    /// Parses cue data (lexicon format).
    pub fn parse(data: &str) -> Result<Cues, LexiconError> {
        Ok(Cues { lexicon: Lexicon::parse(data)?.with_gap(CUE_GAP) })
    }

    /// No cues at all (never hands over on cues).
    pub fn empty() -> Cues {
        Cues { lexicon: Lexicon::default() }
    }

    /// The cues compiled into the crate.
    pub fn builtin() -> Result<Cues, LexiconError> {
        Cues::parse(BUILTIN_CUES)
    }

    /// Finds the cues in a message.
    pub fn inspect(&self, message: &str) -> CueReport {
        let normalized = normalize(message);
        let chars: Vec<char> = normalized.chars().collect();
        let words = latin_words(&normalized);
        let hits = self.lexicon.find(&chars, &words);
        let mut found: Vec<String> = Vec::new();
        let mut anger = 0;
        for h in &hits {
            let name = self.lexicon.name(h.concept);
            match name {
                "anger_strong" => anger += 2,
                "anger_mild" => anger += 1,
                _ => {}
            }
            found.push(name.to_string());
        }
        let names: HashSet<String> = found.iter().cloned().collect();
        let has = |n: &str| names.contains(n);

        let exclaim = normalized.contains("!!") || normalized.contains("?!") || normalized.contains("!?");
        if exclaim {
            anger += 1;
            found.push("exclamation".into());
        }
        if shouting(message) {
            anger += 1;
            found.push("shouting".into());
        }

        let identifier = has_identifier(&normalized);
        let explicit_request = has("anti_bot")
            || (has("human_strong") && !has("info_context"))
            || (has("human_request") && !has("info_context") && !has("howto"));
        let account_specific = has("lookup") || has("personal") || (identifier && has("status"));
        CueReport { explicit_request, anger, account_specific, identifier, question: is_question(&normalized), found }
    }
}

/// Two or more words of 3+ letters in capitals ("WHERE IS MY REFUND").
fn shouting(message: &str) -> bool {
    message
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 3 && w.chars().all(|c| c.is_ascii_uppercase()))
        .count()
        >= 2
}

/// An order, tracking or phone number: a token with at least 6 digits.
fn has_identifier(normalized: &str) -> bool {
    runs(normalized).iter().filter(|r| !r.han).any(|r| r.text.chars().filter(char::is_ascii_digit).count() >= 6)
}

fn is_question(normalized: &str) -> bool {
    if normalized.contains('?') || QUESTION_MARKERS.iter().any(|m| normalized.contains(m)) {
        return true;
    }
    latin_words(normalized).first().is_some_and(|w| EN_QUESTION_WORDS.contains(&w.raw.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cues() -> Cues {
        match Cues::builtin() {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn explicit_requests() {
        let c = cues();
        assert!(c.inspect("转人工").explicit_request);
        assert!(c.inspect("can I talk to a human please").explicit_request);
        assert!(c.inspect("别自动回复了 叫你们客服出来").explicit_request);
        assert!(!c.inspect("人工客服几点下班").explicit_request);
        assert!(!c.inspect("怎么联系客服").explicit_request);
    }

    #[test]
    fn anger() {
        let c = cues();
        assert!(c.inspect("垃圾平台 骗子").anger >= ANGER_THRESHOLD);
        assert!(c.inspect("THIS IS THE WORST SERVICE").anger >= ANGER_THRESHOLD);
        assert!(c.inspect("地址写错了！！").anger < ANGER_THRESHOLD);
        assert!(c.inspect("在哪里可以投诉").anger < ANGER_THRESHOLD);
    }

    #[test]
    fn account_specific() {
        let c = cues();
        assert!(c.inspect("帮我查下订单2024061800123现在什么情况").account_specific);
        assert!(c.inspect("my order 2024061800123 where is it").account_specific);
        assert!(!c.inspect("怎么查物流").account_specific);
        assert!(!c.inspect("I was charged twice for order 20240512001").account_specific);
    }

    #[test]
    fn questions() {
        let c = cues();
        assert!(c.inspect("包邮吗").question);
        assert!(c.inspect("how do I pay").question);
        assert!(!c.inspect("快递").question);
    }
}
