//! Optional generative answers (`[bot.generative]`, docs/bot.md): when retrieval found relevant
//! passages but is not sure enough to answer, an OpenAI-compatible chat model is asked to answer
//! from those passages only, citing them as [1], [2], or to say `NO_ANSWER`. Anything else — no
//! passages, `NO_ANSWER`, an error, the timeout — leaves the retrieval bot's decision as it was.

use serde::Deserialize;
use std::time::Duration;

/// Where the model is and how long the bot waits for it.
#[derive(Clone)]
pub struct GenerativeSettings {
    /// The API base: `POST {url}/chat/completions`.
    pub url: String,
    /// Sent as `Authorization: Bearer …`; never logged.
    pub api_key: String,
    pub model: String,
    pub timeout: Duration,
}

impl std::fmt::Debug for GenerativeSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenerativeSettings")
            .field("url", &self.url)
            .field("api_key", &if self.api_key.is_empty() { "" } else { "***" })
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The model's exact answer when the passages do not hold the answer.
pub const NO_ANSWER: &str = "NO_ANSWER";
/// At most this many characters of a passage go into the prompt.
pub const PASSAGE_CHARS: usize = 800;

/// A knowledge-base text the model may answer from.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    /// `faq` or `article`.
    pub kind: &'static str,
    /// The FAQ entry id as the bot knows it, or the article id.
    pub id: String,
    pub title: String,
    pub text: String,
    /// Where a reader finds it (articles: the help center page).
    pub url: Option<String>,
}

/// The model's answer and the passages it cited (1-based numbers into the passages given).
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    pub text: String,
    pub cited: Vec<usize>,
}

/// The system prompt: answer from the numbered passages only, cite them, or say NO_ANSWER.
pub fn system_prompt(passages: &[Passage], zh: bool) -> String {
    let language = if zh { "Simplified Chinese" } else { "the customer's language" };
    let mut prompt = format!(
        "You are the customer-service assistant of an online shop. Answer the customer's question using ONLY \
         the numbered knowledge-base passages below. Cite the passages you used as [1], [2] right after the \
         sentences they support. Answer briefly, in {language}. If the passages do not contain the answer, \
         reply with exactly {NO_ANSWER} and nothing else. Never invent policies, numbers, links or facts that \
         are not in the passages.\n\nPassages:\n"
    );
    for (i, p) in passages.iter().enumerate() {
        let text: String = p.text.chars().take(PASSAGE_CHARS).collect();
        prompt.push_str(&format!("[{}] {}\n{}\n\n", i + 1, p.title.trim(), text.trim()));
    }
    prompt
}

/// The passage numbers an answer cites, in order of first citation, each once and within range.
pub fn citations(text: &str, passages: usize) -> Vec<usize> {
    let mut cited = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find(']') else { break };
        for part in rest[..close].split(',') {
            if let Ok(n) = part.trim().parse::<usize>()
                && (1..=passages).contains(&n)
                && !cited.contains(&n)
            {
                cited.push(n);
            }
        }
    }
    cited
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    #[serde(default)]
    content: Option<String>,
}

/// The client of the model; one per application, cheap to clone.
#[derive(Clone)]
pub struct Generative {
    settings: GenerativeSettings,
    http: reqwest::Client,
}

impl Generative {
    pub fn new(settings: GenerativeSettings) -> Option<Generative> {
        if settings.url.trim().is_empty() {
            return None;
        }
        let http = reqwest::Client::builder().timeout(settings.timeout).build().ok()?;
        Some(Generative { settings, http })
    }

    /// Asks the model. `None` on `NO_ANSWER`, an empty or uncited answer, any error or the timeout.
    pub async fn answer(&self, question: &str, passages: &[Passage], zh: bool) -> Option<Generated> {
        if passages.is_empty() {
            return None;
        }
        let url = format!("{}/chat/completions", self.settings.url.trim_end_matches('/'));
        let body = serde_json::json!({
            "model": self.settings.model,
            "temperature": 0,
            "messages": [
                { "role": "system", "content": system_prompt(passages, zh) },
                { "role": "user", "content": question },
            ],
        });
        let mut request = self.http.post(&url).json(&body);
        if !self.settings.api_key.is_empty() {
            request = request.bearer_auth(&self.settings.api_key);
        }
        let call = async {
            let response = request.send().await.map_err(|e| e.without_url().to_string())?;
            let status = response.status();
            if !status.is_success() {
                return Err(format!("status {status}"));
            }
            response.json::<Completion>().await.map_err(|e| e.without_url().to_string())
        };
        let completion = match tokio::time::timeout(self.settings.timeout, call).await {
            Ok(Ok(completion)) => completion,
            Ok(Err(error)) => {
                tracing::warn!(%error, "the generative model did not answer; the bot answers without it");
                return None;
            }
            Err(_) => {
                tracing::warn!(timeout_ms = self.settings.timeout.as_millis() as u64, "the generative model timed out");
                return None;
            }
        };
        let text = completion.choices.into_iter().next()?.message.content?.trim().to_string();
        if text.is_empty() || text.contains(NO_ANSWER) {
            return None;
        }
        let cited = citations(&text, passages.len());
        if cited.is_empty() {
            // An answer that cites nothing is not known to come from the passages.
            return None;
        }
        Some(Generated { text, cited })
    }
}

/// FAQ candidates below this score are not passages: retrieval found nothing relevant in them.
pub const MIN_PASSAGE_SCORE: f32 = 0.2;
/// At most this many FAQ entries and articles are given to the model.
const FAQ_PASSAGES: usize = 3;
const ARTICLE_PASSAGES: i64 = 2;

