//! WebM probing with `matroska-demuxer`.

use std::io::{Read, Seek};

use matroska_demuxer::{DemuxError, Frame, MatroskaFile, TrackType};

use super::{Container, ProbeError, VideoCodec, VideoProbe};

/// When the file states its duration, the frame rate is measured over this many leading frames
/// instead of reading the whole file.
const FPS_SAMPLE_FRAMES: u64 = 600;

fn corrupt(e: DemuxError) -> ProbeError {
    ProbeError::Corrupt(format!("webm: {e}"))
}

/// Caps the read and seek calls the demuxer may make on a file of a given size.
///
/// `matroska-demuxer` 0.8 can loop without advancing (a Segment whose first child is a CRC-32
/// makes `search_seek_head` re-read the same header forever); every honest pass reads at least
/// one byte per call, so a budget proportional to the file size ends such loops as an I/O error.
struct Budgeted<R> {
    inner: R,
    calls_left: u64,
}

impl<R> Budgeted<R> {
    fn new(inner: R, size_bytes: u64) -> Self {
        Budgeted {
            inner,
            calls_left: size_bytes.saturating_mul(8).saturating_add(100_000),
        }
    }

    fn spend(&mut self) -> std::io::Result<()> {
        if self.calls_left == 0 {
            return Err(std::io::Error::other(
                "the demuxer does not advance through the file",
            ));
        }
        self.calls_left -= 1;
        Ok(())
    }
}

impl<R: Read> Read for Budgeted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.spend()?;
        self.inner.read(buf)
    }
}

impl<R: Seek> Seek for Budgeted<R> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.spend()?;
        self.inner.seek(pos)
    }
}

/// Parses a file that starts with the EBML magic.
pub(crate) fn probe<R: Read + Seek>(reader: R, size_bytes: u64) -> Result<VideoProbe, ProbeError> {
    let mut mkv = MatroskaFile::open(Budgeted::new(reader, size_bytes)).map_err(corrupt)?;
    let doc_type = mkv.ebml_header().doc_type();
    if doc_type != "webm" {
        return Err(ProbeError::Unrecognized(format!(
            "a Matroska file of doc type {doc_type:?}, not WebM"
        )));
    }

    let track = mkv
        .tracks()
        .iter()
        .find(|t| t.track_type() == TrackType::Video)
        .ok_or(ProbeError::NoVideoTrack)?;
    let video = track
        .video()
        .ok_or_else(|| ProbeError::Corrupt("video track without video settings".into()))?;
    let track_number = track.track_number().get();
    let video_codec = codec(track.codec_id());
    let width = u32::try_from(video.pixel_width().get()).unwrap_or(u32::MAX);
    let height = u32::try_from(video.pixel_height().get()).unwrap_or(u32::MAX);
    let default_duration_ns = track.default_duration().map(|d| d.get());
    // Ticks are timestamp_scale nanoseconds each.
    let tick_ms = mkv.info().timestamp_scale().get() as f64 / 1e6;
    let stated_ms = mkv
        .info()
        .duration()
        .filter(|d| d.is_finite() && *d > 0.0)
        .map(|d| d * tick_ms);

    // Browser recordings (MediaRecorder) carry no Duration element: then read every frame's
    // timestamp. Otherwise a prefix is enough for the frame rate.
    let limit = if stated_ms.is_some() {
        FPS_SAMPLE_FRAMES
    } else {
        u64::MAX
    };
    let stamps = frame_timestamps(&mut mkv, track_number, limit)?;

    let interval_ms = match stamps {
        Some(s) if s.count >= 2 && s.last > s.first => {
            Some((s.last - s.first) as f64 * tick_ms / (s.count - 1) as f64)
        }
        _ => default_duration_ns.map(|ns| ns as f64 / 1e6),
    };
    let fps = match (default_duration_ns, interval_ms) {
        (Some(ns), _) => 1e9 / ns as f64,
        (None, Some(ms)) if ms > 0.0 => 1000.0 / ms,
        _ => 0.0,
    };
    let duration_ms = match (stated_ms, stamps) {
        (Some(ms), _) => ms,
        // Span of the timestamps plus the display time of the last frame.
        (None, Some(s)) => (s.last - s.first) as f64 * tick_ms + interval_ms.unwrap_or(0.0),
        (None, None) => 0.0,
    };

    Ok(VideoProbe {
        container: Container::Webm,
        video_codec,
        width,
        height,
        // Saturating float-to-int cast: a NaN or huge value cannot wrap.
        duration_ms: duration_ms.round() as u64,
        fps,
        // Matroska has no rotation in the fields this crate reads; WebM muxers rotate the pixels.
        rotation: 0,
        size_bytes,
    })
}

#[derive(Debug, Clone, Copy)]
struct Stamps {
    first: u64,
    last: u64,
    count: u64,
}

/// Smallest and largest timestamp (in ticks) and the number of the track's frames, over at most
/// `limit` frames; `None` when the track has no frames.
fn frame_timestamps<R: Read + Seek>(
    mkv: &mut MatroskaFile<R>,
    track: u64,
    limit: u64,
) -> Result<Option<Stamps>, ProbeError> {
    let mut frame = Frame::default();
    let mut stamps: Option<Stamps> = None;
    while mkv.next_frame(&mut frame).map_err(corrupt)? {
        if frame.track != track {
            continue;
        }
        // Timestamps are in presentation order only without B-frames, hence min/max.
        let s = stamps.get_or_insert(Stamps {
            first: frame.timestamp,
            last: frame.timestamp,
            count: 0,
        });
        s.first = s.first.min(frame.timestamp);
        s.last = s.last.max(frame.timestamp);
        s.count += 1;
        if s.count >= limit {
            break;
        }
    }
    Ok(stamps)
}

fn codec(codec_id: &str) -> VideoCodec {
    match codec_id {
        "V_VP8" => VideoCodec::Vp8,
        "V_VP9" => VideoCodec::Vp9,
        "V_AV1" => VideoCodec::Av1,
        "V_MPEG4/ISO/AVC" => VideoCodec::H264,
        "V_MPEGH/ISO/HEVC" => VideoCodec::Hevc,
        other => VideoCodec::Other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `media_probe` fuzz target: a Segment whose first child is a CRC-32 element
    /// made `MatroskaFile::open` loop forever.
    #[test]
    fn segment_starting_with_crc32_is_corrupt_not_a_hang() {
        let bytes = include_bytes!("fuzz_regressions/webm_segment_crc32_hang.bin");
        let r = probe(std::io::Cursor::new(&bytes[..]), bytes.len() as u64);
        assert!(matches!(r, Err(ProbeError::Corrupt(_))), "{r:?}");
    }
}
