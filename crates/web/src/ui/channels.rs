//! Channels: the list with a "new channel" form, and a channel's page — name and active for every
//! kind; for a website widget its settings (docs/widget.md), the embed snippet, and for
//! `channels.manage` the identity secret with server-side HMAC examples and its rotation.

use super::channel_form::{self, Parsed, PrechatRow, extra_errors, picker_value, prechat_rows, row_count};
use super::ctx::{Chrome, Ctx, Fail, OrPage, Signed, UiResult};
use super::forms::{Check, FormData, FormView, Opt, QueryData, field_errors};
use super::teams::ConfirmPage;
use crate::WebState;
use crate::assets::asset_url;
use crate::i18n::Tr;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use switchboard_app::{Actor, PageRequest};
use switchboard_domain::ChannelId;
use switchboard_domain::conversations::{Channel, ChannelKind, NewChannelInput};
use switchboard_domain::permissions::Permission;
use switchboard_domain::widget::identity_hash;

/// The user id of the HMAC example.
const EXAMPLE_USER_ID: &str = "u-991";

pub struct ChannelRow {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub active: bool,
    pub public_key: String,
}

#[derive(Template)]
#[template(path = "channels.html")]
struct ListPage {
    t: Tr,
    c: Chrome,
    rows: Vec<ChannelRow>,
    next_page: Option<String>,
    first_page: Option<String>,
    can_manage: bool,
    /// The "new channel" form.
    f: FormView,
    kinds: Vec<Opt>,
}

fn kind_label(t: Tr, kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::WebWidget => t.t("ch.kind.web_widget"),
        ChannelKind::Api => t.t("ch.kind.api"),
    }
}

fn chrome(c: &Ctx) -> Chrome {
    Chrome {
        page_css_url: Some(asset_url("channels.css")),
        module_url: Some(asset_url("channels.js")),
        ..c.chrome("settings")
    }
}

async fn render_list(
    state: &WebState,
    c: &Ctx,
    actor: &Actor,
    cursor: Option<String>,
    f: FormView,
    status: StatusCode,
) -> UiResult {
    let t = c.t;
    let request = PageRequest { cursor: cursor.clone(), limit: Some(50) };
    let page = state.app.list_channels(actor, &request).await.or_page(c)?;
    let rows = page
        .data
        .into_iter()
        .map(|ch| ChannelRow {
            id: ch.id.to_string(),
            kind: kind_label(t, ch.kind),
            active: ch.active,
            public_key: ch.public_key.unwrap_or_default(),
            name: ch.name,
        })
        .collect();
    let kind = if f.v("kind").is_empty() { "web_widget" } else { f.v("kind") };
    let kinds =
        vec![Opt::new("web_widget", t.t("ch.kind.web_widget"), kind), Opt::new("api", t.t("ch.kind.api"), kind)];
    let list = ListPage {
        t,
        c: chrome(c),
        rows,
        next_page: page.next_cursor.map(|cur| {
            format!("/settings/channels?cursor={}", form_urlencoded::byte_serialize(cur.as_bytes()).collect::<String>())
        }),
        first_page: cursor.map(|_| "/settings/channels".to_string()),
        can_manage: actor.can(Permission::ChannelsManage),
        f,
        kinds,
    };
    Ok(c.render(status, &list))
}

pub async fn list(State(state): State<WebState>, Signed { c, actor }: Signed, QueryData(q): QueryData) -> UiResult {
    render_list(&state, &c, &actor, q.filled("cursor"), FormView::new(), StatusCode::OK).await
}

