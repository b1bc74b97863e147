//! The subcommands other than `serve` and `demo`: operator tools over the same app services.

use crate::cli::*;
use crate::config::Config;
use anyhow::{Context, bail};
use std::process::ExitCode;
use switchboard_app::{Actor, App, AppError, PageRequest, UserFilter};
use switchboard_domain::TokenId;
use switchboard_domain::entities::Account;
use switchboard_domain::requests::{NewAccountInput, NewTokenInput, NewUserInput};

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(cli.global.config.as_deref())?;
    if let Some(url) = cli.global.database_url {
        config.database_url = url;
    }
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs::default()));
    if let Command::Serve(args) = &command
        && let Some(listen) = &args.listen
    {
        config.listen = listen.clone();
    }
    crate::serve::init_tracing(&config);
    match command {
        Command::Serve(_) => crate::serve::serve(config).await.map(|_| ExitCode::SUCCESS),
        Command::Config(ConfigCommand::Example) => {
            print!("{}", crate::config::EXAMPLE);
            Ok(ExitCode::SUCCESS)
        }
        Command::Healthcheck(args) => {
            let url = args.url.unwrap_or_else(|| format!("http://{}", config.listen));
            if crate::serve::healthcheck(&url).await.unwrap_or(false) {
                println!("ok");
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("unhealthy: {url}/healthz did not answer 200");
                Ok(ExitCode::FAILURE)
            }
        }
        Command::Backup(args) => backup(&config, args).await,
        Command::Bot(BotCommand::Eval { kb, questions, handoff }) => {
            crate::bot::eval(&kb, &questions, handoff.as_deref()).await
        }
        other => {
            let holder = format!("cli:{}:{}", std::process::id(), switchboard_store::now_ms());
            let app = crate::serve::open_app(&config, &holder).await?;
            let result = operate(&app, other).await;
            let _ = app.db().release_node(&holder).await;
            app.db().close().await;
            result
        }
    }
}

