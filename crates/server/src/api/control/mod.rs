//! The control API (`/_reelbox/`): apps, creators, tokens, the clock, inspection, faults, the
//! guideline report and the read side's corpus and lists. Handlers only; the operations they run
//! live in `service/` and `sandbox/`, shared with the web pages.
pub mod ads;
pub mod apps;
pub mod clock;
pub mod corpus;
pub mod creators;
pub mod faults;
pub mod inspect;
pub mod lists;
pub mod moderation;
pub mod publishes;
pub mod report;
pub mod settings;
pub mod sweeper;
pub mod testing;
pub mod tokens;
pub mod workbench;

use reelbox_wire::Envelope;
use reelbox_wire::envelope::Empty;

/// The control API's bad request, documented on every operation that takes a body or a query:
/// one code, whatever went wrong with the input.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // described, never built: errors are `ApiError`s
#[response(
    status = 400,
    description = "`invalid_param`: the JSON body is malformed (not JSON, a field missing or of the wrong type, too large), the query string is malformed, or a value breaks its rule; the message names the field"
)]
pub struct BadRequest(#[to_schema] Envelope<Empty>);
