//! A bounded, iterative walk over the ISO-BMFF box tree that rejects the box layouts known to hang
//! or crash `re_mp4` before the file reaches it.
//!
//! `re_mp4` 0.5 loops `while current < end { read header; skip to box_start + size }`: a child box
//! whose size is below 8 (or 0) never advances, so it spins forever on the same header. This walker
//! descends into every container `re_mp4` loops over (and the sample entries whose children it scans)
//! and requires each box to have a sane size that fits inside its parent. It reads only box headers,
//! never allocates per box, and is bounded in depth and box count, so it is safe on any input.

use std::io;

use super::ProbeError;

/// Containers nested deeper than this are rejected; real files stay below 10 levels.
const MAX_DEPTH: usize = 16;
/// A generous cap on the number of boxes (fragmented files have ~7 boxes per fragment).
const MAX_BOXES: u64 = 2_000_000;

/// Random access to the bytes being checked: a slice in tests and fuzzing, a file when probing.
pub(crate) trait ByteSource {
    fn len(&self) -> u64;
    /// Fills `buf` from `offset`; callers only ask for ranges inside `len()`.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()>;
}

impl ByteSource for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        let start = usize::try_from(offset).map_err(|_| io::ErrorKind::UnexpectedEof)?;
        let src = start
            .checked_add(buf.len())
            .and_then(|end| self.get(start..end))
            .ok_or(io::ErrorKind::UnexpectedEof)?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

/// A file read with positioned reads (`pread`), so the walk never moves a shared cursor.
pub(crate) struct FileSource<'a> {
    pub file: &'a std::fs::File,
    pub len: u64,
}

impl ByteSource for FileSource<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(self.file, buf, offset)
    }
}

/// Where a box's children start, relative to the start of its payload, when `re_mp4` reads the
/// box as a list of child boxes; `None` for leaf boxes.
fn child_offset(
    src: &(impl ByteSource + ?Sized),
    kind: [u8; 4],
    parent: [u8; 4],
    payload: u64,
    payload_len: u64,
) -> io::Result<Option<u64>> {
    // Items of an `ilst` are containers of `data` boxes, whatever their four-character code.
    if &parent == b"ilst" {
        return Ok(Some(0));
    }
    Ok(match &kind {
        b"moov" | b"trak" | b"mdia" | b"minf" | b"stbl" | b"dinf" | b"edts" | b"udta" | b"mvex"
        | b"moof" | b"traf" | b"mfra" | b"ilst" | b"wave" => Some(0),
        // Version/flags and an entry count precede the entries.
        b"stsd" | b"dref" => Some(8),
        // ISO `meta` is a full box (4 bytes of version/flags); QuickTime's is a plain container
        // whose first child header starts right away. Tell them apart as `re_mp4` does: a non-zero
        // first word is a child's size.
        b"meta" if payload_len >= 4 => {
            let mut word = [0u8; 4];
            src.read_at(payload, &mut word)?;
            Some(if word == [0; 4] { 4 } else { 0 })
        }
        // Visual sample entries: 8 bytes of SampleEntry + 70 of VisualSampleEntry.
        b"avc1" | b"avc3" | b"hvc1" | b"hev1" | b"vp08" | b"vp09" | b"av01" | b"encv"
            if &parent == b"stsd" =>
        {
            Some(78)
        }
        // Audio sample entry: 28 bytes, plus the 16 of a QuickTime version-1 description (the only
        // extension `re_mp4` understands, so the walk mirrors it).
        b"mp4a" | b"enca" if &parent == b"stsd" && payload_len >= 10 => {
            let mut version = [0u8; 2];
            src.read_at(payload + 8, &mut version)?;
            Some(if u16::from_be_bytes(version) == 1 {
                44
            } else {
                28
            })
        }
        _ => None,
    })
}

fn fourcc(kind: [u8; 4]) -> String {
    kind.iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '?'
            }
        })
        .collect()
}

/// One open container on the walk's stack.
struct Level {
    /// Offset of the next child header.
    pos: u64,
    /// End of the container's payload.
    end: u64,
    kind: [u8; 4],
}

