//! Settings → Channels through the real router, on both backends: a widget configured through the
//! form, errors beside the fields they name, read-only for agents, the identity secret rotated.

use super::{Browser, first_id, server, set_up};
use axum::Router;
use axum::http::StatusCode;

on_both_backends!(
    an_admin_configures_a_website_chat,
    bad_settings_are_shown_beside_their_fields_and_not_saved,
    agents_see_channels_but_cannot_change_them,
);

/// The text between `marker` and the next `<`.
fn text_after<'a>(body: &'a str, marker: &str) -> &'a str {
    let start = body.find(marker).map(|i| i + marker.len()).unwrap_or_else(|| panic!("no {marker} in page"));
    body[start..].split('<').next().unwrap_or_default()
}

fn unescape(text: &str) -> String {
    text.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#60;", "<")
        .replace("&lt;", "<")
        .replace("&#62;", ">")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// Creates a website chat channel through the form; returns its id.
async fn new_widget(b: &mut Browser, name: &str) -> String {
    let created =
        b.fill_and_post("/settings/channels", "/settings/channels", &[("name", name), ("kind", "web_widget")]).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.location().to_string();
    assert!(location.starts_with("/settings/channels/"), "{location}");
    first_id(&location, "/settings/channels/")
}

/// A complete edit form of a widget, with `changes` replacing or adding fields.
fn widget_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<(&str, &str)> = vec![
        ("name", "官网客服"),
        ("active", "true"),
        ("allowed_origins", ""),
        ("greeting", ""),
        ("offline_message", ""),
        ("color", "#1f6feb"),
        ("color_was", "#1f6feb"),
        ("color_pick", "#1f6feb"),
        ("position", "right"),
        ("pf_count", "0"),
        ("upload_mb", "10"),
        ("team_id", ""),
    ];
    let base = fields.len();
    for (key, value) in changes {
        match fields[..base].iter_mut().find(|(k, _)| k == key) {
            Some(field) => field.1 = value,
            None => fields.push((key, value)),
        }
    }
    fields
}

