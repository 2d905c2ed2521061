//! Starting a publish: the one use case behind `video/init`, `inbox/video/init` and
//! `content/init`. Under the creator's lock (and the app's, for Direct Post) it counts the caps,
//! applies the posting rules, writes the publish and its download job, then commits and tells the
//! node once: the usage cache and the worker.
use reelbox_core::ids::{self, PublishKind};
use reelbox_core::rules::{self, AppStanding, PostKind, RequestedPost};
use reelbox_core::secrets;
use reelbox_core::sources::MediaSource;
use reelbox_store::Store;
use reelbox_store::apps::App;
use reelbox_store::creators::Creator;
use reelbox_store::publishes::Publish;
use reelbox_wire::posting::{PostMode, PublishStatus, Source, fail_reason};

use crate::service::caps::usage;
use crate::service::error::ServiceResult;
use crate::state::AppState;

/// Who posts: the app, the creator, and the access token the publish is tied to (its status is
/// readable with that token only).
pub struct Poster<'a> {
    pub app: &'a App,
    pub creator: &'a Creator,
    pub token_hash: &'a str,
}

/// Where the media goes.
pub enum Destination {
    /// Straight to the creator's profile, under the Direct Post rules.
    Direct(RequestedPost),
    /// To the creator's inbox as a draft.
    Inbox,
}

/// A publish to start.
pub struct NewPublish {
    pub kind: PostKind,
    pub destination: Destination,
    pub media: MediaSource,
    /// The request's `post_info` as sent, stored for the post.
    pub post_info: String,
    /// A photo post's image URLs and the index of its cover.
    pub photos: Option<(Vec<String>, i64)>,
}

/// A publish started: its id, and for `FILE_UPLOAD` where to send the chunks (path and query;
/// the handler puts the host in front, which depends on how the init arrived).
pub struct Started {
    pub publish_id: String,
    pub upload_path: Option<String>,
}

/// The job that fails an upload still incomplete when its URL expires.
pub const EXPIRE_UPLOAD: &str = "expire_upload";

/// The numeric part of a publish id, shown as `upload_id` in upload URLs.
pub fn upload_id(publish_id: &str) -> &str {
    publish_id.rsplit('.').next().unwrap_or(publish_id)
}

fn publish_kind(n: &NewPublish) -> PublishKind {
    let file = matches!(n.media, MediaSource::File(_));
    match (n.kind, &n.destination, file) {
        (PostKind::Photo, _, _) => PublishKind::Photo,
        (_, Destination::Direct(_), true) => PublishKind::DirectFile,
        (_, Destination::Direct(_), false) => PublishKind::DirectUrl,
        (_, Destination::Inbox, true) => PublishKind::InboxFile,
        (_, Destination::Inbox, false) => PublishKind::InboxUrl,
    }
}

