//! The website chat widget end to end in real headless Chromium (docs/widget.md): a shop's page on
//! another origin embeds `/widget.js`; a customer opens the chat, fills the pre-chat form and writes;
//! an agent (over the WebSocket protocol with an API token) sees it, types and replies; the customer
//! sees both, then reloads and finds the history intact. Also: HTML shows as text, uploads are
//! checked, other sites get no chat, a forged identity is refused, and a phone gets a full screen.

mod bot;
mod queue;
mod site;

use super::{Server, drop_schemas, shot};
use crate::browser::{Driver, Session, WAIT, base64_decode, temp_dir};
use serde_json::{Value, json};
use site::{AgentSocket, HostSite, admin_token};
use std::time::{Duration, Instant};

/// A 1×1 PNG.
const PIXEL_PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const UPLOAD_MAX: usize = 20_000;

/// The channel: created, then configured for the shop's origin. Returns its public key.
async fn widget_channel(server: &Server, token: &str, shop: &str) -> String {
    let http = reqwest::Client::new();
    let created: Value = http
        .post(server.url("/api/v1/channels"))
        .bearer_auth(token)
        .json(&json!({ "name": "Acme chat", "kind": "web_widget" }))
        .send()
        .await
        .expect("create the channel")
        .json()
        .await
        .expect("the channel as JSON");
    let id = created["id"].as_str().map(str::to_string).unwrap_or_else(|| created["id"].to_string());
    let settings = json!({
        "allowed_origins": [shop],
        "greeting": "Welcome to Acme! How can we help?",
        "offline_message": "We are away; leave a message.",
        "color": "#0a7d5a",
        "position": "right",
        "prechat_fields": [
            { "key": "name", "kind": "name", "label": "Your name", "required": true, "options": [] },
            { "key": "email", "kind": "email", "label": "Email", "required": true, "options": [] },
            { "key": "question_type", "kind": "select", "label": "Topic", "required": false, "options": ["Returns", "Other"] }
        ],
        "upload_max_bytes": UPLOAD_MAX,
        "upload_types": ["image/png", "image/jpeg", "application/pdf", "text/plain"]
    });
    let answer = http
        .patch(server.url(&format!("/api/v1/channels/{id}")))
        .bearer_auth(token)
        .json(&json!({ "settings": settings }))
        .send()
        .await
        .expect("configure the channel");
    let status = answer.status();
    let channel: Value = answer.json().await.unwrap_or_default();
    assert!(status.is_success(), "PATCH /api/v1/channels/{id}: {status} {channel}");
    let key = channel["public_key"].as_str().or(created["public_key"].as_str()).unwrap_or_default().to_string();
    assert!(key.starts_with("wc_"), "a public key: {channel}");
    key
}

/// Opens the chat from the launcher and enters its iframe.
async fn open_chat(customer: &Session) {
    let launcher = customer.shadow_find("switchboard-widget", "button").await;
    customer.click_element(&launcher).await;
    let frame = customer.shadow_find("switchboard-widget", "iframe").await;
    customer.enter_frame(&frame).await;
    customer.wait_for("#log", WAIT).await;
}

async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + WAIT;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

