//! Data Portability (wire reference `more-v2-products.md` §5): a creator's token asks for an
//! export; a job builds the zip of the requested categories a page of rows at a time into a
//! temporary file (memory stays flat however large the creator), streams it to the blob store,
//! marks the request `downloading` and queues `portability.download.ready` in the same
//! transaction. The archive is downloadable until it expires.
use std::io::Write;

use reelbox_core::portability::{self, Category, Status};
use reelbox_media::blob::ByteStream;
use reelbox_store::portability::{ARCHIVE_JOB, DataRequest, Section};
use reelbox_wire::ErrorCode;
use reelbox_wire::portability::{AddDataRequest, DataRequestId, DataRequestStatus};
use reelbox_wire::webhook::events;
use serde_json::json;

use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::state::AppState;

/// Rows read per page while building an archive.
const PAGE: i64 = 500;

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidParams, msg)
}

fn not_authorized(msg: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::ScopeNotAuthorized, msg)
}

/// The caller must hold one of the eight portability scopes (every endpoint accepts any).
pub fn require_any(caller: &Caller) -> Result<(), ApiError> {
    if caller.scopes.iter().any(|s| portability::is_scope(s)) {
        Ok(())
    } else {
        Err(not_authorized(
            "The user did not authorize the scope required for completing this request.",
        ))
    }
}

/// `POST /v2/user/data/add/`.
pub async fn add(
    st: &AppState,
    caller: &Caller,
    req: &AddDataRequest,
) -> Result<DataRequestId, ApiError> {
    let format = match req.data_format.as_deref() {
        Some("json") => "json",
        Some("text") => "text",
        _ => return Err(invalid("data_format must be json or text.")),
    };
    let asked = req.category_selection_list.clone().unwrap_or_default();
    let (categories, all_data) = portability::parse_categories(&asked).map_err(invalid)?;
    let creator = st
        .store
        .creator(&caller.creator_id)
        .await?
        .ok_or_else(ApiError::token_invalid)?;
    if !portability::eligible_region(&creator.region_code) {
        return Err(not_authorized(
            "Data Portability is only available for users in the EEA and UK",
        ));
    }
    let used: Vec<String> = st
        .store
        .data_request_scopes(&caller.client_key, &caller.creator_id)
        .await?
        .into_iter()
        .filter(|s| portability::is_single(s))
        .collect();
    let scope = portability::covering_scope(&categories, all_data, &caller.scopes, &used)
        .ok_or_else(|| {
            not_authorized(
                "No granted portability scope covers these categories (a .single scope is used by its first request).",
            )
        })?;
    let now = st.now();
    let kept: Vec<&str> = if all_data {
        vec!["all_data"]
    } else {
        categories.iter().map(|c| c.as_str()).collect()
    };
    let r = DataRequest {
        id: portability::request_id(),
        client_key: caller.client_key.clone(),
        creator_id: caller.creator_id.clone(),
        open_id: caller.open_id.clone(),
        scope,
        data_format: format.into(),
        categories: serde_json::to_string(&kept).unwrap_or_else(|_| "[]".into()),
        status: Status::Pending.as_str().into(),
        apply_time: now,
        collect_time: None,
        ready_at: None,
        object_key: None,
        size_bytes: None,
    };
    st.store
        .insert_data_request(
            &r,
            now + st.cfg.products.portability_ready_delay_secs * 1000,
        )
        .await?;
    st.work.notify_one();
    Ok(DataRequestId { request_id: r.id })
}

/// The caller's request: another app's or creator's is answered like an unknown one.
pub async fn own_request(
    st: &AppState,
    caller: &Caller,
    request_id: Option<&serde_json::Value>,
) -> Result<DataRequest, ApiError> {
    let id = match request_id {
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => return Err(invalid("request_id is required.")),
    }
    .ok_or_else(|| invalid("Incorrect `request_id`. Please validate the request."))?;
    st.store
        .data_request(id)
        .await?
        .filter(|r| r.client_key == caller.client_key && r.creator_id == caller.creator_id)
        .ok_or_else(|| invalid("Incorrect `request_id`. Please validate the request."))
}

fn status_now(st: &AppState, r: &DataRequest) -> Status {
    let stored = Status::parse(&r.status).unwrap_or(Status::Cancelled);
    portability::status_at(
        stored,
        r.ready_at,
        st.cfg.products.portability_keep_secs * 1000,
        st.now(),
    )
}

/// `POST /v2/user/data/check/`.
pub async fn check(
    st: &AppState,
    caller: &Caller,
    request_id: Option<&serde_json::Value>,
) -> Result<DataRequestStatus, ApiError> {
    let r = own_request(st, caller, request_id).await?;
    Ok(DataRequestStatus {
        apply_time: r.apply_time / 1000,
        category_selection_list: serde_json::from_str(&r.categories).unwrap_or_default(),
        collect_time: r.collect_time.map(|t| t / 1000),
        data_format: r.data_format.clone(),
        request_id: r.id,
        status: status_now(st, &r).as_str().into(),
    })
}

