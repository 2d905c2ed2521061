//! What the sandbox gives that TikTok does not: fault injection and named scenarios, and
//! the guideline report.
pub mod faults;
pub mod report;