/// Applies the caps and rules, writes the publish and answers where its media goes.
pub async fn start(st: &AppState, who: Poster<'_>, n: NewPublish) -> ServiceResult<Started> {
    let (app, creator) = (who.app, who.creator);
    // A blocked term in the title or caption: the init is answered (TikTok documents
    // `spam_risk_text` as a fail reason, never as an init error) and the publish ends FAILED at
    // once, told to the app like any failure; nothing is stored nor downloaded for it.
    let refused = match &n.destination {
        Destination::Direct(r) => {
            let text = format!(
                "{} {}",
                r.title.as_deref().unwrap_or(""),
                r.description.as_deref().unwrap_or("")
            );
            crate::service::moderation::blocked_term(st, &text).await?
        }
        Destination::Inbox => None,
    };
    let mut writer_conn = st.store.writer.acquire().await?;
    let mut tx = writer_conn.begin().await?;
    st.store.lock_creator_tx(&mut tx, &creator.id).await?;
    if matches!(n.destination, Destination::Direct(_)) {
        // The app's active-creator cap counts across its creators: one Direct Post at a time.
        st.store.lock_app_tx(&mut tx, &app.client_key).await?;
    }
    let u = usage(
        st,
        &mut *tx,
        creator,
        &app.client_key,
        app.audited,
        app.active_user_cap,
    )
    .await?;
    let settings = match &n.destination {
        Destination::Direct(requested) => Some(rules::check_direct_post(
            n.kind,
            &creator.settings(),
            AppStanding {
                audited: app.audited,
            },
            &u,
            requested,
        )?),
        Destination::Inbox => {
            rules::check_inbox_upload(&creator.settings(), &u)?;
            None
        }
    };
    // The publish's times are its creator's (the app's clock plus the creator's offset); its
    // jobs run on the shared clock the worker reads.
    let shared_now = st.now();
    let now = st.now_for_creator(&app.client_key, Some(&creator.id));
    let id = ids::publish_id(publish_kind(&n), now);
    let mode = match n.destination {
        Destination::Direct(_) => PostMode::DirectPost,
        Destination::Inbox => PostMode::MediaUpload,
    };
    let media_type = match n.kind {
        PostKind::Photo => "PHOTO",
        PostKind::Video => "VIDEO",
    };
    let mut p = Publish {
        id: id.clone(),
        client_key: app.client_key.clone(),
        creator_id: creator.id.clone(),
        token_hash: who.token_hash.to_string(),
        mode: mode.as_str().into(),
        media_type: media_type.into(),
        source: String::new(),
        // Set with the source below.
        status: PublishStatus::ProcessingUpload,
        fail_reason: None,
        post_info: n.post_info,
        settings: settings.map(|s| serde_json::to_string(&s).unwrap_or_default()),
        video_url: None,
        photo_images: None,
        photo_cover_index: None,
        video_size: None,
        chunk_size: None,
        total_chunk_count: None,
        uploaded_bytes: 0,
        downloaded_bytes: 0,
        upload_token_hash: None,
        upload_expires_at: None,
        upload_handle: None,
        object_key: None,
        probe: None,
        post_ids: "[]".into(),
        public_post_ids: "[]".into(),
        inbox_state: (mode == PostMode::MediaUpload).then(|| "pending".to_string()),
        created_at: now,
        updated_at: now,
        completed_at: None,
    };
    let mut upload_path = None;
    match n.media {
        MediaSource::File(plan) => {
            let token = ids::upload_token();
            p.source = Source::FileUpload.as_str().into();
            p.status = PublishStatus::ProcessingUpload;
            p.video_size = Some(plan.video_size as i64);
            p.chunk_size = Some(plan.chunk_size as i64);
            p.total_chunk_count = Some(plan.count as i64);
            p.upload_token_hash = Some(secrets::sha256_hex(&token));
            p.upload_expires_at = Some(now + st.cfg.limits.upload_url_ttl_secs * 1000);
            if refused.is_none() {
                p.upload_handle = Some(
                    st.blobs
                        .begin_upload(&id)
                        .await
                        .map_err(anyhow::Error::from)?,
                );
            }
            upload_path = Some(format!(
                "{}?upload_id={}&upload_token={}",
                crate::http::limits::UPLOAD_PATH,
                upload_id(&id),
                token
            ));
        }
        MediaSource::Url(url) => {
            p.source = Source::PullFromUrl.as_str().into();
            p.status = PublishStatus::ProcessingDownload;
            p.video_url = Some(url);
        }
    }
    if let Some((images, cover)) = n.photos {
        p.photo_images = Some(serde_json::to_string(&images).unwrap_or_default());
        p.photo_cover_index = Some(cover);
    }
    if let Some(term) = &refused {
        tracing::info!(publish_id = %p.id, term, "init refused: a blocked term");
        p.status = PublishStatus::Failed;
        p.fail_reason = Some(fail_reason::SPAM_RISK_TEXT.into());
        p.completed_at = Some(now);
        Store::insert_publish_tx(&mut tx, &p).await?;
        Store::write_outbox_tx(&mut tx, &refused_outbox(st, &p).await?, now).await?;
        tx.commit().await.map_err(reelbox_store::StoreError::from)?;
        st.store.publishes_changed();
        st.work.notify_one();
        return Ok(Started {
            publish_id: p.id,
            upload_path,
        });
    }
    Store::insert_publish_tx(&mut tx, &p).await?;
    if p.source == Source::PullFromUrl.as_str() {
        Store::enqueue_job_tx(
            &mut tx,
            &ids::row_id(),
            "pull",
            &p.id,
            shared_now,
            shared_now,
            Some(&p.client_key),
        )
        .await?;
    }
    if let Some(expires_at) = p.upload_expires_at {
        // An upload abandoned before its URL expires must not stay PROCESSING_UPLOAD for ever
        // (clients poll to a final status): the job fails it then, on the platform's clock.
        let at = expires_at + 1 - (now - shared_now);
        let job = Store::upload_expiry_job_id(&p.id);
        Store::enqueue_job_tx(
            &mut tx,
            &job,
            EXPIRE_UPLOAD,
            &p.id,
            at,
            shared_now,
            Some(&p.client_key),
        )
        .await?;
    }
    tx.commit().await.map_err(reelbox_store::StoreError::from)?;
    st.store.publishes_changed();
    st.work.notify_one();
    Ok(Started {
        publish_id: p.id,
        upload_path,
    })
}

/// The `post.publish.failed` event of a publish refused for its text.
async fn refused_outbox(
    st: &AppState,
    p: &Publish,
) -> Result<reelbox_store::webhooks::Outbox, reelbox_store::StoreError> {
    let open_id = crate::service::publishes::open_id(st, p).await?;
    crate::service::events::prepare(
        st,
        &p.client_key,
        &open_id,
        reelbox_wire::webhook::events::PUBLISH_FAILED,
        serde_json::json!({"publish_id": p.id, "reason": fail_reason::SPAM_RISK_TEXT, "publish_type": crate::service::publishes::kind_of(p)}),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use reelbox_core::chunks::ChunkPlan;

    fn new(kind: PostKind, destination: Destination, media: MediaSource) -> NewPublish {
        NewPublish {
            kind,
            destination,
            media,
            post_info: "{}".into(),
            photos: None,
        }
    }

    #[test]
    fn a_publish_id_names_its_destination_and_source() {
        let file = || {
            MediaSource::File(ChunkPlan {
                video_size: 1,
                chunk_size: 1,
                count: 1,
            })
        };
        let url = || MediaSource::Url("https://a.example/v.mp4".into());
        let direct = || Destination::Direct(RequestedPost::default());
        let cases = [
            (new(PostKind::Video, direct(), file()), "v_pub_file~v2-1."),
            (new(PostKind::Video, direct(), url()), "v_pub_url~v2."),
            (
                new(PostKind::Video, Destination::Inbox, file()),
                "v_inbox_file~v2.",
            ),
            (
                new(PostKind::Video, Destination::Inbox, url()),
                "v_inbox_url~v2.",
            ),
            (new(PostKind::Photo, direct(), url()), "p_pub_url~v2."),
            (
                new(PostKind::Photo, Destination::Inbox, url()),
                "p_pub_url~v2.",
            ),
        ];
        for (n, prefix) in cases {
            assert_eq!(publish_kind(&n).prefix(), prefix);
        }
    }

    #[test]
    fn the_upload_id_is_the_numeric_tail_of_the_publish_id() {
        assert_eq!(
            upload_id("v_pub_file~v2-1.7312345678901234567"),
            "7312345678901234567"
        );
        assert_eq!(upload_id("plain"), "plain");
    }
}