async fn an_admin_configures_a_website_chat(router: Router) {
    let mut b = Browser::new(router);
    set_up(&mut b).await;
    assert!(b.open("/settings").await.body.contains("href=\"/settings/channels\""), "the hub links to channels");
    let empty = b.open("/settings/channels").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("No channels yet.") && empty.body.contains("id=\"channel-new-form\""));
    let refused = b.fill_and_post("/settings/channels", "/settings/channels", &[("name", " "), ("kind", "api")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("This field is required."), "{}", refused.body);

    b.fill_and_post("/settings/teams/new", "/settings/teams", &[("name", "售后"), ("members_shown", "1")]).await;
    let team_id = first_id(&b.open("/settings/teams").await.body, "/settings/teams/");
    let id = new_widget(&mut b, "官网客服").await;
    let page = b.open(&format!("/settings/channels/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("The channel was created."));
    assert!(!page.body.contains("style=") && !page.body.contains("<script>"), "no inline style or script");
    let key = text_after(&page.body, "id=\"public-key\">").to_string();
    assert!(key.starts_with("wc_"), "{key}");
    let snippet = unescape(text_after(&page.body, "id=\"embed-snippet\">"));
    assert_eq!(
        snippet,
        format!("<script src=\"http://127.0.0.1:8080/widget.js\" data-channel=\"{key}\" async></script>")
    );
    assert!(page.body.contains(&format!("href=\"/widget/{key}\"")), "a link to try it");
    let secret = text_after(&page.body, "id=\"identity-secret\">").to_string();
    assert!(secret.starts_with("whs_"), "{secret}");
    for example in ["crypto.createHmac(", "hash_hmac(", "hmac.new("] {
        assert!(unescape(&page.body).contains(example), "{example}");
    }
    let listed = b.open("/settings/channels").await;
    assert!(listed.body.contains(&key) && listed.body.contains("Website chat"));

    // Origins, look, a pre-chat form with a list, uploads, the team: saved and shown again.
    let edit = format!("/settings/channels/{id}");
    let fields = widget_form(&[
        ("allowed_origins", "https://shop.example.com\r\n\r\nhttps://*.example.cn\r\n"),
        ("greeting", "您好，有什么可以帮您？"),
        ("offline_message", "我们下班了"),
        ("color_pick", "#ff6600"),
        ("position", "left"),
        ("pf_count", "3"),
        ("pf0.key", "name"),
        ("pf0.kind", "name"),
        ("pf0.label", "称呼"),
        ("pf0.required", "true"),
        ("pf1.key", ""),
        ("pf1.kind", "text"),
        ("pf1.label", ""),
        ("pf2.key", "question_type"),
        ("pf2.kind", "select"),
        ("pf2.label", "问题类型"),
        ("pf2.options", "退货\r\n发票\r\n"),
        ("upload_mb", "5"),
        ("upload_types", "image/png"),
        ("upload_types", "application/pdf"),
        ("team_id", &team_id),
        ("require_identity", "true"),
    ]);
    let saved = b.fill_and_post(&edit, &edit, &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), edit);
    let page = b.open(&edit).await;
    assert!(page.body.contains("The channel was saved."));
    assert!(page.body.contains("https://shop.example.com\nhttps://*.example.cn</textarea>"), "{}", page.body);
    assert!(page.body.contains("value=\"#ff6600\""), "the picker's colour was taken");
    assert!(page.body.contains("value=\"left\" selected"));
    assert!(page.body.contains(&format!("value=\"{team_id}\" selected")));
    assert!(page.body.contains("name=\"upload_mb\" value=\"5\""));
    assert!(page.body.contains("value=\"image/png\" checked") && page.body.contains("value=\"text/plain\">"));
    assert!(page.body.contains("name=\"pf1.key\" value=\"question_type\""), "blank rows are dropped");
    assert!(page.body.contains("退货\n发票</textarea>"));
    assert!(page.body.contains("id=\"pf-row-2\"") && !page.body.contains("id=\"pf-row-3\""), "one blank row");
    let config = b.open(&format!("/widget/{key}/config")).await;
    assert_eq!(config.status, StatusCode::OK, "{}", config.body);
    let config: serde_json::Value = serde_json::from_str(&config.body).unwrap();
    assert_eq!(config["upload_max_bytes"], 5 * 1024 * 1024);
    assert_eq!(config["position"], "left");
    assert_eq!(config["prechat_fields"][1]["options"], serde_json::json!(["退货", "发票"]));
    assert_eq!(config["upload_types"], serde_json::json!(["image/png", "application/pdf"]));
    assert_eq!(config["require_identity"], true);

    // "Add another field" shows one more row and keeps what was typed, without saving.
    let more = b.fill_and_post(&edit, &edit, &widget_form(&[("greeting", "typed"), ("add_field", "1")])).await;
    assert_eq!(more.status, StatusCode::OK);
    assert!(more.body.contains("id=\"pf-row-0\"") && more.body.contains(">typed</textarea>"));
    assert!(b.open(&edit).await.body.contains("您好，有什么可以帮您？</textarea>"), "nothing saved");

    // Rotating the secret: a confirmation page, then a new secret.
    let confirm = b.open(&format!("{edit}/secret")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("Rotate the identity secret?"));
    let rotated = b.post_form(&format!("{edit}/secret"), &[("_csrf", &confirm.csrf())]).await;
    assert_eq!(rotated.location(), edit);
    let page = b.open(&edit).await;
    let new_secret = text_after(&page.body, "id=\"identity-secret\">");
    assert!(new_secret.starts_with("whs_") && new_secret != secret, "the secret changed");
    assert!(page.body.contains("A new identity secret was made."));

    // An API channel has a name and a switch, nothing to embed.
    let api = b.fill_and_post("/settings/channels", "/settings/channels", &[("name", "ERP"), ("kind", "api")]).await;
    let api_page = api.location().to_string();
    let page = b.open(&api_page).await;
    assert!(page.body.contains("id=\"channel-form\"") && !page.body.contains("id=\"embed-snippet\""));
    assert!(!page.body.contains("name=\"allowed_origins\"") && !page.body.contains("whs_"));
    let renamed = b.fill_and_post(&api_page, &api_page, &[("name", "ERP relay")]).await;
    assert_eq!(renamed.location(), api_page);
    let page = b.open(&api_page).await;
    assert!(page.body.contains("<h1>ERP relay</h1>") && page.body.contains("Inactive"), "unchecked: inactive");
}

async fn bad_settings_are_shown_beside_their_fields_and_not_saved(router: Router) {
    let mut b = Browser::new(router);
    set_up(&mut b).await;
    let id = new_widget(&mut b, "Site").await;
    let edit = format!("/settings/channels/{id}");
    let fields = widget_form(&[
        ("allowed_origins", "https://ok.example.com\nshop.example.com/path"),
        ("greeting", "not saved"),
        ("pf_count", "3"),
        ("pf0.key", "name"),
        ("pf0.kind", "name"),
        ("pf0.label", "Name"),
        ("pf1.key", ""),
        ("pf1.label", ""),
        ("pf2.key", "topic"),
        ("pf2.kind", "select"),
        ("pf2.label", "Topic"),
        ("pf2.options", " \n "),
        ("upload_mb", "lots"),
    ]);
    let wrong = b.fill_and_post(&edit, &edit, &fields).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
    let origin_error = text_after(&wrong.body, "id=\"e-allowed_origins\">");
    assert!(
        origin_error.contains("shop.example.com/path") && !origin_error.contains("ok.example.com"),
        "{origin_error}"
    );
    assert!(text_after(&wrong.body, "id=\"e-pf2.options\">").contains("A list needs 1–50 choices"));
    assert!(!wrong.body.contains("id=\"e-pf0.") && !wrong.body.contains("id=\"e-pf1."), "only the select's row");
    assert!(wrong.body.contains("id=\"pf-row-2\" ") || wrong.body.contains("prechat-row invalid\" id=\"pf-row-2\""));
    assert!(wrong.body.contains("id=\"e-upload_mb\""));
    assert!(wrong.body.contains(">not saved</textarea>"), "what was typed is kept");
    let page = b.open(&edit).await;
    assert!(page.body.contains("name=\"greeting\" rows=\"3\"></textarea>"), "nothing was saved");
    assert!(!page.body.contains("ok.example.com"));

    // The service's own checks land in the same places (a key used twice, in the second row).
    let twice = widget_form(&[
        ("pf_count", "2"),
        ("pf0.key", "topic"),
        ("pf0.kind", "text"),
        ("pf0.label", "A"),
        ("pf1.key", "topic"),
        ("pf1.kind", "text"),
        ("pf1.label", "B"),
    ]);
    let wrong = b.fill_and_post(&edit, &edit, &twice).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_after(&wrong.body, "id=\"e-pf1.key\">").contains("used twice"));
}

