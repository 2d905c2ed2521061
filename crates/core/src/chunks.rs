//! The chunk rules of FILE_UPLOAD (spec §7.1): what an init may declare, how a file splits into
//! chunks, and what a `Content-Range` must say. Shared by the server (which enforces them) and the
//! SDK (which plans uploads with them).

/// The numbers behind the chunk rules. "MB" is ambiguous in TikTok's docs, so reelbox is lenient:
/// 5,000,000 bytes minimum, 64 MiB maximum, 128 MiB for the final chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkLimits {
    pub min_chunk: u64,
    pub max_chunk: u64,
    pub max_final_chunk: u64,
    pub max_chunks: u64,
    pub max_file: u64,
}

impl Default for ChunkLimits {
    fn default() -> Self {
        ChunkLimits {
            min_chunk: 5_000_000,
            max_chunk: 64 * 1024 * 1024,
            max_final_chunk: 128 * 1024 * 1024,
            max_chunks: 1000,
            max_file: 4 * 1024 * 1024 * 1024,
        }
    }
}

impl ChunkLimits {
    /// Both readings of TikTok's "MB" at once (5 MiB minimum, 64,000,000 bytes maximum,
    /// 128,000,000 for the final chunk): what no reading of TikTok's pages lets through, so a
    /// plan valid here is valid on TikTok whatever "MB" means.
    pub fn tiktok_strict() -> ChunkLimits {
        ChunkLimits {
            min_chunk: 5 * 1024 * 1024,
            max_chunk: 64_000_000,
            max_final_chunk: 128_000_000,
            ..ChunkLimits::default()
        }
    }
}

/// A validated plan: `video_size` bytes in `count` chunks of `chunk_size` (the last absorbs the rest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkPlan {
    pub video_size: u64,
    pub chunk_size: u64,
    pub count: u64,
}

impl ChunkPlan {
    /// Whether this plan (valid under the lenient limits) relies on the leniency: TikTok may
    /// refuse it under one reading of "MB".
    pub fn at_lenient_edge(&self) -> bool {
        ChunkPlan::validate(
            self.video_size as i64,
            self.chunk_size as i64,
            self.count as i64,
            &ChunkLimits::tiktok_strict(),
        )
        .is_err()
    }

    /// Checks an init's `video_size`, `chunk_size`, `total_chunk_count`; `Err` carries the
    /// `invalid_param` message.
    pub fn validate(
        video_size: i64,
        chunk_size: i64,
        count: i64,
        l: &ChunkLimits,
    ) -> Result<ChunkPlan, String> {
        if video_size <= 0 {
            return Err("source_info.video_size must be positive".into());
        }
        if chunk_size <= 0 {
            return Err("source_info.chunk_size must be positive".into());
        }
        if count <= 0 {
            return Err("source_info.total_chunk_count must be positive".into());
        }
        let (size, chunk, count) = (video_size as u64, chunk_size as u64, count as u64);
        if size > l.max_file {
            return Err(format!(
                "video_size {size} exceeds the maximum of {} bytes",
                l.max_file
            ));
        }
        if chunk > size {
            return Err("chunk_size must not exceed video_size".into());
        }
        if size < l.min_chunk {
            if chunk != size || count != 1 {
                return Err(format!(
                    "a video smaller than {} bytes is uploaded as one chunk: chunk_size must equal video_size and total_chunk_count must be 1",
                    l.min_chunk
                ));
            }
            return Ok(ChunkPlan {
                video_size: size,
                chunk_size: chunk,
                count,
            });
        }
        if chunk < l.min_chunk || chunk > l.max_chunk {
            return Err(format!(
                "chunk_size must be between {} and {} bytes",
                l.min_chunk, l.max_chunk
            ));
        }
        let expected = size / chunk;
        if count != expected {
            return Err(format!(
                "total_chunk_count must be floor(video_size / chunk_size) = {expected}, got {count}"
            ));
        }
        if count > l.max_chunks {
            return Err(format!("at most {} chunks are allowed", l.max_chunks));
        }
        let plan = ChunkPlan {
            video_size: size,
            chunk_size: chunk,
            count,
        };
        if plan.chunk_len(count - 1) > l.max_final_chunk {
            return Err(format!(
                "the final chunk would exceed {} bytes",
                l.max_final_chunk
            ));
        }
        Ok(plan)
    }

