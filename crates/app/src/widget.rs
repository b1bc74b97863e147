//! Channels as admins manage them (the widget's settings, its public key and identity secret) and
//! the widget's public configuration.

use crate::audit::record;
use crate::tokens::new_secret;
use crate::{Actor, App, AppError};
use serde::Serialize;
use switchboard_domain::conversations::{Channel, ChannelKind, ChannelUpdateInput};
use switchboard_domain::permissions::Permission;
use switchboard_domain::values::Name;
use switchboard_domain::widget::{LauncherPosition, PrechatField, WidgetSettings};
use switchboard_domain::*;
use switchboard_store::repo::{channels, teams, visitors};
use utoipa::ToSchema;

/// Prefix of a widget's public key.
pub const WIDGET_KEY_PREFIX: &str = "wc_";
/// Prefix of a widget's identity secret.
pub const IDENTITY_SECRET_PREFIX: &str = "whs_";

/// A fresh public key: 20 random bytes, URL-safe.
pub(crate) fn new_public_key() -> String {
    let bytes: [u8; 15] = rand::random();
    format!("{WIDGET_KEY_PREFIX}{}", hex::encode(bytes))
}

/// What any web page may know about a widget (docs/widget.md, "Public configuration").
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WidgetPublicConfig {
    pub key: String,
    pub name: String,
    pub color: String,
    pub position: LauncherPosition,
    pub greeting: String,
    pub offline_message: String,
    /// Whether an agent is online now.
    pub agents_online: bool,
    pub prechat_fields: Vec<PrechatField>,
    pub upload_max_bytes: i64,
    pub upload_types: Vec<String>,
    pub require_identity: bool,
    /// The FAQ bot answers first.
    pub bot_enabled: bool,
    pub bot_name: String,
    /// The account's public help center (a path on this server).
    pub help_url: String,
}

/// A widget channel as its public endpoints need it.
#[derive(Debug, Clone)]
pub struct WidgetConfig {
    pub account_id: AccountId,
    pub channel: Channel,
    pub public: WidgetPublicConfig,
    pub allowed_origins: Vec<String>,
}

impl WidgetConfig {
    /// Whether a page of `origin` may show this widget.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.channel.settings.origin_allowed(origin)
    }
    pub fn settings(&self) -> &WidgetSettings {
        &self.channel.settings
    }
}

impl App {
    /// The widget with this public key (unknown, inactive or not a widget: not found).
    pub async fn widget_config(&self, key: &str) -> Result<WidgetConfig, AppError> {
        if !key.starts_with(WIDGET_KEY_PREFIX) || key.len() > 64 {
            return Err(AppError::NotFound);
        }
        let mut conn = self.db().read().await?;
        let (account_id, channel) = channels::channel_by_public_key(&mut conn, key)
            .await?
            .filter(|(_, c)| c.active && c.kind == ChannelKind::WebWidget)
            .ok_or(AppError::NotFound)?;
        let agents_online = visitors::anyone_online(&mut conn, account_id).await?;
        let slug = switchboard_store::repo::accounts::get_by_id(&mut conn, account_id).await?.map(|a| a.slug);
        let s = &channel.settings;
        let public = WidgetPublicConfig {
            key: key.to_string(),
            name: channel.name.clone(),
            color: s.color.clone(),
            position: s.position,
            greeting: s.greeting.clone(),
            offline_message: s.offline_message.clone(),
            agents_online,
            prechat_fields: s.prechat_fields.clone(),
            upload_max_bytes: s.upload_max_bytes,
            upload_types: s.upload_types.clone(),
            require_identity: s.require_identity,
            bot_enabled: s.bot_enabled,
            bot_name: s.bot_name.clone(),
            help_url: slug.map(|slug| format!("/help/{slug}")).unwrap_or_default(),
        };
        let allowed_origins = s.allowed_origins.clone();
        Ok(WidgetConfig { account_id, channel, public, allowed_origins })
    }

    /// A channel; its identity secret only for `channels.manage`.
    pub async fn get_channel(&self, actor: &Actor, id: ChannelId) -> Result<Channel, AppError> {
        actor.require(Permission::ChannelsRead)?;
        let mut conn = self.db().read().await?;
        let channel = channels::get_channel(&mut conn, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        Ok(Self::shown_to(actor, channel))
    }

    pub(crate) fn shown_to(actor: &Actor, mut channel: Channel) -> Channel {
        if !actor.can(Permission::ChannelsManage) {
            channel.identity_secret = None;
        }
        channel
    }

    /// Renames, (de)activates or changes the settings of a channel.
    pub async fn update_channel(
        &self,
        actor: &Actor,
        id: ChannelId,
        input: &ChannelUpdateInput,
    ) -> Result<Channel, AppError> {
        actor.require(Permission::ChannelsManage)?;
        let mut tx = self.db().begin().await?;
        let before = channels::get_channel(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        let mut channel = before.clone();
        let mut errors = FieldErrors::new();
        if let Some(name) = &input.name
            && let Some(name) = errors.check("name", Name::parse(name))
        {
            channel.name = name.to_string();
        }
        if let Some(active) = input.active {
            channel.active = active;
        }
        if let Some(settings) = &input.settings {
            let existing = match settings.team_id {
                Some(team) => teams::existing_ids(&mut tx, actor.account_id, &[team]).await?,
                None => Vec::new(),
            };
            match settings.clone().validate(|team| existing.contains(&team)) {
                Ok(valid) => channel.settings = valid,
                Err(e) => {
                    for (field, message) in e.iter() {
                        errors.add(field.clone(), message.clone());
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        channel.updated_at = Timestamp::from_unix_ms(switchboard_store::now_ms());
        channels::update_channel(&mut tx, actor.account_id, &channel).await?;
        let (mut old, mut new) = (before.clone(), channel.clone());
        old.identity_secret = None;
        new.identity_secret = None;
        record(self, &mut tx, actor, "channel.update", ("channel", Some(id.as_i64())), Some(&old), Some(&new)).await?;
        tx.commit().await?;
        self.committed(actor.account_id);
        Ok(channel)
    }

    /// Replaces a widget's identity secret; hashes made with the old one stop verifying at once.
    pub async fn rotate_channel_secret(&self, actor: &Actor, id: ChannelId) -> Result<Channel, AppError> {
        actor.require(Permission::ChannelsManage)?;
        let mut tx = self.db().begin().await?;
        let mut channel = channels::get_channel(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        if channel.kind != ChannelKind::WebWidget {
            return Err(AppError::field("kind", "only a web widget has an identity secret"));
        }
        channel.identity_secret = Some(new_secret(IDENTITY_SECRET_PREFIX));
        channel.updated_at = Timestamp::from_unix_ms(switchboard_store::now_ms());
        channels::update_channel(&mut tx, actor.account_id, &channel).await?;
        record(
            self,
            &mut tx,
            actor,
            "channel.rotate_secret",
            ("channel", Some(id.as_i64())),
            crate::audit::NOTHING,
            crate::audit::NOTHING,
        )
        .await?;
        tx.commit().await?;
        self.committed(actor.account_id);
        Ok(channel)
    }
}
