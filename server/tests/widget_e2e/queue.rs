//! Routing in real headless Chromium (docs/routing.md): while no agent is present, widget customers
//! wait in line and see their place; a VIP customer who came last is served first when the agent opens
//! the workspace; when the agent is done with them, the next customer is served and the last one sees
//! their place fall.

use super::site::{HostSite, admin_token};
use super::{Server, drop_schemas, open_chat, shot, wait_until};
use crate::browser::{Driver, Session, WAIT};
use serde_json::{Value, json};

async fn call(request: reqwest::RequestBuilder, what: &str) -> Value {
    let answer = request.send().await.unwrap_or_else(|e| panic!("{what}: {e}"));
    let status = answer.status();
    let body: Value = answer.json().await.unwrap_or_default();
    assert!(status.is_success(), "{what}: {status} {body}");
    body
}

/// Teams, the rule sending `?vip=1` pages to the VIP team as urgent, Ada's capacity of one, and a
/// widget channel for the shop; returns the channel's key.
async fn routing_setup(server: &Server, token: &str, shop: &str) -> String {
    let http = reqwest::Client::new();
    let api = |path: &str| server.url(&format!("/api/v1{path}"));
    let me = call(http.get(api("/me")).bearer_auth(token), "GET /me").await;
    let ada = me["user"]["id"].as_str().unwrap_or_default().to_string();
    let mut teams = Vec::new();
    for name in ["Service", "VIP"] {
        let team = json!({ "name": name, "member_ids": [ada] });
        teams.push(call(http.post(api("/teams")).bearer_auth(token).json(&team), "POST /teams").await["id"].clone());
    }
    let settings = json!({ "default_team_id": teams[0] });
    call(http.put(api("/routing/settings")).bearer_auth(token).json(&settings), "PUT /routing/settings").await;
    let rule = json!({ "name": "VIP pages", "conditions": [{ "kind": "page_url", "op": "contains", "value": "vip=1" }],
        "actions": { "team_id": teams[1], "priority": "urgent", "add_tags": ["vip"] } });
    call(http.post(api("/routing/rules")).bearer_auth(token).json(&rule), "POST /routing/rules").await;
    let capacity = json!({ "capacity": 1 });
    let path = format!("/routing/agents/{ada}/capacity");
    let answer = http.put(api(&path)).bearer_auth(token).json(&capacity).send().await.expect("set the capacity");
    assert_eq!(answer.status(), 204, "PUT {path}");
    let channel = json!({ "name": "Acme chat", "kind": "web_widget" });
    let created = call(http.post(api("/channels")).bearer_auth(token).json(&channel), "POST /channels").await;
    let id = created["id"].as_str().unwrap_or_default().to_string();
    let settings = json!({ "settings": { "allowed_origins": [shop], "prechat_fields": [] } });
    call(http.patch(api(&format!("/channels/{id}"))).bearer_auth(token).json(&settings), "PATCH /channels").await;
    created["public_key"].as_str().unwrap_or_default().to_string()
}

/// A customer on `path` of the shop opens the chat and writes.
async fn customer_writes(driver: &Driver, shop: &HostSite, path: &str, text: &str) -> Session {
    let customer = driver.session().await;
    customer.goto(&shop.url(path)).await;
    open_chat(&customer).await;
    customer.wait_for("#composer:not([hidden])", WAIT).await;
    customer.fill("#text", text).await;
    customer.click("#send").await;
    customer
}

/// Waits until the customer's line shows `position` (the digits of the text).
async fn wait_for_place(customer: &Session, position: &str) {
    wait_until(&format!("place {position} in line"), || async {
        let text = customer.text("#queue").await;
        text.chars().filter(char::is_ascii_digit).collect::<String>().starts_with(position)
    })
    .await;
}

async fn the_queue_story(server: &Server) {
    let driver = Driver::start().await;
    let token = admin_token(server, &driver).await;
    let shop = HostSite::bind().await;
    let key = routing_setup(server, &token, &shop.base).await;
    shop.serve(&server.base, &key, &shop.base);

    // Nobody is present: two customers wait in line and see their place.
    let first = customer_writes(&driver, &shop, "/?n=1", "我想查一下订单").await;
    first.wait_for("#queue:not([hidden])", WAIT).await;
    wait_for_place(&first, "1").await;
    let second = customer_writes(&driver, &shop, "/?n=2", "请问能开发票吗").await;
    wait_for_place(&second, "2").await;
    shot(&second, "q01-second-in-line").await;
    // A VIP customer comes last, to the VIP team's line.
    let vip = customer_writes(&driver, &shop, "/?vip=1", "我是会员，要改地址").await;
    wait_for_place(&vip, "1").await;

    // Ada opens the workspace: the VIP customer is served first; the others keep waiting.
    let inbox = driver.session().await;
    inbox.goto(&server.url("/login?next=%2Finbox")).await;
    inbox.fill("[name='email']", "ada@example.com").await;
    inbox.fill("[name='password']", "correct horse battery").await;
    inbox.click("#sign-in").await;
    inbox.wait_for_path("/inbox", WAIT).await;
    vip.wait_for(".m.sys", WAIT).await;
    assert!(vip.text(".m.sys").await.contains("Ada Admin"), "the VIP customer is told who joined");
    vip.wait_for("#queue[hidden]", WAIT).await;
    shot(&vip, "q02-vip-served").await;
    assert!(!first.text("#queue").await.is_empty(), "the first customer still waits");
    wait_for_place(&second, "2").await;

    // Ada resolves the VIP conversation: the first customer is served, the second moves up.
    let http = reqwest::Client::new();
    let list = call(http.get(server.url("/api/v1/conversations?status=open")).bearer_auth(&token), "list").await;
    let vip_conversation = list["data"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["tags"].as_array().is_some_and(|t| t.contains(&json!("vip")))))
        .and_then(|c| c["id"].as_str())
        .expect("the VIP conversation")
        .to_string();
    let path = format!("/api/v1/conversations/{vip_conversation}/resolve");
    call(http.post(server.url(&path)).bearer_auth(&token).json(&json!({})), &path).await;
    first.wait_for(".m.sys", WAIT).await;
    wait_for_place(&second, "1").await;
    shot(&second, "q03-second-moved-up").await;
    for session in [first, second, vip, inbox] {
        session.quit().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_on_sqlite() {
    let server = Server::start(None, None).await;
    the_queue_story(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_on_postgres() {
    let Some((server, url, schema)) = crate::postgres_server().await else { return };
    the_queue_story(&server).await;
    drop(server);
    drop_schemas(&url, Some(&schema)).await;
}
