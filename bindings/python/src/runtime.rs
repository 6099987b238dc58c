//! The crate's own tokio runtime, and the two ways Python waits on the facade: the blocking
//! `Concierge` releases the GIL and blocks on the runtime; `AsyncConcierge` hands asyncio an
//! awaitable via `pyo3_async_runtimes::generic::future_into_py`, with this runtime as the
//! executor.
//!
//! The runtime survives `os.fork()`: a forked child has none of the parent's worker threads, so
//! the first use in a new process builds a fresh runtime (the parent's is leaked, never dropped:
//! dropping it would wait for threads that do not exist in the child).
//!
//! The runtime's threads are not Python's: one that is inside Python (setting an asyncio
//! future's result) while the interpreter finalizes is killed mid-call, and the process aborts.
//! So every task `AsyncConcierge` starts is counted, and an `atexit` hook ([`wait_at_exit`])
//! cancels those not yet done and waits, with the GIL released, for the rest to leave Python.

use crate::error::to_py_err;
use pyo3::prelude::*;
use pyo3_async_runtimes::TaskLocals;
use pyo3_async_runtimes::generic::{ContextExt, Runtime as GenericRuntime};
use std::cell::OnceCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;
use tokio::runtime::Runtime;
use tokio::sync::watch;

static RUNTIME: Mutex<Option<(u32, &'static Runtime)>> = Mutex::new(None);

/// The runtime of this process.
pub fn runtime() -> &'static Runtime {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(|p| p.into_inner());
    match *slot {
        Some((owner, rt)) if owner == pid => rt,
        _ => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("concierge")
                .enable_all()
                .build()
                .expect("the tokio runtime of the concierge binding could not start");
            let rt: &'static Runtime = Box::leak(Box::new(rt));
            *slot = Some((pid, rt));
            rt
        }
    }
}

/// Runs `fut` on the runtime with the GIL released.
pub fn block_on<T: Send>(
    py: Python<'_>,
    fut: impl Future<Output = concierge::Result<T>> + Send,
) -> PyResult<T> {
    py.detach(|| runtime().block_on(fut))
        .map_err(|e| to_py_err(py, e))
}

/// Returns an asyncio awaitable of `fut`'s output. Needs a running event loop, so it is called
/// from within a coroutine (`await handle.op(...)`).
pub fn run_async<'py, T>(
    py: Python<'py>,
    fut: impl Future<Output = concierge::Result<T>> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>>
where
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    pyo3_async_runtimes::generic::future_into_py::<ConciergeRuntime, _, T>(py, async move {
        fut.await.map_err(|e| Python::attach(|py| to_py_err(py, e)))
    })
}

/// [`runtime`] as a `pyo3_async_runtimes` executor.
struct ConciergeRuntime;

tokio::task_local! {
    static TASK_LOCALS: OnceCell<TaskLocals>;
}

impl GenericRuntime for ConciergeRuntime {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let tracked = Tracked::start();
        let mut exit = exit_signal().subscribe();
        runtime().spawn(async move {
            let _tracked = tracked;
            tokio::select! {
                biased;
                _ = exit.wait_for(|exiting| *exiting) => {}
                () = fut => {}
            }
        })
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        let tracked = Tracked::start();
        runtime().spawn_blocking(move || {
            let _tracked = tracked;
            if !EXITING.load(Ordering::SeqCst) {
                f();
            }
        })
    }
}

/// Set by [`wait_at_exit`]: tasks not yet done are dropped instead of run on.
static EXITING: AtomicBool = AtomicBool::new(false);

/// Wakes the tasks waiting on I/O when [`EXITING`] is set.
fn exit_signal() -> &'static watch::Sender<bool> {
    static SIGNAL: OnceLock<watch::Sender<bool>> = OnceLock::new();
    SIGNAL.get_or_init(|| watch::channel(false).0)
}

/// How many tracked tasks of this process (pid) are not done.
static RUNNING: Mutex<(u32, usize)> = Mutex::new((0, 0));
static ALL_DONE: Condvar = Condvar::new();

/// One tracked task: counted from when it is spawned until it is dropped.
struct Tracked;

impl Tracked {
    fn start() -> Self {
        let pid = std::process::id();
        let mut running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        if running.0 != pid {
            // Forked: the parent's tasks do not exist here.
            *running = (pid, 0);
        }
        running.1 += 1;
        Tracked
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        if running.0 == std::process::id() {
            running.1 = running.1.saturating_sub(1);
            if running.1 == 0 {
                ALL_DONE.notify_all();
            }
        }
    }
}

/// Registered with `atexit`: cancels the async tasks not yet done and waits (GIL released, at
/// most a few seconds) until none is left inside Python, so none is there when the interpreter
/// finalizes.
#[pyfunction]
pub fn wait_at_exit(py: Python<'_>) {
    EXITING.store(true, Ordering::SeqCst);
    exit_signal().send_replace(true);
    py.detach(|| {
        let running = RUNNING.lock().unwrap_or_else(|p| p.into_inner());
        let pid = std::process::id();
        let _ = ALL_DONE.wait_timeout_while(running, Duration::from_secs(5), |running| {
            running.0 == pid && running.1 > 0
        });
    });
}

impl ContextExt for ConciergeRuntime {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = OnceCell::new();
        let _ = cell.set(locals);
        Box::pin(TASK_LOCALS.scope(cell, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS
            .try_with(|c| c.get().cloned())
            .unwrap_or_default()
    }
}
