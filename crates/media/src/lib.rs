//! Media for reelbox: where bytes live (`blob`, `local`), what they are (`probe`), whether the
//! posting rules accept them (`checks`), and their cover images (`cover`).
#![warn(missing_docs)]

#[allow(missing_docs, reason = "blob.rs predates the lint")]
pub mod blob;
pub mod checks;
pub mod cover;
pub mod local;
pub mod probe;
pub mod rendition;
#[cfg(feature = "s3")]
pub mod s3;

pub use blob::{BlobEntry, BlobError, BlobStore, ByteStream, ChunkReceipt, LocalFile};
pub use checks::{FailReason, ImageLimits, VideoLimits, check_image, check_video};
pub use cover::{CoverOutcome, PLACEHOLDER_COVER_SVG, extract_cover};
pub use local::LocalBlobStore;
pub use probe::{
    Container, ImageFormat, ImageProbe, ProbeError, VideoCodec, VideoProbe, check_box_structure,
    probe_image_file, probe_image_isolated, probe_main, probe_video_file, probe_video_isolated,
};
pub use rendition::{RenditionOutcome, ffmpeg_available, render_mp4, rendition_heights};
#[cfg(feature = "s3")]
pub use s3::S3BlobStore;
