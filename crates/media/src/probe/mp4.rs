//! MP4 / QuickTime probing with `re_mp4` (which reads only the headers and seeks past `mdat`).

use std::io::{Read, Seek};

use re_mp4::{Mp4, StsdBoxContent, TrakBox};

use super::{Container, ProbeError, VideoCodec, VideoProbe};

/// Parses an MP4/MOV whose box tree already passed [`super::boxes::check_source`].
pub(crate) fn probe<R: Read + Seek>(
    reader: R,
    size_bytes: u64,
    container: Container,
) -> Result<VideoProbe, ProbeError> {
    let mp4 = Mp4::read(reader, size_bytes).map_err(|e| ProbeError::Corrupt(e.to_string()))?;

    // The first track whose handler says "video" (codecs re_mp4 does not know still count, so an
    // MPEG-4 Part 2 or ProRes file reports its codec instead of "no video track").
    let (trak, track) = mp4
        .tracks()
        .values()
        .find_map(|track| {
            let trak = mp4
                .moov
                .traks
                .iter()
                .find(|t| t.tkhd.track_id == track.track_id)?;
            (&trak.mdia.hdlr.handler_type.value == b"vide").then_some((trak, track))
        })
        .ok_or(ProbeError::NoVideoTrack)?;

    let video_codec = codec(&trak.mdia.minf.stbl.stsd.contents);
    let timescale = trak.mdia.mdhd.timescale;
    if timescale == 0 {
        return Err(ProbeError::Corrupt(
            "video track has a timescale of 0".into(),
        ));
    }

    let frames = track.samples.len() as u64;
    let units = total_duration(trak, &track.samples);
    let duration_ms = units_to_ms(units, u64::from(timescale));
    // fps = samples / (Σ sample durations / timescale); track.duration is wrong for fragmented files.
    let fps = if units == 0 {
        0.0
    } else {
        frames as f64 * f64::from(timescale) / units as f64
    };

    // The sample entry's coded size is what a decoder (and ffmpeg cutting a cover) allocates
    // for; tkhd's presentation size is only a claim, which a file can set to anything (or leave
    // empty). tkhd counts only when the codec gives no size.
    let (mut width, mut height) = coded_size(&trak.mdia.minf.stbl.stsd.contents)
        .filter(|&(w, h)| w > 0 && h > 0)
        .unwrap_or((u32::from(track.width), u32::from(track.height)));
    let rotation = rotation(trak.tkhd.matrix.a, trak.tkhd.matrix.b);
    if rotation == 90 || rotation == 270 {
        std::mem::swap(&mut width, &mut height);
    }

    Ok(VideoProbe {
        container,
        video_codec,
        width,
        height,
        duration_ms,
        fps,
        rotation,
        size_bytes,
    })
}

/// Σ sample durations in timescale units. For the samples described by the `moov` (`stts`) the
/// table is summed directly: re_mp4 derives the *last* of them from `mdhd.duration`, which edit
/// lists and B-frame shifts make wrong. Fragment samples carry their own durations.
fn total_duration(trak: &TrakBox, samples: &[re_mp4::Sample]) -> u64 {
    let stbl = &trak.mdia.minf.stbl;
    let in_moov = if stbl.stsz.sample_size == 0 {
        stbl.stsz
            .sample_sizes
            .len()
            .max(stbl.stsz.sample_count as usize)
    } else {
        stbl.stsz.sample_count as usize
    }
    .min(samples.len());

    let mut left = in_moov as u64;
    let mut total: u64 = 0;
    for entry in &stbl.stts.entries {
        let count = u64::from(entry.sample_count).min(left);
        left -= count;
        total = total.saturating_add(count.saturating_mul(u64::from(entry.sample_delta)));
    }
    samples
        .get(in_moov..)
        .unwrap_or_default()
        .iter()
        .fold(total, |acc, s| acc.saturating_add(s.duration))
}

fn units_to_ms(units: u64, timescale: u64) -> u64 {
    let ms = (u128::from(units) * 1000 + u128::from(timescale / 2)) / u128::from(timescale);
    u64::try_from(ms).unwrap_or(u64::MAX)
}

fn codec(contents: &StsdBoxContent) -> VideoCodec {
    match contents {
        StsdBoxContent::Avc1(_) => VideoCodec::H264,
        StsdBoxContent::Hvc1(_) | StsdBoxContent::Hev1(_) => VideoCodec::Hevc,
        StsdBoxContent::Vp08(_) => VideoCodec::Vp8,
        StsdBoxContent::Vp09(_) => VideoCodec::Vp9,
        StsdBoxContent::Av01(_) => VideoCodec::Av1,
        StsdBoxContent::Unknown(fourcc) => match &fourcc.value {
            // Same bitstreams as avc1/hvc1 with parameter sets in-band (and Dolby Vision HEVC).
            b"avc3" => VideoCodec::H264,
            b"dvh1" | b"dvhe" => VideoCodec::Hevc,
            other => VideoCodec::Other(String::from_utf8_lossy(other).trim().to_string()),
        },
        StsdBoxContent::Mp4a(_) => VideoCodec::Other("mp4a".into()),
        StsdBoxContent::Tx3g(_) => VideoCodec::Other("tx3g".into()),
    }
}

fn coded_size(contents: &StsdBoxContent) -> Option<(u32, u32)> {
    let (w, h) = match contents {
        StsdBoxContent::Avc1(b) => (b.width, b.height),
        StsdBoxContent::Hvc1(b) | StsdBoxContent::Hev1(b) => (b.width, b.height),
        StsdBoxContent::Vp08(b) => (b.width, b.height),
        StsdBoxContent::Vp09(b) => (b.width, b.height),
        StsdBoxContent::Av01(b) => (b.width, b.height),
        _ => return None,
    };
    Some((u32::from(w), u32::from(h)))
}

/// Display rotation in degrees from the tkhd matrix (degrees = atan2(b, a)), snapped to the
/// nearest multiple of 90 — the only rotations players honour.
pub(crate) fn rotation(a: i32, b: i32) -> u16 {
    if a == 0 && b == 0 {
        return 0;
    }
    let degrees = f64::from(b).atan2(f64::from(a)).to_degrees();
    let quarter = (degrees / 90.0).round().rem_euclid(4.0);
    // `quarter` is one of 0.0, 1.0, 2.0, 3.0.
    (quarter as u16) * 90
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_from_matrix() {
        const ONE: i32 = 0x1_0000;
        assert_eq!(rotation(ONE, 0), 0);
        assert_eq!(rotation(0, ONE), 90);
        assert_eq!(rotation(-ONE, 0), 180);
        assert_eq!(rotation(0, -ONE), 270);
        assert_eq!(rotation(0, 0), 0);
        // Slightly off matrices snap to the nearest quarter turn.
        assert_eq!(rotation(10, ONE), 90);
    }

    #[test]
    fn ms_rounding() {
        assert_eq!(units_to_ms(46_080, 15_360), 3_000);
        assert_eq!(units_to_ms(1, 3), 333);
        assert_eq!(units_to_ms(2, 3), 667);
        assert_eq!(units_to_ms(1, 3000), 0);
        assert_eq!(units_to_ms(2, 3000), 1);
        assert_eq!(units_to_ms(u64::MAX, 1), u64::MAX);
    }
}
