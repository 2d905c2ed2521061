// A TikTok client as found in the field, on Node's built-in fetch: TikTok's production URLs in
// constants. Run against reelbox with environment variables only (`reelbox ca --env`).
import { readFileSync } from "node:fs";

const TOKEN_URL = "https://open.tiktokapis.com/v2/oauth/token/";
const CREATOR_INFO_URL = "https://open.tiktokapis.com/v2/post/publish/creator_info/query/";
const INIT_URL = "https://open.tiktokapis.com/v2/post/publish/video/init/";
const STATUS_URL = "https://open.tiktokapis.com/v2/post/publish/status/fetch/";
const CHUNK = 6_000_000;
const env = process.env;

const token = (await (await fetch(TOKEN_URL, {
  method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({
    client_key: env.CLIENT_KEY, client_secret: env.CLIENT_SECRET, code: env.CODE,
    grant_type: "authorization_code", redirect_uri: env.REDIRECT_URI,
  }),
})).json()).access_token;
const auth = { Authorization: `Bearer ${token}`, "Content-Type": "application/json; charset=UTF-8" };
const post = async (url, body) => (await fetch(url, { method: "POST", headers: auth, body: JSON.stringify(body) })).json();

const info = await post(CREATOR_INFO_URL, {});
if (info.error.code !== "ok") throw new Error(JSON.stringify(info));
const video = readFileSync(env.VIDEO);
const init = await post(INIT_URL, {
  post_info: { title: "from node", privacy_level: info.data.privacy_level_options[0] },
  source_info: { source: "FILE_UPLOAD", video_size: video.length, chunk_size: CHUNK, total_chunk_count: 2 },
});
if (init.error.code !== "ok") throw new Error(JSON.stringify(init));
console.log("upload_url", init.data.upload_url.split("?")[0]);
for (const start of [0, CHUNK]) {
  const end = start ? video.length : CHUNK;
  const r = await fetch(init.data.upload_url, {
    method: "PUT",
    headers: { "Content-Type": "video/mp4", "Content-Range": `bytes ${start}-${end - 1}/${video.length}` },
    body: video.subarray(start, end),
  });
  if (r.status !== 201 && r.status !== 206) throw new Error(`${r.status} ${await r.text()}`);
}
for (let i = 0; i < 40; i++) {
  const s = await post(STATUS_URL, { publish_id: init.data.publish_id });
  if (s.data.status === "PUBLISH_COMPLETE") {
    console.log("PUBLISH_COMPLETE");
    process.exit(0);
  }
  if (!["PROCESSING_UPLOAD", "PROCESSING_DOWNLOAD"].includes(s.data.status)) throw new Error(JSON.stringify(s));
  await new Promise((r) => setTimeout(r, 500));
}
throw new Error("no PUBLISH_COMPLETE");
