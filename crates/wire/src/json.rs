//! How a JSON request body is read: an empty (or all-whitespace) body is `{}`, as TikTok accepts
//! it; anything else must parse as the endpoint's type.
use serde::de::DeserializeOwned;

/// The parsing rule of the server's JSON extractor, on its own (and for the fuzz targets).
pub fn parse_json_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let trimmed = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let input: &[u8] = if trimmed.is_none() { b"{}" } else { bytes };
    serde_json::from_slice(input).map_err(|e| format!("Invalid request body: {e}"))
}
