//! Text processing and the FAQ bot engine of Switchboard.
//!
//! * [`tokenize()`] / [`tokenize_query`]: the one tokenizer for the database
//!   full-text index and for queries (jieba for Chinese, Unicode word rules for
//!   everything else, lower-cased, full-width folded, punctuation and emoji dropped).
//! * [`render_markdown`] / [`plain_text`]: KB article bodies, sanitized; [`snippet`]: highlighted
//!   search snippets; [`rank::bm25`]: the one ranking of full-text candidates.
//! * [`FaqBot`]: answers, clarifies or hands over a customer message, using a
//!   domain lexicon (`src/lexicon.txt`), handoff cues (`src/cues.txt`) and an
//!   inverted index over the FAQ entries. No generative model, no network.
//! * [`BotConversation`]: per-conversation state that turns a second unresolved
//!   turn into a handoff.
//! * [`evaluate()`]: scores the bot on a labelled set (see `docs/bot.md`).

mod analyze;
pub mod bot;
pub mod eval;
pub mod faq_index;
mod fxhash;
pub mod intent;
pub mod lexicon;
pub mod markdown;
pub mod normalize;
pub mod rank;
pub mod snippet;
pub mod tokenize;

pub use bot::{BotConfig, BotConversation, BotDecision, Candidate, Explanation, FaqBot, HandoffReason};
pub use eval::{Confusion, EvalQuestion, EvalReport, JsonlError, ReasonStats, evaluate, parse_jsonl};
pub use faq_index::{FaqEntry, Scoring};
pub use markdown::{plain_text, render_markdown};
pub use snippet::{escape_html, snippet};
pub use tokenize::{is_stop_word, tokenize, tokenize_query};
