//! Fills a database with accounts, teams, agents, contacts, conversations and messages, fast:
//! multi-row INSERTs of 50 rows in transactions of 100,000 messages, the text tokenized by the
//! app's own tokenizer on a second thread while the previous batch is written. People, teams and
//! channels go through the app's services; the bulk rows are written with SQL, with ids made the
//! way the app makes them (time-ordered; node numbers 1021–1023, which no server uses here).

use super::texts::{Line, Rng, message};
use anyhow::Context;
use std::time::Instant;
use switchboard_app::{Actor, App};
use switchboard_domain::ids::compose_id;
use switchboard_domain::requests::{NewAccountInput, NewUserInput, TeamInput};
use switchboard_domain::{AccountId, TeamId, UserId};
use switchboard_store::Backend;

const TEAMS: usize = 3;
const AGENTS_PER_TEAM: usize = 3;
/// Rows per INSERT: sqlx binds SQLite parameters by name, which costs O(parameters²) per statement,
/// so a few hundred parameters per statement is the sweet spot.
const ROWS_PER_INSERT: usize = 50;
const MESSAGES_PER_COMMIT: usize = 100_000;
const YEAR_MS: i64 = 365 * 24 * 3600 * 1000;

/// One generated account and the people whose searches are measured.
#[derive(Debug, Clone)]
pub struct BenchAccount {
    pub id: AccountId,
    pub admin: UserId,
    pub supervisor: UserId,
    /// The first agent of the first team.
    pub agent: UserId,
    pub teams: Vec<TeamId>,
    pub agents: Vec<Vec<UserId>>,
    pub channels: Vec<i64>,
}

pub async fn people(app: &App, index: usize) -> anyhow::Result<BenchAccount> {
    let slug = format!("bench-{index}");
    let account = NewAccountInput {
        name: Some(format!("Bench {index}")),
        slug: Some(slug.clone()),
        default_locale: Some("zh-CN".into()),
        time_zone: Some("Asia/Shanghai".into()),
    };
    let user = |role: &str, name: String, email: String, teams: Vec<TeamId>| NewUserInput {
        name: Some(name),
        email: Some(email),
        password: Some("bench-password-1".into()),
        role: Some(role.into()),
        team_ids: teams,
        ..Default::default()
    };
    let origin = switchboard_app::accounts::Origin { label: "bench".into(), ..Default::default() };
    let admin_input = user("admin", "Admin".into(), format!("admin@{slug}.test"), Vec::new());
    let (account, admin) = app.create_account(&account, &admin_input, &origin, false).await?;
    let system = Actor::system(account.id, "bench");
    let mut teams = Vec::new();
    let mut agents = Vec::new();
    for t in 0..TEAMS {
        let team =
            app.create_team(&system, &TeamInput { name: Some(format!("Team {t}")), ..Default::default() }).await?;
        let mut members = Vec::new();
        for a in 0..AGENTS_PER_TEAM {
            let input = user("agent", format!("Agent {t}-{a}"), format!("agent{t}-{a}@{slug}.test"), vec![team.id]);
            members.push(app.create_user(&system, &input).await?.id);
        }
        teams.push(team.id);
        agents.push(members);
    }
    let input = user("supervisor", "Supervisor".into(), format!("supervisor@{slug}.test"), vec![teams[0]]);
    let supervisor = app.create_user(&system, &input).await?.id;
    let mut channels = Vec::new();
    for (name, kind) in [("官网", "web_widget"), ("App", "api"), ("Email", "api")] {
        let input =
            switchboard_domain::conversations::NewChannelInput { name: Some(name.into()), kind: Some(kind.into()) };
        channels.push(app.create_channel(&system, &input).await?.id.as_i64());
    }
    let agent = agents[0][0];
    Ok(BenchAccount { id: account.id, admin: admin.id, supervisor, agent, teams, agents, channels })
}

/// The rows of one conversation (its contact when it is the contact's first), ready to insert.
struct Batch {
    contacts: Vec<[Value; 9]>,
    conversations: Vec<[Value; 15]>,
    messages: Vec<[Value; 11]>,
}

