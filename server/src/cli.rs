//! The command line. Every subcommand works non-interactively with flags, for scripts.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about = "Self-hosted omnichannel customer-service platform")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file (default: ./switchboard.toml when it exists).
    #[arg(long, global = true, env = "SWITCHBOARD_CONFIG")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "SWITCHBOARD_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web UI, API and widget (the default).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Accounts (tenants).
    #[command(subcommand)]
    Account(AccountCommand),
    /// Users of an account.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Fill an account with realistic demo data (teams, agents, supervisors).
    Demo(DemoArgs),
    /// A consistent copy of a SQLite database, safe while serving.
    Backup(BackupArgs),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Audit log tools.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Exit 0 when the server answers /healthz (for container health checks).
    Healthcheck(HealthcheckArgs),
    /// The FAQ bot.
    #[command(subcommand)]
    Bot(BotCommand),
    /// The knowledge base: import and export FAQ entries.
    #[command(subcommand)]
    Kb(KbCommand),
}

#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Import FAQ entries. Entries are matched by `id` (re-importing updates them); a missing
    /// category is created. Bad lines are reported and skipped; exit status 1 when there were any.
    Import {
        /// JSON Lines ({"id","category","question","similar":[],"answer","lang"}) or CSV
        /// (id,category,question,similar,answer,lang; similar separated by `|`).
        file: PathBuf,
        /// The account's slug.
        #[arg(long)]
        account: String,
        /// jsonl or csv (default: from the file's extension, else jsonl).
        #[arg(long)]
        format: Option<String>,
        /// Check every line and report what would happen; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Export every FAQ entry of an account (the import formats).
    Export {
        #[arg(long)]
        account: String,
        /// jsonl or csv.
        #[arg(long, default_value = "jsonl")]
        format: String,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BotCommand {
    /// Score the bot on labelled questions: top-1 accuracy, handover precision and recall, confusions.
    Eval {
        /// FAQ entries, JSON Lines: {"id","category","question","similar":[],"answer","lang"}.
        #[arg(long)]
        kb: PathBuf,
        /// Answerable questions, JSON Lines: {"q","expected": FAQ id}.
        #[arg(long)]
        questions: PathBuf,
        /// Questions that must be handed to a person: {"q","expected":"handoff","reason"}.
        #[arg(long)]
        handoff: Option<PathBuf>,
    },
}

#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Address to listen on, such as 127.0.0.1:8080 or 0.0.0.0:80.
    #[arg(long, env = "SWITCHBOARD_LISTEN")]
    pub listen: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account and its first admin.
    Create {
        #[arg(long)]
        name: String,
        /// Short id used at sign-in; made from the name when omitted.
        #[arg(long)]
        slug: Option<String>,
        /// zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        locale: String,
        #[arg(long, default_value = "Asia/Shanghai")]
        time_zone: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long)]
        admin_name: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// List accounts.
    List {
        #[arg(long)]
        json: bool,
    },
}

/// A password from a flag, a file or an environment variable (in that order).
#[derive(Debug, Args, Default)]
pub struct PasswordArgs {
    /// The password (visible in the process list; prefer --password-file or SWITCHBOARD_PASSWORD).
    #[arg(long, env = "SWITCHBOARD_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Read the password from the first line of this file.
    #[arg(long)]
    pub password_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user in an account.
    Create {
        /// The account's slug.
        #[arg(long)]
        account: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// agent, supervisor, admin, or a custom role's name.
        #[arg(long, default_value = "agent")]
        role: String,
        /// zh-CN or en (default: the account's).
        #[arg(long)]
        locale: Option<String>,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// List the users of an account.
    List {
        #[arg(long)]
        account: String,
        #[arg(long)]
        json: bool,
    },
    /// Set a new password for a user (their sessions end).
    ResetPassword {
        #[arg(long)]
        account: String,
        #[arg(long)]
        email: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user; prints the secret once.
    Create {
        #[arg(long)]
        account: String,
        /// The user the token acts for.
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Permissions to limit the token to (repeat or comma-separate); default: all of the user's.
        #[arg(long, value_delimiter = ',')]
        scope: Vec<String>,
        /// Days until it expires; default: never.
        #[arg(long)]
        expires_in_days: Option<i64>,
    },
    /// List the tokens of an account.
    List {
        #[arg(long)]
        account: String,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by id.
    Revoke {
        #[arg(long)]
        account: String,
        #[arg(long)]
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The account to fill; created (with admin demo-admin@example.com / the password) when missing.
    #[arg(long, default_value = "demo")]
    pub account: String,
    #[command(flatten)]
    pub password: PasswordArgs,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy (SQLite); must not exist.
    #[arg(long)]
    pub output: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the annotated example configuration with every key.
    Example,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every account's hash chain (or one's) and name the first broken link.
    Verify {
        #[arg(long)]
        account: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// Base URL of the server (default: http://<listen address>).
    #[arg(long)]
    pub url: Option<String>,
}
