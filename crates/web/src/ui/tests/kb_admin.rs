//! The knowledge base's admin pages through the real router, on both backends: the category tree,
//! the article and FAQ editors with errors beside their fields, the preview, version diffs and
//! restores, the import with bad lines by number, read-only agents, and other accounts' objects 404.

use super::{Answer, Browser, set_up};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use switchboard_app::{Actor, App};
use switchboard_domain::kb_requests::{ArticleInput, FaqInput};
use switchboard_domain::requests::{NewAccountInput, NewUserInput};

/// The router and the app behind it.
async fn server(postgres: bool) -> Option<(Router, App)> {
    super::server_and_app(postgres).await
}

on_both_backends!(
    an_admin_writes_an_article_and_restores_an_old_version,
    categories_form_a_tree_that_can_be_reordered_moved_and_pruned,
    faq_entries_are_edited_compared_and_restored,
    an_import_reports_bad_lines_by_number_and_a_dry_run_writes_nothing,
    agents_read_the_knowledge_base_but_cannot_change_it,
);

/// The id in the first link `/kb/<kind>/<id>` whose text is exactly `name`.
fn id_of(body: &str, kind: &str, name: &str) -> String {
    let end = body.find(&format!("\">{name}</a>")).unwrap_or_else(|| panic!("no link to {name}"));
    let marker = format!("/kb/{kind}/");
    let start = body[..end].rfind(&marker).map(|i| i + marker.len()).unwrap();
    body[start..end].to_string()
}

/// The id at the end of a `/kb/<kind>/<id>` redirect.
fn created_id(answer: &Answer, kind: &str) -> String {
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let prefix = format!("/kb/{kind}/");
    answer.location().strip_prefix(&prefix).unwrap_or_else(|| panic!("{}", answer.location())).to_string()
}

/// The account made by `set_up`, for data the pages do not make (votes).
async fn first_account(app: &App) -> Actor {
    let accounts = app.list_accounts_for_operator().await.unwrap();
    Actor::system(accounts[0].id, "test")
}

async fn other_account(app: &App) -> Actor {
    let account = NewAccountInput {
        name: Some("Other".into()),
        slug: Some("other".into()),
        default_locale: Some("en".into()),
        time_zone: Some("UTC".into()),
    };
    let admin = NewUserInput {
        name: Some("Other admin".into()),
        email: Some("admin@other.example".into()),
        password: Some("correct horse battery".into()),
        role: Some("admin".into()),
        ..Default::default()
    };
    let origin = switchboard_app::accounts::Origin { label: "test".into(), ..Default::default() };
    let (account, _) = app.create_account(&account, &admin, &origin, false).await.unwrap();
    Actor::system(account.id, "test")
}

fn article_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("title", "Refund policy"),
        ("category_id", ""),
        ("locale", "en"),
        ("tags", "refund, 售后"),
        ("status", "draft"),
        ("body", "Line one\r\nOld line\r\nLine three"),
    ];
    for (key, value) in changes {
        match fields.iter_mut().find(|(k, _)| k == key) {
            Some(field) => field.1 = value,
            None => fields.push((key, value)),
        }
    }
    fields
}

