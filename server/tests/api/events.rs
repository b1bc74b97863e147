//! Events across nodes: two `App`s on one database are two nodes. Every node delivers every
//! account's events exactly once, in order — through Redis when there is one, and through the
//! database (the outbox) when there is not or when a publisher died before publishing.

use crate::on_both_backends;
use crate::support::{TestApp, team_body};
use reqwest::StatusCode;
use std::sync::Arc;
use std::time::Duration;
use switchboard_app::{App, AppSettings};
use switchboard_domain::events::Event;
use tokio::sync::broadcast;

/// Collects events of one account until `count` arrived (or 15 s passed).
async fn collect(
    mut events: broadcast::Receiver<Arc<Event>>,
    account: switchboard_domain::AccountId,
    count: usize,
) -> Vec<Arc<Event>> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while got.len() < count {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(event)) if event.account_id == account => got.push(event),
            Ok(Ok(_)) => {}
            Ok(Err(broadcast::error::RecvError::Lagged(n))) => panic!("lagged by {n}"),
            Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => break,
        }
    }
    got
}

fn assert_in_order_once(events: &[Arc<Event>], count: usize) {
    assert_eq!(events.len(), count, "{:?}", events.iter().map(|e| (e.seq, &e.topic)).collect::<Vec<_>>());
    for pair in events.windows(2) {
        assert_eq!(pair[1].seq, pair[0].seq + 1, "delivered out of order or twice");
    }
}

async fn second_node(t: &TestApp, redis: Option<String>, settings: AppSettings) -> App {
    let node = App::new(t.app.db().clone(), settings);
    tokio::spawn(node.clone().run_events(redis));
    // Let the hub read the outbox heads before the test writes.
    tokio::time::sleep(Duration::from_millis(100)).await;
    node
}

async fn events_reach_another_node_through_the_database(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let node_b = second_node(&t, None, AppSettings::default()).await;
    let on_b = node_b.subscribe_events();
    let on_a = t.app.subscribe_events();
    for i in 0..25 {
        assert_eq!(
            t.post(&tenant.admin, "/api/v1/teams", team_body(&format!("Team {i}"))).await.0,
            StatusCode::CREATED
        );
    }
    let (seen_a, seen_b) = tokio::join!(collect(on_a, tenant.account_id, 25), collect(on_b, tenant.account_id, 25));
    assert_in_order_once(&seen_a, 25);
    assert_in_order_once(&seen_b, 25);
    assert!(seen_b.iter().all(|e| e.topic == "team.created"));
    assert_eq!(seen_b[3].payload["name"], "Team 3");
}

/// Pruning delivered events keeps the stream going: a node that starts afterwards, and the running
/// ones, deliver the next events in sequence.
async fn pruning_the_outbox_keeps_the_sequence(t: TestApp) {
    let tenant = t.tenant("acme").await;
    let mut on_a = t.app.subscribe_events();
    for i in 0..3 {
        t.post(&tenant.admin, "/api/v1/teams", team_body(&format!("Old {i}"))).await;
    }
    // Read up to the last old team (the tenant's own setup events may come first).
    let last_old = loop {
        let event = tokio::time::timeout(Duration::from_secs(15), on_a.recv()).await.expect("in time").expect("event");
        if event.account_id == tenant.account_id && event.payload["name"] == "Old 2" {
            break event.seq;
        }
    };
    tokio::time::sleep(Duration::from_millis(5)).await;
    let gone = t.app.prune_outbox(0).await.expect("prune");
    assert!(gone >= 3, "pruned {gone}");
    let node_b = second_node(&t, None, AppSettings::default()).await;
    let (on_a, on_b) = (t.app.subscribe_events(), node_b.subscribe_events());
    t.post(&tenant.admin, "/api/v1/teams", team_body("New")).await;
    let (seen_a, seen_b) = tokio::join!(collect(on_a, tenant.account_id, 1), collect(on_b, tenant.account_id, 1));
    assert_eq!(seen_a.first().map(|e| e.seq), Some(last_old + 1));
    assert_eq!(seen_b.first().map(|e| e.seq), Some(last_old + 1));
    assert_eq!(seen_b[0].payload["name"], "New");
}

async fn events_travel_by_redis_and_survive_a_publisher_that_died(t: TestApp) {
    let Some(redis) = TestApp::redis_url() else { return };
    let tenant = t.tenant("acme").await;
    let node_a = second_node(&t, Some(redis.clone()), AppSettings::default()).await;
    let node_b = second_node(&t, Some(redis), AppSettings::default()).await;
    let on_b = node_b.subscribe_events();
    // Changes made through node A's services are published on Redis after commit.
    let system = switchboard_app::Actor::system(tenant.account_id, "test");
    for i in 0..10 {
        let input = switchboard_domain::requests::TeamInput { name: Some(format!("Via A {i}")), ..Default::default() };
        node_a.create_team(&system, &input).await.unwrap();
    }
    // A node that commits and dies before publishing: its events exist only in the outbox.
    let mut tx = t.app.db().begin().await.unwrap();
    for i in 0..5 {
        let at = switchboard_domain::Timestamp::from_unix_ms(switchboard_store::now_ms());
        let payload = serde_json::json!({ "n": i });
        switchboard_store::repo::outbox::append(
            &mut tx,
            tenant.account_id,
            t.app.db().new_id(),
            "test.orphan",
            payload,
            at,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let seen = collect(on_b, tenant.account_id, 15).await;
    assert_in_order_once(&seen, 15);
    assert_eq!(seen.iter().filter(|e| e.topic == "test.orphan").count(), 5);

    // Only Redis can bring this one: it is published there and written nowhere else.
    let on_b = node_b.subscribe_events();
    let next = seen.last().map(|e| e.seq + 1).unwrap_or(1);
    let forged = Event {
        account_id: tenant.account_id,
        seq: next,
        id: t.app.db().new_id(),
        topic: "test.redis_only".into(),
        payload: serde_json::json!({}),
        at: switchboard_domain::Timestamp::from_unix_ms(switchboard_store::now_ms()),
    };
    let client = redis::Client::open(TestApp::redis_url_if_set().unwrap()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("PUBLISH")
        .arg(switchboard_app::REDIS_CHANNEL)
        .arg(serde_json::to_string(&forged).unwrap())
        .query_async(&mut connection)
        .await
        .unwrap();
    let got = collect(on_b, tenant.account_id, 1).await;
    assert_eq!(got.first().map(|e| e.topic.as_str()), Some("test.redis_only"));
}

async fn a_revocation_reaches_another_nodes_cache_by_event(t: TestApp) {
    let tenant = t.tenant("acme").await;
    // Node B would trust its cache for a minute; the event must clear it long before.
    let node_b = second_node(
        &t,
        TestApp::redis_url_if_set(),
        AppSettings { credential_cache_seconds: 60, ..AppSettings::default() },
    )
    .await;
    assert!(node_b.authenticate_token(&tenant.agent.token, "10.0.0.1", "t").await.is_ok());
    let (_, tokens) = t.get(&tenant.agent, "/api/v1/tokens").await;
    let id = tokens["data"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(t.delete(&tenant.agent, &format!("/api/v1/tokens/{id}")).await.0, StatusCode::OK);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if node_b.authenticate_token(&tenant.agent.token, "10.0.0.1", "t").await.is_err() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "node B still accepts the revoked token");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

on_both_backends!(
    pruning_the_outbox_keeps_the_sequence,
    events_reach_another_node_through_the_database,
    events_travel_by_redis_and_survive_a_publisher_that_died,
    a_revocation_reaches_another_nodes_cache_by_event,
);
