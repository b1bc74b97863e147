//! The FAQ bot: decides, for one customer message, between answering with an FAQ
//! entry, asking "did you mean…", and handing the conversation to a person.
//!
//! Pipeline of [`FaqBot::decide`]:
//! 1. handoff cues (`cues.txt`): an explicit request for a person, anger
//!    (≥ [`ANGER_THRESHOLD`] points), an account-specific lookup;
//! 2. a message with no meaningful unit left after removing greetings, fillers and
//!    stop words ("你好", "在吗", "?") is `Ambiguous`;
//! 3. retrieval over the FAQ index ([`crate::faq_index`]) gives a score in [0, 1];
//! 4. a short bare message without a question ("快递", "发票", "refund") is
//!    `Ambiguous` when it holds a single topic or its best candidates are not
//!    clearly apart;
//! 5. best score < `out_of_scope` → `OutOfScope`; score ≥ `answer` and a margin of
//!    at least `margin` over the runner-up → `Answer`; otherwise `Clarify` with
//!    the 2–3 best candidates.

use serde::{Deserialize, Serialize};

use crate::faq_index::{FaqEntry, Index, Scored, Scoring};
use crate::intent::{ANGER_THRESHOLD, CueReport, Cues};
use crate::lexicon::Lexicon;
use crate::normalize::normalize;

/// A candidate FAQ entry shown to the customer or to the agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub entry_id: String,
    pub question: String,
    pub score: f32,
}

/// Why the bot hands the conversation to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffReason {
    /// The customer asked for a person.
    ExplicitRequest,
    /// The customer is angry or complaining.
    ComplaintAngry,
    /// The customer needs their own order or account looked at.
    AccountSpecific,
    /// The question is not covered by the FAQ.
    OutOfScope,
    /// The message is too vague to act on.
    Ambiguous,
    /// A second turn in a row the bot could not resolve (conversation layer).
    Unresolved,
}

impl HandoffReason {
    /// All reasons, in declaration order.
    pub const ALL: [HandoffReason; 6] = [
        HandoffReason::ExplicitRequest,
        HandoffReason::ComplaintAngry,
        HandoffReason::AccountSpecific,
        HandoffReason::OutOfScope,
        HandoffReason::Ambiguous,
        HandoffReason::Unresolved,
    ];

    /// The snake_case name used by the evaluation set.
    pub fn as_str(self) -> &'static str {
        match self {
            HandoffReason::ExplicitRequest => "explicit_request",
            HandoffReason::ComplaintAngry => "complaint_angry",
            HandoffReason::AccountSpecific => "account_specific",
            HandoffReason::OutOfScope => "out_of_scope",
            HandoffReason::Ambiguous => "ambiguous",
            HandoffReason::Unresolved => "unresolved",
        }
    }

    /// Parses a snake_case name.
    pub fn parse(name: &str) -> Option<HandoffReason> {
        HandoffReason::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl std::fmt::Display for HandoffReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the bot does with a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BotDecision {
    /// Answer with this entry.
    Answer { entry_id: String, score: f32, alternatives: Vec<Candidate> },
    /// Ask "did you mean …" with 2 or 3 candidates.
    Clarify { candidates: Vec<Candidate> },
    /// Hand over to a person; `guesses` help the agent.
    Handoff { reason: HandoffReason, guesses: Vec<Candidate> },
}

impl BotDecision {
    /// The label used for scoring: the entry id for `Answer`, the first
    /// candidate's id for `Clarify` (what the customer sees first), `handoff`.
    pub fn predicted_label(&self) -> &str {
        match self {
            BotDecision::Answer { entry_id, .. } => entry_id,
            BotDecision::Clarify { candidates } => candidates.first().map_or("handoff", |c| c.entry_id.as_str()),
            BotDecision::Handoff { .. } => "handoff",
        }
    }

    /// True for `Handoff`.
    pub fn is_handoff(&self) -> bool {
        matches!(self, BotDecision::Handoff { .. })
    }
}

/// A message of at most this many Han characters / words, without a question,
/// is "bare" ("快递", "退款", "refund"): it needs a clear winner to be answered.
pub const BARE_LENGTH: usize = 4;

/// Decision thresholds (scores are in [0, 1]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BotConfig {
    /// Below this best score the message is out of scope.
    pub out_of_scope: f32,
    /// The same for a message in which the lexicon found no domain concept at all.
    pub out_of_scope_no_concept: f32,
    /// From this best score on (with the margin) the bot answers.
    pub answer: f32,
    /// Minimum lead of the best candidate over the runner-up to answer.
    pub margin: f32,
    /// Lead a bare one-topic message ("快递") needs to be answered at all.
    pub bare_margin: f32,
    /// Candidates within this distance of the best are offered in a clarify.
    pub clarify_window: f32,
    /// Retrieval weights (used when the index is built).
    pub scoring: Scoring,
}

