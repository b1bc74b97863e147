//! The public help center through the real router, on both backends: only published content, in
//! the reader's language, Markdown sanitized, search with highlights, "was this helpful?" behind the
//! double-submit token, and another account's content answered 404.

use super::{Answer, Browser};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use switchboard_app::{Actor, App};
use switchboard_domain::kb::{Article, Category, KbStatus};
use switchboard_domain::kb_requests::{ArticleInput, CategoryInput, FaqInput};
use switchboard_domain::requests::{NewAccountInput, NewUserInput};

/// The router and the app behind it: content is made through the app's services.
async fn server(postgres: bool) -> Option<(Router, App)> {
    super::server_and_app(postgres).await
}

on_both_backends!(
    the_home_lists_categories_and_published_articles_only,
    articles_are_sanitized_and_only_published_ones_of_this_account_show,
    search_finds_chinese_and_english_with_highlights,
    feedback_counts_and_needs_the_double_submit_token,
    the_language_switch_changes_the_ui_strings,
);

async fn account(app: &App, name: &str, slug: &str, locale: &str) -> Actor {
    let account = NewAccountInput {
        name: Some(name.into()),
        slug: Some(slug.into()),
        default_locale: Some(locale.into()),
        time_zone: Some("Asia/Shanghai".into()),
    };
    let admin = NewUserInput {
        name: Some("Admin".into()),
        email: Some(format!("admin@{slug}.example")),
        password: Some("correct horse battery".into()),
        role: Some("admin".into()),
        ..Default::default()
    };
    let origin = switchboard_app::accounts::Origin { label: "test".into(), ..Default::default() };
    let (account, _) = app.create_account(&account, &admin, &origin, false).await.unwrap();
    Actor::system(account.id, "test")
}

async fn category(app: &App, actor: &Actor, name: &str, slug: &str, parent: Option<&Category>) -> Category {
    let input = CategoryInput {
        name: Some(name.into()),
        slug: Some(slug.into()),
        parent_id: Some(parent.map(|p| p.id)),
        position: None,
    };
    app.create_kb_category(actor, &input).await.unwrap()
}

/// An article in `status`, with `slug`, `body` (Markdown) and `locale`.
async fn article(
    app: &App,
    actor: &Actor,
    (title, slug, body): (&str, &str, &str),
    locale: &str,
    in_category: Option<&Category>,
    status: KbStatus,
) -> Article {
    let input = ArticleInput {
        title: Some(title.into()),
        slug: Some(slug.into()),
        body: Some(body.into()),
        locale: Some(locale.into()),
        category_id: Some(in_category.map(|c| c.id)),
        ..Default::default()
    };
    let created = app.create_kb_article(actor, &input).await.unwrap();
    if status == KbStatus::Draft {
        return created;
    }
    app.set_kb_article_status(actor, created.id, status).await.unwrap()
}

async fn get(b: &mut Browser, path: &str, accept_language: Option<&str>) -> Answer {
    let mut request = Request::get(path).header(header::COOKIE, b.cookie_header());
    if let Some(language) = accept_language {
        request = request.header(header::ACCEPT_LANGUAGE, language);
    }
    b.send(request.body(Body::empty()).unwrap()).await
}

