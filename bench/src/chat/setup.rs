//! What a chat run needs before it starts: enough file descriptors, the source addresses to spread
//! connections over, and the channel the customers write to (created over the REST API).

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr};

/// Raises this process's open-file limit to `wanted` (soft, and hard too when allowed: root).
/// Returns the soft limit in force afterwards.
pub fn raise_fd_limit(wanted: u64) -> u64 {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed by pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 0;
        }
        if limit.rlim_cur >= wanted {
            return limit.rlim_cur;
        }
        let raised = libc::rlimit { rlim_cur: wanted, rlim_max: limit.rlim_max.max(wanted) };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
            return wanted;
        }
        let capped = libc::rlimit { rlim_cur: limit.rlim_max.min(wanted), rlim_max: limit.rlim_max };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &capped) == 0 {
            return capped.rlim_cur;
        }
        limit.rlim_cur
    }
}

/// `127.0.0.1-127.0.0.8`, `127.0.0.1,127.0.0.2` or a mix: the local addresses connections are
/// spread over (one ephemeral port range each), at most 256.
pub fn parse_source_ips(spec: &str) -> anyhow::Result<Vec<IpAddr>> {
    let mut ips = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((first, last)) => {
                let first: Ipv4Addr = first.trim().parse().with_context(|| format!("bad address {first}"))?;
                let last: Ipv4Addr = last.trim().parse().with_context(|| format!("bad address {last}"))?;
                let (first, last) = (u32::from(first), u32::from(last));
                anyhow::ensure!(first <= last && last - first < 256, "range {part}: at most 256 addresses, in order");
                ips.extend((first..=last).map(|ip| IpAddr::V4(Ipv4Addr::from(ip))));
            }
            None => ips.push(part.parse().with_context(|| format!("bad address {part}"))?),
        }
    }
    anyhow::ensure!(!ips.is_empty() && ips.len() <= 256, "--source-ips: between 1 and 256 addresses");
    Ok(ips)
}

/// The channel customers write to: its public key (visitor) and id (token customers).
#[derive(Debug, Clone)]
pub struct Channel {
    pub id: String,
    pub public_key: String,
}

async fn json_or_fail(response: reqwest::Response, what: &str) -> anyhow::Result<Value> {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!("{what}: HTTP {status}: {}", body.chars().take(300).collect::<String>());
    }
    serde_json::from_str(&body).with_context(|| format!("{what}: not JSON"))
}

/// Creates a channel: `web_widget` allowing `origin` (for visitors) or `api` (for token customers).
pub async fn create_channel(
    http: &reqwest::Client,
    api: &str,
    token: &str,
    widget: bool,
    origin: &str,
) -> anyhow::Result<Channel> {
    let name = format!("bench {}", unix_seconds());
    let kind = if widget { "web_widget" } else { "api" };
    let created = http
        .post(format!("{api}/channels"))
        .bearer_auth(token)
        .json(&json!({ "kind": kind, "name": name }))
        .send()
        .await
        .context("POST /channels")?;
    let channel = json_or_fail(created, "create the channel").await?;
    let id = channel["id"].as_str().context("the created channel has no id")?.to_string();
    let public_key = channel["public_key"].as_str().unwrap_or_default().to_string();
    if widget {
        anyhow::ensure!(
            !public_key.is_empty(),
            "the web_widget channel has no public_key: is the visitor hello built?"
        );
        let settings = json!({ "settings": { "allowed_origins": [origin], "prechat_fields": [] } });
        let patched = http
            .patch(format!("{api}/channels/{id}"))
            .bearer_auth(token)
            .json(&settings)
            .send()
            .await
            .context("PATCH /channels/{id}")?;
        json_or_fail(patched, "allow the bench's origin on the channel").await?;
    }
    Ok(Channel { id, public_key })
}

/// Looks an existing channel up by its public key (`--channel-key`).
pub async fn find_channel(http: &reqwest::Client, api: &str, token: &str, key: &str) -> anyhow::Result<Channel> {
    let listed = http.get(format!("{api}/channels?limit=200")).bearer_auth(token).send().await?;
    let listed = json_or_fail(listed, "list channels").await?;
    let items = listed["data"].as_array().cloned().unwrap_or_default();
    let found = items.iter().find(|c| c["public_key"].as_str() == Some(key));
    let channel = found.with_context(|| format!("no channel with public_key {key}"))?;
    Ok(Channel { id: channel["id"].as_str().unwrap_or_default().to_string(), public_key: key.to_string() })
}

/// Opens a conversation for a token customer over REST (visitors open theirs with their first send).
pub async fn create_conversation(
    http: &reqwest::Client,
    api: &str,
    token: &str,
    channel_id: &str,
    customer: u32,
) -> anyhow::Result<String> {
    let body = json!({ "channel_id": channel_id, "contact": { "name": format!("bench customer {customer}") } });
    let created = http.post(format!("{api}/conversations")).bearer_auth(token).json(&body).send().await?;
    let created = json_or_fail(created, "create a conversation").await?;
    Ok(created["conversation"]["id"].as_str().context("no conversation id")?.to_string())
}

/// Seconds since the epoch, to name what a run creates.
fn unix_seconds() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_ranges() {
        let ips = parse_source_ips("127.0.0.1-127.0.0.8").unwrap();
        assert_eq!(ips.len(), 8);
        assert_eq!(ips[7], "127.0.0.8".parse::<IpAddr>().unwrap());
        assert_eq!(parse_source_ips("127.0.0.1, 127.0.0.3").unwrap().len(), 2);
        assert!(parse_source_ips("127.0.0.9-127.0.0.1").is_err());
        assert!(parse_source_ips("").is_err());
    }

    #[test]
    fn the_fd_limit_only_grows() {
        let now = raise_fd_limit(64);
        assert!(now >= 64);
    }
}
