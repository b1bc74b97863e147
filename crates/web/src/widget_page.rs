//! The website chat widget's two pages (docs/widget.md): the loader script `GET /widget.js` that a
//! company embeds on its site, and the chat page `GET /widget/{key}` that the loader opens in an
//! iframe. The page is framable only by the channel's allowed origins (`frame-ancestors`), is
//! refused (403) for any other `origin`, and talks to `/ws` with the visitor hello.
//! The channel's configuration, origins and everything behind the socket belong to the app.

use crate::WebState;
use crate::assets::{asset_url, content_hash};
use crate::i18n::Tr;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use std::collections::BTreeMap;
use switchboard_app::AppError;
use switchboard_domain::values::Locale;

const LOADER: &[u8] = include_bytes!("../static/widget.js");

pub fn router() -> Router<WebState> {
    Router::new().route("/widget.js", get(loader)).route("/widget/{key}", get(frame_page))
}

/// The loader: one fixed URL on many sites, so it is revalidated (ETag) rather than cached forever.
async fn loader(headers: HeaderMap) -> Response {
    static ETAG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let etag = ETAG.get_or_init(|| format!("\"{}\"", content_hash(LOADER)));
    let cache = [
        (header::CACHE_CONTROL, "public, max-age=300, stale-while-revalidate=86400"),
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
    ];
    let fresh = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v == etag.as_str());
    if fresh {
        return (StatusCode::NOT_MODIFIED, cache, [(header::ETAG, etag.clone())]).into_response();
    }
    (
        cache,
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8".to_string()), (header::ETAG, etag.clone())],
        LOADER,
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
struct FrameQuery {
    /// The host page's origin, as the loader saw it (`location.origin`).
    origin: Option<String>,
    /// The browser's language (`navigator.language`).
    lang: Option<String>,
}

#[derive(Template)]
#[template(path = "widget_frame.html")]
struct FramePage<'a> {
    t: Tr,
    key: &'a str,
    origin: &'a str,
    name: String,
    /// The account's help center, opened in a new tab.
    help_url: String,
    /// The public configuration as JSON, for the script (escaped into an attribute).
    config_json: String,
    /// The `widget.*` strings of the page's language as JSON, for the script.
    strings_json: String,
    css_url: String,
    js_url: String,
    /// The bot's part of the chat (its choices), loaded before `js_url`.
    bot_js_url: String,
}

#[derive(Template)]
#[template(path = "widget_refused.html")]
struct RefusedPage {
    t: Tr,
    status: u16,
    title: String,
    message: String,
    css_url: String,
}

/// The `widget.*` strings, keyed without the prefix, and the bot's `assist.widget.*` ones with
/// their whole key, for the frame's scripts.
fn script_strings(t: Tr) -> BTreeMap<&'static str, &'static str> {
    let mut strings: BTreeMap<&'static str, &'static str> = t
        .prefixed("widget.")
        .into_iter()
        .map(|(key, text)| (key.strip_prefix("widget.").unwrap_or(key), text))
        .collect();
    strings.extend(t.prefixed("assist.widget."));
    strings.extend(t.prefixed("botfb.widget."));
    strings
}

/// zh-CN or en: from `lang` (the browser's language, given by the loader), else `Accept-Language`.
fn frame_locale(lang: Option<&str>, headers: &HeaderMap) -> Locale {
    match lang.map(str::trim).filter(|l| !l.is_empty()) {
        Some(lang) if lang.to_ascii_lowercase().starts_with("zh") => Locale::ZhCn,
        Some(_) => Locale::En,
        None => headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Locale::from_accept_language)
            .unwrap_or(Locale::En),
    }
}

/// An origin as a CSP source: `scheme://host[:port]` (the host may start with `*.`, as allowed
/// origins may) and nothing else, so no list entry can add a directive to the header.
fn csp_source(origin: &str) -> Option<&str> {
    let (scheme, rest) = origin.split_once("://")?;
    let host = rest.strip_prefix("*.").unwrap_or(rest);
    let host_ok = !host.is_empty()
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    (matches!(scheme, "http" | "https") && host_ok).then_some(origin)
}

/// The page's policy: only its own script and style, the socket and uploads on this host, and
/// framing by the channel's allowed origins (and Switchboard's own pages) only.
fn frame_policy(allowed_origins: &[String], host: Option<&str>) -> String {
    let ancestors: Vec<&str> = allowed_origins.iter().filter_map(|o| csp_source(o)).collect();
    let socket = host
        .filter(|h| h.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')))
        .map(|h| format!(" ws://{h} wss://{h}"))
        .unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
         connect-src 'self'{socket}; font-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'self'{}{}",
        if ancestors.is_empty() { "" } else { " " },
        ancestors.join(" ")
    )
}

