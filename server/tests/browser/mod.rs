//! A small W3C WebDriver client for end-to-end tests in real headless Chromium: starts
//! `chromedriver` on a free port (stopped on drop) and opens independent browser sessions, each
//! with its own fresh profile (so two sessions are two separate users).
//!
//! Binaries: `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian's `chromium` and
//! `chromium-driver` packages), or the paths in `CHROME_BIN` and `CHROMEDRIVER_BIN`.

#![allow(dead_code)]

mod frames;
pub use frames::base64_decode;

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The key of an element reference in WebDriver answers.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long `wait_*` calls wait by default.
pub const WAIT: Duration = Duration::from_secs(15);

#[path = "../common/ports.rs"]
mod ports;
pub use ports::free_port;

/// A unique, new temporary directory.
pub fn temp_dir(prefix: &str) -> PathBuf {
    let unique = format!(
        "{prefix}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
    );
    let dir = std::env::temp_dir().join(unique);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

fn binary(variable: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(variable).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(default));
    if !path.exists() {
        panic!(
            "{} not found: the browser tests need Chromium and its WebDriver. Install them with \
             `apt-get install -y chromium chromium-driver` (CI installs them), or set {variable} to the binary.",
            path.display()
        );
    }
    path
}

/// A running `chromedriver`.
pub struct Driver {
    child: Child,
    port: u16,
    url: String,
    chrome: PathBuf,
    http: reqwest::Client,
}