/// `POST /v2/user/data/cancel/`: only a pending request.
pub async fn cancel(
    st: &AppState,
    caller: &Caller,
    request_id: Option<&serde_json::Value>,
) -> Result<(), ApiError> {
    let r = own_request(st, caller, request_id).await?;
    if !st.store.cancel_data_request(r.id).await? {
        return Err(invalid("Only a pending request can be cancelled."));
    }
    Ok(())
}

/// `POST /v2/user/data/download/`: the archive's id, size and bytes, while it is ready.
pub async fn download(
    st: &AppState,
    caller: &Caller,
    request_id: Option<&serde_json::Value>,
) -> Result<(i64, u64, ByteStream), ApiError> {
    let r = own_request(st, caller, request_id).await?;
    let key = match (status_now(st, &r), &r.object_key) {
        (Status::Downloading, Some(k)) => k.clone(),
        _ => {
            return Err(invalid(
                "Incorrect `request_id`. Please validate the request.",
            ));
        }
    };
    let size = st.blobs.size(&key).await.map_err(ApiError::internal)?;
    let body = st
        .blobs
        .read(&key, None)
        .await
        .map_err(ApiError::internal)?;
    Ok((r.id, size, body))
}

/// The archive job.
pub async fn run_archive(st: &AppState, payload: &str) -> anyhow::Result<()> {
    let id: i64 = payload.parse()?;
    let Some(r) = st.store.data_request(id).await? else {
        return Ok(());
    };
    if r.status != Status::Pending.as_str() {
        return Ok(());
    }
    let collect = st.now();
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("archive.zip");
    let categories: Vec<String> = serde_json::from_str(&r.categories)?;
    let (cats, _) = portability::parse_categories(&categories).map_err(anyhow::Error::msg)?;
    write_archive(st, &r, &cats, &path).await?;
    let key = format!("portability/{id}.zip");
    let file = tokio::fs::File::open(&path).await?;
    let stream: ByteStream = Box::pin(tokio_util::io::ReaderStream::new(file));
    let size = st.blobs.put_stream(&key, stream).await?;
    let outbox = crate::service::events::prepare(
        st,
        &r.client_key,
        &r.open_id,
        events::PORTABILITY_DOWNLOAD_READY,
        json!({ "request_id": id }),
    )
    .await?;
    let done = st
        .store
        .finish_data_request(id, &key, size as i64, collect, st.now(), &outbox)
        .await?;
    if done {
        st.work.notify_one();
    } else {
        // Cancelled while it was built.
        let _ = st.blobs.delete(&key).await;
    }
    Ok(())
}

/// A zip file writer whose entries the caller writes a page at a time.
struct Archive {
    zip: zip::ZipWriter<std::fs::File>,
}

impl Archive {
    fn entry(&mut self, name: &str) -> anyhow::Result<()> {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        self.zip.start_file(name, opts)?;
        Ok(())
    }
    fn write(&mut self, s: &str) -> anyhow::Result<()> {
        self.zip.write_all(s.as_bytes())?;
        Ok(())
    }
}

