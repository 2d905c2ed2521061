//! Running reelbox: the command line, the client commands, several nodes as one platform, migration,
//! crash safety under SIGKILL, restarts, the protective limits, tenant isolation, the
//! Prometheus metrics and the storage sweeper.
mod admin_token;
mod call_log;
mod cli;
mod client_cli;
mod cluster;
mod crash;
mod files;
mod isolation;
mod limits;
mod metrics;
mod migrate;
mod restart;
mod sweeper;
