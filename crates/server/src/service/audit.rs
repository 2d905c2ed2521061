//! App modes: a new app is a sandbox app (unaudited) until an operator approves its audit. Only
//! its test users may authorize it, and its posts are private.
use reelbox_store::apps::App;

/// May this creator authorize the app on the consent page?
pub fn may_authorize(app: &App, username: &str) -> Result<(), String> {
    if app.audited || app.test_users.iter().any(|u| u == username) {
        Ok(())
    } else {
        Err(format!(
            "{} is a sandbox app: only its test users can authorize it. Add @{username} as a test user in the developer portal, or get the app audited.",
            app.name
        ))
    }
}