fn header(answer: &Answer, name: header::HeaderName) -> &str {
    answer.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

async fn the_home_lists_categories_and_published_articles_only((router, app): (Router, App)) {
    let acme = account(&app, "Acme", "acme", "en").await;
    let orders = category(&app, &acme, "Orders", "orders", None).await;
    let returns = category(&app, &acme, "Returns", "returns", Some(&orders)).await;
    category(&app, &acme, "Empty topic", "empty", None).await;
    let published = KbStatus::Published;
    article(&app, &acme, ("Track your order", "track-order", "Open **Orders**."), "en", Some(&orders), published).await;
    article(&app, &acme, ("Refund policy", "refund-policy", "Within 7 days."), "en", Some(&returns), published).await;
    article(&app, &acme, ("Secret draft", "secret-draft", "Not yet."), "en", Some(&orders), KbStatus::Draft).await;
    article(&app, &acme, ("Old policy", "old-policy", "Gone."), "en", Some(&orders), KbStatus::Archived).await;

    let mut b = Browser::new(router);
    let home = b.open("/help/acme").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    assert!(home.body.contains("<html lang=\"en\">"));
    assert!(home.body.contains("<title>Acme Help Center</title>"), "{}", home.body);
    assert!(home.body.contains("<link rel=\"canonical\" href=\"http://127.0.0.1:8080/help/acme\">"));
    assert!(home.body.contains("<meta name=\"description\""));
    assert!(header(&home, header::CACHE_CONTROL).contains("max-age=60"), "{:?}", home.headers);
    assert!(home.body.contains("href=\"/help/acme/c/orders\">Orders</a> <span class=\"help-count\">2 articles"));
    assert!(home.body.contains("href=\"/help/acme/c/returns\">Returns</a> <span class=\"help-count\">1 article<"));
    assert!(home.body.contains("href=\"/help/acme/a/track-order\"") && home.body.contains("Refund policy"));
    for hidden in ["Secret draft", "Old policy", "Empty topic", "secret-draft"] {
        assert!(!home.body.contains(hidden), "{hidden} shown on the home page");
    }
    assert!(!home.body.contains("<script"), "no scripts on the help center");

    let page = b.open("/help/acme/c/orders").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Orders</h1>") && page.body.contains("Track your order"));
    assert!(page.body.contains("href=\"/help/acme/c/returns\""), "sub-categories listed");
    assert!(!page.body.contains("Secret draft") && !page.body.contains("Refund policy"));
    let by_id = b.open(&format!("/help/acme/c/{}", returns.id.as_i64())).await;
    assert_eq!(by_id.status, StatusCode::OK);
    assert!(by_id.body.contains("Refund policy") && by_id.body.contains("href=\"/help/acme/c/orders\""));
    assert_eq!(b.open("/help/acme/c/nothing-here").await.status, StatusCode::NOT_FOUND);
    assert_eq!(b.open("/help/nobody").await.status, StatusCode::NOT_FOUND);
    assert_eq!(b.open("/help/ACME%20x").await.status, StatusCode::NOT_FOUND);
}

async fn articles_are_sanitized_and_only_published_ones_of_this_account_show((router, app): (Router, App)) {
    let acme = account(&app, "Acme", "acme", "en").await;
    let globex = account(&app, "Globex", "globex", "en").await;
    let billing = category(&app, &acme, "Billing", "billing", None).await;
    let body =
        "Pay **by card**.\n\n<script>alert('x')</script>\n\n[click](javascript:alert(1)) <img src=x onerror=alert(2)>";
    let published = KbStatus::Published;
    article(&app, &acme, ("Paying", "paying", body), "en", Some(&billing), published).await;
    article(&app, &acme, ("Draft one", "draft-one", "Soon."), "en", None, KbStatus::Draft).await;
    article(&app, &acme, ("Archived one", "archived-one", "Old."), "en", None, KbStatus::Archived).await;
    article(&app, &globex, ("Globex only", "globex-only", "Theirs."), "en", None, published).await;

    let mut b = Browser::new(router);
    let page = b.open("/help/acme/a/paying").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<strong>by card</strong>"), "{}", page.body);
    assert!(!page.body.contains("<script") && !page.body.contains("alert('x')"), "{}", page.body);
    assert!(!page.body.contains("javascript:") && !page.body.contains("onerror"), "{}", page.body);
    assert!(page.body.contains("<title>Paying · Acme Help Center</title>"));
    assert!(page.body.contains("<meta name=\"description\" content=\"Pay by card."), "{}", page.body);
    assert!(page.body.contains("href=\"/help/acme/c/billing\">Billing</a>"), "breadcrumbs");
    assert!(page.body.contains("<link rel=\"canonical\" href=\"http://127.0.0.1:8080/help/acme/a/paying\">"));

    for missing in
        ["/help/acme/a/draft-one", "/help/acme/a/archived-one", "/help/acme/a/globex-only", "/help/acme/a/nope"]
    {
        let answer = b.open(missing).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{missing}");
        assert!(!answer.body.contains("Soon.") && !answer.body.contains("Theirs."));
    }
    assert_eq!(b.open("/help/globex/a/globex-only").await.status, StatusCode::OK);
    assert_eq!(b.open("/help/globex/a/paying").await.status, StatusCode::NOT_FOUND);
    assert_eq!(b.open("/help/globex/c/billing").await.status, StatusCode::NOT_FOUND);
    assert_eq!(b.open(&format!("/help/acme/a/{}", "x".repeat(300))).await.status, StatusCode::NOT_FOUND);
}

async fn search_finds_chinese_and_english_with_highlights((router, app): (Router, App)) {
    let acme = account(&app, "Acme", "acme", "en").await;
    let published = KbStatus::Published;
    let zh = ("如何申请退款", "refund-zh", "您可以在订单页面申请退款，款项将在三个工作日内退回。");
    article(&app, &acme, zh, "zh-CN", None, published).await;
    let en = ("How to ask for a refund", "refund-en", "You can request a refund <b>from</b> the order page.");
    article(&app, &acme, en, "en", None, published).await;
    article(&app, &acme, ("Refund secrets", "refund-draft", "A refund draft."), "en", None, KbStatus::Draft).await;
    let faq = |question: &str, answer: &str, status: &str| FaqInput {
        question: Some(question.into()),
        answer: Some(answer.into()),
        locale: Some("en".into()),
        status: Some(status.into()),
        ..Default::default()
    };
    app.create_kb_faq(&acme, &faq("How long does delivery take?", "Usually 3 days.\nExpress: 1 day.", "published"))
        .await
        .unwrap();
    app.create_kb_faq(&acme, &faq("Delivery to the moon?", "Not yet.", "draft")).await.unwrap();

    let mut b = Browser::new(router);
    let chinese = b.open("/help/acme/search?q=%E9%80%80%E6%AC%BE").await;
    assert_eq!(chinese.status, StatusCode::OK, "{}", chinese.body);
    assert!(chinese.body.contains("href=\"/help/acme/a/refund-zh\""), "{}", chinese.body);
    assert!(chinese.body.contains("<mark>退款</mark>"), "{}", chinese.body);
    assert!(chinese.body.contains("<meta name=\"robots\" content=\"noindex\">"));

    let english = b.open("/help/acme/search?q=refund").await;
    assert!(english.body.contains("href=\"/help/acme/a/refund-en\""), "{}", english.body);
    assert!(english.body.contains("<mark>refund</mark>"), "{}", english.body);
    assert!(english.body.contains("&lt;b&gt;from&lt;/b&gt;") || !english.body.contains("<b>from</b>"));
    assert!(!english.body.contains("refund-draft") && !english.body.contains("Refund secrets"));
    let en_first = english.body.find("refund-en").unwrap_or(usize::MAX);
    let zh_after = english.body.find("refund-zh").unwrap_or(usize::MAX);
    assert!(en_first < zh_after, "the page's language first");

    let delivery = b.open("/help/acme/search?q=delivery").await;
    assert!(delivery.body.contains("How long does delivery take?"), "{}", delivery.body);
    assert!(delivery.body.contains("Usually 3 days.\nExpress: 1 day."), "the answer in place");
    assert!(!delivery.body.contains("moon"), "drafts are not found");

    let empty = b.open("/help/acme/search?q=").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("Type a question or a few words above."));
    let nothing = b.open("/help/acme/search?q=zzzqqq").await;
    assert!(nothing.body.contains("Nothing found for “zzzqqq”"), "{}", nothing.body);
    let long = b.open(&format!("/help/acme/search?q={}", "a".repeat(201))).await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(long.body.contains("Use at most 200 characters."));
    let markup = b.open("/help/acme/search?q=%3Cscript%3Erefund").await;
    assert_eq!(markup.status, StatusCode::OK);
    assert!(!markup.body.contains("<script"), "the query is escaped");
    assert_eq!(b.open("/help/acme/search?q=a&q=b").await.status, StatusCode::BAD_REQUEST, "a malformed query");
}

