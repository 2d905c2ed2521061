//! `reelbox`: the server (`serve`) and the operator's command line. Commands that create
//! something print it as JSON on stdout; progress and messages go to stderr.
use std::path::PathBuf;

mod ca;
mod client;
mod control;
mod listen;
mod migrate;
mod seed;
mod testing;

use anyhow::{Context, bail};
use clap::{Args, CommandFactory, Parser, Subcommand};
use control::{Call, Target};
use reelbox_server::{Config, Mode, Overrides};
use reelbox_wire::control::{
    ClockChange, CompatChoice, CreateApp, CreateCreator, MintToken, UpdateApp,
};

#[derive(Parser)]
#[command(
    name = "reelbox",
    version,
    about = "A self-hostable short-video platform with TikTok's v2 API"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the server (no configuration needed: 127.0.0.1:8080, ./reelbox-data).
    Serve(ServeArgs),
    /// Manage apps.
    App {
        #[command(subcommand)]
        cmd: AppCmd,
    },
    /// Manage creators.
    Creator {
        #[command(subcommand)]
        cmd: CreatorCmd,
    },
    /// Mint tokens without the consent page.
    Token {
        #[command(subcommand)]
        cmd: TokenCmd,
    },
    /// Read or move the server's clock (sandbox mode).
    Clock {
        #[command(subcommand)]
        cmd: ClockCmd,
    },
    /// Forward an app's webhooks to a local URL, with TikTok's body and signature:
    /// `reelbox listen --forward-to http://localhost:3000/hooks --app KEY`.
    Listen {
        #[arg(long)]
        forward_to: String,
        #[arg(long = "app")]
        app: String,
        /// Only these events, comma-separated.
        #[arg(long)]
        events: Option<String>,
        /// Stop after this many deliveries.
        #[arg(long)]
        max: Option<usize>,
        #[command(flatten)]
        target: Target,
    },
    /// Fire a documented webhook event for a real publish or grant of the app:
    /// `reelbox trigger post.publish.complete --app KEY --publish ID`.
    Trigger {
        event: String,
        #[arg(long = "app")]
        app: String,
        #[arg(long = "publish")]
        publish_id: Option<String>,
        /// The creator whose grant `authorization.removed` is about.
        #[arg(long)]
        username: Option<String>,
        #[command(flatten)]
        target: Target,
    },
    /// Send a past webhook delivery again.
    Resend {
        delivery_id: String,
        #[command(flatten)]
        target: Target,
    },
    /// Inject faults and switch on scenarios (sandbox mode).
    Fault {
        #[command(subcommand)]
        cmd: FaultCmd,
    },
    /// The guideline report of an app's integration.
    Report {
        client_key: String,
        #[command(flatten)]
        target: Target,
    },
    /// Move an installation to another database (and its media to another store), verified.
    Migrate {
        /// Source database, e.g. sqlite://reelbox-data/reelbox.db
        #[arg(long)]
        from: String,
        /// Target database, e.g. postgres://user@host/db (migrated, must be empty)
        #[arg(long)]
        to: String,
        /// Where the media are now (default: <data-dir>/media).
        #[arg(long)]
        from_storage: Option<String>,
        /// Where the media go, e.g. s3://bucket?endpoint=…&region=…; media stay put when absent.
        #[arg(long)]
        to_storage: Option<String>,
        #[arg(long, default_value = "reelbox-data")]
        data_dir: PathBuf,
    },
    /// Generate a deterministic synthetic corpus (and optionally benchmark research queries on
    /// it), or `seed apply FILE`: apply a seed file.
    #[command(args_conflicts_with_subcommands = true)]
    Seed {
        #[command(subcommand)]
        cmd: Option<testing::SeedCmd>,
        #[command(flatten)]
        args: seed::SeedArgs,
    },
    /// Back to empty, or to the seed file the server was started with (sandbox mode).
    Reset {
        #[command(flatten)]
        target: Target,
    },
    /// Save or load the whole state (database and media) as one file (sandbox mode).
    Snapshot {
        #[command(subcommand)]
        cmd: testing::SnapshotCmd,
    },
    /// The local certificate authority of interception: its path, or (`--env`) the lines that
    /// make common HTTP stacks trust it and use the proxy.
    Ca(ca::CaArgs),
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        cmd: ConfigCmd,
    },
    /// Probe a media file and print what it is as one JSON line (used by the server in a child process).
    Probe {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Print shell completions.
    Completions { shell: clap_complete::Shell },
    /// Log in to an app through the browser (loopback redirect, PKCE) and store the tokens.
    Login(client::login::LoginArgs),
    /// Post a video (file or URL) or photos (URLs), checked against the creator's options first.
    Post(client::post::PostArgs),
    /// The status of a publish.
    Status(client::status::StatusArgs),
    /// What the logged-in creator may post.
    CreatorInfo(client::creator_info::CreatorInfoArgs),
    /// Run a posting plan across accounts within their daily caps (persistent, never posts twice).
    Schedule(client::schedule::ScheduleArgs),
    /// Check an integration's setup and say how to fix what is wrong.
    Doctor(client::doctor::DoctorArgs),
    /// Export the logged-in creator's data (Data Portability) to a zip file.
    Export(client::export::ExportArgs),
    /// Research helpers: `validate` (which collected ids are still valid).
    Research(client::research::ResearchArgs),
}