    /// The plan a careful client makes for a file: one chunk up to `preferred` bytes (or when the
    /// file is smaller than the minimum chunk), else chunks of `preferred` bytes.
    pub fn for_file(size: u64, preferred: u64, l: &ChunkLimits) -> Result<ChunkPlan, String> {
        if size == 0 {
            return Err("the file is empty".into());
        }
        if size > l.max_file {
            return Err(format!("the file exceeds {} bytes", l.max_file));
        }
        let preferred = preferred.clamp(l.min_chunk, l.max_chunk);
        if size <= preferred {
            return Ok(ChunkPlan {
                video_size: size,
                chunk_size: size,
                count: 1,
            });
        }
        let mut chunk = preferred;
        // Grow the chunk until the count and the final chunk both fit.
        loop {
            let count = size / chunk;
            let last = size - chunk * (count - 1);
            if count <= l.max_chunks && last <= l.max_final_chunk {
                return Ok(ChunkPlan {
                    video_size: size,
                    chunk_size: chunk,
                    count,
                });
            }
            if chunk >= l.max_chunk {
                return Err("the file cannot be split within the chunk rules".into());
            }
            chunk = (chunk * 2).min(l.max_chunk);
        }
    }

    /// Byte offset of chunk `i` (0-based).
    pub fn chunk_offset(&self, i: u64) -> u64 {
        i * self.chunk_size
    }

    /// Length of chunk `i`; the final one takes the remainder.
    pub fn chunk_len(&self, i: u64) -> u64 {
        if i + 1 == self.count {
            self.video_size - self.chunk_size * (self.count - 1)
        } else {
            self.chunk_size
        }
    }

    /// Which chunk starts at `offset`, if any.
    pub fn chunk_at(&self, offset: u64) -> Option<u64> {
        if offset.is_multiple_of(self.chunk_size) && offset / self.chunk_size < self.count {
            Some(offset / self.chunk_size)
        } else {
            None
        }
    }
}

/// A parsed `Content-Range: bytes FIRST-LAST/TOTAL` (inclusive, 0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentRange {
    pub first: u64,
    pub last: u64,
    pub total: u64,
}

impl ContentRange {
    pub fn parse(s: &str) -> Option<ContentRange> {
        let rest = s.trim().strip_prefix("bytes")?;
        let rest = rest.trim_start();
        let (range, total) = rest.split_once('/')?;
        let (first, last) = range.trim().split_once('-')?;
        let num = |x: &str| -> Option<u64> {
            let x = x.trim();
            if x.is_empty() || x.len() > 20 || !x.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            x.parse().ok()
        };
        let cr = ContentRange {
            first: num(first)?,
            last: num(last)?,
            total: num(total)?,
        };
        (cr.first <= cr.last && cr.last < cr.total).then_some(cr)
    }

    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

/// Why a chunk PUT is refused, mapped by the server to 400 / 416.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkRefusal {
    /// Malformed or inconsistent headers: 400.
    BadRequest(String),
    /// Does not match the upload's progress: 416.
    NotSatisfiable(String),
}