impl Default for BotConfig {
    fn default() -> Self {
        BotConfig {
            out_of_scope: 0.33,
            out_of_scope_no_concept: 0.5,
            answer: 0.5,
            margin: 0.06,
            bare_margin: 0.12,
            clarify_window: 0.12,
            scoring: Scoring::default(),
        }
    }
}

/// Everything the bot saw while deciding, for debugging and agent tooling.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub decision: BotDecision,
    pub cues: CueReport,
    /// Labels of the message's units (`#concept` or word).
    pub units: Vec<String>,
    /// Best candidates with (query coverage, entry coverage, score).
    pub ranked: Vec<(Candidate, f32, f32)>,
}

/// The FAQ bot: an in-memory index over the entries plus the handoff cues.
#[derive(Debug, Clone)]
pub struct FaqBot {
    index: Index,
    cues: Cues,
    config: BotConfig,
}

impl FaqBot {
    /// Builds the bot with the built-in lexicon, cues and thresholds.
    pub fn new(entries: Vec<FaqEntry>) -> FaqBot {
        FaqBot::with_config(entries, BotConfig::default())
    }

    /// Builds the bot with custom thresholds.
    pub fn with_config(entries: Vec<FaqEntry>, config: BotConfig) -> FaqBot {
        // The built-in data is checked by tests; an empty lexicon is the safe fallback.
        let lexicon = Lexicon::builtin().unwrap_or_default();
        let cues = Cues::builtin().unwrap_or_else(|_| Cues::empty());
        FaqBot { index: Index::build(entries, lexicon, config.scoring), cues, config }
    }

    /// The thresholds in use.
    pub fn config(&self) -> BotConfig {
        self.config
    }

    /// Replaces the decision thresholds. The index is kept, so `config.scoring`
    /// changes only the query-time weights (`answer_weight` needs a rebuild).
    pub fn set_config(&mut self, config: BotConfig) {
        self.config = config;
        self.index.scoring = config.scoring;
    }

    /// The indexed entries.
    pub fn entries(&self) -> &[FaqEntry] {
        &self.index.entries
    }

    /// The entry with this id.
    pub fn entry(&self, id: &str) -> Option<&FaqEntry> {
        self.index.entries.iter().find(|e| e.id == id)
    }

    /// Decides what to do with one message.
    pub fn decide(&self, message: &str) -> BotDecision {
        self.explain(message).decision
    }

    fn candidate(&self, s: &Scored) -> Candidate {
        let entry = self.index.entries.get(s.doc);
        Candidate {
            entry_id: entry.map(|e| e.id.clone()).unwrap_or_default(),
            question: entry.map(|e| e.question.clone()).unwrap_or_default(),
            score: s.score,
        }
    }