/// The candidates of a decision the model may improve on: a "did you mean" or an out-of-scope
/// handoff, where retrieval is unsure. Never a confident answer, a handoff cue (a request for a
/// person, anger, account data), a vague message or a second unresolved turn.
pub(crate) fn unsure(decision: &switchboard_text::BotDecision) -> Option<&[switchboard_text::Candidate]> {
    use switchboard_text::bot::{BotDecision, HandoffReason};
    match decision {
        BotDecision::Clarify { candidates } => Some(candidates),
        BotDecision::Handoff { reason: HandoffReason::OutOfScope, guesses } => Some(guesses),
        _ => None,
    }
}

/// A generative answer ready to post, and the bot state it was decided on.
pub(crate) struct GenerativeTurn {
    /// The conversation's saved bot state when the model was asked.
    pub state: serde_json::Value,
    pub text: String,
    /// The cited passages, in citation order, with their numbers in the answer.
    pub sources: serde_json::Value,
}

impl crate::App {
    /// Whether the model should try this message, and its answer if it gave one. Decided on the
    /// saved state outside the turn's transaction: the model may take seconds, and the bot's turn
    /// holds the conversation's lock. The caller uses it only if the state is still the same.
    pub(crate) async fn generative_turn(
        &self,
        model: &Generative,
        bot: &switchboard_text::FaqBot,
        account: switchboard_domain::AccountId,
        id: switchboard_domain::ConversationId,
        text: &str,
        zh: bool,
    ) -> Result<Option<GenerativeTurn>, crate::AppError> {
        use switchboard_text::bot::BotConversation;
        let saved: serde_json::Value = {
            let mut conn = self.db().read().await?;
            serde_json::from_str(&switchboard_store::repo::inbox::bot_state(&mut conn, account, id).await?)
                .unwrap_or_default()
        };
        if saved.get("mode").and_then(|m| m.as_str()) != Some(crate::bot::ANSWERING) {
            return Ok(None);
        }
        let state = saved.get("state").cloned().unwrap_or_default();
        let mut conversation: BotConversation = serde_json::from_value(state.clone()).unwrap_or_default();
        let decision = conversation.on_message(bot, text);
        let Some(candidates) = unsure(&decision) else { return Ok(None) };
        let mut passages: Vec<Passage> = candidates
            .iter()
            .filter(|c| c.score >= MIN_PASSAGE_SCORE)
            .take(FAQ_PASSAGES)
            .filter_map(|c| bot.entry(&c.entry_id))
            .map(|e| Passage {
                kind: "faq",
                id: e.id.clone(),
                title: e.question.clone(),
                text: e.answer.clone(),
                url: None,
            })
            .collect();
        if !passages.is_empty() {
            passages.extend(self.article_passages(account, text).await?);
        }
        if passages.is_empty() {
            return Ok(None);
        }
        let Some(generated) = model.answer(text, &passages, zh).await else { return Ok(None) };
        let sources: Vec<serde_json::Value> = generated
            .cited
            .iter()
            .filter_map(|n| passages.get(n - 1).map(|p| (n, p)))
            .map(|(n, p)| serde_json::json!({ "n": n, "kind": p.kind, "id": p.id, "title": p.title, "url": p.url }))
            .collect();
        Ok(Some(GenerativeTurn { state, text: generated.text, sources: sources.into() }))
    }

    /// Published articles matching the question, as passages (plain text, the start of the body).
    async fn article_passages(
        &self,
        account: switchboard_domain::AccountId,
        text: &str,
    ) -> Result<Vec<Passage>, crate::AppError> {
        let actor = crate::Actor::system(account, "bot");
        let search = crate::KbSearch {
            query: text.chars().take(500).collect(),
            kind: Some("article".into()),
            status: Some(switchboard_domain::kb::KbStatus::Published),
            limit: Some(ARTICLE_PASSAGES),
            ..Default::default()
        };
        let hits = self.search_kb(&actor, &search).await?;
        if hits.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.db().read().await?;
        let slug = switchboard_store::repo::accounts::get_by_id(&mut conn, account).await?.map(|a| a.slug);
        let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
        let articles = switchboard_store::repo::kb_articles::get_many(&mut conn, account, &ids).await?;
        Ok(ids
            .iter()
            .filter_map(|id| articles.iter().find(|a| a.id.as_i64() == *id))
            .map(|a| Passage {
                kind: "article",
                id: a.id.to_string(),
                title: a.title.clone(),
                text: switchboard_text::plain_text(&a.body).chars().take(PASSAGE_CHARS).collect(),
                url: slug.as_ref().map(|s| format!("/help/{s}/a/{}", a.slug)),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_are_read_once_and_in_range() {
        assert_eq!(citations("Refunds take 3 days [2]. Shipping is free [1][2].", 3), vec![2, 1]);
        assert_eq!(citations("See [1, 3] and [7] and [x]", 3), vec![1, 3]);
        assert!(citations("no citation", 3).is_empty());
    }

    #[test]
    fn the_prompt_numbers_the_passages_and_keys_do_not_print() {
        let p = |t: &str| Passage { kind: "faq", id: "1".into(), title: t.into(), text: "x".repeat(900), url: None };
        let prompt = system_prompt(&[p("A"), p("B")], true);
        assert!(prompt.contains("[1] A\n") && prompt.contains("[2] B\n") && prompt.contains(NO_ANSWER));
        assert!(!prompt.contains(&"x".repeat(PASSAGE_CHARS + 1)));
        let settings = GenerativeSettings {
            url: "http://127.0.0.1:1".into(),
            api_key: "sk-secret".into(),
            model: "m".into(),
            timeout: Duration::from_millis(10),
        };
        assert!(!format!("{settings:?}").contains("sk-secret"));
    }
}
