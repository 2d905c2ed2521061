//! What the sandbox gives that TikTok does not: fault injection and named scenarios.
pub mod faults;
