//! What the sandbox gives that TikTok does not: fault injection and named scenarios, the
//! guideline report, and a test suite's tools (a reset, snapshots, seed files, deterministic
//! mode).
pub mod faults;
pub mod report;
pub mod seedfile;
pub mod snapshot;
pub mod testing;
