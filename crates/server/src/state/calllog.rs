//! The call log is written off the request path: requests hand records to a channel, one task
//! writes them in batches.
use std::sync::Arc;

use reelbox_store::Store;
use reelbox_store::calls::ApiCall;
use tokio::sync::{Notify, mpsc, oneshot};

enum Msg {
    Call(Box<ApiCall>),
    Flush(oneshot::Sender<()>),
}

/// Most records written in one transaction.
const BATCH: usize = 2_000;
/// How long the log gathers records after the first one before writing them together.
const LINGER: std::time::Duration = std::time::Duration::from_millis(25);
/// Records the queue holds: several windows' worth at tens of thousands of calls a second.
const QUEUE: usize = 20_000;

fn take(m: Msg, batch: &mut Vec<ApiCall>, waiters: &mut Vec<oneshot::Sender<()>>) {
    match m {
        Msg::Call(c) => batch.push(*c),
        Msg::Flush(w) => waiters.push(w),
    }
}

#[derive(Clone)]
pub struct CallLog {
    tx: mpsc::Sender<Msg>,
    /// Cuts a gathering window short when somebody waits for the log to be written.
    flush: Arc<Notify>,
}

impl CallLog {
    pub fn start(store: Store) -> CallLog {
        let (tx, mut rx) = mpsc::channel::<Msg>(QUEUE);
        let flush = Arc::new(Notify::new());
        let flushed = flush.clone();
        tokio::spawn(async move {
            let mut batch: Vec<ApiCall> = Vec::new();
            let mut waiters: Vec<oneshot::Sender<()>> = Vec::new();
            while let Some(first) = rx.recv().await {
                take(first, &mut batch, &mut waiters);
                // The window is slept through without watching the queue: requests then queue
                // their records without waking this task (one wake-up a window, not one a
                // call), and a busy log writes one segment per app every LINGER.
                if waiters.is_empty() {
                    tokio::select! {
                        _ = tokio::time::sleep(LINGER) => {}
                        _ = flushed.notified() => {}
                    }
                }
                loop {
                    while batch.len() < BATCH {
                        match rx.try_recv() {
                            Ok(m) => take(m, &mut batch, &mut waiters),
                            Err(_) => break,
                        }
                    }
                    let full = batch.len() >= BATCH;
                    if !batch.is_empty() {
                        let n = batch.len();
                        if let Err(e) = store.insert_calls(std::mem::take(&mut batch)).await {
                            tracing::warn!(error = %e, n, "call log write failed");
                        }
                    }
                    if !full {
                        break;
                    }
                }
                for w in waiters.drain(..) {
                    let _ = w.send(());
                }
            }
        });
        CallLog { tx, flush }
    }

    /// Queues a record; under overload records are dropped rather than slowing requests.
    pub fn record(&self, c: ApiCall) {
        if self.tx.try_send(Msg::Call(Box::new(c))).is_err() {
            tracing::warn!("call log queue full; a record was dropped");
        }
    }

    /// Waits until everything recorded so far is written.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Flush(tx)).await.is_ok() {
            self.flush.notify_one();
            let _ = rx.await;
        }
    }
}
