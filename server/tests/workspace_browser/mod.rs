//! The agent workspace in real headless Chromium: a customer writes through the REST API (an API
//! token on an `api` channel), the signed-in agent sees the conversation arrive without a reload,
//! opens it, replies with Enter, writes a private note — both stored — and HTML in the customer's
//! message stays text. Help while answering: a quick reply picked with `/` (variables filled in),
//! one saved from the reply box, and a FAQ answer from the suggestions put in the reply box.

use super::browser::{Driver, Session, WAIT};
use super::{Server, shot};
use serde_json::{Value, json};
use std::time::Duration;

const AGENT_EMAIL: &str = "agent@acme.test";
const PASSWORD: &str = "agent password 1";
/// A 2×2 PNG, for the upload.
const PNG: [u8; 74] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a, 0x73, 0x00, 0x00, 0x00, 0x11, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x44, 0x0c, 0x60, 0xf2, 0x3f, 0x00, 0x1b, 0xf2, 0x03,
    0xfd, 0xf3, 0xe7, 0x4b, 0xb1, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];
const HOSTILE: &str = "<img src=x onerror=alert(1)><script>alert(2)</script> 我的订单 #42 还没到";
/// The published FAQ entry that fits the customer's message.
const FAQ_ANSWER: &str = "订单一般 3 天内送达，超过 5 天请联系我们查询物流。";

/// The customer's side and the admin's set-up, over the REST API with a token.
pub struct Api {
    pub http: reqwest::Client,
    pub server: String,
    pub token: String,
}

