//! The FAQ bot in conversations: on a widget whose channel says "bot answers first", each customer
//! message gets the bot's answer, a "did you mean" with numbered choices, or a handover to a person
//! (the conversation turns from pending to open, and the bot's guesses stay in the message for the
//! agent). An agent's reply also ends the bot's part.

use crate::visitors::Visitor;
use crate::{Actor, App, AppError};
use std::sync::Arc;
use switchboard_domain::bot_feedback::UnansweredKind;
use switchboard_domain::conversations::*;
use switchboard_domain::kb::KbStatus;
use switchboard_domain::values::Locale;
use switchboard_domain::*;
use switchboard_store::repo::{inbox, visitors};
use switchboard_text::bot::{BotConversation, BotDecision, Candidate, FaqBot, HandoffReason};
use switchboard_text::faq_index::FaqEntry;
use switchboard_text::normalize::is_han;

/// The bot is answering the conversation.
pub const ANSWERING: &str = "answering";
/// The bot passed the conversation to a person.
pub const HANDED_OVER: &str = "handed_over";

fn now() -> Timestamp {
    Timestamp::from_unix_ms(switchboard_store::now_ms())
}

fn choices(candidates: &[Candidate]) -> serde_json::Value {
    candidates.iter().map(|c| serde_json::json!({ "entry_id": c.entry_id, "question": c.question })).collect()
}

fn guesses(candidates: &[Candidate]) -> serde_json::Value {
    candidates
        .iter()
        .map(|c| serde_json::json!({ "entry_id": c.entry_id, "question": c.question, "score": c.score }))
        .collect()
}

/// Whether a turn leaves a customer question unanswered, and which: a handoff for no match, a
/// second unresolved turn, or a "did you mean" followed by anything but one of its choices.
fn unanswered<'a>(
    decision: &'a BotDecision,
    offered: &'a [Candidate],
    text: &'a str,
    asked_before: &'a str,
) -> Option<(&'static str, &'a str, &'a [Candidate])> {
    match decision {
        BotDecision::Handoff { reason: HandoffReason::Unresolved, guesses } => {
            Some(("unresolved", asked_before, if guesses.is_empty() { offered } else { guesses }))
        }
        BotDecision::Answer { entry_id, .. } if offered.iter().any(|c| &c.entry_id == entry_id) => None,
        _ if !offered.is_empty() => Some(("clarify_ignored", asked_before, offered)),
        BotDecision::Handoff { reason: HandoffReason::OutOfScope, guesses } => Some(("no_match", text, guesses)),
        _ => None,
    }
}

