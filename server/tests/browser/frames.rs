//! More of WebDriver for pages that embed others: scripts, frames, shadow roots, file inputs,
//! reloads. (Used by the chat widget's test: a host page with the widget in a shadow root and an
//! iframe.)

use super::{ELEMENT_KEY, Session, WAIT};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The key of a shadow root reference in WebDriver answers.
const SHADOW_KEY: &str = "shadow-6066-11e4-a52e-4f735466cecf";

impl Session {
    /// Runs `script` (a function body; `arguments` holds `args`) in the current frame and returns
    /// its result.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.command(reqwest::Method::POST, "/execute/sync", Some(json!({ "script": script, "args": args }))).await
    }

    /// Reloads the top-level page.
    pub async fn refresh(&self) {
        self.command(reqwest::Method::POST, "/refresh", None).await;
    }

    /// The element matching `inner` inside the open shadow root of the element matching `host`,
    /// waiting for both.
    pub async fn shadow_find(&self, host: &str, inner: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(found) = self.try_shadow_find(host, inner).await {
                return found;
            }
            assert!(Instant::now() < deadline, "no `{inner}` in the shadow root of `{host}` after {WAIT:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn try_shadow_find(&self, host: &str, inner: &str) -> Option<String> {
        let host = self.try_find(host).await?;
        let root = self.try_get(&format!("/element/{host}/shadow")).await.ok()?;
        let root = root[SHADOW_KEY].as_str()?.to_string();
        let found = self
            .try_command(
                reqwest::Method::POST,
                &format!("/shadow/{root}/element"),
                json!({ "using": "css selector", "value": inner }),
            )
            .await
            .ok()?;
        found[ELEMENT_KEY].as_str().map(str::to_string)
    }

    /// Clicks the element matching `css`, finding it again when the page replaced it in between
    /// (a list that re-renders as events arrive).
    pub async fn click_fresh(&self, css: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let element = self.find(css).await;
            match self.try_command(reqwest::Method::POST, &format!("/element/{element}/click"), json!({})).await {
                Ok(_) => return,
                Err(error) if error.contains("stale element") && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => panic!("click on `{css}`: {error}"),
            }
        }
    }

    /// Clicks an element found by reference.
    pub async fn click_element(&self, element: &str) {
        self.command(reqwest::Method::POST, &format!("/element/{element}/click"), None).await;
    }

    /// The visible text of an element found by reference.
    pub async fn element_text(&self, element: &str) -> String {
        self.command(reqwest::Method::GET, &format!("/element/{element}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn element_displayed(&self, element: &str) -> bool {
        self.try_get(&format!("/element/{element}/displayed")).await.ok() == Some(json!(true))
    }

    /// Enters the iframe found by reference; later commands act inside it.
    pub async fn enter_frame(&self, element: &str) {
        self.command(reqwest::Method::POST, "/frame", Some(json!({ "id": { ELEMENT_KEY: element } }))).await;
    }

    /// Back to the top-level page.
    pub async fn leave_frames(&self) {
        self.command(reqwest::Method::POST, "/frame", Some(json!({ "id": null }))).await;
    }

    /// Chooses a file in the `<input type=file>` matching `css`.
    pub async fn choose_file(&self, css: &str, path: &std::path::Path) {
        let element = self.try_find(css).await.unwrap_or_else(|| panic!("no file input `{css}`"));
        let text = path.display().to_string();
        self.command(reqwest::Method::POST, &format!("/element/{element}/value"), Some(json!({ "text": text }))).await;
    }

    /// Whether an element matching `css` exists now (no waiting).
    pub async fn exists(&self, css: &str) -> bool {
        self.try_find(css).await.is_some()
    }

    /// The browser console's messages of every level since the last call.
    pub async fn console_messages(&self) -> Vec<(String, String)> {
        let entries = self.command(reqwest::Method::POST, "/se/log", Some(json!({ "type": "browser" }))).await;
        entries
            .as_array()
            .map(|all| {
                all.iter()
                    .map(|e| {
                        (
                            e["level"].as_str().unwrap_or_default().to_string(),
                            e["message"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Standard base64, for test fixtures.
pub fn base64_decode(text: &str) -> Vec<u8> {
    super::decode_base64(text)
}
