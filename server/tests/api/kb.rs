//! The knowledge base through the API: categories, articles, FAQ entries, versions, import/export.

use crate::on_both_backends;
use crate::support::{TestApp, code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_string()
}

async fn categories_form_a_tree(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let admin = &tenant.admin;
    let (status, root) = t.post(admin, "/api/v1/kb/categories", json!({ "name": "Returns & refunds" })).await;
    assert_eq!(status, StatusCode::CREATED, "{root}");
    assert_eq!(root["slug"], "returns-refunds");
    let (_, child) =
        t.post(admin, "/api/v1/kb/categories", json!({ "name": "售后政策", "parent_id": root["id"] })).await;
    assert_eq!(child["parent_id"], root["id"]);
    assert!(child["slug"].as_str().unwrap().starts_with("category-"), "{child}");
    let (_, second) = t.post(admin, "/api/v1/kb/categories", json!({ "name": "Shipping" })).await;
    assert_eq!(second["position"], 1);
    // A category cannot move inside its own subtree; a missing parent is named.
    let (status, body) =
        t.patch(admin, &format!("/api/v1/kb/categories/{}", id(&root)), json!({ "parent_id": child["id"] })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["parent_id"].is_string());
    let (status, _) = t.post(admin, "/api/v1/kb/categories", json!({ "name": "X", "parent_id": "12345" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // The same slug twice is a conflict on `slug`.
    let (status, body) = t.post(admin, "/api/v1/kb/categories", json!({ "name": "Y", "slug": "shipping" })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["error"]["fields"]["slug"].is_string());
    // Reorder the top level; siblings of different parents are refused.
    let (status, all) =
        t.post(admin, "/api/v1/kb/categories/reorder", json!({ "ids": [second["id"], root["id"]] })).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let top: Vec<&Value> = all.as_array().unwrap().iter().filter(|c| c["parent_id"].is_null()).collect();
    assert_eq!(top[0]["name"], "Shipping");
    let (status, _) = t.post(admin, "/api/v1/kb/categories/reorder", json!({ "ids": [child["id"], root["id"]] })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A non-empty category cannot be deleted; moved to the top level, the child can, then the parent.
    let (status, _) = t.delete(admin, &format!("/api/v1/kb/categories/{}", id(&root))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, moved) =
        t.patch(admin, &format!("/api/v1/kb/categories/{}", id(&child)), json!({ "parent_id": null })).await;
    assert!(moved["parent_id"].is_null());
    let (status, _) = t.delete(admin, &format!("/api/v1/kb/categories/{}", id(&root))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

async fn articles_are_versioned_sanitized_and_filtered(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let admin = &tenant.admin;
    let (_, category) = t.post(admin, "/api/v1/kb/categories", json!({ "name": "Refunds" })).await;
    // 422 names every bad field.
    let (status, body) =
        t.post(admin, "/api/v1/kb/articles", json!({ "title": " ", "locale": "fr", "tags": ["a|b"] })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["title", "locale", "tags"] {
        assert!(body["error"]["fields"][field].is_string(), "{field}: {body}");
    }
    let (status, body) = t.post(admin, "/api/v1/kb/articles", json!({ "title": "T", "category_id": "999999" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let markdown = "# Refund policy\n\nRefunds within **7 days**. <script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(2)>";
    let (status, article) = t
        .post(
            admin,
            "/api/v1/kb/articles",
            json!({ "title": "Refund policy", "body": markdown, "tags": ["refund", "policy"], "category_id": category["id"], "locale": "en" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{article}");
    let html = article["body_html"].as_str().unwrap();
    assert!(html.contains("<strong>7 days</strong>"), "{html}");
    assert!(!html.contains("<script") && !html.contains("javascript:") && !html.contains("onerror"), "{html}");
    assert_eq!(article["slug"], "refund-policy");
    assert_eq!(article["status"], "draft");
    assert_eq!(article["version"], 1);
    assert_eq!(article["author_id"], json!(tenant.admin.user_id));
    let path = format!("/api/v1/kb/articles/{}", id(&article));
    // The agent may read but not write.
    let (status, _) = t.get(&tenant.agent, &path).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = t.patch(&tenant.agent, &path, json!({ "title": "x" })).await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    // Two edits; an unchanged save is not a version.
    let (_, v2) = t.patch(admin, &path, json!({ "title": "Refunds: the policy" })).await;
    assert_eq!(v2["version"], 2);
    let (_, same) = t.patch(admin, &path, json!({ "title": "Refunds: the policy" })).await;
    assert_eq!(same["version"], 2);
    let (_, v3) = t.patch(admin, &path, json!({ "body": "Short body", "tags": ["refund"] })).await;
    assert_eq!(v3["version"], 3);
    let (_, versions) = t.get(admin, &format!("{path}/versions")).await;
    let list = versions["data"].as_array().unwrap();
    assert_eq!(list.iter().map(|v| v["version"].as_i64().unwrap()).collect::<Vec<_>>(), vec![3, 2, 1]);
    assert_eq!(list[0]["author_name"], "Ann Admin");
    let (_, paged) = t.get(admin, &format!("{path}/versions?limit=2")).await;
    let (_, rest) =
        t.get(admin, &format!("{path}/versions?limit=2&cursor={}", paged["next_cursor"].as_str().unwrap())).await;
    assert_eq!(rest["data"][0]["version"], 1);
    let (_, v1) = t.get(admin, &format!("{path}/versions/1")).await;
    assert_eq!(v1["content"]["title"], "Refund policy");
    let (status, _) = t.get(admin, &format!("{path}/versions/99")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Restoring version 1 is version 4, with version 1's content, audited.
    let (status, restored) = t.post(admin, &format!("{path}/versions/1/restore"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!((restored["version"].as_i64(), restored["title"].as_str()), (Some(4), Some("Refund policy")));
    assert_eq!(restored["tags"], json!(["refund", "policy"]));
    let (_, v4) = t.get(admin, &format!("{path}/versions/4")).await;
    assert_eq!(v4["reason"], "restore of version 1");
    let (_, audit) = t.get(admin, "/api/v1/audit?action=kb.article.").await;
    let actions: Vec<&str> = audit["data"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"kb.article.restore") && actions.contains(&"kb.article.create"), "{actions:?}");
    // Publish, feedback, views.
    let (_, published) = t.post(admin, &format!("{path}/publish"), json!({})).await;
    assert_eq!(published["status"], "published");
    assert!(published["published_at"].is_string());
    t.post(&tenant.agent, &format!("{path}/feedback"), json!({ "helpful": true })).await;
    let (_, voted) = t.post(&tenant.agent, &format!("{path}/feedback"), json!({ "helpful": false })).await;
    assert_eq!((voted["helpful_count"].as_i64(), voted["not_helpful_count"].as_i64()), (Some(1), Some(1)));
    let (status, body) = t.post(&tenant.agent, &format!("{path}/feedback"), json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["helpful"].is_string());
    let (_, viewed) = t.json(&tenant.agent, Method::POST, &format!("{path}/view"), None).await;
    assert_eq!(viewed["view_count"], 1);
    // Filters and pagination.
    let (_, other) = t
        .post(admin, "/api/v1/kb/articles", json!({ "title": "会员积分规则", "body": "积分", "locale": "zh-CN" }))
        .await;
    assert!(other["slug"].as_str().unwrap().starts_with("article-"), "{other}");
    let count = |v: &Value| v["data"].as_array().map(Vec::len).unwrap_or(0);
    let (_, by_tag) = t.get(admin, "/api/v1/kb/articles?tag=POLICY").await;
    assert_eq!(count(&by_tag), 1);
    let (_, by_status) = t.get(admin, "/api/v1/kb/articles?status=draft").await;
    assert_eq!(by_status["data"][0]["id"], other["id"]);
    let (_, by_locale) = t.get(admin, "/api/v1/kb/articles?locale=zh-CN").await;
    assert_eq!(count(&by_locale), 1);
    let (_, by_category) = t.get(admin, &format!("/api/v1/kb/articles?category_id={}", id(&category))).await;
    assert_eq!(by_category["data"][0]["id"], article["id"]);
    let (_, by_q) = t.get(admin, "/api/v1/kb/articles?q=积分").await;
    assert_eq!(count(&by_q), 1);
    let (_, first) = t.get(admin, "/api/v1/kb/articles?limit=1").await;
    let (_, second) =
        t.get(admin, &format!("/api/v1/kb/articles?limit=1&cursor={}", first["next_cursor"].as_str().unwrap())).await;
    assert_ne!(first["data"][0]["id"], second["data"][0]["id"]);
    let (status, body) = t.get(admin, "/api/v1/kb/articles?status=lost&category_id=x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["status"].is_string() && body["error"]["fields"]["category_id"].is_string());
    // A slug taken by another article is a conflict; archive, then delete.
    let (status, _) =
        t.patch(admin, &format!("/api/v1/kb/articles/{}", id(&other)), json!({ "slug": "refund-policy" })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, archived) = t.post(admin, &format!("{path}/archive"), json!({})).await;
    assert_eq!(archived["status"], "archived");
    let (status, _) = t.delete(admin, &path).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = t.get(admin, &format!("{path}/versions")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn faq_entries_are_versioned(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let admin = &tenant.admin;
    let (status, body) = t.post(admin, "/api/v1/kb/faq", json!({ "similar": ["x"], "status": "gone" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["question", "answer", "status"] {
        assert!(body["error"]["fields"][field].is_string(), "{field}: {body}");
    }
    let (status, faq) = t
        .post(admin, "/api/v1/kb/faq", json!({ "question": "怎么申请退款？", "similar": ["如何退款", "退款流程"], "answer": "在订单详情页点击申请退款。", "locale": "zh-CN" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{faq}");
    assert_eq!(faq["status"], "published");
    let path = format!("/api/v1/kb/faq/{}", id(&faq));
    let (_, changed) = t.patch(admin, &path, json!({ "answer": "新的答案" })).await;
    assert_eq!(changed["version"], 2);
    let (_, drafted) = t.patch(admin, &path, json!({ "status": "draft" })).await;
    assert_eq!((drafted["version"].as_i64(), drafted["status"].as_str()), (Some(2), Some("draft")));
    let (_, restored) = t.post(admin, &format!("{path}/versions/1/restore"), json!({})).await;
    assert_eq!(
        (restored["version"].as_i64(), restored["answer"].as_str()),
        (Some(3), Some("在订单详情页点击申请退款。"))
    );
    let (_, versions) = t.get(admin, &format!("{path}/versions")).await;
    assert_eq!(versions["data"].as_array().unwrap().len(), 3);
    let (_, by_status) = t.get(admin, "/api/v1/kb/faq?status=draft&q=退款").await;
    assert_eq!(by_status["data"].as_array().unwrap().len(), 1);
    let (status, _) = t.delete(admin, &path).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = t.get(admin, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

const IMPORT: &str = r#"{"id": "faq-001", "category": "refunds", "question": "退款多久到账？", "similar": ["钱什么时候退回来"], "answer": "原路退回，1-7 个工作日到账。", "lang": "zh"}
{"id": "faq-002", "category": "shipping", "question": "How long does shipping take?", "similar": ["delivery time"], "answer": "2-4 days.", "lang": "en"}
this is not json

{"id": "faq-003", "category": "refunds", "question": "", "answer": "x", "lang": "zh"}
{"id": "faq-004", "category": "refunds", "question": "能开发票吗", "answer": "可以", "lang": "fr"}
{"id": "faq-001", "category": "refunds", "question": "重复", "answer": "重复", "lang": "zh"}
{"id": "faq-005", "question": "会员有什么权益", "similar": [], "answer": "包邮", "lang": "zh"}
"#;

async fn import_reports_bad_lines_and_reimport_updates(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let admin = &tenant.admin;
    let import = |body: String, query: &str| {
        let request = t
            .client
            .post(t.url(&format!("/api/v1/kb/faq/import{query}")))
            .bearer_auth(&admin.token)
            .header("content-type", "application/jsonl")
            .body(body);
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // A dry run checks everything and writes nothing.
    let (status, report) = import(IMPORT.to_string(), "?dry_run=true").await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!((report["created"].as_i64(), report["dry_run"].as_bool()), (Some(3), Some(true)));
    let (_, none) = t.get(admin, "/api/v1/kb/faq").await;
    assert_eq!(none["data"].as_array().unwrap().len(), 0);
    let (_, categories) = t.get(admin, "/api/v1/kb/categories").await;
    assert_eq!(categories.as_array().unwrap().len(), 0);
    // The real import: good lines in, bad lines named with their numbers and reasons.
    let (_, report) = import(IMPORT.to_string(), "").await;
    assert_eq!(report["created"], 3, "{report}");
    let errors: Vec<(i64, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_i64().unwrap(), e["reason"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), vec![3, 5, 6, 7], "{errors:?}");
    assert!(errors[1].1.contains("question"), "{errors:?}");
    assert!(errors[2].1.contains("lang"), "{errors:?}");
    assert!(errors[3].1.contains("line 1"), "{errors:?}");
    let (_, all) = t.get(admin, "/api/v1/kb/faq").await;
    let all = all["data"].as_array().unwrap().clone();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0]["external_id"], "faq-001");
    assert_eq!(all[0]["locale"], "zh-CN");
    let (_, categories) = t.get(admin, "/api/v1/kb/categories").await;
    let names: Vec<&str> = categories.as_array().unwrap().iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names, vec!["refunds", "shipping"]);
    // Re-importing updates by external id instead of adding; unchanged lines stay as they are.
    let changed = IMPORT.replace("1-7 个工作日到账", "3 个工作日内到账");
    let (_, report) = import(changed, "").await;
    assert_eq!(
        (report["created"].as_i64(), report["updated"].as_i64(), report["unchanged"].as_i64()),
        (Some(0), Some(1), Some(2)),
        "{report}"
    );
    let (_, after) = t.get(admin, &format!("/api/v1/kb/faq/{}", id(&all[0]))).await;
    assert_eq!((after["version"].as_i64(), after["answer"].as_str()), (Some(2), Some("原路退回，3 个工作日内到账。")));
    // CSV with quoted fields, `|`-separated phrasings, a bad row; then export and re-import both formats.
    let csv = "id,category,question,similar,answer,lang\nfaq-100,\"发票, 收据\",\"能开发票吗\",可以开票吗|发票怎么开,\"可以，\n在订单页申请\",zh\nfaq-101,x,only three\n";
    let response = t
        .client
        .post(t.url("/api/v1/kb/faq/import?format=csv"))
        .bearer_auth(&admin.token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["created"], 1, "{report}");
    assert_eq!(report["errors"][0]["line"], 4, "{report}");
    for format in ["jsonl", "csv"] {
        let response = t.call(admin, Method::GET, &format!("/api/v1/kb/faq/export?format={format}"), None).await;
        assert_eq!(response.status(), StatusCode::OK);
        let text = response.text().await.unwrap();
        assert!(text.contains("可以开票吗"), "{text}");
        let response = t
            .client
            .post(t.url(&format!("/api/v1/kb/faq/import?format={format}")))
            .bearer_auth(&admin.token)
            .body(text)
            .send()
            .await
            .unwrap();
        let report: Value = response.json().await.unwrap();
        assert_eq!(
            (report["created"].as_i64(), report["unchanged"].as_i64()),
            (Some(0), Some(4)),
            "{format}: {report}"
        );
    }
    let (status, body) = t.get(admin, "/api/v1/kb/faq/export?format=xml").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["format"].is_string());
    // A body over the limit is 413.
    let (status, _) = import("x".repeat(70 * 1024), "").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

on_both_backends!(
    categories_form_a_tree,
    articles_are_versioned_sanitized_and_filtered,
    faq_entries_are_versioned,
    import_reports_bad_lines_and_reimport_updates
);
