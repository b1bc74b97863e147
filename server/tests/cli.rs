//! The real binary's subcommands, non-interactively, as a script would use them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch() -> Scratch {
    let dir =
        std::env::temp_dir().join(format!("switchboard-cli-{}-{:08x}", std::process::id(), rand::random::<u32>()));
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// Where the binary keeps its data: a SQLite file in the scratch folder, or a fresh PostgreSQL schema.
#[derive(Clone)]
enum Store {
    Sqlite,
    Postgres { url: String, schema: String },
}

impl Store {
    fn postgres() -> Option<Store> {
        let Ok(url) = std::env::var("SWITCHBOARD_TEST_POSTGRES_URL") else {
            assert!(
                std::env::var("SWITCHBOARD_TEST_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "SWITCHBOARD_TEST_REQUIRE_POSTGRES=1 but SWITCHBOARD_TEST_POSTGRES_URL is not set"
            );
            eprintln!("skipped: SWITCHBOARD_TEST_POSTGRES_URL not set");
            return None;
        };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Some(Store::Postgres { url, schema: format!("t_{now}_{:08x}", rand::random::<u32>()) })
    }

    fn url(&self, dir: &Path) -> String {
        match self {
            Store::Sqlite => format!("sqlite://{}/sb.db", dir.display()),
            Store::Postgres { url, .. } => url.clone(),
        }
    }

    fn options(&self) -> switchboard_store::DbOptions {
        match self {
            Store::Sqlite => Default::default(),
            Store::Postgres { schema, .. } => {
                switchboard_store::DbOptions { postgres_schema: Some(schema.clone()), ..Default::default() }
            }
        }
    }
}

fn run(store: &Store, dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    command
        .args(args)
        .current_dir(dir)
        .env("SWITCHBOARD_DATABASE_URL", store.url(dir))
        .env("SWITCHBOARD_LOG__LEVEL", "warn")
        .env_remove("SWITCHBOARD_PASSWORD");
    if let Store::Postgres { schema, .. } = store {
        command.env("SWITCHBOARD_DATABASE__POSTGRES_SCHEMA", schema);
    }
    command.output().expect("run switchboard")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

#[test]
fn scripts_work_on_sqlite() {
    scripts_create_an_account_users_and_a_token_and_audit_verify_catches_tampering(Store::Sqlite);
}

#[test]
fn scripts_work_on_postgres() {
    if let Some(store) = Store::postgres() {
        scripts_create_an_account_users_and_a_token_and_audit_verify_catches_tampering(store);
    }
}

fn scripts_create_an_account_users_and_a_token_and_audit_verify_catches_tampering(store: Store) {
    let scratch = scratch();
    let dir = &scratch.0;
    let run = |args: &[&str]| run(&store, dir, args);
    std::fs::write(dir.join("pw"), "a long admin password\n").unwrap();
    let created = run(&[
        "account",
        "create",
        "--name",
        "Acme 商城",
        "--slug",
        "acme",
        "--admin-email",
        "admin@acme.test",
        "--admin-name",
        "Ann",
        "--password-file",
        "pw",
    ]);
    assert!(created.status.success(), "{created:?}");
    let bad = run(&["user", "create", "--account", "acme", "--email", "nope", "--name", "", "--password", "x"]);
    assert!(!bad.status.success());
    let message = String::from_utf8_lossy(&bad.stderr);
    assert!(message.contains("email") && message.contains("name") && message.contains("password"), "{message}");
    let user = run(&[
        "user",
        "create",
        "--account",
        "acme",
        "--email",
        "li.na@acme.test",
        "--name",
        "李娜",
        "--role",
        "supervisor",
        "--password-file",
        "pw",
    ]);
    assert!(user.status.success(), "{user:?}");
    let listed = stdout(&run(&["user", "list", "--account", "acme", "--json"]));
    let users: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(users.as_array().unwrap().len(), 2);
    let token = run(&[
        "token",
        "create",
        "--account",
        "acme",
        "--email",
        "admin@acme.test",
        "--name",
        "ci",
        "--scope",
        "users.read,teams.read",
    ]);
    assert!(token.status.success());
    assert!(stdout(&token).trim().starts_with("sbt_"));
    let demo = run(&["demo", "--account", "acme"]);
    assert!(demo.status.success(), "{demo:?}");
    assert!(stdout(&demo).contains("8 new customer conversations"), "{}", stdout(&demo));
    let again = run(&["demo", "--account", "acme"]);
    let again = stdout(&again);
    assert!(
        again.contains("(0 new)") && again.contains(", 0 new customer conversations"),
        "demo is idempotent: {again}"
    );
    let example = stdout(&run(&["config", "example"]));
    assert!(example.contains("[database]") && example.contains("session_idle_minutes"));

    let verified = run(&["audit", "verify"]);
    assert!(verified.status.success(), "{verified:?}");
    assert!(stdout(&verified).contains("acme: ok"));

    // A consistent copy (SQLite) or the pg_dump advice, then tamper with the third audit entry.
    let backup = run(&["backup", "--output", "copy.db"]);
    assert!(backup.status.success(), "{backup:?}");
    match &store {
        Store::Sqlite => assert!(dir.join("copy.db").exists()),
        Store::Postgres { .. } => assert!(stdout(&backup).contains("pg_dump")),
    }
    tamper(&store, dir);
    let broken = run(&["audit", "verify", "--account", "acme"]);
    assert!(!broken.status.success());
    assert!(stdout(&broken).contains("BROKEN at entry 3"), "{}", stdout(&broken));
}

#[test]
fn kb_import_export_on_sqlite() {
    kb_import_and_export(Store::Sqlite);
}

#[test]
fn kb_import_export_on_postgres() {
    if let Some(store) = Store::postgres() {
        kb_import_and_export(store);
    }
}

fn kb_import_and_export(store: Store) {
    let scratch = scratch();
    let dir = &scratch.0;
    let run = |args: &[&str]| run(&store, dir, args);
    std::fs::write(dir.join("pw"), "a long admin password\n").unwrap();
    let created = run(&[
        "account",
        "create",
        "--name",
        "Acme",
        "--slug",
        "acme",
        "--admin-email",
        "a@acme.test",
        "--admin-name",
        "A",
        "--password-file",
        "pw",
    ]);
    assert!(created.status.success(), "{created:?}");
    let lines = [
        r#"{"id":"faq-1","category":"refunds","question":"退款多久到账？","similar":["钱什么时候退"],"answer":"1-7 个工作日。","lang":"zh"}"#,
        r#"{"id":"faq-2","category":"shipping","question":"How long is shipping?","similar":[],"answer":"2-4 days.","lang":"en"}"#,
        "{broken",
        r#"{"id":"faq-3","question":"","answer":"x","lang":"zh"}"#,
    ];
    std::fs::write(dir.join("kb.jsonl"), lines.join("\n")).unwrap();
    // A dry run reports and writes nothing; bad lines make the exit status 1.
    let dry = run(&["kb", "import", "kb.jsonl", "--account", "acme", "--dry-run"]);
    assert!(!dry.status.success());
    let errors = String::from_utf8_lossy(&dry.stderr).to_string();
    assert!(
        errors.contains("kb.jsonl:3:") && errors.contains("kb.jsonl:4:") && errors.contains("question"),
        "{errors}"
    );
    assert!(stdout(&dry).contains("2 would be created"), "{}", stdout(&dry));
    let export = run(&["kb", "export", "--account", "acme"]);
    assert!(export.status.success() && stdout(&export).is_empty(), "{export:?}");
    // The import takes the good lines.
    let imported = run(&["kb", "import", "kb.jsonl", "--account", "acme"]);
    assert!(stdout(&imported).contains("2 were created") && stdout(&imported).contains("2 rejected"), "{imported:?}");
    // Export to a file in both formats; importing an export changes nothing.
    for format in ["jsonl", "csv"] {
        let file = format!("out.{format}");
        let export = run(&["kb", "export", "--account", "acme", "--format", format, "--output", &file]);
        assert!(export.status.success(), "{export:?}");
        let text = std::fs::read_to_string(dir.join(&file)).unwrap();
        assert!(text.contains("退款多久到账") && text.contains("faq-2"), "{text}");
        let again = run(&["kb", "import", &file, "--account", "acme"]);
        assert!(again.status.success(), "{again:?}");
        assert!(stdout(&again).contains("0 were created, 0 were updated, 2 unchanged"), "{}", stdout(&again));
    }
    // Re-importing a changed file updates instead of duplicating.
    std::fs::write(dir.join("kb.jsonl"), lines[0].replace("1-7", "3")).unwrap();
    let updated = run(&["kb", "import", "kb.jsonl", "--account", "acme"]);
    assert!(stdout(&updated).contains("1 were updated"), "{updated:?}");
}

fn tamper(store: &Store, dir: &Path) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let db = switchboard_store::Db::connect(&store.url(dir), &store.options()).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        sqlx::query("UPDATE audit_log SET actor_name = 'mallory' WHERE seq = 3").execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
        db.close().await;
    });
}

#[test]
fn unknown_database_schemes_are_refused_clearly() {
    let scratch = scratch();
    let output = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["migrate", "--database-url", "mysql://x@y/z"])
        .current_dir(&scratch.0)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unsupported database URL scheme `mysql`"));
}

#[test]
fn bot_eval_prints_the_summary_line() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/boteval");
    if !shared.join("kb.jsonl").exists() {
        eprintln!("skipped: {} is absent", shared.display());
        return;
    }
    let output = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["bot", "eval", "--kb", "kb.jsonl", "--questions", "dev.jsonl", "--handoff", "handoff_dev.jsonl"])
        .current_dir(&shared)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    let last = text.lines().last().unwrap_or("");
    let fields: Vec<(&str, f64)> =
        last.split(' ').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k, v.parse::<f64>().unwrap())).collect();
    let names: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
    assert_eq!(names, ["top1", "handoff_precision", "handoff_recall"], "{last}");
    assert!(fields.iter().all(|(_, v)| (0.0..=1.0).contains(v)));
    assert!(text.contains("explicit_request"), "per-reason recall is reported");
}
