//! Switchboard use cases. Every write from any door (UI, REST, CLI, later channels) goes through a
//! function here that validates, authorizes the `Actor`, writes in ONE transaction together with its
//! audit entry, and only then returns.

pub mod accounts;
mod actor;
mod assist;
mod attachments;
mod audit;
mod auth;
mod bot;
mod bot_feedback;
mod bot_generative;
mod credential_cache;
mod error;
mod events;
mod help_center;
mod inbox;
mod kb_articles;
mod kb_categories;
mod kb_common;
mod kb_csv;
mod kb_faqs;
mod kb_import;
mod kb_search;
mod message_search;
mod page;
mod passwords;
mod roles;
mod routing;
mod teams;
mod tokens;
mod users;
mod visitors;
mod widget;

pub use actor::{Actor, Principal};
pub use assist::{FaqSuggestion, Suggestions};
pub use attachments::{Download, Uploader};
pub use audit::AuditExport;
pub use auth::{SignIn, SignedIn};
pub use bot_generative::{GenerativeSettings, NO_ANSWER};
pub use error::AppError;
pub use events::{REDIS_CHANNEL, Signal};
pub use help_center::{
    HELP_QUERY_MAX_CHARS, HelpAccount, HelpArticleLink, HelpArticlePage, HelpCategoryLink, HelpCategoryPage, HelpHit,
    HelpHome, HelpSearchResults,
};
pub use kb_import::{FaqExport, FaqFormat};
pub use kb_search::KbSearch;
pub use message_search::{MESSAGE_CANDIDATE_CAP, MessageSearch, required_tokens};
pub use page::{Page, PageRequest};
pub use routing::{
    AgentPresence, CapacityInput, ContactRoutingInput, PRESENCE_STATES, PassReport, PresenceReportRow, QueueBoard,
    QueuePosition, RoutingWorker, RuleTestInput, TeamBoard, TeamMemberSkill, TeamQueue, TeamQueueInput, TransferInput,
};
pub use switchboard_store::repo::kb_articles::ArticleFilter;
pub use switchboard_store::repo::kb_faqs::FaqFilter;
pub use switchboard_store::repo::users::UserFilter;
pub use tokens::CreatedToken;
pub use visitors::{IdentityClaim, PageInfo, Visitor, VisitorHello, VisitorMessageInput};
pub use widget::{WidgetConfig, WidgetPublicConfig};

use std::sync::Arc;
use switchboard_store::Db;

/// Limits on failed sign-ins (per identity and per IP) and the lockout that follows.
#[derive(Debug, Clone)]
pub struct SignInLimits {
    pub max_failures_per_identity: i64,
    pub max_failures_per_ip: i64,
    pub window_seconds: i64,
    pub lockout_seconds: i64,
}

impl Default for SignInLimits {
    fn default() -> Self {
        Self { max_failures_per_identity: 5, max_failures_per_ip: 30, window_seconds: 900, lockout_seconds: 900 }
    }
}

#[derive(Debug, Clone)]
pub struct AppSettings {
    /// A session unused for this long ends.
    pub session_idle_seconds: i64,
    /// A session ends this long after sign-in, used or not.
    pub session_absolute_seconds: i64,
    pub sign_in: SignInLimits,
    /// How long this node may reuse a credential lookup (0: never). Changes made on this node
    /// clear it at once; another node's are seen within this time.
    pub credential_cache_seconds: u64,
    /// Where uploaded files are kept: this directory, or the database when None.
    pub attachments_dir: Option<std::path::PathBuf>,
    /// New widget visitors one IP address may start per minute (0: no limit).
    pub new_visitors_per_ip_per_minute: i64,
    /// The optional generative answers of the bot (`[bot.generative]`); None: retrieval only.
    pub generative: Option<GenerativeSettings>,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            session_idle_seconds: 8 * 3600,
            session_absolute_seconds: 7 * 24 * 3600,
            sign_in: SignInLimits::default(),
            credential_cache_seconds: 2,
            attachments_dir: None,
            new_visitors_per_ip_per_minute: 60,
            generative: None,
        }
    }
}

/// The application: the database and the settings the services need. Cheap to clone.
#[derive(Clone)]
pub struct App {
    db: Db,
    settings: Arc<AppSettings>,
    credentials: Arc<credential_cache::CredentialCache>,
    hub: Arc<events::HubHandle>,
    /// The key of signed file links, read (or made) on first use.
    file_key: Arc<tokio::sync::OnceCell<String>>,
    /// Each account's FAQ bot, built on first use and dropped when its FAQ changes.
    bots: Arc<
        std::sync::Mutex<std::collections::HashMap<switchboard_domain::AccountId, Arc<switchboard_text::bot::FaqBot>>>,
    >,
    /// Accounts this node should run a routing pass for.
    routing: Arc<routing::RoutingWorker>,
    /// The chat model of generative answers, when configured.
    generative: Option<Arc<bot_generative::Generative>>,
    message_counts: Arc<message_search::MessageCounts>,
}

impl App {
    pub fn new(db: Db, settings: AppSettings) -> Self {
        let ttl = std::time::Duration::from_secs(settings.credential_cache_seconds);
        let generative = settings.generative.clone().and_then(bot_generative::Generative::new).map(Arc::new);
        Self {
            db,
            settings: Arc::new(settings),
            credentials: Arc::new(credential_cache::CredentialCache::new(ttl)),
            hub: Arc::new(events::HubHandle::new()),
            file_key: Arc::new(tokio::sync::OnceCell::new()),
            bots: Default::default(),
            routing: Default::default(),
            generative,
            message_counts: Default::default(),
        }
    }
    pub fn db(&self) -> &Db {
        &self.db
    }
    pub fn settings(&self) -> &AppSettings {
        &self.settings
    }
    /// A credential, user, role or team changed: cached credential lookups of this node are stale.
    pub(crate) fn credentials_changed(&self) {
        self.credentials.clear();
    }
}