pub async fn create(State(state): State<WebState>, Signed { c, actor }: Signed, form: FormData) -> UiResult {
    let input = NewChannelInput { name: form.field("name"), kind: form.filled("kind") };
    match state.app.create_channel(&actor, &input).await {
        Ok(channel) => Ok(c.done(&format!("/settings/channels/{}", channel.id), "ch.flash.created")),
        Err(error) => {
            let errors = field_errors(error).map_err(|e| c.fail(e))?;
            let mut f = form.view();
            f.add_errors(c.t, &errors, str::to_string);
            render_list(&state, &c, &actor, None, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// The identity secret and the code that uses it (`channels.manage` only).
pub struct Identity {
    pub secret: String,
    pub example_user: &'static str,
    pub example_hash: String,
    pub node: String,
    pub php: String,
    pub python: String,
}

impl Identity {
    fn of(secret: &str) -> Self {
        let node = format!(
            "const crypto = require(\"crypto\");\nconst secret = process.env.SWITCHBOARD_IDENTITY_SECRET; // \"{secret}\"\nconst userHash = crypto.createHmac(\"sha256\", secret).update(userId).digest(\"hex\");"
        );
        let php = format!(
            "$secret = getenv('SWITCHBOARD_IDENTITY_SECRET'); // '{secret}'\n$userHash = hash_hmac('sha256', $userId, $secret);"
        );
        let python = format!(
            "import hmac, hashlib, os\nsecret = os.environ[\"SWITCHBOARD_IDENTITY_SECRET\"]  # \"{secret}\"\nuser_hash = hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()"
        );
        Self {
            secret: secret.to_string(),
            example_user: EXAMPLE_USER_ID,
            example_hash: identity_hash(secret, EXAMPLE_USER_ID),
            node,
            php,
            python,
        }
    }
}

#[derive(Template)]
#[template(path = "channel_form.html")]
struct EditPage {
    t: Tr,
    c: Chrome,
    id: String,
    name: String,
    kind: &'static str,
    widget: bool,
    active: bool,
    can_manage: bool,
    f: FormView,
    /// Errors of fields the form does not show.
    extra: Vec<String>,
    /// The colour picker's value (always a valid colour).
    picker: String,
    positions: Vec<Opt>,
    teams: Vec<Opt>,
    upload_types: Vec<Check>,
    rows: Vec<PrechatRow>,
    row_count: usize,
    public_key: String,
    snippet: String,
    try_url: String,
    identity: Option<Identity>,
}

/// The account's teams for the default-team select, the current one kept even when unlisted.
async fn team_options(state: &WebState, c: &Ctx, actor: &Actor, current: &str) -> Vec<Opt> {
    let mut options = vec![Opt::new("", c.t.t("ch.no_team"), current)];
    let mut cursor = None;
    for _ in 0..10 {
        let request = PageRequest { cursor, limit: Some(PageRequest::MAX_LIMIT) };
        let Ok(page) = state.app.list_teams(actor, None, &request).await else { break };
        options.extend(page.data.into_iter().map(|team| Opt::new(team.id.to_string(), team.name, current)));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    if !current.is_empty() && !options.iter().any(|o| o.value == current) {
        options.push(Opt::new(current, format!("#{current}"), current));
    }
    options
}

/// The page of `channel` showing form `f` with `rows` pre-chat rows and the `checked` upload types.
async fn edit_page(
    state: &WebState,
    c: &Ctx,
    actor: &Actor,
    channel: &Channel,
    f: FormView,
    rows: usize,
    checked: &[String],
) -> EditPage {
    let t = c.t;
    let widget = channel.kind == ChannelKind::WebWidget;
    let public_key = channel.public_key.clone().unwrap_or_default();
    let public_url = state.config.public_url.trim_end_matches('/');
    let position = f.v("position").to_string();
    let team = f.v("team_id").to_string();
    EditPage {
        t,
        c: chrome(c),
        id: channel.id.to_string(),
        name: channel.name.clone(),
        kind: kind_label(t, channel.kind),
        widget,
        active: channel.active,
        can_manage: actor.can(Permission::ChannelsManage),
        extra: extra_errors(&f),
        picker: picker_value(f.v("color")),
        positions: vec![
            Opt::new("right", t.t("ch.position_right"), &position),
            Opt::new("left", t.t("ch.position_left"), &position),
        ],
        teams: if widget { team_options(state, c, actor, &team).await } else { Vec::new() },
        upload_types: channel_form::upload_type_checks(t, checked),
        rows: prechat_rows(t, &f, rows),
        row_count: rows,
        snippet: format!("<script src=\"{public_url}/widget.js\" data-channel=\"{public_key}\" async></script>"),
        try_url: format!("/widget/{public_key}"),
        public_key,
        identity: channel
            .identity_secret
            .as_deref()
            .filter(|_| widget && actor.can(Permission::ChannelsManage))
            .map(Identity::of),
        f,
    }
}

fn parse_id(c: &Ctx, id: &str) -> Result<ChannelId, Fail> {
    id.parse::<ChannelId>().map_err(|_| c.not_found())
}

pub async fn edit_form(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    let channel = state.app.get_channel(&actor, parse_id(&c, &id)?).await.or_page(&c)?;
    let f = channel_form::view_of(&channel);
    let rows = row_count(&f);
    let page = edit_page(&state, &c, &actor, &channel, f, rows, &channel.settings.upload_types).await;
    Ok(c.render(StatusCode::OK, &page))
}

/// Shows the posted form again, without saving: 422 with its errors, or with one more pre-chat row.
async fn redisplay(
    state: &WebState,
    c: &Ctx,
    actor: &Actor,
    channel: &Channel,
    form: &FormData,
    mut f: FormView,
    extra_row: bool,
) -> UiResult {
    let status = if f.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let rows = (row_count(&f) + usize::from(extra_row)).min(channel_form::MAX_ROWS);
    f.values.insert("pf_count".into(), rows.to_string());
    if form.has("color") {
        // The picker's change survives the redisplay even without the page's script.
        f.values.insert("color".into(), channel_form::chosen_color(form));
        f.values.insert("color_was".into(), f.v("color").to_string());
    }
    let page = edit_page(state, c, actor, channel, f, rows, &form.values("upload_types")).await;
    Ok(c.render(status, &page))
}

pub async fn update(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    actor.require(Permission::ChannelsManage).or_page(&c)?;
    let id = parse_id(&c, &id)?;
    let channel = state.app.get_channel(&actor, id).await.or_page(&c)?;
    if form.has("add_field") {
        return redisplay(&state, &c, &actor, &channel, &form, form.view(), true).await;
    }
    let parsed: Parsed = channel_form::read(&form, channel.kind == ChannelKind::WebWidget);
    let local = parsed.check();
    let errors = if local.is_empty() {
        match state.app.update_channel(&actor, id, &parsed.input).await {
            Ok(_) => return Ok(c.done(&format!("/settings/channels/{id}"), "ch.flash.saved")),
            Err(error) => field_errors(error).map_err(|e| c.fail(e))?,
        }
    } else {
        local
    };
    let mut f = form.view();
    parsed.place_errors(c.t, &errors, &mut f);
    redisplay(&state, &c, &actor, &channel, &form, f, false).await
}

pub async fn confirm_rotate(
    State(state): State<WebState>,
    Signed { c, actor }: Signed,
    Path(id): Path<String>,
) -> UiResult {
    actor.require(Permission::ChannelsManage).or_page(&c)?;
    let channel = state.app.get_channel(&actor, parse_id(&c, &id)?).await.or_page(&c)?;
    if channel.kind != ChannelKind::WebWidget {
        return Err(c.not_found());
    }
    let t = c.t;
    let page = ConfirmPage {
        t,
        c: c.chrome("settings"),
        title: t.t("ch.rotate_title").to_string(),
        question: t.t("ch.rotate_question").replace("{name}", &channel.name),
        action: format!("/settings/channels/{}/secret", channel.id),
        button: t.t("ch.rotate"),
        cancel: format!("/settings/channels/{}", channel.id),
    };
    Ok(c.render(StatusCode::OK, &page))
}

pub async fn rotate(State(state): State<WebState>, Signed { c, actor }: Signed, Path(id): Path<String>) -> UiResult {
    let id = parse_id(&c, &id)?;
    state.app.rotate_channel_secret(&actor, id).await.or_page(&c)?;
    Ok(c.done(&format!("/settings/channels/{id}"), "ch.flash.rotated"))
}
