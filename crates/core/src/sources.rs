//! What an init's `source_info` may ask for: a chunk plan for `FILE_UPLOAD`, one verified URL for
//! `PULL_FROM_URL`, and for photo posts 1 to [`PHOTO_IMAGES_MAX`](crate::rules::PHOTO_IMAGES_MAX)
//! verified image URLs with a cover among them. Checked before any state is touched.
use reelbox_wire::ErrorCode;
use reelbox_wire::posting::{PhotoSourceInfo, Source, VideoSourceInfo};

use crate::RuleError;
use crate::chunks::{ChunkLimits, ChunkPlan};
use crate::net;
use crate::rules::PHOTO_IMAGES_MAX;

/// Where a publish's media comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaSource {
    /// The client uploads it in chunks to the upload URL.
    File(ChunkPlan),
    /// reelbox downloads it from this URL.
    Url(String),
}

/// Which URLs reelbox may be asked to download from, for one app.
#[derive(Debug, Clone, Copy)]
pub struct UrlPolicy<'a> {
    /// Plain `http://` accepted besides `https://` (a setting for local test servers).
    pub allow_http: bool,
    /// The app's verified domains and URL prefixes.
    pub verified_prefixes: &'a [String],
}

fn invalid(msg: impl Into<String>) -> RuleError {
    RuleError::new(ErrorCode::InvalidParam, msg)
}

/// The media a video init asks for.
pub fn video_source(s: &VideoSourceInfo, policy: UrlPolicy<'_>) -> Result<MediaSource, RuleError> {
    match s.source {
        Source::FileUpload => {
            let (Some(size), Some(chunk), Some(count)) =
                (s.video_size, s.chunk_size, s.total_chunk_count)
            else {
                return Err(invalid(
                    "FILE_UPLOAD needs source_info.video_size, chunk_size and total_chunk_count",
                ));
            };
            ChunkPlan::validate(size, chunk, count, &ChunkLimits::default())
                .map(MediaSource::File)
                .map_err(invalid)
        }
        Source::PullFromUrl => {
            let url = s.video_url.as_deref().unwrap_or("").trim();
            if url.is_empty() {
                return Err(invalid("PULL_FROM_URL needs source_info.video_url"));
            }
            pull_url(url, policy)?;
            Ok(MediaSource::Url(url.to_string()))
        }
    }
}

/// The images of a photo post, every one of them a URL reelbox may download.
pub fn photo_source(s: &PhotoSourceInfo, policy: UrlPolicy<'_>) -> Result<(), RuleError> {
    if s.source != Source::PullFromUrl {
        return Err(invalid("photo posts support only source PULL_FROM_URL"));
    }
    if s.photo_images.is_empty() || s.photo_images.len() > PHOTO_IMAGES_MAX {
        return Err(invalid(format!(
            "source_info.photo_images must hold 1 to {PHOTO_IMAGES_MAX} URLs"
        )));
    }
    if s.photo_cover_index < 0 || s.photo_cover_index as usize >= s.photo_images.len() {
        return Err(invalid(
            "source_info.photo_cover_index must index into photo_images",
        ));
    }
    s.photo_images
        .iter()
        .try_for_each(|url| pull_url(url, policy))
}

/// A URL to download from: well formed, https (or http where allowed), under a verified prefix.
pub fn pull_url(url: &str, policy: UrlPolicy<'_>) -> Result<(), RuleError> {
    let parsed =
        url::Url::parse(url).map_err(|e| invalid(format!("{url} is not a valid URL: {e}")))?;
    let scheme_ok = parsed.scheme() == "https" || (parsed.scheme() == "http" && policy.allow_http);
    if !scheme_ok {
        return Err(invalid(format!("{url}: media URLs must use https")));
    }
    if !net::url_is_verified(url, policy.verified_prefixes) {
        return Err(RuleError::new(
            ErrorCode::UrlOwnershipUnverified,
            format!("The URL {url} is not under a domain or URL prefix verified for this app."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(prefixes: &[String]) -> UrlPolicy<'_> {
        UrlPolicy {
            allow_http: false,
            verified_prefixes: prefixes,
        }
    }

    fn pull(url: &str) -> VideoSourceInfo {
        VideoSourceInfo {
            source: Source::PullFromUrl,
            video_size: None,
            chunk_size: None,
            total_chunk_count: None,
            video_url: Some(url.into()),
        }
    }

    #[test]
    fn a_file_upload_needs_its_three_sizes() {
        let mut s = pull("");
        s.source = Source::FileUpload;
        s.video_size = Some(10_000_000);
        s.chunk_size = Some(10_000_000);
        let e = video_source(&s, policy(&[])).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidParam);
        assert!(e.message.contains("total_chunk_count"), "{}", e.message);
        s.total_chunk_count = Some(1);
        assert!(matches!(
            video_source(&s, policy(&[])),
            Ok(MediaSource::File(p)) if p.count == 1
        ));
    }

    #[test]
    fn a_pulled_url_must_be_https_and_verified() {
        let verified = vec!["media.example.com".to_string()];
        let ok = video_source(
            &pull(" https://media.example.com/a.mp4 "),
            policy(&verified),
        );
        assert_eq!(
            ok.unwrap(),
            MediaSource::Url("https://media.example.com/a.mp4".into())
        );
        let plain = video_source(&pull("http://media.example.com/a.mp4"), policy(&verified));
        assert_eq!(plain.unwrap_err().code, ErrorCode::InvalidParam);
        let allowed = UrlPolicy {
            allow_http: true,
            verified_prefixes: &verified,
        };
        assert!(video_source(&pull("http://media.example.com/a.mp4"), allowed).is_ok());
        let elsewhere = video_source(&pull("https://other.example/a.mp4"), policy(&verified));
        assert_eq!(
            elsewhere.unwrap_err().code,
            ErrorCode::UrlOwnershipUnverified
        );
        assert_eq!(
            video_source(&pull("  "), policy(&verified))
                .unwrap_err()
                .code,
            ErrorCode::InvalidParam
        );
    }

    #[test]
    fn a_photo_post_holds_1_to_35_verified_images_and_a_cover_among_them() {
        let verified = vec!["https://img.example.com/".to_string()];
        let photos = |n: usize, cover: i64| PhotoSourceInfo {
            source: Source::PullFromUrl,
            photo_images: (0..n)
                .map(|i| format!("https://img.example.com/{i}.jpg"))
                .collect(),
            photo_cover_index: cover,
        };
        assert!(photo_source(&photos(1, 0), policy(&verified)).is_ok());
        assert!(photo_source(&photos(PHOTO_IMAGES_MAX, 34), policy(&verified)).is_ok());
        for bad in [
            photos(0, 0),
            photos(PHOTO_IMAGES_MAX + 1, 0),
            photos(2, 2),
            photos(2, -1),
        ] {
            assert_eq!(
                photo_source(&bad, policy(&verified)).unwrap_err().code,
                ErrorCode::InvalidParam
            );
        }
        let mut stray = photos(2, 0);
        stray.photo_images[1] = "https://elsewhere.example/1.jpg".into();
        assert_eq!(
            photo_source(&stray, policy(&verified)).unwrap_err().code,
            ErrorCode::UrlOwnershipUnverified
        );
        let mut upload = photos(1, 0);
        upload.source = Source::FileUpload;
        assert_eq!(
            photo_source(&upload, policy(&verified)).unwrap_err().code,
            ErrorCode::InvalidParam
        );
    }
}
