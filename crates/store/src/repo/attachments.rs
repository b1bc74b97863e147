//! Uploaded files: their details, and their bytes when they are kept in the database.

use crate::error::StoreError;
use crate::rows::get;
use sqlx::AnyConnection;
use switchboard_domain::*;

/// An attachment's details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRow {
    pub id: AttachmentId,
    pub channel_id: ChannelId,
    pub conversation_id: Option<ConversationId>,
    pub message_id: Option<MessageId>,
    /// `visitor` or `user`.
    pub uploader_kind: String,
    pub uploader_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub byte_size: i64,
    pub sha256: String,
    /// `database` or `disk`.
    pub storage: String,
}

const ATTACHMENT: &str = "SELECT id, channel_id, conversation_id, message_id, uploader_kind, uploader_id, file_name, \
     content_type, byte_size, sha256, storage FROM attachments";

fn attachment(row: &sqlx::any::AnyRow) -> Result<AttachmentRow, StoreError> {
    Ok(AttachmentRow {
        id: AttachmentId::from_i64(get(row, "id")?),
        channel_id: ChannelId::from_i64(get(row, "channel_id")?),
        conversation_id: get::<Option<i64>>(row, "conversation_id")?.map(ConversationId::from_i64),
        message_id: get::<Option<i64>>(row, "message_id")?.map(MessageId::from_i64),
        uploader_kind: get(row, "uploader_kind")?,
        uploader_id: get(row, "uploader_id")?,
        file_name: get(row, "file_name")?,
        content_type: get(row, "content_type")?,
        byte_size: get(row, "byte_size")?,
        sha256: get(row, "sha256")?,
        storage: get(row, "storage")?,
    })
}

pub async fn insert(
    conn: &mut AnyConnection,
    account: AccountId,
    a: &AttachmentRow,
    data: Option<&[u8]>,
    at: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO attachments (account_id, id, channel_id, conversation_id, message_id, uploader_kind, uploader_id, \
         file_name, content_type, byte_size, sha256, storage, data, created_at) \
         VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(account.as_i64())
    .bind(a.id.as_i64())
    .bind(a.channel_id.as_i64())
    .bind(a.conversation_id.map(|c| c.as_i64()))
    .bind(&a.uploader_kind)
    .bind(a.uploader_id)
    .bind(&a.file_name)
    .bind(&a.content_type)
    .bind(a.byte_size)
    .bind(&a.sha256)
    .bind(&a.storage)
    .bind(data.map(|d| d.to_vec()))
    .bind(at.unix_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// The attachment by id, in any account (links are signed; the account is in the row).
pub async fn get_any(
    conn: &mut AnyConnection,
    id: AttachmentId,
) -> Result<Option<(AccountId, AttachmentRow)>, StoreError> {
    let sql = format!("SELECT account_id, {} WHERE id = $1", &ATTACHMENT["SELECT ".len()..]);
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.as_i64()).fetch_optional(conn).await?;
    match row {
        Some(row) => Ok(Some((AccountId::from_i64(get(&row, "account_id")?), attachment(&row)?))),
        None => Ok(None),
    }
}

/// The uploader's attachments with these ids that are not in a message yet.
pub async fn unsent(
    conn: &mut AnyConnection,
    account: AccountId,
    uploader: (&str, i64),
    ids: &[AttachmentId],
) -> Result<Vec<AttachmentRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<i64> = ids.iter().map(|i| i.as_i64()).collect();
    let sql = format!("{ATTACHMENT} WHERE account_id = $1 AND id IN ({{ids}}) AND message_id IS NULL");
    let rows = super::with_ids(&sql, account, &list).fetch_all(conn).await?;
    let found: Vec<AttachmentRow> = rows.iter().map(attachment).collect::<Result<_, _>>()?;
    Ok(found.into_iter().filter(|a| a.uploader_kind == uploader.0 && a.uploader_id == uploader.1).collect())
}

/// Puts an attachment into a message.
pub async fn link(
    conn: &mut AnyConnection,
    account: AccountId,
    id: AttachmentId,
    conversation: ConversationId,
    message: MessageId,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE attachments SET conversation_id = $3, message_id = $4 WHERE account_id = $1 AND id = $2 AND message_id IS NULL",
    )
    .bind(account.as_i64())
    .bind(id.as_i64())
    .bind(conversation.as_i64())
    .bind(message.as_i64())
    .execute(conn)
    .await?;
    Ok(())
}

/// The bytes of an attachment kept in the database.
pub async fn data(
    conn: &mut AnyConnection,
    account: AccountId,
    id: AttachmentId,
) -> Result<Option<Vec<u8>>, StoreError> {
    let row = sqlx::query("SELECT data FROM attachments WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .fetch_optional(conn)
        .await?;
    match row {
        Some(row) => get(&row, "data"),
        None => Ok(None),
    }
}
