//! Latency benchmark of `FaqBot::decide` on a synthetic 10,000-entry FAQ.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-text cargo run --release --example bot_bench [-- --kb PATH --entries N --calls N]
//! ```
//!
//! The FAQ is generated deterministically by recombining the real entries'
//! phrasings (question, similar questions, answer) with product nouns, model
//! numbers and phrases borrowed from other entries, so the vocabulary and the
//! posting-list lengths look like a big shop's FAQ rather than random text. The
//! messages are the evaluation questions (when found) plus variants of them.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use switchboard_text::{EvalQuestion, FaqBot, FaqEntry, parse_jsonl};

const PRODUCTS_ZH: &[&str] = &[
    "羽绒服",
    "运动鞋",
    "蓝牙耳机",
    "电动牙刷",
    "空气炸锅",
    "扫地机器人",
    "笔记本电脑",
    "机械键盘",
    "保温杯",
    "儿童推车",
    "面膜",
    "洗发水",
    "智能手表",
    "吹风机",
    "电饭煲",
    "行李箱",
    "台灯",
    "床上四件套",
    "瑜伽垫",
    "咖啡机",
    "猫粮",
    "净水器",
    "投影仪",
    "登山包",
];
const PRODUCTS_EN: &[&str] = &[
    "down jacket",
    "running shoes",
    "wireless earbuds",
    "air fryer",
    "robot vacuum",
    "laptop",
    "mechanical keyboard",
    "smart watch",
    "hair dryer",
    "rice cooker",
    "suitcase",
    "desk lamp",
    "yoga mat",
    "coffee machine",
    "projector",
    "backpack",
];
const CONTEXTS_ZH: &[&str] =
    &["大促期间", "会员专享", "618活动", "双11", "新品首发", "清仓特卖", "海外直邮", "门店自提"];

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

fn synthetic_faq(base: &[FaqEntry], n: usize) -> Vec<FaqEntry> {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    (0..n)
        .map(|i| {
            let b = &base[i % base.len()];
            let other = rng.pick(base);
            let model = rng.next() % 9000 + 1000;
            let en = b.lang == "en";
            let product = if en { *rng.pick(PRODUCTS_EN) } else { *rng.pick(PRODUCTS_ZH) };
            let context = *rng.pick(CONTEXTS_ZH);
            let question = if en {
                format!("{} ({} model {})", b.question, product, model)
            } else {
                format!("{}{}：{}", context, product, b.question)
            };
            let mut similar: Vec<String> = b
                .similar
                .iter()
                .map(|s| if en { format!("{s} for the {product}") } else { format!("{product}{s}") })
                .collect();
            if let Some(s) = other.similar.first() {
                similar.push(format!("{product} {s}"));
            }
            let answer = if en {
                format!("{} This applies to the {} series, model {}.", b.answer, product, model)
            } else {
                format!("{}本条适用于{}系列（型号{}），{}期间规则相同。", b.answer, product, model, context)
            };
            FaqEntry {
                id: format!("syn-{i:05}"),
                category: b.category.clone(),
                question,
                similar,
                answer,
                lang: b.lang.clone(),
            }
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn load<T: serde::de::DeserializeOwned>(path: &PathBuf) -> Vec<T> {
    std::fs::read_to_string(path).ok().and_then(|t| parse_jsonl(&t).ok()).unwrap_or_default()
}

fn main() -> ExitCode {
    let default_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/boteval");
    let mut kb_path = default_dir.join("kb.jsonl");
    let mut entries = 10_000usize;
    let mut calls = 20_000usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value) {
            ("--kb", Some(v)) => kb_path = PathBuf::from(v),
            ("--entries", Some(v)) => entries = v.parse().unwrap_or(entries),
            ("--calls", Some(v)) => calls = v.parse().unwrap_or(calls),
            _ => {
                eprintln!("usage: bot_bench [--kb PATH] [--entries N] [--calls N]");
                return ExitCode::FAILURE;
            }
        }
    }
    let base: Vec<FaqEntry> = load(&kb_path);
    if base.is_empty() {
        eprintln!("bot_bench: no FAQ entries at {}", kb_path.display());
        return ExitCode::FAILURE;
    }
    let dir = kb_path.parent().map(PathBuf::from).unwrap_or_default();
    let mut messages: Vec<String> = load::<EvalQuestion>(&dir.join("dev.jsonl"))
        .into_iter()
        .chain(load::<EvalQuestion>(&dir.join("handoff_dev.jsonl")))
        .map(|q| q.q)
        .collect();
    messages.extend(base.iter().flat_map(|e| e.similar.iter().cloned()));
    // Longer, noisier variants: two messages glued together with a product noun.
    let mut rng = Rng(42);
    let glued: Vec<String> = (0..200)
        .map(|_| format!("{} {} {}", rng.pick(&messages), rng.pick(PRODUCTS_ZH), rng.pick(&messages)))
        .collect();
    messages.extend(glued);

    let faq = synthetic_faq(&base, entries);
    // jieba's dictionary is loaded once per process, on first use; time it apart.
    let started = Instant::now();
    let _ = switchboard_text::tokenize("预热");
    let jieba_load = started.elapsed();
    let started = Instant::now();
    let bot = FaqBot::new(faq);
    let build = started.elapsed();

    let mut times = Vec::with_capacity(calls);
    let mut answers = 0usize;
    let started = Instant::now();
    for i in 0..calls {
        let msg = &messages[i % messages.len()];
        let t = Instant::now();
        let d = bot.decide(msg);
        times.push(t.elapsed());
        if matches!(d, switchboard_text::BotDecision::Answer { .. }) {
            answers += 1;
        }
    }
    let wall = started.elapsed();
    times.sort();
    println!("entries: {entries} (synthetic, from {} real ones)", base.len());
    println!("jieba dictionary load (once per process): {jieba_load:.2?}");
    println!("index build: {build:.2?}");
    println!("decide calls: {calls} over {} distinct messages, {answers} answers, total {wall:.2?}", messages.len());
    println!(
        "p50={:.3?} p95={:.3?} p99={:.3?} max={:.3?}",
        percentile(&times, 0.50),
        percentile(&times, 0.95),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or_default()
    );
    ExitCode::SUCCESS
}
