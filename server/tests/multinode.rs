//! Two real `switchboard serve` nodes sharing PostgreSQL and Redis behind a real nginx: a widget
//! customer talks through nginx to one node, an agent directly to the other; the customer's node is
//! killed (SIGKILL), the customer reconnects through nginx to the surviving node, resumes with
//! `after_seq` and retries what it had not seen acknowledged. Every message arrives exactly once.
//!
//! Needs SWITCHBOARD_TEST_POSTGRES_URL, SWITCHBOARD_TEST_REDIS_URL and `nginx` on the PATH; skipped
//! without them unless SWITCHBOARD_TEST_REQUIRE_POSTGRES=1 or SWITCHBOARD_TEST_REQUIRE_REDIS=1.

#[path = "multinode/cluster.rs"]
mod cluster;

use cluster::{Cluster, Socket};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// The widget's origin, allowed on the channel.
const SHOP: &str = "http://shop.multinode.test";

/// What one side of the chat has received: client id -> how many times, and every seq seen.
#[derive(Default, Debug)]
struct Seen {
    by_client_id: BTreeMap<String, u32>,
    seqs: Vec<i64>,
}

impl Seen {
    fn record(&mut self, event: &Value) {
        if event["type"] == "event" && event["topic"] == "message.created" {
            let client_id = event["message"]["client_id"].as_str().unwrap_or("(none)").to_string();
            *self.by_client_id.entry(client_id).or_default() += 1;
            self.seqs.push(event["message"]["seq"].as_i64().unwrap_or(-1));
        }
    }

    fn count(&self, client_id: &str) -> u32 {
        self.by_client_id.get(client_id).copied().unwrap_or(0)
    }
}

/// Reads frames until `client_id` has been delivered (recording every delivery on the way).
async fn until_delivered(socket: &mut Socket, seen: &mut Seen, client_id: &str) {
    for _ in 0..200 {
        if seen.count(client_id) > 0 {
            return;
        }
        let frame = socket.next().await;
        seen.record(&frame);
    }
    panic!("{client_id} was not delivered; seen {seen:?}");
}

/// Reads frames until the ack (or error) for `client_id`, recording deliveries on the way.
async fn until_acked(socket: &mut Socket, seen: &mut Seen, client_id: &str) -> Value {
    for _ in 0..200 {
        let frame = socket.next().await;
        if frame["ref"] == client_id && (frame["type"] == "ack" || frame["type"] == "error") {
            assert_eq!(frame["type"], "ack", "{client_id}: {frame}");
            return frame;
        }
        seen.record(&frame);
    }
    panic!("no ack for {client_id}");
}

/// Keeps reading for `quiet`, recording any late (duplicate) delivery.
async fn drain(socket: &mut Socket, seen: &mut Seen, quiet: Duration) {
    let deadline = tokio::time::Instant::now() + quiet;
    while let Ok(Some(frame)) = tokio::time::timeout_at(deadline, socket.try_next()).await {
        seen.record(&frame);
    }
}

fn send(conversation: Option<&str>, client_id: &str, text: &str) -> Value {
    let mut frame = json!({"type": "send", "ref": client_id, "client_id": client_id, "text": text});
    if let Some(id) = conversation {
        frame["conversation_id"] = json!(id);
    }
    frame
}