async fn operate(app: &App, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Migrate => {
            let status = app.db().migration_status().await?;
            println!("database schema at version {} (latest {})", status.current, status.latest);
        }
        Command::Account(AccountCommand::Create {
            name,
            slug,
            locale,
            time_zone,
            admin_email,
            admin_name,
            password,
        }) => {
            let account =
                NewAccountInput { name: Some(name), slug, default_locale: Some(locale), time_zone: Some(time_zone) };
            let admin = NewUserInput {
                name: Some(admin_name),
                email: Some(admin_email),
                password: Some(read_password(&password)?),
                role: Some("admin".into()),
                ..Default::default()
            };
            let origin = switchboard_app::accounts::Origin { label: "cli".into(), ..Default::default() };
            let (account, admin) = app.create_account(&account, &admin, &origin, false).await.map_err(explain)?;
            println!(
                "created account {} (slug {}, id {}) with admin {}",
                account.name, account.slug, account.id, admin.email
            );
        }
        Command::Account(AccountCommand::List { json }) => {
            let accounts = app.list_accounts_for_operator().await.map_err(explain)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&accounts)?);
            } else {
                for a in accounts {
                    println!("{}\t{}\t{}\t{}", a.id, a.slug, a.name, a.created_at);
                }
            }
        }
        Command::User(UserCommand::Create { account, email, name, role, locale, password }) => {
            let actor = cli_actor(app, &account).await?;
            let input = NewUserInput {
                name: Some(name),
                email: Some(email),
                password: Some(read_password(&password)?),
                role: Some(role),
                locale,
                ..Default::default()
            };
            let user = app.create_user(&actor, &input).await.map_err(explain)?;
            println!("created user {} ({}) id {}", user.email, user.name, user.id);
        }
        Command::User(UserCommand::List { account, json }) => {
            let actor = cli_actor(app, &account).await?;
            let mut all = Vec::new();
            let mut page = PageRequest { cursor: None, limit: Some(200) };
            loop {
                let batch = app.list_users(&actor, &UserFilter::default(), &page).await.map_err(explain)?;
                all.extend(batch.data);
                match batch.next_cursor {
                    Some(cursor) => page.cursor = Some(cursor),
                    None => break,
                }
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                for u in all {
                    println!("{}\t{}\t{}\t{}", u.id, u.email, u.name, if u.active { "active" } else { "deactivated" });
                }
            }
        }
        Command::User(UserCommand::ResetPassword { account, email, password }) => {
            let actor = cli_actor(app, &account).await?;
            let user = app
                .user_by_email(actor.account_id, &email)
                .await
                .map_err(explain)?
                .context("no user with that email")?;
            app.reset_password(&actor, user.id, &read_password(&password)?).await.map_err(explain)?;
            println!("password reset for {}", user.email);
        }
        Command::Token(TokenCommand::Create { account, email, name, scope, expires_in_days }) => {
            let actor = cli_actor(app, &account).await?;
            let user = app
                .user_by_email(actor.account_id, &email)
                .await
                .map_err(explain)?
                .context("no user with that email")?;
            let input = NewTokenInput {
                name: Some(name),
                scopes: Some(scope).filter(|s| !s.is_empty()),
                expires_in_days,
                user_id: Some(user.id),
            };
            let created = app.create_token(&actor, &input).await.map_err(explain)?;
            eprintln!("token {} created for {}; the secret is shown only now:", created.token.id, user.email);
            println!("{}", created.secret);
        }
        Command::Token(TokenCommand::List { account, json }) => {
            let actor = cli_actor(app, &account).await?;
            let page =
                app.list_tokens(&actor, &PageRequest { cursor: None, limit: Some(200) }).await.map_err(explain)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&page.data)?);
            } else {
                for t in page.data {
                    let state = if t.revoked_at.is_some() { "revoked" } else { "active" };
                    println!("{}\t{}\t{}…\tuser {}\t{state}", t.id, t.name, t.prefix, t.user_id);
                }
            }
        }
        Command::Token(TokenCommand::Revoke { account, id }) => {
            let actor = cli_actor(app, &account).await?;
            let id: TokenId = id.parse().ok().context("not a token id")?;
            app.revoke_token(&actor, id).await.map_err(explain)?;
            println!("revoked token {id}");
        }
        Command::Demo(args) => crate::demo::fill(app, &args).await?,
        Command::Audit(AuditCommand::Verify { account }) => return verify(app, account).await,
        Command::Kb(command) => return crate::kb::run(app, command).await,
        Command::Serve(_) | Command::Config(_) | Command::Healthcheck(_) | Command::Backup(_) | Command::Bot(_) => {
            unreachable_command()?
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn unreachable_command() -> anyhow::Result<()> {
    bail!("this command is handled before the database opens")
}

async fn verify(app: &App, only: Option<String>) -> anyhow::Result<ExitCode> {
    let accounts: Vec<Account> = match only {
        Some(slug) => vec![app.account_by_slug(&slug).await.map_err(explain)?.context("no account with that slug")?],
        None => app.list_accounts_for_operator().await.map_err(explain)?,
    };
    let mut broken = false;
    for account in accounts {
        let (checked, link) = app.audit_verify(account.id).await.map_err(explain)?;
        match link {
            None => println!("{}: ok, {checked} entries verified", account.slug),
            Some(link) => {
                broken = true;
                println!(
                    "{}: BROKEN at entry {}: {} ({} entries before it verified)",
                    account.slug, link.seq, link.reason, checked
                );
            }
        }
    }
    Ok(if broken { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

async fn backup(config: &Config, args: BackupArgs) -> anyhow::Result<ExitCode> {
    match switchboard_store::Backend::from_url(&config.database_url)? {
        switchboard_store::Backend::Postgres => {
            println!(
                "This server uses PostgreSQL: back it up with pg_dump, for example\n  pg_dump --format=custom --file=switchboard.dump '{}'",
                crate::config::redact_url(&config.database_url)
            );
            Ok(ExitCode::SUCCESS)
        }
        switchboard_store::Backend::Sqlite => {
            anyhow::ensure!(!args.output.exists(), "{} already exists", args.output.display());
            let db = switchboard_store::Db::connect(&config.database_url, &config.db_options()).await?;
            db.sqlite_backup(&args.output).await.context("while copying the database")?;
            db.close().await;
            println!("backed up to {}", args.output.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The CLI acts as the system in an account; its actions are audited as "cli".
pub async fn cli_actor(app: &App, slug: &str) -> anyhow::Result<Actor> {
    let account =
        app.account_by_slug(slug).await.map_err(explain)?.with_context(|| format!("no account with slug `{slug}`"))?;
    Ok(Actor::system(account.id, "cli"))
}

pub fn read_password(args: &PasswordArgs) -> anyhow::Result<String> {
    if let Some(password) = &args.password {
        return Ok(password.clone());
    }
    if let Some(path) = &args.password_file {
        let text = std::fs::read_to_string(path).with_context(|| format!("while reading {}", path.display()))?;
        return Ok(text.lines().next().unwrap_or("").to_string());
    }
    bail!("give the password with --password-file FILE, SWITCHBOARD_PASSWORD or --password")
}

/// An app error as a readable CLI message (field errors listed).
pub fn explain(error: AppError) -> anyhow::Error {
    match error.field_errors() {
        Some(fields) => anyhow::anyhow!("{fields}"),
        None => anyhow::anyhow!("{error}"),
    }
}
