//! The media rules of the posting API (spec 9.4) applied to probe results. Pure: no I/O.
//!
//! The order of the checks decides which `fail_reason` a file that breaks several rules gets:
//! format first (nothing else is meaningful for an unsupported file), then picture size, frame
//! rate and duration.

use crate::probe::{Container, ImageFormat, ImageProbe, ProbeError, VideoCodec, VideoProbe};

/// A media rule a file broke; each maps to one `fail_reason` of the status API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailReason {
    /// Unsupported or unreadable container, codec or image format (also file size).
    FileFormat,
    /// Too long, or no duration at all.
    Duration,
    /// Frame rate outside the allowed range.
    FrameRate,
    /// Width or height outside the allowed range.
    PictureSize,
}

impl FailReason {
    /// The wire `fail_reason` string.
    pub fn as_wire(&self) -> &'static str {
        match self {
            Self::FileFormat => "file_format_check_failed",
            Self::Duration => "duration_check_failed",
            Self::FrameRate => "frame_rate_check_failed",
            Self::PictureSize => "picture_size_check_failed",
        }
    }

    /// The fail reason for a probe error, if the error is the file's fault: unrecognized, corrupt
    /// or track-less files fail the format check; I/O errors, timeouts and crashes are ours
    /// (`None`: retry or report `internal`).
    pub fn from_probe_error(e: &ProbeError) -> Option<Self> {
        e.is_bad_media().then_some(Self::FileFormat)
    }
}

/// The video rules. [`Default`] is TikTok's published constraints (spec 9.4).
#[derive(Debug, Clone, PartialEq)]
pub struct VideoLimits {
    /// Accepted containers.
    pub containers: Vec<Container>,
    /// Accepted codecs ([`VideoCodec::Other`] never matches unless listed verbatim).
    pub codecs: Vec<VideoCodec>,
    /// Lowest accepted frame rate (inclusive).
    pub min_fps: f64,
    /// Highest accepted frame rate (inclusive).
    pub max_fps: f64,
    /// Smallest accepted width and height (inclusive).
    pub min_side: u32,
    /// Largest accepted width and height (inclusive).
    pub max_side: u32,
    /// Largest accepted file size in bytes.
    pub max_size_bytes: u64,
    /// The API-wide duration ceiling; a creator's own limit can only lower it.
    pub api_max_duration_sec: u32,
}

impl Default for VideoLimits {
    fn default() -> Self {
        Self {
            containers: vec![Container::Mp4, Container::Mov, Container::Webm],
            codecs: vec![
                VideoCodec::H264,
                VideoCodec::Hevc,
                VideoCodec::Vp8,
                VideoCodec::Vp9,
            ],
            min_fps: 23.0,
            max_fps: 60.0,
            min_side: 360,
            max_side: 4096,
            // "Max 4 GB", read as binary gigabytes (the lenient choice).
            max_size_bytes: 4 * 1024 * 1024 * 1024,
            api_max_duration_sec: 600,
        }
    }
}

/// The photo rules. [`Default`] is TikTok's published constraints (spec 6 and 9.4).
///
/// "Maximum 1080p" is not defined further by TikTok. reelbox decision: the *shorter* side may be
/// at most 1080 px and the *longer* at most 1920 px (a 1080p frame in either orientation, so both
/// 1080×1920 portrait and 1920×1080 landscape pass, and so does 1080×1350).
#[derive(Debug, Clone, PartialEq)]
pub struct ImageLimits {
    /// Accepted formats.
    pub formats: Vec<ImageFormat>,
    /// Largest accepted shorter side (inclusive).
    pub max_short_side: u32,
    /// Largest accepted longer side (inclusive).
    pub max_long_side: u32,
    /// Each side must be at least this many pixels.
    pub min_side: u32,
    /// "20 MB", read as decimal megabytes.
    pub max_size_bytes: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        Self {
            formats: vec![ImageFormat::Jpeg, ImageFormat::Webp],
            max_short_side: 1080,
            max_long_side: 1920,
            min_side: 1,
            max_size_bytes: 20_000_000,
        }
    }
}

