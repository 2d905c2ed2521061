//! Safe publishing: init, upload and status with a [`Journal`] entry written before every step, so
//! that running the same publish again (after a crash, a network loss, an expired token) resumes
//! it or reports it instead of posting twice.
use std::path::PathBuf;
use std::time::Duration;

use reelbox_core::chunks::{ChunkLimits, ChunkPlan};
use reelbox_wire::ErrorCode;
use reelbox_wire::posting::{
    ContentInitRequest, InboxVideoInitRequest, MediaType, PhotoPostInfo, PhotoSourceInfo, PostMode,
    PublishStatus, Source, StatusData, VideoInitRequest, VideoPostInfo, VideoSourceInfo,
};

use crate::client::{Client, is_terminal};
use crate::error::{Error, Result};
use crate::journal::{Journal, JournalEntry, JournalKind, JournalState};
use crate::upload::{self, Progress};

/// Where a video goes.
#[derive(Debug, Clone, PartialEq)]
pub enum VideoTarget {
    /// Direct Post with these settings (`privacy_level` is required).
    Direct(VideoPostInfo),
    /// A draft in the creator's inbox; the creator finishes it in the app.
    Inbox,
}

/// What to publish.
#[derive(Debug, Clone, PartialEq)]
pub enum Media {
    /// A local video file, uploaded in chunks.
    File {
        /// The file.
        path: PathBuf,
        /// Direct or inbox.
        target: VideoTarget,
    },
    /// A video the platform downloads from a verified URL prefix.
    VideoUrl {
        /// The https URL.
        url: String,
        /// Direct or inbox.
        target: VideoTarget,
    },
    /// Photos the platform downloads from verified URL prefixes.
    Photos {
        /// Up to 35 image URLs.
        urls: Vec<String>,
        /// 0-based index of the cover.
        cover_index: i64,
        /// `DIRECT_POST` or `MEDIA_UPLOAD` (inbox).
        mode: PostMode,
        /// Title, description, privacy and toggles.
        post_info: PhotoPostInfo,
    },
}

/// The outcome of [`Publisher::start`].
#[derive(Debug, Clone, PartialEq)]
pub struct Started {
    /// The platform's id of the publish.
    pub publish_id: String,
    /// The journal already knew this publish (a resumed upload or a status check, no new init).
    pub resumed: bool,
    /// A terminal status the journal or the platform already reported.
    pub finished: Option<StatusData>,
}

/// Publishes with a journal.
#[derive(Clone)]
pub struct Publisher {
    /// The API client.
    pub client: Client,
    /// The journal.
    pub journal: Journal,
    /// Preferred chunk size (the plan still follows the chunk rules).
    pub chunk_size: u64,
    /// A clock for the journal's timestamps (epoch ms).
    pub now: crate::oauth::NowFn,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("client", &self.client)
            .field("journal", &self.journal)
            .field("chunk_size", &self.chunk_size)
            .finish_non_exhaustive()
    }
}

impl Publisher {
    /// A publisher over `client` keeping its journal in `journal`.
    pub fn new(client: Client, journal: Journal) -> Publisher {
        Publisher {
            client,
            journal,
            chunk_size: upload::PREFERRED_CHUNK,
            now: std::sync::Arc::new(crate::oauth::system_now_ms),
        }
    }

    fn plan(&self, size: u64) -> Result<ChunkPlan> {
        ChunkPlan::for_file(size, self.chunk_size, &ChunkLimits::default()).map_err(Error::Invalid)
    }

    /// Inits (or resumes) the publish named `key` and sends its bytes. Running it again with the
    /// same key never makes a second post: it resumes the upload, or reports what the platform
    /// says about the first one.
    pub async fn start(
        &self,
        key: &str,
        media: &Media,
        progress: Option<Progress>,
    ) -> Result<Started> {
        let (kind, inbox) = match media {
            Media::File { target, .. } => (JournalKind::VideoFile, *target == VideoTarget::Inbox),
            Media::VideoUrl { target, .. } => {
                (JournalKind::VideoUrl, *target == VideoTarget::Inbox)
            }
            Media::Photos { mode, .. } => (JournalKind::Photos, *mode == PostMode::MediaUpload),
        };
        let mut abandoned = Vec::new();
        if let Some(e) = self.journal.load(key)? {
            if e.kind != kind {
                return Err(Error::Unsafe(format!(
                    "the journal entry {key} is for another kind of publish"
                )));
            }
            match self.resume(e, media, progress.clone()).await? {
                Resume::Done(s) => return Ok(s),
                Resume::Restart(gone) => abandoned = gone,
            }
        }
        self.fresh(key, media, kind, inbox, abandoned, progress)
            .await
    }