async fn feedback_counts_and_needs_the_double_submit_token((router, app): (Router, App)) {
    let acme = account(&app, "Acme", "acme", "en").await;
    let guide = article(&app, &acme, ("Guide", "guide", "Read me."), "en", None, KbStatus::Published).await;
    let counts = |app: App, actor: Actor| async move {
        let a = app.get_kb_article(&actor, guide.id).await.unwrap();
        (a.view_count, a.helpful_count, a.not_helpful_count)
    };

    let mut b = Browser::new(router.clone());
    let page = b.open("/help/acme/a/guide").await;
    assert!(page.body.contains("Was this article helpful?"));
    assert_eq!(counts(app.clone(), acme.clone()).await, (1, 0, 0), "one view per page load");
    let csrf = page.csrf();
    assert_eq!(b.cookies.get("sb_pre"), Some(&csrf), "the form carries the double-submit cookie's token");

    // Without the token, with a wrong one, or without the cookie: refused, nothing counted.
    let action = "/help/acme/a/guide/feedback";
    assert_eq!(b.post_form(action, &[("helpful", "yes")]).await.status, StatusCode::FORBIDDEN);
    let wrong = "0".repeat(csrf.len());
    assert_eq!(b.post_form(action, &[("_csrf", &wrong), ("helpful", "yes")]).await.status, StatusCode::FORBIDDEN);
    let mut stranger = Browser::new(router.clone());
    let forged = stranger.post_form(action, &[("_csrf", &csrf), ("helpful", "yes")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(counts(app.clone(), acme.clone()).await, (1, 0, 0));

    let bad = b.post_form(action, &[("_csrf", &csrf), ("helpful", "maybe")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let yes = b.post_form(action, &[("_csrf", &csrf), ("helpful", "yes")]).await;
    assert_eq!(yes.status, StatusCode::SEE_OTHER, "{}", yes.body);
    assert_eq!(yes.location(), "/help/acme/a/guide?feedback=thanks#feedback");
    let no = b.post_form(action, &[("_csrf", &csrf), ("helpful", "no")]).await;
    assert_eq!(no.status, StatusCode::SEE_OTHER);
    let thanks = b.open("/help/acme/a/guide?feedback=thanks").await;
    assert!(thanks.body.contains("Thank you for your feedback!") && !thanks.body.contains("help-feedback-form"));
    assert_eq!(counts(app.clone(), acme.clone()).await, (1, 1, 1), "the thank-you view is not another view");
    b.open("/help/acme/a/guide").await;
    let head =
        Request::head("/help/acme/a/guide").header(header::COOKIE, b.cookie_header()).body(Body::empty()).unwrap();
    assert_eq!(b.send(head).await.status, StatusCode::OK);
    assert_eq!(counts(app.clone(), acme.clone()).await, (2, 1, 1), "GET counts, HEAD does not");

    let draft = article(&app, &acme, ("Draft", "draft", "No."), "en", None, KbStatus::Draft).await;
    let on_draft = b.post_form("/help/acme/a/draft/feedback", &[("_csrf", &csrf), ("helpful", "yes")]).await;
    assert_eq!(on_draft.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get_kb_article(&acme, draft.id).await.unwrap().helpful_count, 0);
}

async fn the_language_switch_changes_the_ui_strings((router, app): (Router, App)) {
    let acme = account(&app, "Acme 商城", "acme", "zh-CN").await;
    let published = KbStatus::Published;
    article(&app, &acme, ("退货流程", "returns-zh", "七天无理由退货。"), "zh-CN", None, published).await;
    article(&app, &acme, ("How returns work", "returns-en", "Seven days."), "en", None, published).await;

    // No preference at all: the account's language.
    let mut b = Browser::new(router.clone());
    let default = get(&mut b, "/help/acme", None).await;
    assert!(default.body.contains("<html lang=\"zh-CN\">") && default.body.contains("最新发布"), "{}", default.body);
    assert!(default.body.contains("退货流程") && !default.body.contains("How returns work"), "articles in zh-CN");

    // The browser's language, then the switch, remembered.
    let english = get(&mut b, "/help/acme", Some("en-US,en;q=0.9")).await;
    assert!(english.body.contains("<html lang=\"en\">") && english.body.contains("Recently published"));
    assert!(english.body.contains("How returns work") && !english.body.contains("退货流程"));
    assert!(english.body.contains("href=\"/help/acme?lang=zh-CN\""), "the switch links to the other language");
    let switched = get(&mut b, "/help/acme?lang=zh-CN", Some("en-US,en;q=0.9")).await;
    assert!(switched.body.contains("<html lang=\"zh-CN\">") && switched.body.contains("搜索帮助中心"));
    assert_eq!(b.cookies.get("sb_locale").map(String::as_str), Some("zh-CN"), "remembered");
    let later = get(&mut b, "/help/acme/search?q=%E9%80%80%E8%B4%A7", Some("en-US,en;q=0.9")).await;
    assert!(later.body.contains("<html lang=\"zh-CN\">"));
    assert!(later.body.contains("“退货”的搜索结果"), "{}", later.body);
    assert!(later.body.contains("href=\"/help/acme/search?q=%E9%80%80%E8%B4%A7&#38;lang=en\""), "{}", later.body);
    let back = get(&mut b, "/help/acme/a/returns-zh?lang=en", None).await;
    assert!(
        back.body.contains("Was this article helpful?")
            && back.body.contains("<article class=\"help-article\" lang=\"zh-CN\">")
    );
    assert!(header(&back, header::VARY).contains("Accept-Language"));

    // An unknown language is ignored, not an error.
    let mut fresh = Browser::new(router);
    let odd = get(&mut fresh, "/help/acme?lang=fr", Some("en")).await;
    assert_eq!(odd.status, StatusCode::OK);
    assert!(odd.body.contains("<html lang=\"en\">"));
}
