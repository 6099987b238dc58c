//! The crate's own tokio runtime, and the two ways Python waits on the facade: the blocking
//! `Concierge` releases the GIL and blocks on the runtime; `AsyncConcierge` hands asyncio an
//! awaitable via `pyo3_async_runtimes::generic::future_into_py`, with this runtime as the
//! executor.
//!
//! The runtime survives `os.fork()`: a forked child has none of the parent's worker threads, so
//! the first use in a new process builds a fresh runtime (the parent's is leaked, never dropped:
//! dropping it would wait for threads that do not exist in the child).

use crate::error::to_py_err;
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3_async_runtimes::TaskLocals;
use pyo3_async_runtimes::generic::{ContextExt, Runtime as GenericRuntime};
use std::cell::OnceCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use tokio::runtime::Runtime;

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

/// Runs `fut` on the runtime with the GIL released and converts its output.
pub fn run_blocking<'py, T>(
    py: Python<'py>,
    fut: impl Future<Output = concierge::Result<T>> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>>
where
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let result = py.detach(|| runtime().block_on(fut));
    match result {
        Ok(value) => value.into_bound_py_any(py),
        Err(e) => Err(to_py_err(py, e)),
    }
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
        runtime().spawn(fut)
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        runtime().spawn_blocking(f)
    }
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
