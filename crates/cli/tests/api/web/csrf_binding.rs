//! A form token belongs to one browser's session: an attacker who plants their own anchor cookie
//! and their own valid token in a victim's browser (cookie tossing from a sibling host, or a
//! plain-http hop) still cannot submit a form as the victim.
use reelbox_testkit::web::Agent;

use super::bob;
use crate::world;

/// Copies `from`'s CSRF cookies into `to`, as a cookie-tossing attacker would.
fn plant_csrf_cookies(from: &Agent, to: &mut Agent) {
    for (k, v) in &from.cookies {
        if k.contains("csrf") {
            to.cookies.insert(k.clone(), v.clone());
        }
    }
}

#[tokio::test]
async fn an_attackers_own_token_is_refused_for_the_victims_session() {
    let w = world().await;
    bob(&w).await;
    let mut victim = Agent::new(&w.s);
    assert_eq!(victim.sign_in("alice", "correct horse").await.status, 302);
    let mut attacker = Agent::new(&w.s);
    assert_eq!(attacker.sign_in("bob", "bob password").await.status, 302);
    let token = attacker.get("/@alice").await.csrf();
    plant_csrf_cookies(&attacker, &mut victim);
    let p = victim.post("/@bob/follow", &[("csrf", &token)]).await;
    assert_eq!(p.status, 403, "the attacker's token is not the victim's");
    let p = victim.get("/@bob").await;
    assert!(
        !p.body.contains("value=\"unfollow\""),
        "alice does not follow bob"
    );
    // The victim's own page gives a token that works (for their session, with the anchor held).
    let p = victim.submit("/@bob", "/@bob/follow", &[]).await;
    assert_eq!(p.status, 302);
}

#[tokio::test]
async fn a_planted_token_cannot_approve_consent_for_a_signed_in_creator() {
    let w = world().await;
    bob(&w).await;
    let key = w.app["client_key"].as_str().unwrap().to_string();
    let consent = format!(
        "/v2/auth/authorize/?client_key={key}&response_type=code&scope=user.info.basic&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback%2F&state=s"
    );
    let mut victim = Agent::new(&w.s);
    assert_eq!(victim.sign_in("alice", "correct horse").await.status, 302);
    // The attacker loads the same consent page (signed in as themselves or not at all).
    for attacker_signs_in in [false, true] {
        let mut attacker = Agent::new(&w.s);
        if attacker_signs_in {
            assert_eq!(attacker.sign_in("bob", "bob password").await.status, 302);
        }
        let page = attacker.get(&consent).await;
        assert_eq!(page.status, 200);
        let mut form = page.hidden_fields();
        form.push(("grant".into(), "user.info.basic".into()));
        form.push(("decision".into(), "approve".into()));
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        plant_csrf_cookies(&attacker, &mut victim);
        let p = victim.post("/v2/auth/authorize/", &form).await;
        assert_eq!(
            p.status,
            403,
            "no code for the attacker's form: {}",
            p.location()
        );
        assert!(!p.location().contains("code="));
    }
}
