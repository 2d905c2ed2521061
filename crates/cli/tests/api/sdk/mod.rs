//! The SDK against a real server: the login flow through the consent page, typed errors, 429
//! backoff, refresh without the user, chunked uploads with an injected failure, a resumed upload
//! after a crash (one publish, byte-identical file), inbox and photo posts.
mod errors;
mod login;
mod products;
mod uploads;

use std::time::Duration;

use reelbox_sdk::{Backoff, Client};

fn fast(mut c: Client) -> Client {
    c.backoff = Backoff {
        base: Duration::from_millis(20),
        max: Duration::from_millis(200),
        retries: 4,
    };
    c
}
