//! Configuration: defaults < `switchboard.toml` < `SWITCHBOARD_*` environment < flags.
//! Passed explicitly to what needs it; never a global.

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const EXAMPLE: &str = include_str!("../switchboard.example.toml");

/// The top-level keys of the configuration.
const CONFIG_ROOTS: &[&str] =
    &["listen", "public_url", "database_url", "redis_url", "database", "security", "http", "attachments", "log", "bot"];

#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub listen: String,
    pub public_url: String,
    pub database_url: String,
    pub redis_url: String,
    pub database: DatabaseConfig,
    pub security: SecurityConfig,
    pub http: HttpConfig,
    pub attachments: AttachmentsConfig,
    pub log: LogConfig,
    pub bot: BotConfig,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("database_url", &redact_url(&self.database_url))
            .field("database", &self.database)
            .field("bot", &self.bot)
            .finish_non_exhaustive()
    }
}

/// The URL with any password replaced, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***@{}", &url[..scheme_end], &url[at + 1..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    pub pool_size: u32,
    /// Days the event outbox keeps delivered events (0: until the next hourly pruning).
    pub outbox_retention_days: i64,
    pub sqlite_synchronous: String,
    pub postgres_schema: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub sign_in_max_failures_per_identity: i64,
    pub sign_in_max_failures_per_ip: i64,
    pub sign_in_window_minutes: i64,
    pub sign_in_lockout_minutes: i64,
    pub credential_cache_seconds: u64,
    pub new_visitors_per_ip_per_minute: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    pub max_body_bytes: usize,
    pub request_timeout_seconds: u64,
    pub trust_forwarded_for: bool,
}

/// Where uploaded files are kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttachmentsConfig {
    /// `database` (default; every node sees every file) or `disk` (a directory all nodes share).
    pub storage: String,
    pub directory: String,
}

impl Default for AttachmentsConfig {
    fn default() -> Self {
        Self { storage: "database".into(), directory: "data/attachments".into() }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    pub format: String,
    pub level: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BotConfig {
    pub generative: GenerativeConfig,
}

/// The optional chat model of generative answers; off while `url` is empty.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenerativeConfig {
    pub url: String,
    pub api_key: String,
    pub api_key_file: String,
    pub model: String,
    pub timeout_ms: u64,
}

impl Default for GenerativeConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            api_key: String::new(),
            api_key_file: String::new(),
            model: String::new(),
            timeout_ms: 8000,
        }
    }
}

/// The key never prints.
impl std::fmt::Debug for GenerativeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenerativeConfig")
            .field("url", &self.url)
            .field("api_key", &if self.api_key.is_empty() { "" } else { "***" })
            .field("api_key_file", &self.api_key_file)
            .field("model", &self.model)
            .field("timeout_ms", &self.timeout_ms)
            .finish()
    }
}

impl GenerativeConfig {
    /// The model's settings for the app (None when off), the key read from its file if need be.
    pub fn settings(&self) -> anyhow::Result<Option<switchboard_app::GenerativeSettings>> {
        let url = self.url.trim();
        if url.is_empty() {
            return Ok(None);
        }
        let mut api_key = self.api_key.trim().to_string();
        if api_key.is_empty() && !self.api_key_file.trim().is_empty() {
            let path = self.api_key_file.trim();
            api_key = std::fs::read_to_string(path)
                .with_context(|| format!("while reading bot.generative.api_key_file {path}"))?
                .trim()
                .to_string();
        }
        Ok(Some(switchboard_app::GenerativeSettings {
            url: url.trim_end_matches('/').to_string(),
            api_key,
            model: self.model.trim().to_string(),
            timeout: std::time::Duration::from_millis(self.timeout_ms),
        }))
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            database_url: "sqlite://data/switchboard.db".into(),
            redis_url: String::new(),
            database: DatabaseConfig::default(),
            security: SecurityConfig::default(),
            http: HttpConfig::default(),
            attachments: AttachmentsConfig::default(),
            log: LogConfig::default(),
            bot: BotConfig::default(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            pool_size: 10,
            outbox_retention_days: 7,
            sqlite_synchronous: "normal".into(),
            postgres_schema: String::new(),
        }
    }
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            session_idle_minutes: 480,
            session_absolute_hours: 168,
            sign_in_max_failures_per_identity: 5,
            sign_in_max_failures_per_ip: 30,
            sign_in_window_minutes: 15,
            sign_in_lockout_minutes: 15,
            credential_cache_seconds: 2,
            new_visitors_per_ip_per_minute: 60,
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self { max_body_bytes: 1024 * 1024, request_timeout_seconds: 30, trust_forwarded_for: false }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { format: "text".into(), level: "info".into() }
    }
}