async fn frame_page(
    State(state): State<WebState>,
    Path(key): Path<String>,
    Query(query): Query<FrameQuery>,
    headers: HeaderMap,
) -> Response {
    let t = Tr::new(frame_locale(query.lang.as_deref(), &headers));
    let config = match state.app.widget_config(&key).await {
        Ok(config) => config,
        Err(AppError::NotFound) => {
            return refused(t, StatusCode::NOT_FOUND, "widget.not_found_title", "widget.unavailable");
        }
        Err(error) => {
            tracing::error!(%error, "the widget configuration could not be read");
            return refused(t, StatusCode::INTERNAL_SERVER_ERROR, "widget.error_title", "widget.error");
        }
    };
    let origin = query.origin.unwrap_or_default();
    if !config.origin_allowed(&origin) && !crate::widget::is_own_origin(&state, &headers, &origin) {
        return refused(t, StatusCode::FORBIDDEN, "widget.refused_title", "widget.origin_refused");
    }
    let public = match serde_json::to_value(&config.public) {
        Ok(public) => public,
        Err(error) => {
            tracing::error!(%error, "the widget configuration could not be serialized");
            return refused(t, StatusCode::INTERNAL_SERVER_ERROR, "widget.error_title", "widget.error");
        }
    };
    let page = FramePage {
        t,
        key: &key,
        origin: &origin,
        name: public.get("name").and_then(|n| n.as_str()).unwrap_or_default().to_string(),
        help_url: config.public.help_url.clone(),
        config_json: public.to_string(),
        strings_json: serde_json::to_string(&script_strings(t)).unwrap_or_else(|_| "{}".into()),
        css_url: asset_url("widget-frame.css"),
        js_url: asset_url("widget-frame.js"),
        bot_js_url: asset_url("widget-bot.js"),
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let policy = frame_policy(&config.allowed_origins, host);
    match (page.render(), HeaderValue::from_str(&policy)) {
        (Ok(html), Ok(policy)) => (
            [(header::CONTENT_SECURITY_POLICY, policy), (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            Html(html),
        )
            .into_response(),
        _ => refused(t, StatusCode::INTERNAL_SERVER_ERROR, "widget.error_title", "widget.error"),
    }
}

/// The 403/404/500 page in the frame's language. It keeps the default policy (`frame-ancestors
/// 'none'`), so a site that may not show the chat shows nothing of it.
fn refused(t: Tr, status: StatusCode, title: &'static str, message: &'static str) -> Response {
    let page = RefusedPage {
        t,
        status: status.as_u16(),
        title: t.t(title).to_string(),
        message: t.t(message).to_string(),
        css_url: asset_url("widget-frame.css"),
    };
    let cache = [(header::CACHE_CONTROL, "no-store")];
    match page.render() {
        Ok(html) => (status, cache, Html(html)).into_response(),
        Err(_) => (status, cache, t.t(message).to_string()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_origins_reach_the_policy() {
        let origins = vec![
            "https://shop.example.com".to_string(),
            "http://127.0.0.1:8081".to_string(),
            "https://*.example.org".to_string(),
            "https://*evil".to_string(),
            "https://evil.example; script-src *".to_string(),
            "javascript://x".to_string(),
        ];
        let policy = frame_policy(&origins, Some("support.example.com"));
        assert!(
            policy.ends_with(
                "frame-ancestors 'self' https://shop.example.com http://127.0.0.1:8081 https://*.example.org"
            ),
            "{policy}"
        );
        assert!(policy.contains("connect-src 'self' ws://support.example.com wss://support.example.com;"));
        assert!(!policy.contains("evil"));
        assert_eq!(frame_policy(&[], Some("bad host;")).matches("frame-ancestors 'self'").count(), 1);
        assert!(!frame_policy(&[], Some("bad host;")).contains("bad"));
    }

    #[test]
    fn language_from_the_browser_then_the_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(frame_locale(Some("zh-CN"), &headers), Locale::ZhCn);
        assert_eq!(frame_locale(Some("zh-TW"), &headers), Locale::ZhCn);
        assert_eq!(frame_locale(Some("en-US"), &headers), Locale::En);
        assert_eq!(frame_locale(Some("de"), &headers), Locale::En);
        headers.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("zh-CN,zh;q=0.9"));
        assert_eq!(frame_locale(None, &headers), Locale::ZhCn);
    }

    #[test]
    fn every_string_the_widget_scripts_use_exists_in_both_languages() {
        let script = concat!(include_str!("../static/widget-frame.js"), include_str!("../static/widget-bot.js"));
        for locale in [Locale::En, Locale::ZhCn] {
            let strings = script_strings(Tr::new(locale));
            let mut missing = Vec::new();
            for call in ["t('", "status('"] {
                for (at, _) in script.match_indices(call) {
                    let called_alone = script[..at]
                        .chars()
                        .last()
                        .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'));
                    let key = script[at + call.len()..].split('\'').next().unwrap_or_default();
                    if called_alone && !key.is_empty() && !strings.contains_key(key) {
                        missing.push(key.to_string());
                    }
                }
            }
            for key in ["connecting", "reconnecting", "online", "identity_invalid", "identity_required"] {
                if !strings.contains_key(key) {
                    missing.push(key.to_string());
                }
            }
            assert!(missing.is_empty(), "{locale:?}: widget strings missing: {missing:?}");
        }
    }

    /// The loader and the frame script together stay under 30 KB gzipped (docs/widget.md).
    #[test]
    fn the_widget_scripts_fit_the_size_budget() {
        use std::io::Write;
        let gzipped = |bytes: &[u8]| {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(bytes).map(|_| encoder.finish().map(|out| out.len()).unwrap_or(usize::MAX))
        };
        let loader = gzipped(LOADER).unwrap_or(usize::MAX);
        let frame = gzipped(include_bytes!("../static/widget-frame.js")).unwrap_or(usize::MAX)
            + gzipped(include_bytes!("../static/widget-bot.js")).unwrap_or(usize::MAX / 2);
        println!("widget.js {loader} B + widget-frame.js and widget-bot.js {frame} B gzipped = {} B", loader + frame);
        assert!(loader + frame < 30 * 1024, "the widget scripts are {} B gzipped, over 30 KB", loader + frame);
    }
}
