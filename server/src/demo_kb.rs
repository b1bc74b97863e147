//! The demo's knowledge base: the project's 80 FAQ entries (the bot evaluation set) and a few
//! help-center articles in Chinese and English. Running the demo again changes nothing.

use crate::commands::explain;
use switchboard_app::{Actor, App, FaqFormat};
use switchboard_domain::kb::KbStatus;
use switchboard_domain::kb_requests::ArticleInput;

const FAQ_FILE: &str = include_str!("../demo/kb.jsonl");

/// (slug, title, locale, tags, Markdown body)
const ARTICLES: &[(&str, &str, &str, &[&str], &str)] = &[
    (
        "refund-policy-zh",
        "退款政策",
        "zh-CN",
        &["退款", "售后"],
        "## 可以退款的情况\n\n- 签收后 **7 天内**，商品未使用、包装完好，可申请七天无理由退货退款；\n- 商品有质量问题，15 天内可退货或换货，运费由我们承担。\n\n## 退款多久到账\n\n仓库签收退货后 48 小时内审核，审核通过后款项**原路退回**：\n\n| 支付方式 | 到账时间 |\n|---|---|\n| 微信支付 / 支付宝 | 1-3 个工作日 |\n| 银行卡 | 3-7 个工作日 |\n\n如超过时间仍未到账，请联系在线客服或拨打 400-820-1234。",
    ),
    (
        "shipping-times-zh",
        "配送时效与运费",
        "zh-CN",
        &["配送", "运费"],
        "订单支付后 **48 小时内**发货（预售商品以页面说明为准）。\n\n- 江浙沪次日达，其他地区一般 2-4 天送达；\n- 单笔订单满 **99 元包邮**，不满收取 8 元运费；\n- 偏远地区（新疆、西藏等）可能延迟 2-3 天。\n\n发货后可在“我的订单 - 查看物流”中跟踪包裹。",
    ),
    (
        "vip-membership-zh",
        "VIP 会员权益说明",
        "zh-CN",
        &["会员", "积分"],
        "开通 VIP 会员后可享受：\n\n1. 全场包邮，不限金额；\n2. 每月领取 3 张专属优惠券；\n3. 生日当月购物**双倍积分**；\n4. 专属客服通道，优先处理售后。\n\n积分可在结算时抵扣，100 积分 = 1 元。",
    ),
    (
        "refund-policy",
        "Refund policy",
        "en",
        &["refund", "returns"],
        "## When can I get a refund?\n\nYou can return unused items in their original packaging **within 7 days** of delivery. Faulty items can be returned or exchanged within 15 days, and we pay the return shipping.\n\n## How long does a refund take?\n\nOnce the warehouse receives the return we review it within 48 hours; the money goes back to the **original payment method** within 1-7 business days.",
    ),
    (
        "contact-us",
        "How to contact customer service",
        "en",
        &["contact"],
        "Our agents are online **09:00-21:00 (China Standard Time)** every day.\n\n- Live chat: the chat button at the bottom right of every page\n- Phone: 400-820-1234\n- Email: [support@shop-example.com](mailto:support@shop-example.com)\n\nOutside these hours leave a message and we will reply the next morning.",
    ),
];

pub async fn fill(app: &App, actor: &Actor) -> anyhow::Result<()> {
    let report = app.import_kb_faqs(actor, FAQ_FILE, FaqFormat::Jsonl, false, &mut |_, _| {}).await.map_err(explain)?;
    let mut created = 0;
    for (slug, title, locale, tags, body) in ARTICLES {
        if app.kb_article_by_slug(actor, slug).await.map_err(explain)?.is_some() {
            continue;
        }
        let input = ArticleInput {
            title: Some((*title).into()),
            slug: Some((*slug).into()),
            body: Some((*body).into()),
            tags: Some(tags.iter().map(|t| t.to_string()).collect()),
            category_id: None,
            locale: Some((*locale).into()),
        };
        let article = app.create_kb_article(actor, &input).await.map_err(explain)?;
        app.set_kb_article_status(actor, article.id, KbStatus::Published).await.map_err(explain)?;
        created += 1;
    }
    println!(
        "knowledge base: {} FAQ entries ({} new, {} updated), {} articles ({created} new)",
        report.lines,
        report.created,
        report.updated,
        ARTICLES.len()
    );
    Ok(())
}
