//! `switchboard demo`: fills an account with realistic demo data. Running it again adds what is
//! missing and changes nothing else. It grows with every capability (customers arrive with contacts).
//! The knowledge base (80 FAQ entries, help-center articles) comes from `demo_kb`.

use crate::cli::DemoArgs;
use crate::commands::explain;
use anyhow::Context;
use switchboard_app::{Actor, App, AppError, PageRequest};
use switchboard_domain::TeamId;
use switchboard_domain::requests::{NewAccountInput, NewUserInput, TeamInput};

const TEAMS: &[(&str, &str)] = &[
    ("售前咨询", "Pre-sales: products, prices, stock, promotions"),
    ("售后服务", "After-sales: returns, refunds, repairs, complaints"),
    ("VIP 专席", "Dedicated desk for VIP members"),
    ("技术支持", "Technical support for devices and apps"),
];

/// (name, email local part, role, locale, team indexes)
const PEOPLE: &[(&str, &str, &str, &str, &[usize])] = &[
    ("王芳", "wang.fang", "supervisor", "zh-CN", &[0, 2]),
    ("Emily Carter", "emily.carter", "supervisor", "en", &[1, 3]),
    ("李娜", "li.na", "agent", "zh-CN", &[0]),
    ("张伟", "zhang.wei", "agent", "zh-CN", &[0]),
    ("刘洋", "liu.yang", "agent", "zh-CN", &[0, 2]),
    ("陈静", "chen.jing", "agent", "zh-CN", &[1]),
    ("杨磊", "yang.lei", "agent", "zh-CN", &[1]),
    ("赵敏", "zhao.min", "agent", "zh-CN", &[1, 2]),
    ("黄晓明", "huang.xiaoming", "agent", "zh-CN", &[2]),
    ("周杰", "zhou.jie", "agent", "zh-CN", &[3]),
    ("吴婷", "wu.ting", "agent", "zh-CN", &[3, 1]),
    ("Daniel Kim", "daniel.kim", "agent", "en", &[3]),
];

pub async fn fill(app: &App, args: &DemoArgs) -> anyhow::Result<()> {
    let account = match app.account_by_slug(&args.account).await.map_err(explain)? {
        Some(account) => account,
        None => {
            let password = match crate::commands::read_password(&args.password) {
                Ok(password) => password,
                Err(_) => {
                    let generated = format!("demo-{:012x}", rand_u64() & 0xffff_ffff_ffff);
                    println!("admin password (generated): {generated}");
                    generated
                }
            };
            let account_input = NewAccountInput {
                name: Some("示例商城 Demo Shop".into()),
                slug: Some(args.account.clone()),
                default_locale: Some("zh-CN".into()),
                time_zone: Some("Asia/Shanghai".into()),
            };
            let admin = NewUserInput {
                name: Some("系统管理员".into()),
                email: Some(format!("admin@{}.example.com", args.account)),
                password: Some(password),
                role: Some("admin".into()),
                ..Default::default()
            };
            let origin = switchboard_app::accounts::Origin { label: "demo".into(), ..Default::default() };
            let (account, admin) = app.create_account(&account_input, &admin, &origin, false).await.map_err(explain)?;
            println!("created account {} (slug {}) with admin {}", account.name, account.slug, admin.email);
            account
        }
    };
    let actor = Actor::system(account.id, "demo");
    let existing_teams =
        app.list_teams(&actor, None, &PageRequest { cursor: None, limit: Some(200) }).await.map_err(explain)?.data;
    let mut team_ids: Vec<TeamId> = Vec::new();
    for (name, description) in TEAMS {
        let id = match existing_teams.iter().find(|t| t.name == *name) {
            Some(team) => team.id,
            None => {
                let input = TeamInput {
                    name: Some((*name).into()),
                    description: Some((*description).into()),
                    member_ids: None,
                };
                app.create_team(&actor, &input).await.map_err(explain)?.id
            }
        };
        team_ids.push(id);
    }
    let mut created = 0;
    for (name, local, role, locale, teams) in PEOPLE {
        let email = format!("{local}@{}.example.com", account.slug);
        if app.user_by_email(account.id, &email).await.map_err(explain)?.is_none() {
            {
                let input = NewUserInput {
                    name: Some((*name).into()),
                    email: Some(email.clone()),
                    password: Some(format!("{:016x}{:016x}", rand_u64(), rand_u64())),
                    role: Some((*role).into()),
                    locale: Some((*locale).into()),
                    team_ids: teams.iter().map(|i| team_ids[*i]).collect(),
                    ..Default::default()
                };
                match app.create_user(&actor, &input).await {
                    Ok(_) => created += 1,
                    Err(AppError::Conflict(_)) => {}
                    Err(other) => return Err(explain(other)).context("while creating demo users"),
                }
            }
        }
    }
    crate::demo_kb::fill(app, &actor).await.context("while filling the knowledge base")?;
    let conversations =
        crate::demo_inbox::fill(app, &actor, &team_ids).await.context("while opening demo conversations")?;
    println!(
        "demo account `{}`: {} teams, {} people ({created} new), {conversations} new customer conversations. \
         Demo users get random passwords: \
         set one with `switchboard user reset-password --account {} --email EMAIL --password-file FILE`.",
        account.slug,
        TEAMS.len(),
        PEOPLE.len(),
        account.slug
    );
    Ok(())
}

fn rand_u64() -> u64 {
    rand::random()
}
