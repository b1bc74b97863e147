//! Feedback on the FAQ bot (docs/bot.md, "Feedback"): a customer rates a bot answer up or down
//! (stored per message, changeable, shown to agents through `message.rated`), and the questions the
//! bot could not answer or answered badly are kept, grouped by their normalized text, for admins
//! with `kb.manage` to dismiss or add to the FAQ through the FAQ services (versions, audit, and the
//! bot's rebuild through `kb.faq.changed`).

use crate::audit::record;
use crate::visitors::Visitor;
use crate::{Actor, App, AppError, Page, PageRequest};
use switchboard_domain::bot_feedback::*;
use switchboard_domain::conversations::AuthorKind;
use switchboard_domain::kb::Faq;
use switchboard_domain::kb_requests::FaqInput;
use switchboard_domain::permissions::Permission;
use switchboard_domain::*;
use switchboard_store::AnyConnection;
use switchboard_store::repo::bot_feedback::{self as repo, Occurrence};
use switchboard_store::repo::{inbox, kb_faqs};
use switchboard_text::bot::Candidate;
use switchboard_text::normalize::normalize;

const TARGET: &str = "bot_unanswered";

fn now() -> Timestamp {
    Timestamp::from_unix_ms(switchboard_store::now_ms())
}

/// The bot's candidates as stored guesses.
pub(crate) fn bot_guesses(candidates: &[Candidate]) -> Vec<BotGuess> {
    candidates
        .iter()
        .map(|c| BotGuess { entry_id: c.entry_id.clone(), question: c.question.clone(), score: c.score })
        .collect()
}

