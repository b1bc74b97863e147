//! Web sessions (cookie), CSRF, session listing and revocation, expiry, and sign-in throttling.

use crate::on_both_backends;
use crate::support::{TestApp, code};
use reqwest::StatusCode;
use serde_json::{Value, json};
use switchboard_app::{AppError, AppSettings, SignIn, SignInLimits};

fn attempt(email: &str, password: &str, ip: &str) -> SignIn {
    SignIn {
        account: "acme".into(),
        email: email.into(),
        password: password.into(),
        ip: ip.into(),
        user_agent: "test-agent".into(),
    }
}

struct Browser<'a> {
    t: &'a TestApp,
    cookie: String,
    csrf: String,
}

impl Browser<'_> {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        csrf: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut request =
            self.t.client.request(method, self.t.url(path)).header("cookie", format!("sb_session={}", self.cookie));
        if let Some(token) = csrf {
            request = request.header("x-csrf-token", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

async fn sign_in<'a>(t: &'a TestApp, email: &str, password: &str) -> Browser<'a> {
    let signed = t.app.sign_in(&attempt(email, password, "10.0.0.1")).await.expect("sign in");
    Browser { t, cookie: signed.session_secret, csrf: signed.csrf_token }
}

async fn sessions_need_csrf_for_unsafe_requests(t: TestApp) {
    t.tenant("acme").await;
    let browser = sign_in(&t, "admin@acme.test", "admin-password-1").await;
    let (status, me) = browser.send(reqwest::Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["email"], "admin@acme.test");
    // Unsafe request with the cookie but without the token: refused, nothing written.
    let (status, body) =
        browser.send(reqwest::Method::POST, "/api/v1/teams", Some(json!({ "name": "Sales" })), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(code(&body), "csrf_failed");
    let (status, _) =
        browser.send(reqwest::Method::POST, "/api/v1/teams", Some(json!({ "name": "Sales" })), Some("wrong")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, teams) = browser.send(reqwest::Method::GET, "/api/v1/teams", None, None).await;
    assert_eq!(teams["data"].as_array().unwrap().len(), 0);
    let csrf = browser.csrf.clone();
    let (status, _) =
        browser.send(reqwest::Method::POST, "/api/v1/teams", Some(json!({ "name": "Sales" })), Some(&csrf)).await;
    assert_eq!(status, StatusCode::CREATED);
    // A form post with the cookie and without `_csrf` is refused as well.
    let response = t
        .client
        .post(t.url("/logout"))
        .header("cookie", format!("sb_session={}", browser.cookie))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("x=1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // After the session has ended, a page form goes back to sign-in; the API still answers 403.
    t.app.sign_out(&t.app.authenticate_session(&browser.cookie, "10.0.0.1", "t").await.unwrap().0).await.unwrap();
    let response = t
        .client
        .post(t.url("/settings/teams"))
        .header("cookie", format!("sb_session={}", browser.cookie))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=Late")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/login");
}

async fn sessions_are_listed_revoked_and_end_on_sign_out(t: TestApp) {
    t.tenant("acme").await;
    let first = sign_in(&t, "agent@acme.test", "agent-password-1").await;
    let second = sign_in(&t, "agent@acme.test", "agent-password-1").await;
    let (status, list) = first.send(reqwest::Method::GET, "/api/v1/me/sessions", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
    let other = list.iter().find(|s| s["current"] == false).unwrap()["id"].as_str().unwrap().to_string();
    let csrf = first.csrf.clone();
    let (status, _) =
        first.send(reqwest::Method::DELETE, &format!("/api/v1/me/sessions/{other}"), None, Some(&csrf)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(second.send(reqwest::Method::GET, "/api/v1/me", None, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(first.send(reqwest::Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK);
    // Another user's session id is not found.
    let admin = sign_in(&t, "admin@acme.test", "admin-password-1").await;
    let (_, admin_sessions) = admin.send(reqwest::Method::GET, "/api/v1/me/sessions", None, None).await;
    let admin_session = admin_sessions[0]["id"].as_str().unwrap().to_string();
    let (status, _) =
        first.send(reqwest::Method::DELETE, &format!("/api/v1/me/sessions/{admin_session}"), None, Some(&csrf)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(admin.send(reqwest::Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK);
    // Changing one's password ends the other sessions and needs the current password.
    let (status, body) = first
        .send(
            reqwest::Method::PATCH,
            "/api/v1/me",
            Some(json!({ "current_password": "nope", "new_password": "brand new password" })),
            Some(&csrf),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["current_password"].is_string());
    let third = sign_in(&t, "agent@acme.test", "agent-password-1").await;
    let (status, _) = first
        .send(
            reqwest::Method::PATCH,
            "/api/v1/me",
            Some(json!({ "current_password": "agent-password-1", "new_password": "brand new password" })),
            Some(&csrf),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(third.send(reqwest::Method::GET, "/api/v1/me", None, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(first.send(reqwest::Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK);
    assert!(matches!(
        t.app.sign_in(&attempt("agent@acme.test", "agent-password-1", "10.0.0.9")).await,
        Err(AppError::InvalidCredentials)
    ));
    assert!(t.app.sign_in(&attempt("agent@acme.test", "brand new password", "10.0.0.9")).await.is_ok());
}

async fn sign_in_failures_lock_the_identity_then_the_ip(t: TestApp) {
    t.tenant("acme").await;
    // Five wrong passwords for one email: the fifth answer is the lockout.
    for i in 1..=5 {
        let result = t.app.sign_in(&attempt("agent@acme.test", "wrong", &format!("10.1.0.{i}"))).await;
        if i < 5 {
            assert!(matches!(result, Err(AppError::InvalidCredentials)), "attempt {i}: {result:?}");
        } else {
            assert!(matches!(result, Err(AppError::Throttled { retry_after_seconds }) if retry_after_seconds > 800));
        }
    }
    // Locked: even the right password is refused, with the time to wait.
    let locked = t.app.sign_in(&attempt("agent@acme.test", "agent-password-1", "10.1.0.99")).await;
    assert!(matches!(locked, Err(AppError::Throttled { .. })));
    // Other identities are not affected.
    assert!(t.app.sign_in(&attempt("admin@acme.test", "admin-password-1", "10.1.0.99")).await.is_ok());
    // Thirty failures from one IP across many emails lock that IP for everyone.
    for i in 0..30 {
        let _ = t.app.sign_in(&attempt(&format!("nobody{i}@acme.test"), "wrong", "10.2.0.1")).await;
    }
    let from_ip = t.app.sign_in(&attempt("supervisor@acme.test", "supervisor-password-1", "10.2.0.1")).await;
    assert!(matches!(from_ip, Err(AppError::Throttled { .. })), "{from_ip:?}");
    assert!(t.app.sign_in(&attempt("supervisor@acme.test", "supervisor-password-1", "10.2.0.2")).await.is_ok());
    // Each failure is in the audit log with its reason and address.
    let tenant_admin = sign_in(&t, "admin@acme.test", "admin-password-1").await;
    let (_, log) = tenant_admin
        .send(reqwest::Method::GET, "/api/v1/audit?action=session.sign_in_failed&limit=200", None, None)
        .await;
    let entries = log["data"].as_array().unwrap_or_else(|| panic!("{log}"));
    assert!(entries.len() >= 35, "{}", entries.len());
    assert!(entries.iter().any(|e| e["ip"] == "10.1.0.1" && e["after"]["reason"] == "wrong password"));
    assert!(entries.iter().any(|e| e["after"]["reason"] == "unknown email"));
}

async fn sessions_expire_when_idle(t: TestApp) {
    let backend = t.backend;
    drop(t);
    let settings = AppSettings { session_idle_seconds: 1, sign_in: SignInLimits::default(), ..AppSettings::default() };
    let Some(t) = TestApp::start_with(backend, settings).await else { return };
    t.tenant("acme").await;
    let browser = sign_in(&t, "agent@acme.test", "agent-password-1").await;
    assert_eq!(browser.send(reqwest::Method::GET, "/api/v1/me", None, None).await.0, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    assert_eq!(browser.send(reqwest::Method::GET, "/api/v1/me", None, None).await.0, StatusCode::UNAUTHORIZED);
}

async fn another_nodes_revocation_applies_within_the_cache_ttl(t: TestApp) {
    let tenant = t.tenant("acme").await;
    // A second node on the same database, caching credential lookups for one second.
    let settings = AppSettings { credential_cache_seconds: 1, ..AppSettings::default() };
    let node_b = switchboard_app::App::new(t.app.db().clone(), settings);
    assert!(node_b.authenticate_token(&tenant.agent.token, "10.0.0.1", "t").await.is_ok());
    let (_, tokens) = t.get(&tenant.agent, "/api/v1/tokens").await;
    let id = tokens["data"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(t.delete(&tenant.agent, &format!("/api/v1/tokens/{id}")).await.0, StatusCode::OK);
    // The node that revoked refuses at once.
    assert_eq!(t.get(&tenant.agent, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let after_ttl = node_b.authenticate_token(&tenant.agent.token, "10.0.0.1", "t").await;
    assert!(matches!(after_ttl, Err(AppError::Unauthenticated)), "{after_ttl:?}");
}

on_both_backends!(
    another_nodes_revocation_applies_within_the_cache_ttl,
    sessions_need_csrf_for_unsafe_requests,
    sessions_are_listed_revoked_and_end_on_sign_out,
    sign_in_failures_lock_the_identity_then_the_ip,
    sessions_expire_when_idle,
);