async fn agents_see_channels_but_cannot_change_them(router: Router) {
    let mut b = Browser::new(router.clone());
    set_up(&mut b).await;
    let id = new_widget(&mut b, "Site").await;
    let agent = [
        ("name", "Li Lei"),
        ("email", "li@example.com"),
        ("password", "agent password"),
        ("role", "agent"),
        ("locale", "en"),
        ("time_zone", ""),
    ];
    let created = b.fill_and_post("/settings/users/new", "/settings/users", &agent).await;
    assert_eq!(created.location(), "/settings/users", "{}", created.body);
    let secret =
        text_after(&b.open(&format!("/settings/channels/{id}")).await.body, "id=\"identity-secret\">").to_string();

    let mut a = Browser::new(router);
    a.fill_and_post("/login", "/login", &[("email", "li@example.com"), ("password", "agent password")]).await;
    assert!(a.open("/settings").await.body.contains("href=\"/settings/channels\""));
    let list = a.open("/settings/channels").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Site") && !list.body.contains("channel-new-form"));
    let edit = format!("/settings/channels/{id}");
    let page = a.open(&edit).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"embed-snippet\"") && page.body.contains("id=\"channel-view\""));
    assert!(!page.body.contains("id=\"channel-form\"") && !page.body.contains("id=\"channel-save\""), "no edit form");
    assert!(!page.body.contains("whs_") && !page.body.contains(&secret), "no identity secret");
    assert!(!page.body.contains("id=\"rotate-secret\""));

    let csrf = page.csrf();
    let mut fields = vec![("_csrf", csrf.as_str())];
    fields.extend(widget_form(&[("name", "Taken over")]));
    assert_eq!(a.post_form(&edit, &fields).await.status, StatusCode::FORBIDDEN);
    let new = [("_csrf", csrf.as_str()), ("name", "Mine"), ("kind", "api")];
    assert_eq!(a.post_form("/settings/channels", &new).await.status, StatusCode::FORBIDDEN);
    assert_eq!(a.open(&format!("{edit}/secret")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(a.post_form(&format!("{edit}/secret"), &[("_csrf", &csrf)]).await.status, StatusCode::FORBIDDEN);
    let unchanged = b.open(&edit).await;
    assert!(unchanged.body.contains("<h1>Site</h1>") && unchanged.body.contains(&secret), "nothing changed");
}