#[derive(Debug, Clone)]
enum Value {
    Int(i64),
    Text(String),
    Null,
}

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const GIVEN: &[&str] = &["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "小明", "晓红"];
const ENGLISH: &[&str] = &["Alice", "Bob", "Carol", "David", "Emma", "Frank", "Grace", "Henry"];

/// Makes the rows on this thread (tokenizing with the app's tokenizer) and sends them in batches.
fn produce(accounts: Vec<BenchAccount>, total: u64, seed: u64, out: tokio::sync::mpsc::Sender<Batch>) {
    let mut rng = Rng::new(seed);
    let now = switchboard_store::now_ms();
    let conversations_total = (total / 8).max(1);
    let step = (YEAR_MS / conversations_total as i64).max(1);
    let mut batch = Batch { contacts: Vec::new(), conversations: Vec::new(), messages: Vec::new() };
    let mut written = 0u64;
    let mut j = 0i64;
    let mut contact = (0i64, String::new());
    while written < total {
        let account = &accounts[j as usize % accounts.len()];
        let start = now - YEAR_MS - 3_600_000 + j * step;
        let seq = (j % 4096) as u16;
        let english = rng.chance(25);
        // Every other conversation is a returning customer's.
        if j % (2 * accounts.len() as i64) < accounts.len() as i64 || contact.0 == 0 {
            let id = compose_id(start, 1021, seq);
            let name = if english {
                format!("{} {}", rng.pick(ENGLISH), rng.below(1000))
            } else {
                format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
            };
            let phone = format!("+86 1{}{:09}", 3 + rng.below(7), rng.below(1_000_000_000));
            let digits = switchboard_domain::widget::phone_digits(&phone);
            batch.contacts.push([
                Value::Int(account.id.as_i64()),
                Value::Int(id),
                Value::Text(name.clone()),
                Value::Text(format!("user{}@example.com", rng.below(100_000_000))),
                Value::Text(phone),
                Value::Text(format!("crm-{j}")),
                Value::Int(start),
                Value::Int(start),
                Value::Text(digits),
            ]);
            contact = (id, name);
        }
        let team = rng.below(TEAMS as u64) as usize;
        let roll = rng.below(100);
        let (status, assignee) = match roll {
            0..=74 => ("resolved", Some(account.agents[team][rng.below(AGENTS_PER_TEAM as u64) as usize])),
            75..=89 => ("open", Some(account.agents[team][rng.below(AGENTS_PER_TEAM as u64) as usize])),
            _ => ("open", None),
        };
        let length = 2 + rng.below(13);
        let conversation = compose_id(start, 1022, seq);
        for i in 0..length {
            let Line { text, author_kind, private } = message(&mut rng, i, english);
            let at = start + i as i64 * 30_000;
            let tokens = switchboard_text::tokenize(&text);
            let (author_id, author_name) = match author_kind {
                "customer" => (Value::Int(contact.0), contact.1.clone()),
                "agent" => (assignee.map_or(Value::Null, |a| Value::Int(a.as_i64())), "Agent".to_string()),
                _ => (Value::Null, "智能助手".to_string()),
            };
            batch.messages.push([
                Value::Int(account.id.as_i64()),
                Value::Int(compose_id(at, 1023, seq)),
                Value::Int(conversation),
                Value::Int(i as i64 + 1),
                Value::Text(author_kind.into()),
                author_id,
                Value::Text(author_name),
                Value::Text(text),
                Value::Int(i64::from(private)),
                Value::Int(at),
                Value::Text(switchboard_store::repo::search::index_text(&tokens).0),
            ]);
        }
        let last = start + (length as i64 - 1) * 30_000;
        batch.conversations.push([
            Value::Int(account.id.as_i64()),
            Value::Int(conversation),
            Value::Int(account.channels[rng.below(account.channels.len() as u64) as usize]),
            Value::Int(contact.0),
            Value::Text(status.into()),
            assignee.map_or(Value::Null, |a| Value::Int(a.as_i64())),
            Value::Int(account.teams[team].as_i64()),
            Value::Text("normal".into()),
            Value::Text(String::new()),
            Value::Int(length as i64),
            Value::Int(start),
            Value::Int(last),
            Value::Int(last),
            if assignee.is_some() { Value::Int(start + 30_000) } else { Value::Null },
            if status == "resolved" { Value::Int(last) } else { Value::Null },
        ]);
        written += length;
        j += 1;
        if batch.messages.len() >= 10_000 || written >= total {
            let full = std::mem::replace(
                &mut batch,
                Batch { contacts: Vec::new(), conversations: Vec::new(), messages: Vec::new() },
            );
            if out.blocking_send(full).is_err() {
                return;
            }
        }
    }
}

fn insert_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let width = columns.len();
    let values: Vec<String> = (0..rows)
        .map(|r| format!("({})", (1..=width).map(|c| format!("${}", r * width + c)).collect::<Vec<_>>().join(", ")))
        .collect();
    format!("INSERT INTO {table} ({}) VALUES {}", columns.join(", "), values.join(", "))
}

async fn insert_rows<const N: usize>(
    conn: &mut sqlx::AnyConnection,
    table: &str,
    columns: &[&str; N],
    rows: &[[Value; N]],
) -> anyhow::Result<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let sql = insert_sql(table, columns, chunk.len());
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            for value in row {
                query = match value {
                    Value::Int(v) => query.bind(*v),
                    Value::Text(v) => query.bind(v.clone()),
                    Value::Null => query.bind(None::<i64>),
                };
            }
        }
        query.execute(&mut *conn).await.with_context(|| format!("while inserting into {table}"))?;
    }
    Ok(())
}

