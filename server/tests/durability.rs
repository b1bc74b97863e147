//! An acknowledged message survives the server being killed (SIGKILL) right after the ack: the real
//! binary, a real WebSocket client, on SQLite and on PostgreSQL.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Where the binary keeps its data: (database URL, PostgreSQL schema).
fn stores(dir: &std::path::Path) -> Vec<(String, Option<String>)> {
    let mut stores = vec![(format!("sqlite://{}/sb.db", dir.display()), None)];
    match std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") {
        Ok(url) => {
            let now =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            stores.push((url, Some(format!("t_{now}_{:08x}", rand::random::<u32>()))));
        }
        Err(_) => {
            assert!(
                std::env::var("SWITCHBOARD_TEST_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "SWITCHBOARD_TEST_REQUIRE_POSTGRES=1 but SWITCHBOARD_TEST_POSTGRES_URL is not set"
            );
            eprintln!("postgres variant skipped: SWITCHBOARD_TEST_POSTGRES_URL not set");
        }
    }
    stores
}

fn command(url: &str, schema: &Option<String>, dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    command.current_dir(dir).env("SWITCHBOARD_DATABASE_URL", url).env("SWITCHBOARD_LOG__LEVEL", "warn");
    if let Some(schema) = schema {
        command.env("SWITCHBOARD_DATABASE__POSTGRES_SCHEMA", schema);
    }
    command
}

#[path = "common/ports.rs"]
mod ports;
use ports::free_port;

async fn start(url: &str, schema: &Option<String>, dir: &std::path::Path, port: u16) -> Server {
    let child = command(url, schema, dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let server = Server(child);
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the server did not answer /healthz");
}

async fn next(
    socket: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
) -> Value {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next()).await.expect("a frame in time") {
            Some(Ok(Message::Text(text))) => {
                let value: Value = serde_json::from_str(&text).expect("json");
                if value["type"] != "ping" {
                    return value;
                }
            }
            Some(Ok(_)) => {}
            other => panic!("connection ended: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acked_message_survives_sigkill() {
    let dir =
        std::env::temp_dir().join(format!("switchboard-kill-{}-{:08x}", std::process::id(), rand::random::<u32>()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pw"), "a long admin password\n").unwrap();
    for (url, schema) in stores(&dir) {
        let created = command(&url, &schema, &dir)
            .args([
                "account",
                "create",
                "--name",
                "Acme",
                "--slug",
                "acme",
                "--admin-email",
                "a@acme.test",
                "--admin-name",
                "A",
                "--password-file",
                "pw",
            ])
            .output()
            .unwrap();
        assert!(created.status.success(), "{created:?}");
        let token = command(&url, &schema, &dir)
            .args(["token", "create", "--account", "acme", "--email", "a@acme.test", "--name", "t"])
            .output()
            .unwrap();
        let token = String::from_utf8_lossy(&token.stdout).trim().to_string();
        let port = free_port();
        let mut server = start(&url, &schema, &dir, port).await;
        let base = format!("http://127.0.0.1:{port}/api/v1");
        let client = reqwest::Client::new();
        let channel: Value = client
            .post(format!("{base}/channels"))
            .bearer_auth(&token)
            .json(&json!({ "name": "API" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let body = json!({ "channel_id": channel["id"], "contact": { "name": "Lisa" } });
        let created: Value = client
            .post(format!("{base}/conversations"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["conversation"]["id"].as_str().unwrap().to_string();

        let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/ws")).await.unwrap();
        socket
            .send(Message::Text(
                json!({ "type": "hello", "auth": { "kind": "token", "token": token } }).to_string().into(),
            ))
            .await
            .unwrap();
        assert_eq!(next(&mut socket).await["type"], "welcome");
        let send = json!({ "type": "send", "ref": "k", "conversation_id": id, "client_id": "before-the-kill", "text": "must not be lost" });
        socket.send(Message::Text(send.to_string().into())).await.unwrap();
        let ack = next(&mut socket).await;
        assert_eq!(ack["type"], "ack", "{ack}");
        // SIGKILL at once: no shutdown, no flush.
        server.0.kill().unwrap();
        server.0.wait().unwrap();
        drop(server);

        let port = free_port();
        let _restarted = start(&url, &schema, &dir, port).await;
        let messages: Value = client
            .get(format!("http://127.0.0.1:{port}/api/v1/conversations/{id}/messages"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let kept: Vec<&Value> =
            messages.as_array().unwrap().iter().filter(|m| m["client_id"] == "before-the-kill").collect();
        assert_eq!(kept.len(), 1, "{messages}");
        assert_eq!(kept[0]["id"], ack["message"]["id"]);
        assert_eq!(kept[0]["text"], "must not be lost");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
