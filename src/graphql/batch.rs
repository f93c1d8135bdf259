//! Runs a request so that DataLoader batches are sent only once the request cannot progress.
//!
//! A DataLoader sends its batch from a spawned task. Spawned on the runtime, that task may run
//! while the siblings of a long list are still being resolved (async-graphql resolves lists with
//! futures that yield every few dozen items), and a list of 500 would be read in several
//! batches. Here the batch tasks are queued instead, and started only when the request's future
//! is pending without having woken itself: every resolver is then waiting on data, so every key
//! has been queued. Like JavaScript's DataLoader, which waits for the end of the tick. The
//! number of SQL statements of a request thus depends on its shape, never on the number of rows.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

/// A batch task, as DataLoader hands it to its spawner.
pub type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Where a request's loaders queue their batch tasks.
#[derive(Clone, Default)]
pub struct Queue(Arc<Mutex<Vec<Task>>>);

impl Queue {
    /// The spawner to give `DataLoader::new`.
    pub fn spawner(&self) -> impl Fn(Task) + Send + Sync + 'static {
        let queue = self.clone();
        move |task| {
            queue
                .0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(task);
        }
    }

    fn take(&self) -> Vec<Task> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Records whether the wrapped future woke itself while being polled (a cooperative yield).
struct Flag {
    woken: AtomicBool,
    inner: Waker,
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.inner.wake_by_ref();
    }
}

/// Drives `request` and, whenever it is idle, the batch tasks queued in `queue`.
pub async fn run<F: Future>(request: F, queue: Queue) -> F::Output {
    let mut request = std::pin::pin!(request);
    let mut running: Vec<Task> = Vec::new();
    std::future::poll_fn(move |cx| {
        poll_tasks(&mut running, cx);
        loop {
            let flag = Arc::new(Flag {
                woken: AtomicBool::new(false),
                inner: cx.waker().clone(),
            });
            let waker = Waker::from(Arc::clone(&flag));
            if let Poll::Ready(output) = request.as_mut().poll(&mut Context::from_waker(&waker)) {
                return Poll::Ready(output);
            }
            if flag.woken.load(Ordering::Acquire) {
                // It yielded (or data arrived meanwhile): it will be polled again soon.
                return Poll::Pending;
            }
            let queued = queue.take();
            if queued.is_empty() {
                return Poll::Pending;
            }
            running.extend(queued);
            poll_tasks(&mut running, cx);
        }
    })
    .await
}

fn poll_tasks(running: &mut Vec<Task>, cx: &mut Context<'_>) {
    running.retain_mut(|task| task.as_mut().poll(cx).is_pending());
}
