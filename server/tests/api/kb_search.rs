//! Knowledge-base search: Chinese, English, mixed and full-width queries, snippets, and the same
//! ranking on SQLite and PostgreSQL for the same data.

use crate::on_both_backends;
use crate::support::{Backend, Tenant, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// (title, body, locale)
const ARTICLES: &[(&str, &str, &str)] = &[
    ("退款政策", "## 退款说明\n\n商品签收后 7 天内可申请**退款**，款项原路退回，1-7 个工作日到账。", "zh-CN"),
    ("配送时效说明", "下单后 48 小时内发货，一般 2-4 天送达。偏远地区可能延迟。", "zh-CN"),
    ("VIP 会员权益", "ＶＩＰ会员全场包邮，每月领取优惠券，生日当月双倍积分。", "zh-CN"),
    ("iPhone 退货指南", "iPhone 拆封后如无质量问题不支持七天无理由退货；有质量问题可申请换货。", "zh-CN"),
    (
        "Refund policy",
        "You can ask for a refund within 7 days of delivery. Refunds go back to the original payment method.",
        "en",
    ),
    ("Shipping times", "Orders ship within 48 hours and usually arrive in 2-4 days.", "en"),
    ("发票开具", "订单完成后可在订单详情页申请电子发票，退款后发票作废。", "zh-CN"),
];

const FAQS: &[(&str, &str, &str)] = &[
    ("退款多久到账？", "退款原路退回，一般 1-7 个工作日到账。", "zh-CN"),
    ("How do I get a refund?", "Open the order and choose Request refund.", "en"),
    ("会员积分怎么用？", "积分可在结算时抵扣现金。", "zh-CN"),
];

async fn seed(t: &TestApp, tenant: &Tenant) {
    for (title, body, locale) in ARTICLES {
        let (status, article) = t
            .post(&tenant.admin, "/api/v1/kb/articles", json!({ "title": title, "body": body, "locale": locale }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{article}");
        t.post(&tenant.admin, &format!("/api/v1/kb/articles/{}/publish", article["id"].as_str().unwrap()), json!({}))
            .await;
    }
    for (question, answer, locale) in FAQS {
        let (status, _) = t
            .post(&tenant.admin, "/api/v1/kb/faq", json!({ "question": question, "answer": answer, "locale": locale }))
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
}

async fn search(t: &TestApp, tenant: &Tenant, query: &str) -> Vec<Value> {
    let (status, body) = t.get(&tenant.agent, &format!("/api/v1/kb/search?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body["data"].as_array().cloned().unwrap_or_default()
}

fn titles(hits: &[Value]) -> Vec<String> {
    hits.iter().map(|h| h["title"].as_str().unwrap_or_default().to_string()).collect()
}

async fn finds_chinese_english_mixed_and_full_width(t: TestApp) {
    let tenant = t.tenant("acme").await;
    seed(&t, &tenant).await;
    let q = |s: &str| format!("q={}", urlencode(s));
    // Chinese: 退款 finds the refund policy article first among articles, with a marked snippet.
    let hits = search(&t, &tenant, &format!("{}&kind=article", q("退款"))).await;
    assert_eq!(hits[0]["title"], "退款政策", "{:?}", titles(&hits));
    assert!(hits[0]["snippet"].as_str().unwrap().contains("<mark>退款</mark>"), "{}", hits[0]["snippet"]);
    assert!(titles(&hits).contains(&"发票开具".to_string()));
    // A sentence: stop words dropped, the words that matter found.
    let hits = search(&t, &tenant, &q("我想问一下怎么申请退款呢")).await;
    assert!(titles(&hits[..3]).contains(&"退款政策".to_string()), "{:?}", titles(&hits));
    // English, case-insensitive, whole words in the snippet.
    let hits = search(&t, &tenant, &format!("{}&locale=en", q("REFUND"))).await;
    let mut found = titles(&hits);
    found.sort();
    assert_eq!(found, vec!["How do I get a refund?", "Refund policy"], "{hits:?}");
    assert!(hits.iter().all(|h| h["snippet"].as_str().unwrap().contains("<mark>refund</mark>")), "{hits:?}");
    // Mixed script.
    let hits = search(&t, &tenant, &q("iPhone退货")).await;
    assert_eq!(hits[0]["title"], "iPhone 退货指南", "{:?}", titles(&hits));
    // Full-width letters match half-width text and the other way round.
    let hits = search(&t, &tenant, &q("ＶＩＰ会员")).await;
    assert_eq!(hits[0]["title"], "VIP 会员权益", "{:?}", titles(&hits));
    let hits = search(&t, &tenant, &q("vip")).await;
    assert!(hits[0]["snippet"].as_str().unwrap().contains("<mark>ＶＩＰ</mark>"), "{}", hits[0]["snippet"]);
    // FAQ entries only.
    let hits = search(&t, &tenant, &format!("{}&kind=faq", q("退款"))).await;
    assert_eq!(titles(&hits), vec!["退款多久到账？"]);
    assert_eq!(hits[0]["kind"], "faq");
    // Archived articles leave default searches; a status filter finds them.
    let first = search(&t, &tenant, &format!("{}&kind=article", q("发票"))).await;
    let path = format!("/api/v1/kb/articles/{}/archive", first[0]["id"].as_str().unwrap());
    t.post(&tenant.admin, &path, json!({})).await;
    assert!(search(&t, &tenant, &q("发票")).await.is_empty());
    assert_eq!(search(&t, &tenant, &format!("{}&status=archived", q("发票"))).await.len(), 1);
    // An edit re-indexes in the same transaction.
    let refund = search(&t, &tenant, &format!("{}&locale=en&kind=article", q("refund"))).await;
    let path = format!("/api/v1/kb/articles/{}", refund[0]["id"].as_str().unwrap());
    t.patch(&tenant.admin, &path, json!({ "title": "Money back", "body": "Contact us." })).await;
    assert_eq!(
        titles(&search(&t, &tenant, &format!("{}&locale=en", q("refund"))).await),
        vec!["How do I get a refund?"]
    );
    // Bad input names the parameter; nothing to search for finds nothing.
    for (query, field) in
        [("q=", "q"), ("q=x&kind=ticket", "kind"), ("q=x&limit=0", "limit"), ("q=x&locale=fr", "locale")]
    {
        let (status, body) = t.get(&tenant.agent, &format!("/api/v1/kb/search?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(body["error"]["fields"][field].is_string(), "{query}: {body}");
    }
    assert!(search(&t, &tenant, &q("😭！！")).await.is_empty());
}

pub(crate) fn urlencode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

on_both_backends!(finds_chinese_english_mixed_and_full_width);

/// The same data on SQLite and PostgreSQL gives the same hits in the same order with the same scores.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_top_results_on_both_backends() {
    let sqlite = TestApp::start(Backend::Sqlite).await.expect("sqlite");
    let Some(postgres) = TestApp::start(Backend::Postgres).await else { return };
    let mut results = Vec::new();
    for t in [&sqlite, &postgres] {
        let tenant = t.tenant("acme").await;
        seed(t, &tenant).await;
        let mut answers = Vec::new();
        for query in ["退款", "refund", "会员 积分", "iPhone退货", "ＶＩＰ", "订单 发货 天", "shipping days"]
        {
            let hits = search(t, &tenant, &format!("q={}", urlencode(query))).await;
            answers.push(
                hits.iter()
                    .map(|h| {
                        format!("{} {} {:.6} {}", h["kind"], h["title"], h["score"].as_f64().unwrap(), h["snippet"])
                    })
                    .collect::<Vec<_>>(),
            );
        }
        results.push(answers);
    }
    assert!(!results[0][0].is_empty());
    assert_eq!(results[0], results[1]);
}