fn date(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// One section's rows as JSON objects (`item` makes each), a page at a time.
async fn json_list(
    st: &AppState,
    a: &mut Archive,
    section: Section,
    creator_id: &str,
    item: impl Fn(&reelbox_store::portability::ArchiveRow) -> serde_json::Value,
) -> anyhow::Result<()> {
    a.write("[")?;
    let (mut at, mut k, mut first) = (i64::MIN, String::new(), true);
    loop {
        let rows = st
            .store
            .archive_page(section, creator_id, (at, &k), PAGE)
            .await?;
        for row in &rows {
            if !first {
                a.write(",")?;
            }
            first = false;
            a.write(&item(row).to_string())?;
        }
        match rows.last() {
            Some(last) if rows.len() as i64 == PAGE => (at, k) = (last.at, last.k.clone()),
            _ => break,
        }
    }
    a.write("]")
}

/// One section's rows as text blocks, a page at a time.
async fn text_list(
    st: &AppState,
    a: &mut Archive,
    section: Section,
    creator_id: &str,
    item: impl Fn(&reelbox_store::portability::ArchiveRow) -> String,
) -> anyhow::Result<()> {
    let (mut at, mut k) = (i64::MIN, String::new());
    loop {
        let rows = st
            .store
            .archive_page(section, creator_id, (at, &k), PAGE)
            .await?;
        for row in &rows {
            a.write(&item(row))?;
            a.write("\n")?;
        }
        match rows.last() {
            Some(last) if rows.len() as i64 == PAGE => (at, k) = (last.at, last.k.clone()),
            _ => break,
        }
    }
    Ok(())
}

/// Writes the archive of `cats` for the request's creator: for `json` one
/// `user_data_tiktok.json` in the shape of TikTok's in-app export, for `text` one folder per
/// category.
async fn write_archive(
    st: &AppState,
    r: &DataRequest,
    cats: &[Category],
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let creator = st
        .store
        .creator(&r.creator_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the creator is gone"))?;
    let cid = creator.id.as_str();
    let base = st.public_url.trim_end_matches('/').to_string();
    let video_link = |id: &str| format!("{base}/@{}/video/{id}", creator.username);
    let post_link = |id: &str| format!("{base}/media/{id}/video");
    let mut a = Archive {
        zip: zip::ZipWriter::new(std::fs::File::create(path)?),
    };
    let has = |c: Category| cats.contains(&c);
    let profile = json!({
        "userName": creator.username,
        "displayName": creator.nickname,
        "bioDescription": creator.bio,
        "profilePhoto": creator.avatar_url,
        "region": creator.region_code,
    });
    if r.data_format == "json" {
        a.entry("user_data_tiktok.json")?;
        a.write("{")?;
        let mut sep = "";
        if has(Category::Profile) {
            a.write(&format!(
                "\"Profile\":{{\"Profile Information\":{{\"ProfileMap\":{profile}}}}}"
            ))?;
            a.write(",\"Following\":{\"Following\":")?;
            json_list(
                st,
                &mut a,
                Section::Following,
                cid,
                |x| json!({"Date": date(x.at), "UserName": x.k}),
            )
            .await?;
            a.write("},\"Follower\":{\"FansList\":")?;
            json_list(
                st,
                &mut a,
                Section::Followers,
                cid,
                |x| json!({"Date": date(x.at), "UserName": x.k}),
            )
            .await?;
            a.write("}")?;
            sep = ",";
        }
        if has(Category::Video) {
            a.write(&format!("{sep}\"Video\":{{\"Videos\":{{\"VideoList\":"))?;
            json_list(st, &mut a, Section::Posts, cid, |x| {
                json!({"Date": date(x.at), "Link": video_link(&x.k), "Media": post_link(&x.k), "Title": x.a, "WhoCanView": x.b})
            })
            .await?;
            a.write("}}")?;
            sep = ",";
        }
        if has(Category::Activity) {
            a.write(&format!(
                "{sep}\"Comment\":{{\"Comments\":{{\"CommentsList\":"
            ))?;
            json_list(st, &mut a, Section::Comments, cid, |x| {
                json!({"Date": date(x.at), "Comment": x.a, "Link": format!("{base}/video/{}", x.b)})
            })
            .await?;
            a.write("}},\"Likes and Favorites\":{\"Like List\":{\"ItemFavoriteList\":")?;
            json_list(
                st,
                &mut a,
                Section::Likes,
                cid,
                |x| json!({"Date": date(x.at), "Link": format!("{base}/video/{}", x.k)}),
            )
            .await?;
            a.write("}}")?;
            sep = ",";
        }
        if has(Category::DirectMessage) {
            // reelbox has no direct messages: the section is there, empty.
            a.write(&format!(
                "{sep}\"Direct Message\":{{\"Direct Messages\":{{\"ChatHistory\":{{}}}}}}"
            ))?;
        }
        a.write("}")?;
    } else {
        if has(Category::Profile) {
            a.entry("Profile/Profile Info.txt")?;
            a.write(&format!(
                "Username: {}\nDisplay name: {}\nBio: {}\nProfile photo: {}\nRegion: {}\n",
                creator.username,
                creator.nickname,
                creator.bio,
                creator.avatar_url,
                creator.region_code
            ))?;
            a.entry("Profile/Following.txt")?;
            text_list(st, &mut a, Section::Following, cid, |x| {
                format!("Date: {}\nUsername: {}\n", date(x.at), x.k)
            })
            .await?;
            a.entry("Profile/Follower.txt")?;
            text_list(st, &mut a, Section::Followers, cid, |x| {
                format!("Date: {}\nUsername: {}\n", date(x.at), x.k)
            })
            .await?;
        }
        if has(Category::Video) {
            a.entry("Posts/Posts.txt")?;
            text_list(st, &mut a, Section::Posts, cid, |x| {
                format!(
                    "Date: {}\nLink: {}\nMedia: {}\nTitle: {}\nWho can view: {}\n",
                    date(x.at),
                    video_link(&x.k),
                    post_link(&x.k),
                    x.a,
                    x.b
                )
            })
            .await?;
        }
        if has(Category::Activity) {
            a.entry("Activity/Comments.txt")?;
            text_list(st, &mut a, Section::Comments, cid, |x| {
                format!(
                    "Date: {}\nComment: {}\nLink: {base}/video/{}\n",
                    date(x.at),
                    x.a,
                    x.b
                )
            })
            .await?;
            a.entry("Activity/Like List.txt")?;
            text_list(st, &mut a, Section::Likes, cid, |x| {
                format!("Date: {}\nLink: {base}/video/{}\n", date(x.at), x.k)
            })
            .await?;
        }
        if has(Category::DirectMessage) {
            a.entry("Direct Messages/Chat History.txt")?;
        }
    }
    a.zip.finish()?.sync_all()?;
    Ok(())
}

/// The job kind, for the worker.
pub const JOB: &str = ARCHIVE_JOB;