fn visitor_hello(key: &str, visitor_token: Option<&str>) -> Value {
    json!({"type": "hello", "ref": "h", "locale": "zh-CN",
           "auth": {"kind": "visitor", "channel": key, "visitor_token": visitor_token},
           "page": {"url": format!("{SHOP}/cart"), "title": "购物车"}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_survives_the_loss_of_its_node() {
    let Some(mut cluster) = Cluster::start().await else { return };
    let (token, key) = (cluster.token.clone(), cluster.widget_channel(SHOP).await);

    // The customer through nginx: whichever node nginx picks is the one to kill.
    let (mut customer, customer_node) = cluster.connect_via_nginx(Some(SHOP)).await;
    let welcome = customer.hello(visitor_hello(&key, None)).await;
    let visitor_token = welcome["visitor_token"].as_str().expect("a visitor token in welcome").to_string();
    let other_node = 1 - customer_node;
    let mut agent = cluster.connect_direct(other_node).await;
    agent.hello(json!({"type": "hello", "ref": "h", "auth": {"kind": "token", "token": token}})).await;
    let (mut customer_seen, mut agent_seen) = (Seen::default(), Seen::default());

    // Chat both ways across the two nodes (events cross through Redis).
    customer.send(send(None, "c1", "你好，我想退货")).await;
    let ack = until_acked(&mut customer, &mut customer_seen, "c1").await;
    let conversation = ack["conversation_id"].as_str().expect("the ack names the new conversation").to_string();
    let mut customer_seq = ack["message"]["seq"].as_i64().unwrap();
    customer
        .send(json!({"type": "subscribe", "ref": "s", "conversations": [{"id": conversation, "after_seq": customer_seq}]}))
        .await;
    agent.send(json!({"type": "subscribe", "ref": "s", "conversations": [{"id": conversation, "after_seq": 0}]})).await;
    until_delivered(&mut agent, &mut agent_seen, "c1").await;
    agent.send(send(Some(&conversation), "a1", "您好，请提供订单号")).await;
    until_acked(&mut agent, &mut agent_seen, "a1").await;
    until_delivered(&mut customer, &mut customer_seen, "a1").await;
    customer.send(send(Some(&conversation), "c2", "订单 20240518")).await;
    let ack = until_acked(&mut customer, &mut customer_seen, "c2").await;
    customer_seq = customer_seq.max(ack["message"]["seq"].as_i64().unwrap());
    customer_seq = customer_seq.max(customer_seen.seqs.iter().copied().max().unwrap_or(0));
    until_delivered(&mut agent, &mut agent_seen, "c2").await;

    // The customer writes c3 and its node dies at once: c3 may or may not have been stored.
    customer.send(send(Some(&conversation), "c3", "还在吗？")).await;
    cluster.kill_node(customer_node);
    drain(&mut customer, &mut customer_seen, Duration::from_millis(300)).await;
    // During the outage the agent answers (the customer is not connected), and the customer writes c4.
    agent.send(send(Some(&conversation), "a2", "在的")).await;
    until_acked(&mut agent, &mut agent_seen, "a2").await;
    agent.send(send(Some(&conversation), "a3", "已为您办理退货")).await;
    until_acked(&mut agent, &mut agent_seen, "a3").await;
    let unacked = [("c3", "还在吗？"), ("c4", "谢谢")];

    // Reconnect through nginx: it must reach the surviving node.
    let (mut customer, node) = cluster.connect_via_nginx(Some(SHOP)).await;
    assert_eq!(node, other_node, "nginx sent the reconnecting customer to the dead node");
    let welcome = customer.hello(visitor_hello(&key, Some(&visitor_token))).await;
    let listed = welcome["conversations"].as_array().cloned().unwrap_or_default();
    assert!(listed.iter().any(|c| c["id"] == conversation.as_str()), "welcome lists the conversation: {welcome}");
    customer
        .send(json!({"type": "subscribe", "ref": "s", "conversations": [{"id": conversation, "after_seq": customer_seq}]}))
        .await;
    until_delivered(&mut customer, &mut customer_seen, "a3").await;
    for (client_id, text) in unacked {
        customer.send(send(Some(&conversation), client_id, text)).await;
        until_acked(&mut customer, &mut customer_seen, client_id).await;
    }
    until_delivered(&mut agent, &mut agent_seen, "c4").await;
    // And the chat goes on, on the surviving node.
    agent.send(send(Some(&conversation), "a4", "还有其他问题吗？")).await;
    until_acked(&mut agent, &mut agent_seen, "a4").await;
    until_delivered(&mut customer, &mut customer_seen, "a4").await;
    customer.send(send(Some(&conversation), "c5", "没有了")).await;
    until_acked(&mut customer, &mut customer_seen, "c5").await;
    until_delivered(&mut agent, &mut agent_seen, "c5").await;
    drain(&mut customer, &mut customer_seen, Duration::from_secs(1)).await;
    drain(&mut agent, &mut agent_seen, Duration::from_secs(1)).await;

    // Exactly once, both ways.
    for client_id in ["c1", "c2", "c3", "c4", "c5"] {
        assert_eq!(agent_seen.count(client_id), 1, "the agent received {client_id}: {agent_seen:?}");
    }
    for client_id in ["a1", "a2", "a3", "a4"] {
        assert_eq!(customer_seen.count(client_id), 1, "the customer received {client_id}: {customer_seen:?}");
    }
    // The agent followed the whole conversation: every seq once, in order, no gap.
    let expected: Vec<i64> = (1..=9).collect();
    assert_eq!(agent_seen.seqs, expected, "the agent's deliveries: {agent_seen:?}");
    assert!(customer_seen.by_client_id.values().all(|n| *n == 1), "the customer got a repeat: {customer_seen:?}");
    // The store holds each message once (c3 lies before or after a2/a3: it depends on whether its
    // node committed it before dying).
    let messages = cluster.messages(&conversation).await;
    let mut client_ids: Vec<&str> = messages.iter().map(|m| m["client_id"].as_str().unwrap_or("")).collect();
    let seqs: Vec<i64> = messages.iter().map(|m| m["seq"].as_i64().unwrap_or(0)).collect();
    assert_eq!(seqs, expected, "stored messages: {messages:?}");
    client_ids.sort_unstable();
    assert_eq!(client_ids, ["a1", "a2", "a3", "a4", "c1", "c2", "c3", "c4", "c5"]);
    cluster.finish();
}

/// Routing across nodes: 20 agents (10 on each node, capacity 10) and 200 conversations arriving at
/// once, half through each node. Both nodes route at the same moment; every conversation is assigned
/// exactly once (one "joined" note each, one assignee), and nobody holds more than their capacity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_conversation_is_assigned_exactly_once_across_nodes() {
    use reqwest::Method;
    let Some(cluster) = Cluster::start().await else { return };
    let mut agents = Vec::new();
    for i in 0..20 {
        let email = format!("agent{i}@acme.test");
        let user =
            json!({"name": format!("Agent {i}"), "email": email, "password": "agent-password-1", "role": "agent"});
        let (status, created) = cluster.api(None, Method::POST, "/users", Some(user)).await;
        assert_eq!(status, 201, "{created}");
        agents.push((created["id"].as_str().expect("user id").to_string(), cluster.token_for(&email)));
    }
    let members: Vec<&str> = agents.iter().map(|(id, _)| id.as_str()).collect();
    let (status, team) =
        cluster.api(None, Method::POST, "/teams", Some(json!({"name": "Support", "member_ids": members}))).await;
    assert_eq!(status, 201, "{team}");
    let settings = json!({"default_team_id": team["id"], "default_capacity": 10});
    assert_eq!(cluster.api(None, Method::PUT, "/routing/settings", Some(settings)).await.0, 200);
    let (_, channel) = cluster.api(None, Method::POST, "/channels", Some(json!({"name": "App", "kind": "api"}))).await;
    let mut consoles = Vec::new();
    for (i, (_, token)) in agents.iter().enumerate() {
        consoles.push(cluster.agent_console(i % 2, token).await);
    }
    for _ in 0..100 {
        let (_, board) = cluster.api(None, Method::GET, "/routing/board", None).await;
        let online = board["agents"].as_array().map(|a| a.iter().filter(|a| a["state"] == "online").count());
        if online == Some(20) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // 200 customers at once, split across the nodes.
    let arrivals = (0..200).map(|i| {
        let body = json!({"channel_id": channel["id"], "contact": {"name": format!("Customer {i}"),
            "email": format!("c{i}@example.com")}, "message": "你好，我的订单有问题"});
        let cluster = &cluster;
        async move { cluster.api(Some(i % 2), Method::POST, "/conversations", Some(body)).await }
    });
    let created = futures_util::future::join_all(arrivals).await;
    let ids: Vec<String> = created
        .iter()
        .map(|(status, c)| {
            assert_eq!(*status, 201, "{c}");
            c["conversation"]["id"].as_str().expect("conversation id").to_string()
        })
        .collect();

    // Everything is taken (each agent has room for ten: exactly enough).
    let mut board = Value::Null;
    for _ in 0..300 {
        board = cluster.api(None, Method::GET, "/routing/board", None).await.1;
        let waiting: i64 =
            board["teams"].as_array().into_iter().flatten().map(|t| t["waiting"].as_i64().unwrap_or(0)).sum();
        if waiting == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let loads: Vec<i64> = board["agents"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| agents.iter().any(|(id, _)| a["user_id"] == id.as_str()))
        .map(|a| a["load"].as_i64().unwrap_or(-1))
        .collect();
    assert_eq!(loads.len(), 20, "{board}");
    assert!(loads.iter().all(|l| *l <= 10), "an agent above capacity: {loads:?}");
    assert_eq!(loads.iter().sum::<i64>(), 200, "every conversation held once: {loads:?}");
    for id in &ids {
        let (_, conversation) = cluster.api(None, Method::GET, &format!("/conversations/{id}"), None).await;
        assert!(
            agents.iter().any(|(agent, _)| conversation["assignee_id"] == agent.as_str()),
            "{id} is not with an agent: {conversation}"
        );
        let messages = cluster.messages(id).await;
        let joined = messages.iter().filter(|m| m["author_kind"] == "system").count();
        assert_eq!(joined, 1, "{id} was assigned {joined} times: {messages:?}");
    }
    drop(consoles);
    cluster.finish();
}