/// Walks the box tree of `src`; see the module docs.
pub(crate) fn check_source(src: &(impl ByteSource + ?Sized)) -> Result<(), ProbeError> {
    let corrupt = |msg: String| Err(ProbeError::Corrupt(msg));
    let mut stack = vec![Level {
        pos: 0,
        end: src.len(),
        kind: *b"file",
    }];
    let mut boxes = 0u64;

    loop {
        let depth = stack.len();
        let Some(level) = stack.last_mut() else { break };
        if level.pos >= level.end {
            stack.pop();
            continue;
        }
        let at = level.pos;
        let parent = level.kind;
        let top_level = depth == 1;
        let remaining = level.end - at;
        if remaining < 8 {
            return corrupt(format!(
                "{remaining} stray bytes at offset {at} inside {}",
                fourcc(parent)
            ));
        }
        let mut header = [0u8; 8];
        src.read_at(at, &mut header)?;
        let [s0, s1, s2, s3, t0, t1, t2, t3] = header;
        let kind = [t0, t1, t2, t3];
        let (header_len, size) = match u32::from_be_bytes([s0, s1, s2, s3]) {
            // Size 0 means "up to the end of the file"; only meaningful for the last top-level box.
            0 if top_level => (8, remaining),
            1 => {
                if remaining < 16 {
                    return corrupt(format!(
                        "box '{}' at offset {at} is cut short",
                        fourcc(kind)
                    ));
                }
                let mut large = [0u8; 8];
                src.read_at(at + 8, &mut large)?;
                let size = u64::from_be_bytes(large);
                if size < 16 {
                    return corrupt(format!(
                        "box '{}' at offset {at} has a 64-bit size of {size} (< 16)",
                        fourcc(kind)
                    ));
                }
                (16, size)
            }
            size @ 0..=7 => {
                return corrupt(format!(
                    "box '{}' at offset {at} has size {size} (< 8)",
                    fourcc(kind)
                ));
            }
            size => (8, u64::from(size)),
        };
        if size > remaining {
            return corrupt(format!(
                "box '{}' at offset {at} is {size} bytes but only {remaining} remain in {}",
                fourcc(kind),
                fourcc(parent)
            ));
        }
        boxes += 1;
        if boxes > MAX_BOXES {
            return corrupt(format!("more than {MAX_BOXES} boxes"));
        }
        level.pos = at + size;

        let payload = at + header_len;
        let payload_len = size - header_len;
        if let Some(offset) = child_offset(src, kind, parent, payload, payload_len)? {
            if offset > payload_len {
                return corrupt(format!(
                    "box '{}' at offset {at} is too small ({size} bytes) for its fields",
                    fourcc(kind)
                ));
            }
            if depth > MAX_DEPTH {
                return corrupt(format!("boxes nested deeper than {MAX_DEPTH} levels"));
            }
            stack.push(Level {
                pos: payload + offset,
                end: at + size,
                kind,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A box with a 32-bit size header around `payload`.
    pub(crate) fn bx(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(payload.len() + 8);
        out.extend_from_slice(
            &u32::try_from(payload.len() + 8)
                .unwrap_or(u32::MAX)
                .to_be_bytes(),
        );
        out.extend_from_slice(kind);
        out.extend_from_slice(payload);
        out
    }

    fn ftyp() -> Vec<u8> {
        bx(b"ftyp", b"isom\0\0\x02\0isomiso2avc1mp41")
    }

    fn file(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }

    fn is_corrupt(bytes: &[u8]) -> bool {
        matches!(check_source(bytes), Err(ProbeError::Corrupt(_)))
    }

    #[test]
    fn accepts_well_formed_nesting() {
        let trak = bx(b"trak", &bx(b"tkhd", &[0; 84]));
        let moov = bx(b"moov", &file(&[bx(b"mvhd", &[0; 100]), trak]));
        let bytes = file(&[ftyp(), moov, bx(b"mdat", &[1, 2, 3])]);
        assert!(check_source(bytes.as_slice()).is_ok());
    }

    #[test]
    fn empty_input_is_ok_for_the_walker() {
        // Recognising an empty file as "not a video" is the sniffer's job, not the walker's.
        assert!(check_source([].as_slice()).is_ok());
    }

    #[test]
    fn rejects_a_child_of_size_4() {
        let mut child = bx(b"free", &[]);
        child[3] = 4;
        let moov = bx(b"moov", &file(&[child, vec![0; 8]]));
        assert!(is_corrupt(&file(&[ftyp(), moov])));
    }

    #[test]
    fn rejects_a_child_of_size_0() {
        let moov = bx(b"moov", &[0, 0, 0, 0, b't', b'r', b'a', b'k', 0, 0, 0, 0]);
        assert!(is_corrupt(&file(&[ftyp(), moov])));
    }

    #[test]
    fn allows_a_last_top_level_box_of_size_0() {
        let mut mdat = bx(b"mdat", &[9; 20]);
        mdat[..4].copy_from_slice(&[0; 4]);
        assert!(check_source(file(&[ftyp(), mdat]).as_slice()).is_ok());
    }

    #[test]
    fn rejects_a_box_past_the_end() {
        let mut bytes = file(&[ftyp(), bx(b"mdat", &[0; 100])]);
        bytes.truncate(bytes.len() - 10);
        assert!(is_corrupt(&bytes));
    }

    #[test]
    fn rejects_a_child_past_its_parent() {
        let child = bx(b"mvhd", &[0; 100]);
        let mut moov = bx(b"moov", &child);
        // Shrink moov by 10 bytes: its child now overruns it.
        let shrunk = u32::try_from(moov.len() - 10).unwrap_or(0);
        moov[..4].copy_from_slice(&shrunk.to_be_bytes());
        moov.truncate(moov.len() - 10);
        assert!(is_corrupt(&file(&[ftyp(), moov, bx(b"free", &[])])));
    }

    #[test]
    fn rejects_stray_bytes_in_a_container() {
        let moov = bx(b"moov", &file(&[bx(b"mvhd", &[0; 100]), vec![0, 0, 0]]));
        assert!(is_corrupt(&file(&[ftyp(), moov])));
    }

    #[test]
    fn checks_large_sizes() {
        let mut large = vec![0, 0, 0, 1];
        large.extend_from_slice(b"mdat");
        large.extend_from_slice(&24u64.to_be_bytes());
        large.extend_from_slice(&[0; 8]);
        assert!(check_source(file(&[ftyp(), large.clone()]).as_slice()).is_ok());
        large[8..16].copy_from_slice(&8u64.to_be_bytes());
        assert!(is_corrupt(&file(&[ftyp(), large])));
    }

    #[test]
    fn descends_into_sample_entries() {
        // avc1 entry with 78 bytes of fields and then a child of size 2.
        let mut entry_payload = vec![0; 78];
        entry_payload.extend_from_slice(&[0, 0, 0, 2, b'a', b'v', b'c', b'C']);
        let stsd = bx(b"stsd", &file(&[vec![0; 8], bx(b"avc1", &entry_payload)]));
        let moov = bx(
            b"moov",
            &bx(b"trak", &bx(b"mdia", &bx(b"minf", &bx(b"stbl", &stsd)))),
        );
        assert!(is_corrupt(&file(&[ftyp(), moov])));
    }

    #[test]
    fn handles_both_meta_layouts() {
        let hdlr = bx(b"hdlr", &[0; 25]);
        let iso = bx(b"meta", &file(&[vec![0; 4], hdlr.clone()]));
        let qt = bx(b"meta", &hdlr);
        for meta in [iso, qt] {
            let moov = bx(b"moov", &bx(b"udta", &meta));
            assert!(check_source(file(&[ftyp(), moov]).as_slice()).is_ok());
        }
    }

    #[test]
    fn bounds_nesting_depth() {
        let mut inner = bx(b"free", &[]);
        for _ in 0..40 {
            inner = bx(b"moov", &inner);
        }
        assert!(is_corrupt(&file(&[ftyp(), inner])));
    }
}
