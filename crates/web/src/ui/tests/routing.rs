//! Settings → Routing and the queue board through the real router, on both backends: the settings
//! and business hours saved (a refusal shown beside its field and day), rules written in the
//! editor (refusals beside their condition row), moved, turned off, tried and deleted; team queues
//! and capacities; the board for supervisors, refused and hidden for agents.

use super::{Browser, first_id, server, set_up};
use axum::Router;
use axum::http::StatusCode;

on_both_backends!(settings_and_rules_through_the_forms, queues_capacity_and_the_board);

/// The text of the field error with this id.
fn field_error(body: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let start = body.find(&marker).map(|i| i + marker.len()).unwrap_or_else(|| panic!("no {id} in {body}"));
    body[start..].split('<').next().unwrap_or_default().to_string()
}

/// Creates a team through the form; returns its id.
async fn new_team(b: &mut Browser, name: &str, member: Option<&str>) -> String {
    let mut fields = vec![("name", name), ("members_shown", "1")];
    if let Some(member) = member {
        fields.push(("member_ids", member));
    }
    let created = b.fill_and_post("/settings/teams/new", "/settings/teams", &fields).await;
    assert_eq!(created.location(), "/settings/teams", "{}", created.body);
    let teams = b
        .open(&format!("/settings/teams?q={}", form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()))
        .await;
    first_id(&teams.body, "/settings/teams/")
}

/// Creates a user with a built-in role; returns their id.
async fn new_user(b: &mut Browser, name: &str, email: &str, role: &str) -> String {
    let fields = [
        ("name", name),
        ("email", email),
        ("password", "agent password"),
        ("role", role),
        ("locale", "en"),
        ("time_zone", ""),
    ];
    let created = b.fill_and_post("/settings/users/new", "/settings/users", &fields).await;
    assert_eq!(created.location(), "/settings/users", "{}", created.body);
    first_id(&b.open(&format!("/settings/users?q={email}")).await.body, "/settings/users/")
}

/// The settings form with every weekday, Monday open 09:00-18:00, and `changes` applied.
fn settings_form<'a>(team: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<(&str, &str)> = vec![
        ("default_team_id", team),
        ("default_capacity", "4"),
        ("sticky_window_minutes", "60"),
        ("idle_away_minutes", "10"),
        ("offline_grace_seconds", "90"),
        ("auto_pending_minutes", "15"),
        ("auto_close_minutes", "120"),
        ("holidays", "2026-10-01\n2026-10-02"),
        ("bh_count", "7"),
        ("bh0.day", "1"),
        ("bh0.on", "true"),
        ("bh0.open", "09:00"),
        ("bh0.close", "18:00"),
    ];
    for (i, day) in ["2", "3", "4", "5", "6", "7"].iter().enumerate() {
        let row: &'static str = ["bh1.day", "bh2.day", "bh3.day", "bh4.day", "bh5.day", "bh6.day"][i];
        fields.push((row, day));
    }
    for (key, value) in changes {
        match fields.iter_mut().find(|(k, _)| k == key) {
            Some(field) => field.1 = value,
            None => fields.push((key, value)),
        }
    }
    fields
}

/// The rules in the order the list shows them.
async fn rule_order(b: &mut Browser) -> Vec<String> {
    let list = b.open("/settings/routing/rules").await;
    list.body
        .split("class=\"rt-rule-name\">")
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap_or_default().to_string())
        .collect()
}

