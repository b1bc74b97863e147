//! Feedback on the FAQ bot (docs/bot.md, "Feedback"): customers rate its answers over the socket and
//! over REST (only bot answers of their own conversations; they may change their mind), agents see
//! the rating live and in the transcript, and admins get the questions the bot could not answer and
//! the answers rated down — grouped, sorted, dismissed, and added to the FAQ through the FAQ services.

use crate::on_both_backends;
use crate::realtime::send;
use crate::support::{Caller, TestApp, code};
use crate::widget::{SHOP, agent, next_bot_message, next_of, visitor};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The FAQ of the end-to-end bot test: two pairs of close entries (question, similar, answer).
pub const FAQ: [(&str, &[&str], &str); 4] = [
    ("退款多久能到账？", &["退款什么时候到账", "退款到账时间"], "退款一般 1-3 个工作日原路退回。"),
    ("退货运费谁承担？", &["退货邮费谁出", "退货运费"], "质量问题由我们承担运费。"),
    ("怎么申请退货？", &["如何退货", "退货流程是什么"], "请在订单页点击“申请退货”，7 天内可退。"),
    ("怎么申请换货？", &["如何换货", "换货流程是什么"], "请在订单页点击“申请换货”。"),
];

/// A widget with the bot answering first from `FAQ`; returns (public key, FAQ entry ids in order).
pub async fn bot_widget(t: &TestApp, admin: &Caller) -> (String, Vec<String>) {
    let mut ids = Vec::new();
    for (question, similar, answer) in FAQ {
        let faq = json!({ "question": question, "similar": similar, "answer": answer, "status": "published",
            "locale": "zh-CN" });
        let (status, body) = t.post(admin, "/api/v1/kb/faq", faq).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        ids.push(body["id"].as_str().unwrap().to_string());
    }
    let (status, channel) = t.post(admin, "/api/v1/channels", json!({ "name": "官网", "kind": "web_widget" })).await;
    assert_eq!(status, StatusCode::CREATED, "{channel}");
    let id = channel["id"].as_str().unwrap();
    let settings = json!({ "allowed_origins": [SHOP], "bot_enabled": true });
    let (status, body) = t.patch(admin, &format!("/api/v1/channels/{id}"), json!({ "settings": settings })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (channel["public_key"].as_str().unwrap().to_string(), ids)
}

/// A new visitor asks one question; returns (socket, welcome, the bot's reply frame).
async fn ask(t: &TestApp, key: &str, text: &str) -> (crate::realtime::Socket, Value, Value) {
    let (mut socket, welcome) = visitor(t, key, None, None).await;
    send(
        &mut socket,
        json!({ "type": "send", "ref": "q", "client_id": format!("q-{}", rand::random::<u32>()),
        "text": text }),
    )
    .await;
    next_of(&mut socket, "ack").await;
    let reply = next_bot_message(&mut socket).await;
    (socket, welcome, reply)
}

async fn open_items(t: &TestApp, admin: &Caller, query: &str) -> Vec<Value> {
    let (status, page) = t.get(admin, &format!("/api/v1/bot/unanswered{query}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["data"].as_array().unwrap().clone()
}

async fn customers_rate_answers_and_agents_see_it(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let (key, ids) = bot_widget(&t, &tenant.admin).await;
    let (mut customer, welcome, answer) = ask(&t, &key, "请问怎么退货").await;
    let message = &answer["message"];
    assert_eq!(message["bot"]["kind"], "answer", "{answer}");
    assert_eq!(message["bot"]["asked"], "请问怎么退货");
    let (conversation, message_id) = (answer["conversation_id"].as_str().unwrap(), message["id"].as_str().unwrap());
    let mut desk = agent(&t, &tenant.admin).await;
    send(
        &mut desk,
        json!({ "type": "subscribe", "ref": "s", "conversations": [{ "id": conversation, "after_seq": 9 }] }),
    )
    .await;
    next_of(&mut desk, "subscribed").await;

    // 👍, then a change of mind to 👎: each is stored, acknowledged and shown to the agent.
    for rating in ["up", "down"] {
        let frame = json!({ "type": "rate", "ref": rating, "message_id": message_id, "rating": rating });
        send(&mut customer, frame).await;
        let ok = next_of(&mut customer, "ok").await;
        assert_eq!(ok["ref"], rating, "{ok}");
        let seen = next_of(&mut desk, "message.rated").await;
        assert_eq!((seen["message_id"].as_str(), seen["rating"].as_str()), (Some(message_id), Some(rating)), "{seen}");
        assert_eq!(seen["seq"], message["seq"]);
    }
    let (_, transcript) = t.get(&tenant.admin, &format!("/api/v1/conversations/{conversation}/messages")).await;
    let rated = transcript.as_array().unwrap().iter().find(|m| m["id"] == message["id"]).unwrap().clone();
    assert_eq!(rated["bot"]["rating"], "down", "{rated}");

    // The answer rated down is on the admins' list, with the customer's question and the entry answered.
    let items = open_items(&t, &tenant.admin, "").await;
    assert_eq!(items.len(), 1, "{items:?}");
    let item = &items[0];
    assert_eq!((item["kind"].as_str(), item["reason"].as_str()), (Some("rated_down"), Some("rated_down")));
    assert_eq!(item["question"], "请问怎么退货");
    assert_eq!(item["guesses"][0]["entry_id"].as_str(), Some(ids[2].as_str()), "{item}");
    assert_eq!(item["conversation_id"].as_str(), Some(conversation));
    assert_eq!(item["message_id"].as_str(), Some(message_id));
    // The same message rated down again (after an up) still counts once.
    let visitor_token = welcome["visitor_token"].as_str().unwrap();
    let rest = |rating: &str, token: Option<&str>| {
        let mut request = t
            .client
            .post(t.url(&format!("/widget/{key}/messages/{message_id}/rating")))
            .header("origin", SHOP)
            .json(&json!({ "rating": rating }));
        if let Some(token) = token {
            request = request.header("authorization", format!("Visitor {token}"));
        }
        request.send()
    };
    for rating in ["up", "down", "down"] {
        let response = rest(rating, Some(visitor_token)).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["rating"], rating, "{body}");
    }
    let items = open_items(&t, &tenant.admin, "").await;
    assert_eq!(items[0]["occurrences"], 1, "{items:?}");

    // Refused: a wrong rating, a message that is not a bot answer, another customer, an agent, no token.
    send(&mut customer, json!({ "type": "rate", "ref": "bad", "message_id": message_id, "rating": "meh" })).await;
    let bad = next_of(&mut customer, "error").await;
    assert_eq!((bad["code"].as_str(), bad["fields"]["rating"].is_string()), (Some("validation_failed"), true));
    let own = transcript.as_array().unwrap().iter().find(|m| m["author_kind"] == "customer").unwrap();
    send(&mut customer, json!({ "type": "rate", "ref": "own", "message_id": own["id"], "rating": "up" })).await;
    let not_bot = next_of(&mut customer, "error").await;
    assert!(not_bot["fields"]["message_id"].is_string(), "{not_bot}");
    let (mut stranger, _) = visitor(&t, &key, None, None).await;
    send(&mut stranger, json!({ "type": "rate", "ref": "x", "message_id": message_id, "rating": "up" })).await;
    assert_eq!(next_of(&mut stranger, "error").await["code"], "not_found");
    send(&mut desk, json!({ "type": "rate", "ref": "a", "message_id": message_id, "rating": "up" })).await;
    assert_eq!(next_of(&mut desk, "error").await["code"], "forbidden");
    assert_eq!(rest("up", None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let (_, stranger_welcome) = visitor(&t, &key, None, None).await;
    let other = rest("up", stranger_welcome["visitor_token"].as_str()).await.unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    // Nothing of that changed the rating.
    let (_, transcript) = t.get(&tenant.admin, &format!("/api/v1/conversations/{conversation}/messages")).await;
    assert!(transcript.as_array().unwrap().iter().any(|m| m["id"] == message["id"] && m["bot"]["rating"] == "down"));
}

async fn unanswered_questions_are_grouped_and_added_to_the_faq(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let (key, ids) = bot_widget(&t, &tenant.admin).await;
    // Out of scope twice (the same question, written differently), a "did you mean" left for
    // another question, a request for a person (not listed).
    for text in ["你们卖二手车吗？", "你们卖二手车吗", "转人工"] {
        let (_, _, reply) = ask(&t, &key, text).await;
        assert_eq!(reply["message"]["bot"]["kind"], "handoff", "{text}: {reply}");
    }
    let (mut customer, _, clarify) = ask(&t, &key, "退货运费和到账时间").await;
    assert_eq!(clarify["message"]["bot"]["kind"], "clarify", "{clarify}");
    send(&mut customer, json!({ "type": "send", "ref": "2", "client_id": "c-2", "text": "如何换货" })).await;
    next_of(&mut customer, "ack").await;
    assert_eq!(next_bot_message(&mut customer).await["message"]["bot"]["entry_id"].as_str(), Some(ids[3].as_str()));

    let frequent = open_items(&t, &tenant.admin, "?sort=frequent").await;
    assert_eq!(frequent.len(), 2, "{frequent:?}");
    assert_eq!((frequent[0]["occurrences"].as_i64(), frequent[0]["reason"].as_str()), (Some(2), Some("no_match")));
    let recent = open_items(&t, &tenant.supervisor, "?sort=recent&limit=1").await;
    assert_eq!(recent[0]["reason"], "clarify_ignored", "{recent:?}");
    assert_eq!(recent[0]["question"], "退货运费和到账时间");
    let guessed: Vec<&str> =
        recent[0]["guesses"].as_array().unwrap().iter().filter_map(|g| g["entry_id"].as_str()).collect();
    assert!(guessed.len() >= 2 && guessed.iter().all(|g| ids.iter().any(|id| id == g)), "{guessed:?}");
    let (status, second) = t.get(&tenant.admin, "/api/v1/bot/unanswered?sort=recent&limit=1").await;
    assert_eq!(status, StatusCode::OK);
    let cursor = second["next_cursor"].as_str().unwrap();
    let next = open_items(&t, &tenant.admin, &format!("?sort=recent&limit=1&cursor={cursor}")).await;
    assert_eq!(next[0]["reason"], "no_match", "the second page: {next:?}");

    // Agents cannot see the list; bad parameters name themselves.
    let (status, body) = t.get(&tenant.agent, "/api/v1/bot/unanswered").await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    let (status, body) = t.get(&tenant.admin, "/api/v1/bot/unanswered?sort=best&status=gone").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["sort"].is_string() && body["error"]["fields"]["status"].is_string(), "{body}");

    // "Add to FAQ" as a new entry: the customer's question, the admin's answer; the bot answers it now.
    let no_match = frequent[0]["id"].as_str().unwrap();
    let path = format!("/api/v1/bot/unanswered/{no_match}/faq");
    let (status, body) = t.post(&tenant.admin, &path, json!({ "mode": "new" })).await;
    assert_eq!((status, body["error"]["fields"]["answer"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));
    let (status, added) = t.post(&tenant.admin, &path, json!({ "answer": "我们只卖新车。", "locale": "zh-CN" })).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!((added["item"]["status"].as_str(), added["faq"]["version"].as_i64()), (Some("resolved"), Some(1)));
    assert_eq!(added["faq"]["question"], "你们卖二手车吗");
    assert_eq!(added["item"]["faq_id"], added["faq"]["id"]);
    let (status, again) = t.post(&tenant.admin, &path, json!({ "answer": "x" })).await;
    assert_eq!((status, code(&again)), (StatusCode::CONFLICT, "conflict"));
    let (_, _, now_answered) = ask(&t, &key, "你们卖二手车吗").await;
    assert_eq!(now_answered["message"]["text"], "我们只卖新车。", "{now_answered}");

    // "Add to FAQ" as a similar question of one of the bot's guesses: a new version of that entry.
    let clarified = recent[0]["id"].as_str().unwrap();
    let path = format!("/api/v1/bot/unanswered/{clarified}/faq");
    let (status, body) = t.post(&tenant.admin, &path, json!({ "mode": "similar", "entry_id": "nope" })).await;
    assert_eq!((status, body["error"]["fields"]["entry_id"].is_string()), (StatusCode::UNPROCESSABLE_ENTITY, true));
    let (status, added) = t.post(&tenant.supervisor, &path, json!({ "mode": "similar", "entry_id": guessed[0] })).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(added["faq"]["id"].as_str(), Some(guessed[0]));
    assert_eq!(added["faq"]["version"], 2);
    assert!(added["faq"]["similar"].as_array().unwrap().iter().any(|s| s == "退货运费和到账时间"), "{added}");
    let (_, audit) = t.get(&tenant.admin, "/api/v1/audit?action=kb.faq.update").await;
    assert!(audit["data"].as_array().is_some_and(|a| !a.is_empty()), "the change is audited: {audit}");

    // Nothing open is left; both are in "resolved". Dismissing: once, and only one's own account's.
    assert!(open_items(&t, &tenant.admin, "").await.is_empty());
    assert_eq!(open_items(&t, &tenant.admin, "?status=resolved").await.len(), 2);
    let (_, _, _) = ask(&t, &key, "你们修不修电动自行车").await;
    let open = open_items(&t, &tenant.admin, "").await;
    let id = open[0]["id"].as_str().unwrap();
    let other = t.tenant("other").await;
    let (status, _) = t.post(&other.admin, &format!("/api/v1/bot/unanswered/{id}/dismiss"), json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.get(&other.admin, &format!("/api/v1/bot/unanswered/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, dismissed) = t.post(&tenant.admin, &format!("/api/v1/bot/unanswered/{id}/dismiss"), json!({})).await;
    assert_eq!((status, dismissed["status"].as_str()), (StatusCode::OK, Some("dismissed")));
    let (status, _) = t.post(&tenant.admin, &format!("/api/v1/bot/unanswered/{id}/dismiss"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(open_items(&t, &tenant.admin, "?status=dismissed").await.len(), 1);

    // A very long question is listed too (kept to 1,000 characters; its indexed key to 200).
    let long = "zorblax quintessa ".repeat(500);
    let (_, _, reply) = ask(&t, &key, &long).await;
    assert_eq!(reply["message"]["bot"]["reason"], "out_of_scope", "{reply}");
    let open = open_items(&t, &tenant.admin, "").await;
    assert_eq!(open[0]["question"].as_str().map(|q| q.chars().count()), Some(1000), "kept up to 1,000 characters");
}

on_both_backends!(customers_rate_answers_and_agents_see_it, unanswered_questions_are_grouped_and_added_to_the_faq);
