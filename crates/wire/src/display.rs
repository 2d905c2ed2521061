//! The Display API's field lists (`?fields=` of `/v2/video/list/` and `/v2/video/query/`).

/// Display Video Object fields.
pub const VIDEO_FIELDS: &[&str] = &[
    "id",
    "create_time",
    "cover_image_url",
    "share_url",
    "video_description",
    "duration",
    "height",
    "width",
    "title",
    "embed_html",
    "embed_link",
    "like_count",
    "comment_count",
    "share_count",
    "view_count",
];