async fn settings_and_rules_through_the_forms(router: Router) {
    let mut b = Browser::new(router);
    set_up(&mut b).await;
    assert!(b.open("/settings").await.body.contains("href=\"/settings/routing\""), "the hub links to routing");
    let team = new_team(&mut b, "售后 Support", None).await;

    // The settings: two refusals, each beside its field or day; nothing saved; then saved.
    let page = b.open("/settings/routing").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"routing-settings-form\"") && page.body.contains("bh6.day"));
    assert!(!page.body.contains("style="), "no inline style");
    let bad = settings_form(
        &team,
        &[("default_capacity", "0"), ("bh1.on", "true"), ("bh1.open", "18:00"), ("bh1.close", "09:00")],
    );
    let refused = b.fill_and_post("/settings/routing", "/settings/routing", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(field_error(&refused.body, "e-default_capacity"), "Must be 1 to 100.");
    assert_eq!(field_error(&refused.body, "e-bh1"), "The closing time must be after the opening time.");
    assert!(refused.body.contains("name=\"bh1.open\" value=\"18:00\""), "what was typed is shown again");
    let not_number = settings_form(&team, &[("idle_away_minutes", "soon")]);
    let refused = b.fill_and_post("/settings/routing", "/settings/routing", &not_number).await;
    assert_eq!(field_error(&refused.body, "e-idle_away_minutes"), "Enter a whole number.");
    let saved = b.fill_and_post("/settings/routing", "/settings/routing", &settings_form(&team, &[])).await;
    assert_eq!(saved.location(), "/settings/routing", "{}", saved.body);
    let page = b.open("/settings/routing").await;
    assert!(page.body.contains("The routing settings were saved."));
    assert!(page.body.contains(&format!("value=\"{team}\" selected")), "the default team is chosen");
    assert!(page.body.contains("name=\"offline_grace_seconds\" value=\"90\""));
    assert!(page.body.contains("name=\"bh0.on\" value=\"true\" checked") && page.body.contains("2026-10-02"));

    // Rules: refusals beside the condition row (a pre-chat field no widget asks) and the actions.
    assert!(b.open("/settings/routing/rules").await.body.contains("No rules yet"));
    let editor = b.open("/settings/routing/rules/new").await;
    assert!(editor.body.contains("id=\"rt-condition-template\"") && editor.body.contains("/rt-rule.js"));
    let wrong = [
        ("name", "VIP first"),
        ("c_count", "2"),
        ("c0.kind", "vip_level"),
        ("c0.value", "2"),
        ("c1.kind", "prechat"),
        ("c1.key", "order_no"),
        ("c1.op", "equals"),
        ("c1.value", "1"),
        ("team_id", team.as_str()),
    ];
    let refused = b.fill_and_post("/settings/routing/rules/new", "/settings/routing/rules", &wrong).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(field_error(&refused.body, "e-c1").contains("order_no"), "{}", refused.body);
    assert!(!refused.body.contains("id=\"e-c0\""), "the good row has no error");
    let nothing = [("name", "Does nothing"), ("c_count", "1"), ("c0.kind", "locale"), ("c0.value", "en")];
    let refused = b.fill_and_post("/settings/routing/rules/new", "/settings/routing/rules", &nothing).await;
    assert_eq!(field_error(&refused.body, "e-actions"), "A rule must send to a team, set a priority or add a tag.");
    let more = b
        .fill_and_post(
            "/settings/routing/rules/new",
            "/settings/routing/rules",
            &[("name", "x"), ("c_count", "1"), ("add_condition", "1")],
        )
        .await;
    assert_eq!(more.status, StatusCode::OK);
    assert!(!b.open("/settings/routing/rules").await.body.contains("rt-rule-name"), "adding a row saves nothing");

    let vip = [
        ("name", "VIP first"),
        ("enabled", "true"),
        ("c_count", "2"),
        ("c0.kind", "vip_level"),
        ("c0.value", "2"),
        ("c1.kind", ""),
        ("team_id", team.as_str()),
        ("priority", "high"),
        ("tags", "vip, 重要"),
    ];
    let created = b.fill_and_post("/settings/routing/rules/new", "/settings/routing/rules", &vip).await;
    assert_eq!(created.location(), "/settings/routing/rules", "{}", created.body);
    let chinese = [
        ("name", "Chinese"),
        ("enabled", "true"),
        ("c_count", "1"),
        ("c0.kind", "locale"),
        ("c0.value", "zh"),
        ("tags", "zh"),
    ];
    b.fill_and_post("/settings/routing/rules/new", "/settings/routing/rules", &chinese).await;
    assert_eq!(rule_order(&mut b).await, ["VIP first", "Chinese"]);
    let list = b.open("/settings/routing/rules").await;
    assert!(list.body.contains("VIP level: ≥ 2") && list.body.contains("To 售后 Support"), "{}", list.body);
    let named = list.body.find(">Chinese<").expect("listed");
    let link = list.body[..named].rfind("/settings/routing/rules/").expect("a link to the rule");
    let chinese_id = first_id(&list.body[link..], "/settings/routing/rules/");

    // Reorder, turn off, try, edit, delete.
    let moved = b
        .fill_and_post(
            "/settings/routing/rules",
            &format!("/settings/routing/rules/{chinese_id}/move"),
            &[("direction", "up")],
        )
        .await;
    assert_eq!(moved.location(), "/settings/routing/rules");
    assert_eq!(rule_order(&mut b).await, ["Chinese", "VIP first"]);
    b.fill_and_post("/settings/routing/rules", &format!("/settings/routing/rules/{chinese_id}/toggle"), &[]).await;
    assert!(b.open("/settings/routing/rules").await.body.contains("The rule is off."));
    let sample = [("vip_level", "3"), ("locale", "zh-CN"), ("at", "2026-11-23 10:00")];
    let tried = b.fill_and_post("/settings/routing/rules", "/settings/routing/rules/test", &sample).await;
    assert_eq!(tried.status, StatusCode::OK, "{}", tried.body);
    let outcome = &tried.body[tried.body.find("id=\"rule-test-outcome\"").expect("an outcome")..];
    assert!(outcome.contains("售后 Support") && outcome.contains("High") && outcome.contains("vip, 重要"), "{outcome}");
    let matched = field_error(outcome, "outcome-matched");
    assert_eq!(matched, "VIP first", "the rule that is off does not match");
    let nobody =
        b.fill_and_post("/settings/routing/rules", "/settings/routing/rules/test", &[("vip_level", "0")]).await;
    let outcome = &nobody.body[nobody.body.find("id=\"rule-test-outcome\"").expect("an outcome")..];
    assert!(outcome.contains("default team"), "no rule names a team: the default team");
    let bad_time =
        b.fill_and_post("/settings/routing/rules", "/settings/routing/rules/test", &[("at", "tomorrow")]).await;
    assert_eq!(bad_time.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_error(&bad_time.body, "e-at").contains("2026-11-20 14:30"));
    let edit = b.open(&format!("/settings/routing/rules/{chinese_id}")).await;
    assert!(edit.body.contains("<option value=\"locale\" selected>"), "the stored condition fills its row");
    assert!(!edit.body.contains("name=\"enabled\" value=\"true\" checked"), "it is off");
    let confirm = b.open(&format!("/settings/routing/rules/{chinese_id}/delete")).await;
    assert!(confirm.body.contains("Delete the rule “Chinese”?"), "{}", confirm.body);
    let deleted =
        b.post_form(&format!("/settings/routing/rules/{chinese_id}/delete"), &[("_csrf", &confirm.csrf())]).await;
    assert_eq!(deleted.location(), "/settings/routing/rules");
    assert_eq!(rule_order(&mut b).await, ["VIP first"]);
}

