//! Character-level normalisation shared by the tokenizer, the lexicon and the bot.
//!
//! * full-width ASCII (`ＡＢＣ１２３！`) becomes half-width (`abc123!`), the ideographic
//!   space becomes a plain space;
//! * everything is lower-cased (Unicode-aware);
//! * a few look-alike characters are folded (curly apostrophes → `'`).
//!
//! Traditional/simplified Chinese folding is deliberately not done.

/// Maps one character to its half-width form (full-width ASCII block and the
/// ideographic space); other characters are returned unchanged.
pub fn to_half_width(c: char) -> char {
    let code = c as u32;
    match code {
        0x3000 => ' ',
        0xFF01..=0xFF5E => char::from_u32(code - 0xFEE0).unwrap_or(c),
        // Curly apostrophes, so that "didn’t" tokenizes like "didn't".
        0x2018 | 0x2019 | 0x02BC => '\'',
        _ => c,
    }
}

/// Normalises a whole string: half-width, lower-case.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        let c = to_half_width(c);
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if !is_han(c) && c.is_uppercase() {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// True for CJK unified ideographs (the characters jieba segments).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2EBEF
        | 0x30000..=0x3134F)
        || c == '〇'
}

/// True for characters that belong to a non-Han word: letters and digits of any
/// script (emoji, punctuation and symbols are not).
pub fn is_word_char(c: char) -> bool {
    !is_han(c) && c.is_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_is_folded() {
        assert_eq!(normalize("ＡＢＣ１２３！　Ｘ"), "abc123! x");
    }

    #[test]
    fn lowercases_unicode() {
        assert_eq!(normalize("iPhone ÄÖ"), "iphone äö");
    }

    #[test]
    fn han_detection() {
        assert!(is_han('退'));
        assert!(!is_han('a'));
        assert!(!is_han('。'));
        assert!(is_word_char('é'));
        assert!(!is_word_char('😀'));
    }
}