    async fn fresh(
        &self,
        key: &str,
        media: &Media,
        kind: JournalKind,
        inbox: bool,
        abandoned: Vec<String>,
        progress: Option<Progress>,
    ) -> Result<Started> {
        let now = (self.now)();
        let mut e = JournalEntry {
            key: key.to_string(),
            state: JournalState::Initiating,
            kind,
            inbox,
            path: None,
            fingerprint: None,
            publish_id: None,
            upload_url: None,
            video_size: None,
            chunk_size: None,
            chunk_count: None,
            status: None,
            abandoned,
            created_at_ms: now,
            updated_at_ms: now,
        };
        let init = match media {
            Media::File { path, target } => {
                let size = upload::file_size(path).await?;
                let plan = self.plan(size)?;
                e.path = Some(path.clone());
                e.fingerprint = Some(upload::file_fingerprint(path).await?);
                e.video_size = Some(plan.video_size);
                e.chunk_size = Some(plan.chunk_size);
                e.chunk_count = Some(plan.count);
                let source_info = VideoSourceInfo {
                    source: Source::FileUpload,
                    video_size: Some(plan.video_size as i64),
                    chunk_size: Some(plan.chunk_size as i64),
                    total_chunk_count: Some(plan.count as i64),
                    video_url: None,
                };
                self.journal.save(&e)?;
                self.init_video(target, source_info).await
            }
            Media::VideoUrl { url, target } => {
                let source_info = VideoSourceInfo {
                    source: Source::PullFromUrl,
                    video_size: None,
                    chunk_size: None,
                    total_chunk_count: None,
                    video_url: Some(url.clone()),
                };
                self.journal.save(&e)?;
                self.init_video(target, source_info).await
            }
            Media::Photos {
                urls,
                cover_index,
                mode,
                post_info,
            } => {
                self.journal.save(&e)?;
                self.client
                    .content_init(&ContentInitRequest {
                        media_type: MediaType::Photo,
                        post_mode: *mode,
                        post_info: post_info.clone(),
                        source_info: PhotoSourceInfo {
                            source: Source::PullFromUrl,
                            photo_images: urls.clone(),
                            photo_cover_index: *cover_index,
                        },
                    })
                    .await
            }
        };
        let init = match init {
            Ok(i) => i,
            Err(err) => {
                // A refused init made nothing: the key is free again. A lost answer is not a
                // refusal, so the Initiating entry stays for those.
                if matches!(err, Error::Api(_) | Error::Invalid(_)) {
                    self.journal.remove(key)?;
                }
                return Err(err);
            }
        };
        e.publish_id = Some(init.publish_id.clone());
        e.upload_url = init.upload_url.clone();
        e.state = if kind == JournalKind::VideoFile {
            JournalState::Uploading
        } else {
            JournalState::Uploaded
        };
        e.updated_at_ms = (self.now)();
        self.journal.save(&e)?;
        if kind == JournalKind::VideoFile {
            self.send_bytes(&mut e, 0, progress).await?;
        }
        Ok(Started {
            publish_id: init.publish_id,
            resumed: false,
            finished: None,
        })
    }

    async fn init_video(
        &self,
        target: &VideoTarget,
        source_info: VideoSourceInfo,
    ) -> Result<reelbox_wire::posting::InitData> {
        match target {
            VideoTarget::Direct(post_info) => {
                self.client
                    .video_init(&VideoInitRequest {
                        post_info: Some(post_info.clone()),
                        source_info,
                    })
                    .await
            }
            VideoTarget::Inbox => {
                self.client
                    .inbox_video_init(&InboxVideoInitRequest { source_info })
                    .await
            }
        }
    }

    async fn send_bytes(
        &self,
        e: &mut JournalEntry,
        from: u64,
        progress: Option<Progress>,
    ) -> Result<()> {
        let (Some(path), Some(url), Some(size), Some(chunk), Some(count)) = (
            e.path.clone(),
            e.upload_url.clone(),
            e.video_size,
            e.chunk_size,
            e.chunk_count,
        ) else {
            return Err(Error::Unsafe(format!(
                "the journal entry {} lacks its upload details",
                e.key
            )));
        };
        let plan = ChunkPlan {
            video_size: size,
            chunk_size: chunk,
            count,
        };
        upload::upload_file(
            self.client.http(),
            &url,
            &path,
            &plan,
            from,
            &self.client.backoff,
            progress,
        )
        .await?;
        e.state = JournalState::Uploaded;
        e.updated_at_ms = (self.now)();
        self.journal.save(e)?;
        Ok(())
    }

