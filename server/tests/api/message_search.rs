//! Search over messages and contacts: BM25 ranking with snippets for Chinese, English and mixed
//! queries; filters and pages; the data scope (another team's conversation, another account);
//! internal notes; the start-up backfill; contacts by name, email, external id and phone in any
//! formatting; bad input.

use crate::kb_search::urlencode;
use crate::on_both_backends;
use crate::realtime::{next, send};
use crate::support::{Caller, Tenant, TestApp};
use crate::widget::{visitor, widget};
use reqwest::StatusCode;
use serde_json::{Value, json};
use switchboard_domain::permissions::DataScope;
use switchboard_store::repo::message_search::{self, MessageQuery};

async fn api_channel(t: &TestApp, admin: &Caller) -> String {
    let name = format!("API {}", rand::random::<u32>());
    let (status, channel) = t.post(admin, "/api/v1/channels", json!({ "name": name, "kind": "api" })).await;
    assert_eq!(status, StatusCode::CREATED, "{channel}");
    channel["id"].as_str().unwrap().to_string()
}

/// Opens a conversation with the customer's first message; returns its id.
async fn open(t: &TestApp, admin: &Caller, channel: &str, contact: Value, text: &str, team: Option<&str>) -> String {
    let mut body = json!({ "channel_id": channel, "contact": contact, "message": text });
    if let Some(team) = team {
        body["team_id"] = json!(team);
    }
    let (status, created) = t.post(admin, "/api/v1/conversations", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["conversation"]["id"].as_str().unwrap().to_string()
}

async fn reply(t: &TestApp, caller: &Caller, conversation: &str, text: &str, private: bool) {
    let path = format!("/api/v1/conversations/{conversation}/messages");
    let (status, body) = t.post(caller, &path, json!({ "text": text, "private": private })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn search(t: &TestApp, caller: &Caller, query: &str) -> Value {
    let (status, body) = t.get(caller, &format!("/api/v1/search/messages?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

fn q(text: &str) -> String {
    format!("q={}", urlencode(text))
}

/// The conversation ids of a result page, in order.
fn ids(page: &Value) -> Vec<String> {
    page["data"].as_array().unwrap().iter().map(|h| h["conversation"]["id"].as_str().unwrap().to_string()).collect()
}

async fn ranks_messages_with_snippets_in_every_language(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let admin = &tenant.admin;
    let channel = api_channel(&t, admin).await;
    let customer = |name: &str, id: &str| json!({ "name": name, "external_id": id });
    let refund = open(&t, admin, &channel, customer("王小明", "c1"), "我想申请退款，订单号 20240618001", None).await;
    reply(&t, admin, &refund, "好的，您的退款申请已提交，1-7 个工作日到账。", false).await;
    let urgent = open(&t, admin, &channel, customer("李雷", "c2"), "退款退款退款！请尽快处理", None).await;
    let iphone =
        open(&t, admin, &channel, customer("Alice", "c3"), "I want a refund for my iPhone 15 case", None).await;
    let shipping =
        open(&t, admin, &channel, customer("Bob", "c4"), "Where is my order? Tracking says shipped.", None).await;
    let screen = open(&t, admin, &channel, customer("韩梅梅", "c5"), "iPhone 屏幕坏了，能退款吗", None).await;

    // Chinese: the message saying 退款 three times ranks first; the conversation with two matching
    // messages shows both, with the word marked.
    let page = search(&t, admin, &q("退款")).await;
    assert_eq!(ids(&page)[0], urgent, "{page}");
    let mut found = ids(&page);
    found.sort();
    let mut expected = vec![refund.clone(), urgent.clone(), screen.clone()];
    expected.sort();
    assert_eq!(found, expected);
    let hit = page["data"].as_array().unwrap().iter().find(|h| h["conversation"]["id"] == refund.as_str()).unwrap();
    assert_eq!(hit["match_count"], 2, "{hit}");
    assert!(hit["matches"][0]["snippet"].as_str().unwrap().contains("<mark>退款</mark>"), "{hit}");
    assert!(hit["score"].as_f64().unwrap() > 0.0);
    assert_eq!(hit["conversation"]["contact_name"], "王小明");
    // Every word must be in the message: 申请退款 finds the request (申请…退款 in another order too).
    assert_eq!(ids(&search(&t, admin, &q("申请退款")).await), [refund.as_str()]);
    // English, case-insensitive; a letters-and-digits word finds its parts.
    let page = search(&t, admin, &q("REFUND")).await;
    assert_eq!(ids(&page), [iphone.as_str()]);
    assert!(page["data"][0]["matches"][0]["snippet"].as_str().unwrap().contains("<mark>refund</mark>"), "{page}");
    assert_eq!(ids(&search(&t, admin, &q("iPhone15")).await), [iphone.as_str()]);
    // Mixed Chinese and English.
    assert_eq!(ids(&search(&t, admin, &q("iPhone退款")).await), [screen.as_str()]);
    assert_eq!(ids(&search(&t, admin, &q("order shipped")).await), [shipping.as_str()]);
    // Order numbers are words too.
    assert_eq!(ids(&search(&t, admin, &q("20240618001")).await), [refund.as_str()]);
    assert!(ids(&search(&t, admin, &q("发票")).await).is_empty());

    // Equal scores: the newer conversation first.
    let older = open(&t, admin, &channel, customer("甲", "c6"), "耳机 杂音", None).await;
    let newer = open(&t, admin, &channel, customer("乙", "c7"), "耳机 杂音", None).await;
    assert_eq!(ids(&search(&t, admin, &q("杂音")).await), [newer.clone(), older.clone()]);
    // Pages: one at a time, the cursor continues.
    let first = search(&t, admin, &format!("{}&limit=1", q("杂音"))).await;
    assert_eq!(ids(&first), [newer.as_str()]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = search(&t, admin, &format!("{}&limit=1&cursor={cursor}", q("杂音"))).await;
    assert_eq!(ids(&second), [older.as_str()]);
    assert!(second["next_cursor"].is_null());

    // Filters: status, channel, time.
    t.post(admin, &format!("/api/v1/conversations/{older}/resolve"), json!({})).await;
    assert_eq!(ids(&search(&t, admin, &format!("{}&status=resolved", q("杂音"))).await), [older.as_str()]);
    assert_eq!(ids(&search(&t, admin, &format!("{}&status=open", q("杂音"))).await), [newer.as_str()]);
    let elsewhere = api_channel(&t, admin).await;
    let other = open(&t, admin, &elsewhere, customer("丙", "c8"), "耳机 杂音 很大声", None).await;
    assert_eq!(ids(&search(&t, admin, &format!("{}&channel_id={elsewhere}", q("杂音"))).await), [other]);
    let past = "from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z";
    assert!(ids(&search(&t, admin, &format!("{}&{past}", q("杂音"))).await).is_empty());
    assert_eq!(ids(&search(&t, admin, &format!("{}&from=2020-01-01T00:00:00Z", q("杂音"))).await).len(), 3);
}

/// Moves a conversation's messages `days` back in time: their time and their ids' time bits (ids
/// are time-ordered), with their index entries (writing `search_tokens` refreshes FTS5's).
async fn age_messages(t: &TestApp, conversation: &str, days: i64) {
    let ms = days * 24 * 3600 * 1000;
    let shift = ms << 22;
    t.sql(&format!(
        "UPDATE messages SET id = id - {shift}, created_at = created_at - {ms}, search_tokens = search_tokens \
         WHERE conversation_id = {conversation}"
    ))
    .await;
}

/// The index is read in windows from now backwards: matches of every age are found, equal scores
/// newest first, and when more match than the cap the newest are kept, in order, across windows.
async fn finds_matches_of_every_age_newest_first(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let admin = &tenant.admin;
    let channel = api_channel(&t, admin).await;
    let mut newest_first = Vec::new();
    for (n, days) in [0, 3, 20, 200, 700].into_iter().enumerate() {
        let contact = json!({ "name": format!("客户{n}") });
        let id = open(&t, admin, &channel, contact, "保修卡 warrantycard 丢了怎么办", None).await;
        age_messages(&t, &id, days).await;
        newest_first.push(id);
    }
    let other = open(&t, admin, &channel, json!({ "name": "路人" }), "没有关系的消息", None).await;
    age_messages(&t, &other, 100).await;
    assert_eq!(ids(&search(&t, admin, &q("warrantycard")).await), newest_first);
    assert_eq!(ids(&search(&t, admin, &q("保修卡 warrantycard")).await), newest_first);

    // The store's walk with a small cap: the newest matches, however far apart.
    let tokens = ["warrantycard".to_string()];
    for cap in 1..=6 {
        let query = MessageQuery {
            user: None,
            scope: DataScope::Account,
            tokens: &tokens,
            status: None,
            channel_id: None,
            from: None,
            to: None,
            include_private: true,
            cap,
        };
        let mut conn = t.app.db().read().await.unwrap();
        let found = message_search::candidates(&mut conn, tenant.account_id, &query, None).await.unwrap();
        let conversations: Vec<String> = found.iter().map(|m| m.conversation_id.to_string()).collect();
        let expected = &newest_first[..(cap as usize).min(newest_first.len())];
        assert_eq!(conversations, expected, "cap {cap}");
    }
}

/// Sales (the agent's team) and Support, each with a conversation about an invoice.
async fn two_teams(t: &TestApp, tenant: &Tenant) -> (String, String) {
    let admin = &tenant.admin;
    let (_, sales) =
        t.post(admin, "/api/v1/teams", json!({ "name": "Sales", "member_ids": [tenant.agent.user_id] })).await;
    let (_, support) = t.post(admin, "/api/v1/teams", json!({ "name": "Support" })).await;
    let channel = api_channel(t, admin).await;
    let contact = |name: &str| json!({ "name": name, "email": format!("{name}@example.com") });
    let ours = open(t, admin, &channel, contact("zhao"), "请帮我开发票 invoice please", sales["id"].as_str()).await;
    let theirs = open(t, admin, &channel, contact("qian"), "发票抬头写错了 invoice", support["id"].as_str()).await;
    (ours, theirs)
}

async fn stays_within_scope_and_account_and_finds_notes(t: TestApp) {
    let acme = t.tenant("acme").await;
    let globex = t.tenant("globex").await;
    let (ours, theirs) = two_teams(&t, &acme).await;
    two_teams(&t, &globex).await;
    // The agent finds their team's conversation, never the other team's.
    for query in [q("发票"), q("invoice"), q("发票 invoice")] {
        assert_eq!(ids(&search(&t, &acme.agent, &query).await), [ours.as_str()], "{query}");
    }
    // The admin sees the account, and nothing of the other account.
    let mut all = ids(&search(&t, &acme.admin, &q("发票")).await);
    all.sort();
    let mut expected = vec![ours.clone(), theirs.clone()];
    expected.sort();
    assert_eq!(all, expected);
    // Internal notes are found by agents, marked private.
    reply(&t, &acme.admin, &ours, "内部备注：该客户是大客户 keyaccount", true).await;
    let page = search(&t, &acme.agent, &q("keyaccount")).await;
    assert_eq!(ids(&page), [ours.as_str()]);
    assert_eq!(page["data"][0]["matches"][0]["private"], true);
    assert_eq!(page["data"][0]["matches"][0]["author_kind"], "agent");
    // Contacts follow the same scope.
    let names = |page: &Value| -> Vec<String> {
        page["data"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()).collect()
    };
    let (status, found) = t.get(&acme.agent, "/api/v1/search/contacts?q=example.com").await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(names(&found), ["zhao"]);
    let (_, found) = t.get(&acme.admin, "/api/v1/search/contacts?q=EXAMPLE").await;
    assert_eq!(names(&found).len(), 2, "{found}");

    // Messages stored before message search existed are indexed by the start-up backfill.
    t.sql("UPDATE messages SET search_tokens = NULL").await;
    assert!(ids(&search(&t, &acme.admin, &q("发票")).await).is_empty());
    let mut indexed = 0;
    loop {
        let done = t.app.index_pending_messages(2).await.unwrap();
        if done == 0 {
            break;
        }
        indexed += done;
    }
    assert_eq!(indexed, 5, "two messages per account and the note");
    assert_eq!(ids(&search(&t, &acme.admin, &q("keyaccount")).await), [ours]);
}

async fn finds_contacts_by_phone_in_any_format(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let (_, key, _) = widget(&t, &tenant.admin).await;
    let (mut customer, _) = visitor(&t, &key, None, None).await;
    let prechat = json!({ "name": "王小明", "phone": "+86 138 0013 8000", "question_type": "退货" });
    send(&mut customer, json!({ "type": "send", "ref": "1", "client_id": "c-1", "text": "你好", "prechat": prechat }))
        .await;
    assert_eq!(next(&mut customer).await["type"], "ack");
    let channel = api_channel(&t, &tenant.admin).await;
    let contact = json!({ "name": "Li Lei", "email": "li.lei@example.com", "external_id": "CRM-7781" });
    open(&t, &tenant.admin, &channel, contact, "hello", None).await;
    let names = |page: &Value| -> Vec<String> {
        page["data"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_string()).collect()
    };
    for query in ["13800138000", "138-0013-8000", "(138) 0013 8000", "+86 138 0013 8000", "0013 8000", "王小"] {
        let (status, found) = t.get(&tenant.admin, &format!("/api/v1/search/contacts?q={}", urlencode(query))).await;
        assert_eq!(status, StatusCode::OK, "{found}");
        assert_eq!(names(&found), ["王小明"], "{query}");
    }
    for query in ["li", "LI.LEI@", "crm-77", "Lei"] {
        let (_, found) = t.get(&tenant.admin, &format!("/api/v1/search/contacts?q={}", urlencode(query))).await;
        assert_eq!(names(&found), ["Li Lei"], "{query}");
    }
    let (_, found) = t.get(&tenant.admin, "/api/v1/search/contacts?q=99999").await;
    assert!(names(&found).is_empty());
}

async fn bad_input_names_the_field(t: TestApp) {
    let tenant = t.tenant("acme").await;
    for (query, field) in [
        ("q=", "q"),
        ("q=%20%20", "q"),
        ("q=x&limit=0", "limit"),
        ("q=x&limit=51", "limit"),
        ("q=x&limit=ten", "limit"),
        ("q=x&status=lost", "status"),
        ("q=x&channel_id=abc", "channel_id"),
        ("q=x&from=yesterday", "from"),
        ("q=x&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "to"),
        ("q=x&cursor=!!", "cursor"),
    ] {
        let (status, body) = t.get(&tenant.agent, &format!("/api/v1/search/messages?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert!(body["error"]["fields"][field].is_string(), "{query}: {body}");
    }
    let long = "长".repeat(501);
    for (query, field) in [("q=".to_string(), "q"), ("q=x&limit=100".to_string(), "limit"), (q(&long), "q")] {
        let (status, body) = t.get(&tenant.agent, &format!("/api/v1/search/contacts?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert!(body["error"]["fields"][field].is_string(), "{query}: {body}");
    }
    // Punctuation only: nothing to look for, nothing found.
    assert!(ids(&search(&t, &tenant.agent, &q("？！…")).await).is_empty());
    let anonymous = t.client.get(t.url("/api/v1/search/messages?q=x")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

on_both_backends!(
    ranks_messages_with_snippets_in_every_language,
    finds_matches_of_every_age_newest_first,
    stays_within_scope_and_account_and_finds_notes,
    finds_contacts_by_phone_in_any_format,
    bad_input_names_the_field,
);
