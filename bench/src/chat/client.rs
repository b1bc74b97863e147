//! One realtime-protocol connection (docs/protocol.md): TCP from a chosen source address, the
//! WebSocket upgrade with the `switchboard.v1` subprotocol, `hello` until `welcome`, and frame helpers.

use anyhow::{Context as _, bail};
use serde_json::Value;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

pub type Ws = WebSocketStream<TcpStream>;

/// Where the server listens.
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub ws_url: String,
    pub api: String,
}

impl Target {
    /// From the server's base URL, e.g. `http://127.0.0.1:8080`.
    pub fn parse(base: &str) -> anyhow::Result<Target> {
        let url = reqwest::Url::parse(base).with_context(|| format!("bad --url {base}"))?;
        anyhow::ensure!(url.scheme() == "http", "--url must be http:// (the bench speaks plain ws://)");
        let addr = url
            .socket_addrs(|| Some(80))?
            .into_iter()
            .next()
            .with_context(|| format!("--url {base} does not resolve"))?;
        let root = base.trim_end_matches('/');
        Ok(Target { addr, ws_url: format!("ws://{}/ws", addr), api: format!("{root}/api/v1") })
    }
}

/// Small buffers: the bench holds tens of thousands of mostly idle connections.
fn config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0)
}

/// Opens the socket (from `source` if given) and upgrades it; `origin` is sent as the Origin header.
pub async fn connect(target: &Target, source: Option<IpAddr>, origin: Option<&str>) -> anyhow::Result<Ws> {
    let socket = if target.addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    if let Some(ip) = source {
        socket.bind(SocketAddr::new(ip, 0)).context("bind")?;
    }
    let stream = socket.connect(target.addr).await.context("connect")?;
    stream.set_nodelay(true)?;
    let mut request = target.ws_url.as_str().into_client_request()?;
    request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("switchboard.v1"));
    if let Some(origin) = origin {
        request.headers_mut().insert("Origin", HeaderValue::from_str(origin)?);
    }
    let (ws, _) =
        tokio_tungstenite::client_async_with_config(request, stream, Some(config())).await.context("upgrade")?;
    Ok(ws)
}

/// A frame to send.
pub fn text(value: &Value) -> Message {
    Message::Text(Utf8Bytes::from(value.to_string()))
}

/// A JSON text frame, or None for anything else (pings at the WebSocket level are answered by the library).
pub fn json(message: &Message) -> Option<Value> {
    match message {
        Message::Text(text) => serde_json::from_str(text.as_str()).ok(),
        _ => None,
    }
}

/// Sends `hello` and waits for `welcome`, answering pings; the error names what came instead.
pub async fn hello(ws: &mut Ws, hello: Value) -> anyhow::Result<Value> {
    use futures_util::{SinkExt, StreamExt};
    ws.send(text(&hello)).await.context("send hello")?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    for _ in 0..16 {
        let frame = match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => bail!("hello: no welcome within 30 s"),
            Ok(None) => bail!("hello: connection closed"),
            Ok(Some(Err(error))) => bail!("hello: {error}"),
            Ok(Some(Ok(frame))) => frame,
        };
        if let Message::Close(close) = &frame {
            bail!("hello: closed {}", close.as_ref().map(|c| u16::from(c.code)).unwrap_or(0));
        }
        let Some(value) = json(&frame) else { continue };
        match value["type"].as_str() {
            Some("welcome") => return Ok(value),
            Some("ping") => ws.send(text(&serde_json::json!({"type": "pong", "t": value["t"]}))).await?,
            Some("error") => bail!("hello: error {}", value["code"].as_str().unwrap_or("?")),
            _ => {}
        }
    }
    bail!("hello: no welcome among the first frames")
}

/// `@<micros>` in a bench message's text: when it was due, in µs since the bench's time origin.
pub fn stamp_of(message: &Value) -> Option<u64> {
    message["text"].as_str()?.rsplit_once('@')?.1.parse().ok()
}

/// A bench client id, `<prefix>-<customer>-<n>`, as one number: customer << 32 | n.
pub fn key_of(client_id: &str, prefix: char) -> Option<u64> {
    let rest = client_id.strip_prefix(prefix)?.strip_prefix('-')?;
    let (customer, n) = rest.split_once('-')?;
    Some((customer.parse::<u64>().ok()? << 32) | n.parse::<u32>().ok()? as u64)
}

pub fn customer_of(key: u64) -> u32 {
    (key >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_stamps() {
        assert_eq!(key_of("c-7-3", 'c'), Some((7 << 32) | 3));
        assert_eq!(key_of("a-7-3", 'c'), None);
        assert_eq!(customer_of(key_of("a-9000-12", 'a').unwrap()), 9000);
        assert_eq!(stamp_of(&serde_json::json!({"text": "bench 4 @12345"})), Some(12345));
    }

    #[test]
    fn target_from_base_url() {
        let target = Target::parse("http://127.0.0.1:18090/").unwrap();
        assert_eq!(target.ws_url, "ws://127.0.0.1:18090/ws");
        assert_eq!(target.api, "http://127.0.0.1:18090/api/v1");
    }
}
