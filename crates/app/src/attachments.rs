//! Files in conversations: uploads by agents and visitors (checked against the channel's size and
//! type limits and by their content), kept in the database or a directory, and served through signed
//! links that work on every node.

use crate::tokens::secret_hash;
use crate::visitors::Visitor;
use crate::widget::WidgetConfig;
use crate::{Actor, App, AppError};
use hmac::{KeyInit, Mac};
use sha2::Digest;
use switchboard_domain::attachments::{AttachmentRef, UploadRefusal, check_upload, clean_file_name, percent_encode};
use switchboard_domain::permissions::Permission;
use switchboard_domain::*;
use switchboard_store::AnyConnection;
use switchboard_store::repo::attachments::{self, AttachmentRow};
use switchboard_store::repo::{channels, inbox, visitors};

/// Who uploads, and where the file will be sent.
pub enum Uploader<'a> {
    /// An agent, for a conversation they may see.
    User(&'a Actor, ConversationId),
    Visitor(&'a Visitor),
}

/// A file to send back to a browser.
pub struct Download {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

fn refusal(refusal: UploadRefusal) -> AppError {
    match refusal {
        UploadRefusal::TooLarge { limit } => AppError::TooLarge { limit },
        UploadRefusal::Empty => AppError::field("file", "is empty"),
        UploadRefusal::Type(message) => AppError::field("content_type", message),
        UploadRefusal::Name(message) => AppError::field("name", message),
    }
}

impl App {
    /// The installation's key for file links (shared by every node through the database).
    async fn file_key(&self) -> Result<String, AppError> {
        let key = self
            .file_key
            .get_or_try_init(|| async {
                let mut tx = self.db().begin().await?;
                let fresh = hex::encode(rand::random::<[u8; 32]>());
                let key = visitors::instance_secret(&mut tx, "file_links", &fresh, switchboard_store::now_ms()).await?;
                tx.commit().await?;
                Ok::<String, AppError>(key)
            })
            .await?;
        Ok(key.clone())
    }

    fn sign(key: &str, id: AttachmentId) -> String {
        match hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()) {
            Ok(mut mac) => {
                mac.update(id.to_string().as_bytes());
                hex::encode(mac.finalize().into_bytes())[..32].to_string()
            }
            Err(_) => String::new(),
        }
    }

    fn reference(key: &str, row: &AttachmentRow) -> AttachmentRef {
        AttachmentRef {
            id: row.id,
            name: row.file_name.clone(),
            content_type: row.content_type.clone(),
            size: row.byte_size,
            url: format!("/files/{}/{}/{}", row.id, Self::sign(key, row.id), percent_encode(&row.file_name)),
        }
    }

    /// Stores an upload after checking it against the channel's limits.
    pub async fn upload_attachment(
        &self,
        uploader: Uploader<'_>,
        name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<AttachmentRef, AppError> {
        let file_name = clean_file_name(name).map_err(refusal)?;
        let (account, channel_id, conversation_id, settings, who) = match uploader {
            Uploader::User(actor, conversation) => {
                actor.require(Permission::ConversationsReply)?;
                let found = self.get_conversation(actor, conversation).await?;
                let mut conn = self.db().read().await?;
                let channel = channels::get_channel(&mut conn, actor.account_id, found.channel_id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let user = actor.user_id().ok_or(AppError::Forbidden("conversations.reply"))?;
                (actor.account_id, channel.id, Some(conversation), channel.settings, ("user", user.as_i64()))
            }
            Uploader::Visitor(visitor) => (
                visitor.account_id,
                visitor.channel_id,
                None,
                visitor.settings.clone(),
                ("visitor", visitor.visitor_id.as_i64()),
            ),
        };
        let verified_type =
            check_upload(content_type, bytes, settings.upload_max_bytes, &settings.upload_types).map_err(refusal)?;
        let row = AttachmentRow {
            id: AttachmentId::from_i64(self.db().new_id()),
            channel_id,
            conversation_id,
            message_id: None,
            uploader_kind: who.0.to_string(),
            uploader_id: who.1,
            file_name,
            content_type: verified_type.to_string(),
            byte_size: bytes.len() as i64,
            sha256: hex::encode(sha2::Sha256::digest(bytes)),
            storage: if self.settings().attachments_dir.is_some() { "disk" } else { "database" }.to_string(),
        };
        if let Some(dir) = &self.settings().attachments_dir {
            let dir = dir.join(account.to_string());
            tokio::fs::create_dir_all(&dir).await.map_err(|e| AppError::Internal(format!("attachments: {e}")))?;
            tokio::fs::write(dir.join(row.id.to_string()), bytes)
                .await
                .map_err(|e| AppError::Internal(format!("attachments: {e}")))?;
        }
        let data = if self.settings().attachments_dir.is_some() { None } else { Some(bytes) };
        let mut tx = self.db().begin().await?;
        attachments::insert(&mut tx, account, &row, data, Timestamp::from_unix_ms(switchboard_store::now_ms())).await?;
        tx.commit().await?;
        let key = self.file_key().await?;
        Ok(Self::reference(&key, &row))
    }

    /// Puts the uploader's unsent attachments into a message; an id that is not theirs, already sent
    /// or from another channel's conversation is refused.
    pub(crate) async fn attach(
        &self,
        tx: &mut AnyConnection,
        account: AccountId,
        uploader: (&str, i64),
        conversation: &switchboard_domain::conversations::Conversation,
        message: MessageId,
        ids: &[AttachmentId],
    ) -> Result<Vec<AttachmentRef>, AppError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let found = attachments::unsent(tx, account, uploader, ids).await?;
        let key = self.file_key().await?;
        let mut refs = Vec::new();
        for id in ids {
            let Some(row) = found.iter().find(|a| a.id == *id) else {
                return Err(AppError::field("attachments", format!("{id} is not an unsent upload of yours")));
            };
            if row.channel_id != conversation.channel_id || row.conversation_id.is_some_and(|c| c != conversation.id) {
                return Err(AppError::field("attachments", format!("{id} was uploaded for another conversation")));
            }
            attachments::link(tx, account, *id, conversation.id, message).await?;
            refs.push(Self::reference(&key, row));
        }
        Ok(refs)
    }

    /// A file by its signed link.
    pub async fn download_attachment(&self, id: AttachmentId, signature: &str) -> Result<Download, AppError> {
        let key = self.file_key().await?;
        let expected = Self::sign(&key, id);
        // Compare hashes of both so the time taken does not tell how much of a guess was right.
        if secret_hash(&expected) != secret_hash(signature) {
            return Err(AppError::NotFound);
        }
        let mut conn = self.db().read().await?;
        let (account, row) = attachments::get_any(&mut conn, id).await?.ok_or(AppError::NotFound)?;
        let bytes = match (row.storage.as_str(), &self.settings().attachments_dir) {
            ("disk", Some(dir)) => tokio::fs::read(dir.join(account.to_string()).join(id.to_string()))
                .await
                .map_err(|_| AppError::NotFound)?,
            ("disk", None) => return Err(AppError::NotFound),
            _ => attachments::data(&mut conn, account, id).await?.ok_or(AppError::NotFound)?,
        };
        Ok(Download { file_name: row.file_name, content_type: row.content_type, bytes })
    }

    /// The visitor a widget's upload comes from, by the token their browser holds.
    pub async fn visitor_from_token(&self, widget: &WidgetConfig, token: &str) -> Result<Visitor, AppError> {
        let mut conn = self.db().read().await?;
        let row = visitors::find_visitor(&mut conn, widget.account_id, widget.channel.id, &secret_hash(token))
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let contact =
            inbox::get_contact(&mut conn, widget.account_id, row.contact_id).await?.ok_or(AppError::Unauthenticated)?;
        Ok(Visitor {
            account_id: widget.account_id,
            channel_id: widget.channel.id,
            visitor_id: row.id,
            contact_id: contact.id,
            name: contact.name,
            verified: contact.verified,
            token: token.to_string(),
            locale: None,
            page: None,
            settings: widget.channel.settings.clone(),
        })
    }
}