    /// Decides and reports why.
    pub fn explain(&self, message: &str) -> Explanation {
        let cues = self.cues.inspect(message);
        let analysis = self.index.analyze_query(message);
        let scored = self.index.search(&analysis, 5);
        let ranked: Vec<(Candidate, f32, f32)> =
            scored.iter().map(|s| (self.candidate(s), s.query_coverage, s.entry_coverage)).collect();
        let candidates: Vec<Candidate> = ranked.iter().map(|r| r.0.clone()).collect();
        let guesses: Vec<Candidate> = candidates.iter().take(3).cloned().collect();
        let handoff = |reason| BotDecision::Handoff { reason, guesses: guesses.clone() };
        let best = scored.first().map_or(0.0, |s| s.score);
        let second = scored.get(1).map_or(0.0, |s| s.score);
        let margin = best - second;
        let c = &self.config;
        let bare = !cues.question && analysis.length <= BARE_LENGTH;

        let decision = if cues.explicit_request {
            handoff(HandoffReason::ExplicitRequest)
        } else if cues.anger >= ANGER_THRESHOLD {
            handoff(HandoffReason::ComplaintAngry)
        } else if cues.account_specific {
            handoff(HandoffReason::AccountSpecific)
        } else if analysis.units.is_empty() {
            handoff(HandoffReason::Ambiguous)
        } else if best < c.out_of_scope || (analysis.concepts.is_empty() && best < c.out_of_scope_no_concept) {
            handoff(HandoffReason::OutOfScope)
        } else if bare && (analysis.units.len() < 2 || margin < c.bare_margin || best < c.answer) {
            handoff(HandoffReason::Ambiguous)
        } else if best >= c.answer && margin >= c.margin {
            BotDecision::Answer {
                entry_id: candidates.first().map(|x| x.entry_id.clone()).unwrap_or_default(),
                score: best,
                alternatives: candidates.iter().skip(1).take(2).cloned().collect(),
            }
        } else {
            let offered: Vec<Candidate> = candidates
                .iter()
                .enumerate()
                .filter(|(i, x)| *i < 2 || (*i < 3 && best - x.score <= c.clarify_window))
                .map(|(_, x)| x.clone())
                .collect();
            BotDecision::Clarify { candidates: offered }
        };
        Explanation { decision, cues, units: analysis.units.iter().map(|u| u.label.clone()).collect(), ranked }
    }
}

/// Conversation-level state: turns a second unresolved turn in a row into a
/// handoff, and resolves a reply that picks one of the offered candidates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BotConversation {
    /// Candidates offered by the previous turn's `Clarify` (empty otherwise).
    pub pending: Vec<Candidate>,
    /// Consecutive turns the bot could not resolve.
    pub unresolved_turns: u32,
}

const PICK_WORDS: [&[&str]; 3] = [
    &["1", "第一个", "第一", "first", "the first one", "first one", "一"],
    &["2", "第二个", "第二", "second", "the second one", "second one", "二"],
    &["3", "第三个", "第三", "third", "the third one", "third one", "三"],
];

impl BotConversation {
    /// A fresh conversation.
    pub fn new() -> BotConversation {
        BotConversation::default()
    }

    /// Handles one customer message.
    pub fn on_message(&mut self, bot: &FaqBot, message: &str) -> BotDecision {
        if let Some(pick) = self.picked(message) {
            let alternatives = self.pending.iter().filter(|c| c.entry_id != pick.entry_id).cloned().collect();
            self.pending.clear();
            self.unresolved_turns = 0;
            return BotDecision::Answer { entry_id: pick.entry_id, score: pick.score, alternatives };
        }
        let decision = bot.decide(message);
        let after_clarify = !self.pending.is_empty();
        let unresolved = match &decision {
            BotDecision::Clarify { .. } => true,
            BotDecision::Handoff { reason, .. } => {
                matches!(reason, HandoffReason::OutOfScope | HandoffReason::Ambiguous)
            }
            BotDecision::Answer { .. } => false,
        };
        if !unresolved {
            self.pending.clear();
            self.unresolved_turns = 0;
            return decision;
        }
        self.unresolved_turns += 1;
        if after_clarify {
            let mut guesses = match decision {
                BotDecision::Clarify { candidates } => candidates,
                BotDecision::Handoff { guesses, .. } => guesses,
                BotDecision::Answer { .. } => Vec::new(),
            };
            if guesses.is_empty() {
                guesses = std::mem::take(&mut self.pending);
            }
            self.pending.clear();
            return BotDecision::Handoff { reason: HandoffReason::Unresolved, guesses };
        }
        if let BotDecision::Clarify { candidates } = &decision {
            self.pending = candidates.clone();
        }
        decision
    }

