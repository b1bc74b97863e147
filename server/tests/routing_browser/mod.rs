//! Routing in real headless Chromium: agent A, given a conversation by routing, transfers it to agent
//! B with a note; B sees it arrive in their list and the note shown as a transfer note; a transfer to
//! an agent without room is refused in the dialog. The supervisor's queue board counts a waiting
//! customer without a reload, and "Take over" empties the queue again.

use super::browser::{Driver, Session, WAIT};
use super::workspace_browser::{Api, create_account, create_user};
use super::{Server, shot};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const PASSWORD: &str = "routing password 1";
const NOTE: &str = "Wants a refund for order #42; already checked the warehouse.";

/// Faster than the board's fallback poll: a change seen this soon came through the socket.
const LIVE: Duration = Duration::from_secs(10);

struct People {
    api: Api,
    alex: String,
    bea: String,
    support: String,
    billing: String,
    channel: String,
}

async fn prepare(server: &Server) -> People {
    let token = create_account(server, PASSWORD);
    create_user(server, "alex@acme.test", "Alex Agent", "agent");
    create_user(server, "bea@acme.test", "Bea Agent", "agent");
    create_user(server, "sam@acme.test", "Sam Supervisor", "supervisor");
    let api = Api { http: reqwest::Client::new(), server: server.base.clone(), token };
    let users = api.get("/users?limit=200").await;
    let id = |email: &str| {
        users["data"]
            .as_array()
            .and_then(|all| all.iter().find(|u| u["email"] == email))
            .and_then(|u| u["id"].as_str())
            .expect("the user is listed")
            .to_string()
    };
    let (alex, bea, sam) = (id("alex@acme.test"), id("bea@acme.test"), id("sam@acme.test"));
    let support = api.post("/teams", json!({ "name": "Support", "member_ids": [alex, bea, sam] })).await;
    // Nobody answers Billing: its customers wait. Sam watches it.
    let billing = api.post("/teams", json!({ "name": "Billing", "member_ids": [sam] })).await;
    let channel = api.post("/channels", json!({ "name": "Shop app", "kind": "api" })).await;
    let text = |v: &Value| v["id"].as_str().expect("an id").to_string();
    People { support: text(&support), billing: text(&billing), channel: text(&channel), api, alex, bea }
}

async fn customer_writes(people: &People, team: &str, name: &str, text: &str) -> String {
    let body = json!({ "channel_id": people.channel, "team_id": team,
        "contact": { "name": name, "external_id": format!("crm-{name}") }, "message": text });
    let created = people.api.post("/conversations", body).await;
    created["conversation"]["id"].as_str().expect("a conversation id").to_string()
}

