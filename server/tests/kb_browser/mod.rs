//! The knowledge base editor in real headless Chromium: the live preview renders the Markdown as
//! one types, through the server's sanitizer (a script typed into the body never reaches the page),
//! the article saves, an edit shows as removed and inserted lines against the old version, and a
//! phone-sized screen shows the diff — with no console error, so the strict Content-Security-Policy
//! blocks nothing the pages need.

use super::browser::{Session, WAIT};
use super::{Server, shot};
use std::time::{Duration, Instant};

const PASSWORD: &str = "admin password 1";

/// Waits until `ready` holds for the text of `css`.
async fn wait_text(browser: &Session, css: &str, ready: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = browser.text(css).await;
        if ready(&text) {
            return text;
        }
        assert!(Instant::now() < deadline, "{css} never became ready: {text:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn admin_writes_an_article_with_a_live_preview(server: &Server) {
    std::fs::write(server.dir.join("pw"), PASSWORD).expect("a password file");
    let account = ["--name", "Acme", "--slug", "acme", "--admin-email", "admin@acme.test", "--admin-name", "Ann"];
    server.cli(&[&["account", "create"][..], &account[..], &["--password-file", "pw"][..]].concat());
    let driver = super::browser::Driver::start().await;
    let admin = driver.session().await;
    admin.goto(&server.url("/login?next=%2Fkb%2Farticles%2Fnew")).await;
    admin.fill("[name='email']", "admin@acme.test").await;
    admin.fill("[name='password']", PASSWORD).await;
    admin.click("#sign-in").await;
    admin.wait_for_path("/kb/articles/new", WAIT).await;
    if admin.attribute("html", "lang").await.as_deref() != Some("en") {
        admin.click("#lang-switch").await;
        admin.wait_for("html[lang='en'] #article-form", WAIT).await;
    }

    admin.fill("[name='title']", "Refund policy").await;
    admin.type_keys("#f-body", "# Returns\n\n**Seven days** <script>window.pwned = 1</script>\n\nOld line").await;
    wait_text(&admin, "#article-preview", |t| t.contains("Seven days") && t.contains("Old line")).await;
    assert_eq!(admin.count("#article-preview h1").await, 1, "Markdown is rendered");
    assert_eq!(admin.count("#article-preview strong").await, 1);
    assert_eq!(admin.count("#article-preview script").await, 0, "the sanitizer removed the script");
    shot(&admin, "kb-01-preview").await;
    admin.click("#article-save").await;
    admin.wait_for_text("The article was created.", WAIT).await;

    admin.fill("#f-body", "# Returns\n\n**Seven days**\n\nNew line").await;
    admin.click("#article-save").await;
    admin.wait_for_text("The article was saved.", WAIT).await;
    let article = admin.path().await;
    admin.goto(&server.url(&format!("{article}/versions/1"))).await;
    admin.wait_for("#diff", WAIT).await;
    // Removed: the line with the script and "Old line"; inserted: that line without it and "New line".
    assert_eq!((admin.count("#diff tr.removed").await, admin.count("#diff tr.inserted").await), (2, 2));
    let diff = admin.text("#diff").await;
    assert!(diff.contains("Old line") && diff.contains("New line"), "{diff}");
    admin.set_window_size(390, 844).await;
    assert!(admin.displayed("#restore-version").await, "restoring is reachable on a phone");
    assert!(!admin.displayed("#sidebar").await, "the navigation is folded away");
    shot(&admin, "kb-02-diff-phone").await;

    let errors = admin.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    admin.quit().await;
}
