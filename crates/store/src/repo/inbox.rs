//! Contacts, conversations and messages (channels: `channels.rs`).

use crate::error::StoreError;
use crate::rows::{flag, get, opt_time, time};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use switchboard_domain::conversations::*;
use switchboard_domain::permissions::DataScope;
use switchboard_domain::widget::phone_digits;
use switchboard_domain::*;

pub(crate) fn contact(row: &AnyRow) -> Result<Contact, StoreError> {
    Ok(Contact {
        id: ContactId::from_i64(get(row, "id")?),
        name: get(row, "name")?,
        email: get(row, "email")?,
        phone: get(row, "phone")?,
        external_id: get(row, "external_id")?,
        verified: flag(row, "verified")?,
        attributes: serde_json::from_str(&get::<String>(row, "attributes")?).unwrap_or_default(),
        vip_level: u8::try_from(get::<i64>(row, "vip_level")?.clamp(0, 9)).unwrap_or(0),
        tags: serde_json::from_str(&get::<String>(row, "tags")?).unwrap_or_default(),
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub(crate) const CONTACT: &str = "SELECT id, name, email, phone, external_id, verified, attributes, vip_level, tags, \
     created_at, updated_at FROM contacts";

pub async fn get_contact(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ContactId,
) -> Result<Option<Contact>, StoreError> {
    let sql = format!("{CONTACT} WHERE account_id = $1 AND id = $2");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(id.as_i64()).fetch_optional(conn).await?;
    row.as_ref().map(contact).transpose()
}

/// The contact with this external id, or (without one) this email.
pub async fn find_contact(
    conn: &mut AnyConnection,
    account: AccountId,
    external_id: Option<&str>,
    email: Option<&str>,
) -> Result<Option<Contact>, StoreError> {
    let (sql, key) = match (external_id, email) {
        (Some(id), _) => (format!("{CONTACT} WHERE account_id = $1 AND external_id = $2"), id),
        (None, Some(email)) => (format!("{CONTACT} WHERE account_id = $1 AND email = $2 ORDER BY id LIMIT 1"), email),
        (None, None) => return Ok(None),
    };
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.as_i64()).bind(key).fetch_optional(conn).await?;
    row.as_ref().map(contact).transpose()
}

pub async fn insert_contact(conn: &mut AnyConnection, account: AccountId, c: &Contact) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO contacts (account_id, id, name, email, phone, external_id, verified, attributes, created_at, \
         updated_at, vip_level, tags, phone_digits) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(account.as_i64())
    .bind(c.id.as_i64())
    .bind(&c.name)
    .bind(c.email.as_deref())
    .bind(c.phone.as_deref())
    .bind(c.external_id.as_deref())
    .bind(i64::from(c.verified))
    .bind(serde_json::to_string(&c.attributes).unwrap_or_else(|_| "{}".into()))
    .bind(c.created_at.unix_ms())
    .bind(c.updated_at.unix_ms())
    .bind(i64::from(c.vip_level))
    .bind(serde_json::to_string(&c.tags).unwrap_or_else(|_| "[]".into()))
    .bind(phone_digits(c.phone.as_deref().unwrap_or("")))
    .execute(conn)
    .await
    .map_err(|e| StoreError::from(e).on_unique("external_id"))?;
    Ok(())
}

/// Saves a contact's details.
pub async fn update_contact(conn: &mut AnyConnection, account: AccountId, c: &Contact) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE contacts SET name = $3, email = $4, phone = $5, verified = $6, attributes = $7, updated_at = $8, \
         vip_level = $9, tags = $10, phone_digits = $11 WHERE account_id = $1 AND id = $2",
    )
    .bind(account.as_i64())
    .bind(c.id.as_i64())
    .bind(&c.name)
    .bind(c.email.as_deref())
    .bind(c.phone.as_deref())
    .bind(i64::from(c.verified))
    .bind(serde_json::to_string(&c.attributes).unwrap_or_else(|_| "{}".into()))
    .bind(c.updated_at.unix_ms())
    .bind(i64::from(c.vip_level))
    .bind(serde_json::to_string(&c.tags).unwrap_or_else(|_| "[]".into()))
    .bind(phone_digits(c.phone.as_deref().unwrap_or("")))
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) const CONVERSATION: &str = "SELECT id, channel_id, contact_id, status, assignee_id, team_id, priority, tags, last_seq, \
     customer_read_seq, agent_read_seq, page_url, page_title, locale, prechat, bot, queued_at, offered_to, \
     offer_expires_at, created_at, updated_at, last_message_at, first_response_at, resolved_at, \
     (SELECT name FROM contacts WHERE contacts.id = conversations.contact_id) AS contact_name, \
     (SELECT verified FROM contacts WHERE contacts.id = conversations.contact_id) AS contact_verified, \
     (SELECT vip_level FROM contacts WHERE contacts.id = conversations.contact_id) AS contact_vip_level, \
     (SELECT name FROM users WHERE users.id = conversations.assignee_id) AS assignee_name, \
     (SELECT text FROM messages WHERE messages.conversation_id = conversations.id \
      AND messages.seq = conversations.last_seq) AS last_message FROM conversations";