impl App {
    /// Counts an occurrence of a question the bot did not answer well, in the caller's transaction.
    /// A question with no letters or digits (`？`) is not worth listing.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn record_unanswered(
        &self,
        conn: &mut AnyConnection,
        account: AccountId,
        kind: UnansweredKind,
        reason: &str,
        question: &str,
        guesses: &[BotGuess],
        conversation_id: ConversationId,
        message_id: Option<MessageId>,
    ) -> Result<(), AppError> {
        let key = question_key(question, normalize);
        if key.is_empty() {
            return Ok(());
        }
        let question: String = question.trim().chars().take(1000).collect();
        let occurrence = Occurrence {
            id: UnansweredId::from_i64(self.db().new_id()),
            kind,
            reason,
            question: &question,
            key: &key,
            guesses,
            conversation_id,
            message_id,
            at: now(),
        };
        repo::record(conn, account, &occurrence).await?;
        Ok(())
    }

    /// A visitor rates one of the bot's answers in their own conversation. Rating again with the
    /// same verdict changes nothing; the other verdict replaces it. A message's first "down" puts
    /// the question on the admins' list.
    pub async fn visitor_rate(
        &self,
        visitor: &Visitor,
        message_id: MessageId,
        input: &RateInput,
    ) -> Result<RatedMessage, AppError> {
        let rating = input.validate()?;
        let account = visitor.account_id;
        let mut tx = self.db().begin().await?;
        let message = repo::message_by_id(&mut tx, account, message_id).await?.ok_or(AppError::NotFound)?;
        inbox::contact_conversation(&mut tx, account, visitor.contact_id, message.conversation_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut meta = match message.bot.clone() {
            Some(meta) if message.author_kind == AuthorKind::Bot && meta["kind"] == "answer" => meta,
            _ => return Err(AppError::field("message_id", "is not an answer of the bot")),
        };
        let rated = RatedMessage { conversation_id: message.conversation_id, message_id, seq: message.seq, rating };
        let previous = repo::rating(&mut tx, account, message_id).await?;
        if previous.is_some_and(|(r, _)| r == rating) {
            tx.rollback().await?;
            return Ok(rated);
        }
        let reported = previous.is_some_and(|(_, reported)| reported);
        let report = rating == BotRating::Down && !reported;
        if report {
            let asked = match meta["asked"].as_str().filter(|a| !a.trim().is_empty()) {
                Some(asked) => asked.to_string(),
                None => self.question_before(&mut tx, account, &message).await?,
            };
            let mut guesses = Vec::new();
            if let (Some(entry), Some(question)) = (meta["entry_id"].as_str(), meta["question"].as_str()) {
                let score = meta["score"].as_f64().unwrap_or(0.0) as f32;
                guesses.push(BotGuess { entry_id: entry.into(), question: question.into(), score });
            }
            let others: Vec<BotGuess> = serde_json::from_value(meta["alternatives"].clone()).unwrap_or_default();
            guesses.extend(others);
            // A generated answer: the FAQ entries it cited.
            let sources = meta["sources"].as_array().into_iter().flatten().filter(|s| s["kind"] == "faq");
            guesses.extend(sources.filter_map(|s| {
                let (entry, title) = (s["id"].as_str()?, s["title"].as_str()?);
                Some(BotGuess { entry_id: entry.into(), question: title.into(), score: 0.0 })
            }));
            let (kind, conversation) = (UnansweredKind::RatedDown, message.conversation_id);
            self.record_unanswered(
                &mut tx,
                account,
                kind,
                "rated_down",
                &asked,
                &guesses,
                conversation,
                Some(message_id),
            )
            .await?;
        }
        repo::save_rating(&mut tx, account, &rated, reported || report, now()).await?;
        meta["rating"] = serde_json::json!(rating.name());
        repo::set_message_meta(&mut tx, account, message_id, &meta).await?;
        self.emit(&mut tx, account, "message.rated", serde_json::to_value(&rated).unwrap_or_default()).await?;
        tx.commit().await?;
        self.committed(account);
        Ok(rated)
    }

    /// The customer's last message before a bot message (for answers stored without their question).
    async fn question_before(
        &self,
        conn: &mut AnyConnection,
        account: AccountId,
        message: &switchboard_domain::conversations::Message,
    ) -> Result<String, AppError> {
        let earlier =
            inbox::list_messages(conn, account, message.conversation_id, (message.seq - 10).max(0), 10, false).await?;
        Ok(earlier
            .into_iter()
            .rfind(|m| m.seq < message.seq && m.author_kind == AuthorKind::Customer)
            .map(|m| m.text)
            .unwrap_or_default())
    }

    /// The list for admins: open items (or dismissed / resolved ones), most recent or most frequent first.
    pub async fn list_unanswered(
        &self,
        actor: &Actor,
        status: UnansweredStatus,
        order: UnansweredOrder,
        page: &PageRequest,
    ) -> Result<Page<UnansweredQuestion>, AppError> {
        actor.require(Permission::KbManage)?;
        let offset = page.after()?.unwrap_or(0).max(0);
        let mut conn = self.db().read().await?;
        let rows = repo::list(&mut conn, actor.account_id, status, order, offset, page.limit() + 1).await?;
        let numbered: Vec<(i64, UnansweredQuestion)> =
            rows.into_iter().enumerate().map(|(i, q)| (offset + i as i64 + 1, q)).collect();
        let cut = page.page(numbered, |(position, _)| *position);
        Ok(Page { data: cut.data.into_iter().map(|(_, q)| q).collect(), next_cursor: cut.next_cursor })
    }

    pub async fn get_unanswered(&self, actor: &Actor, id: UnansweredId) -> Result<UnansweredQuestion, AppError> {
        actor.require(Permission::KbManage)?;
        let mut conn = self.db().read().await?;
        repo::get_item(&mut conn, actor.account_id, id).await?.ok_or(AppError::NotFound)
    }

    /// Takes an open item off the list. A closed one is a 409.
    pub async fn dismiss_unanswered(&self, actor: &Actor, id: UnansweredId) -> Result<UnansweredQuestion, AppError> {
        actor.require(Permission::KbManage)?;
        let mut tx = self.db().begin().await?;
        let before = repo::get_item(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        let after = self.close_item(&mut tx, actor, &before, UnansweredStatus::Dismissed, None).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// "Add to FAQ": creates an entry from the question, or adds the question as a similar phrasing
    /// of an existing entry, through the FAQ services in one transaction, and resolves the item.
    pub async fn add_unanswered_to_faq(
        &self,
        actor: &Actor,
        id: UnansweredId,
        input: &AddToFaqInput,
    ) -> Result<(UnansweredQuestion, Faq), AppError> {
        actor.require(Permission::KbManage)?;
        let action = input.validate()?;
        let mut tx = self.db().begin().await?;
        let before = repo::get_item(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        if before.status != UnansweredStatus::Open {
            return Err(not_open());
        }
        let faq = match action {
            AddToFaq::New { question, answer } => {
                let faq = FaqInput {
                    question: Some(question.unwrap_or_else(|| before.question.clone())),
                    answer: Some(answer),
                    category_id: input.category_id.map(Some),
                    locale: input.locale.clone().filter(|l| !l.trim().is_empty()),
                    ..Default::default()
                };
                let change = faq.validate(true)?;
                self.insert_kb_faq(&mut tx, actor, change, "create from an unanswered question").await?
            }
            AddToFaq::Similar { entry_id, similar } => {
                let existing = find_entry(&mut tx, actor.account_id, &entry_id).await?;
                let phrasing = similar.unwrap_or_else(|| before.question.clone());
                let mut list = existing.similar.clone();
                if !list.contains(&phrasing) && phrasing != existing.question {
                    list.push(phrasing);
                }
                let change = FaqInput { similar: Some(list), ..Default::default() }
                    .validate(false)
                    .map_err(|e| AppError::Validation(rename(e, "similar")))?;
                self.change_kb_faq(&mut tx, actor, &existing, change, "similar question from an unanswered question")
                    .await?
            }
        };
        let after = self.close_item(&mut tx, actor, &before, UnansweredStatus::Resolved, Some(faq.id)).await?;
        tx.commit().await?;
        // The FAQ changed: this node's bot is rebuilt now (the others on `kb.faq.changed`).
        self.forget_bot(actor.account_id);
        self.committed(actor.account_id);
        Ok((after, faq))
    }
}

impl App {
    /// Closes an open item (dismissed, or resolved into an FAQ entry), audited; a closed one is a 409.
    async fn close_item(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        before: &UnansweredQuestion,
        status: UnansweredStatus,
        faq: Option<FaqId>,
    ) -> Result<UnansweredQuestion, AppError> {
        let (account, id) = (actor.account_id, before.id);
        if !repo::close(conn, account, id, status, faq, actor.user_id(), now()).await? {
            return Err(not_open());
        }
        let after = repo::get_item(conn, account, id).await?.ok_or(AppError::NotFound)?;
        let action = match status {
            UnansweredStatus::Resolved => "bot.unanswered.resolve",
            _ => "bot.unanswered.dismiss",
        };
        record(self, conn, actor, action, (TARGET, Some(id.as_i64())), Some(before), Some(&after)).await?;
        Ok(after)
    }
}

fn not_open() -> AppError {
    AppError::Conflict(FieldErrors::single("status", "is no longer open"))
}

/// Field errors of the similar-question change, named as the request names them.
fn rename(errors: FieldErrors, field: &str) -> FieldErrors {
    let mut out = FieldErrors::new();
    for (_, message) in errors.iter() {
        out.add(field, message.clone());
    }
    out
}

/// An FAQ entry by its id, or by the id the bot knows it by (its external id).
async fn find_entry(conn: &mut AnyConnection, account: AccountId, entry_id: &str) -> Result<Faq, AppError> {
    if let Ok(id) = entry_id.parse::<FaqId>()
        && let Some(faq) = kb_faqs::get_by_id(conn, account, id).await?
    {
        return Ok(faq);
    }
    kb_faqs::get_by_external_id(conn, account, entry_id)
        .await?
        .ok_or_else(|| AppError::field("entry_id", "is not an FAQ entry"))
}
