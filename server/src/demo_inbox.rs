//! Demo customers and their conversations: an API channel, customers who wrote in about realistic
//! things, some waiting in a team's queue, some already with an agent and answered. Runs once per
//! account (the channel's existence marks it done).

use crate::commands::explain;
use switchboard_app::{Actor, App, AppError, PageRequest, UserFilter};
use switchboard_domain::TeamId;
use switchboard_domain::conversations::{
    AssignInput, ContactInput, NewChannelInput, NewConversationInput, NewMessageInput,
};

const CHANNEL: &str = "官网与 App（API）";

/// (customer, email, external id, team index, first message, agent reply or "")
const CUSTOMERS: &[(&str, &str, &str, usize, &str, &str)] = &[
    (
        "陈晓红",
        "xiaohong.chen@example.com",
        "crm-10021",
        1,
        "你好，我昨天收到的吹风机不能开机，可以换货吗？",
        "您好，非常抱歉给您带来不便。签收 7 天内质量问题可以直接换新，我现在帮您登记。",
    ),
    ("刘建国", "jianguo.liu@example.com", "crm-10022", 0, "这款空气净化器适合 30 平米的房间吗？", ""),
    (
        "Sarah Miller",
        "sarah.miller@example.com",
        "crm-10023",
        1,
        "My parcel shows delivered but I never received it.",
        "",
    ),
    (
        "王磊",
        "lei.wang@example.com",
        "crm-10024",
        2,
        "会员积分怎么兑换优惠券？我是钻石会员",
        "王先生您好，在“我的-积分商城”里选择优惠券即可兑换，钻石会员每月还有双倍积分活动。",
    ),
    ("赵婷", "ting.zhao@example.com", "crm-10025", 1, "退货寄回去一周了，退款还没到账", ""),
    ("孙浩", "hao.sun@example.com", "crm-10026", 3, "App 登录一直提示验证码错误", ""),
    (
        "Kenji Tanaka",
        "kenji.tanaka@example.com",
        "crm-10027",
        0,
        "Do you ship to Japan, and how long does it take?",
        "Yes, we ship to Japan; delivery usually takes 5-8 business days.",
    ),
    ("周敏", "min.zhou@example.com", "crm-10028", 0, "双十一的满减活动可以和优惠券一起用吗？", ""),
];

pub async fn fill(app: &App, actor: &Actor, team_ids: &[TeamId]) -> anyhow::Result<usize> {
    let channels = app.list_channels(actor, &PageRequest { cursor: None, limit: Some(200) }).await.map_err(explain)?;
    if channels.data.iter().any(|c| c.name == CHANNEL) {
        return Ok(0);
    }
    let input = NewChannelInput { name: Some(CHANNEL.into()), kind: Some("api".into()) };
    let channel = match app.create_channel(actor, &input).await {
        Ok(channel) => channel,
        Err(AppError::Conflict(_)) => return Ok(0),
        Err(other) => return Err(explain(other)),
    };
    let agents = app
        .list_users(actor, &UserFilter::default(), &PageRequest { cursor: None, limit: Some(200) })
        .await
        .map_err(explain)?
        .data;
    let mut opened = 0;
    for (name, email, external_id, team, first, reply) in CUSTOMERS {
        let team_id = team_ids.get(*team).copied();
        let input = NewConversationInput {
            channel_id: Some(channel.id),
            contact: Some(ContactInput {
                name: Some((*name).into()),
                email: Some((*email).into()),
                external_id: Some((*external_id).into()),
                ..Default::default()
            }),
            team_id,
            message: Some((*first).into()),
            ..Default::default()
        };
        let (conversation, _) = app.create_conversation(actor, &input).await.map_err(explain)?;
        opened += 1;
        if reply.is_empty() {
            continue;
        }
        // An agent of the conversation's team took it and answered.
        let agent = agents.iter().find(|u| team_id.is_some_and(|t| u.team_ids.contains(&t)));
        if let Some(agent) = agent {
            let assign = AssignInput { assignee_id: Some(agent.id), ..Default::default() };
            app.assign_conversation(actor, conversation.id, &assign).await.map_err(explain)?;
            let message = NewMessageInput {
                text: Some((*reply).into()),
                client_id: Some(format!("demo-{}", conversation.id)),
                ..Default::default()
            };
            app.send_message(actor, conversation.id, &message).await.map_err(explain)?;
        }
    }
    Ok(opened)
}
