//! The widget test's surroundings: a shop's website on its own origin (a tiny HTTP server), the
//! admin's API token, and an agent on the WebSocket protocol.

use super::super::Server;
use crate::browser::{Driver, WAIT};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

/// First-run setup in a browser, then an API token from the tokens page.
pub async fn admin_token(server: &Server, driver: &Driver) -> String {
    let admin = driver.session().await;
    admin.goto(&server.url("/")).await;
    admin.wait_for_path("/setup", WAIT).await;
    admin.fill("[name='account.name']", "Acme").await;
    admin.fill("[name='admin.name']", "Ada Admin").await;
    admin.fill("[name='admin.email']", "ada@example.com").await;
    admin.fill("[name='admin.password']", "correct horse battery").await;
    admin.fill("[name='admin.password_confirm']", "correct horse battery").await;
    admin.select("select[name='locale']", "en").await;
    admin.click("#setup-submit").await;
    admin.wait_for_path("/", WAIT).await;
    admin.goto(&server.url("/settings/tokens")).await;
    admin.fill("[name='name']", "Widget test").await;
    admin.click("#token-submit").await;
    admin.wait_for("#token-secret", WAIT).await;
    let token = admin.text("#token-secret").await;
    admin.quit().await;
    token
}

/// A website on another origin than Switchboard (another port), embedding the widget.
pub struct HostSite {
    pub base: String,
    listener: std::sync::Mutex<Option<TcpListener>>,
}

impl HostSite {
    pub async fn bind() -> HostSite {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port for the host site");
        let base = format!("http://{}", listener.local_addr().expect("its address"));
        HostSite { base, listener: std::sync::Mutex::new(Some(listener)) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Serves `/` (the shop with the widget), `/forged` (with a forged identity) and `/framed`
    /// (the chat page framed directly, with the allowed origin `framed_as` in its address).
    pub fn serve(&self, switchboard: &str, key: &str, framed_as: &str) {
        let embed = format!(r#"<script src="{switchboard}/widget.js" data-channel="{key}" async></script>"#);
        // Counts the widget's beeps (WebAudio oscillators) for the test.
        let count_beeps = "<script>window.__beeps = 0; (function () { var A = window.AudioContext; if (!A) return; \
            var make = A.prototype.createOscillator; A.prototype.createOscillator = function () { window.__beeps++; \
            return make.apply(this, arguments); }; })();</script>";
        let page = |title: &str, extra: &str| {
            format!(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
                 <body><h1>{title}</h1><p>Our products.</p>{extra}</body></html>"
            )
        };
        let forged = r#"<script>window.SwitchboardSettings = {userId: "u-991", userHash: "00000000000000000000000000000000000000000000000000000000000000ff", name: "Mallory", email: "mallory@example.com"};</script>"#;
        let framed =
            format!(r#"<iframe id="direct" src="{switchboard}/widget/{key}?origin={framed_as}&lang=en"></iframe>"#);
        let pages: Arc<HashMap<&'static str, String>> = Arc::new(HashMap::from([
            ("/", page("Acme Shop", &format!("{count_beeps}{embed}"))),
            ("/forged", page("Acme Shop account", &format!("{forged}{embed}"))),
            ("/framed", page("Somewhere else", &framed)),
        ]));
        let Some(listener) = self.listener.lock().ok().and_then(|mut l| l.take()) else { return };
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let pages = pages.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buffer = [0u8; 2048];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buffer[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&head);
                    let path = head.split_whitespace().nth(1).unwrap_or("/");
                    let path = path.split('?').next().unwrap_or("/");
                    let answer = match pages.get(path) {
                        Some(body) => format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
                             Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        ),
                        None => "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".to_string(),
                    };
                    let _ = stream.write_all(answer.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
    }
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// An agent on the realtime protocol with the admin's API token, following every conversation.
pub struct AgentSocket {
    socket: Socket,
    /// Frames read while waiting for another one, for later waits.
    kept: VecDeque<Value>,
    sent: u32,
}

impl AgentSocket {
    pub async fn connect(server: &Server, token: &str) -> AgentSocket {
        let url = server.url("/ws").replace("http://", "ws://");
        let (socket, _) = tokio_tungstenite::connect_async(url).await.expect("the agent's socket");
        let mut agent = AgentSocket { socket, kept: VecDeque::new(), sent: 0 };
        agent.send(json!({ "type": "hello", "ref": "h", "auth": { "kind": "token", "token": token } })).await;
        let welcome = agent.next(|f| f["type"] != "event").await;
        assert_eq!(welcome["type"], "welcome", "{welcome}");
        agent.send(json!({ "type": "subscribe", "ref": "inbox", "inbox": { "view": "all" } })).await;
        agent
    }

    pub async fn send(&mut self, frame: Value) {
        self.socket.send(Message::Text(frame.to_string().into())).await.expect("the agent sends");
    }

    /// The first frame (kept or new) that `wanted` accepts; the others are kept.
    pub async fn next(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(at) = self.kept.iter().position(&wanted) {
            return self.kept.remove(at).unwrap_or_default();
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = tokio::time::timeout(left, self.socket.next()).await;
            let frame: Value = match message {
                Ok(Some(Ok(Message::Text(text)))) => serde_json::from_str(&text).unwrap_or_default(),
                Ok(Some(Ok(_))) => continue,
                Ok(other) => panic!("the agent's socket ended: {other:?}"),
                Err(_) => panic!("the agent waited in vain; frames seen: {:#?}", self.kept),
            };
            if frame["type"] == "ping" {
                let pong = json!({ "type": "pong", "t": frame["t"] });
                self.send(pong).await;
            } else if wanted(&frame) {
                return frame;
            } else {
                self.kept.push_back(frame);
            }
        }
    }

    /// The next event of `topic` that `also` accepts.
    pub async fn next_event(&mut self, topic: &str, also: impl Fn(&Value) -> bool) -> Value {
        self.next(|f| f["type"] == "event" && f["topic"] == topic && also(f)).await
    }

    /// Sends a message as the agent and waits for its ack.
    pub async fn reply(&mut self, conversation: &str, text: &str) -> Value {
        self.sent += 1;
        let r#ref = format!("r{}", self.sent);
        let frame = json!({ "type": "send", "ref": r#ref, "conversation_id": conversation,
            "client_id": format!("agent-{}-{}", self.sent, rand::random::<u32>()), "text": text });
        self.send(frame).await;
        let answer = self.next(|f| f["ref"] == r#ref.as_str()).await;
        assert_eq!(answer["type"], "ack", "the agent's message: {answer}");
        answer
    }
}

impl Server {
    /// Stops the server at once, as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same address and database, and waits for `/healthz`.
    pub async fn start_again(&mut self) {
        let listen = self.base.trim_start_matches("http://").to_string();
        let log = std::fs::OpenOptions::new().append(true).open(self.dir.join("server.log")).expect("the log file");
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
        command
            .args(["serve", "--listen", &listen, "--database-url", &self.database_url])
            .current_dir(&self.dir)
            .env("RUST_LOG", "warn")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(log);
        if let Some(schema) = &self.postgres_schema {
            command.env("SWITCHBOARD_DATABASE__POSTGRES_SCHEMA", schema);
        }
        self.child = command.spawn().expect("the switchboard binary starts again");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + std::time::Duration::from_secs(60);
        loop {
            if let Ok(answer) = http.get(self.url("/healthz")).send().await
                && answer.status() == reqwest::StatusCode::OK
            {
                return;
            }
            assert!(Instant::now() < deadline, "switchboard did not come back:\n{}", self.log());
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}
