//! Test fixture: the real router on 127.0.0.1:0 over a fresh database — a SQLite file in a temp
//! folder, or a fresh schema on the PostgreSQL named by SWITCHBOARD_TEST_POSTGRES_URL.

use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::PathBuf;
use switchboard_app::{Actor, App, AppSettings};
use switchboard_domain::requests::{NewAccountInput, NewTokenInput, NewUserInput};
use switchboard_store::{Db, DbOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub app: App,
    pub client: Client,
    pub backend: Backend,
    temp_dir: Option<PathBuf>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        if let Some(dir) = &self.temp_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Runs a test on both backends: `on_both_backends!(a, b)` makes `sqlite::a`, `postgres::a`, ...
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::support::TestApp::start($crate::support::Backend::Sqlite).await.expect("sqlite is always available");
                    super::$name(app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::support::TestApp::start($crate::support::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            )*
        }
    };
}

fn unique(prefix: &str) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    format!("{prefix}_{now}_{:08x}", rand::random::<u32>())
}

/// Opens a fresh, migrated database for a test, or None when PostgreSQL is not configured.
pub async fn fresh_db(backend: Backend) -> Option<(Db, String, Option<PathBuf>)> {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(unique("switchboard-test"));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let url = format!("sqlite://{}/test.db", dir.display());
            let db = Db::connect(&url, &DbOptions::default()).await.expect("open sqlite");
            db.migrate().await.expect("migrate sqlite");
            Some((db, url, Some(dir)))
        }
        Backend::Postgres => {
            let Ok(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
                if std::env::var("SWITCHBOARD_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                    panic!("SWITCHBOARD_TEST_REQUIRE_POSTGRES=1 but SWITCHBOARD_TEST_POSTGRES_URL is not set");
                }
                eprintln!("skipped: SWITCHBOARD_TEST_POSTGRES_URL not set");
                return None;
            };
            let schema = unique("t");
            drop_old_schemas(&url).await;
            let options = DbOptions { postgres_schema: Some(schema.clone()), pool_size: 4, ..Default::default() };
            let db = Db::connect(&url, &options).await.expect("open postgres");
            db.migrate().await.expect("migrate postgres");
            Some((db, schema, None))
        }
    }
}

/// Test schemas are named t_<unix seconds>_<random>; drop those older than two hours.
async fn drop_old_schemas(url: &str) {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(url).await else { return };
    let cutoff =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0) - 7200;
    let rows = sqlx::query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%'")
        .fetch_all(&mut conn)
        .await
        .unwrap_or_default();
    for row in rows {
        let name: String = row.try_get("nspname").unwrap_or_default();
        let stamp = name.split('_').nth(1).and_then(|s| s.parse::<u64>().ok()).unwrap_or(u64::MAX);
        if stamp < cutoff {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE")))
                .execute(&mut conn)
                .await;
        }
    }
}

/// A signed-in identity for tests: the API token of a user with a role.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token: String,
    pub user_id: String,
    pub account_slug: String,
}

pub struct Tenant {
    pub account_id: switchboard_domain::AccountId,
    pub slug: String,
    pub admin: Caller,
    pub supervisor: Caller,
    pub agent: Caller,
}

impl TestApp {
    pub async fn start(backend: Backend) -> Option<TestApp> {
        Self::start_with(backend, AppSettings::default()).await
    }

    pub async fn start_with(backend: Backend, settings: AppSettings) -> Option<TestApp> {
        let (mut db, _, temp_dir) = fresh_db(backend).await?;
        db.claim_node("api-test", std::time::Duration::from_secs(600)).await.expect("node lease");
        let app = App::new(db, settings);
        tokio::spawn(app.clone().run_events(None));
        tokio::spawn(app.clone().run_routing());
        let config =
            switchboard_web::WebConfig { max_body_bytes: 64 * 1024, trust_forwarded_for: true, ..Default::default() };
        let router = switchboard_web::router(switchboard_web::WebState::new(app.clone(), config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await;
        });
        let client = Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Some(TestApp { base: format!("http://{address}"), app, client, backend, temp_dir, server })
    }

