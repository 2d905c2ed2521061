//! `reelbox serve` as a child process, for what an in-process server cannot show: a node that
//! dies with SIGKILL (no destructors, no graceful shutdown) and a restart on the same data dir.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How to start a node. The data dir is kept across restarts; `database_url` / `storage` default
/// to the embedded SQLite file and `<data_dir>/media`.
#[derive(Debug, Clone)]
pub struct NodeOptions {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub storage: Option<String>,
    pub admin_token: String,
    /// Every node of one platform needs the same key.
    pub secret_key: String,
    /// Written to `<data_dir>/reelbox.toml` and passed with `--config` (TOML keeps lists easy).
    pub config_toml: Option<String>,
    /// Extra `REELBOX_*` variables.
    pub env: Vec<(String, String)>,
}

impl NodeOptions {
    pub fn new(data_dir: &Path) -> NodeOptions {
        NodeOptions {
            data_dir: data_dir.to_path_buf(),
            database_url: None,
            storage: None,
            admin_token: "node-admin-token-0123456789abcdef".into(),
            secret_key: "0123456789abcdef0123456789abcdef".into(),
            config_toml: None,
            env: Vec::new(),
        }
    }
}

/// A running (or killed) `reelbox serve` child on a fixed port of 127.0.0.1.
pub struct Node {
    pub base: String,
    pub port: u16,
    pub opts: NodeOptions,
    exe: PathBuf,
    child: Option<Child>,
    /// Where the child's stderr goes (appended across restarts).
    pub log: PathBuf,
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("an ephemeral port")
}

impl Node {
    /// Starts `exe serve` on a free port and waits until `/healthz` answers.
    pub async fn start(exe: &Path, opts: NodeOptions) -> Node {
        std::fs::create_dir_all(&opts.data_dir).expect("data dir");
        let port = free_port();
        let mut n = Node {
            base: format!("http://127.0.0.1:{port}"),
            port,
            log: opts.data_dir.join("serve.log"),
            opts,
            exe: exe.to_path_buf(),
            child: None,
        };
        n.spawn().await;
        n
    }

    async fn spawn(&mut self) {
        let o = &self.opts;
        let mut cmd = Command::new(&self.exe);
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{}", self.port)])
            .arg("--data-dir")
            .arg(&o.data_dir);
        // The node's configuration is what the options say, not the test run's REELBOX_* variables.
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("REELBOX_") {
                cmd.env_remove(k);
            }
        }
        if let Some(t) = &o.config_toml {
            let f = o.data_dir.join("reelbox.toml");
            std::fs::write(&f, t).expect("config file");
            cmd.arg("--config").arg(f);
        }
        if let Some(db) = &o.database_url {
            cmd.env("REELBOX_DATABASE_URL", db);
        }
        if let Some(s) = &o.storage {
            cmd.env("REELBOX_STORAGE", s);
        }
        // As in-process servers: no renditions unless a test asks (through `env`), since
        // encoding every test post would cost minutes of CPU.
        cmd.env("REELBOX_RENDITIONS__ENABLED", "false");
        for (k, v) in &o.env {
            cmd.env(k, v);
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let child = cmd
            .env("REELBOX_ADMIN_TOKEN", &o.admin_token)
            .env("REELBOX_SECRET_KEY", &o.secret_key)
            .env("REELBOX_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("reelbox serve starts");
        self.child = Some(child);
        let http = reqwest::Client::new();
        for _ in 0..400 {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                panic!(
                    "reelbox serve exited with {status}; log: {}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            let up = http.get(format!("{}/healthz", self.base)).send().await;
            if up.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("node on port {} did not start", self.port);
    }

    /// SIGKILL: the process ends at once, mid-request, mid-transaction, mid-job.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the node again on the same data dir, database, storage and port.
    pub async fn restart(&mut self) {
        self.kill();
        self.spawn().await;
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// The bytes of a stored object, read with the node's own blob store (disk or S3).
    pub async fn object(&self, key: &str) -> Vec<u8> {
        use futures_util::StreamExt;
        let blobs = reelbox_server::open_blobs(self.opts.storage.as_deref(), &self.opts.data_dir)
            .expect("blob store");
        let mut s = blobs.read(key, None).await.expect("object exists");
        let mut out = Vec::new();
        while let Some(b) = s.next().await {
            out.extend_from_slice(&b.expect("read"));
        }
        out
    }

    /// The database URL the node uses.
    pub fn database_url(&self) -> String {
        self.opts.database_url.clone().unwrap_or_else(|| {
            reelbox_server::Config {
                data_dir: self.opts.data_dir.clone(),
                ..Default::default()
            }
            .database_url()
        })
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}