/// Waits until the conversation satisfies `done`.
async fn conversation_until(api: &Api, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let conversation = api.get(&format!("/conversations/{id}")).await;
        if done(&conversation) {
            return conversation;
        }
        assert!(Instant::now() < deadline, "the conversation never got there: {conversation}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn sign_in(browser: &Session, server: &Server, email: &str, next: &str) {
    let encoded = next.replace('/', "%2F");
    browser.goto(&server.url(&format!("/login?next={encoded}"))).await;
    browser.fill("[name='email']", email).await;
    browser.fill("[name='password']", PASSWORD).await;
    browser.click("#sign-in").await;
    browser.wait_for_path(next, WAIT).await;
    if browser.attribute("html", "lang").await.as_deref() != Some("en") {
        browser.click("#lang-switch").await;
        browser.wait_for("html[lang='en'] main", WAIT).await;
    }
}

/// Waits until the text of `css` is `expected`, within `timeout`.
async fn wait_for_text_of(browser: &Session, css: &str, expected: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        let now = browser.text(css).await;
        if now.trim() == expected {
            return;
        }
        assert!(Instant::now() < deadline, "{css} shows {now:?}, not {expected:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn transfer_with_a_note_and_the_live_board(server: &Server) {
    let people = prepare(server).await;
    let driver = Driver::start().await;

    // Alex is the only one online: routing gives them the customer's conversation.
    let alex = driver.session().await;
    sign_in(&alex, server, "alex@acme.test", "/inbox").await;
    alex.wait_for("#workspace[data-connection='open']", WAIT).await;
    let id = customer_writes(&people, &people.support, "王小明", "我要退款").await;
    conversation_until(&people.api, &id, |c| c["assignee_id"].as_str() == Some(people.alex.as_str())).await;
    let item = format!("#conv-{id}");
    alex.wait_for(&item, WAIT).await;

    // Bea comes online; Alex transfers the conversation to her with a note.
    let bea = driver.session().await;
    sign_in(&bea, server, "bea@acme.test", "/inbox").await;
    bea.wait_for("#workspace[data-connection='open']", WAIT).await;
    assert_eq!(bea.count(&item).await, 0, "not Bea's yet");
    alex.click(&format!("{item} a")).await;
    alex.wait_for("#ws-messages .ws-msg.customer", WAIT).await;
    alex.click("#ws-transfer-open").await;
    alex.wait_for("#ws-transfer[open]", WAIT).await;
    let bea_option = format!("#ws-transfer-agent option[value='{}']", people.bea);
    alex.wait_for(&bea_option, WAIT).await;
    assert!(alex.text(&bea_option).await.contains("Bea Agent"), "agents are listed with their state and load");
    alex.select("#ws-transfer-agent", &people.bea).await;
    alex.fill("#ws-transfer-note", NOTE).await;
    shot(&alex, "40-routing-transfer-dialog").await;
    alex.click("#ws-transfer-submit").await;
    alex.wait_for("#ws-transfer:not([open])", WAIT).await;

    // Bea sees it arrive in "Mine", opens it, and the note is shown as a transfer note.
    bea.wait_for(&item, WAIT).await;
    bea.click(&format!("{item} a")).await;
    bea.wait_for("#ws-messages .ws-msg.note.transfer", WAIT).await;
    assert_eq!(bea.text("#ws-messages .ws-msg.transfer .ws-note-label").await, "Transfer note");
    assert_eq!(bea.text("#ws-messages .ws-msg.transfer .ws-msg-text").await, NOTE);
    shot(&bea, "41-routing-transferred").await;
    let moved = people.api.get(&format!("/conversations/{id}")).await;
    assert_eq!(moved["assignee_id"].as_str(), Some(people.bea.as_str()), "{moved}");

    // Bea may hold one conversation: a second transfer to her is refused, and the dialog says why.
    let url = format!("/routing/agents/{}/capacity", people.bea);
    people.api.call(reqwest::Method::PUT, &url, Some(json!({ "capacity": 1 }))).await;
    let second = customer_writes(&people, &people.support, "Chen", "Where is my parcel?").await;
    conversation_until(&people.api, &second, |c| c["assignee_id"].as_str() == Some(people.alex.as_str())).await;
    alex.wait_for(&format!("#conv-{second}"), WAIT).await;
    alex.click(&format!("#conv-{second} a")).await;
    alex.wait_for("#ws-messages .ws-msg.customer", WAIT).await;
    alex.click("#ws-transfer-open").await;
    alex.wait_for("#ws-transfer[open]", WAIT).await;
    alex.wait_for(&bea_option, WAIT).await;
    alex.select("#ws-transfer-agent", &people.bea).await;
    alex.click("#ws-transfer-submit").await;
    alex.wait_for("#ws-transfer-error:not([hidden])", WAIT).await;
    assert_eq!(alex.text("#ws-transfer-error").await, "Bea Agent has no room for another conversation.");
    alex.click("#ws-transfer-cancel").await;

    // The supervisor's board: a Billing customer waits, counted without a reload; taking it over empties it.
    let sam = driver.session().await;
    sign_in(&sam, server, "sam@acme.test", "/routing/board").await;
    let billing_row = format!("#board-team-{} .rt-waiting", people.billing);
    wait_for_text_of(&sam, "#board-status", "Live", WAIT).await;
    wait_for_text_of(&sam, &billing_row, "0", WAIT).await;
    let waiting = customer_writes(&people, &people.billing, "Lee", "Invoice please").await;
    wait_for_text_of(&sam, &billing_row, "1", LIVE).await;
    shot(&sam, "42-routing-board").await;
    let presence = people.api.get("/presence").await;
    let sam_state = presence
        .as_array()
        .and_then(|all| all.iter().find(|p| p["name"] == "Sam Supervisor"))
        .map(|p| p["state"].clone());
    assert_eq!(sam_state, Some(json!("offline")), "watching the board does not make Sam available");
    sam.click(&format!("#board-team-{} .rt-team-open", people.billing)).await;
    sam.wait_for(&format!("#board-waiting-{waiting}"), WAIT).await;
    sam.click(&format!("#board-waiting-{waiting} button")).await;
    wait_for_text_of(&sam, &billing_row, "0", LIVE).await;
    conversation_until(&people.api, &waiting, |c| c["assignee_name"] == "Sam Supervisor").await;

    // Sam opens it and marks the customer VIP 2 with a tag in the contact panel: routing rules read both.
    sam.goto(&server.url(&format!("/inbox?view=mine&c={waiting}"))).await;
    sam.wait_for("#ws-contact-routing", WAIT).await;
    sam.select("#ws-contact-vip", "2").await;
    sam.fill("#ws-contact-tags", "big-buyer, 批发").await;
    sam.click("#ws-contact-routing button[type='submit']").await;
    wait_for_text_of(
        &sam,
        "#ws-contact-routing-status",
        "Saved. Routing rules use it from the next conversation.",
        WAIT,
    )
    .await;
    let contact_id = people.api.get(&format!("/conversations/{waiting}")).await["contact_id"].clone();
    let contact = people.api.get(&format!("/contacts/{}", contact_id.as_str().unwrap_or_default())).await;
    assert_eq!(
        (contact["vip_level"].clone(), contact["tags"].clone()),
        (json!(2), json!(["big-buyer", "批发"])),
        "{contact}"
    );

    // The admin writes a rule in the editor: a condition row added by the script, only its kind's fields shown.
    let admin = driver.session().await;
    sign_in(&admin, server, "admin@acme.test", "/settings/routing/rules/new").await;
    admin.fill("#f-name", "Chinese speakers").await;
    admin.select("#f-c0\\.kind", "contact_tag").await;
    assert!(
        admin.displayed("#f-c0\\.value").await && !admin.displayed("#f-c0\\.key").await,
        "a tag has a value, no key"
    );
    admin.fill("#f-c0\\.value", "vip").await;
    admin.click("#add-condition").await;
    admin.wait_for("#c-row-1", WAIT).await;
    admin.select("#f-c1\\.kind", "locale").await;
    admin.fill("#f-c1\\.value", "zh").await;
    admin.select("#f-team_id", &people.support).await;
    shot(&admin, "43-routing-rule-editor").await;
    admin.click("#rule-save").await;
    admin.wait_for_path("/settings/routing/rules", WAIT).await;
    assert!(admin.text("#rules-table").await.contains("Language: zh"), "both conditions were saved");

    for (who, browser) in [("Alex", &alex), ("Bea", &bea), ("Sam", &sam), ("Ann", &admin)] {
        let mut errors = browser.console_errors().await;
        // The refused transfer answered 409 on purpose.
        errors.retain(|e| !(e.contains("/transfer") && e.contains("409")));
        assert!(errors.is_empty(), "console errors in {who}'s browser: {errors:#?}");
    }
    for browser in [alex, bea, sam, admin] {
        browser.quit().await;
    }
}