    /// Creates an account with an admin, a supervisor and an agent, each with an API token.
    pub async fn tenant(&self, slug: &str) -> Tenant {
        let account = NewAccountInput {
            name: Some(format!("Company {slug}")),
            slug: Some(slug.into()),
            default_locale: Some("en".into()),
            time_zone: Some("Asia/Shanghai".into()),
        };
        let admin = NewUserInput {
            name: Some("Ann Admin".into()),
            email: Some(format!("admin@{slug}.test")),
            password: Some("admin-password-1".into()),
            role: Some("admin".into()),
            ..Default::default()
        };
        let origin = switchboard_app::accounts::Origin { label: "test".into(), ..Default::default() };
        let (account, admin_user) =
            self.app.create_account(&account, &admin, &origin, false).await.expect("create account");
        let system = Actor::system(account.id, "test");
        let mut callers = Vec::new();
        for (role, user_id) in [("admin", Some(admin_user.id)), ("supervisor", None), ("agent", None)] {
            let user_id = match user_id {
                Some(id) => id,
                None => {
                    let input = NewUserInput {
                        name: Some(format!("{role} person")),
                        email: Some(format!("{role}@{slug}.test")),
                        password: Some(format!("{role}-password-1")),
                        role: Some(role.into()),
                        ..Default::default()
                    };
                    self.app.create_user(&system, &input).await.expect("create user").id
                }
            };
            let token =
                NewTokenInput { name: Some(format!("{role} token")), user_id: Some(user_id), ..Default::default() };
            let created = self.app.create_token(&system, &token).await.expect("create token");
            callers.push(Caller { token: created.secret, user_id: user_id.to_string(), account_slug: slug.into() });
        }
        let agent = callers.pop().expect("agent");
        let supervisor = callers.pop().expect("supervisor");
        let admin = callers.pop().expect("admin");
        Tenant { account_id: account.id, slug: slug.into(), admin, supervisor, agent }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request with a bearer token and an optional JSON body.
    pub async fn call(&self, caller: &Caller, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut request = self.client.request(method, self.url(path)).bearer_auth(&caller.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request")
    }

    /// Same, returning status and JSON (Null when the body is empty or not JSON).
    pub async fn json(&self, caller: &Caller, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let response = self.call(caller, method, path, body).await;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, caller: &Caller, path: &str) -> (StatusCode, Value) {
        self.json(caller, Method::GET, path, None).await
    }

    pub async fn post(&self, caller: &Caller, path: &str, body: Value) -> (StatusCode, Value) {
        self.json(caller, Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, caller: &Caller, path: &str, body: Value) -> (StatusCode, Value) {
        self.json(caller, Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, caller: &Caller, path: &str) -> (StatusCode, Value) {
        self.json(caller, Method::DELETE, path, None).await
    }

    /// The Redis named by SWITCHBOARD_TEST_REDIS_URL, or None (the test is skipped unless
    /// SWITCHBOARD_TEST_REQUIRE_REDIS=1).
    pub fn redis_url() -> Option<String> {
        match std::env::var("SWITCHBOARD_TEST_REDIS_URL") {
            Ok(url) => Some(url),
            Err(_) => {
                assert!(
                    std::env::var("SWITCHBOARD_TEST_REQUIRE_REDIS").as_deref() != Ok("1"),
                    "SWITCHBOARD_TEST_REQUIRE_REDIS=1 but SWITCHBOARD_TEST_REDIS_URL is not set"
                );
                eprintln!("skipped: SWITCHBOARD_TEST_REDIS_URL not set");
                None
            }
        }
    }

    /// The Redis URL when one is configured, without skipping anything.
    pub fn redis_url_if_set() -> Option<String> {
        std::env::var("SWITCHBOARD_TEST_REDIS_URL").ok()
    }

    /// Runs SQL directly against the test database (to tamper with it, or to inspect it).
    pub async fn sql(&self, statement: &str) {
        let mut tx = self.app.db().begin().await.expect("begin");
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_string())).execute(&mut *tx).await.expect("sql");
        tx.commit().await.expect("commit");
    }
}

/// The `code` of an error answer.
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

pub fn team_body(name: &str) -> Value {
    json!({ "name": name, "description": "" })
}
