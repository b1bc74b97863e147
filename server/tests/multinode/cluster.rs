//! The multi-node fixture: an account and token made with the CLI, two `switchboard serve` processes
//! on one PostgreSQL schema and one Redis, and nginx in front of both (foreground, one process, its
//! config, pid and logs in a temp folder). Every process is killed when the fixture is dropped; on a
//! failure the folder (with the nodes' logs) is kept and named.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A child process killed (SIGKILL) and reaped on drop.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub struct Cluster {
    dir: PathBuf,
    env: Vec<(&'static str, String)>,
    nodes: [Option<Process>; 2],
    ports: [u16; 2],
    nginx: Option<Process>,
    nginx_port: u16,
    http: reqwest::Client,
    pub token: String,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.nginx.take();
        self.nodes = [None, None];
        if std::thread::panicking() {
            eprintln!("multinode: logs kept in {}", self.dir.display());
            for log in ["node-0.log", "node-1.log", "nginx-error.log"] {
                let text = std::fs::read_to_string(self.dir.join(log)).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(15).collect();
                eprintln!("--- {log} (last lines)\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
            }
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[path = "../common/ports.rs"]
mod ports;
use ports::free_port;

fn nginx_binary() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|p| p.join("nginx")).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path.into_iter().chain([PathBuf::from("/usr/sbin/nginx")]).find(|p| p.is_file())
}

/// What the test needs, or None (skipped) when something is missing and not required.
fn requirements() -> Option<(String, String, PathBuf)> {
    let required = |name: &str| std::env::var(name).as_deref() == Ok("1");
    let postgres = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL").ok();
    let redis = std::env::var("SWITCHBOARD_TEST_REDIS_URL").ok();
    let nginx = nginx_binary();
    assert!(
        postgres.is_some() || !required("SWITCHBOARD_TEST_REQUIRE_POSTGRES"),
        "SWITCHBOARD_TEST_REQUIRE_POSTGRES=1 but SWITCHBOARD_TEST_POSTGRES_URL is not set"
    );
    assert!(
        redis.is_some() || !required("SWITCHBOARD_TEST_REQUIRE_REDIS"),
        "SWITCHBOARD_TEST_REQUIRE_REDIS=1 but SWITCHBOARD_TEST_REDIS_URL is not set"
    );
    let services_required = required("SWITCHBOARD_TEST_REQUIRE_POSTGRES") || required("SWITCHBOARD_TEST_REQUIRE_REDIS");
    assert!(
        nginx.is_some() || !services_required,
        "the multi-node test is required (SWITCHBOARD_TEST_REQUIRE_*=1) but nginx is not installed"
    );
    match (postgres, redis, nginx) {
        (Some(postgres), Some(redis), Some(nginx)) => Some((postgres, redis, nginx)),
        (postgres, redis, nginx) => {
            let missing: Vec<&str> = [
                postgres.is_none().then_some("SWITCHBOARD_TEST_POSTGRES_URL"),
                redis.is_none().then_some("SWITCHBOARD_TEST_REDIS_URL"),
                nginx.is_none().then_some("nginx"),
            ]
            .into_iter()
            .flatten()
            .collect();
            eprintln!("skipped: the multi-node test needs {}", missing.join(", "));
            None
        }
    }
}

fn nginx_config(dir: &Path, port: u16, nodes: [u16; 2]) -> String {
    let d = dir.display();
    format!(
        r#"master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {d}/nginx-access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream switchboard {{
        server 127.0.0.1:{a} max_fails=1 fail_timeout=30s;
        server 127.0.0.1:{b} max_fails=1 fail_timeout=30s;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://switchboard;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 120s;
            proxy_next_upstream error timeout;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"#,
        a = nodes[0],
        b = nodes[1],
    )
}

/// Whether `/healthz` on `port` answers within ten seconds; `through_nginx` also asks that the answer
/// carries nginx's X-Upstream header, so it is nginx answering and not whatever else holds the port.
async fn healthy(http: &reqwest::Client, port: u16, through_nginx: bool) -> bool {
    let url = format!("http://127.0.0.1:{port}/healthz");
    for _ in 0..400 {
        if let Ok(response) = http.get(&url).send().await
            && response.status().is_success()
            && (!through_nginx || response.headers().contains_key("x-upstream"))
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

impl Cluster {
    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        command.current_dir(&self.dir).envs(self.env.iter().map(|(k, v)| (*k, v.as_str())));
        command
    }

    fn cli(&self, args: &[&str]) -> String {
        let output = self.command().args(args).output().expect("run the CLI");
        assert!(output.status.success(), "switchboard {args:?}: {output:?}");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    async fn start_node(&mut self, node: usize) {
        let log = std::fs::File::create(self.dir.join(format!("node-{node}.log"))).expect("node log");
        let child = self
            .command()
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.ports[node])])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start a node");
        self.nodes[node] = Some(Process(child));
        assert!(healthy(&self.http, self.ports[node], false).await, "node {node} did not answer /healthz");
    }

    /// Both nodes and nginx, with an account and an admin token; None when skipped.
    pub async fn start() -> Option<Cluster> {
        let (postgres, redis, nginx) = requirements()?;
        let stamp =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let unique = format!("{stamp}_{:08x}", rand::random::<u32>());
        let dir = std::env::temp_dir().join(format!("switchboard-multinode-{unique}"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("pw"), "a long admin password\n").expect("password file");
        let env = vec![
            ("SWITCHBOARD_DATABASE_URL", postgres),
            ("SWITCHBOARD_DATABASE__POSTGRES_SCHEMA", format!("t_mn_{unique}")),
            ("SWITCHBOARD_REDIS_URL", redis),
            ("SWITCHBOARD_LOG__LEVEL", "warn".to_string()),
        ];
        let mut cluster = Cluster {
            dir,
            env,
            nodes: [None, None],
            ports: [free_port(), free_port()],
            nginx: None,
            nginx_port: free_port(),
            http: reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("http client"),
            token: String::new(),
        };
        let account = ["account", "create", "--name", "Acme 商城", "--slug", "acme", "--admin-email", "a@acme.test"];
        cluster.cli(&[&account[..], &["--admin-name", "Ann", "--password-file", "pw"]].concat());
        cluster.token =
            cluster.cli(&["token", "create", "--account", "acme", "--email", "a@acme.test", "--name", "mn"]);
        cluster.start_node(0).await;
        cluster.start_node(1).await;
        std::fs::write(cluster.dir.join("nginx.conf"), nginx_config(&cluster.dir, cluster.nginx_port, cluster.ports))
            .expect("nginx config");
        let child = Command::new(nginx)
            .arg("-p")
            .arg(&cluster.dir)
            .args(["-c", "nginx.conf", "-e", "nginx-error.log", "-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        cluster.nginx = Some(Process(child));
        assert!(healthy(&cluster.http, cluster.nginx_port, true).await, "nginx did not pass /healthz through");
        Some(cluster)
    }

    /// A web_widget channel allowing `origin`; its public key.
    pub async fn widget_channel(&self, origin: &str) -> String {
        let api = format!("http://127.0.0.1:{}/api/v1", self.nginx_port);
        let response = self
            .http
            .post(format!("{api}/channels"))
            .bearer_auth(&self.token)
            .json(&json!({"kind": "web_widget", "name": "官网客服"}))
            .send()
            .await
            .expect("create the channel");
        assert_eq!(response.status(), 201, "create the widget channel");
        let channel: Value = response.json().await.expect("channel json");
        let patched = self
            .http
            .patch(format!("{api}/channels/{}", channel["id"].as_str().expect("channel id")))
            .bearer_auth(&self.token)
            .json(&json!({"settings": {"allowed_origins": [origin]}}))
            .send()
            .await
            .expect("patch the channel");
        assert!(patched.status().is_success(), "allow the shop's origin: {}", patched.status());
        channel["public_key"].as_str().expect("the channel's public_key").to_string()
    }

    async fn connect(&self, port: u16, origin: Option<&str>) -> (Socket, Option<String>) {
        let mut request = format!("ws://127.0.0.1:{port}/ws").into_client_request().expect("request");
        request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("switchboard.v1"));
        if let Some(origin) = origin {
            request.headers_mut().insert("Origin", HeaderValue::from_str(origin).expect("origin"));
        }
        let (socket, response) = tokio_tungstenite::connect_async(request).await.expect("WebSocket upgrade");
        let upstream = response.headers().get("x-upstream").and_then(|v| v.to_str().ok()).map(str::to_string);
        (Socket(socket), upstream)
    }

    /// Through nginx; also which node nginx chose (the last upstream it tried).
    pub async fn connect_via_nginx(&self, origin: Option<&str>) -> (Socket, usize) {
        let (socket, upstream) = self.connect(self.nginx_port, origin).await;
        let upstream = upstream.expect("nginx names the upstream (X-Upstream)");
        let last = upstream.rsplit(',').next().unwrap_or_default().trim();
        let node = self.ports.iter().position(|p| last == format!("127.0.0.1:{p}"));
        (socket, node.unwrap_or_else(|| panic!("unknown upstream {upstream}")))
    }

    pub async fn connect_direct(&self, node: usize) -> Socket {
        self.connect(self.ports[node], None).await.0
    }

    pub fn kill_node(&mut self, node: usize) {
        self.nodes[node].take().expect("the node is running");
    }

    /// Every stored message of a conversation, in seq order (over REST, through nginx).
    pub async fn messages(&self, conversation: &str) -> Vec<Value> {
        let url = format!("http://127.0.0.1:{}/api/v1/conversations/{conversation}/messages", self.nginx_port);
        let response = self.http.get(url).bearer_auth(&self.token).send().await.expect("list messages");
        assert!(response.status().is_success(), "list messages: {}", response.status());
        response.json().await.expect("messages json")
    }

    pub fn finish(self) {}

    /// An API token for a user of the account (made with the CLI).
    pub fn token_for(&self, email: &str) -> String {
        self.cli(&["token", "create", "--account", "acme", "--email", email, "--name", "routing"])
    }

    /// Calls the API on a node (directly) or through nginx (`None`) with the admin's token, and
    /// returns the status and the JSON answer.
    pub async fn api(
        &self,
        node: Option<usize>,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let port = node.map(|n| self.ports[n]).unwrap_or(self.nginx_port);
        let mut request = self.http.request(method, format!("http://127.0.0.1:{port}/api/v1{path}"));
        request = request.bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("an API answer");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A socket straight to a node, as an agent console with `token` (present for routing).
    pub async fn agent_console(&self, node: usize, token: &str) -> Socket {
        let mut socket = self.connect_direct(node).await;
        let hello = json!({"type": "hello", "ref": "h", "auth": {"kind": "token", "token": token}, "agent": true});
        socket.hello(hello).await;
        socket
    }
}

pub struct Socket(WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>);

impl Socket {
    pub async fn send(&mut self, frame: Value) {
        // A write into a connection whose server just died may fail or vanish: both are what a
        // client meets, so the outcome is ignored (what counts is the ack).
        let _ = self.0.send(Message::Text(Utf8Bytes::from(frame.to_string()))).await;
    }

    /// The next frame that is not a heartbeat (answered), or None when the connection ended.
    pub async fn try_next(&mut self) -> Option<Value> {
        for _ in 0..100 {
            match self.0.next().await {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(text.as_str()).expect("a JSON frame");
                    if value["type"] == "ping" {
                        self.send(json!({"type": "pong", "t": value["t"]})).await;
                        continue;
                    }
                    return Some(value);
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return None,
                Some(Ok(_)) => {}
            }
        }
        None
    }

    /// The next frame within 10 s; panics if the connection ends first.
    pub async fn next(&mut self) -> Value {
        match tokio::time::timeout(Duration::from_secs(10), self.try_next()).await {
            Ok(Some(frame)) => frame,
            Ok(None) => panic!("the connection ended"),
            Err(_) => panic!("no frame within 10 s"),
        }
    }

    /// Sends `hello` and returns `welcome`.
    pub async fn hello(&mut self, hello: Value) -> Value {
        self.send(hello).await;
        let welcome = self.next().await;
        assert_eq!(welcome["type"], "welcome", "hello answered with {welcome}");
        welcome
    }
}