    /// The pending candidate the message picks ("1", "第二个", or its question).
    fn picked(&self, message: &str) -> Option<Candidate> {
        if self.pending.is_empty() {
            return None;
        }
        let norm = normalize(message);
        let text = norm.trim().trim_matches(|c: char| !c.is_alphanumeric()).trim();
        for (i, words) in PICK_WORDS.iter().enumerate() {
            if words.contains(&text)
                && let Some(c) = self.pending.get(i)
            {
                return Some(c.clone());
            }
        }
        let strip = |s: &str| -> String { normalize(s).chars().filter(|c| c.is_alphanumeric()).collect() };
        let wanted = strip(message);
        self.pending.iter().find(|c| !wanted.is_empty() && strip(&c.question) == wanted).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, q: &str, similar: &[&str], answer: &str) -> FaqEntry {
        FaqEntry {
            id: id.into(),
            category: String::new(),
            question: q.into(),
            similar: similar.iter().map(|s| s.to_string()).collect(),
            answer: answer.into(),
            lang: "zh".into(),
        }
    }

    fn kb() -> Vec<FaqEntry> {
        vec![
            entry(
                "refund-time",
                "退款多久能到账？",
                &["退款什么时候到账", "退款到银行卡要几天"],
                "审核通过后1-7个工作日原路退回。",
            ),
            entry("return-how", "如何申请退货？", &["怎么退货", "退货流程是什么"], "在我的订单中点击申请售后。"),
            entry("invoice", "如何开具发票？", &["怎么开发票", "需要发票怎么办"], "在订单详情中申请开票。"),
            entry("hours", "客服工作时间是几点到几点？", &["客服几点上班", "人工客服服务时间"], "每天9:00-22:00。"),
            entry("shipping-fee", "运费怎么算？满多少包邮？", &["包邮吗", "运费多少钱"], "满99元包邮。"),
            entry("tracking", "如何查询物流信息？", &["怎么查快递", "物流进度在哪看"], "在订单详情查看物流。"),
            entry(
                "password",
                "忘记登录密码怎么办？",
                &["密码忘了", "怎么重置密码"],
                "点击忘记密码，通过短信验证码重置。",
            ),
            entry("warranty", "商品保修期是多久？", &["保修多久", "有保修吗"], "电子产品保修一年。"),
        ]
    }

    fn reason(d: &BotDecision) -> Option<HandoffReason> {
        match d {
            BotDecision::Handoff { reason, .. } => Some(*reason),
            _ => None,
        }
    }

    #[test]
    fn explicit_request_for_a_person() {
        let bot = FaqBot::new(kb());
        for msg in ["转人工", "talk to a human", "我要找真人 别用机器人回复我", "人工客服"] {
            assert_eq!(reason(&bot.decide(msg)), Some(HandoffReason::ExplicitRequest), "{msg}");
        }
        // Asking for the hours of the human service is an FAQ, not a request.
        assert_eq!(bot.decide("人工客服几点上班").predicted_label(), "hours");
    }

    #[test]
    fn angry_complaint() {
        let bot = FaqBot::new(kb());
        for msg in ["你们这什么垃圾平台 骗子！退款拖了一个月", "This is ridiculous, worst service ever!!"]
        {
            assert_eq!(reason(&bot.decide(msg)), Some(HandoffReason::ComplaintAngry), "{msg}");
        }
    }

    #[test]
    fn account_specific_lookup() {
        let bot = FaqBot::new(kb());
        for msg in
            ["my order 2024061800123 where is it", "帮我查下订单2024061800123现在什么情况", "我账户里还有多少积分"]
        {
            assert_eq!(reason(&bot.decide(msg)), Some(HandoffReason::AccountSpecific), "{msg}");
        }
    }

    #[test]
    fn exact_question_is_answered() {
        let bot = FaqBot::new(kb());
        for e in kb() {
            match bot.decide(&e.question) {
                BotDecision::Answer { entry_id, score, .. } => {
                    assert_eq!(entry_id, e.id);
                    assert!(score > 0.5);
                }
                other => panic!("{}: {other:?}", e.question),
            }
        }
        // Cross-language: an English question about a Chinese entry.
        assert_eq!(bot.decide("how long does a refund take?").predicted_label(), "refund-time");
    }

