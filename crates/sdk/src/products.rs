//! Typed calls for TikTok's QR-code login and Data Portability (`more-v2-products.md` §2, §5).
use reelbox_wire::oauth::TokenResponse;
use reelbox_wire::portability::{AddDataRequest, DataRequestId};
use reelbox_wire::qr::{CheckQrcodeResponse, GetQrcodeResponse};
use serde_json::{Value, json};

use crate::client::Client;
use crate::error::Result;
use crate::oauth::OAuthClient;

impl OAuthClient {
    /// `POST /v2/oauth/get_qrcode/`: the URL to render (after putting the app's ticket in place of
    /// `tobefilled`) and the token to poll with. No secret is sent.
    pub async fn get_qrcode(&self, scope: &str, state: Option<&str>) -> Result<GetQrcodeResponse> {
        let mut f = vec![("client_key", self.client_key.as_str()), ("scope", scope)];
        if let Some(s) = state {
            f.push(("state", s));
        }
        self.form("/v2/oauth/get_qrcode/", &f).await
    }

    /// `POST /v2/oauth/check_qrcode/`: `new`, `scanned`, `confirmed` (once, with the code),
    /// `expired` or `utilised`.
    pub async fn check_qrcode(&self, token: &str) -> Result<CheckQrcodeResponse> {
        let mut f = vec![("client_key", self.client_key.as_str()), ("token", token)];
        if let Some(s) = &self.client_secret {
            f.push(("client_secret", s));
        }
        self.form("/v2/oauth/check_qrcode/", &f).await
    }

    /// Trades a confirmed QR code's code for tokens (no `redirect_uri`, no PKCE).
    pub async fn exchange_qr_code(&self, code: &str) -> Result<TokenResponse> {
        let mut f = vec![
            ("client_key", self.client_key.as_str()),
            ("grant_type", "authorization_code"),
            ("code", code),
        ];
        if let Some(s) = &self.client_secret {
            f.push(("client_secret", s));
        }
        self.form("/v2/oauth/token/", &f).await
    }
}

impl Client {
    /// `POST /v2/user/data/add/`: asks for an export; the request id comes back.
    pub async fn data_add(&self, data_format: &str, categories: &[&str]) -> Result<i64> {
        let body = AddDataRequest {
            data_format: Some(data_format.into()),
            category_selection_list: Some(categories.iter().map(|c| c.to_string()).collect()),
        };
        let r: DataRequestId = self
            .call("/v2/user/data/add/?fields=request_id", Some(&body), false)
            .await?;
        Ok(r.request_id)
    }

    /// `POST /v2/user/data/check/` with every field.
    pub async fn data_check(&self, request_id: i64) -> Result<Value> {
        self.call(
            "/v2/user/data/check/?fields=request_id,apply_time,collect_time,status,data_format,category_selection_list",
            Some(&json!({"request_id": request_id})),
            true,
        )
        .await
    }

    /// `POST /v2/user/data/cancel/`.
    pub async fn data_cancel(&self, request_id: i64) -> Result<()> {
        let _: Value = self
            .call(
                "/v2/user/data/cancel/",
                Some(&json!({"request_id": request_id})),
                false,
            )
            .await?;
        Ok(())
    }

    /// `POST /v2/user/data/download/`: the archive as a response whose body streams the zip.
    pub async fn data_download(&self, request_id: i64) -> Result<reqwest::Response> {
        let token = self.access_token().await?;
        let r = self
            .http()
            .post(format!("{}/v2/user/data/download/", self.base()))
            .bearer_auth(token)
            .header(
                "accept",
                "application/zip,application/octet-stream,application/json",
            )
            .json(&json!({"request_id": request_id}))
            .send()
            .await?;
        if r.status().is_success() {
            return Ok(r);
        }
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        Err(crate::error::Error::Api(crate::error::ApiError {
            code: v["error"]["code"].as_str().unwrap_or("").into(),
            message: v["error"]["message"].as_str().unwrap_or("").into(),
            log_id: v["error"]["log_id"].as_str().unwrap_or("").into(),
            http_status: status,
            retry_after: None,
        }))
    }
}

/// Research batch compliance, with an app's client token (`clt.`) as the credentials.
impl Client {
    /// Decodes a v2 answer: its `data`, or the API error.
    async fn envelope(resp: reqwest::Response) -> Result<Value> {
        let status = resp.status().as_u16();
        let v: Value = resp.json().await?;
        if v["error"]["code"] == "ok" {
            return Ok(v["data"].clone());
        }
        Err(crate::error::Error::Api(crate::error::ApiError {
            code: v["error"]["code"].as_str().unwrap_or("").into(),
            message: v["error"]["message"].as_str().unwrap_or("").into(),
            log_id: v["error"]["log_id"].as_str().unwrap_or("").into(),
            http_status: status,
            retry_after: None,
        }))
    }

    /// `POST /v2/research/validation_task/create/`: a task over `ids` (`video` or `comment`).
    pub async fn validation_create(&self, category: &str, ids: &[String]) -> Result<i64> {
        let boundary = format!("reelbox{}", rand::random::<u64>());
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file_data\"; filename=\"ids.txt\"\r\nContent-Type: text/plain\r\n\r\n{}\n\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\n{category}\r\n--{boundary}--\r\n",
            ids.join("\n")
        );
        let r = self
            .http()
            .post(format!(
                "{}/v2/research/validation_task/create/",
                self.base()
            ))
            .bearer_auth(self.access_token().await?)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await?;
        let data = Self::envelope(r).await?;
        data["task_id"].as_i64().ok_or_else(|| {
            crate::error::Error::Protocol(format!("validation_task/create: no task_id in {data}"))
        })
    }

    /// `POST /v2/research/validation_task_status/get/`: `Processing`, `Completed` or `Failed`.
    pub async fn validation_status(&self, task_id: i64) -> Result<String> {
        let data: Value = self
            .call(
                "/v2/research/validation_task_status/get/",
                Some(&json!({"task_id": task_id})),
                true,
            )
            .await?;
        Ok(data["task_status"].as_str().unwrap_or("").to_string())
    }

    /// `POST /v2/research/validation_task/download/`: the ids still valid, in the file's order.
    pub async fn validation_download(&self, task_id: i64) -> Result<Vec<String>> {
        let r = self
            .http()
            .post(format!(
                "{}/v2/research/validation_task/download/",
                self.base()
            ))
            .bearer_auth(self.access_token().await?)
            .json(&json!({"task_id": task_id}))
            .send()
            .await?;
        if !r.status().is_success() {
            Self::envelope(r).await?;
            return Err(crate::error::Error::Protocol("download refused".into()));
        }
        Ok(r.text().await?.lines().map(str::to_string).collect())
    }
}