impl Api {
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request =
            self.http.request(method.clone(), format!("{}/api/v1{path}", self.server)).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = answer.status();
        let value: Value = answer.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{method} {path}: {status} {value}");
        value
    }

    /// The status of a `GET`, for features a server may not have yet.
    async fn status(&self, path: &str) -> u16 {
        let url = format!("{}/api/v1{path}", self.server);
        self.http.get(url).bearer_auth(&self.token).send().await.map(|a| a.status().as_u16()).unwrap_or(0)
    }

    pub async fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// The messages of a conversation, waiting until `ready` holds for them.
    pub async fn messages_until(&self, id: &str, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let all = self.get(&format!("/conversations/{id}/messages")).await;
            let all = all.as_array().cloned().unwrap_or_default();
            if ready(&all) {
                return all;
            }
            assert!(std::time::Instant::now() < deadline, "the messages never got there: {all:#?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The account `acme` with its admin `admin@acme.test`, on the server's database; every password of
/// the test is `password` (in the file `pw`). Returns the admin's API token.
pub fn create_account(server: &Server, password: &str) -> String {
    std::fs::write(server.dir.join("pw"), password).expect("a password file");
    server.cli(&[
        "account",
        "create",
        "--name",
        "Acme",
        "--slug",
        "acme",
        "--admin-email",
        "admin@acme.test",
        "--admin-name",
        "Ann Admin",
        "--password-file",
        "pw",
    ]);
    server.cli(&["token", "create", "--account", "acme", "--email", "admin@acme.test", "--name", "e2e"])
}

/// A user of `acme` with a built-in role and the account's test password.
pub fn create_user(server: &Server, email: &str, name: &str, role: &str) {
    let args = ["user", "create", "--account", "acme", "--email", email, "--name", name, "--role", role];
    server.cli(&[&args[..], &["--password-file", "pw"]].concat());
}

/// An account with an admin (whose token plays the customer's platform), an agent in a team, and
/// an `api` channel.
async fn prepare(server: &Server) -> (Api, String, String) {
    let token = create_account(server, PASSWORD);
    create_user(server, AGENT_EMAIL, "Alex Agent", "agent");
    let api = Api { http: reqwest::Client::new(), server: server.base.clone(), token };
    let users = api.get("/users?limit=200").await;
    let agent_id = users["data"]
        .as_array()
        .and_then(|all| all.iter().find(|u| u["email"] == AGENT_EMAIL))
        .map(|u| u["id"].as_str().unwrap_or_default().to_string())
        .expect("the agent is listed");
    let team = api.post("/teams", json!({ "name": "Support", "member_ids": [agent_id] })).await;
    // The agent takes conversations by hand here: routing gives them none (capacity 0), so new ones wait
    // in the team's queue, unassigned.
    let capacity = format!("/routing/agents/{agent_id}/capacity");
    api.call(reqwest::Method::PUT, &capacity, Some(json!({ "capacity": 0 }))).await;
    let channel = api.post("/channels", json!({ "name": "Shop app", "kind": "api" })).await;
    let team_id = team["id"].as_str().expect("a team id").to_string();
    let channel_id = channel["id"].as_str().expect("a channel id").to_string();
    (api, team_id, channel_id)
}

async fn customer_writes(api: &Api, channel_id: &str, team_id: &str, name: &str, text: &str) -> String {
    let created = api
        .post(
            "/conversations",
            json!({
                "channel_id": channel_id,
                "team_id": team_id,
                "contact": { "name": name, "external_id": format!("crm-{name}") },
                "message": text
            }),
        )
        .await;
    created["conversation"]["id"].as_str().expect("a conversation id").to_string()
}

async fn sign_in(browser: &Session, server: &Server) {
    browser.goto(&server.url("/login?next=%2Finbox")).await;
    browser.fill("[name='email']", AGENT_EMAIL).await;
    browser.fill("[name='password']", PASSWORD).await;
    browser.click("#sign-in").await;
    browser.wait_for_path("/inbox", WAIT).await;
    if browser.attribute("html", "lang").await.as_deref() != Some("en") {
        browser.click("#lang-switch").await;
        browser.wait_for("html[lang='en'] #workspace", WAIT).await;
    }
}

/// The reply box's current text (its `value` property).
async fn reply_box(agent: &Session) -> String {
    let value = agent.execute("return document.getElementById('ws-reply').value", vec![]).await;
    value.as_str().unwrap_or_default().to_string()
}

/// In the open conversation (reply box empty): `/` and part of a shortcut, Enter puts the filled-in
/// text in the box; a quick reply saved from the box (a wrong shortcut refused by field first); a
/// click on the suggested FAQ answer puts it in the box, unsent.
async fn quick_replies_and_suggestions(agent: &Session) {
    agent.type_keys("#ws-reply", "/than").await;
    agent.wait_for("#ws-quick-menu:not([hidden]) .ws-quick-item[data-shortcut='thanks-wait'].active", WAIT).await;
    shot(agent, "34-workspace-quick-menu").await;
    agent.type_keys("#ws-reply", "\u{E007}").await;
    agent.wait_for("#ws-quick-menu[hidden]", WAIT).await;
    let filled = reply_box(agent).await;
    assert_eq!(filled, "Thank you for waiting, 王小明 <b>VIP</b>!", "the variables are filled in");
    assert_eq!(agent.count("#ws-messages .ws-msg.agent:not(.pending)").await, 2, "nothing was sent");

    // Saved from the reply box: a wrong shortcut is refused beside its field, then it is saved.
    agent.fill("#ws-reply", "Our hours are 9 to 5.").await;
    agent.click("#ws-quick-save").await;
    agent.wait_for("#ws-quick-dialog[open]", WAIT).await;
    let body = agent.execute("return document.getElementById('ws-quick-body').value", vec![]).await;
    assert_eq!(body, json!("Our hours are 9 to 5."));
    agent.fill("#ws-quick-shortcut", "no spaces please").await;
    agent.fill("#ws-quick-name", "Opening hours").await;
    agent.click("#ws-quick-submit").await;
    agent.wait_for("#ws-quick-shortcut-error:not([hidden])", WAIT).await;
    assert!(agent.text("#ws-quick-shortcut-error").await.contains("letters"), "the field's message");
    agent.fill("#ws-quick-shortcut", "hours").await;
    agent.click("#ws-quick-submit").await;
    agent.wait_for("#ws-quick-dialog:not([open])", WAIT).await;
    assert_eq!(agent.text("#ws-quick-saved").await, "Saved. Type /hours to use it.");
    agent.fill("#ws-reply", "").await;
    agent.type_keys("#ws-reply", "See /hou").await;
    agent.wait_for("#ws-quick-menu:not([hidden]) .ws-quick-item[data-shortcut='hours']", WAIT).await;
    assert_eq!(agent.count(".ws-quick-item").await, 1, "filtered by what follows the slash");
    agent.type_keys("#ws-reply", "\u{E00C}").await;
    agent.wait_for("#ws-quick-menu[hidden]", WAIT).await;
    assert_eq!(reply_box(agent).await, "See /hou", "Esc only closes");
    agent.fill("#ws-reply", "").await;

    // The suggestions for the customer's message: one click puts the answer in the reply box.
    agent.wait_for("#ws-suggest-faq .ws-suggest-faq", WAIT).await;
    shot(agent, "35-workspace-suggestions").await;
    agent.click("#ws-suggest-faq .ws-suggest-faq").await;
    let reply = reply_box(agent).await;
    assert_eq!(reply, FAQ_ANSWER, "the FAQ answer is in the reply box");
    assert_eq!(agent.count("#ws-messages .ws-msg.agent:not(.pending)").await, 2, "and not sent");
    agent.fill("#ws-reply", "").await;
}

pub async fn agent_answers_a_new_conversation_live(server: &Server) {
    let (api, team_id, channel_id) = prepare(server).await;
    // Help for agents: a quick reply for everyone, and a published FAQ entry.
    let thanks = json!({ "scope": "account", "shortcut": "thanks-wait", "title": "Thank for waiting",
        "body": "Thank you for waiting, {{contact.name}}!" });
    api.post("/quick-replies", thanks).await;
    let faq = json!({ "question": "订单还没到怎么办？", "similar": ["我的订单还没到", "订单多久能到"],
        "answer": FAQ_ANSWER, "status": "published", "locale": "zh-CN" });
    api.post("/kb/faq", faq).await;
    let driver = Driver::start().await;
    let agent = driver.session().await;
    sign_in(&agent, server).await;

    // The unassigned view of the agent's team, connected and empty.
    agent.click("#ws-view-unassigned").await;
    agent.wait_for("#workspace[data-connection='open']", WAIT).await;
    agent.wait_for_count(".ws-item", 0, WAIT).await;
    shot(&agent, "30-workspace-empty").await;

    // A customer writes; the conversation appears without a reload, HTML shown as text.
    let id = customer_writes(&api, &channel_id, &team_id, "王小明 <b>VIP</b>", HOSTILE).await;
    let item = format!("#conv-{id}");
    agent.wait_for(&item, WAIT).await;
    agent.wait_for(&format!("{item} .ws-waiting-badge"), WAIT).await;
    agent.wait_for_text("alert(2)", WAIT).await;
    assert!(agent.text(&format!("{item} .ws-item-preview")).await.contains("<script>alert(2)</script>"));
    shot(&agent, "31-workspace-arrived").await;

    // Open it: the message is text, nothing of it became an element.
    agent.click(&format!("{item} a")).await;
    agent.wait_for("#ws-messages .ws-msg.customer", WAIT).await;
    let shown = agent.text("#ws-messages .ws-msg.customer .ws-msg-text").await;
    assert_eq!(shown, HOSTILE, "the customer's text is shown exactly as written");
    assert_eq!(agent.count("#ws-messages img, #ws-messages script, #ws-messages b").await, 0);
    assert!(agent.path().await.contains(&format!("c={id}")), "the address names the open conversation");
    let conversation = api.get(&format!("/conversations/{id}")).await;
    if conversation.get("contact_name").is_some() {
        assert_eq!(agent.text(&format!("{item} .ws-item-name")).await, "王小明 <b>VIP</b>", "names are text too");
    }
    let contact_path = format!("/contacts/{}", conversation["contact_id"].as_str().unwrap_or_default());
    let has_contacts = api.status(&contact_path).await == 200;
    if has_contacts {
        agent.wait_for_text("Shop app", WAIT).await;
        assert_eq!(agent.text("#ws-contact-name").await, "王小明 <b>VIP</b>");
    }

    // Take it, reply with Enter (Shift+Enter is a new line), then a private note.
    agent.click("#ws-assign-me").await;
    agent.wait_for_text("Assigned to you", WAIT).await;
    agent.type_keys("#ws-reply", "Hello! Let me check.\u{E008}\u{E007}\u{E000}One moment please.\u{E007}").await;
    agent.wait_for_count("#ws-messages .ws-msg.agent:not(.pending):not(.note)", 1, WAIT).await;
    assert_eq!(reply_box(&agent).await, "", "the reply box is emptied");
    agent.click("#ws-note").await;
    agent.type_keys("#ws-reply", "Customer is a VIP; check the warehouse.\u{E007}").await;
    agent.wait_for("#ws-messages .ws-msg.note:not(.pending) .ws-note-label", WAIT).await;
    assert_eq!(agent.text("#ws-messages .ws-msg.note:not(.pending) .ws-note-label").await, "Internal note");
    shot(&agent, "32-workspace-replied").await;
    let stored = api.messages_until(&id, |all| all.len() >= 3).await;
    assert_eq!(stored[1]["author_kind"], "agent");
    assert_eq!(stored[1]["text"], "Hello! Let me check.\nOne moment please.");
    assert_eq!(stored[1]["private"], false);
    assert_eq!(stored[2]["text"], "Customer is a VIP; check the warehouse.");
    assert_eq!(stored[2]["private"], true, "the note is stored as private");
    let conversation = api.get(&format!("/conversations/{id}")).await;
    assert!(conversation["assignee_id"].is_string(), "assigned: {conversation}");
    quick_replies_and_suggestions(&agent).await;

    // When the server takes uploads: a picked image goes with the next reply and is shown inline.
    let upload = api
        .http
        .post(format!("{}/api/v1/attachments?conversation_id={id}&name=probe.png", api.server))
        .bearer_auth(&api.token)
        .header("content-type", "image/png")
        .body(PNG.to_vec())
        .send()
        .await
        .map(|a| a.status().as_u16())
        .unwrap_or(0);
    if upload == 201 {
        let file = server.dir.join("label.png");
        std::fs::write(&file, PNG).expect("a picture to upload");
        agent.click("#ws-note").await;
        agent.type_keys("#ws-file", &file.display().to_string()).await;
        agent.wait_for(".ws-staged-item:not(.uploading):not(.failed)", WAIT).await;
        agent.type_keys("#ws-reply", "Here is the label.\u{E007}").await;
        agent.wait_for("#ws-messages .ws-msg.agent:not(.pending) img.ws-image", WAIT).await;
        let stored = api.messages_until(&id, |all| all.len() >= 4).await;
        assert_eq!(stored[3]["attachments"].as_array().map(Vec::len), Some(1), "{:#?}", stored[3]);
    }

    // The conversation left "unassigned"; it is in "mine", where a second customer's arrives too.
    agent.click("#ws-view-mine").await;
    agent.wait_for(&item, WAIT).await;
    let second = customer_writes(&api, &channel_id, &team_id, "Chen", "Is anyone there?").await;
    agent.click("#ws-view-unassigned").await;
    agent.wait_for(&format!("#conv-{second}"), WAIT).await;
    assert!(agent.text(&format!("#conv-{second} .ws-item-preview")).await.contains("Is anyone there?"));

    // Shortcuts: `?` lists them.
    agent.press("?").await;
    assert!(agent.displayed("#ws-help").await, "the shortcut list opens");
    agent.click("#ws-help-close").await;

    // A phone-sized screen: list, then the conversation, then back.
    agent.set_window_size(390, 844).await;
    agent.goto(&server.url("/inbox?view=unassigned")).await;
    agent.wait_for(&format!("#conv-{second}"), WAIT).await;
    assert!(!agent.displayed("#ws-composer").await, "the list alone on a phone");
    agent.click(&format!("#conv-{second} a")).await;
    agent.wait_for("#ws-messages .ws-msg.customer", WAIT).await;
    assert!(agent.displayed("#ws-reply").await && !agent.displayed("#ws-conversations").await);
    shot(&agent, "33-workspace-phone").await;
    agent.click("#ws-back").await;
    assert!(agent.displayed("#ws-conversations").await, "back to the list");

    // A server without the contacts endpoint answers 404 there; anything else is a failure.
    let mut errors = agent.console_errors().await;
    errors.retain(|e| has_contacts || !e.contains("/api/v1/contacts/"));
    // The quick reply with a wrong shortcut was refused on purpose.
    errors.retain(|e| !(e.contains("/api/v1/quick-replies") && e.contains("422")));
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    agent.quit().await;
}