impl Config {
    /// Loads the configuration from the file (if it exists) and the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                anyhow::ensure!(path.exists(), "the configuration file {} does not exist", path.display());
                figment = figment.merge(Toml::file(path));
            }
            None if Path::new("switchboard.toml").exists() => figment = figment.merge(Toml::file("switchboard.toml")),
            None => {}
        }
        // SWITCHBOARD_X_FILE=/path reads the value of X from a file (secrets).
        for (key, path) in std::env::vars().filter(|(k, _)| k.starts_with("SWITCHBOARD_") && k.ends_with("_FILE")) {
            let name = key
                .trim_start_matches("SWITCHBOARD_")
                .trim_end_matches("_FILE")
                .to_ascii_lowercase()
                .replace("__", ".");
            let value = std::fs::read_to_string(&path).with_context(|| format!("while reading {key}={path}"))?;
            figment = figment.merge((name, value.trim().to_string()));
        }
        // Only configuration keys: other SWITCHBOARD_* variables (SWITCHBOARD_PASSWORD for the CLI, the
        // test suite's) are not configuration. Inside a section, unknown keys are still refused.
        figment = figment.merge(Env::prefixed("SWITCHBOARD_").split("__").filter(|key| {
            let key = key.as_str().to_ascii_lowercase().replace("__", ".");
            let root = key.split('.').next().unwrap_or("");
            CONFIG_ROOTS.contains(&root) && !key.ends_with("_file")
        }));
        let mut config: Config = figment.extract().context("while reading the configuration")?;
        // The conventional REDIS_URL works too, unless the configuration names one.
        if config.redis_url.is_empty()
            && let Ok(url) = std::env::var("REDIS_URL")
        {
            config.redis_url = url;
        }
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            matches!(self.database.sqlite_synchronous.as_str(), "normal" | "full"),
            "database.sqlite_synchronous must be \"normal\" or \"full\""
        );
        anyhow::ensure!(matches!(self.log.format.as_str(), "text" | "json"), "log.format must be \"text\" or \"json\"");
        anyhow::ensure!(self.database.pool_size >= 1, "database.pool_size must be at least 1");
        anyhow::ensure!(self.database.outbox_retention_days >= 0, "database.outbox_retention_days must be 0 or more");
        anyhow::ensure!(self.http.max_body_bytes >= 1024, "http.max_body_bytes must be at least 1024");
        anyhow::ensure!(
            matches!(self.attachments.storage.as_str(), "database" | "disk"),
            "attachments.storage must be \"database\" or \"disk\""
        );
        anyhow::ensure!(
            self.attachments.storage != "disk" || !self.attachments.directory.trim().is_empty(),
            "attachments.directory is required when attachments.storage is \"disk\""
        );
        let generative = &self.bot.generative;
        if !generative.url.trim().is_empty() {
            anyhow::ensure!(
                generative.url.trim().starts_with("http://"),
                "bot.generative.url must be an http:// URL (this build has no TLS client; put a local proxy in front of an https API)"
            );
            anyhow::ensure!(
                !generative.model.trim().is_empty(),
                "bot.generative.model is required with bot.generative.url"
            );
            anyhow::ensure!(
                (100..=120_000).contains(&generative.timeout_ms),
                "bot.generative.timeout_ms must be from 100 to 120000"
            );
        }
        Ok(())
    }

    pub fn redis_url(&self) -> Option<String> {
        Some(self.redis_url.trim().to_string()).filter(|url| !url.is_empty())
    }

    pub fn db_options(&self) -> switchboard_store::DbOptions {
        switchboard_store::DbOptions {
            pool_size: self.database.pool_size,
            sqlite_synchronous_full: self.database.sqlite_synchronous == "full",
            postgres_schema: Some(self.database.postgres_schema.trim().to_string()).filter(|s| !s.is_empty()),
            ..Default::default()
        }
    }

    pub fn app_settings(&self) -> anyhow::Result<switchboard_app::AppSettings> {
        let s = &self.security;
        Ok(switchboard_app::AppSettings {
            session_idle_seconds: s.session_idle_minutes * 60,
            session_absolute_seconds: s.session_absolute_hours * 3600,
            sign_in: switchboard_app::SignInLimits {
                max_failures_per_identity: s.sign_in_max_failures_per_identity,
                max_failures_per_ip: s.sign_in_max_failures_per_ip,
                window_seconds: s.sign_in_window_minutes * 60,
                lockout_seconds: s.sign_in_lockout_minutes * 60,
            },
            credential_cache_seconds: s.credential_cache_seconds,
            new_visitors_per_ip_per_minute: s.new_visitors_per_ip_per_minute,
            attachments_dir: (self.attachments.storage == "disk")
                .then(|| std::path::PathBuf::from(self.attachments.directory.trim())),
            generative: self.bot.generative.settings()?,
        })
    }

    pub fn web_config(&self) -> switchboard_web::WebConfig {
        switchboard_web::WebConfig {
            public_url: self.public_url.clone(),
            max_body_bytes: self.http.max_body_bytes,
            trust_forwarded_for: self.http.trust_forwarded_for,
            request_timeout_seconds: self.http.request_timeout_seconds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_file_parses_to_the_defaults() {
        // Read without defaults, so a key missing from the example file fails the comparison.
        let written: serde_json::Value = Figment::new().merge(Toml::string(EXAMPLE)).extract().unwrap();
        assert_eq!(written, serde_json::to_value(Config::default()).unwrap());
    }

    #[test]
    fn the_model_key_never_prints_and_bad_urls_are_refused() {
        let mut config = Config::default();
        config.bot.generative = GenerativeConfig {
            url: "http://127.0.0.1:9/v1".into(),
            api_key: "sk-very-secret".into(),
            model: "m".into(),
            ..Default::default()
        };
        assert!(config.check().is_ok());
        assert!(!format!("{config:?}").contains("sk-very-secret"));
        let settings = config.app_settings().unwrap();
        assert!(!format!("{settings:?}").contains("sk-very-secret"));
        assert_eq!(settings.generative.map(|g| g.api_key), Some("sk-very-secret".into()));
        config.bot.generative.url = "https://api.example.com/v1".into();
        assert!(config.check().is_err());
        config.bot.generative.url = "http://127.0.0.1:9/v1".into();
        config.bot.generative.model = String::new();
        assert!(config.check().is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://sb:secret@db:5432/sb"), "postgres://sb:***@db:5432/sb");
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }
}