pub(crate) fn conversation(row: &AnyRow) -> Result<Conversation, StoreError> {
    let tags: String = get(row, "tags")?;
    Ok(Conversation {
        id: ConversationId::from_i64(get(row, "id")?),
        channel_id: ChannelId::from_i64(get(row, "channel_id")?),
        contact_id: ContactId::from_i64(get(row, "contact_id")?),
        contact_name: get::<Option<String>>(row, "contact_name")?.unwrap_or_default(),
        contact_verified: get::<Option<i64>>(row, "contact_verified")?.unwrap_or(0) != 0,
        status: ConversationStatus::parse(&get::<String>(row, "status")?).unwrap_or(ConversationStatus::Open),
        assignee_id: get::<Option<i64>>(row, "assignee_id")?.map(UserId::from_i64),
        assignee_name: get(row, "assignee_name")?,
        team_id: get::<Option<i64>>(row, "team_id")?.map(TeamId::from_i64),
        priority: Priority::parse(&get::<String>(row, "priority")?).unwrap_or(Priority::Normal),
        tags: tags.split(',').filter(|t| !t.is_empty()).map(str::to_string).collect(),
        last_seq: get(row, "last_seq")?,
        customer_read_seq: get(row, "customer_read_seq")?,
        agent_read_seq: get(row, "agent_read_seq")?,
        page_url: get(row, "page_url")?,
        page_title: get(row, "page_title")?,
        locale: get(row, "locale")?,
        prechat: serde_json::from_str(&get::<String>(row, "prechat")?).unwrap_or_default(),
        last_message: get::<Option<String>>(row, "last_message")?.map(|t| t.chars().take(200).collect()),
        bot: bot_mode(&get::<String>(row, "bot")?),
        queued_at: opt_time(row, "queued_at")?,
        offered_to: get::<Option<i64>>(row, "offered_to")?.map(UserId::from_i64),
        offer_expires_at: opt_time(row, "offer_expires_at")?,
        contact_vip_level: u8::try_from(get::<Option<i64>>(row, "contact_vip_level")?.unwrap_or(0).clamp(0, 9))
            .unwrap_or(0),
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
        last_message_at: opt_time(row, "last_message_at")?,
        first_response_at: opt_time(row, "first_response_at")?,
        resolved_at: opt_time(row, "resolved_at")?,
    })
}

/// The mode in a conversation's `bot` column (`{"mode": …, "state": …}`, or empty).
fn bot_mode(column: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(column).ok()?;
    value.get("mode").and_then(|m| m.as_str()).map(str::to_string)
}

