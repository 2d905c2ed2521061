//! `reelbox seed`: a deterministic synthetic corpus written straight into the database, with a
//! progress bar; `--bench` then times the fixed mix of research queries on it.
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use reelbox_core::research::{self, RawCondition, RawQuery, format_day};
use reelbox_server::{Config, Overrides};
use reelbox_store::Store;
use reelbox_store::read::PageAt;
use reelbox_store::seed::SeedSpec;
use serde_json::json;

#[derive(Args)]
pub struct SeedArgs {
    #[arg(long, default_value_t = 1000)]
    creators: u64,
    #[arg(long, default_value_t = 100_000)]
    videos: u64,
    #[arg(long, default_value_t = 365)]
    days: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The corpus ends at this epoch-ms instant (default: now), so reruns can be identical.
    #[arg(long)]
    end_ms: Option<i64>,
    #[arg(long, default_value = "reelbox-data")]
    data_dir: PathBuf,
    /// Database URL (default: the data dir's SQLite file).
    #[arg(long)]
    database_url: Option<String>,
    /// Skip generation (use what the database holds).
    #[arg(long)]
    no_generate: bool,
    /// Time the research query mix afterwards; this many runs per query kind.
    #[arg(long)]
    bench: Option<usize>,
}

pub async fn run(a: SeedArgs) -> anyhow::Result<()> {
    let mut cfg = Config::load(None, &Overrides::default()).map_err(anyhow::Error::msg)?;
    cfg.data_dir = a.data_dir.clone();
    if let Some(u) = &a.database_url {
        cfg.database_url = Some(u.clone());
    }
    std::fs::create_dir_all(&cfg.data_dir)
        .with_context(|| format!("creating {}", cfg.data_dir.display()))?;
    let store = Store::open(&cfg.database_url()).await?;
    let end_ms = a.end_ms.unwrap_or_else(reelbox_core::clock::system_now_ms);
    let spec = SeedSpec {
        creators: a.creators,
        videos: a.videos,
        days: a.days,
        seed: a.seed,
        end_ms,
    };
    if !a.no_generate {
        let bar = ProgressBar::new(a.videos);
        bar.set_style(
            ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {human_pos}/{human_len} videos ({per_sec}, eta {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let b = bar.clone();
        let rep = store.seed(&spec, &move |n| b.set_position(n)).await?;
        bar.finish();
        println!("{}", serde_json::to_string_pretty(&rep)?);
    }
    if let Some(n) = a.bench {
        bench(&store, &spec, n.max(1)).await?;
    }
    store.close().await;
    Ok(())
}

fn cond(field: &str, op: &str, values: &[&str]) -> RawCondition {
    RawCondition {
        field_name: Some(field.into()),
        operation: Some(op.into()),
        field_values: Some(values.iter().map(|v| json!(v)).collect()),
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The fixed mix: selective by username; hashtag + 7 days; region + 7 days + view_count GT;
/// keyword + 7 days; 10 pages of 100 by keyset over region + 30 days.
async fn bench(store: &Store, spec: &SeedSpec, runs: usize) -> anyhow::Result<()> {
    let last_day = research::day_of(spec.end_ms) - 1;
    let kinds = [
        "username",
        "hashtag_date",
        "region_date_views",
        "keyword",
        "paginate_10",
    ];
    println!("| query kind | runs | p50 ms | p99 ms | rows (last run) |");
    println!("|---|---|---|---|---|");
    for kind in kinds {
        let mut times = Vec::with_capacity(runs);
        let mut rows = 0usize;
        let mut plan = Vec::new();
        for i in 0..runs {
            // Vary the window and the values so that runs are not one cached answer.
            let end = last_day - (i as i64 % 60);
            let (start, raw) = match kind {
                "username" => (
                    end - 30,
                    RawQuery {
                        and: Some(vec![cond(
                            "username",
                            "EQ",
                            &[&format!("user{}_{}", spec.seed, 20 + i % 200)],
                        )]),
                        ..Default::default()
                    },
                ),
                "hashtag_date" => {
                    let tags = ["cooking", "travel", "gym", "anime", "garden"];
                    (
                        end - 6,
                        RawQuery {
                            and: Some(vec![cond("hashtag_name", "EQ", &[tags[i % tags.len()]])]),
                            ..Default::default()
                        },
                    )
                }
                "region_date_views" => {
                    let regions = ["GB", "DE", "JP", "FR", "MX"];
                    (
                        end - 6,
                        RawQuery {
                            and: Some(vec![
                                cond("region_code", "EQ", &[regions[i % regions.len()]]),
                                cond("view_count", "GT", &["1000"]),
                            ]),
                            ..Default::default()
                        },
                    )
                }
                "keyword" => {
                    let words = ["tutorial", "recipe", "beach", "honest review", "workout"];
                    (
                        end - 6,
                        RawQuery {
                            and: Some(vec![cond("keyword", "EQ", &[words[i % words.len()]])]),
                            ..Default::default()
                        },
                    )
                }
                _ => (
                    end - 29,
                    RawQuery {
                        and: Some(vec![cond("region_code", "IN", &["US", "BR"])]),
                        ..Default::default()
                    },
                ),
            };
            let q = research::validate_query(
                Some(&raw),
                Some(&format_day(start)),
                Some(&format_day(end)),
            )
            .map_err(|e| anyhow::anyhow!(e.message))?;
            if i == 0 {
                plan = store.research_plan(&q, &PageAt::default(), 100).await?;
            }
            let t = Instant::now();
            if kind == "paginate_10" {
                let max_id = store.max_post_id().await?;
                let mut at = PageAt {
                    max_id: Some(max_id),
                    ..Default::default()
                };
                rows = 0;
                for _ in 0..10 {
                    let page = store.research_videos(&q, &at, 100, false).await?;
                    rows += page.len();
                    match page.last() {
                        Some(l) => at.after_id = Some(l.id.clone()),
                        None => break,
                    }
                }
            } else {
                rows = store
                    .research_videos(&q, &PageAt::default(), 100, false)
                    .await?
                    .len();
            }
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(|a, b| a.total_cmp(b));
        println!(
            "| {kind} | {runs} | {:.1} | {:.1} | {rows} |",
            pct(&times, 0.5),
            pct(&times, 0.99)
        );
        eprintln!("plan of {kind}: {}", plan.join(" / "));
    }
    Ok(())
}
