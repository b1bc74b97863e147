use super::*;
use crate::routing::hours::OpeningHours;

fn rule(id: i64, position: i64, conditions: Vec<Condition>, actions: RuleActions) -> RoutingRule {
    RoutingRule {
        id: RoutingRuleId::from_i64(id),
        name: format!("rule {id}"),
        position,
        enabled: true,
        conditions,
        actions,
        created_at: Timestamp::from_unix_ms(0),
        updated_at: Timestamp::from_unix_ms(0),
    }
}

#[test]
fn first_team_wins_tags_add_up_and_the_default_catches_the_rest() {
    let vip = rule(
        1,
        0,
        vec![Condition::VipLevel { at_least: 2 }],
        RuleActions {
            team_id: Some(TeamId::from_i64(10)),
            priority: Some(Priority::High),
            add_tags: vec!["vip".into()],
        },
    );
    let refunds = rule(
        2,
        1,
        vec![Condition::Prechat { key: "question_type".into(), op: TextMatch::Equals, value: "退款".into() }],
        RuleActions { team_id: Some(TeamId::from_i64(20)), add_tags: vec!["refund".into()], ..Default::default() },
    );
    let rules = vec![refunds.clone(), vip.clone()];
    let context =
        RoutingContext { time_zone: "Asia/Shanghai", business_hours: None, default_team: Some(TeamId::from_i64(99)) };
    let mut facts = RoutingFacts { vip_level: 3, ..Default::default() };
    facts.prechat.insert("question_type".into(), "退款".into());
    let outcome = evaluate(&rules, &facts, &context);
    assert_eq!(outcome.team_id, Some(TeamId::from_i64(10)), "position order, not list order");
    assert_eq!(outcome.priority, Some(Priority::High));
    assert_eq!(outcome.add_tags, vec!["vip".to_string(), "refund".to_string()]);
    assert_eq!(outcome.matched, vec![vip.id, refunds.id]);
    assert!(!outcome.default_team);

    let nobody = RoutingFacts::default();
    let outcome = evaluate(&rules, &nobody, &context);
    assert_eq!(outcome.team_id, Some(TeamId::from_i64(99)));
    assert!(outcome.default_team && outcome.matched.is_empty());

    let mut disabled = vip;
    disabled.enabled = false;
    assert_eq!(evaluate(&[disabled], &facts, &context).team_id, Some(TeamId::from_i64(99)));
}

#[test]
fn conditions() {
    let context = RoutingContext { time_zone: "Asia/Shanghai", business_hours: None, default_team: None };
    let mut facts = RoutingFacts {
        channel_id: Some(ChannelId::from_i64(5)),
        contact_tags: vec!["Wholesale".into()],
        page_url: Some("https://shop.example.com/checkout?step=2".into()),
        locale: Some("zh-CN".into()),
        // Friday 2026-11-20 10:30 in Shanghai.
        at: Timestamp::parse_rfc3339("2026-11-20T02:30:00Z"),
        ..Default::default()
    };
    facts.contact_attributes.insert("plan".into(), "Enterprise".into());
    let holds = |c: Condition| c.holds(&facts, &context);
    assert!(holds(Condition::Channel { channel_ids: vec![ChannelId::from_i64(5)] }));
    assert!(!holds(Condition::Channel { channel_ids: vec![ChannelId::from_i64(6)] }));
    assert!(holds(Condition::ContactTag { tag: "wholesale".into() }));
    assert!(holds(Condition::ContactAttribute {
        key: "plan".into(),
        op: TextMatch::Equals,
        value: "enterprise".into()
    }));
    assert!(holds(Condition::ContactAttribute { key: "region".into(), op: TextMatch::NotEquals, value: "eu".into() }));
    assert!(holds(Condition::PageUrl { op: TextMatch::Contains, value: "/checkout".into() }));
    assert!(!holds(Condition::PageUrl { op: TextMatch::StartsWith, value: "http://".into() }));
    assert!(holds(Condition::Locale { prefix: "zh".into() }));
    assert!(!holds(Condition::Locale { prefix: "z".into() }));
    assert!(holds(Condition::TimeOfDay { from: "09:00".into(), to: "12:00".into(), weekdays: vec![5] }));
    assert!(!holds(Condition::TimeOfDay { from: "09:00".into(), to: "12:00".into(), weekdays: vec![6, 7] }));
    assert!(holds(Condition::TimeOfDay { from: "22:00".into(), to: "11:00".into(), weekdays: vec![] }), "wraps");
    assert!(!holds(Condition::TimeOfDay { from: "22:00".into(), to: "08:00".into(), weekdays: vec![] }));
    let weekend_only = BusinessHours {
        intervals: vec![OpeningHours { weekday: 6, open: "00:00".into(), close: "24:00".into() }],
        holidays: vec![],
    };
    let closed = RoutingContext { business_hours: Some(&weekend_only), ..context.clone() };
    assert!(Condition::BusinessHours { open: false }.holds(&facts, &closed));
    assert!(Condition::BusinessHours { open: true }.holds(&facts, &context), "no hours: always open");
}

#[test]
fn bad_rules_name_the_field() {
    let empty = RoutingRuleInput { name: Some("x".into()), ..Default::default() };
    assert!(empty.validate().unwrap_err().get("actions").is_some());
    let bad = RoutingRuleInput {
        name: Some(" ".into()),
        conditions: Some(vec![
            Condition::Channel { channel_ids: vec![] },
            Condition::TimeOfDay { from: "9".into(), to: "10:00".into(), weekdays: vec![] },
            Condition::Prechat { key: " ".into(), op: TextMatch::Equals, value: "a".into() },
        ]),
        actions: Some(RuleActions { add_tags: vec!["has space".into()], ..Default::default() }),
        ..Default::default()
    };
    let errors = bad.validate().unwrap_err();
    for field in ["name", "conditions[0]", "conditions[1]", "conditions[2]", "tags"] {
        assert!(errors.get(field).is_some(), "{field}: {errors}");
    }
    let json = r#"{"name":"VIP","conditions":[{"kind":"vip_level","at_least":1},
        {"kind":"prechat","key":"question_type","op":"equals","value":"售后"}],
        "actions":{"team_id":"42","priority":"urgent","add_tags":["VIP"]}}"#;
    let input: RoutingRuleInput = serde_json::from_str(json).unwrap();
    let valid = input.validate().unwrap();
    assert_eq!(valid.actions.add_tags, vec!["vip".to_string()]);
    assert_eq!(valid.conditions[1].prechat_key(), Some("question_type"));
    assert!(valid.enabled);
}