/// Applies the video rules; `max_duration_sec` is the creator's `max_video_post_duration_sec`
/// (capped by `limits.api_max_duration_sec`).
pub fn check_video(
    p: &VideoProbe,
    max_duration_sec: u32,
    limits: &VideoLimits,
) -> Result<(), FailReason> {
    if !limits.containers.contains(&p.container)
        || !limits.codecs.contains(&p.video_codec)
        || p.size_bytes > limits.max_size_bytes
        // A video without a duration is not a playable video.
        || p.duration_ms == 0
    {
        return Err(FailReason::FileFormat);
    }
    let side_ok = |side: u32| (limits.min_side..=limits.max_side).contains(&side);
    if !side_ok(p.width) || !side_ok(p.height) {
        return Err(FailReason::PictureSize);
    }
    // NaN fails the range check too.
    if !(limits.min_fps..=limits.max_fps).contains(&p.fps) {
        return Err(FailReason::FrameRate);
    }
    let max_ms = u64::from(max_duration_sec.min(limits.api_max_duration_sec)) * 1000;
    if p.duration_ms > max_ms {
        return Err(FailReason::Duration);
    }
    Ok(())
}

/// Applies the photo rules.
pub fn check_image(p: &ImageProbe, limits: &ImageLimits) -> Result<(), FailReason> {
    if !limits.formats.contains(&p.format) || p.size_bytes > limits.max_size_bytes {
        return Err(FailReason::FileFormat);
    }
    let (short, long) = (p.width.min(p.height), p.width.max(p.height));
    if short < limits.min_side || short > limits.max_short_side || long > limits.max_long_side {
        return Err(FailReason::PictureSize);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn video() -> VideoProbe {
        VideoProbe {
            container: Container::Mp4,
            video_codec: VideoCodec::H264,
            width: 720,
            height: 1280,
            duration_ms: 3_000,
            fps: 30.0,
            rotation: 0,
            size_bytes: 1_000_000,
        }
    }

    fn check(p: &VideoProbe) -> Result<(), FailReason> {
        check_video(p, 600, &VideoLimits::default())
    }

    fn image(format: ImageFormat, width: u32, height: u32) -> ImageProbe {
        ImageProbe {
            format,
            width,
            height,
            size_bytes: 500_000,
        }
    }

    fn check_img(p: &ImageProbe) -> Result<(), FailReason> {
        check_image(p, &ImageLimits::default())
    }

    #[test]
    fn wire_names() {
        assert_eq!(FailReason::FileFormat.as_wire(), "file_format_check_failed");
        assert_eq!(FailReason::Duration.as_wire(), "duration_check_failed");
        assert_eq!(FailReason::FrameRate.as_wire(), "frame_rate_check_failed");
        assert_eq!(
            FailReason::PictureSize.as_wire(),
            "picture_size_check_failed"
        );
    }

    #[test]
    fn a_plain_video_passes() {
        assert_eq!(check(&video()), Ok(()));
    }

    #[test]
    fn containers_and_codecs() {
        for container in [Container::Mp4, Container::Mov, Container::Webm] {
            assert_eq!(
                check(&VideoProbe {
                    container,
                    ..video()
                }),
                Ok(())
            );
        }
        for video_codec in [
            VideoCodec::H264,
            VideoCodec::Hevc,
            VideoCodec::Vp8,
            VideoCodec::Vp9,
        ] {
            assert_eq!(
                check(&VideoProbe {
                    video_codec,
                    ..video()
                }),
                Ok(())
            );
        }
        for video_codec in [VideoCodec::Av1, VideoCodec::Other("mp4v".into())] {
            assert_eq!(
                check(&VideoProbe {
                    video_codec,
                    ..video()
                }),
                Err(FailReason::FileFormat)
            );
        }
    }

    #[test]
    fn frame_rate_bounds() {
        for (fps, ok) in [
            (22.99, false),
            (23.0, true),
            (29.97, true),
            (60.0, true),
            (60.01, false),
            (0.0, false),
            (f64::NAN, false),
        ] {
            let want = if ok {
                Ok(())
            } else {
                Err(FailReason::FrameRate)
            };
            assert_eq!(check(&VideoProbe { fps, ..video() }), want, "fps {fps}");
        }
    }

    #[test]
    fn side_bounds() {
        for (side, ok) in [(359, false), (360, true), (4096, true), (4097, false)] {
            let want = if ok {
                Ok(())
            } else {
                Err(FailReason::PictureSize)
            };
            assert_eq!(
                check(&VideoProbe {
                    width: side,
                    ..video()
                }),
                want,
                "width {side}"
            );
            assert_eq!(
                check(&VideoProbe {
                    height: side,
                    ..video()
                }),
                want,
                "height {side}"
            );
        }
    }

    #[test]
    fn file_size_bound() {
        let max = 4 * 1024 * 1024 * 1024;
        assert_eq!(
            check(&VideoProbe {
                size_bytes: max,
                ..video()
            }),
            Ok(())
        );
        assert_eq!(
            check(&VideoProbe {
                size_bytes: max + 1,
                ..video()
            }),
            Err(FailReason::FileFormat)
        );
    }

    #[test]
    fn duration_bounds() {
        let limits = VideoLimits::default();
        let at = |duration_ms, creator_max| {
            check_video(
                &VideoProbe {
                    duration_ms,
                    ..video()
                },
                creator_max,
                &limits,
            )
        };
        assert_eq!(at(10_000, 10), Ok(()));
        assert_eq!(at(10_001, 10), Err(FailReason::Duration));
        assert_eq!(at(12_000, 10), Err(FailReason::Duration));
        // The API maximum caps a generous creator limit.
        assert_eq!(at(600_000, 900), Ok(()));
        assert_eq!(at(600_001, 900), Err(FailReason::Duration));
        assert_eq!(at(1, 600), Ok(()));
        assert_eq!(at(0, 600), Err(FailReason::FileFormat));
    }

    #[test]
    fn format_is_reported_before_other_failures() {
        let p = VideoProbe {
            video_codec: VideoCodec::Av1,
            fps: 10.0,
            width: 100,
            ..video()
        };
        assert_eq!(check(&p), Err(FailReason::FileFormat));
    }

    #[test]
    fn probe_errors() {
        let bad = [
            ProbeError::Unrecognized("x".into()),
            ProbeError::Corrupt("x".into()),
            ProbeError::NoVideoTrack,
        ];
        for e in &bad {
            assert_eq!(
                FailReason::from_probe_error(e),
                Some(FailReason::FileFormat)
            );
        }
        let ours = [
            ProbeError::Timeout,
            ProbeError::Crashed("x".into()),
            ProbeError::Io(std::io::Error::other("x")),
        ];
        for e in &ours {
            assert_eq!(FailReason::from_probe_error(e), None);
        }
    }

    #[test]
    fn image_formats() {
        assert_eq!(check_img(&image(ImageFormat::Jpeg, 1080, 1350)), Ok(()));
        assert_eq!(check_img(&image(ImageFormat::Webp, 1080, 1920)), Ok(()));
        assert_eq!(
            check_img(&image(ImageFormat::Other("png".into()), 100, 100)),
            Err(FailReason::FileFormat)
        );
    }

    #[test]
    fn image_side_bounds() {
        for (w, h, ok) in [
            (1080, 1920, true),
            (1920, 1080, true),
            (1080, 1080, true),
            (1081, 1920, false),
            (1080, 1921, false),
            (1921, 1080, false),
            (1200, 1200, false),
            (4000, 3000, false),
            (1, 1, true),
            (0, 100, false),
            (100, 0, false),
        ] {
            let want = if ok {
                Ok(())
            } else {
                Err(FailReason::PictureSize)
            };
            assert_eq!(check_img(&image(ImageFormat::Jpeg, w, h)), want, "{w}x{h}");
        }
    }

    #[test]
    fn image_size_bound() {
        let at = |size_bytes| {
            check_img(&ImageProbe {
                size_bytes,
                ..image(ImageFormat::Jpeg, 10, 10)
            })
        };
        assert_eq!(at(20_000_000), Ok(()));
        assert_eq!(at(20_000_001), Err(FailReason::FileFormat));
    }
}
