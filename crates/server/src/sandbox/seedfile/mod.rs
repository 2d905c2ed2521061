//! Seed files: a declarative TOML file of what a test starts from (`reelbox serve --seed FILE`,
//! `reelbox seed apply FILE`, `POST /_reelbox/seed`), applied through the same services as the
//! control API, with the values a test wants fixed (client keys and secrets, token values and
//! their remaining lifetimes).
//!
//! Each section is one module holding its entry type and how it is applied; this file parses,
//! checks keys and applies the sections in an order where every reference points back
//! (apps, creators, tokens, posts, follows, likes, comments, playlists, shops, ads). A new section
//! is a module, a field of [`SeedFile`] and a line in [`apply`]. Every error names the file, the
//! line and the field: `seed.toml:12: tokens[0].creator: no creator "carol"`.
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use reelbox_wire::control::SeedApplied;
use serde::Deserialize;
use toml::Spanned;

use crate::http::error::ApiError;
use crate::state::AppState;

mod ads;
mod apps;
mod comments;
mod creators;
mod follows;
mod likes;
mod playlists;
mod posts;
mod shops;
mod tokens;

/// A seed file's mistake, located.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {field}: {message}")]
pub struct SeedError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

/// The whole file: one list per section. Unknown sections are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedFile {
    #[serde(default)]
    apps: Vec<Spanned<apps::Entry>>,
    #[serde(default)]
    creators: Vec<Spanned<creators::Entry>>,
    #[serde(default)]
    tokens: Vec<Spanned<tokens::Entry>>,
    #[serde(default)]
    posts: Vec<Spanned<posts::Entry>>,
    #[serde(default)]
    follows: Vec<Spanned<follows::Entry>>,
    #[serde(default)]
    likes: Vec<Spanned<likes::Entry>>,
    #[serde(default)]
    comments: Vec<Spanned<comments::Entry>>,
    #[serde(default)]
    playlists: Vec<Spanned<playlists::Entry>>,
    #[serde(default)]
    shops: Vec<Spanned<shops::Entry>>,
    #[serde(default)]
    ads: Vec<Spanned<ads::Entry>>,
}

/// What the sections share while a file is applied.
pub(super) struct Ctx<'a> {
    pub st: &'a AppState,
    file: String,
    text: &'a str,
    base_dir: PathBuf,
    /// Posts by the name the file gives them.
    pub posts: HashMap<String, String>,
}

impl Ctx<'_> {
    fn line(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .bytes()
            .filter(|b| *b == b'\n')
            .count()
            + 1
    }

    pub fn err(
        &self,
        span: Range<usize>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> SeedError {
        SeedError {
            file: self.file.clone(),
            line: self.line(span.start),
            field: field.into(),
            message: message.into(),
        }
    }

    /// A service's refusal, at the entry it refused.
    pub fn refused(&self, span: Range<usize>, field: impl Into<String>, e: ApiError) -> SeedError {
        self.err(span, field, e.message)
    }

    /// A failure of the platform itself (the database), at the entry it met.
    pub fn failed(
        &self,
        span: Range<usize>,
        field: impl Into<String>,
        e: impl std::fmt::Display,
    ) -> SeedError {
        self.err(span, field, format!("could not be applied: {e}"))
    }

    /// The id of the creator a field names.
    pub async fn creator_id(
        &self,
        name: &Spanned<String>,
        field: String,
    ) -> Result<String, SeedError> {
        let username = name.get_ref().trim_start_matches('@');
        match self.st.store.creator_by_username(username).await {
            Ok(Some(c)) => Ok(c.id),
            Ok(None) => Err(self.err(
                name.span(),
                field,
                format!("no creator \"{username}\" (declare it under [[creators]])"),
            )),
            Err(e) => Err(self.failed(name.span(), field, e)),
        }
    }

    /// The id of the post a field names (by its `name` in `[[posts]]`).
    pub fn post_id(&self, name: &Spanned<String>, field: String) -> Result<String, SeedError> {
        self.posts.get(name.get_ref()).cloned().ok_or_else(|| {
            self.err(
                name.span(),
                field,
                format!(
                    "no post named \"{}\" (declare it under [[posts]] before)",
                    name.get_ref()
                ),
            )
        })
    }

    /// A media path as the file names it: relative to the file's directory.
    pub fn path(&self, p: &str) -> PathBuf {
        self.base_dir.join(p)
    }
}