    #[test]
    fn unrelated_question_is_out_of_scope() {
        let bot = FaqBot::new(kb());
        for msg in ["今天北京天气怎么样", "can you recommend a gaming laptop under 5000"] {
            assert_eq!(reason(&bot.decide(msg)), Some(HandoffReason::OutOfScope), "{msg}");
        }
    }

    #[test]
    fn vague_message_is_ambiguous() {
        let bot = FaqBot::new(kb());
        for msg in ["快递", "退款", "你好", "在吗", "？", "hello"] {
            assert_eq!(reason(&bot.decide(msg)), Some(HandoffReason::Ambiguous), "{msg}");
        }
    }

    #[test]
    fn reason_names() {
        for r in HandoffReason::ALL {
            assert_eq!(HandoffReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(HandoffReason::ComplaintAngry.as_str(), "complaint_angry");
        let json = serde_json::to_string(&HandoffReason::OutOfScope).unwrap_or_default();
        assert_eq!(json, "\"out_of_scope\"");
    }

    /// A bot that never answers outright: every in-scope message is a clarify.
    fn clarifying_bot() -> FaqBot {
        FaqBot::with_config(kb(), BotConfig { margin: 2.0, ..BotConfig::default() })
    }

    #[test]
    fn second_unresolved_turn_is_handed_over() {
        let bot = clarifying_bot();
        let mut conv = BotConversation::new();
        let first = conv.on_message(&bot, "退款多久能到账");
        assert!(matches!(first, BotDecision::Clarify { .. }), "{first:?}");
        assert!((2..=3).contains(&conv.pending.len()), "{:?}", conv.pending);
        let second = conv.on_message(&bot, "退款什么时候到账");
        match second {
            BotDecision::Handoff { reason, guesses } => {
                assert_eq!(reason, HandoffReason::Unresolved);
                assert!(!guesses.is_empty());
            }
            other => panic!("{other:?}"),
        }
        assert!(conv.pending.is_empty());
    }

    #[test]
    fn out_of_scope_after_clarify_is_unresolved() {
        let bot = clarifying_bot();
        let mut conv = BotConversation::new();
        assert!(matches!(conv.on_message(&bot, "退款多久能到账"), BotDecision::Clarify { .. }));
        let d = conv.on_message(&bot, "今天北京天气怎么样");
        assert_eq!(reason(&d), Some(HandoffReason::Unresolved));
    }

    #[test]
    fn picking_a_candidate_answers() {
        let bot = clarifying_bot();
        let mut conv = BotConversation::new();
        let BotDecision::Clarify { candidates } = conv.on_message(&bot, "退款多久能到账") else {
            panic!("expected a clarify");
        };
        let d = conv.on_message(&bot, "2");
        match d {
            BotDecision::Answer { entry_id, .. } => assert_eq!(entry_id, candidates[1].entry_id),
            other => panic!("{other:?}"),
        }
        assert_eq!(conv, BotConversation::default());
    }

    #[test]
    fn answer_and_explicit_handoff_reset_the_state() {
        let bot = FaqBot::new(kb());
        let mut conv = BotConversation {
            pending: vec![Candidate {
                entry_id: "invoice".into(), question: "如何开具发票？".into(), score: 0.5
            }],
            unresolved_turns: 1,
        };
        let d = conv.on_message(&bot, "忘记登录密码怎么办？");
        assert_eq!(d.predicted_label(), "password");
        assert_eq!(conv, BotConversation::default());
        conv.pending = vec![];
        let d = conv.on_message(&bot, "转人工");
        assert_eq!(reason(&d), Some(HandoffReason::ExplicitRequest));
    }

    #[test]
    fn conversation_state_round_trips_as_json() {
        let conv = BotConversation {
            pending: vec![Candidate { entry_id: "a".into(), question: "q".into(), score: 0.25 }],
            unresolved_turns: 1,
        };
        let json = serde_json::to_string(&conv).unwrap_or_default();
        let back: BotConversation = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, conv);
        let d = BotDecision::Handoff { reason: HandoffReason::Ambiguous, guesses: vec![] };
        let json = serde_json::to_string(&d).unwrap_or_default();
        assert_eq!(json, r#"{"kind":"handoff","reason":"ambiguous","guesses":[]}"#);
    }
}