/// The bot's saved state of a conversation (`{"mode": …, "state": …}`), empty when none.
pub async fn bot_state(conn: &mut AnyConnection, account: AccountId, id: ConversationId) -> Result<String, StoreError> {
    let row = sqlx::query("SELECT bot FROM conversations WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    get(&row, "bot")
}

pub async fn set_bot_state(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ConversationId,
    state: &serde_json::Value,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE conversations SET bot = $3 WHERE account_id = $1 AND id = $2")
        .bind(account.as_i64())
        .bind(id.as_i64())
        .bind(state.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_conversation(
    conn: &mut AnyConnection,
    account: AccountId,
    c: &Conversation,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO conversations (account_id, id, channel_id, contact_id, status, assignee_id, team_id, priority, tags, last_seq, \
         created_at, updated_at, page_url, page_title, locale, prechat, bot) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(account.as_i64())
    .bind(c.id.as_i64())
    .bind(c.channel_id.as_i64())
    .bind(c.contact_id.as_i64())
    .bind(c.status.name())
    .bind(c.assignee_id.map(|u| u.as_i64()))
    .bind(c.team_id.map(|t| t.as_i64()))
    .bind(c.priority.name())
    .bind(c.tags.join(","))
    .bind(c.last_seq)
    .bind(c.created_at.unix_ms())
    .bind(c.updated_at.unix_ms())
    .bind(c.page_url.as_deref())
    .bind(c.page_title.as_deref())
    .bind(c.locale.as_deref())
    .bind(serde_json::to_string(&c.prechat).unwrap_or_else(|_| "{}".into()))
    .bind(c.bot.as_ref().map(|mode| serde_json::json!({ "mode": mode }).to_string()).unwrap_or_default())
    .execute(conn)
    .await?;
    Ok(())
}

/// Saves the changeable fields of a conversation.
pub async fn update_conversation(
    conn: &mut AnyConnection,
    account: AccountId,
    c: &Conversation,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE conversations SET status = $3, assignee_id = $4, team_id = $5, priority = $6, tags = $7, updated_at = $8, \
         first_response_at = $9, resolved_at = $10, page_url = $11, page_title = $12 WHERE account_id = $1 AND id = $2",
    )
    .bind(account.as_i64())
    .bind(c.id.as_i64())
    .bind(c.status.name())
    .bind(c.assignee_id.map(|u| u.as_i64()))
    .bind(c.team_id.map(|t| t.as_i64()))
    .bind(c.priority.name())
    .bind(c.tags.join(","))
    .bind(c.updated_at.unix_ms())
    .bind(c.first_response_at.map(|t| t.unix_ms()))
    .bind(c.resolved_at.map(|t| t.unix_ms()))
    .bind(c.page_url.as_deref())
    .bind(c.page_title.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

/// Saves what a message changes — status, times, the customer's page — and never the assignee or
/// team, which routing may have changed since the caller read the conversation.
pub async fn update_conversation_activity(
    conn: &mut AnyConnection,
    account: AccountId,
    c: &Conversation,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE conversations SET status = $3, updated_at = $4, first_response_at = $5, resolved_at = $6, \
         page_url = $7, page_title = $8 WHERE account_id = $1 AND id = $2",
    )
    .bind(account.as_i64())
    .bind(c.id.as_i64())
    .bind(c.status.name())
    .bind(c.updated_at.unix_ms())
    .bind(c.first_response_at.map(|t| t.unix_ms()))
    .bind(c.resolved_at.map(|t| t.unix_ms()))
    .bind(c.page_url.as_deref())
    .bind(c.page_title.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

/// The SQL condition of a data scope over `conversations`, with `$1` the account and `$2` the user.
/// Every query limited to a scope uses this one text (listing, reading, searching).
pub(crate) fn scope_condition(scope: DataScope) -> &'static str {
    match scope {
        DataScope::Account => "1 = 1",
        DataScope::Teams => {
            "(assignee_id = $2 OR team_id IN (SELECT team_id FROM team_members WHERE account_id = $1 AND user_id = $2))"
        }
        DataScope::Own => {
            "(assignee_id = $2 OR (assignee_id IS NULL AND team_id IN \
             (SELECT team_id FROM team_members WHERE account_id = $1 AND user_id = $2)))"
        }
    }
}

/// A conversation the user may see under their data scope (None: not found, or not theirs to see).
pub async fn get_conversation(
    conn: &mut AnyConnection,
    account: AccountId,
    user: Option<UserId>,
    scope: DataScope,
    id: ConversationId,
) -> Result<Option<Conversation>, StoreError> {
    let sql = format!("{CONVERSATION} WHERE account_id = $1 AND id = $3 AND {}", scope_condition(scope));
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(user.map(|u| u.as_i64()).unwrap_or(0))
        .bind(id.as_i64())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(conversation).transpose()
}

/// Conversations the user may see, newest first, before `before_id`.
pub async fn list_conversations(
    conn: &mut AnyConnection,
    account: AccountId,
    user: Option<UserId>,
    scope: DataScope,
    filter: &ConversationFilter,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Conversation>, StoreError> {
    let sql = format!(
        "{CONVERSATION} WHERE account_id = $1 AND {} AND id < $3 AND ($4 IS NULL OR status = $4) \
         AND ($5 IS NULL OR assignee_id = $5) AND ($6 = 0 OR assignee_id IS NULL) AND ($7 IS NULL OR team_id = $7) \
         AND ($9 = 0 OR team_id IN (SELECT team_id FROM team_members WHERE account_id = $1 AND user_id = $2)) \
         ORDER BY id DESC LIMIT $8",
        scope_condition(scope)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(user.map(|u| u.as_i64()).unwrap_or(0))
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(filter.status.map(|s| s.name()))
        .bind(filter.assignee_id.map(|u| u.as_i64()))
        .bind(i64::from(filter.unassigned))
        .bind(filter.team_id.map(|t| t.as_i64()))
        .bind(limit)
        .bind(i64::from(filter.my_teams))
        .fetch_all(conn)
        .await?;
    rows.iter().map(conversation).collect()
}

/// Takes the conversation's next message sequence; the row stays locked until the transaction ends,
/// so one conversation's messages are numbered in commit order without gaps.
pub async fn next_seq(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ConversationId,
    at: Timestamp,
) -> Result<i64, StoreError> {
    take_seq(conn, account, id, at, "").await
}

/// Like `next_seq`, in the same statement moving the writer's side's read position to the new
/// message (writing implies having read) and recording when that side last wrote (the inactivity
/// timers read it): `by_customer` names the side; an agent's internal note is not a reply.
pub async fn next_seq_read_by(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ConversationId,
    at: Timestamp,
    by_customer: bool,
    private_note: bool,
) -> Result<i64, StoreError> {
    let also = match (by_customer, private_note) {
        (true, _) => ", customer_read_seq = last_seq + 1, last_customer_at = $3",
        (false, false) => ", agent_read_seq = last_seq + 1, last_agent_at = $3",
        (false, true) => ", agent_read_seq = last_seq + 1",
    };
    take_seq(conn, account, id, at, also).await
}

async fn take_seq(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ConversationId,
    at: Timestamp,
    also: &'static str,
) -> Result<i64, StoreError> {
    let sql = format!(
        "UPDATE conversations SET last_seq = last_seq + 1, last_message_at = $3, updated_at = $3{also} \
         WHERE account_id = $1 AND id = $2 RETURNING last_seq"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(id.as_i64())
        .bind(at.unix_ms())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    get(&row, "last_seq")
}

pub(crate) const MESSAGE: &str = "SELECT id, conversation_id, seq, author_kind, author_id, author_name, text, attachments, private, \
     client_id, created_at, meta FROM messages";

pub(crate) fn message(row: &AnyRow) -> Result<Message, StoreError> {
    Ok(Message {
        id: MessageId::from_i64(get(row, "id")?),
        conversation_id: ConversationId::from_i64(get(row, "conversation_id")?),
        seq: get(row, "seq")?,
        author_kind: AuthorKind::parse(&get::<String>(row, "author_kind")?),
        author_id: get(row, "author_id")?,
        author_name: get(row, "author_name")?,
        text: get(row, "text")?,
        attachments: serde_json::from_str(&get::<String>(row, "attachments")?).unwrap_or_default(),
        bot: serde_json::from_str(&get::<String>(row, "meta")?).ok(),
        private: flag(row, "private")?,
        client_id: get(row, "client_id")?,
        created_at: time(row, "created_at")?,
    })
}

/// Stores a message with its search tokens (the tokenizer's, for the full-text index), in the same
/// statement, so a message is never stored without being findable.
pub async fn insert_message(
    conn: &mut AnyConnection,
    account: AccountId,
    m: &Message,
    tokens: &[String],
) -> Result<(), StoreError> {
    crate::repo::bulk::insert_messages(conn, account, &[(m, tokens)]).await
}

pub async fn message_by_client_id(
    conn: &mut AnyConnection,
    account: AccountId,
    conversation: ConversationId,
    client_id: &str,
) -> Result<Option<Message>, StoreError> {
    let sql = format!("{MESSAGE} WHERE account_id = $1 AND conversation_id = $2 AND client_id = $3");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(conversation.as_i64())
        .bind(client_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(message).transpose()
}

/// Messages after `after_seq`, in order.
pub async fn list_messages(
    conn: &mut AnyConnection,
    account: AccountId,
    conversation: ConversationId,
    after_seq: i64,
    limit: i64,
    include_private: bool,
) -> Result<Vec<Message>, StoreError> {
    let sql = format!(
        "{MESSAGE} WHERE account_id = $1 AND conversation_id = $2 AND seq > $3 AND ($5 = 1 OR private = 0) \
         ORDER BY seq LIMIT $4"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(conversation.as_i64())
        .bind(after_seq)
        .bind(limit)
        .bind(i64::from(include_private))
        .fetch_all(conn)
        .await?;
    rows.iter().map(message).collect()
}

/// A customer's message with this client id in any of the contact's conversations (the first message
/// of a visit names no conversation, so its resend is found this way).
pub async fn customer_message_by_client_id(
    conn: &mut AnyConnection,
    account: AccountId,
    contact: ContactId,
    client_id: &str,
) -> Result<Option<Message>, StoreError> {
    let sql = format!(
        "{MESSAGE} WHERE account_id = $1 AND author_kind = 'customer' AND author_id = $2 AND client_id = $3 LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(contact.as_i64())
        .bind(client_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(message).transpose()
}

/// A contact's conversations, newest first.
pub async fn contact_conversations(
    conn: &mut AnyConnection,
    account: AccountId,
    contact: ContactId,
    limit: i64,
) -> Result<Vec<Conversation>, StoreError> {
    let sql = format!("{CONVERSATION} WHERE account_id = $1 AND contact_id = $2 ORDER BY id DESC LIMIT $3");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(contact.as_i64())
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(conversation).collect()
}

/// A conversation of the contact (a visitor's own), or None.
pub async fn contact_conversation(
    conn: &mut AnyConnection,
    account: AccountId,
    contact: ContactId,
    id: ConversationId,
) -> Result<Option<Conversation>, StoreError> {
    let sql = format!("{CONVERSATION} WHERE account_id = $1 AND contact_id = $2 AND id = $3");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(contact.as_i64())
        .bind(id.as_i64())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(conversation).transpose()
}

/// Moves a read position forward (never back, never past the last message); returns the new one.
pub async fn mark_read(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ConversationId,
    by_customer: bool,
    seq: i64,
) -> Result<i64, StoreError> {
    let column = if by_customer { "customer_read_seq" } else { "agent_read_seq" };
    let sql = format!(
        "UPDATE conversations SET {column} = CASE WHEN {column} >= $3 THEN {column} \
         WHEN $3 > last_seq THEN last_seq ELSE $3 END WHERE account_id = $1 AND id = $2 RETURNING {column} AS read_seq"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.as_i64())
        .bind(id.as_i64())
        .bind(seq)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    get(&row, "read_seq")
}