/// Parses `text` (errors located in `file`) without applying it.
fn parse(file: &str, text: &str) -> Result<SeedFile, SeedError> {
    toml::from_str::<SeedFile>(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let line = text[..offset.min(text.len())]
            .bytes()
            .filter(|b| *b == b'\n')
            .count()
            + 1;
        let message = e.message().trim().to_string();
        SeedError {
            file: file.to_string(),
            line,
            field: field_at(text, offset),
            message,
        }
    })
}

/// The dotted key a parse error's offset sits in: the section header above it and the key on
/// its line (`tokens[1].access_expires_in`), as well as a text can say it.
fn field_at(text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut section = String::new();
    for l in before.lines() {
        let t = l.trim();
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.strip_suffix("]]")) {
            let name = name.trim();
            let n = counts.entry(name).or_insert(0);
            section = format!("{name}[{n}]");
            *n += 1;
        } else if let Some(name) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            section = name.trim().to_string();
        }
    }
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = text[line_start..]
        .find('\n')
        .map(|i| line_start + i)
        .unwrap_or(text.len());
    let line = &text[line_start..line_end];
    // On a section's own header, the field is the section.
    let header = line
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim();
    if line.trim().starts_with('[') && !header.is_empty() {
        return header.to_string();
    }
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| !k.starts_with('['));
    match (section.is_empty(), key) {
        (true, Some(k)) => k.to_string(),
        (false, Some(k)) => format!("{section}.{k}"),
        (false, None) => section,
        (true, None) => "(file)".into(),
    }
}

/// Applies a seed file read from `path` (media relative to its directory).
pub async fn apply_path(st: &AppState, path: &Path) -> anyhow::Result<SeedApplied> {
    let text = tokio::fs::read_to_string(path)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(apply(st, &path.display().to_string(), &text, &base).await?)
}

/// Applies a seed file's text: `file` names it in errors, media paths are relative to `base_dir`.
pub async fn apply(
    st: &AppState,
    file: &str,
    text: &str,
    base_dir: &Path,
) -> Result<SeedApplied, SeedError> {
    let seed = parse(file, text)?;
    let mut ctx = Ctx {
        st,
        file: file.to_string(),
        text,
        base_dir: base_dir.to_path_buf(),
        posts: HashMap::new(),
    };
    Ok(SeedApplied {
        apps: apps::apply(&mut ctx, &seed.apps).await?,
        creators: creators::apply(&mut ctx, &seed.creators).await?,
        tokens: tokens::apply(&mut ctx, &seed.tokens).await?,
        posts: posts::apply(&mut ctx, &seed.posts).await?,
        follows: follows::apply(&mut ctx, &seed.follows).await?,
        likes: likes::apply(&mut ctx, &seed.likes).await?,
        comments: comments::apply(&mut ctx, &seed.comments).await?,
        playlists: playlists::apply(&mut ctx, &seed.playlists).await?,
        shops: shops::apply(&mut ctx, &seed.shops).await?,
        ads: ads::apply(&mut ctx, &seed.ads).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_error_names_the_line_and_the_field() {
        let text = "[[apps]]\nname = \"a\"\n\n[[tokens]]\napp = \"x\"\ncreator = \"y\"\naccess_expires_in = \"soon\"\n";
        let e = parse("s.toml", text).unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.line, e.field.as_str()),
            ("s.toml", 7, "tokens[0].access_expires_in")
        );
        assert_eq!(e.message, "invalid type: string \"soon\", expected i64");
    }

    #[test]
    fn an_unknown_section_is_refused() {
        let e = parse("s.toml", "[[adverts]]\nname = \"x\"\n").unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (1, "adverts"));
        assert!(
            e.message.contains("unknown field `adverts`"),
            "{}",
            e.message
        );
    }
}
