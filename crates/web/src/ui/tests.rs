//! The UI driven through the real router (middleware included) on an in-memory SQLite database:
//! every page renders, forms post and redirect, permissions and languages hold. The browser test
//! of the server crate covers the same path in real Chromium.

use crate::{WebConfig, WebState};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use std::collections::BTreeMap;
use switchboard_app::{App, AppSettings};
use switchboard_domain::permissions::Permission;
use switchboard_domain::values::Locale;
use switchboard_store::{Db, DbOptions};
use tower::ServiceExt;

struct Browser {
    router: Router,
    cookies: BTreeMap<String, String>,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    /// The `_csrf` value of the first form.
    fn csrf(&self) -> String {
        let marker = "name=\"_csrf\" value=\"";
        let start = self.body.find(marker).map(|i| i + marker.len()).expect("a form with _csrf");
        self.body[start..].split('"').next().unwrap_or_default().to_string()
    }
}

impl Browser {
    fn new(router: Router) -> Self {
        Self { router, cookies: BTreeMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn send(&mut self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for value in headers.get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    async fn open(&mut self, path: &str) -> Answer {
        let request = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let request = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "sb.test")
            .header(
                header::REFERER,
                format!(
                    "http://sb.test{}",
                    fields.iter().find(|(k, _)| *k == "__from").map(|(_, v)| *v).unwrap_or("/")
                ),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// Gets `page`, then posts `fields` to `action` with the page's CSRF token.
    async fn fill_and_post(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Answer {
        let csrf = self.open(page).await.csrf();
        let mut all = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all).await
    }
}

/// The router over a fresh database: in-memory SQLite, or a fresh schema on the PostgreSQL named by
/// SWITCHBOARD_TEST_POSTGRES_URL (None, and the test is skipped, when that is not set).
async fn server(postgres: bool) -> Option<Router> {
    server_and_app(postgres).await.map(|(router, _)| router)
}

/// `server`, and the app behind the router (for tests that set up data through the services).
async fn server_and_app(postgres: bool) -> Option<(Router, App)> {
    let db = if postgres {
        let Ok(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
            assert!(
                std::env::var("SWITCHBOARD_TEST_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "SWITCHBOARD_TEST_REQUIRE_POSTGRES=1 but SWITCHBOARD_TEST_POSTGRES_URL is not set"
            );
            eprintln!("skipped: SWITCHBOARD_TEST_POSTGRES_URL not set");
            return None;
        };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let schema = format!("t_{now}_{:08x}", rand::random::<u32>());
        Db::connect(&url, &DbOptions { postgres_schema: Some(schema), pool_size: 4, ..Default::default() })
            .await
            .unwrap()
    } else {
        Db::connect("sqlite::memory:", &DbOptions::default()).await.unwrap()
    };
    db.migrate().await.unwrap();
    let app = App::new(db, AppSettings::default());
    Some((crate::router(WebState::new(app.clone(), WebConfig::default())), app))
}

/// Runs a UI test on SQLite and on PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                if let Some(router) = super::server(false).await { super::$name(router).await }
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                if let Some(router) = super::server(true).await { super::$name(router).await }
            })*
        }
    };
}

mod bot_unanswered;
mod channels;
mod help_center;
mod kb_admin;
mod routing;

on_both_backends!(
    setup_admin_pages_and_an_agent_in_chinese,
    repeated_wrong_passwords_are_throttled_with_minutes,
    the_workspace_follows_permissions,
);

/// The first numeric id in a link starting with `prefix`.
fn first_id(body: &str, prefix: &str) -> String {
    let id = body
        .split(prefix)
        .skip(1)
        .map(|rest| rest.split(|c: char| !c.is_ascii_digit()).next().unwrap_or(""))
        .find(|id| !id.is_empty());
    id.expect("a link with an id").to_string()
}