#[derive(Args, Clone)]
struct ServeArgs {
    #[arg(long)]
    config: Option<PathBuf>,
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    #[arg(long)]
    data_dir: Option<PathBuf>,
    #[arg(long)]
    database_url: Option<String>,
    #[arg(long)]
    storage: Option<String>,
    #[arg(long)]
    admin_token: Option<String>,
    #[arg(long)]
    public_url: Option<String>,
    #[arg(long, value_parser = ["sandbox", "production"])]
    mode: Option<String>,
    /// Act as a proxy answering for TikTok's hosts (intercept.enabled).
    #[arg(long)]
    intercept: bool,
    /// Also listen with TLS as TikTok's hosts on this address (intercept.tls_listen).
    #[arg(long)]
    tls_listen: Option<std::net::SocketAddr>,
    /// A seed file applied to an empty platform at start and after every reset (testing.seed_file).
    #[arg(long)]
    seed: Option<PathBuf>,
    /// Draw ids, keys and tokens from this seed, the clock frozen at testing.start_ms
    /// (testing.deterministic).
    #[arg(long)]
    deterministic: Option<u64>,
}

#[derive(Subcommand)]
enum AppCmd {
    /// Register an app; prints it with its client secret.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        audited: bool,
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        #[arg(long = "verified-url-prefix")]
        verified_url_prefixes: Vec<String>,
        #[arg(long)]
        webhook_url: Option<String>,
        #[command(flatten)]
        target: Target,
    },
    /// Approve or revoke an app's audit.
    Audit {
        client_key: String,
        #[arg(long, conflicts_with = "revoke")]
        approve: bool,
        #[arg(long)]
        revoke: bool,
        #[command(flatten)]
        target: Target,
    },
    /// Show an app (its `compat` says which TikTok it is served).
    Show {
        client_key: String,
        #[command(flatten)]
        target: Target,
    },
    /// Choose which TikTok the app is served: a compatibility profile and strict mode; each
    /// given as `platform` follows the platform's `[compat]` again.
    Compat {
        client_key: String,
        /// `tiktok-2026-11` (TikTok's current pages), `tiktok-2024` (the older pages) or `platform`.
        #[arg(long)]
        profile: Option<String>,
        /// `true` (refuse every leniency as TikTok does), `false` or `platform`.
        #[arg(long)]
        strict: Option<String>,
        #[command(flatten)]
        target: Target,
    },
}

#[derive(Subcommand)]
enum CreatorCmd {
    /// Create a creator.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password: Option<String>,
        #[arg(long)]
        nickname: Option<String>,
        #[arg(long)]
        private: bool,
        #[arg(long = "max-duration")]
        max_duration: Option<i64>,
        #[arg(long)]
        region: Option<String>,
        #[command(flatten)]
        target: Target,
    },
}

#[derive(Subcommand)]
enum TokenCmd {
    /// Issue an access and refresh token for a creator.
    Mint {
        #[arg(long)]
        client_key: String,
        #[arg(long)]
        username: String,
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
        #[command(flatten)]
        target: Target,
    },
}

