//! The call log is written off the request path: requests hand records to a channel, one task
//! writes them in batches.
use reelbox_store::Store;
use reelbox_store::calls::ApiCall;
use tokio::sync::{mpsc, oneshot};

enum Msg {
    Call(Box<ApiCall>),
    Flush(oneshot::Sender<()>),
}

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
                let mut next = Some(first);
                while let Some(m) = next.take().or_else(|| rx.try_recv().ok()) {
                    match m {
                        Msg::Call(c) => batch.push(*c),
                        Msg::Flush(w) => waiters.push(w),
                    }
                    if batch.len() >= 500 {
                        break;
                    }
                }
                if !batch.is_empty() {
                    if let Err(e) = store.insert_calls(&batch).await {
                        tracing::warn!(error = %e, n = batch.len(), "call log write failed");
                    }
                    batch.clear();
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