/// Checks one chunk PUT against the plan and what the server has acknowledged so far.
/// Returns the chunk index it fills.
pub fn check_chunk(
    plan: &ChunkPlan,
    acknowledged: u64,
    range: &ContentRange,
    content_length: Option<u64>,
) -> Result<u64, ChunkRefusal> {
    if let Some(cl) = content_length
        && cl != range.len()
    {
        return Err(ChunkRefusal::BadRequest(format!(
            "Content-Length {cl} does not match Content-Range length {}",
            range.len()
        )));
    }
    if range.total != plan.video_size {
        return Err(ChunkRefusal::NotSatisfiable(format!(
            "total {} does not match video_size {}",
            range.total, plan.video_size
        )));
    }
    if acknowledged >= plan.video_size {
        return Err(ChunkRefusal::NotSatisfiable(
            "the upload is already complete".into(),
        ));
    }
    if range.first != acknowledged {
        return Err(ChunkRefusal::NotSatisfiable(format!(
            "expected the chunk starting at byte {acknowledged}, got {}",
            range.first
        )));
    }
    let idx = plan.chunk_at(range.first).ok_or_else(|| {
        ChunkRefusal::NotSatisfiable("range does not start on a chunk boundary".into())
    })?;
    if range.len() != plan.chunk_len(idx) {
        return Err(ChunkRefusal::NotSatisfiable(format!(
            "chunk {} must be {} bytes, got {}",
            idx + 1,
            plan.chunk_len(idx),
            range.len()
        )));
    }
    Ok(idx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l() -> ChunkLimits {
        ChunkLimits::default()
    }

    #[test]
    fn spec_worked_example() {
        let p = ChunkPlan::validate(50_000_123, 10_000_000, 5, &l()).unwrap();
        assert_eq!(p.chunk_len(4), 10_000_123);
        assert_eq!(p.chunk_offset(4), 40_000_000);
        let r = ContentRange::parse("bytes 40000000-50000122/50000123").unwrap();
        assert_eq!(check_chunk(&p, 40_000_000, &r, Some(10_000_123)), Ok(4));
    }

    #[test]
    fn init_rules() {
        assert!(ChunkPlan::validate(4_194_304, 4_194_304, 1, &l()).is_ok());
        assert!(
            ChunkPlan::validate(4_194_304, 1_000_000, 4, &l()).is_err(),
            "small files are one chunk"
        );
        assert!(
            ChunkPlan::validate(50_000_123, 10_000_000, 6, &l()).is_err(),
            "ceil is wrong"
        );
        assert!(
            ChunkPlan::validate(100 * 1024 * 1024, 100 * 1024 * 1024, 1, &l()).is_err(),
            ">64 MiB needs chunks"
        );
        assert!(
            ChunkPlan::validate(5 * 1024 * 1024 * 1024, 64 * 1024 * 1024, 80, &l()).is_err(),
            "> 4 GiB"
        );
        assert!(
            ChunkPlan::validate(10_000_000, 4_000_000, 2, &l()).is_err(),
            "chunk below min"
        );
        assert!(ChunkPlan::validate(0, 1, 1, &l()).is_err());
        assert!(ChunkPlan::validate(-5, 1, 1, &l()).is_err());
        // With floor() and chunks ≤ 64 MiB the final chunk stays < 128 MiB: the largest legal one.
        let big = 64 * 1024 * 1024 * 3 - 1;
        let p = ChunkPlan::validate(big, 64 * 1024 * 1024, 2, &l()).unwrap();
        assert_eq!(p.chunk_len(1), 128 * 1024 * 1024 - 1);
    }

    #[test]
    fn planned_files_always_validate() {
        for size in [
            1u64,
            4_999_999,
            5_000_000,
            64 * 1024 * 1024,
            64 * 1024 * 1024 + 1,
            1 << 30,
            4 * 1024 * 1024 * 1024,
        ] {
            let p = ChunkPlan::for_file(size, 10_000_000, &l()).unwrap();
            ChunkPlan::validate(
                p.video_size as i64,
                p.chunk_size as i64,
                p.count as i64,
                &l(),
            )
            .unwrap_or_else(|e| panic!("{size}: {e}"));
        }
    }

    #[test]
    fn content_range_parsing() {
        assert_eq!(
            ContentRange::parse("bytes 0-9/10"),
            Some(ContentRange {
                first: 0,
                last: 9,
                total: 10
            })
        );
        assert!(ContentRange::parse("bytes 9-0/10").is_none());
        assert!(ContentRange::parse("bytes 0-10/10").is_none());
        assert!(ContentRange::parse("bytes */10").is_none());
        assert!(ContentRange::parse("items 0-9/10").is_none());
        assert!(ContentRange::parse("bytes -1-9/10").is_none());
        assert!(ContentRange::parse("bytes 0-99999999999999999999999/1").is_none());
    }

    #[test]
    fn out_of_order_and_resend_are_416() {
        let p = ChunkPlan::validate(50_000_123, 10_000_000, 5, &l()).unwrap();
        let second = ContentRange::parse("bytes 10000000-19999999/50000123").unwrap();
        assert!(matches!(
            check_chunk(&p, 0, &second, None),
            Err(ChunkRefusal::NotSatisfiable(_))
        ));
        let first = ContentRange::parse("bytes 0-9999999/50000123").unwrap();
        assert!(matches!(
            check_chunk(&p, 10_000_000, &first, None),
            Err(ChunkRefusal::NotSatisfiable(_))
        ));
        assert!(matches!(
            check_chunk(&p, 0, &first, Some(5)),
            Err(ChunkRefusal::BadRequest(_))
        ));
        let wrong_total = ContentRange::parse("bytes 0-9999999/50000124").unwrap();
        assert!(matches!(
            check_chunk(&p, 0, &wrong_total, None),
            Err(ChunkRefusal::NotSatisfiable(_))
        ));
    }
    #[test]
    fn a_plan_at_an_edge_only_one_reading_of_mb_allows_is_lenient() {
        let plan = |size, chunk, count| {
            ChunkPlan::validate(size, chunk, count, &ChunkLimits::default()).unwrap()
        };
        // 5,000,000-byte chunks: 5 MB, but under 5 MiB.
        assert!(plan(10_000_000, 5_000_000, 2).at_lenient_edge());
        // 64 MiB chunks: over 64,000,000 bytes.
        assert!(plan(3 * 67_108_864, 67_108_864, 3).at_lenient_edge());
        // Inside both readings.
        assert!(!plan(30_000_000, 10_000_000, 3).at_lenient_edge());
        assert!(!plan(1_000_000, 1_000_000, 1).at_lenient_edge());
    }
}