async fn an_admin_writes_an_article_and_restores_an_old_version((router, app): (Router, App)) {
    let mut b = Browser::new(router);
    set_up(&mut b).await;
    let home = b.open("/").await;
    assert!(home.body.contains("href=\"/kb\""), "the navigation has the knowledge base");
    assert_eq!(b.open("/kb").await.location(), "/kb/articles");
    b.fill_and_post("/kb/categories", "/kb/categories", &[("name", "Orders"), ("parent_id", "")]).await;
    let orders = id_of(&b.open("/kb/categories").await.body, "categories", "Orders");

    // Bad fields are named beside themselves; what was typed stays.
    let bad = article_form(&[("title", "  "), ("tags", "a|b"), ("category_id", "999"), ("body", "kept **text**")]);
    let wrong = b.fill_and_post("/kb/articles/new", "/kb/articles", &bad).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
    assert!(wrong.body.contains("id=\"e-title\">This field is required."), "{}", wrong.body);
    assert!(wrong.body.contains("id=\"e-tags\">Each tag may have at most 40 characters"));
    assert!(wrong.body.contains(">kept **text**</textarea>"));
    assert!(wrong.body.contains("<strong>text</strong>"), "the preview shows what was typed");
    assert!(b.open("/kb/articles").await.body.contains("No articles yet."), "nothing was saved");

    let fields = article_form(&[
        ("category_id", &orders),
        ("body", "Line one\r\nOld line\r\nLine three\r\n<script>alert(1)</script>"),
    ]);
    let id = created_id(&b.fill_and_post("/kb/articles/new", "/kb/articles", &fields).await, "articles");
    let edit = format!("/kb/articles/{id}");
    let page = b.open(&edit).await;
    assert!(page.body.contains("The article was created.") && page.body.contains("id=\"article-form\""));
    assert!(
        page.body.contains(&format!("value=\"{orders}\" selected")) && page.body.contains("value=\"refund, 售后\"")
    );
    assert!(page.body.contains("/static/kb-editor.js?v=") && page.body.contains("data-preview=\"article-preview\""));
    assert!(!page.body.contains("<script>alert") && !page.body.contains("style="), "sanitized, no inline style");
    assert!(page.body.contains("id=\"stat-views\">0<"));

    // The live preview: the same sanitizer, through the API with the session's CSRF token.
    let request = Request::post("/api/v1/kb/articles/preview")
        .header(header::COOKIE, b.cookie_header())
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-csrf-token", page.csrf())
        .body(Body::from(r#"{"body":"**bold** <script>x()</script> <a href=\"javascript:x()\">l</a>"}"#))
        .unwrap();
    let preview = b.send(request).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(
        preview.body.contains("<strong>bold</strong>")
            && !preview.body.contains("script")
            && !preview.body.contains("javascript:")
    );
    let too_long = serde_json::json!({ "body": "x".repeat(100_001) }).to_string();
    let request = Request::post("/api/v1/kb/articles/preview")
        .header(header::COOKIE, b.cookie_header())
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-csrf-token", page.csrf())
        .body(Body::from(too_long))
        .unwrap();
    let refused = b.send(request).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("\"body\""), "the field is named: {}", refused.body);

    // The list: filters and the search.
    assert!(b.open("/kb/articles?status=draft").await.body.contains("Refund policy"));
    assert!(!b.open("/kb/articles?status=published").await.body.contains("Refund policy"));
    assert!(!b.open("/kb/articles?locale=zh-CN").await.body.contains("Refund policy"));
    let found = b.open(&format!("/kb/articles?q=refund&category_id={orders}")).await;
    assert!(found.body.contains("Refund policy") && found.body.contains("<mark>"), "{}", found.body);
    assert!(!b.open("/kb/articles?q=shipping").await.body.contains("Refund policy"));

    // Published, with a line removed and one added: version 2; the counters show.
    let changed = article_form(&[
        ("category_id", &orders),
        ("status", "published"),
        ("body", "Line one\r\nLine three\r\nNew line"),
    ]);
    assert_eq!(b.fill_and_post(&edit, &edit, &changed).await.location(), edit);
    let account = first_account(&app).await;
    app.kb_article_feedback(&account, id.parse().unwrap(), true).await.unwrap();
    let page = b.open(&edit).await;
    assert!(page.body.contains("id=\"article-public\"") && page.body.contains("id=\"stat-helpful\">1<"));
    assert!(b.open("/kb/articles?status=published").await.body.contains("Refund policy"));
    let history = b.open(&format!("{edit}/versions")).await;
    assert!(
        history.body.contains("id=\"version-2\"")
            && history.body.contains("Ada Admin")
            && history.body.contains("Created")
    );
    let diff = b.open(&format!("{edit}/versions/1")).await;
    assert_eq!(diff.status, StatusCode::OK, "{}", diff.body);
    assert!(diff.body.contains("<del>Old line</del>") && diff.body.contains("<ins>New line</ins>"), "{}", diff.body);
    assert!(diff.body.contains("class=\"removed\"") && diff.body.contains("class=\"inserted\""));
    assert!(!diff.body.contains("<ins>Line one</ins>"), "unchanged lines are not marked");
    assert_eq!(b.open(&format!("{edit}/versions/9")).await.status, StatusCode::NOT_FOUND);

    // Restore version 1: a POST with the token, a new version, audited.
    let restored = b.post_form(&format!("{edit}/versions/1/restore"), &[("_csrf", &diff.csrf())]).await;
    assert_eq!(restored.location(), edit);
    let page = b.open(&edit).await;
    assert!(page.body.contains("The version was restored") && page.body.contains("Old line"));
    assert!(b.open(&format!("{edit}/versions")).await.body.contains("Restored version 1"));
    let audit = b.open("/settings/audit?action=kb.article.restore").await;
    assert!(audit.body.contains("<code>kb.article.restore</code>"), "{}", audit.body);

    // Delete: confirmation, then gone.
    let confirm = b.open(&format!("{edit}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert_eq!(b.post_form(&format!("{edit}/delete"), &[("_csrf", &confirm.csrf())]).await.location(), "/kb/articles");
    assert_eq!(b.open(&edit).await.status, StatusCode::NOT_FOUND);
}

async fn categories_form_a_tree_that_can_be_reordered_moved_and_pruned((router, _app): (Router, App)) {
    let mut b = Browser::new(router);
    set_up(&mut b).await;
    for name in ["Orders", "Billing"] {
        let made = b.fill_and_post("/kb/categories", "/kb/categories", &[("name", name), ("parent_id", "")]).await;
        assert_eq!(made.location(), "/kb/categories");
    }
    let list = b.open("/kb/categories").await;
    let (orders, billing) = (id_of(&list.body, "categories", "Orders"), id_of(&list.body, "categories", "Billing"));
    let child = [("name", "Returns"), ("parent_id", orders.as_str())];
    b.fill_and_post("/kb/categories", "/kb/categories", &child).await;
    let blank = b.fill_and_post("/kb/categories", "/kb/categories", &[("name", " "), ("parent_id", "")]).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.body.contains("id=\"e-name\""));

    let list = b.open("/kb/categories").await;
    let returns = id_of(&list.body, "categories", "Returns");
    let position = |body: &str, id: &str| body.find(&format!("id=\"category-{id}\"")).unwrap();
    assert!(position(&list.body, &orders) < position(&list.body, &returns));
    assert!(position(&list.body, &returns) < position(&list.body, &billing), "children follow their parent");
    assert!(list.body.contains(&format!("kb-tree-row depth-1\" id=\"category-{returns}\"")));

    // Billing moves up, above Orders and its child.
    let up =
        b.post_form(&format!("/kb/categories/{billing}/move"), &[("_csrf", &list.csrf()), ("direction", "up")]).await;
    assert_eq!(up.location(), "/kb/categories");
    let list = b.open("/kb/categories").await;
    assert!(position(&list.body, &billing) < position(&list.body, &orders), "{}", list.body);

    // Returns moves into Billing; a category cannot go inside itself.
    let edit = format!("/kb/categories/{returns}");
    let page = b.open(&edit).await;
    assert!(!page.body.contains(&format!("<option value=\"{returns}\"")), "not offered as its own parent");
    let moved =
        b.fill_and_post(&edit, &edit, &[("name", "Returns and refunds"), ("slug", ""), ("parent_id", &billing)]).await;
    assert_eq!(moved.location(), "/kb/categories");
    let inside = b.fill_and_post(&edit, &edit, &[("name", "Loop"), ("parent_id", &returns)]).await;
    assert_eq!(inside.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(inside.body.contains("cannot be moved inside itself"), "{}", inside.body);

    // A category that holds something is not deleted, and says why; an empty one is.
    let confirm = b.open(&format!("/kb/categories/{billing}/delete")).await;
    let refused = b.post_form(&format!("/kb/categories/{billing}/delete"), &[("_csrf", &confirm.csrf())]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("id=\"category-refusal\"") && refused.body.contains("“Billing” was not deleted"));
    let gone = b.post_form(&format!("/kb/categories/{orders}/delete"), &[("_csrf", &confirm.csrf())]).await;
    assert_eq!(gone.location(), "/kb/categories");
    let list = b.open("/kb/categories").await;
    assert!(!list.body.contains(&format!("id=\"category-{orders}\"")) && list.body.contains("Returns and refunds"));
}

async fn faq_entries_are_edited_compared_and_restored((router, _app): (Router, App)) {
    let mut b = Browser::new(router);
    set_up(&mut b).await;
    let entry = |similar: &'static str, answer: &'static str| {
        vec![
            ("question", "怎么退货？"),
            ("similar", similar),
            ("answer", answer),
            ("category_id", ""),
            ("locale", "zh-CN"),
            ("status", "published"),
        ]
    };
    let wrong = b.fill_and_post("/kb/faq/new", "/kb/faq", &entry("如何退货", " ")).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.body.contains("id=\"e-answer\">This field is required.") && wrong.body.contains(">如何退货</textarea>")
    );
    let made =
        b.fill_and_post("/kb/faq/new", "/kb/faq", &entry("如何退货\r\n\r\n退货流程", "7 天内可无理由退货。")).await;
    let id = created_id(&made, "faq");
    let edit = format!("/kb/faq/{id}");
    let page = b.open(&edit).await;
    assert!(page.body.contains(">如何退货\n退货流程</textarea>"), "one phrasing per line, blanks dropped");
    assert!(
        b.open("/kb/faq?q=%E9%80%80%E8%B4%A7").await.body.contains(&format!("/kb/faq/{id}")),
        "the search finds it"
    );
    let changed = entry("如何退货\r\n退货要多久", "7 天内可无理由退货。");
    assert_eq!(b.fill_and_post(&edit, &edit, &changed).await.location(), edit);
    let diff = b.open(&format!("{edit}/versions/1")).await;
    assert!(
        diff.body.contains("<del>  - 退货流程</del>") && diff.body.contains("<ins>  - 退货要多久</ins>"),
        "{}",
        diff.body
    );
    let restored = b.post_form(&format!("{edit}/versions/1/restore"), &[("_csrf", &diff.csrf())]).await;
    assert_eq!(restored.location(), edit);
    assert!(b.open(&edit).await.body.contains(">如何退货\n退货流程</textarea>"));
    assert!(b.open(&format!("{edit}/versions")).await.body.contains("id=\"version-3\""));
}

/// Posts a multipart form with the page's CSRF token, `fields` and an optional file.
async fn post_multipart(b: &mut Browser, fields: &[(&str, &str)], file: Option<(&str, &str)>) -> Answer {
    let csrf = b.open("/kb/import").await.csrf();
    let boundary = "----switchboard-test-7MA4YWxk";
    let mut body = String::new();
    for (name, value) in [("_csrf", csrf.as_str())].iter().chain(fields) {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    if let Some((file_name, content)) = file {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n{content}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let request = Request::post("/kb/import")
        .header(header::COOKIE, b.cookie_header())
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::HOST, "sb.test")
        .header(header::REFERER, "http://sb.test/kb/import")
        .body(Body::from(body))
        .unwrap();
    b.send(request).await
}

const CSV: &str = "id,category,question,similar,answer,lang\n\
    faq-1,Orders,Where is my parcel?,Track my order|Parcel status,See Orders → Track.,en\n\
    faq-2,Orders,,,An answer without a question,en\n\
    faq-3,Billing,\"Never closed,x,y,en\n";

async fn an_import_reports_bad_lines_by_number_and_a_dry_run_writes_nothing((router, _app): (Router, App)) {
    let mut b = Browser::new(router);
    set_up(&mut b).await;
    let dry = post_multipart(&mut b, &[("format", ""), ("dry_run", "true")], Some(("faq.csv", CSV))).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
    assert!(dry.body.contains("id=\"dry-run-note\"") && dry.body.contains("id=\"count-created\">1<"), "{}", dry.body);
    assert!(dry.body.contains("faq.csv"));
    let line = |n: usize| format!("class=\"nowrap\">{n}</td>");
    assert!(dry.body.contains(&line(3)) && dry.body.contains(&line(4)), "bad lines by number: {}", dry.body);
    assert!(dry.body.contains(">Question: This field is required.</td>"), "with their reasons: {}", dry.body);
    assert!(dry.body.contains("a quoted field is not closed"));
    assert!(!b.open("/kb/faq").await.body.contains("Where is my parcel?"), "a dry run writes nothing");

    let real = post_multipart(&mut b, &[("format", "")], Some(("faq.csv", CSV))).await;
    assert!(real.body.contains("Import finished") && real.body.contains("id=\"count-created\">1<"));
    assert!(b.open("/kb/faq").await.body.contains("Where is my parcel?"));
    assert!(b.open("/kb/categories").await.body.contains(">Orders</a>"), "the category was made");

    // Pasted JSON Lines: a malformed line is reported by its number; a file without lines is refused.
    let jsonl =
        "{\"id\":\"j-1\",\"question\":\"怎么开发票？\",\"answer\":\"在订单页申请。\",\"lang\":\"zh\"}\nnot json\n";
    let pasted = post_multipart(&mut b, &[("format", "jsonl"), ("text", jsonl)], None).await;
    assert!(pasted.body.contains(&line(2)) && pasted.body.contains("not a valid entry"), "{}", pasted.body);
    let empty = post_multipart(&mut b, &[("format", ""), ("text", " ")], None).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("id=\"e-file\">Choose a file or paste lines."));
    let no_header = post_multipart(&mut b, &[("format", "csv")], Some(("x.csv", "\"open"))).await;
    assert_eq!(no_header.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", no_header.body);

    // Both export links download every entry.
    let page = b.open("/kb/import").await;
    assert!(page.body.contains("href=\"/api/v1/kb/faq/export?format=csv\""));
    let csv = b.open("/api/v1/kb/faq/export?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with("id,category,question") && csv.body.contains("Where is my parcel?"));
    assert!(b.open("/api/v1/kb/faq/export?format=jsonl").await.body.contains("怎么开发票？"));
}

async fn agents_read_the_knowledge_base_but_cannot_change_it((router, app): (Router, App)) {
    let mut b = Browser::new(router.clone());
    set_up(&mut b).await;
    let id = created_id(&b.fill_and_post("/kb/articles/new", "/kb/articles", &article_form(&[])).await, "articles");
    let made = b
        .fill_and_post("/kb/faq/new", "/kb/faq", &[("question", "Q?"), ("answer", "A."), ("status", "published")])
        .await;
    let faq = created_id(&made, "faq");
    b.fill_and_post("/kb/categories", "/kb/categories", &[("name", "Orders"), ("parent_id", "")]).await;
    let category = id_of(&b.open("/kb/categories").await.body, "categories", "Orders");
    let agent = [
        ("name", "Li Lei"),
        ("email", "li@example.com"),
        ("password", "agent password"),
        ("role", "agent"),
        ("locale", "en"),
        ("time_zone", ""),
    ];
    assert_eq!(b.fill_and_post("/settings/users/new", "/settings/users", &agent).await.location(), "/settings/users");

    let mut a = Browser::new(router);
    a.fill_and_post("/login", "/login", &[("email", "li@example.com"), ("password", "agent password")]).await;
    let list = a.open("/kb/articles").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("href=\"/kb\"") && list.body.contains("Refund policy"));
    assert!(!list.body.contains("id=\"new-article\"") && !list.body.contains("href=\"/kb/import\""));
    let edit = format!("/kb/articles/{id}");
    let page = a.open(&edit).await;
    assert!(page.body.contains("id=\"article-view\"") && page.body.contains("Old line"), "the agent reads it");
    assert!(!page.body.contains("id=\"article-form\"") && !page.body.contains("id=\"article-save\""), "no edit form");
    assert!(!page.body.contains("kb-editor.js"));
    let faq_page = a.open(&format!("/kb/faq/{faq}")).await;
    assert!(faq_page.body.contains("id=\"faq-view\"") && !faq_page.body.contains("id=\"faq-form\""));
    assert!(!a.open("/kb/categories").await.body.contains("id=\"category-new-form\""));
    let diff = a.open(&format!("{edit}/versions/1")).await;
    assert_eq!(diff.status, StatusCode::OK);
    assert!(!diff.body.contains("id=\"restore-version\""));

    let csrf = page.csrf();
    for path in ["/kb/articles/new", "/kb/faq/new", "/kb/import", &format!("{edit}/delete")] {
        assert_eq!(a.open(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let mut posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (edit.clone(), article_form(&[("title", "Taken over")])),
        ("/kb/articles".into(), article_form(&[])),
        (format!("{edit}/versions/1/restore"), vec![]),
        (format!("{edit}/delete"), vec![]),
        (format!("/kb/faq/{faq}"), vec![("question", "Mine?"), ("answer", "Mine."), ("status", "draft")]),
        ("/kb/categories".into(), vec![("name", "Mine")]),
        (format!("/kb/categories/{category}/move"), vec![("direction", "up")]),
        (format!("/kb/categories/{category}/delete"), vec![]),
    ];
    for (path, fields) in &mut posts {
        fields.insert(0, ("_csrf", csrf.as_str()));
        assert_eq!(a.post_form(path, fields).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(post_multipart(&mut a, &[("text", CSV)], None).await.status, StatusCode::FORBIDDEN);
    assert!(b.open(&edit).await.body.contains("value=\"Refund policy\""), "nothing changed");

    // Another account's article and entry answer 404, to its pages and its posts alike.
    let other = other_account(&app).await;
    let input = ArticleInput { title: Some("Secret".into()), body: Some("x".into()), ..Default::default() };
    let theirs = app.create_kb_article(&other, &input).await.unwrap().id;
    let input = FaqInput { question: Some("Secret?".into()), answer: Some("x".into()), ..Default::default() };
    let their_faq = app.create_kb_faq(&other, &input).await.unwrap().id;
    for path in [
        format!("/kb/articles/{theirs}"),
        format!("/kb/articles/{theirs}/versions"),
        format!("/kb/articles/{theirs}/versions/1"),
        format!("/kb/faq/{their_faq}"),
        format!("/kb/faq/{their_faq}/versions/1"),
    ] {
        assert_eq!(b.open(&path).await.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(a.open(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let admin_csrf = b.open("/kb/articles").await.csrf();
    let restore = format!("/kb/articles/{theirs}/versions/1/restore");
    assert_eq!(b.post_form(&restore, &[("_csrf", &admin_csrf)]).await.status, StatusCode::NOT_FOUND);
    let save = format!("/kb/articles/{theirs}");
    let mut fields = vec![("_csrf", admin_csrf.as_str())];
    fields.extend(article_form(&[]));
    assert_eq!(b.post_form(&save, &fields).await.status, StatusCode::NOT_FOUND);
}
