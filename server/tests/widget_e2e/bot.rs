//! The FAQ bot in the widget and the workspace, in real headless Chromium (docs/widget.md, "The bot
//! answers first"): the bot answers a question it knows, offers choices for an unclear one (a click
//! sends the choice's number and gets its answer), and hands over on 转人工; the agent sees the
//! conversation marked "Bot" while the bot answers, then the whole transcript with the handover's
//! reason and the bot's guesses. The customer rates the first answer 👎: the agent sees it in the
//! transcript, and the admin finds the question on the list of unanswered questions (also on a phone),
//! adds it to the FAQ as a similar question, and the list is empty.

use super::site::{HostSite, admin_token};
use super::{Server, drop_schemas, open_chat, shot};
use crate::browser::{Driver, Session, WAIT};
use serde_json::{Value, json};

/// Four published FAQ entries, two pairs of similar ones: (question, similar, answer).
const FAQ: [(&str, &[&str], &str); 4] = [
    ("退款多久能到账？", &["退款什么时候到账", "退款到账时间"], "退款一般 1-3 个工作日原路退回。"),
    ("退货运费谁承担？", &["退货邮费谁出", "退货运费"], "质量问题由我们承担运费。"),
    ("怎么申请退货？", &["如何退货", "退货流程是什么"], "请在订单页点击“申请退货”，7 天内可退。"),
    ("怎么申请换货？", &["如何换货", "换货流程是什么"], "请在订单页点击“申请换货”。"),
];

async fn call(request: reqwest::RequestBuilder, what: &str) -> Value {
    let answer = request.send().await.unwrap_or_else(|e| panic!("{what}: {e}"));
    let status = answer.status();
    let body: Value = answer.json().await.unwrap_or_default();
    assert!(status.is_success(), "{what}: {status} {body}");
    body
}

/// A widget channel for the shop with the bot answering first, and the FAQ it answers from.
async fn bot_channel(server: &Server, token: &str, shop: &str) -> String {
    let http = reqwest::Client::new();
    for (question, similar, answer) in FAQ {
        let faq = json!({ "question": question, "similar": similar, "answer": answer, "status": "published",
            "locale": "zh-CN" });
        call(http.post(server.url("/api/v1/kb/faq")).bearer_auth(token).json(&faq), "POST /kb/faq").await;
    }
    let channel = json!({ "name": "Acme chat", "kind": "web_widget" });
    let created =
        call(http.post(server.url("/api/v1/channels")).bearer_auth(token).json(&channel), "POST /channels").await;
    let id = created["id"].as_str().map(str::to_string).unwrap_or_else(|| created["id"].to_string());
    let settings = json!({ "allowed_origins": [shop], "greeting": "Hi! Ask us anything.", "bot_enabled": true,
        "bot_name": "Acme Helper", "prechat_fields": [] });
    let path = format!("/api/v1/channels/{id}");
    let changed =
        call(http.patch(server.url(&path)).bearer_auth(token).json(&json!({ "settings": settings })), &path).await;
    let key = changed["public_key"].as_str().or(created["public_key"].as_str()).unwrap_or_default().to_string();
    assert!(key.starts_with("wc_"), "a public key: {changed}");
    key
}

async fn customer_says(customer: &Session, text: &str) {
    customer.fill("#text", text).await;
    customer.click("#send").await;
}

async fn sign_in_admin(inbox: &Session, server: &Server) {
    inbox.goto(&server.url("/login?next=%2Finbox")).await;
    inbox.fill("[name='email']", "ada@example.com").await;
    inbox.fill("[name='password']", "correct horse battery").await;
    inbox.click("#sign-in").await;
    inbox.wait_for_path("/inbox", WAIT).await;
}

