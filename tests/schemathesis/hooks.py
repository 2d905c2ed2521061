"""Schemathesis hooks for reelbox: every answer of the JSON API must be TikTok's envelope."""
import schemathesis

ENVELOPE_PREFIXES = ("/v2/post/", "/v2/user/", "/v2/video/", "/v2/research/", "/_reelbox/", "/reelbox/v1/")


@schemathesis.check
def tiktok_envelope(ctx, response, case):
    path = case.operation.path
    if not path.startswith(ENVELOPE_PREFIXES):
        return None
    # A file answer (a validation task's ids, a data archive) is no envelope.
    content_type = response.headers.get("content-type") or ["application/json"]
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else "application/json"
    if not content_type.startswith("application/json"):
        return None
    body = response.json()
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        raise AssertionError(f"{path}: no error object in {body!r:.200}")
    for key in ("code", "message", "log_id"):
        if not isinstance(err.get(key), str):
            raise AssertionError(f"{path}: error.{key} missing or not a string")
    if path != "/v2/post/publish/cancel/" and "data" not in body:
        raise AssertionError(f"{path}: no data key")
    return None
