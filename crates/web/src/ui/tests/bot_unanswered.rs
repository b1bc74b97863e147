//! Settings → Unanswered questions through the real router, on both backends: the list (open,
//! most frequent first, resolved, dismissed), "Add to FAQ" as a new entry and as a similar question
//! with its prefilled form and its errors, "Dismiss", and agents kept out.

use super::{Browser, set_up};
use axum::Router;
use axum::http::StatusCode;
use switchboard_app::{Actor, App};
use switchboard_domain::bot_feedback::{BotGuess, UnansweredKind};
use switchboard_domain::kb_requests::FaqInput;
use switchboard_domain::requests::NewUserInput;
use switchboard_domain::{ConversationId, Timestamp, UnansweredId};
use switchboard_store::repo::bot_feedback::{Occurrence, record};

async fn server(postgres: bool) -> Option<(Router, App)> {
    super::server_and_app(postgres).await
}

on_both_backends!(admins_turn_unanswered_questions_into_faq_entries);

/// An occurrence of `question`, recorded as the bot does.
async fn occurrence(app: &App, account: switchboard_domain::AccountId, question: &str, guesses: &[BotGuess]) {
    let mut tx = app.db().begin().await.unwrap();
    let key: String = question.chars().filter(|c| c.is_alphanumeric()).collect();
    let o = Occurrence {
        id: UnansweredId::from_i64(app.db().new_id()),
        kind: UnansweredKind::Unanswered,
        reason: "no_match",
        question,
        key: &key,
        guesses,
        conversation_id: ConversationId::from_i64(7),
        message_id: None,
        at: Timestamp::from_unix_ms(switchboard_store::now_ms()),
    };
    record(&mut tx, account, &o).await.unwrap();
    tx.commit().await.unwrap();
}

fn row_ids(body: &str) -> Vec<String> {
    body.split("id=\"botfb-")
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .filter(|id| id.parse::<i64>().is_ok())
        .map(str::to_string)
        .collect()
}

async fn admins_turn_unanswered_questions_into_faq_entries((router, app): (Router, App)) {
    let mut b = Browser::new(router);
    set_up(&mut b).await;
    let account = {
        let mut conn = app.db().read().await.unwrap();
        switchboard_store::repo::accounts::list(&mut conn).await.unwrap()[0].id
    };
    let system = Actor::system(account, "test");
    let faq = FaqInput {
        question: Some("How long does a refund take?".into()),
        answer: Some("3 days.".into()),
        ..Default::default()
    };
    let refund = app.create_kb_faq(&system, &faq).await.unwrap();
    let guess = BotGuess { entry_id: refund.id.to_string(), question: refund.question.clone(), score: 0.4 };
    occurrence(&app, account, "Do you sell used cars?", &[]).await;
    for _ in 0..2 {
        occurrence(&app, account, "When is my money back?", std::slice::from_ref(&guess)).await;
    }
    occurrence(&app, account, "Can I pay in bitcoin?", &[]).await;

    assert!(b.open("/settings").await.body.contains("href=\"/settings/bot/unanswered\""), "the hub links to it");
    let list = b.open("/settings/bot/unanswered?sort=frequent").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let rows = row_ids(&list.body);
    assert_eq!(rows.len(), 3, "{}", list.body);
    assert!(list.body.find("When is my money back?") < list.body.find("Do you sell used cars?"), "most frequent first");
    assert!(list.body.contains("No matching FAQ entry") && list.body.contains(&refund.question));

    // Add to FAQ as a new entry: the form is prefilled with the customer's question; an answer is needed.
    let used_cars = rows.iter().find(|id| {
        let at = list.body.find(&format!("id=\"botfb-{id}\"")).unwrap();
        list.body[at..].split("</tr>").next().unwrap().contains("used cars")
    });
    let used_cars = used_cars.unwrap().clone();
    let form_path = format!("/settings/bot/unanswered/{used_cars}/faq");
    let form = b.open(&form_path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("value=\"Do you sell used cars?\""), "prefilled");
    assert!(!form.body.contains("id=\"botfb-similar\""), "no guesses, no similar-question form");
    let missing = b
        .fill_and_post(
            &form_path,
            &form_path,
            &[("mode", "new"), ("question", "Do you sell used cars?"), ("answer", " "), ("locale", "en")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("This field is required."), "{}", missing.body);
    let added = b
        .fill_and_post(
            &form_path,
            &form_path,
            &[
                ("mode", "new"),
                ("question", "Do you sell used cars?"),
                ("answer", "No, only new ones."),
                ("locale", "en"),
            ],
        )
        .await;
    assert_eq!((added.status, added.location()), (StatusCode::SEE_OTHER, "/settings/bot/unanswered"));
    assert!(b.open("/settings/bot/unanswered").await.body.contains("id=\"flash\">Added to the FAQ."));

    // As a similar question of the bot's guess: a new version of that entry.
    let money = rows.iter().find(|id| has_guess(&list.body, id)).unwrap().clone();
    let form_path = format!("/settings/bot/unanswered/{money}/faq");
    let form = b.open(&form_path).await;
    assert!(form.body.contains(&format!("value=\"{}\" checked", refund.id)), "{}", form.body);
    let added = b
        .fill_and_post(
            &form_path,
            &form_path,
            &[("mode", "similar"), ("entry_id", &refund.id.to_string()), ("similar", "When is my money back?")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let changed = app.get_kb_faq(&system, refund.id).await.unwrap();
    assert_eq!((changed.version, changed.similar.clone()), (2, vec!["When is my money back?".to_string()]));

    // Dismiss the last one; nothing is left to review; the other tabs hold them.
    let bitcoin = rows.iter().find(|id| **id != used_cars && **id != money).unwrap();
    let dismissed =
        b.fill_and_post("/settings/bot/unanswered", &format!("/settings/bot/unanswered/{bitcoin}/dismiss"), &[]).await;
    assert_eq!(dismissed.status, StatusCode::SEE_OTHER);
    let open = b.open("/settings/bot/unanswered").await;
    assert!(row_ids(&open.body).is_empty() && open.body.contains("Nothing here."), "{}", open.body);
    assert_eq!(row_ids(&b.open("/settings/bot/unanswered?status=resolved").await.body).len(), 2);
    assert_eq!(row_ids(&b.open("/settings/bot/unanswered?status=dismissed").await.body).len(), 1);
    let again =
        b.fill_and_post("/settings/bot/unanswered", &format!("/settings/bot/unanswered/{bitcoin}/dismiss"), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // An agent sees neither the page nor the link.
    let agent = NewUserInput {
        name: Some("Li Agent".into()),
        email: Some("li@example.com".into()),
        password: Some("agent password".into()),
        role: Some("agent".into()),
        ..Default::default()
    };
    app.create_user(&system, &agent).await.unwrap();
    b.fill_and_post("/", "/logout", &[]).await;
    let fields = [("email", "li@example.com"), ("password", "agent password"), ("next", "/settings")];
    assert_eq!(b.fill_and_post("/login", "/login", &fields).await.location(), "/settings");
    assert_eq!(b.open("/settings/bot/unanswered").await.status, StatusCode::FORBIDDEN);
    assert!(!b.open("/settings").await.body.contains("/settings/bot/unanswered"));
}

/// Whether the list's row `id` shows a guess.
fn has_guess(body: &str, id: &str) -> bool {
    let at = body.find(&format!("id=\"botfb-{id}\"")).unwrap_or(0);
    body[at..].split("</tr>").next().unwrap_or("").contains("botfb-guesses")
}
