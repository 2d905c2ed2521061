//! The call log is written off the request path: requests hand records to a channel, one task
//! writes them in batches.
use reelbox_store::Store;
use reelbox_store::calls::ApiCall;
use tokio::sync::{mpsc, oneshot};

enum Msg {
    Call(Box<ApiCall>),
    Flush(oneshot::Sender<()>),
}

/// Most records written in one transaction.
const BATCH: usize = 2_000;
/// How long a busy log waits for more records before writing.
const LINGER: std::time::Duration = std::time::Duration::from_millis(25);

#[derive(Clone)]
pub struct CallLog {
    tx: mpsc::Sender<Msg>,
}

impl CallLog {
    pub fn start(store: Store) -> CallLog {
        let (tx, mut rx) = mpsc::channel::<Msg>(10_000);
        tokio::spawn(async move {
            let mut batch: Vec<ApiCall> = Vec::new();
            let mut waiters: Vec<oneshot::Sender<()>> = Vec::new();
            while let Some(first) = rx.recv().await {
                // Under load, a short wait gathers a larger batch: one commit (and one fsync)
                // for up to BATCH records instead of one per handful. An explicit flush ends it.
                let until = tokio::time::Instant::now() + LINGER;
                let mut next = Some(first);
                loop {
                    let m = match next.take() {
                        Some(m) => m,
                        None => match rx.try_recv() {
                            Ok(m) => m,
                            Err(_) if waiters.is_empty() && batch.len() >= 64 => {
                                match tokio::time::timeout_at(until, rx.recv()).await {
                                    Ok(Some(m)) => m,
                                    _ => break,
                                }
                            }
                            Err(_) => break,
                        },
                    };
                    match m {
                        Msg::Call(c) => batch.push(*c),
                        Msg::Flush(w) => waiters.push(w),
                    }
                    if batch.len() >= BATCH {
                        break;
                    }
                }
                if !batch.is_empty() {
                    let n = batch.len();
                    if let Err(e) = store.insert_calls(std::mem::take(&mut batch)).await {
                        tracing::warn!(error = %e, n, "call log write failed");
                    }
                }
                for w in waiters.drain(..) {
                    let _ = w.send(());
                }
            }
        });
        CallLog { tx }
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
            let _ = rx.await;
        }
    }
}
