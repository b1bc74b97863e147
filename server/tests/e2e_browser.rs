//! End to end in real headless Chromium against the real binary: first-run setup, an admin adds a
//! Chinese-speaking agent, the agent signs in, sees Chinese, switches to English. Runs on SQLite,
//! and on PostgreSQL when SWITCHBOARD_TEST_POSTGRES_URL is set (a fresh schema per run).

mod browser;
mod kb_browser;
mod routing_browser;
mod widget_e2e;
mod workspace_browser;

use browser::{Driver, Session, WAIT, free_port, temp_dir};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `switchboard serve` child process, killed (and its folder removed) on drop, panics included.
struct Server {
    child: Child,
    base: String,
    dir: PathBuf,
    database_url: String,
    postgres_schema: Option<String>,
}

impl Server {
    /// Starts the binary on a free port and waits until `/healthz` answers 200.
    async fn start(database_url: Option<String>, postgres_schema: Option<String>) -> Server {
        let dir = temp_dir("sb-e2e-server");
        let database_url = database_url.unwrap_or_else(|| format!("sqlite://{}", dir.join("switchboard.db").display()));
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let log = std::fs::File::create(dir.join("server.log")).expect("a log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        command
            .args(["serve", "--listen", &listen, "--database-url", &database_url])
            .current_dir(&dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        if let Some(schema) = &postgres_schema {
            command.env("SWITCHBOARD_DATABASE__POSTGRES_SCHEMA", schema);
        }
        let child = command.spawn().expect("the switchboard binary starts");
        let mut server = Server { child, base: format!("http://{listen}"), dir, database_url, postgres_schema };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(answer) = http.get(format!("{}/healthz", server.base)).send().await
                && answer.status() == reqwest::StatusCode::OK
            {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("switchboard serve exited with {status}:\n{}", server.log());
            }
            assert!(
                Instant::now() < deadline,
                "switchboard serve did not answer /healthz within 60 s:\n{}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Runs a `switchboard` subcommand on the server's database; panics when it fails.
    fn cli(&self, args: &[&str]) -> String {
        let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        command
            .args(args)
            .current_dir(&self.dir)
            .env("SWITCHBOARD_DATABASE_URL", &self.database_url)
            .env("SWITCHBOARD_LOG__LEVEL", "warn")
            .env_remove("SWITCHBOARD_PASSWORD");
        if let Some(schema) = &self.postgres_schema {
            command.env("SWITCHBOARD_DATABASE__POSTGRES_SCHEMA", schema);
        }
        let output = command.output().expect("run switchboard");
        assert!(output.status.success(), "switchboard {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- server log ---\n{}", self.log());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// With `SB_E2E_SCREENSHOTS=<folder>`, saves a screenshot of each step there (for looking at the UI).
async fn shot(browser: &Session, name: &str) {
    if let Some(dir) = std::env::var_os("SB_E2E_SCREENSHOTS") {
        let dir = PathBuf::from(dir);
        let _ = std::fs::create_dir_all(&dir);
        browser.screenshot(&dir.join(format!("{name}.png"))).await;
    }
}

async fn lang(browser: &Session) -> String {
    browser.attribute("html", "lang").await.unwrap_or_default()
}

/// The whole story, in two independent browsers.
async fn admin_adds_an_agent_who_works_in_chinese(server: &Server) {
    let started = Instant::now();
    let driver = Driver::start().await;
    let admin = driver.session().await;

    // First run: the home page sends to setup.
    admin.goto(&server.url("/")).await;
    admin.wait_for_path("/setup", WAIT).await;
    shot(&admin, "01-setup").await;
    admin.fill("[name='account.name']", "Acme Support").await;
    admin.fill("[name='admin.name']", "Ada Admin").await;
    admin.fill("[name='admin.email']", "ada@example.com").await;
    admin.fill("[name='admin.password']", "correct horse battery").await;
    admin.fill("[name='admin.password_confirm']", "correct horse battery").await;
    admin.select("select[name='locale']", "en").await;
    admin.select("select[name='time_zone']", "Asia/Shanghai").await;
    admin.click("#setup-submit").await;

    // Signed in right away, in English.
    admin.wait_for_path("/", WAIT).await;
    admin.wait_for("#flash", WAIT).await;
    assert_eq!(lang(&admin).await, "en");
    assert_eq!(admin.text("#user-name").await, "Ada Admin");
    admin.wait_for_text("Inbox", WAIT).await;
    shot(&admin, "02-home").await;

    // The admin adds an agent whose language is Chinese.
    admin.goto(&server.url("/settings/users")).await;
    admin.wait_for("#users-table", WAIT).await;
    admin.click("#new-user").await;
    admin.wait_for("#user-form", WAIT).await;
    shot(&admin, "03-new-user").await;
    admin.fill("[name='name']", "李雷").await;
    admin.fill("[name='email']", "lilei@example.com").await;
    admin.fill("[name='password']", "agent password 1").await;
    admin.select_label("select[name='role']", "Agent").await;
    admin.select("select[name='locale']", "zh-CN").await;
    admin.click("#user-submit").await;
    admin.wait_for_path("/settings/users", WAIT).await;
    admin.wait_for_text("The user was created.", WAIT).await;
    assert!(admin.text("#users-table").await.contains("lilei@example.com"));
    shot(&admin, "04-users").await;

    // The filters refresh the list as one types (htmx, under the strict Content-Security-Policy).
    admin.fill("#q", "lilei").await;
    let deadline = Instant::now() + WAIT;
    while admin.text("#users-table").await.contains("ada@example.com") {
        assert!(Instant::now() < deadline, "typing in the search did not filter the list");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(admin.text("#users-table").await.contains("lilei@example.com"));
    let filtered = admin.path().await;
    assert!(filtered.starts_with("/settings/users?q=lilei"), "the filtered list has its own address: {filtered}");

    // A look at every page, when screenshots are asked for.
    if std::env::var_os("SB_E2E_SCREENSHOTS").is_some() {
        for (name, path) in [
            ("10-settings", "/settings"),
            ("11-profile", "/settings/profile"),
            ("12-teams-new", "/settings/teams/new"),
            ("13-roles", "/settings/roles"),
            ("14-roles-new", "/settings/roles/new"),
            ("15-tokens", "/settings/tokens"),
            ("16-audit", "/settings/audit"),
            ("17-account", "/settings/account"),
            ("18-inbox", "/inbox"),
            ("19-api-docs", "/api/docs"),
            ("20-not-found", "/no/such/page"),
        ] {
            admin.goto(&server.url(path)).await;
            admin.wait_for("body", WAIT).await;
            shot(&admin, name).await;
        }
        // The 404 just visited is the one console error expected.
        let errors = admin.console_errors().await;
        assert!(errors.iter().all(|e| e.contains("/no/such/page")), "console errors: {errors:#?}");
        admin.goto(&server.url("/settings/tokens")).await;
        admin.fill("[name='name']", "Deploy script").await;
        admin.click("#token-submit").await;
        admin.wait_for("#token-secret", WAIT).await;
        shot(&admin, "21-token-created").await;
    }

    // The admin signs out.
    admin.click("#sign-out").await;
    admin.wait_for("#login-form", WAIT).await;
    admin.goto(&server.url("/settings")).await;
    admin.wait_for("#login-form", WAIT).await;
    assert!(admin.path().await.starts_with("/login?next="), "signed out: {}", admin.current_url().await);

    // The agent, in another browser, signs in and gets the Chinese UI.
    let agent = driver.session().await;
    agent.goto(&server.url("/")).await;
    agent.wait_for("#login-form", WAIT).await;
    shot(&agent, "05-login").await;
    assert_eq!(lang(&agent).await, "en", "before sign-in the browser's language counts");
    agent.fill("[name='email']", "lilei@example.com").await;
    agent.fill("[name='password']", "agent password 1").await;
    agent.click("#sign-in").await;
    agent.wait_for_path("/", WAIT).await;
    assert_eq!(lang(&agent).await, "zh-CN");
    agent.wait_for_text("收件箱", WAIT).await;
    shot(&agent, "06-home-zh").await;
    assert_eq!(agent.text("#user-name").await, "李雷");
    assert_eq!(agent.text("#sign-out").await, "退出登录");

    // The agent switches to English; it sticks after a reload.
    agent.click("#lang-switch").await;
    agent.wait_for_text("Inbox", WAIT).await;
    agent.goto(&server.url("/")).await;
    agent.wait_for("#sign-out", WAIT).await;
    assert_eq!(lang(&agent).await, "en");
    assert!(agent.page_text().await.contains("Inbox"));
    assert!(!agent.page_text().await.contains("收件箱"));

    // On a phone-sized screen the navigation folds into a menu.
    agent.set_window_size(390, 844).await;
    agent.goto(&server.url("/settings")).await;
    agent.wait_for("#sidebar", WAIT).await;
    assert!(!agent.displayed("#sidebar").await, "the sidebar is folded away");
    shot(&agent, "07-phone").await;
    agent.click(".menu-button").await;
    assert!(agent.displayed("#sidebar").await, "the menu opens the navigation");
    shot(&agent, "08-phone-menu").await;

    // Nothing was blocked by the Content-Security-Policy, no script failed.
    for (who, browser) in [("admin", &admin), ("agent", &agent)] {
        let errors = browser.console_errors().await;
        assert!(errors.is_empty(), "console errors in the {who}'s browser: {errors:#?}");
    }

    agent.quit().await;
    admin.quit().await;
    eprintln!("browser scenario took {:.1} s", started.elapsed().as_secs_f64());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_setup_agent_and_languages_on_sqlite() {
    let server = Server::start(None, None).await;
    admin_adds_an_agent_who_works_in_chinese(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_setup_agent_and_languages_on_postgres() {
    let Some((server, url, schema)) = postgres_server().await else { return };
    admin_adds_an_agent_who_works_in_chinese(&server).await;
    drop(server);
    drop_schemas(&url, Some(&schema)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_workspace_on_sqlite() {
    let server = Server::start(None, None).await;
    workspace_browser::agent_answers_a_new_conversation_live(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_workspace_on_postgres() {
    let Some((server, url, schema)) = postgres_server().await else { return };
    workspace_browser::agent_answers_a_new_conversation_live(&server).await;
    drop(server);
    drop_schemas(&url, Some(&schema)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_routing_on_sqlite() {
    let server = Server::start(None, None).await;
    routing_browser::transfer_with_a_note_and_the_live_board(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_routing_on_postgres() {
    let Some((server, url, schema)) = postgres_server().await else { return };
    routing_browser::transfer_with_a_note_and_the_live_board(&server).await;
    drop(server);
    drop_schemas(&url, Some(&schema)).await;
}

/// The binary on a fresh schema of the PostgreSQL named by SWITCHBOARD_TEST_POSTGRES_URL, with that URL
/// and the schema (to drop after the run); None, and the test skipped, when the variable is not set.
/// Schemas failed runs left behind are dropped first.
async fn postgres_server() -> Option<(Server, String, String)> {
    let Some(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) else {
        assert!(
            std::env::var("SWITCHBOARD_TEST_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "SWITCHBOARD_TEST_REQUIRE_POSTGRES=1 but SWITCHBOARD_TEST_POSTGRES_URL is not set"
        );
        println!("skipped: SWITCHBOARD_TEST_POSTGRES_URL not set");
        return None;
    };
    drop_schemas(&url, None).await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let schema = format!("e2e_{now}_{:08x}", rand::random::<u32>());
    let server = Server::start(Some(url.clone()), Some(schema.clone())).await;
    Some((server, url, schema))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_kb_editor_on_sqlite() {
    let server = Server::start(None, None).await;
    kb_browser::admin_writes_an_article_with_a_live_preview(&server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_kb_editor_on_postgres() {
    let Some((server, url, schema)) = postgres_server().await else { return };
    kb_browser::admin_writes_an_article_with_a_live_preview(&server).await;
    drop(server);
    drop_schemas(&url, Some(&schema)).await;
}

/// Drops `only` (after a run), or the e2e schemas (`e2e_<unix seconds>_<random>`) older than
/// two hours that failed runs left behind.
async fn drop_schemas(url: &str, only: Option<&str>) {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(url).await else { return };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let names: Vec<String> = match only {
        Some(name) => vec![name.to_string()],
        None => sqlx::query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'e2e\\_%'")
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default()
            .iter()
            .filter_map(|row| row.try_get::<String, _>("nspname").ok())
            .filter(|name| {
                name.split('_').nth(1).and_then(|s| s.parse::<u64>().ok()).is_some_and(|stamp| stamp + 7200 < now)
            })
            .collect(),
    };
    for name in names {
        let sql = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", name.replace('"', ""));
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await;
    }
}
