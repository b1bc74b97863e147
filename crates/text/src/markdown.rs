//! Markdown for knowledge-base articles: rendered with pulldown-cmark (CommonMark + tables,
//! strikethrough, task lists), then sanitized with ammonia, so what reaches a page can hold no
//! script, frame, event-handler attribute or `javascript:` link, whatever the author typed.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Markdown → sanitized HTML. Raw HTML in the Markdown passes through the same sanitizer:
/// harmless tags stay, `<script>`, `<iframe>`, `<style>`, `on*=` attributes and links to any
/// scheme other than http, https and mailto are removed; links get `rel="noopener noreferrer nofollow"`.
pub fn render_markdown(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(markdown, options()));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&html)
        .to_string()
}

/// The text a reader sees, without markup (for search snippets and the index). Blocks are
/// separated by a newline; raw HTML is dropped.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(text) | Event::Code(text) => out.push_str(&text),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock | TagEnd::TableCell,
            ) => out.push('\n'),
            Event::Start(Tag::Image { .. }) | Event::Html(_) | Event::InlineHtml(_) => {}
            _ => {}
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown() {
        let html =
            render_markdown("# 退款政策\n\n**7 天**无理由退货，见 [帮助](https://example.com/help)。\n\n- a\n- b");
        assert!(html.contains("<h1>退款政策</h1>"), "{html}");
        assert!(html.contains("<strong>7 天</strong>"), "{html}");
        assert!(html.contains("href=\"https://example.com/help\""), "{html}");
        assert!(html.contains("rel=\"noopener noreferrer nofollow\""), "{html}");
        assert!(html.contains("<li>a</li>"), "{html}");
    }

    #[test]
    fn strips_scripts() {
        let html = render_markdown("hello <script>alert(1)</script> world\n\n<script>\nalert(2)\n</script>");
        assert!(!html.to_lowercase().contains("<script"), "{html}");
        assert!(!html.contains("alert"), "{html}");
        assert!(html.contains("hello"), "{html}");
    }

    #[test]
    fn strips_iframes_and_styles() {
        let html = render_markdown("<iframe src=\"https://evil.example\"></iframe>\n\n<style>body{}</style>ok");
        assert!(!html.to_lowercase().contains("<iframe"), "{html}");
        assert!(!html.to_lowercase().contains("<style"), "{html}");
    }

    #[test]
    fn strips_javascript_links() {
        for md in [
            "[click](javascript:alert(1))",
            "[click](JavaScript:alert(1))",
            "<a href=\"javascript:alert(1)\">click</a>",
            "[click](data:text/html;base64,PHNjcmlwdD4=)",
        ] {
            let html = render_markdown(md);
            assert!(!html.to_lowercase().contains("javascript:"), "{md} → {html}");
            assert!(!html.contains("data:"), "{md} → {html}");
        }
    }

    #[test]
    fn strips_event_handlers() {
        let html = render_markdown("<img src=\"x.png\" onerror=\"alert(1)\"> <p onclick=\"steal()\">hi</p>");
        assert!(!html.contains("onerror") && !html.contains("onclick"), "{html}");
        assert!(!html.contains("alert") && !html.contains("steal"), "{html}");
    }

    #[test]
    fn plain_text_drops_markup() {
        let text = plain_text("# Title\n\nSome **bold** and `code`.<b>x</b>\n\n- one\n- two");
        assert_eq!(text, "Title\nSome bold and code.x\none\ntwo");
    }
}