fn lang(body: &str) -> &str {
    body.split("<html lang=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("")
}

async fn set_up(b: &mut Browser) {
    assert_eq!(b.open("/").await.location(), "/setup");
    let fields = [
        ("account.name", "Acme 客服"),
        ("admin.name", "Ada Admin"),
        ("admin.email", "ada@example.com"),
        ("admin.password", "correct horse"),
        ("admin.password_confirm", "correct horse"),
        ("locale", "en"),
        ("time_zone", "Asia/Shanghai"),
    ];
    let done = b.fill_and_post("/setup", "/setup", &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/");
    assert!(b.cookies.contains_key("sb_session"));
}

async fn setup_admin_pages_and_an_agent_in_chinese(router: Router) {
    let mut b = Browser::new(router.clone());

    // Setup validates, then signs the admin in.
    let page = b.open("/setup").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(b.cookies.contains_key("sb_pre"), "the setup page sets the double-submit cookie");
    let wrong = b
        .fill_and_post(
            "/setup",
            "/setup",
            &[("account.name", ""), ("admin.password", "x"), ("admin.password_confirm", "y")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("The passwords do not match."), "{}", wrong.body);
    assert!(wrong.body.contains("This field is required."));
    set_up(&mut b).await;
    assert_eq!(b.open("/setup").await.location(), "/login");
    let home = b.open("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Ada Admin") && home.body.contains("Welcome! Your workspace is ready."));
    assert!(!b.open("/").await.body.contains("Your workspace is ready"), "a flash shows once");

    // Every page renders for the admin.
    for path in [
        "/inbox",
        "/tickets",
        "/kb/articles",
        "/kb/articles/new",
        "/kb/faq",
        "/kb/faq/new",
        "/kb/categories",
        "/kb/import",
        "/customers",
        "/reports",
        "/settings",
        "/settings/profile",
        "/settings/users",
        "/settings/users/new",
        "/settings/teams",
        "/settings/teams/new",
        "/settings/roles",
        "/settings/roles/new",
        "/settings/tokens",
        "/settings/audit",
        "/settings/account",
        "/api/docs",
    ] {
        let page = b.open(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        assert!(!page.body.contains("style="), "{path} has an inline style");
    }

    // A team, then an agent in it who speaks Chinese.
    let team = b
        .fill_and_post(
            "/settings/teams/new",
            "/settings/teams",
            &[("name", "一线 <Support>"), ("description", "first line"), ("members_shown", "1")],
        )
        .await;
    assert_eq!(team.location(), "/settings/teams");
    let teams = b.open("/settings/teams").await;
    assert!(
        teams.body.contains("一线 &#60;Support&#62;") || teams.body.contains("一线 &lt;Support&gt;"),
        "names are escaped"
    );
    let team_id = first_id(&teams.body, "/settings/teams/");
    let fields = [
        ("name", "Li Lei"),
        ("email", "li@example.com"),
        ("password", "agent password"),
        ("role", "agent"),
        ("locale", "zh-CN"),
        ("time_zone", ""),
        ("teams_shown", "1"),
        ("team_ids", team_id.as_str()),
    ];
    let bad = b
        .fill_and_post(
            "/settings/users/new",
            "/settings/users",
            &[("name", "X"), ("email", "nope"), ("password", "short")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("This is not a valid email address."), "{}", bad.body);
    let created = b.fill_and_post("/settings/users/new", "/settings/users", &fields).await;
    assert_eq!(created.location(), "/settings/users", "{}", created.body);
    let users = b.open("/settings/users?q=li").await;
    assert!(users.body.contains("Li Lei") && users.body.contains("The user was created."));
    assert!(!b.open("/settings/users?q=nobody").await.body.contains("Li Lei"));
    let agent_id = first_id(&users.body, "/settings/users/");
    let edit = b.open(&format!("/settings/users/{agent_id}")).await;
    assert!(edit.body.contains("value=\"zh-CN\" selected"), "the agent's language is chosen");
    assert!(edit.body.contains(&format!("value=\"{team_id}\" checked")), "the agent is in the team");

    // Roles, tokens, audit, account.
    let role = b
        .fill_and_post(
            "/settings/roles/new",
            "/settings/roles",
            &[("name", "QA"), ("permissions", "users.read"), ("permissions", "audit.read"), ("data_scope", "teams")],
        )
        .await;
    assert_eq!(role.location(), "/settings/roles");
    let token = b
        .fill_and_post(
            "/settings/tokens",
            "/settings/tokens",
            &[("name", "CI"), ("expires_in_days", "30"), ("scopes", "users.read")],
        )
        .await;
    assert_eq!(token.status, StatusCode::OK);
    assert!(token.body.contains("id=\"token-secret\">sbt_"), "the secret is shown once");
    assert!(!b.open("/settings/tokens").await.body.contains("id=\"token-secret\""));
    let audit = b.open("/settings/audit?action=user.").await;
    assert!(audit.body.contains("user.create") && !audit.body.contains("<code>token.create</code>"));
    assert_eq!(b.open("/settings/audit?from=yesterday").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let csv = b.open("/settings/audit/export.csv?action=user.").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers.get(header::CONTENT_DISPOSITION).unwrap().to_str().unwrap().starts_with("attachment"));
    assert!(csv.body.starts_with("seq,time,"));
    let saved = b
        .fill_and_post(
            "/settings/account",
            "/settings/account",
            &[("name", "Acme"), ("default_locale", "zh-CN"), ("time_zone", "UTC")],
        )
        .await;
    assert_eq!(saved.location(), "/settings/account");

    // Delete the team through its confirmation page.
    let confirm = b.open(&format!("/settings/teams/{team_id}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    let deleted = b.post_form(&format!("/settings/teams/{team_id}/delete"), &[("_csrf", &confirm.csrf())]).await;
    assert_eq!(deleted.location(), "/settings/teams");

    // Sign out; the agent signs in and sees Chinese, then switches to English.
    let signed_out = b.fill_and_post("/", "/logout", &[]).await;
    assert_eq!(signed_out.location(), "/login");
    assert!(!b.cookies.contains_key("sb_session"));
    let login = b.open("/login").await;
    assert!(!login.body.contains("name=\"account\""), "one account: no account field");
    let wrong =
        b.fill_and_post("/login", "/login", &[("email", "li@example.com"), ("password", "wrong password")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("id=\"login-problem\""));
    let signed_in = b
        .fill_and_post(
            "/login?next=/settings",
            "/login",
            &[("email", "li@example.com"), ("password", "agent password"), ("next", "/settings")],
        )
        .await;
    assert_eq!(signed_in.location(), "/settings");
    let home = b.open("/").await;
    assert_eq!(lang(&home.body), "zh-CN");
    assert!(home.body.contains("收件箱"));
    let forbidden = b.open("/settings/users/new").await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert!(forbidden.body.contains("没有权限"));
    assert!(!b.open("/settings").await.body.contains("/settings/audit"), "links the agent cannot use are hidden");
    let switched = b.fill_and_post("/settings", "/locale", &[("locale", "en"), ("__from", "/settings")]).await;
    assert_eq!(switched.location(), "/settings");
    let home = b.open("/").await;
    assert_eq!(lang(&home.body), "en");
    assert!(home.body.contains("Inbox"));

    // Without a session: the pages send to sign-in and remember where to come back.
    let mut anonymous = Browser::new(router.clone());
    assert_eq!(anonymous.open("/settings/users?q=a").await.location(), "/login?next=%2Fsettings%2Fusers%3Fq%3Da");
    let missing = anonymous.open("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Page not found") && missing.body.contains("页面不存在"));
    // A form post without the double-submit token is refused by the middleware.
    let refused = anonymous.post_form("/login", &[("email", "li@example.com"), ("password", "agent password")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // The login page follows the browser's language before sign-in.
    let zh = anonymous
        .send(Request::get("/login").header(header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9").body(Body::empty()).unwrap())
        .await;
    assert_eq!(lang(&zh.body), "zh-CN");
}

async fn repeated_wrong_passwords_are_throttled_with_minutes(router: Router) {
    let mut b = Browser::new(router);
    set_up(&mut b).await;
    b.fill_and_post("/", "/logout", &[]).await;
    let mut last = None;
    for _ in 0..6 {
        last = Some(
            b.fill_and_post("/login", "/login", &[("email", "ada@example.com"), ("password", "not the password")])
                .await,
        );
    }
    let last = last.unwrap();
    assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(last.body.contains("Too many failed sign-ins. Try again in 15 minutes."), "{}", last.body);
    assert!(last.headers.contains_key(header::RETRY_AFTER));
}

/// The `data-<name>` attribute of the workspace root.
fn data(body: &str, name: &str) -> String {
    let marker = format!("data-{name}=\"");
    let start = body.find(&marker).map(|i| i + marker.len()).unwrap_or_else(|| panic!("no data-{name}"));
    body[start..].split('"').next().unwrap_or_default().to_string()
}

/// The id of the custom role named `name`, from the roles page.
fn role_id(roles_page: &str, name: &str) -> String {
    let at = roles_page.find(&format!(">{name}<")).expect("the role is listed");
    first_id(&roles_page[roles_page[..at].rfind("/settings/roles/").expect("a link to the role")..], "/settings/roles/")
}

async fn the_workspace_follows_permissions(router: Router) {
    let mut b = Browser::new(router.clone());
    set_up(&mut b).await;

    // The admin (data scope: account, in no team) gets mine, unassigned and all, and may assign.
    let page = b.open("/inbox").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for id in ["ws-view-mine", "ws-view-unassigned", "ws-view-all", "ws-assign-me", "ws-assign-agent", "ws-reply"] {
        assert!(page.body.contains(&format!("id=\"{id}\"")), "{id} is on the admin's page");
    }
    assert!(!page.body.contains("id=\"ws-view-teams\""), "no teams view without a team");
    assert_eq!(data(&page.body, "can-assign"), "true");
    assert_eq!(data(&page.body, "view"), "mine");
    assert_eq!(data(&page.body, "csrf"), page.csrf(), "the scripts get the session's CSRF token");
    assert!(!page.body.contains("style="), "no inline style");
    assert!(!page.body.contains("<script>") && !page.body.contains("onclick"), "no inline script");
    // The scripts' strings travel as JSON in an attribute, escaped like any attribute.
    let strings = data(&page.body, "strings").replace("&#34;", "\"").replace("&quot;", "\"");
    assert!(strings.contains("Internal note") && strings.contains("ws.typing.customer"), "{strings}");
    let module = page.body.split("<script type=\"module\" src=\"").nth(1).and_then(|r| r.split('"').next()).unwrap();
    assert!(module.starts_with("/static/m/") && module.ends_with("/ws-main.js"), "{module}");
    let script = b.open(module).await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/javascript"));
    assert!(script.headers[header::CACHE_CONTROL].to_str().unwrap().contains("immutable"));
    let sibling = b.open(&module.replace("ws-main.js", "ws-socket.js")).await;
    assert_eq!(sibling.status, StatusCode::OK, "modules import their siblings from the same folder");
    let outdated = b.open("/static/m/0000000000000000/ws-main.js").await;
    assert_eq!(outdated.headers[header::CACHE_CONTROL], "no-cache", "an old page gets the current file, uncached");
    assert_eq!(b.open("/static/m/x/app.css").await.status, StatusCode::NOT_FOUND, "only modules live there");
    let chosen = b.open("/inbox?view=all&status=resolved&c=42").await;
    assert_eq!(data(&chosen.body, "view"), "all");
    assert_eq!(data(&chosen.body, "status"), "resolved");
    assert_eq!(data(&chosen.body, "open"), "42");
    let odd = b.open("/inbox?view=everything&status=%3Cb%3E&c=1%3Cscript%3E").await;
    assert_eq!(
        (data(&odd.body, "view"), data(&odd.body, "status"), data(&odd.body, "open")),
        ("mine".into(), "open".into(), String::new())
    );

    // A team with an agent who speaks Chinese, and a role that may not see conversations.
    b.fill_and_post("/settings/teams/new", "/settings/teams", &[("name", "一线"), ("members_shown", "1")]).await;
    let team_id = first_id(&b.open("/settings/teams").await.body, "/settings/teams/");
    b.fill_and_post(
        "/settings/roles/new",
        "/settings/roles",
        &[("name", "Auditor"), ("permissions", "audit.read"), ("data_scope", "own")],
    )
    .await;
    let auditor_role = role_id(&b.open("/settings/roles").await.body, "Auditor");
    for (email, role, locale, teams) in [
        ("li@example.com", "agent", "zh-CN", vec![("teams_shown", "1"), ("team_ids", team_id.as_str())]),
        ("audit@example.com", auditor_role.as_str(), "en", vec![]),
    ] {
        let mut fields = vec![
            ("name", "Someone"),
            ("email", email),
            ("password", "agent password"),
            ("role", role),
            ("locale", locale),
            ("time_zone", ""),
        ];
        fields.extend(teams);
        let created = b.fill_and_post("/settings/users/new", "/settings/users", &fields).await;
        assert_eq!(created.location(), "/settings/users", "{}", created.body);
    }

    // The agent (data scope: own, in a team): mine, unassigned, teams; not all; no assigning others.
    let mut agent = Browser::new(router.clone());
    let signed_in =
        agent.fill_and_post("/login", "/login", &[("email", "li@example.com"), ("password", "agent password")]).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let page = agent.open("/inbox?view=all").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(lang(&page.body), "zh-CN");
    assert!(page.body.contains("分配给我") && page.body.contains("我的团队"));
    assert!(page.body.contains("id=\"ws-view-teams\"") && !page.body.contains("id=\"ws-view-all\""));
    assert_eq!(data(&page.body, "view"), "mine", "a view the agent may not use falls back to their own");
    assert_eq!(data(&page.body, "team-ids"), team_id);
    assert_eq!(data(&page.body, "can-assign"), "false");
    assert!(!page.body.contains("id=\"ws-assign-agent\""));
    assert!(data(&page.body, "strings").contains("客户正在输入"));

    // Without conversations.reply: forbidden.
    let mut auditor = Browser::new(router);
    auditor.fill_and_post("/login", "/login", &[("email", "audit@example.com"), ("password", "agent password")]).await;
    let forbidden = auditor.open("/inbox").await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert!(!forbidden.body.contains("id=\"workspace\""));
}

#[test]
fn every_key_named_in_code_exists_in_both_languages() {
    let mut keys: Vec<String> = Permission::ALL.iter().map(|p| format!("perm.{}", p.name())).collect();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui");
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
        for piece in text.split('"') {
            let namespaced = ["err.", "flash.", "ch.", "inbox.", "tickets.", "kb.", "customers.", "reports.", "nav."]
                .iter()
                .any(|p| piece.starts_with(p));
            if namespaced
                && !piece.ends_with('.')
                && piece.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_')
            {
                keys.push(piece.to_string());
            }
        }
    }
    assert!(keys.len() > 40);
    for locale in Locale::ALL {
        let t = crate::i18n::Tr::new(locale);
        let missing: Vec<&String> = keys.iter().filter(|k| t.t(k) == k.as_str()).collect();
        assert!(missing.is_empty(), "{locale:?} lacks {missing:?}");
    }
}
