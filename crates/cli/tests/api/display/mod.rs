//! The Display API (`/v2/user/info/`, `/v2/video/list/`, `/v2/video/query/`) over HTTP on a seeded
//! corpus: fields, scopes, paging and privacy.
mod user_info;
mod videos;
