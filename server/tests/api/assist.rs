//! Quick replies (who sees and may change which, variables filled in per conversation) and the
//! knowledge-base suggestions for a conversation.

use crate::on_both_backends;
use crate::permissions::conversation_for;
use crate::support::{TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn shortcuts(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|q| q["shortcut"].as_str().unwrap().to_string()).collect()
}

async fn quick_replies_by_scope_with_variables(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let (agent, supervisor) = (&tenant.agent, &tenant.supervisor);
    let (_, team) =
        t.post(&tenant.admin, "/api/v1/teams", json!({ "name": "售后", "member_ids": [agent.user_id] })).await;
    let mine = json!({ "shortcut": "/Hi", "title": "问候", "body": "{{contact.name}}您好，我是{{agent.name}}，很高兴为您服务。" });
    let (status, personal) = t.post(agent, "/api/v1/quick-replies", mine).await;
    assert_eq!(status, StatusCode::CREATED, "{personal}");
    assert_eq!((personal["shortcut"].as_str(), personal["scope"].as_str()), (Some("hi"), Some("personal")));
    // Shared ones need quick_replies.manage.
    let shared = json!({ "scope": "team", "team_id": team["id"], "shortcut": "refund", "title": "退款", "body": "退款将在 3 个工作日内原路退回。" });
    let (status, body) = t.post(agent, "/api/v1/quick-replies", shared.clone()).await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    let (status, team_reply) = t.post(supervisor, "/api/v1/quick-replies", shared).await;
    assert_eq!(status, StatusCode::CREATED, "{team_reply}");
    let everyone =
        json!({ "scope": "account", "shortcut": "bye", "title": "结束语", "body": "感谢您的耐心，祝您生活愉快！" });
    t.post(supervisor, "/api/v1/quick-replies", everyone).await;
    let bad = json!({ "shortcut": "x", "title": "x", "body": "{{customer.vip}}" });
    let (status, body) = t.post(agent, "/api/v1/quick-replies", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["body"].as_str().unwrap().contains("unknown variable"));

    let (_, seen) = t.get(agent, "/api/v1/quick-replies").await;
    assert_eq!(shortcuts(&seen), vec!["bye", "hi", "refund"]);
    let (_, seen) = t.get(supervisor, "/api/v1/quick-replies").await;
    assert_eq!(shortcuts(&seen), vec!["bye"], "not the agent's own, not a team they are not in");
    // Someone else's personal reply is not found; a shared one needs the permission to change.
    let path = format!("/api/v1/quick-replies/{}", personal["id"].as_str().unwrap());
    let (status, _) = t.patch(supervisor, &path, json!({ "title": "mine now" })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let team_path = format!("/api/v1/quick-replies/{}", team_reply["id"].as_str().unwrap());
    let (status, _) = t.patch(agent, &team_path, json!({ "title": "changed" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Filled in for a conversation.
    let conversation = conversation_for(&t, &tenant, agent, false).await;
    let (_, rendered) = t.get(agent, &format!("/api/v1/quick-replies?conversation_id={conversation}")).await;
    let hi = rendered.as_array().unwrap().iter().find(|q| q["shortcut"] == "hi").unwrap();
    assert!(hi["rendered"].as_str().unwrap().starts_with("王小明您好，我是"), "{hi}");
    let deleted = t.call(agent, reqwest::Method::DELETE, &path, None).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
}

async fn suggestions_fit_the_customers_last_message(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let faq = json!({ "question": "快递多久能到？", "similar": ["几天到货", "物流要多久"],
        "answer": "一般 2-3 天送达，偏远地区 5 天。", "status": "published", "locale": "zh-CN" });
    t.post(&tenant.admin, "/api/v1/kb/faq", faq).await;
    let article =
        json!({ "title": "快递与物流说明", "body": "我们使用顺丰快递，一般 2-3 天送达。", "locale": "zh-CN" });
    let (status, body) = t.post(&tenant.admin, "/api/v1/kb/articles", article).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    t.post(&tenant.admin, &format!("/api/v1/kb/articles/{}/publish", body["id"].as_str().unwrap()), json!({})).await;
    // conversation_for's customer wrote "我的快递还没到".
    let conversation = conversation_for(&t, &tenant, &tenant.agent, false).await;
    let (status, found) = t.get(&tenant.agent, &format!("/api/v1/conversations/{conversation}/suggestions")).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["query"], "我的快递还没到");
    assert_eq!(found["faq"][0]["answer"], "一般 2-3 天送达，偏远地区 5 天。", "{found}");
    assert_eq!(found["articles"][0]["title"], "快递与物流说明", "{found}");
    let (_, other) =
        t.get(&tenant.agent, &format!("/api/v1/conversations/{conversation}/suggestions?q=物流要多久")).await;
    assert_eq!(other["query"], "物流要多久");
}

on_both_backends!(quick_replies_by_scope_with_variables, suggestions_fit_the_customers_last_message);
