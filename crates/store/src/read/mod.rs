//! The read side, one module per concern: research video queries with their cached result sets
//! and quota ([`research`]), the Display API's listings ([`display`]), follow lists and comments
//! ([`social`]), and trend buckets ([`trends`]). The submodules are private and their public
//! types re-exported here, so `reelbox_store::read::…` names one flat set of types whichever file
//! holds them.
mod display;
mod research;
mod social;
mod trends;

pub use display::CreatorStats;
pub(crate) use research::RESEARCH_COLUMNS;
pub use research::{PageAt, ResearchVideo, Search, VISIBLE};
pub use social::{FollowEntry, ResearchComment};
pub(crate) use trends::{BUCKET_INSERT, BUCKET_MERGE};
pub use trends::{TrendPoint, TrendRank};
