//! Generative answers (docs/bot.md, "Generative answers"), against a local server speaking the
//! OpenAI chat-completions API: it checks the request (model, bearer key, the numbered passages in
//! the system prompt, the question) and answers as told. Covered: an answer with citations and its
//! sources (FAQ entries and an article), NO_ANSWER and a timeout falling back to the retrieval bot's "did you mean", and
//! questions with no passages or with a handoff cue never reaching the model.

use crate::bot_feedback::{FAQ, bot_widget};
use crate::on_both_backends;
use crate::realtime::{Socket, send};
use crate::support::TestApp;
use crate::widget::{next_bot_message, next_of, visitor};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KEY: &str = "sk-test-key-123";
const MODEL: &str = "shop-model";
const TIMEOUT: Duration = Duration::from_millis(800);

#[derive(Clone)]
enum Reply {
    Text(&'static str),
    /// Cites the passage whose title is this, by the number the prompt gave it.
    Cite(&'static str),
    Slow,
}

#[derive(Default)]
struct Model {
    reply: Option<Reply>,
    /// Every request: its Authorization header and body.
    seen: Vec<(String, Value)>,
}

type Shared = Arc<Mutex<Model>>;

async fn completions(
    State(model): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let reply = {
        let mut model = model.lock().unwrap();
        model.seen.push((auth.clone(), body.clone()));
        model.reply.clone()
    };
    if auth != format!("Bearer {KEY}") {
        return (StatusCode::UNAUTHORIZED, Json(json!({ "error": { "message": "bad key" } })));
    }
    let text = match reply {
        Some(Reply::Text(text)) => text.to_string(),
        Some(Reply::Cite(title)) => {
            let prompt = body["messages"][0]["content"].as_str().unwrap_or_default();
            let n = prompt
                .lines()
                .find_map(|l| l.strip_suffix(title)?.strip_prefix('[')?.strip_suffix("] ")?.parse::<u32>().ok());
            n.map_or("NO_ANSWER".to_string(), |n| format!("运费规则见说明 [{n}]。"))
        }
        Some(Reply::Slow) => {
            tokio::time::sleep(TIMEOUT * 4).await;
            "too late [1]".to_string()
        }
        None => "NO_ANSWER".to_string(),
    };
    let answer = json!({ "id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
        "choices": [{ "index": 0, "finish_reason": "stop", "message": { "role": "assistant", "content": text } }] });
    (StatusCode::OK, Json(answer))
}

/// The fake model on 127.0.0.1:0; returns its base URL (`…/v1`) and its state.
async fn fake_model() -> (String, Shared) {
    let shared: Shared = Arc::default();
    let router =
        axum::Router::new().route("/v1/chat/completions", axum::routing::post(completions)).with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{address}/v1"), shared)
}

/// A new visitor asks; returns the bot's message and how long it took.
async fn ask(t: &TestApp, key: &str, text: &str) -> (Value, Duration) {
    let (message, took, _) = ask_on(t, key, text).await;
    (message, took)
}

/// `ask`, keeping the visitor's socket.
async fn ask_on(t: &TestApp, key: &str, text: &str) -> (Value, Duration, Socket) {
    let (mut socket, _) = visitor(t, key, None, None).await;
    let started = Instant::now();
    send(&mut socket, json!({ "type": "send", "ref": "q", "client_id": "g-1", "text": text })).await;
    next_of(&mut socket, "ack").await;
    let reply = next_bot_message(&mut socket).await;
    (reply["message"].clone(), started.elapsed(), socket)
}

fn calls(model: &Shared) -> usize {
    model.lock().unwrap().seen.len()
}

async fn the_model_answers_from_the_passages_or_the_bot_does_without_it(t: TestApp) {
    let (url, model) = fake_model().await;
    let generative =
        switchboard_app::GenerativeSettings { url, api_key: KEY.into(), model: MODEL.into(), timeout: TIMEOUT };
    let settings = switchboard_app::AppSettings { generative: Some(generative), ..Default::default() };
    let Some(t) = TestApp::start_with(t.backend, settings).await else { return };
    let tenant = t.tenant("acme").await;
    let (key, _) = bot_widget(&t, &tenant.admin).await;
    let unsure = "退货运费和到账时间";

    // An answer citing two passages: posted with its sources.
    let answer = "质量问题由我们承担运费 [2]，退款一般 1-3 个工作日原路退回 [1]。";
    model.lock().unwrap().reply = Some(Reply::Text(answer));
    let (message, _, mut customer) = ask_on(&t, &key, unsure).await;
    assert_eq!(message["text"], answer, "{message}");
    assert_eq!((message["bot"]["kind"].as_str(), message["bot"]["generative"].as_bool()), (Some("answer"), Some(true)));
    let sources = message["bot"]["sources"].as_array().unwrap();
    assert_eq!(sources.iter().map(|s| s["n"].as_i64().unwrap()).collect::<Vec<_>>(), vec![2, 1], "{sources:?}");
    assert!(sources.iter().all(|s| s["kind"] == "faq" && FAQ.iter().any(|f| s["title"] == f.0)), "{sources:?}");
    let (auth, request) = model.lock().unwrap().seen[0].clone();
    assert_eq!(auth, format!("Bearer {KEY}"));
    assert_eq!(request["model"], MODEL);
    let messages = request["messages"].as_array().unwrap();
    assert_eq!((messages[0]["role"].as_str(), messages[1]["role"].as_str()), (Some("system"), Some("user")));
    assert_eq!(messages[1]["content"], unsure);
    let prompt = messages[0]["content"].as_str().unwrap();
    assert!(prompt.contains("NO_ANSWER") && prompt.contains("[1] ") && prompt.contains("[2] "), "{prompt}");
    for source in sources {
        let (title, _, text) = FAQ.iter().find(|f| source["title"] == f.0).unwrap();
        let numbered = format!("[{}] {title}\n{text}", source["n"]);
        assert!(prompt.contains(&numbered), "passage {numbered:?} in {prompt}");
    }

    // Rated down, it goes on the admins' list with the entries it cited as the bot's guesses.
    send(&mut customer, json!({ "type": "rate", "ref": "r", "message_id": message["id"], "rating": "down" })).await;
    next_of(&mut customer, "ok").await;
    let (_, list) = t.get(&tenant.admin, "/api/v1/bot/unanswered").await;
    let item = &list["data"][0];
    assert_eq!((item["kind"].as_str(), item["question"].as_str()), (Some("rated_down"), Some(unsure)), "{list}");
    let guessed: Vec<&Value> = item["guesses"].as_array().unwrap().iter().map(|g| &g["question"]).collect();
    assert_eq!(guessed, sources.iter().map(|s| &s["title"]).collect::<Vec<_>>());

    // An article is a passage too (its text's start), and a cited one links to the help center.
    let article = json!({ "title": "运费说明", "slug": "shipping-fees",
        "body": "退货运费：质量问题由我们承担，非质量问题由买家承担。到账时间以银行为准。", "locale": "zh-CN" });
    let (status, created) = t.post(&tenant.admin, "/api/v1/kb/articles", article).await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    t.post(&tenant.admin, &format!("/api/v1/kb/articles/{id}/publish"), json!({})).await;
    model.lock().unwrap().reply = Some(Reply::Cite("运费说明"));
    let (message, _) = ask(&t, &key, unsure).await;
    let source = &message["bot"]["sources"][0];
    assert_eq!((source["kind"].as_str(), source["id"].as_str()), (Some("article"), Some(id)), "{message}");
    assert_eq!(source["url"], "/help/acme/a/shipping-fees");
    let prompt = model.lock().unwrap().seen[1].1["messages"][0]["content"].as_str().unwrap().to_string();
    assert!(prompt.contains("运费说明\n退货运费：质量问题由我们承担"), "{prompt}");

    // NO_ANSWER: the retrieval bot's "did you mean".
    model.lock().unwrap().reply = Some(Reply::Text("NO_ANSWER"));
    let (message, _) = ask(&t, &key, unsure).await;
    assert_eq!(message["bot"]["kind"], "clarify", "{message}");
    assert_eq!(calls(&model), 3);

    // Too slow: the same, right after the timeout.
    model.lock().unwrap().reply = Some(Reply::Slow);
    let (message, took) = ask(&t, &key, unsure).await;
    assert_eq!(message["bot"]["kind"], "clarify", "{message}");
    assert!(took < TIMEOUT * 3, "the customer waited {took:?}");
    assert_eq!(calls(&model), 4);

    // No passages, or a handoff cue: the model is not asked.
    model.lock().unwrap().reply = Some(Reply::Text(answer));
    for text in ["今天天气怎么样", "转人工", "帮我查一下订单 2024061800123 到哪了"] {
        let (message, _) = ask(&t, &key, text).await;
        assert_eq!(message["bot"]["kind"], "handoff", "{text}: {message}");
    }
    // A confident answer does not need it either.
    let (message, _) = ask(&t, &key, "怎么申请换货").await;
    assert_eq!((message["bot"]["kind"].as_str(), message["bot"]["generative"].as_bool()), (Some("answer"), None));
    assert_eq!(calls(&model), 4, "only unsure questions with passages reach the model");
}

on_both_backends!(the_model_answers_from_the_passages_or_the_bot_does_without_it);
