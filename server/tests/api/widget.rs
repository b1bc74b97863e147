//! The website widget channel (docs/widget.md) and its visitors over the realtime protocol: settings
//! and their validation, the public configuration and its origin check, the visitor hello (token,
//! verified identity, forged identity, foreign origin), the pre-chat form, idempotent first messages,
//! delivery both ways with typing and read receipts, private notes kept from the customer, uploads.

use crate::on_both_backends;
use crate::realtime::{Socket, next, send};
use crate::support::{Caller, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub(crate) const SHOP: &str = "https://shop.example.com";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

pub(crate) async fn open(t: &TestApp, origin: &str) -> Socket {
    let mut request = format!("{}/ws", t.base.replace("http://", "ws://")).into_client_request().expect("request");
    request.headers_mut().insert("origin", origin.parse().expect("origin"));
    tokio_tungstenite::connect_async(request).await.expect("connect").0
}

/// The next frame that is not one of `skip` types/topics.
pub(crate) async fn next_of(socket: &mut Socket, wanted: &str) -> Value {
    for _ in 0..20 {
        let frame = next(socket).await;
        if frame["type"] == wanted || frame["topic"] == wanted {
            return frame;
        }
    }
    panic!("no {wanted} frame");
}

/// The next message from the bot (a subscriber also gets its own messages back).
pub(crate) async fn next_bot_message(socket: &mut Socket) -> Value {
    for _ in 0..10 {
        let frame = next_of(socket, "message.created").await;
        if frame["message"]["author_kind"] == "bot" {
            return frame;
        }
    }
    panic!("no bot message");
}

pub(crate) async fn visitor(t: &TestApp, key: &str, token: Option<&str>, identity: Option<Value>) -> (Socket, Value) {
    let mut socket = open(t, SHOP).await;
    let mut auth = json!({ "kind": "visitor", "channel": key, "visitor_token": token });
    if let Some(identity) = identity {
        auth["identity"] = identity;
    }
    let page = json!({ "url": "https://shop.example.com/cart?x=1", "title": "购物车" });
    send(&mut socket, json!({ "type": "hello", "ref": "h", "auth": auth, "locale": "zh-CN", "page": page })).await;
    let first = next(&mut socket).await;
    (socket, first)
}

pub(crate) async fn agent(t: &TestApp, caller: &Caller) -> Socket {
    let mut socket = open(t, "http://127.0.0.1").await;
    send(&mut socket, json!({ "type": "hello", "ref": "h", "auth": { "kind": "token", "token": caller.token } })).await;
    assert_eq!(next(&mut socket).await["type"], "welcome");
    socket
}

/// A widget for shop.example.com with a pre-chat form; returns (channel id, public key, secret).
pub(crate) async fn widget(t: &TestApp, admin: &Caller) -> (String, String, String) {
    let (status, channel) =
        t.post(admin, "/api/v1/channels", json!({ "name": "官网客服", "kind": "web_widget" })).await;
    assert_eq!(status, StatusCode::CREATED, "{channel}");
    let id = channel["id"].as_str().unwrap().to_string();
    let settings = json!({
        "allowed_origins": [SHOP],
        "greeting": "您好，有什么可以帮您？",
        "prechat_fields": [
            { "key": "name", "kind": "name", "label": "称呼", "required": true },
            { "key": "phone", "kind": "phone", "label": "手机号", "required": false },
            { "key": "question_type", "kind": "select", "label": "问题类型", "required": true, "options": ["退货", "发票"] }
        ],
        "upload_max_bytes": 4096,
        "upload_types": ["image/png", "text/plain"]
    });
    let (status, updated) = t.patch(admin, &format!("/api/v1/channels/{id}"), json!({ "settings": settings })).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    let key = channel["public_key"].as_str().unwrap().to_string();
    let secret = channel["identity_secret"].as_str().unwrap().to_string();
    (id, key, secret)
}

async fn settings_are_validated_and_the_secret_is_for_admins(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let (id, key, secret) = widget(&t, &tenant.admin).await;
    assert!(key.starts_with("wc_") && secret.starts_with("whs_"));
    let bad = json!({ "settings": { "allowed_origins": ["shop.example.com"], "color": "red",
        "prechat_fields": [{ "key": "q", "kind": "select", "label": "Q", "options": [] }] } });
    let (status, body) = t.patch(&tenant.admin, &format!("/api/v1/channels/{id}"), bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["settings.allowed_origins[0]", "settings.color", "settings.prechat_fields[0].options"] {
        assert!(body["error"]["fields"][field].is_string(), "{field} in {body}");
    }
    let (_, seen_by_agent) = t.get(&tenant.agent, &format!("/api/v1/channels/{id}")).await;
    assert_eq!(seen_by_agent["public_key"], key.as_str());
    assert!(seen_by_agent.get("identity_secret").is_none(), "{seen_by_agent}");
    let (_, rotated) = t.post(&tenant.admin, &format!("/api/v1/channels/{id}/secret"), json!({})).await;
    assert_ne!(rotated["identity_secret"], secret.as_str());
    // The public configuration: allowed pages get CORS, others 403, unknown keys 404.
    let config = |origin: &'static str| t.client.get(t.url(&format!("/widget/{key}/config"))).header("origin", origin);
    let allowed = config(SHOP).send().await.unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(allowed.headers()["access-control-allow-origin"], SHOP);
    let public: Value = allowed.json().await.unwrap();
    assert_eq!(public["greeting"], "您好，有什么可以帮您？");
    assert_eq!(public["prechat_fields"].as_array().unwrap().len(), 3);
    assert!(public.get("identity_secret").is_none() && public.get("allowed_origins").is_none());
    let refused = config("https://evil.example.net").send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(refused.json::<Value>().await.unwrap()["error"]["code"], "origin_not_allowed");
    let unknown = t.client.get(t.url("/widget/wc_nope/config")).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    t.patch(&tenant.admin, &format!("/api/v1/channels/{id}"), json!({ "active": false })).await;
    assert_eq!(config(SHOP).send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

async fn a_visitor_chats_with_an_agent(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let (_, key, _) = widget(&t, &tenant.admin).await;
    // A page of another site cannot open the widget's connection.
    let mut foreign = open(&t, "https://evil.example.net").await;
    send(&mut foreign, json!({ "type": "hello", "auth": { "kind": "visitor", "channel": key } })).await;
    assert_eq!(next(&mut foreign).await["code"], "origin_not_allowed");
    assert_eq!(next(&mut foreign).await["code"], 4403);

    let mut inbox = agent(&t, &tenant.admin).await;
    send(&mut inbox, json!({ "type": "subscribe", "ref": "i", "inbox": { "view": "all" } })).await;
    assert_eq!(next(&mut inbox).await["inbox"], "all");

    let (mut customer, welcome) = visitor(&t, &key, None, None).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    let token = welcome["visitor_token"].as_str().unwrap().to_string();
    assert!(token.starts_with("vt_") && welcome["verified"] == false);
    assert_eq!(welcome["conversations"].as_array().unwrap().len(), 0);

    // The pre-chat form is required on the first conversation.
    send(&mut customer, json!({ "type": "send", "ref": "1", "client_id": "c-1", "text": "你好" })).await;
    let refused = next(&mut customer).await;
    assert_eq!(refused["code"], "validation_failed", "{refused}");
    assert!(refused["fields"]["prechat.name"].is_string() && refused["fields"]["prechat.question_type"].is_string());
    let prechat = json!({ "name": "王小明", "phone": "138 0013 8000", "question_type": "退货" });
    let first = json!({ "type": "send", "ref": "2", "client_id": "c-1", "text": "<script>alert(1)</script>你好",
        "prechat": prechat });
    send(&mut customer, first.clone()).await;
    let ack = next(&mut customer).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let conversation = ack["conversation_id"].as_str().unwrap().to_string();
    assert_eq!(ack["message"]["text"], "<script>alert(1)</script>你好", "stored as written; shown as text");
    // The resend of a first message finds the conversation it opened.
    send(&mut customer, first).await;
    let again = next_of(&mut customer, "ack").await;
    assert_eq!((&again["conversation_id"], &again["message"]["id"]), (&ack["conversation_id"], &ack["message"]["id"]));

    let created = next_of(&mut inbox, "conversation.created").await;
    assert_eq!(created["conversation"]["contact_name"], "王小明");
    assert_eq!(created["conversation"]["prechat"]["question_type"], "退货");
    assert_eq!(created["conversation"]["page_url"], "https://shop.example.com/cart?x=1");
    assert_eq!(created["conversation"]["locale"], "zh-CN");
    let arrived = next_of(&mut inbox, "message.created").await;
    assert_eq!(arrived["message"]["author_kind"], "customer");
    assert_eq!(arrived["message"]["author_name"], "王小明");
    let (_, contact) = t
        .get(&tenant.admin, &format!("/api/v1/contacts/{}", created["conversation"]["contact_id"].as_str().unwrap()))
        .await;
    assert_eq!((contact["phone"].as_str(), contact["verified"].as_bool()), (Some("13800138000"), Some(false)));
    assert_eq!(contact["attributes"]["question_type"], "退货");
    assert_eq!(contact["channels"][0]["kind"], "web_widget");

    // The agent follows the conversation: typing both ways, a note the customer never sees, a reply.
    send(
        &mut inbox,
        json!({ "type": "subscribe", "ref": "s", "conversations": [{ "id": conversation, "after_seq": 1 }] }),
    )
    .await;
    next_of(&mut inbox, "subscribed").await;
    send(&mut customer, json!({ "type": "typing", "conversation_id": conversation, "state": "start" })).await;
    let typing = next_of(&mut inbox, "typing").await;
    assert_eq!((typing["state"].as_str(), typing["by"]["kind"].as_str()), (Some("start"), Some("customer")));
    send(&mut inbox, json!({ "type": "typing", "conversation_id": conversation, "state": "start" })).await;
    let typing = next_of(&mut customer, "typing").await;
    assert_eq!(typing["by"]["kind"], "agent");
    let note = json!({ "type": "send", "ref": "n", "conversation_id": conversation, "client_id": "a-1",
        "text": "VIP, be nice", "private": true });
    send(&mut inbox, note).await;
    next_of(&mut inbox, "ack").await;
    let reply = json!({ "type": "send", "ref": "r", "conversation_id": conversation, "client_id": "a-2",
        "text": "您好，我来帮您处理退货" });
    send(&mut inbox, reply).await;
    let delivered = next_of(&mut customer, "message.created").await;
    assert_eq!(
        (delivered["seq"].as_i64(), delivered["message"]["text"].as_str()),
        (Some(3), Some("您好，我来帮您处理退货"))
    );
    assert_eq!(delivered["message"]["author_kind"], "agent");

    // Read receipts, both ways.
    send(&mut customer, json!({ "type": "read", "ref": "rd", "conversation_id": conversation, "seq": 3 })).await;
    let read = next_of(&mut inbox, "conversation.read").await;
    assert_eq!((read["by"].as_str(), read["seq"].as_i64()), (Some("customer"), Some(3)));
    send(&mut inbox, json!({ "type": "read", "ref": "ra", "conversation_id": conversation, "seq": 99 })).await;
    let read = next_of(&mut customer, "conversation.read").await;
    assert_eq!((read["by"].as_str(), read["seq"].as_i64()), (Some("agent"), Some(3)), "clamped to the last message");

    // Back later with the token: the same contact, the conversation listed, history without the note.
    customer.close(None).await.ok();
    let (mut back, welcome) = visitor(&t, &key, Some(&token), None).await;
    assert_eq!(welcome["visitor_token"], token.as_str());
    assert_eq!(welcome["conversations"][0]["id"], conversation.as_str());
    send(
        &mut back,
        json!({ "type": "subscribe", "ref": "s", "conversations": [{ "id": conversation, "after_seq": 0 }] }),
    )
    .await;
    next_of(&mut back, "subscribed").await;
    let history = [next(&mut back).await, next(&mut back).await];
    let seqs: Vec<i64> = history.iter().map(|f| f["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, vec![1, 3], "the internal note (2) is not delivered");
    // Another account's conversation is not found.
    let other = t.tenant("other").await;
    let foreign_id = crate::permissions::conversation_for(&t, &other, &other.admin, false).await;
    send(&mut back, json!({ "type": "subscribe", "ref": "x", "conversations": [{ "id": foreign_id }] })).await;
    assert_eq!(next(&mut back).await["code"], "not_found");
}

async fn verified_identities_follow_the_customer_and_forged_ones_are_refused(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let (_, key, secret) = widget(&t, &tenant.admin).await;
    let hash = switchboard_domain::widget::identity_hash(&secret, "u-991");
    let identity = json!({ "user_id": "u-991", "hash": hash, "name": "王小明", "email": "wang@example.com" });
    let (mut phone, welcome) = visitor(&t, &key, None, Some(identity.clone())).await;
    assert_eq!((welcome["type"].as_str(), welcome["verified"].as_bool()), (Some("welcome"), Some(true)), "{welcome}");
    // A verified customer needs no pre-chat form.
    send(&mut phone, json!({ "type": "send", "ref": "1", "client_id": "p-1", "text": "订单 123 到哪了" })).await;
    let ack = next_of(&mut phone, "ack").await;
    // On another device, the same identity sees the same conversation.
    let (_, laptop) = visitor(&t, &key, None, Some(identity)).await;
    assert_eq!(laptop["conversations"][0]["id"], ack["conversation_id"]);
    // A forged hash is refused; the visitor continues anonymous and sees nothing of u-991's.
    let forged = json!({ "user_id": "u-991", "hash": "00".repeat(32) });
    let (mut impostor, refused) = visitor(&t, &key, None, Some(forged)).await;
    assert_eq!(refused["code"], "identity_invalid", "{refused}");
    let welcome = next(&mut impostor).await;
    assert_eq!(
        (welcome["verified"].as_bool(), welcome["conversations"].as_array().map(Vec::len)),
        (Some(false), Some(0))
    );
}

async fn uploads_are_checked_and_served_signed(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let (_, key, _) = widget(&t, &tenant.admin).await;
    let (mut customer, welcome) = visitor(&t, &key, None, None).await;
    let token = welcome["visitor_token"].as_str().unwrap().to_string();
    let upload = |name: &str, kind: &str, body: Vec<u8>, auth: Option<String>| {
        let mut request = t
            .client
            .post(t.url(&format!("/widget/{key}/attachments?name={name}")))
            .header("content-type", kind)
            .body(body);
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        request.send()
    };
    let auth = Some(format!("Visitor {token}"));
    let ok = upload("截图.png", "image/png", PNG.to_vec(), auth.clone()).await.unwrap();
    assert_eq!(ok.status(), StatusCode::CREATED);
    let file: Value = ok.json().await.unwrap();
    let too_big = upload("big.txt", "text/plain", vec![b'a'; 5000], auth.clone()).await.unwrap();
    assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let disguised = upload("x.png", "image/png", b"MZ\x90\0this is an exe".to_vec(), auth.clone()).await.unwrap();
    assert_eq!(disguised.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(disguised.json::<Value>().await.unwrap()["error"]["fields"]["content_type"].is_string());
    let not_accepted = upload("a.pdf", "application/pdf", b"%PDF-1.7".to_vec(), auth.clone()).await.unwrap();
    assert_eq!(not_accepted.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let anonymous = upload("a.png", "image/png", PNG.to_vec(), None).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // The file in a message; its signed link serves it, a wrong signature does not.
    let prechat = json!({ "name": "Lisa", "question_type": "发票" });
    send(
        &mut customer,
        json!({ "type": "send", "ref": "1", "client_id": "f-1", "attachments": [file["id"]], "prechat": prechat }),
    )
    .await;
    let ack = next_of(&mut customer, "ack").await;
    assert_eq!(ack["message"]["attachments"][0]["id"], file["id"]);
    let url = ack["message"]["attachments"][0]["url"].as_str().unwrap().to_string();
    let served = t.client.get(t.url(&url)).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.headers()["x-content-type-options"], "nosniff");
    assert_eq!(served.bytes().await.unwrap().as_ref(), PNG);
    let forged = url.replacen("/files/", "/files/x", 1);
    assert_eq!(t.client.get(t.url(&forged)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let mut parts: Vec<&str> = url.split('/').collect();
    let wrong = "0".repeat(32);
    parts[3] = &wrong;
    assert_eq!(t.client.get(t.url(&parts.join("/"))).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    // A file can be sent once.
    let again = json!({ "type": "send", "ref": "2", "client_id": "f-2", "text": "again", "attachments": [file["id"]] });
    send(&mut customer, again).await;
    assert_eq!(next_of(&mut customer, "error").await["code"], "validation_failed");
    // An agent's upload goes through the REST API, with the conversation's channel limits.
    let conversation = ack["conversation_id"].as_str().unwrap();
    let agent_upload = t
        .client
        .post(t.url(&format!("/api/v1/attachments?conversation_id={conversation}&name=reply.txt")))
        .bearer_auth(&tenant.admin.token)
        .header("content-type", "text/plain")
        .body("发票已开具")
        .send()
        .await
        .unwrap();
    assert_eq!(agent_upload.status(), StatusCode::CREATED);
}

async fn the_bot_answers_first_and_hands_over(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let (id, key, _) = widget(&t, &tenant.admin).await;
    let faq = json!({ "question": "怎么申请退货？", "similar": ["如何退货", "退货流程是什么"],
        "answer": "请在订单页点击“申请退货”，7 天内可退。", "status": "published", "locale": "zh-CN" });
    let (status, body) = t.post(&tenant.admin, "/api/v1/kb/faq", faq).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let settings = json!({ "allowed_origins": [SHOP], "bot_enabled": true, "bot_name": "小助手" });
    t.patch(&tenant.admin, &format!("/api/v1/channels/{id}"), json!({ "settings": settings })).await;

    let (mut customer, _) = visitor(&t, &key, None, None).await;
    send(&mut customer, json!({ "type": "send", "ref": "1", "client_id": "b-1", "text": "请问怎么退货" })).await;
    let ack = next_of(&mut customer, "ack").await;
    let conversation = ack["conversation_id"].as_str().unwrap().to_string();
    let answer = next_bot_message(&mut customer).await;
    assert_eq!(answer["message"]["author_kind"], "bot", "{answer}");
    assert_eq!(answer["message"]["author_name"], "小助手");
    assert!(answer["message"]["text"].as_str().unwrap().contains("申请退货"), "{answer}");
    assert_eq!(answer["message"]["bot"]["kind"], "answer");
    let (_, waiting) = t.get(&tenant.admin, &format!("/api/v1/conversations/{conversation}")).await;
    assert_eq!((waiting["status"].as_str(), waiting["bot"].as_str()), (Some("pending"), Some("answering")));

    send(&mut customer, json!({ "type": "send", "ref": "2", "client_id": "b-2", "text": "转人工" })).await;
    next_of(&mut customer, "ack").await;
    let handoff = next_bot_message(&mut customer).await;
    assert_eq!(handoff["message"]["bot"]["kind"], "handoff", "{handoff}");
    assert_eq!(handoff["message"]["bot"]["reason"], "explicit_request");
    // The agent gets the conversation open, with the whole transcript.
    let (_, open) = t.get(&tenant.admin, &format!("/api/v1/conversations/{conversation}")).await;
    assert_eq!((open["status"].as_str(), open["bot"].as_str()), (Some("open"), Some("handed_over")));
    let (_, transcript) = t.get(&tenant.admin, &format!("/api/v1/conversations/{conversation}/messages")).await;
    let authors: Vec<&str> =
        transcript.as_array().unwrap().iter().map(|m| m["author_kind"].as_str().unwrap()).collect();
    assert_eq!(authors, vec!["customer", "bot", "customer", "bot"]);
    // After the handover the bot stays quiet.
    send(&mut customer, json!({ "type": "send", "ref": "3", "client_id": "b-3", "text": "怎么退货" })).await;
    next_of(&mut customer, "ack").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, after) = t.get(&tenant.admin, &format!("/api/v1/conversations/{conversation}/messages")).await;
    assert_eq!(after.as_array().unwrap().len(), 5, "no bot reply after the handover");
}

/// New visitors are limited per IP address (a script cannot fill the contacts); known ones are not.
async fn new_visitors_are_limited_per_address(t: TestApp) {
    let settings = switchboard_app::AppSettings { new_visitors_per_ip_per_minute: 2, ..Default::default() };
    let Some(t) = TestApp::start_with(t.backend, settings).await else { return };
    let tenant = t.tenant("acme").await;
    let (_, key, _) = widget(&t, &tenant.admin).await;
    let (_, first) = visitor(&t, &key, None, None).await;
    visitor(&t, &key, None, None).await;
    let (mut third, refused) = visitor(&t, &key, None, None).await;
    assert_eq!(refused["code"], "rate_limited", "{refused}");
    assert_eq!(next(&mut third).await["code"], 4429);
    let (_, back) = visitor(&t, &key, first["visitor_token"].as_str(), None).await;
    assert_eq!(back["type"], "welcome", "a returning visitor is not new: {back}");
}

on_both_backends!(
    settings_are_validated_and_the_secret_is_for_admins,
    a_visitor_chats_with_an_agent,
    verified_identities_follow_the_customer_and_forged_ones_are_refused,
    uploads_are_checked_and_served_signed,
    the_bot_answers_first_and_hands_over,
    new_visitors_are_limited_per_address,
);