    async fn resume(
        &self,
        mut e: JournalEntry,
        media: &Media,
        progress: Option<Progress>,
    ) -> Result<Resume> {
        let Some(id) = e.publish_id.clone() else {
            // The init's answer was never recorded. An upload init without its bytes can never
            // become a post, so a new init is safe; a pull might have started, so it is not.
            return if e.kind == JournalKind::VideoFile {
                Ok(Resume::Restart(e.abandoned))
            } else {
                Err(Error::Unsafe(format!(
                    "an earlier attempt of {} may have started a pull whose answer was lost: check \
                     the creator's posts (or inbox) and then remove {} to post again",
                    e.key,
                    self.journal.path_of(&e.key).display()
                )))
            };
        };
        if e.state == JournalState::Finished {
            return Ok(Resume::Done(Started {
                publish_id: id,
                resumed: true,
                finished: e.status,
            }));
        }
        let st = match self.client.status(&id).await {
            Ok(s) => s,
            // The platform does not know it: nothing of it can be posted.
            Err(err) if err.is(ErrorCode::InvalidPublishId) && e.kind == JournalKind::VideoFile => {
                let mut gone = e.abandoned;
                gone.push(id);
                return Ok(Resume::Restart(gone));
            }
            Err(err) => return Err(err),
        };
        let uploading = e.kind == JournalKind::VideoFile
            && st.status == PublishStatus::ProcessingUpload
            && (st.uploaded_bytes.unwrap_or(0).max(0) as u64) < e.video_size.unwrap_or(0);
        if uploading {
            if let Media::File { path, .. } = media {
                if Some(path) != e.path.as_ref() {
                    return Err(Error::Unsafe(format!(
                        "the journal entry {} is for {}, not {}",
                        e.key,
                        e.path
                            .as_ref()
                            .map(|p| p.display().to_string())
                            .unwrap_or_default(),
                        path.display()
                    )));
                }
                if e.fingerprint.as_deref() != Some(upload::file_fingerprint(path).await?.as_str())
                {
                    return Err(Error::Unsafe(format!(
                        "{} changed since its upload began; remove {} to post it anew",
                        path.display(),
                        self.journal.path_of(&e.key).display()
                    )));
                }
            }
            let from = st.uploaded_bytes.unwrap_or(0).max(0) as u64;
            match self.send_bytes(&mut e, from, progress).await {
                Ok(()) => {}
                // The upload URL expired (403) or the task is gone (404): the publish never
                // received all its bytes, so it can never post; start over.
                Err(Error::Upload {
                    status: 403 | 404, ..
                }) => {
                    let mut gone = e.abandoned;
                    gone.push(id);
                    return Ok(Resume::Restart(gone));
                }
                Err(err) => return Err(err),
            }
            return Ok(Resume::Done(Started {
                publish_id: id,
                resumed: true,
                finished: None,
            }));
        }
        let finished = is_terminal(st.status).then(|| st.clone());
        e.state = if finished.is_some() {
            JournalState::Finished
        } else {
            JournalState::Uploaded
        };
        e.status = Some(st);
        e.updated_at_ms = (self.now)();
        self.journal.save(&e)?;
        Ok(Resume::Done(Started {
            publish_id: id,
            resumed: true,
            finished,
        }))
    }

    /// Polls the publish named `key` to a terminal state and records it in the journal.
    pub async fn finish(
        &self,
        key: &str,
        publish_id: &str,
        timeout: Option<Duration>,
        on_status: impl FnMut(&StatusData),
    ) -> Result<StatusData> {
        let st = self
            .client
            .wait_for_status(publish_id, timeout, on_status)
            .await?;
        if let Some(mut e) = self.journal.load(key)? {
            e.state = if is_terminal(st.status) {
                JournalState::Finished
            } else {
                e.state
            };
            e.status = Some(st.clone());
            e.updated_at_ms = (self.now)();
            self.journal.save(&e)?;
        }
        Ok(st)
    }

    /// [`Publisher::start`] then [`Publisher::finish`].
    pub async fn publish(
        &self,
        key: &str,
        media: &Media,
        progress: Option<Progress>,
        timeout: Option<Duration>,
    ) -> Result<(Started, StatusData)> {
        let s = self.start(key, media, progress).await?;
        let st = match &s.finished {
            Some(f) => f.clone(),
            None => self.finish(key, &s.publish_id, timeout, |_| {}).await?,
        };
        Ok((s, st))
    }
}

enum Resume {
    Done(Started),
    /// Init again; these publish ids can never post.
    Restart(Vec<String>),
}