impl App {
    /// Every published FAQ entry of the account, as the bot reads them.
    pub async fn faq_entries(&self, account: AccountId) -> Result<Vec<FaqEntry>, AppError> {
        let actor = Actor::system(account, "bot");
        let categories = self.list_kb_categories(&actor).await?;
        let filter = crate::FaqFilter { status: Some(KbStatus::Published), ..Default::default() };
        let mut entries = Vec::new();
        let mut page = crate::PageRequest { cursor: None, limit: Some(crate::PageRequest::MAX_LIMIT) };
        loop {
            let batch = self.list_kb_faqs(&actor, &filter, &page).await?;
            for faq in batch.data {
                let category =
                    faq.category_id.and_then(|id| categories.iter().find(|c| c.id == id)).map(|c| c.name.clone());
                entries.push(FaqEntry {
                    id: faq.external_id.unwrap_or_else(|| faq.id.to_string()),
                    category: category.unwrap_or_default(),
                    question: faq.question,
                    similar: faq.similar,
                    answer: faq.answer,
                    lang: match faq.locale {
                        Locale::ZhCn => "zh".into(),
                        Locale::En => "en".into(),
                    },
                });
            }
            match batch.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => break,
            }
        }
        Ok(entries)
    }

    /// The account's bot, built once and kept until its FAQ changes.
    pub(crate) async fn faq_bot(&self, account: AccountId) -> Result<Arc<FaqBot>, AppError> {
        if let Some(bot) = self.bots.lock().ok().and_then(|bots| bots.get(&account).cloned()) {
            return Ok(bot);
        }
        let entries = self.faq_entries(account).await?;
        let bot = Arc::new(
            tokio::task::spawn_blocking(move || FaqBot::new(entries))
                .await
                .map_err(|e| AppError::Internal(format!("building the bot: {e}")))?,
        );
        if let Ok(mut bots) = self.bots.lock() {
            bots.insert(account, bot.clone());
        }
        Ok(bot)
    }

    /// The account's FAQ changed (on any node): the bot is rebuilt on its next use.
    pub(crate) fn forget_bot(&self, account: AccountId) {
        if let Ok(mut bots) = self.bots.lock() {
            bots.remove(&account);
        }
    }

    /// Answers a customer's message in the background; a failure is logged, the conversation stays
    /// with the bot, and the customer's next message tries again.
    pub(crate) fn spawn_bot_reply(&self, visitor: &Visitor, conversation: &Conversation, message: &Message) {
        if message.text.trim().is_empty() {
            return;
        }
        let app = self.clone();
        let (account, id, text) = (visitor.account_id, conversation.id, message.text.clone());
        let zh = visitor.locale.as_deref().is_some_and(|l| l.starts_with("zh")) || text.chars().any(is_han);
        let settings = visitor.settings.clone();
        tokio::spawn(async move {
            if let Err(error) = app.bot_reply(account, id, &text, zh, &settings).await {
                tracing::warn!(%error, conversation = %id, "the bot could not answer");
            }
        });
    }

    async fn bot_reply(
        &self,
        account: AccountId,
        id: ConversationId,
        text: &str,
        zh: bool,
        settings: &switchboard_domain::widget::WidgetSettings,
    ) -> Result<(), AppError> {
        let bot = self.faq_bot(account).await?;
        let anyone_online = {
            let mut conn = self.db().read().await?;
            visitors::anyone_online(&mut conn, account).await?
        };
        let generated = match self.generative.as_deref() {
            Some(model) => self.generative_turn(model, &bot, account, id, text, zh).await.unwrap_or_else(|error| {
                tracing::warn!(%error, conversation = %id, "no generative answer; the bot answers without it");
                None
            }),
            None => None,
        };
        let at = now();
        let mut tx = self.db().begin().await?;
        // The sequence first: it locks the conversation, so the bot's turns are taken one at a time.
        let seq = inbox::next_seq(&mut tx, account, id, at).await?;
        let saved: serde_json::Value =
            serde_json::from_str(&inbox::bot_state(&mut tx, account, id).await?).unwrap_or_default();
        if saved.get("mode").and_then(|m| m.as_str()) != Some(ANSWERING) {
            tx.rollback().await?;
            return Ok(());
        }
        let saved_state = saved.get("state").cloned().unwrap_or_default();
        let mut state: BotConversation = serde_json::from_value(saved_state.clone()).unwrap_or_default();
        // The question a "did you mean" was about, for the answer it leads to and for the list of
        // unanswered questions when it leads nowhere.
        let asked_before = saved.get("asked").and_then(|a| a.as_str()).unwrap_or(text).to_string();
        let offered = state.pending.clone();
        let decision = state.on_message(&bot, text);
        // The model's answer stands only if no other turn changed the state meanwhile.
        let generated =
            generated.filter(|g| g.state == saved_state && crate::bot_generative::unsure(&decision).is_some());
        let mut asked = None;
        let (reply, meta, hand_over) = match (&decision, generated) {
            (_, Some(generated)) => {
                state = BotConversation::default();
                let meta = serde_json::json!({ "kind": "answer", "generative": true, "asked": text,
                    "sources": generated.sources });
                (generated.text, meta, false)
            }
            (BotDecision::Answer { entry_id, score, alternatives }, None) => {
                let entry = bot.entry(entry_id);
                let answer = entry.map(|e| e.answer.clone()).unwrap_or_default();
                let question = entry.map(|e| e.question.clone()).unwrap_or_default();
                let picked = offered.iter().any(|c| &c.entry_id == entry_id);
                let meta = serde_json::json!({ "kind": "answer", "entry_id": entry_id, "question": question,
                    "score": score, "alternatives": guesses(alternatives),
                    "asked": if picked { asked_before.as_str() } else { text } });
                (answer, meta, false)
            }
            (BotDecision::Clarify { candidates }, None) => {
                let lead = if zh {
                    "您想问的是哪一个？回复序号即可："
                } else {
                    "Did you mean one of these? Reply with its number:"
                };
                let list: Vec<String> =
                    candidates.iter().enumerate().map(|(i, c)| format!("{}. {}", i + 1, c.question)).collect();
                let meta = serde_json::json!({ "kind": "clarify", "choices": choices(candidates) });
                asked = Some(text.to_string());
                (format!("{lead}\n{}", list.join("\n")), meta, false)
            }
            (BotDecision::Handoff { reason, guesses: found }, None) => {
                let text = match (anyone_online, zh) {
                    (true, true) => "好的，正在为您转接人工客服，请稍候。".to_string(),
                    (true, false) => "I'm passing you to a colleague now. Please hold on.".to_string(),
                    (false, _) if !settings.offline_message.is_empty() => settings.offline_message.clone(),
                    (false, true) => "现在没有客服在线。请留下您的问题和联系方式，我们会尽快回复您。".to_string(),
                    (false, false) => {
                        "No one is available right now. Leave your question and how to reach you, and we will get back to you soon.".to_string()
                    }
                };
                let meta = serde_json::json!({ "kind": "handoff", "reason": reason.as_str(), "guesses": guesses(found),
                    "agents_online": anyone_online });
                (text, meta, true)
            }
        };
        let generative = meta["generative"] == true;
        let unanswered = if generative { None } else { unanswered(&decision, &offered, text, &asked_before) };
        let name = if settings.bot_name.is_empty() {
            if zh { "智能助手" } else { "Assistant" }.to_string()
        } else {
            settings.bot_name.clone()
        };
        let message = Message {
            id: MessageId::from_i64(self.db().new_id()),
            conversation_id: id,
            seq,
            author_kind: AuthorKind::Bot,
            author_id: None,
            author_name: name,
            text: reply,
            attachments: Vec::new(),
            bot: Some(meta),
            private: false,
            client_id: None,
            created_at: at,
        };
        inbox::insert_message(&mut tx, account, &message, &switchboard_text::tokenize(&message.text)).await?;
        if let Some((reason, question, found)) = unanswered {
            let kind = UnansweredKind::Unanswered;
            let found = crate::bot_feedback::bot_guesses(found);
            self.record_unanswered(&mut tx, account, kind, reason, question, &found, id, Some(message.id)).await?;
        }
        let mode = if hand_over { HANDED_OVER } else { ANSWERING };
        let saved = serde_json::json!({ "mode": mode, "state": state, "asked": asked });
        inbox::set_bot_state(&mut tx, account, id, &saved).await?;
        self.emit(&mut tx, account, "message.created", serde_json::to_value(&message).unwrap_or_default()).await?;
        if hand_over {
            let scope = switchboard_domain::permissions::DataScope::Account;
            if let Some(mut conversation) = inbox::get_conversation(&mut tx, account, None, scope, id).await? {
                conversation.status = ConversationStatus::Open;
                conversation.updated_at = at;
                conversation.bot = Some(HANDED_OVER.into());
                inbox::update_conversation(&mut tx, account, &conversation).await?;
                self.enqueue_new(&mut tx, account, &mut conversation, settings.team_id).await?;
                let payload = serde_json::to_value(&conversation).unwrap_or_default();
                self.emit(&mut tx, account, "conversation.updated", payload).await?;
            }
        }
        tx.commit().await?;
        self.committed(account);
        if hand_over {
            self.routing_needed(account);
        }
        Ok(())
    }
}
