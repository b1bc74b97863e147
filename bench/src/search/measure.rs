//! Times searches through the app's own service functions (the same code the REST handlers call,
//! without HTTP): message search as an agent, a supervisor and an admin, and knowledge-base search.

use super::generate::BenchAccount;
use crate::histogram::Histogram;
use std::time::Instant;
use switchboard_app::{Actor, App, KbSearch, MessageSearch, Principal};
use switchboard_domain::permissions::{BuiltinRole, DataScope};
use switchboard_domain::values::Locale;
use switchboard_domain::{TeamId, TokenId, UserId};

/// Queries people type: common and rare words, Chinese, English and mixed.
pub const MESSAGE_QUERIES: &[(&str, &str)] = &[
    ("zh common", "退款"),
    ("zh common", "快递"),
    ("zh common", "优惠券"),
    ("zh phrase", "申请退款"),
    ("zh phrase", "收货地址"),
    ("zh phrase", "质量问题 换货"),
    ("en common", "refund"),
    ("en common", "order"),
    ("en phrase", "shipping address"),
    ("en phrase", "coupon code"),
    ("mixed", "AirPods 没声音"),
    ("mixed", "tracking number 订单"),
    ("mixed", "iPhone 15 充电"),
    ("rare", "戴森吹风机 换货"),
    ("rare", "风控复核"),
    ("rare", "subscription cancel"),
];

pub const KB_QUERIES: &[&str] =
    &["退款", "配送时效", "会员积分 优惠券", "发票", "refund policy", "warranty", "iPhone 退货", "七天无理由退货"];

fn actor(account: &BenchAccount, user: UserId, role: BuiltinRole, scope: DataScope, teams: Vec<TeamId>) -> Actor {
    Actor {
        account_id: account.id,
        principal: Principal::Token { token_id: TokenId::from_i64(1), user_id: user },
        name: format!("{role:?}"),
        permissions: role.permissions(),
        data_scope: scope,
        team_ids: teams,
        locale: Locale::ZhCn,
        time_zone: "Asia/Shanghai".into(),
        ip: "127.0.0.1".into(),
        user_agent: "switchboard-bench".into(),
    }
}

fn line(label: &str, h: &Histogram, extra: &str) {
    println!("{label:<44} {h} {extra}");
}

/// Runs every query `runs` times per actor (after one warm-up round) and prints the percentiles.
pub async fn messages(app: &App, account: &BenchAccount, runs: usize) -> anyhow::Result<()> {
    let people = [
        (
            "agent (own: theirs + team's waiting)",
            actor(account, account.agent, BuiltinRole::Agent, DataScope::Own, vec![account.teams[0]]),
        ),
        (
            "supervisor (teams)",
            actor(account, account.supervisor, BuiltinRole::Supervisor, DataScope::Teams, vec![account.teams[0]]),
        ),
        ("admin (account)", actor(account, account.admin, BuiltinRole::Admin, DataScope::Account, Vec::new())),
    ];
    for (who, actor) in &people {
        let mut all = Histogram::default();
        let mut by_kind: Vec<(&str, Histogram, usize)> = Vec::new();
        for round in 0..=runs {
            for (kind, query) in MESSAGE_QUERIES {
                let request = MessageSearch { query: query.to_string(), ..Default::default() };
                let started = Instant::now();
                let page = app.search_messages(actor, &request).await?;
                let took = started.elapsed();
                if round == 0 {
                    continue;
                }
                all.record(took);
                match by_kind.iter_mut().find(|(k, ..)| k == kind) {
                    Some((_, h, hits)) => {
                        h.record(took);
                        *hits += page.data.len();
                    }
                    None => {
                        let mut h = Histogram::default();
                        h.record(took);
                        by_kind.push((kind, h, page.data.len()));
                    }
                }
            }
        }
        line(&format!("messages, {who}"), &all, "");
        for (kind, h, hits) in &by_kind {
            line(&format!("  {kind}"), h, &format!("({:.1} conversations per page)", *hits as f64 / h.count() as f64));
        }
    }
    Ok(())
}

pub async fn kb(app: &App, account: &BenchAccount, runs: usize) -> anyhow::Result<()> {
    let admin = actor(account, account.admin, BuiltinRole::Admin, DataScope::Account, Vec::new());
    let mut all = Histogram::default();
    for round in 0..=runs {
        for query in KB_QUERIES {
            let request = KbSearch { query: query.to_string(), ..Default::default() };
            let started = Instant::now();
            app.search_kb(&admin, &request).await?;
            if round > 0 {
                all.record(started.elapsed());
            }
        }
    }
    line("knowledge base, admin", &all, "");
    Ok(())
}
