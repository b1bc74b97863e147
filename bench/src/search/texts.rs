//! Realistic customer-service text, mixed Chinese and English: customers, agents, the bot and
//! internal notes, with order numbers, products and amounts filled in, and knowledge-base articles.

/// A small fast deterministic generator (SplitMix64): the data set is the same for a given seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// 0..n
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

pub const PRODUCTS: &[&str] = &[
    "iPhone 15",
    "iPhone 15 Pro",
    "华为Mate 60",
    "小米14",
    "AirPods Pro",
    "戴森吹风机",
    "蓝牙耳机",
    "充电宝",
    "机械键盘",
    "扫地机器人",
    "空气炸锅",
    "电动牙刷",
    "Kindle",
    "Switch游戏机",
    "羽绒服",
    "运动鞋",
    "婴儿推车",
    "咖啡机",
    "显示器",
    "路由器",
];

const CUSTOMER_ZH: &[&str] = &[
    "你好，我的订单{order}还没有发货，请问什么时候能到？",
    "我想申请退款，{product}有质量问题",
    "快递显示已签收但是我没有收到包裹",
    "发票抬头写错了，能重新开一张吗",
    "会员积分怎么兑换优惠券？",
    "{product}屏幕坏了，可以换货吗",
    "为什么我的退款还没到账，已经过了一周了",
    "地址填错了，能改一下收货地址吗",
    "优惠券用不了，提示不满足使用条件",
    "请问{product}支持七天无理由退货吗",
    "付款失败了，银行卡扣款了但是订单显示未支付",
    "在吗？",
    "{product}充电很慢，是不是坏了",
    "我收到的{product}颜色不对，我买的是黑色",
    "订单{order}能不能加急发货",
    "物流三天没有更新了，帮我查一下",
    "退货的运费谁来出？",
    "我要投诉，客服一直不回复",
    "{product}怎么连接手机蓝牙",
    "包装破损了，里面的东西也摔坏了",
];

const CUSTOMER_EN: &[&str] = &[
    "Hi, my order {order} hasn't arrived yet",
    "I want a refund for the {product}",
    "The {product} stopped working after two days",
    "Can I change the shipping address on my order?",
    "My coupon code {code} doesn't work at checkout",
    "Where can I download the invoice for order {order}?",
    "Payment failed but I was charged {amount}",
    "Is the {product} covered by warranty?",
    "The tracking number shows delivered but nothing came",
    "How do I return an item that arrived damaged?",
    "hello?",
    "Can you cancel my subscription please",
];

const MIXED: &[&str] = &[
    "我的{product}充不进电，order number是{order}",
    "AirPods 左耳没声音，能保修吗",
    "订单 {order} 的 tracking number 是多少？",
    "SKU {code} 还有货吗",
    "refund 什么时候到账？",
    "{product} 的 invoice 怎么开",
    "想退货，{product} size 不合适",
];

const AGENT_ZH: &[&str] = &[
    "您好，很高兴为您服务，请提供一下订单号",
    "已为您查询，订单{order}预计{days}天内送达",
    "退款已提交，款项将在1-7个工作日原路退回",
    "非常抱歉给您带来不便，我们会尽快为您补发",
    "已为您修改收货地址，请放心",
    "麻烦您拍一下{product}的照片发给我们，我们帮您申请换货",
    "优惠券需要满{amount}才能使用哦",
    "发票会在订单完成后24小时内发送到您的邮箱",
    "您的问题已经转给售后专员处理，请耐心等待",
    "请问还有其他可以帮您的吗？",
];

const AGENT_EN: &[&str] = &[
    "Thanks for reaching out! Could you share your order number?",
    "I've issued a refund of {amount} to your original payment method",
    "Your order {order} is on its way and should arrive in {days} days",
    "Sorry about that. I've arranged a replacement {product} for you",
    "I've updated the shipping address for you",
    "Is there anything else I can help you with?",
];

const NOTES: &[&str] = &[
    "内部备注：老客户，态度很好，优先处理",
    "客户情绪激动，注意安抚，已升级给主管",
    "VIP customer, escalate refund approval to finance",
    "疑似恶意退款，已记录，需要风控复核 {order}",
    "已联系仓库核实库存，明天回复客户",
];