impl Driver {
    pub async fn start() -> Driver {
        let chrome = binary("CHROME_BIN", "/usr/bin/chromium");
        let chromedriver = binary("CHROMEDRIVER_BIN", "/usr/bin/chromedriver");
        let port = free_port();
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", chromedriver.display()));
        let driver =
            Driver { child, port, url: format!("http://127.0.0.1:{port}"), chrome, http: reqwest::Client::new() };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(answer) = driver.http.get(format!("{}/status", driver.url)).send().await
                && let Ok(status) = answer.json::<Value>().await
                && status["value"]["ready"] == json!(true)
            {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not become ready on port {port}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        driver
    }

    /// A new browser with a fresh profile: no cookies, no storage, nothing shared.
    pub async fn session(&self) -> Session {
        let profile = temp_dir("sb-e2e-chrome");
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
            "--lang=en-US",
        ];
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "goog:loggingPrefs": { "browser": "ALL" },
                    "goog:chromeOptions": { "binary": self.chrome.display().to_string(), "args": args }
                }
            }
        });
        let answer =
            call(&self.http, reqwest::Method::POST, &format!("{}/session", self.url), Some(capabilities)).await;
        let id = answer["value"]["sessionId"]
            .as_str()
            .or(answer["sessionId"].as_str())
            .unwrap_or_else(|| panic!("no session id in {answer}"))
            .to_string();
        Session { http: self.http.clone(), url: format!("{}/session/{id}", self.url), profile, closed: false }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Ask chromedriver to end its browsers, then stop it.
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = stream.write_all(b"GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            let mut sink = Vec::new();
            let _ = stream.read_to_end(&mut sink);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends a WebDriver command; a WebDriver error is a panic naming the command and the error.
async fn call(http: &reqwest::Client, method: reqwest::Method, url: &str, body: Option<Value>) -> Value {
    let mut request = http.request(method.clone(), url);
    if let Some(body) = body {
        request = request.json(&body);
    } else if method == reqwest::Method::POST {
        request = request.json(&json!({}));
    }
    let answer = request.send().await.unwrap_or_else(|e| panic!("WebDriver {method} {url}: {e}"));
    let status = answer.status();
    let value: Value =
        answer.json().await.unwrap_or_else(|e| panic!("WebDriver {method} {url}: unreadable answer: {e}"));
    if !status.is_success() {
        panic!("WebDriver {method} {url}: {status}: {} {}", value["value"]["error"], value["value"]["message"]);
    }
    value
}

/// One browser.
pub struct Session {
    http: reqwest::Client,
    url: String,
    profile: PathBuf,
    closed: bool,
}

impl Session {
    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        call(&self.http, method, &format!("{}{path}", self.url), body).await["value"].take()
    }

    /// Like `command`, but a WebDriver error is returned instead of a panic.
    async fn try_command(&self, method: reqwest::Method, path: &str, body: Value) -> Result<Value, String> {
        let answer = self
            .http
            .request(method, format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = answer.status();
        let mut value: Value = answer.json().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(value["value"].take())
        } else {
            Err(format!("{}: {}", value["value"]["error"], value["value"]["message"]))
        }
    }

    pub async fn goto(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
    }

    pub async fn current_url(&self) -> String {
        self.command(reqwest::Method::GET, "/url", None).await.as_str().unwrap_or_default().to_string()
    }

    /// The path (and query) of the current page.
    pub async fn path(&self) -> String {
        let url = self.current_url().await;
        let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(&url);
        rest.find('/').map(|i| rest[i..].to_string()).unwrap_or_else(|| "/".into())
    }

    async fn try_find(&self, css: &str) -> Option<String> {
        let found = self
            .try_command(reqwest::Method::POST, "/element", json!({ "using": "css selector", "value": css }))
            .await
            .ok()?;
        found[ELEMENT_KEY].as_str().map(str::to_string)
    }

    /// The element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> String {
        self.wait_for(css, WAIT).await
    }

    pub async fn wait_for(&self, css: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(element) = self.try_find(css).await {
                return element;
            }
            if Instant::now() > deadline {
                panic!(
                    "no element `{css}` after {timeout:?} on {}:\n{}",
                    self.current_url().await,
                    self.page_text().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the page's visible text contains `text`.
    pub async fn wait_for_text(&self, text: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let page = self.page_text().await;
            if page.contains(text) {
                return;
            }
            if Instant::now() > deadline {
                panic!("no text `{text}` after {timeout:?} on {}:\n{page}", self.current_url().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the current path is `path`.
    pub async fn wait_for_path(&self, path: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.path().await != path {
            if Instant::now() > deadline {
                panic!(
                    "expected to be on {path}, still on {} after {timeout:?}:\n{}",
                    self.current_url().await,
                    self.page_text().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Replaces the value of the input matching `css`.
    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.command(reqwest::Method::POST, &format!("/element/{element}/clear"), None).await;
        self.command(reqwest::Method::POST, &format!("/element/{element}/value"), Some(json!({ "text": text }))).await;
    }

    /// Types `text` into the element matching `css` without clearing it first. WebDriver key codes
    /// work inside: `\u{E007}` Enter, `\u{E008}` Shift (held until `\u{E000}`).
    pub async fn type_keys(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.command(reqwest::Method::POST, &format!("/element/{element}/value"), Some(json!({ "text": text }))).await;
    }

    /// Presses one key where the focus is (WebDriver actions), as a person would.
    pub async fn press(&self, key: &str) {
        let keys = json!([{ "type": "keyDown", "value": key }, { "type": "keyUp", "value": key }]);
        let actions = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": keys }] });
        self.command(reqwest::Method::POST, "/actions", Some(actions)).await;
    }

    /// How many elements match `css` right now.
    pub async fn count(&self, css: &str) -> usize {
        self.try_command(reqwest::Method::POST, "/elements", json!({ "using": "css selector", "value": css }))
            .await
            .ok()
            .and_then(|found| found.as_array().map(Vec::len))
            .unwrap_or(0)
    }

    /// Waits until `count(css)` is `n`.
    pub async fn wait_for_count(&self, css: &str, n: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let now = self.count(css).await;
            if now == n {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "`{css}` matched {now}, not {n}, after {timeout:?} on {}:\n{}",
                    self.current_url().await,
                    self.page_text().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.command(reqwest::Method::POST, &format!("/element/{element}/click"), None).await;
    }

    /// Chooses the option with `value` in the select matching `css`.
    pub async fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]")).await;
    }

    /// Chooses the option whose text is `label` in the select matching `css`.
    pub async fn select_label(&self, css: &str, label: &str) {
        let select = self.find(css).await;
        let xpath = format!(".//option[normalize-space(.)=\"{label}\"]");
        let found = self
            .command(
                reqwest::Method::POST,
                &format!("/element/{select}/element"),
                Some(json!({ "using": "xpath", "value": xpath })),
            )
            .await;
        let option =
            found[ELEMENT_KEY].as_str().unwrap_or_else(|| panic!("no option `{label}` in `{css}`")).to_string();
        self.command(reqwest::Method::POST, &format!("/element/{option}/click"), None).await;
    }

    /// Runs `GET /element/<id>/<what>` on the element matching `css`, finding it again when the
    /// page replaced it in between (a "stale element", as after an htmx swap).
    async fn element_get(&self, css: &str, what: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let element = self.find(css).await;
            match self.try_get(&format!("/element/{element}/{what}")).await {
                Ok(value) => return value,
                Err(error) if error.contains("stale element") && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(error) => panic!("WebDriver {what} of `{css}`: {error}"),
            }
        }
    }

    async fn try_get(&self, path: &str) -> Result<Value, String> {
        let answer = self.http.get(format!("{}{path}", self.url)).send().await.map_err(|e| e.to_string())?;
        let status = answer.status();
        let mut value: Value = answer.json().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(value["value"].take())
        } else {
            Err(format!("{}: {}", value["value"]["error"], value["value"]["message"]))
        }
    }

    /// The visible text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.element_get(css, "text").await.as_str().unwrap_or_default().to_string()
    }

    pub async fn attribute(&self, css: &str, name: &str) -> Option<String> {
        self.element_get(css, &format!("attribute/{name}")).await.as_str().map(str::to_string)
    }

    pub async fn displayed(&self, css: &str) -> bool {
        self.element_get(css, "displayed").await == json!(true)
    }

    /// The visible text of the whole page.
    pub async fn page_text(&self) -> String {
        match self.try_find("body").await {
            Some(body) => self
                .try_get(&format!("/element/{body}/text"))
                .await
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            None => String::new(),
        }
    }

    /// The browser console's errors since the last call (Content-Security-Policy violations,
    /// script errors, failed loads). Chromium's logging extension of WebDriver.
    pub async fn console_errors(&self) -> Vec<String> {
        let entries = self.command(reqwest::Method::POST, "/se/log", Some(json!({ "type": "browser" }))).await;
        entries
            .as_array()
            .map(|all| {
                all.iter()
                    .filter(|e| e["level"] == json!("SEVERE"))
                    .map(|e| e["message"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub async fn set_window_size(&self, width: u32, height: u32) {
        self.command(reqwest::Method::POST, "/window/rect", Some(json!({ "width": width, "height": height }))).await;
    }

    /// Saves a PNG of the viewport.
    pub async fn screenshot(&self, path: &Path) {
        let data = self.command(reqwest::Method::GET, "/screenshot", None).await;
        let png = decode_base64(data.as_str().unwrap_or_default());
        std::fs::write(path, png).unwrap_or_else(|e| panic!("could not write {}: {e}", path.display()));
    }

    /// Ends the browser and removes its profile.
    pub async fn quit(mut self) {
        let _ = self.http.delete(&self.url).send().await;
        self.closed = true;
        remove_profile(&self.profile);
    }
}

/// Standard base64 (WebDriver screenshots), without a dependency for it.
fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for sextet in text.bytes().filter_map(value) {
        buffer = (buffer << 6) | u32::from(sextet);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

fn remove_profile(profile: &Path) {
    // Chromium may still be writing for a moment after quitting.
    for _ in 0..10 {
        if std::fs::remove_dir_all(profile).is_ok() || !profile.exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.closed {
            // The driver's shutdown ends the browser; the profile is removed best-effort.
            let _ = std::fs::remove_dir_all(&self.profile);
        }
    }
}
