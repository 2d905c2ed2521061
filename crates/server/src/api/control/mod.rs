//! The control API (`/_reelbox/`): apps, creators, tokens, the clock, inspection, faults, the
//! guideline report and the read side's corpus and lists. Handlers only; the operations they run
//! live in `service/` and `sandbox/`, shared with the web pages.
pub mod apps;
pub mod clock;
pub mod corpus;
pub mod creators;
pub mod faults;
pub mod inspect;
pub mod lists;
pub mod publishes;
pub mod report;
pub mod tokens;