async fn the_bot_story(server: &Server) {
    let driver = Driver::start().await;
    let token = admin_token(server, &driver).await;
    let shop = HostSite::bind().await;
    let key = bot_channel(server, &token, &shop.base).await;
    shop.serve(&server.base, &key, &shop.base);

    // A question the bot knows: answered at once, in the bot's style and name.
    let customer = driver.session().await;
    customer.goto(&shop.url("/")).await;
    open_chat(&customer).await;
    customer.wait_for("#composer:not([hidden])", WAIT).await;
    customer_says(&customer, "请问怎么退货").await;
    customer.wait_for(".m.bot", WAIT).await;
    assert_eq!(customer.text(".m.bot .who").await, "Acme Helper");
    assert_eq!(customer.text(".m.bot .txt").await, FAQ[2].2, "the bot's answer");
    let conversation = customer.attribute(".m.bot", "data-conv").await.expect("the conversation of the message");

    // Not helpful: 👎 under the answer, shown pressed (and kept when the customer changes nothing more).
    assert_eq!(customer.count(".m.bot .rate button").await, 2, "👍 and 👎 under the answer");
    customer.click(".m.bot .rate button[data-rating='down']").await;
    customer.wait_for(".m.bot .rate[data-rated='down'] button[data-rating='down'][aria-pressed='true']", WAIT).await;

    // The agent sees it waiting with the bot ("pending"), marked as the bot's.
    let inbox = driver.session().await;
    sign_in_admin(&inbox, server).await;
    inbox.goto(&server.url("/inbox?view=all&status=pending")).await;
    let item = format!("#conv-{conversation}");
    inbox.wait_for(&format!("{item} .ws-bot-badge"), WAIT).await;
    assert_eq!(inbox.text(&format!("{item} .ws-bot-badge")).await, "Bot");

    // An unclear question: the bot offers choices; a click sends the choice's number.
    customer_says(&customer, "退货运费和到账时间").await;
    customer.wait_for(".m.bot .choices button.choice", WAIT).await;
    assert!(customer.count(".m.bot .choices button.choice").await >= 2, "at least two choices");
    shot(&customer, "w10-bot-choices").await;
    let first = customer.text(".m.bot .choices button[data-number='1']").await;
    let picked = FAQ.iter().find(|(q, ..)| first.ends_with(q)).unwrap_or_else(|| panic!("a known question: {first}"));
    customer.click(".m.bot .choices button[data-number='1']").await;
    customer.wait_for(".m.bot .choices.done", WAIT).await;
    customer.wait_for_count(".m.bot", 3, WAIT).await;
    customer.wait_for_text(picked.2, WAIT).await;
    let number_sent = customer
        .execute("return [...document.querySelectorAll('.m.me .txt')].some(n => n.textContent === '1')", vec![])
        .await;
    assert_eq!(number_sent, json!(true), "the choice's number was sent as the customer's message");
    assert_eq!(customer.count(".m.bot .choices button:not([disabled])").await, 0, "choices are spent");

    // 转人工: the bot hands over.
    customer_says(&customer, "转人工").await;
    customer.wait_for_count(".m.bot", 4, WAIT).await;
    shot(&customer, "w11-bot-handover").await;

    // The agent finds it open, with the whole transcript and the handover's reason.
    inbox.goto(&server.url("/inbox?view=all&status=open")).await;
    inbox.wait_for(&item, WAIT).await;
    assert_eq!(inbox.count(&format!("{item} .ws-bot-badge")).await, 0, "no longer the bot's");
    inbox.click_fresh(&format!("{item} a")).await;
    inbox.wait_for("#ws-messages .ws-bot-handoff[data-reason='explicit_request']", WAIT).await;
    assert_eq!(inbox.count("#ws-messages .ws-msg.bot").await, 4);
    assert_eq!(inbox.count("#ws-messages .ws-msg.customer").await, 4);
    assert_eq!(inbox.text("#ws-messages .ws-bot-reason").await, "Reason: the customer asked for a person");
    assert_eq!(inbox.text("#ws-messages .ws-msg.bot .ws-msg-author").await, "Acme Helper");
    shot(&inbox, "w12-inbox-handover").await;
    assert_eq!(inbox.count("#ws-messages .ws-bot-rating[data-rating='down']").await, 1, "the agent sees the 👎");

    // The admin's list of unanswered questions has the answer rated down, on a phone too.
    inbox.goto(&server.url("/settings/bot/unanswered")).await;
    let row = "#botfb-table .botfb-item[data-kind='rated_down']";
    inbox.wait_for(row, WAIT).await;
    assert_eq!(inbox.text(&format!("{row} .botfb-question")).await, "请问怎么退货");
    assert_eq!(inbox.text(&format!("{row} .botfb-count")).await, "1");
    inbox.set_window_size(390, 844).await;
    shot(&inbox, "w13-unanswered-phone").await;
    // "Add to FAQ" as a similar question of the entry it was answered with: then nothing is left open.
    inbox.click(&format!("{row} .botfb-add")).await;
    inbox.wait_for("#botfb-similar", WAIT).await;
    assert_eq!(inbox.text("#botfb-asked").await, "请问怎么退货");
    inbox.click("#botfb-add-similar").await;
    inbox.wait_for("#flash", WAIT).await;
    assert_eq!(inbox.count("#botfb-table .botfb-item").await, 0, "nothing left to review");
    inbox.set_window_size(1280, 900).await;

    let errors = customer.console_errors().await;
    assert!(errors.is_empty(), "console errors in the customer's browser: {errors:#?}");
    let errors = inbox.console_errors().await;
    assert!(errors.is_empty(), "console errors in the inbox: {errors:#?}");
    inbox.quit().await;
    customer.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_bot_on_sqlite() {
    let server = Server::start(None, None).await;
    the_bot_story(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_bot_on_postgres() {
    let Some((server, url, schema)) = crate::postgres_server().await else { return };
    the_bot_story(&server).await;
    drop(server);
    drop_schemas(&url, Some(&schema)).await;
}