#[derive(Subcommand)]
enum ClockCmd {
    /// Show the server's time (with `--app`, that app's; with `--creator`, that creator's).
    Show {
        /// An app's own clock.
        #[arg(long = "app")]
        app: Option<String>,
        /// A creator's own clock (open_id or username).
        #[arg(long = "creator")]
        creator: Option<String>,
        #[command(flatten)]
        target: Target,
    },
    /// Move the clock forward, e.g. `25h`, `90m`, `366d`, `30s`; with `--app KEY` only that
    /// app's clock moves.
    Advance {
        by: String,
        /// Move only this app's clock.
        #[arg(long = "app")]
        app: Option<String>,
        /// Move only this creator's clock (open_id or username).
        #[arg(long = "creator")]
        creator: Option<String>,
        #[command(flatten)]
        target: Target,
    },
}

#[derive(Subcommand)]
enum FaultCmd {
    /// Make the next matching calls fail: `reelbox fault add --endpoint video/init --error-code spam_risk_too_many_posts`.
    Add {
        /// video/init, inbox/video/init, content/init, creator_info, status, cancel, upload, processing, webhook, *
        #[arg(long, default_value = "*")]
        endpoint: String,
        /// A named scenario instead (see `reelbox fault scenarios`).
        #[arg(long)]
        scenario: Option<String>,
        #[arg(long)]
        client_key: Option<String>,
        #[arg(long)]
        username: Option<String>,
        #[arg(long)]
        error_code: Option<String>,
        #[arg(long)]
        http_status: Option<u16>,
        #[arg(long)]
        latency_ms: Option<u64>,
        #[arg(long)]
        drop_connection: bool,
        #[arg(long)]
        hold_seconds: Option<i64>,
        #[arg(long, default_value_t = 1)]
        times: u32,
        #[arg(long)]
        ttl_seconds: Option<i64>,
        #[command(flatten)]
        target: Target,
    },
    /// The active faults.
    List {
        #[command(flatten)]
        target: Target,
    },
    /// Remove every fault.
    Clear {
        #[command(flatten)]
        target: Target,
    },
    /// The named scenarios and what each reproduces.
    Scenarios,
}

#[derive(Subcommand)]
enum ConfigCmd {
    /// Print a reelbox.toml with every key and its default.
    Example,
}

fn parse_duration(s: &str) -> anyhow::Result<i64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num
        .parse()
        .with_context(|| format!("{s}: expected a number with a unit (s, m, h, d)"))?;
    let mult = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        other => bail!("{other}: unknown unit (use s, m, h or d)"),
    };
    Ok(n * mult)
}

