//! Search snippets: a few words of the original text around the matches of a query's tokens,
//! HTML-escaped, each match wrapped in `<mark>`.

use crate::normalize::{is_han, is_word_char, normalize};

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Char ranges of `text` that match one of `tokens` (tokens as the tokenizer makes them).
/// Han tokens match anywhere; other tokens only as whole words.
pub fn match_ranges(text: &str, tokens: &[String]) -> Vec<(usize, usize)> {
    // Normalise char by char so positions in the normalised text are positions in `text`.
    let original: Vec<char> = text.chars().collect();
    let folded: Vec<char> = original
        .iter()
        .map(|c| {
            let n = normalize(&c.to_string());
            if n.chars().count() == 1 { n.chars().next().unwrap_or(*c) } else { *c }
        })
        .collect();
    let mut ranges = Vec::new();
    for token in tokens {
        let needle: Vec<char> = token.chars().collect();
        if needle.is_empty() || needle.len() > folded.len() {
            continue;
        }
        let han = needle.iter().any(|c| is_han(*c));
        for start in 0..=folded.len() - needle.len() {
            let end = start + needle.len();
            if folded[start..end] != needle[..] {
                continue;
            }
            let bounded = han
                || ((start == 0 || !is_word_char(folded[start - 1]))
                    && (end == folded.len() || !is_word_char(folded[end])));
            if bounded {
                ranges.push((start, end));
            }
        }
    }
    ranges.sort();
    // Merge overlapping matches.
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// A snippet of at most about `width` characters of `text` around its first match, HTML-escaped,
/// with every match inside it wrapped in `<mark>`. Without a match: the start of the text.
pub fn snippet(text: &str, tokens: &[String], width: usize) -> String {
    let chars: Vec<char> = text.chars().map(|c| if c.is_whitespace() { ' ' } else { c }).collect();
    let ranges = match_ranges(text, tokens);
    let first = ranges.first().map(|r| r.0).unwrap_or(0);
    let start = first.saturating_sub(width / 4);
    let end = (start + width).min(chars.len());
    let start = end.saturating_sub(width).min(start);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut pos = start;
    for (s, e) in ranges.iter().copied().filter(|(s, e)| *e > start && *s < end) {
        let (s, e) = (s.max(start), e.min(end));
        out.push_str(&escape_html(&chars[pos..s].iter().collect::<String>()));
        out.push_str("<mark>");
        out.push_str(&escape_html(&chars[s..e].iter().collect::<String>()));
        out.push_str("</mark>");
        pos = e;
    }
    out.push_str(&escape_html(&chars[pos..end].iter().collect::<String>()));
    if end < chars.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn marks_chinese_and_whole_english_words() {
        let s = snippet("我们的退款政策：7 天内可申请退款。", &t(&["退款"]), 80);
        assert_eq!(s, "我们的<mark>退款</mark>政策：7 天内可申请<mark>退款</mark>。");
        let s = snippet("Refunds and a refund policy", &t(&["refund"]), 80);
        assert_eq!(s, "Refunds and a <mark>refund</mark> policy");
    }

    #[test]
    fn escapes_html_and_cuts_long_text() {
        let s = snippet("<b>x</b> & refund", &t(&["refund"]), 80);
        assert_eq!(s, "&lt;b&gt;x&lt;/b&gt; &amp; <mark>refund</mark>");
        let long = format!("{} refund {}", "a ".repeat(100), "b ".repeat(100));
        let s = snippet(&long, &t(&["refund"]), 40);
        assert!(s.starts_with('…') && s.ends_with('…') && s.contains("<mark>refund</mark>"), "{s}");
        assert!(s.chars().count() < 70, "{s}");
    }

    #[test]
    fn full_width_text_matches_half_width_tokens() {
        let s = snippet("ＶＩＰ会员", &t(&["vip"]), 80);
        assert_eq!(s, "<mark>ＶＩＰ</mark>会员");
    }
}