const BOT: &[&str] = &[
    "您好，我是智能助手，请问有什么可以帮您？",
    "您是想问以下哪个问题？请回复编号：\n1. 退款多久到账？\n2. 如何修改收货地址？",
    "好的，正在为您转接人工客服，请稍候。",
    "Hi! I'm the assistant. How can I help you today?",
];

pub struct Line {
    pub text: String,
    /// `customer`, `agent`, `bot`
    pub author_kind: &'static str,
    pub private: bool,
}

fn fill(template: &str, rng: &mut Rng) -> String {
    let mut out = template.to_string();
    if out.contains("{order}") {
        out = out.replace("{order}", &format!("{}", 2_024_000_000_000 + rng.below(900_000_000_000)));
    }
    if out.contains("{product}") {
        out = out.replace("{product}", rng.pick(PRODUCTS));
    }
    if out.contains("{code}") {
        let code: String =
            (0..8).map(|_| b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789"[rng.below(32) as usize] as char).collect();
        out = out.replace("{code}", &code);
    }
    if out.contains("{amount}") {
        out = out.replace("{amount}", &format!("¥{}", 9 + rng.below(2000)));
    }
    if out.contains("{days}") {
        out = out.replace("{days}", &format!("{}", 1 + rng.below(6)));
    }
    out
}

/// The `index`-th message of a conversation whose customer writes English when `english`.
pub fn message(rng: &mut Rng, index: u64, english: bool) -> Line {
    if index == 0 {
        let pool = if english {
            CUSTOMER_EN
        } else if rng.chance(20) {
            MIXED
        } else {
            CUSTOMER_ZH
        };
        return Line { text: fill(rng.pick(pool), rng), author_kind: "customer", private: false };
    }
    let roll = rng.below(100);
    let (pool, author_kind, private) = match roll {
        0..=44 => (
            if english {
                CUSTOMER_EN
            } else if rng.chance(15) {
                MIXED
            } else {
                CUSTOMER_ZH
            },
            "customer",
            false,
        ),
        45..=89 => (if english { AGENT_EN } else { AGENT_ZH }, "agent", false),
        90..=95 => (BOT, "bot", false),
        _ => (NOTES, "agent", true),
    };
    Line { text: fill(rng.pick(pool), rng), author_kind, private }
}

const ARTICLE_TOPICS: &[&str] = &[
    "退款政策",
    "配送时效",
    "会员积分",
    "发票开具",
    "七天无理由退货",
    "保修条款",
    "优惠券使用规则",
    "账户安全",
    "Refund policy",
    "Shipping times",
    "Warranty",
    "Gift cards",
];

const ARTICLE_SENTENCES: &[&str] = &[
    "商品签收后 7 天内可申请退款，款项原路退回，1-7 个工作日到账。",
    "下单后 48 小时内发货，一般 2-4 天送达，偏远地区可能延迟。",
    "会员全场包邮，每月领取优惠券，生日当月双倍积分。",
    "订单完成后可在订单详情页申请电子发票，退款后发票作废。",
    "{product}拆封后如无质量问题不支持七天无理由退货；有质量问题可申请换货。",
    "保修期内非人为损坏可免费维修，请保留购买凭证。",
    "You can ask for a refund within 7 days of delivery.",
    "Orders ship within 48 hours and usually arrive in 2-4 days.",
    "The {product} comes with a one-year limited warranty.",
    "Gift cards never expire and can be used on any order.",
    "如需修改收货地址，请在发货前联系客服。",
    "账户异常登录时我们会发送短信提醒，请及时修改密码。",
];

/// A knowledge-base article: (title, Markdown body, locale).
pub fn article(rng: &mut Rng, n: u64) -> (String, String, &'static str) {
    let topic = rng.pick(ARTICLE_TOPICS);
    let locale = if topic.is_ascii() { "en" } else { "zh-CN" };
    let title = format!("{topic} {}（{n}）", rng.pick(PRODUCTS));
    let paragraphs: Vec<String> = (0..3 + rng.below(5)).map(|_| fill(rng.pick(ARTICLE_SENTENCES), rng)).collect();
    (title, format!("## {topic}\n\n{}", paragraphs.join("\n\n")), locale)
}