fn print(v: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.cmd {
        Cmd::Serve(a) => {
            let flags = Overrides {
                listen: a.listen,
                data_dir: a.data_dir,
                database_url: a.database_url,
                storage: a.storage,
                admin_token: a.admin_token,
                public_url: a.public_url,
                mode: a.mode.map(|m| {
                    if m == "production" {
                        Mode::Production
                    } else {
                        Mode::Sandbox
                    }
                }),
                intercept: reelbox_server::InterceptOverrides {
                    enabled: a.intercept.then_some(true),
                    tls_listen: a.tls_listen,
                },
                testing: reelbox_server::TestingOverrides {
                    seed_file: a.seed,
                    deterministic: a.deterministic,
                },
            };
            let cfg = Config::load(a.config.as_deref(), &flags).map_err(anyhow::Error::msg)?;
            reelbox_server::run(cfg).await
        }
        Cmd::App { cmd } => match cmd {
            AppCmd::Create {
                name,
                audited,
                scopes,
                redirect_uris,
                verified_url_prefixes,
                webhook_url,
                target,
            } => {
                let req = CreateApp {
                    name,
                    audited,
                    scopes,
                    redirect_uris,
                    verified_url_prefixes,
                    webhook_url,
                };
                print(&target.call(Call::post("/_reelbox/apps", &req)?).await?)
            }
            AppCmd::Audit {
                client_key,
                approve,
                revoke,
                target,
            } => {
                if approve == revoke {
                    bail!("say --approve or --revoke");
                }
                let req = UpdateApp {
                    audited: Some(approve),
                    ..Default::default()
                };
                let path = format!("/_reelbox/apps/{client_key}");
                print(&target.call(Call::patch(path, &req)?).await?)
            }
            AppCmd::Compat {
                client_key,
                profile,
                strict,
                target,
            } => {
                let path = format!("/_reelbox/apps/{client_key}");
                let app = target.call(Call::get(path.clone())).await?;
                let mut chosen: CompatChoice =
                    serde_json::from_value(app["compat"]["chosen"].clone())
                        .context("the server's answer has no compat choice")?;
                if let Some(p) = profile {
                    chosen.profile = (p != "platform").then_some(p);
                }
                if let Some(v) = strict {
                    chosen.strict = match v.as_str() {
                        "platform" => None,
                        v => Some(
                            v.parse()
                                .context("--strict takes true, false or platform")?,
                        ),
                    };
                }
                let req = UpdateApp {
                    compat: Some(chosen),
                    ..Default::default()
                };
                print(&target.call(Call::patch(path, &req)?).await?)
            }
            AppCmd::Show { client_key, target } => print(
                &target
                    .call(Call::get(format!("/_reelbox/apps/{client_key}")))
                    .await?,
            ),
        },
        Cmd::Creator {
            cmd:
                CreatorCmd::Create {
                    username,
                    password,
                    nickname,
                    private,
                    max_duration,
                    region,
                    target,
                },
        } => {
            let req = CreateCreator {
                username,
                password,
                nickname,
                private_account: Some(private),
                max_video_post_duration_sec: max_duration,
                region_code: region,
                ..Default::default()
            };
            print(&target.call(Call::post("/_reelbox/creators", &req)?).await?)
        }
        Cmd::Token {
            cmd:
                TokenCmd::Mint {
                    client_key,
                    username,
                    scopes,
                    target,
                },
        } => {
            let req = MintToken {
                client_key,
                username: Some(username),
                creator_id: None,
                scopes,
            };
            print(&target.call(Call::post("/_reelbox/tokens", &req)?).await?)
        }
        Cmd::Clock { cmd } => match cmd {
            ClockCmd::Show {
                app,
                creator,
                target,
            } => {
                let mut q = Vec::new();
                if let Some(k) = app {
                    q.push(format!("client_key={k}"));
                }
                if let Some(c) = creator {
                    q.push(format!("creator={c}"));
                }
                let path = if q.is_empty() {
                    "/_reelbox/clock".to_string()
                } else {
                    format!("/_reelbox/clock?{}", q.join("&"))
                };
                print(&target.call(Call::get(&path)).await?)
            }
            ClockCmd::Advance {
                by,
                app,
                creator,
                target,
            } => {
                let req = ClockChange {
                    advance_seconds: Some(parse_duration(&by)?),
                    client_key: app,
                    creator,
                    ..Default::default()
                };
                print(&target.call(Call::post("/_reelbox/clock", &req)?).await?)
            }
        },
        Cmd::Fault { cmd } => fault(cmd).await,
        Cmd::Listen {
            forward_to,
            app,
            events,
            max,
            target,
        } => {
            listen::run(
                listen::Listen {
                    forward_to,
                    app,
                    events,
                    max,
                },
                &target,
            )
            .await
        }
        Cmd::Trigger {
            event,
            app,
            publish_id,
            username,
            target,
        } => {
            let req = reelbox_wire::control::WebhookTrigger {
                client_key: app,
                event,
                publish_id,
                username,
            };
            print(
                &target
                    .call(Call::post("/_reelbox/webhooks/trigger", &req)?)
                    .await?,
            )
        }
        Cmd::Resend {
            delivery_id,
            target,
        } => print(
            &target
                .call(Call::post(
                    format!("/_reelbox/webhooks/{delivery_id}/resend"),
                    &serde_json::json!({}),
                )?)
                .await?,
        ),
        Cmd::Seed { cmd: None, args } => seed::run(args).await,
        Cmd::Seed { cmd: Some(cmd), .. } => print(&testing::seed(cmd).await?),
        Cmd::Reset { target } => print(&testing::reset(target).await?),
        Cmd::Snapshot { cmd } => print(&testing::snapshot(cmd).await?),
        Cmd::Migrate {
            from,
            to,
            from_storage,
            to_storage,
            data_dir,
        } => print(
            &migrate::run(
                &from,
                &to,
                from_storage.as_deref(),
                to_storage.as_deref(),
                &data_dir,
            )
            .await?,
        ),
        Cmd::Report { client_key, target } => {
            let path = format!("/_reelbox/report?client_key={client_key}");
            print(&target.call(Call::get(path)).await?)
        }
        Cmd::Config {
            cmd: ConfigCmd::Example,
        } => {
            print!("{}", Config::example_toml());
            Ok(())
        }
        Cmd::Login(a) => client::login::run(a).await,
        Cmd::Post(a) => client::post::run(a).await,
        Cmd::Status(a) => client::status::run(a).await,
        Cmd::CreatorInfo(a) => client::creator_info::run(a).await,
        Cmd::Export(a) => client::export::run(a).await,
        Cmd::Research(a) => client::research::run(a).await,
        Cmd::Schedule(a) => client::schedule::run(a).await,
        Cmd::Doctor(a) => client::doctor::run(a).await,
        Cmd::Ca(a) => ca::run(a),
        Cmd::Probe { .. } | Cmd::Completions { .. } => {
            unreachable!("handled before the runtime starts")
        }
    }
}