async fn the_widget_story(server: &mut Server) {
    let started = Instant::now();
    let driver = Driver::start().await;
    let token = admin_token(server, &driver).await;
    let shop = HostSite::bind().await;
    let other = HostSite::bind().await;
    let key = widget_channel(server, &token, &shop.base).await;
    shop.serve(&server.base, &key, &shop.base);
    other.serve(&server.base, &key, &shop.base);
    let mut agent = AgentSocket::connect(server, &token).await;

    // The customer opens the chat on the shop's page and meets the pre-chat form.
    let customer = driver.session().await;
    customer.goto(&shop.url("/")).await;
    open_chat(&customer).await;
    // The greeting, or the offline message when no agent is online (an API token is no presence).
    let greeting = customer.text("#greeting").await;
    assert!(
        ["Welcome to Acme! How can we help?", "We are away; leave a message."].contains(&greeting.as_str()),
        "{greeting}"
    );
    customer.wait_for("#prechat-submit", WAIT).await;
    shot(&customer, "w01-prechat").await;
    customer.click("#prechat-submit").await;
    assert_eq!(customer.text("#f-name-err").await, "This field is required.");
    customer.fill("#f-name", "Wang Xiaoming").await;
    customer.fill("#f-email", "not-an-email").await;
    customer.click("#prechat-submit").await;
    assert_eq!(customer.text("#f-email-err").await, "Please enter a valid email address.");
    assert_eq!(customer.text("#f-name-err").await, "");
    customer.fill("#f-email", "wang@example.com").await;
    customer.click("#prechat-submit").await;
    customer.wait_for("#composer:not([hidden])", WAIT).await;

    // HTML in a message is text on both sides.
    let hostile = "<img src=x onerror=alert(1)><b>Hi</b>, I want to return my order";
    customer.fill("#text", hostile).await;
    customer.click("#send").await;
    let created = agent.next_event("message.created", |e| e["message"]["author_kind"] == "customer").await;
    assert_eq!(created["message"]["text"], hostile);
    let conversation = created["conversation_id"].as_str().unwrap_or_default().to_string();
    let first_seq = created["message"]["seq"].as_i64().unwrap_or_default();
    let follow = json!([{ "id": conversation, "after_seq": first_seq }]);
    agent.send(json!({ "type": "subscribe", "ref": "c", "conversations": follow })).await;
    customer.wait_for(".m.me[data-seq]", WAIT).await;
    assert!(customer.text(".m.me .txt").await.contains("<b>Hi</b>"), "shown as typed");

    // The agent types (the customer sees it), then replies with markup.
    agent.send(json!({ "type": "typing", "conversation_id": conversation, "state": "start" })).await;
    customer.wait_for("#typing:not([hidden])", WAIT).await;
    assert!(customer.text("#typing").await.ends_with("is typing…"), "{}", customer.text("#typing").await);
    shot(&customer, "w02-agent-typing").await;
    let reply = "<script>alert('x')</script>Sure — what is the order number?";
    agent.reply(&conversation, reply).await;
    customer.wait_for_text("Sure — what is the order number?", WAIT).await;
    assert!(customer.page_text().await.contains(reply), "the reply's markup shows as text");
    assert_eq!(customer.count("#log script, #log b, #log img[src='x']").await, 0, "no markup became elements");
    wait_until("the typing indicator to go", || async { !customer.displayed("#typing").await }).await;

    // The customer (chat open) has read the reply; the agent's reply marks the first message read.
    agent.next_event("conversation.read", |e| e["by"] == "customer").await;
    let first = format!(".m.me[data-seq='{first_seq}']");
    customer.wait_for(&format!("{first}[data-state='read']"), WAIT).await;
    assert_eq!(customer.text(&format!("{first} .st")).await, "Read");

    // The customer's typing reaches the agent, then the message; the agent reads it.
    customer.type_keys("#text", "My order is 1234").await;
    agent.next_event("typing", |e| e["by"]["kind"] != "agent" && e["state"] == "start").await;
    customer.click("#send").await;
    let second = agent.next_event("message.created", |e| e["message"]["text"] == "My order is 1234").await;
    let second_seq = second["message"]["seq"].as_i64().unwrap_or_default();
    let second = format!(".m.me[data-seq='{second_seq}']");
    customer.wait_for(&format!("{second}[data-state='sent']"), WAIT).await;
    assert_eq!(customer.text(&format!("{second} .st")).await, "", "not read yet");
    agent.send(json!({ "type": "read", "conversation_id": conversation, "seq": second_seq })).await;
    customer.wait_for(&format!("{second}[data-state='read']"), WAIT).await;
    assert_eq!(customer.text(&format!("{second} .st")).await, "Read");
    shot(&customer, "w03-chat").await;

    // Uploads: a refused type, a file over the limit, then a picture that arrives.
    let dir = temp_dir("sb-e2e-files");
    let page = dir.join("page.html");
    std::fs::write(&page, "<html><script>alert(1)</script></html>").expect("a file");
    customer.choose_file("#file", &page).await;
    customer.wait_for("#error:not([hidden])", WAIT).await;
    assert_eq!(customer.text("#error").await, "This type of file cannot be sent: page.html");
    let big = dir.join("big.png");
    let mut png = base64_decode(PIXEL_PNG);
    png.resize(UPLOAD_MAX + 1000, 0);
    std::fs::write(&big, png).expect("a file");
    customer.choose_file("#file", &big).await;
    wait_until("the size refusal", || async { customer.text("#error").await.starts_with("The file is too large") })
        .await;
    let photo = dir.join("photo.png");
    std::fs::write(&photo, base64_decode(PIXEL_PNG)).expect("a file");
    customer.choose_file("#file", &photo).await;
    let sent = agent.next_event("message.created", |e| e["message"]["attachments"][0]["name"] == "photo.png").await;
    assert_eq!(sent["message"]["attachments"][0]["content_type"], "image/png");
    customer.wait_for(".m.me .bubble img[src^='/files/']", WAIT).await;
    let _ = std::fs::remove_dir_all(&dir);

    // Closed chat: an agent message shows a badge, flashes the title and beeps.
    customer.leave_frames().await;
    let launcher = customer.shadow_find("switchboard-widget", "button").await;
    customer.click_element(&launcher).await;
    agent.reply(&conversation, "Are you still there?").await;
    let badge = customer.shadow_find("switchboard-widget", ".b").await;
    wait_until("the unread badge", || async { customer.element_text(&badge).await == "1" }).await;
    wait_until("the title to flash", || async {
        customer
            .execute("return document.title", vec![])
            .await
            .as_str()
            .is_some_and(|t| t.starts_with("(1) New message"))
    })
    .await;
    assert!(customer.execute("return window.__beeps", vec![]).await.as_u64().unwrap_or(0) >= 1, "a beep");
    shot(&customer, "w04-badge").await;

    // After reloading the shop's page the whole history is there, once.
    customer.refresh().await;
    open_chat(&customer).await;
    customer.wait_for_text("Are you still there?", WAIT).await;
    for text in ["<b>Hi</b>, I want to return my order", "Sure — what is the order number?", "My order is 1234"] {
        assert!(customer.page_text().await.contains(text), "{text} after the reload");
    }
    assert!(!customer.displayed("#prechat").await, "no second pre-chat form");
    assert_eq!(customer.count("#log .m").await, 5, "each message once");
    customer.wait_for("#composer:not([hidden])", WAIT).await;

    // The server goes away: the customer's message waits, and is sent once when it is back.
    server.kill();
    customer.wait_for_text("Connection lost, reconnecting…", WAIT).await;
    customer.fill("#text", "Sent while you were away").await;
    customer.click("#send").await;
    customer.wait_for(".m.me[data-state='sending']", WAIT).await;
    shot(&customer, "w05-offline").await;
    server.start_again().await;
    wait_until("the waiting message to be sent", || async { customer.count(".m.me[data-state='sending']").await == 0 })
        .await;
    assert_eq!(customer.count("#log .m").await, 6, "each message once after reconnecting");
    let http = reqwest::Client::new();
    let stored: Value = http
        .get(server.url(&format!("/api/v1/conversations/{conversation}/messages?limit=100")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("the messages")
        .json()
        .await
        .unwrap_or_default();
    let items = stored.as_array().or(stored["data"].as_array()).cloned().unwrap_or_default();
    let resent = items.iter().filter(|m| m["text"] == "Sent while you were away").count();
    assert_eq!(resent, 1, "stored once: {stored}");

    // The agent workspace shows the widget's conversation as text; what is typed there arrives.
    let inbox = driver.session().await;
    inbox.goto(&server.url("/login?next=%2Finbox")).await;
    inbox.fill("[name='email']", "ada@example.com").await;
    inbox.fill("[name='password']", "correct horse battery").await;
    inbox.click("#sign-in").await;
    inbox.wait_for_path("/inbox", WAIT).await;
    inbox.goto(&server.url("/inbox?view=all")).await;
    let item = format!("#conv-{conversation}");
    inbox.wait_for(&item, WAIT).await;
    inbox.click_fresh(&format!("{item} a")).await;
    inbox.wait_for("#ws-messages .ws-msg.customer", WAIT).await;
    assert_eq!(inbox.text("#ws-messages .ws-msg.customer .ws-msg-text").await, hostile);
    inbox.type_keys("#ws-reply", "Answered from the inbox.").await;
    customer.wait_for("#typing:not([hidden])", WAIT).await;
    inbox.type_keys("#ws-reply", "\u{E007}").await;
    customer.wait_for_text("Answered from the inbox.", WAIT).await;
    shot(&inbox, "w07-inbox").await;
    inbox.quit().await;
    // Expected: the refused uploads, and the reconnection attempts while the server was away.
    let expected = |e: &String| e.contains("/attachments") || e.contains("ERR_CONNECTION_REFUSED");
    let errors: Vec<String> = customer.console_errors().await.into_iter().filter(|e| !expected(e)).collect();
    assert!(errors.is_empty(), "console errors in the customer's browser: {errors:#?}");

    // On a phone the chat takes the whole screen.
    customer.leave_frames().await;
    customer.set_window_size(390, 844).await;
    let fills = customer
        .execute(
            "var f = document.querySelector('switchboard-widget').shadowRoot.querySelector('iframe');\
             var r = f.getBoundingClientRect(); return r.width === window.innerWidth && r.height === window.innerHeight;",
            vec![],
        )
        .await;
    assert_eq!(fills, json!(true), "full screen on a phone");
    shot(&customer, "w08-phone").await;
    customer.quit().await;

    // Another site gets no chat: no launcher, one warning; the frame is refused there too.
    let stranger = driver.session().await;
    stranger.goto(&other.url("/")).await;
    stranger.wait_for("h1", WAIT).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!stranger.exists("switchboard-widget").await, "no widget on a site that is not allowed");
    let warnings = stranger.console_messages().await;
    assert!(
        warnings.iter().any(|(level, text)| level == "WARNING" && text.contains("allowed origin")),
        "one warning: {warnings:#?}"
    );
    stranger.goto(&other.url("/framed")).await;
    let frame = stranger.find("#direct").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    stranger.enter_frame(&frame).await;
    assert!(!stranger.exists("#log").await, "the chat page refuses to be framed by another site");
    stranger.leave_frames().await;
    let refused = reqwest::get(server.url(&format!("/widget/{key}?origin=http://evil.example&lang=en"))).await;
    assert_eq!(refused.map(|r| r.status().as_u16()).ok(), Some(403));
    let page = reqwest::get(server.url(&format!("/widget/{key}?origin={}&lang=en", shop.base))).await.expect("page");
    let policy = page.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(policy.contains(&format!("frame-ancestors 'self' {}", shop.base)), "{policy}");
    assert!(page.headers().get("x-frame-options").is_none());
    let chinese = reqwest::get(server.url(&format!("/widget/{key}?origin={}&lang=zh-CN", shop.base))).await;
    let chinese = chinese.expect("the page in Chinese").text().await.unwrap_or_default();
    assert!(chinese.contains("<html lang=\"zh-CN\">") && chinese.contains("开始咨询"), "zh-CN from lang");
    stranger.quit().await;

    // A forged identity is refused; the visitor may still chat as a guest.
    let forger = driver.session().await;
    forger.goto(&shop.url("/forged")).await;
    open_chat(&forger).await;
    forger.wait_for("#notice:not([hidden])", WAIT).await;
    assert_eq!(forger.text("#notice").await, "Your account could not be verified; you are chatting as a guest.");
    shot(&forger, "w06-forged").await;
    forger.quit().await;

    eprintln!("widget scenario took {:.1} s", started.elapsed().as_secs_f64());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_chat_on_sqlite() {
    let mut server = Server::start(None, None).await;
    the_widget_story(&mut server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_chat_on_postgres() {
    let Some((mut server, url, schema)) = crate::postgres_server().await else { return };
    the_widget_story(&mut server).await;
    drop(server);
    drop_schemas(&url, Some(&schema)).await;
}