const CONTACT_COLUMNS: [&str; 9] =
    ["account_id", "id", "name", "email", "phone", "external_id", "created_at", "updated_at", "phone_digits"];
const CONVERSATION_COLUMNS: [&str; 15] = [
    "account_id",
    "id",
    "channel_id",
    "contact_id",
    "status",
    "assignee_id",
    "team_id",
    "priority",
    "tags",
    "last_seq",
    "created_at",
    "updated_at",
    "last_message_at",
    "first_response_at",
    "resolved_at",
];
const MESSAGE_COLUMNS: [&str; 11] = [
    "account_id",
    "id",
    "conversation_id",
    "seq",
    "author_kind",
    "author_id",
    "author_name",
    "text",
    "private",
    "created_at",
    "search_tokens",
];

/// Writes `total` messages over the accounts. On PostgreSQL the GIN index is dropped during the
/// load and built after it (one sort instead of millions of inserts), then the tables analyzed.
pub async fn messages(app: &App, accounts: &[BenchAccount], total: u64, seed: u64) -> anyhow::Result<()> {
    let started = Instant::now();
    let db = app.db();
    let postgres = db.backend() == Backend::Postgres;
    if postgres {
        let mut tx = db.begin().await?;
        sqlx::query("DROP INDEX IF EXISTS messages_search").execute(&mut *tx).await?;
        tx.commit().await?;
    }
    let (send, mut receive) = tokio::sync::mpsc::channel::<Batch>(4);
    let owned = accounts.to_vec();
    let producer = std::thread::spawn(move || produce(owned, total, seed, send));
    let mut written = 0usize;
    let mut since_commit = 0usize;
    let mut tx = db.begin().await?;
    while let Some(batch) = receive.recv().await {
        insert_rows(&mut tx, "contacts", &CONTACT_COLUMNS, &batch.contacts).await?;
        insert_rows(&mut tx, "conversations", &CONVERSATION_COLUMNS, &batch.conversations).await?;
        insert_rows(&mut tx, "messages", &MESSAGE_COLUMNS, &batch.messages).await?;
        written += batch.messages.len();
        since_commit += batch.messages.len();
        if since_commit >= MESSAGES_PER_COMMIT {
            tx.commit().await?;
            tx = db.begin().await?;
            since_commit = 0;
            let rate = written as f64 / started.elapsed().as_secs_f64();
            eprintln!("  {written} messages written ({rate:.0}/s)");
        }
    }
    tx.commit().await?;
    producer.join().map_err(|_| anyhow::anyhow!("the text generator panicked"))?;
    eprintln!("{written} messages in {:.1} s", started.elapsed().as_secs_f64());
    let mut tx = db.begin().await?;
    if postgres {
        let indexing = Instant::now();
        sqlx::query("CREATE INDEX messages_search ON messages USING GIN (search_tsv)").execute(&mut *tx).await?;
        eprintln!("GIN index built in {:.1} s", indexing.elapsed().as_secs_f64());
    }
    // Only these tables: a database-wide ANALYZE locks every table of every schema (and runs out of
    // lock slots on a server holding many test schemas).
    sqlx::query("ANALYZE messages").execute(&mut *tx).await?;
    sqlx::query("ANALYZE conversations").execute(&mut *tx).await?;
    sqlx::query("ANALYZE contacts").execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// The first generated account of a database filled earlier (`--messages 0`).
pub async fn existing(app: &App) -> anyhow::Result<BenchAccount> {
    let mut conn = app.db().read().await?;
    let account: i64 = sqlx::query_scalar("SELECT id FROM accounts WHERE slug = 'bench-0'")
        .fetch_one(&mut *conn)
        .await
        .context("no generated account bench-0 in this database")?;
    let mut user = async |email: &str| -> anyhow::Result<UserId> {
        let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE account_id = $1 AND email = $2")
            .bind(account)
            .bind(email)
            .fetch_one(&mut *conn)
            .await
            .with_context(|| format!("no user {email}"))?;
        Ok(UserId::from_i64(id))
    };
    let admin = user("admin@bench-0.test").await?;
    let supervisor = user("supervisor@bench-0.test").await?;
    let agent = user("agent0-0@bench-0.test").await?;
    let teams: Vec<i64> = sqlx::query_scalar("SELECT id FROM teams WHERE account_id = $1 ORDER BY id")
        .bind(account)
        .fetch_all(&mut *conn)
        .await?;
    Ok(BenchAccount {
        id: AccountId::from_i64(account),
        admin,
        supervisor,
        agent,
        teams: teams.into_iter().map(TeamId::from_i64).collect(),
        agents: Vec::new(),
        channels: Vec::new(),
    })
}