async fn queues_capacity_and_the_board(router: Router) {
    let mut b = Browser::new(router.clone());
    set_up(&mut b).await;
    let agent = new_user(&mut b, "Li Lei", "li@example.com", "agent").await;
    new_user(&mut b, "Sue Supervisor", "sue@example.com", "supervisor").await;
    let team = new_team(&mut b, "一线", Some(&agent)).await;
    let backup = new_team(&mut b, "Backup", None).await;

    // A team's queue: a refusal beside its field, then saved with a member's proficiency.
    let page = b.open("/settings/routing/teams").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains(&format!("id=\"team-form-{team}\"")) && page.body.contains(&format!("name=\"m{agent}\""))
    );
    let member = format!("m{agent}");
    let form = |timeout: &'static str| {
        vec![
            ("policy", "round_robin"),
            ("mode", "offer"),
            ("offer_timeout_seconds", timeout),
            ("overflow_team_id", backup.as_str()),
            ("overflow_after_seconds", "120"),
            ("max_queue", ""),
            ("member_ids", agent.as_str()),
            (member.as_str(), "4"),
        ]
    };
    let refused =
        b.fill_and_post("/settings/routing/teams", &format!("/settings/routing/teams/{team}"), &form("3")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(field_error(&refused.body, "e-offer_timeout_seconds"), "Must be 5 to 600.");
    let saved =
        b.fill_and_post("/settings/routing/teams", &format!("/settings/routing/teams/{team}"), &form("45")).await;
    assert_eq!(saved.location(), format!("/settings/routing/teams#team-{team}"), "{}", saved.body);
    let page = b.open("/settings/routing/teams").await;
    let card = &page.body[page.body.find(&format!("id=\"team-{team}\"")).expect("the team's card")..];
    assert!(card.contains("<option value=\"offer\" selected>") && card.contains("value=\"45\""), "{card}");
    assert!(card.contains("<option value=\"4\" selected>4</option>"), "the proficiency is kept");

    // An agent's capacity: out of range refused in the row; then an own limit; then the default again.
    let path = format!("/settings/routing/agents/{agent}");
    let refused = b.fill_and_post("/settings/routing/agents", &path, &[("capacity", "500")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_error(&refused.body, &format!("e-cap-{agent}")), "Must be 0 to 100.");
    assert_eq!(
        b.fill_and_post("/settings/routing/agents", &path, &[("capacity", "3")]).await.location(),
        "/settings/routing/agents"
    );
    assert!(
        b.open("/settings/routing/agents")
            .await
            .body
            .contains(&format!("id=\"cap-{agent}\" name=\"capacity\" value=\"3\""))
    );
    b.fill_and_post("/settings/routing/agents", &path, &[("capacity", "")]).await;
    assert!(
        b.open("/settings/routing/agents")
            .await
            .body
            .contains(&format!("id=\"cap-{agent}\" name=\"capacity\" value=\"\""))
    );

    // The board: the admin and the supervisor see it (and its link); the agent does not.
    let board = b.open("/routing/board").await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    assert!(board.body.contains(&format!("id=\"board-team-{team}\"")) && board.body.contains("/rt-board.js"));
    assert!(board.body.contains("Li Lei") && !board.body.contains("style="));
    let mut supervisor = Browser::new(router.clone());
    supervisor.fill_and_post("/login", "/login", &[("email", "sue@example.com"), ("password", "agent password")]).await;
    let home = supervisor.open("/").await;
    assert!(home.body.contains("href=\"/routing/board\""), "supervisors have the board in the navigation");
    assert_eq!(supervisor.open("/routing/board").await.status, StatusCode::OK);
    assert_eq!(supervisor.open("/settings/routing").await.status, StatusCode::FORBIDDEN, "watching is not changing");
    let mut agent_browser = Browser::new(router);
    agent_browser
        .fill_and_post("/login", "/login", &[("email", "li@example.com"), ("password", "agent password")])
        .await;
    let home = agent_browser.open("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(!home.body.contains("href=\"/routing/board\""), "agents do not see the board's link");
    assert_eq!(agent_browser.open("/routing/board").await.status, StatusCode::FORBIDDEN);
    assert_eq!(agent_browser.open("/settings/routing/rules").await.status, StatusCode::FORBIDDEN);
    assert!(!agent_browser.open("/settings").await.body.contains("/settings/routing"));
}
