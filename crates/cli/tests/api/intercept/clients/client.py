"""A TikTok client as found in the field: TikTok's production URLs in constants, nothing
configurable but the app's credentials. Run against reelbox with environment variables only
(`reelbox ca --env`): token exchange, creator_info, a two-chunk FILE_UPLOAD, status until
PUBLISH_COMPLETE."""
import os
import sys
import time

import requests

TOKEN_URL = "https://open.tiktokapis.com/v2/oauth/token/"
CREATOR_INFO_URL = "https://open.tiktokapis.com/v2/post/publish/creator_info/query/"
INIT_URL = "https://open.tiktokapis.com/v2/post/publish/video/init/"
STATUS_URL = "https://open.tiktokapis.com/v2/post/publish/status/fetch/"
CHUNK = 6_000_000


def main():
    token = requests.post(TOKEN_URL, data={
        "client_key": os.environ["CLIENT_KEY"],
        "client_secret": os.environ["CLIENT_SECRET"],
        "code": os.environ["CODE"],
        "grant_type": "authorization_code",
        "redirect_uri": os.environ["REDIRECT_URI"],
    }, timeout=30).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json; charset=UTF-8"}
    info = requests.post(CREATOR_INFO_URL, headers=auth, timeout=30).json()
    assert info["error"]["code"] == "ok", info
    video = open(os.environ["VIDEO"], "rb").read()
    init = requests.post(INIT_URL, headers=auth, timeout=30, json={
        "post_info": {"title": "from python", "privacy_level": info["data"]["privacy_level_options"][0]},
        "source_info": {"source": "FILE_UPLOAD", "video_size": len(video), "chunk_size": CHUNK,
                        "total_chunk_count": 2},
    }).json()
    assert init["error"]["code"] == "ok", init
    url = init["data"]["upload_url"]
    print("upload_url", url.split("?")[0])
    for start in (0, CHUNK):
        end = len(video) if start else CHUNK
        r = requests.put(url, data=video[start:end], timeout=60, headers={
            "Content-Type": "video/mp4",
            "Content-Range": f"bytes {start}-{end - 1}/{len(video)}",
        })
        assert r.status_code in (201, 206), (r.status_code, r.text)
    for _ in range(40):
        s = requests.post(STATUS_URL, headers=auth, timeout=30,
                          json={"publish_id": init["data"]["publish_id"]}).json()
        status = s["data"].get("status")
        if status == "PUBLISH_COMPLETE":
            print("PUBLISH_COMPLETE")
            return
        assert status in ("PROCESSING_UPLOAD", "PROCESSING_DOWNLOAD", "SEND_TO_USER_INBOX"), s
        time.sleep(0.5)
    sys.exit("no PUBLISH_COMPLETE")


main()