async fn fault(cmd: FaultCmd) -> anyhow::Result<()> {
    match cmd {
        FaultCmd::Scenarios => {
            let list: Vec<_> = reelbox_core::faults::SCENARIOS
                .iter()
                .map(|(n, d)| serde_json::json!({"name": n, "reproduces": d}))
                .collect();
            print(&serde_json::json!({ "scenarios": list }))
        }
        FaultCmd::Add {
            endpoint,
            scenario,
            client_key,
            username,
            error_code,
            http_status,
            latency_ms,
            drop_connection,
            hold_seconds,
            times,
            ttl_seconds,
            target,
        } => {
            let spec = reelbox_wire::control::FaultSpec {
                endpoint,
                scenario,
                client_key,
                username,
                error_code,
                http_status,
                latency_ms,
                drop_connection: drop_connection.then_some(true),
                hold_seconds,
                times,
                ttl_seconds,
            };
            // Faults live in the serving process: only a running server can hold them.
            let target = target.server_only()?;
            print(&target.call(Call::post("/_reelbox/faults", &spec)?).await?)
        }
        FaultCmd::List { target } => print(
            &target
                .server_only()?
                .call(Call::get("/_reelbox/faults"))
                .await?,
        ),
        FaultCmd::Clear { target } => print(
            &target
                .server_only()?
                .call(Call::delete("/_reelbox/faults"))
                .await?,
        ),
    }
}
/// mimalloc rather than the system allocator: the server's many short-lived request allocations
/// across worker threads fragment glibc's per-thread arenas (RSS kept creeping under load) and
/// cost more per call.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = Cli::parse();
    // The probe runs in a child process with a memory cap: no runtime, no threads.
    match &cli.cmd {
        Cmd::Probe { args } => std::process::exit(reelbox_media::probe_main(args)),
        Cmd::Completions { shell } => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "reelbox",
                &mut std::io::stdout(),
            );
            return;
        }
        _ => {}
    }
    let serving = matches!(cli.cmd, Cmd::Serve(_));
    // A control command with --data-dir goes through the server's router in process: the
    // server's line per request is not the operator's business there.
    let filter = tracing_subscriber::EnvFilter::try_from_env("REELBOX_LOG").unwrap_or_else(|_| {
        if serving {
            "info,sqlx=warn".into()
        } else {
            "info,sqlx=warn,reelbox_server::http::context=warn".into()
        }
    });
    // The server logs a line per request: written by a thread of its own so that requests never
    // wait on stderr (not lossy: a full buffer slows logging down rather than dropping lines).
    // Other commands write directly, in order with what they print.
    let log_guard = if serving {
        let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
            .lossy(false)
            .finish(std::io::stderr());
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(writer)
            .init();
        Some(guard)
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
        None
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = rt.block_on(run(cli));
    drop(log_guard); // flushes what is still queued: exit() runs no destructors
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
