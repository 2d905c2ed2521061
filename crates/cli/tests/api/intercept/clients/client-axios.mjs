// A TikTok client as found in the field, on axios: TikTok's production URLs in constants. axios
// reads HTTPS_PROXY itself (axios 1.x tunnels with CONNECT) and Node reads NODE_EXTRA_CA_CERTS.
import { readFileSync } from "node:fs";
import axios from "axios";

const TOKEN_URL = "https://open.tiktokapis.com/v2/oauth/token/";
const CREATOR_INFO_URL = "https://open.tiktokapis.com/v2/post/publish/creator_info/query/";
const INIT_URL = "https://open.tiktokapis.com/v2/post/publish/video/init/";
const STATUS_URL = "https://open.tiktokapis.com/v2/post/publish/status/fetch/";
const CHUNK = 6_000_000;
const env = process.env;

const token = (await axios.post(TOKEN_URL, new URLSearchParams({
  client_key: env.CLIENT_KEY, client_secret: env.CLIENT_SECRET, code: env.CODE,
  grant_type: "authorization_code", redirect_uri: env.REDIRECT_URI,
}))).data.access_token;
const api = axios.create({ headers: { Authorization: `Bearer ${token}` } });

const info = (await api.post(CREATOR_INFO_URL, {})).data;
if (info.error.code !== "ok") throw new Error(JSON.stringify(info));
const video = readFileSync(env.VIDEO);
const init = (await api.post(INIT_URL, {
  post_info: { title: "from axios", privacy_level: info.data.privacy_level_options[0] },
  source_info: { source: "FILE_UPLOAD", video_size: video.length, chunk_size: CHUNK, total_chunk_count: 2 },
})).data;
if (init.error.code !== "ok") throw new Error(JSON.stringify(init));
console.log("upload_url", init.data.upload_url.split("?")[0]);
for (const start of [0, CHUNK]) {
  const end = start ? video.length : CHUNK;
  await axios.put(init.data.upload_url, video.subarray(start, end), {
    headers: { "Content-Type": "video/mp4", "Content-Range": `bytes ${start}-${end - 1}/${video.length}` },
    maxBodyLength: Infinity,
  });
}
for (let i = 0; i < 40; i++) {
  const s = (await api.post(STATUS_URL, { publish_id: init.data.publish_id })).data;
  if (s.data.status === "PUBLISH_COMPLETE") {
    console.log("PUBLISH_COMPLETE");
    process.exit(0);
  }
  if (!["PROCESSING_UPLOAD", "PROCESSING_DOWNLOAD"].includes(s.data.status)) throw new Error(JSON.stringify(s));
  await new Promise((r) => setTimeout(r, 500));
}
throw new Error("no PUBLISH_COMPLETE");
