//! The listening side of `mpa-sim serve`: one accept thread, one thread per open connection
//! (at most `Limits::max_connections`; more are answered 503), and the session behind a lock.
//!
//! A connection's thread reads its requests with deadlines (`conn`), so a slow or stalled
//! client holds only its own thread. The session lock is taken only to answer: a state read
//! clones the shared pickle (`Session::current_state_shared`) and lets go; a step holds it
//! for the step. Responses are written after the lock is released. Stopping (`shutdown`, or
//! `exit_when_done` after the last episode) closes every open connection, waits for their
//! threads, and writes any finished episode still kept in memory.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use super::conn::{Limits, Reply, refuse, serve_connection};
use super::http::handle;
use super::session::{Session, SessionError};

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {message}")]
    Bind { addr: String, message: String },
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Session(#[from] SessionError),
}

#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// `host:port`; port 0 picks a free port.
    pub addr: String,
    /// Required `auth-token` header value; empty accepts any.
    pub token: String,
    /// Stop serving after answering the request that finished the last episode.
    pub exit_when_done: bool,
    /// Print the session's notes (episodes finished or failed) to stderr.
    pub log: bool,
    pub limits: Limits,
}

impl Default for ServerOptions {
    fn default() -> ServerOptions {
        ServerOptions {
            addr: "127.0.0.1:8065".into(),
            token: String::new(),
            exit_when_done: false,
            log: false,
            limits: Limits::default(),
        }
    }
}

/// What the accept thread and the connection threads share.
struct Shared {
    session: Mutex<Session>,
    options: ServerOptions,
    addr: SocketAddr,
    stop: AtomicBool,
    /// A handle on every open connection, to close them when stopping.
    open: Mutex<BTreeMap<u64, TcpStream>>,
}

/// A server running on its own threads.
pub struct ServeHandle {
    shared: Arc<Shared>,
    thread: JoinHandle<Result<(), ServeError>>,
}

impl ServeHandle {
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }
    /// `http://host:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }
    /// Stop serving and wait for the threads.
    pub fn shutdown(self) -> Result<(), ServeError> {
        request_stop(&self.shared);
        self.join()
    }
    /// Wait until the server stops by itself (`exit_when_done`).
    pub fn join(self) -> Result<(), ServeError> {
        self.thread.join().unwrap_or_else(|_| {
            Err(ServeError::Io(std::io::Error::other(
                "server thread panicked",
            )))
        })
    }
}

/// Bind and serve `session` on new threads.
pub fn spawn(session: Session, options: ServerOptions) -> Result<ServeHandle, ServeError> {
    let bind_error = |message: String| ServeError::Bind {
        addr: options.addr.clone(),
        message,
    };
    let listener = TcpListener::bind(&options.addr).map_err(|e| bind_error(e.to_string()))?;
    let addr = listener
        .local_addr()
        .map_err(|e| bind_error(e.to_string()))?;
    let shared = Arc::new(Shared {
        session: Mutex::new(session),
        options,
        addr,
        stop: AtomicBool::new(false),
        open: Mutex::new(BTreeMap::new()),
    });
    let inner = shared.clone();
    let thread = std::thread::Builder::new()
        .name("serve-accept".into())
        .spawn(move || accept_loop(&listener, &inner))?;
    Ok(ServeHandle { shared, thread })
}

/// The lock, also after a panic elsewhere while holding it (the panic was answered 500).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) -> Result<(), ServeError> {
    print_notes(shared);
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    let mut next_id = 0u64;
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        // Running out of file descriptors or a connection reset before accept: not fatal.
        let Ok(stream) = stream else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        workers.retain(|w| !w.is_finished());
        if workers.len() >= shared.options.limits.max_connections {
            refuse(stream, 503, "too many open connections; retry later");
            continue;
        }
        let id = next_id;
        next_id += 1;
        if let Ok(handle) = stream.try_clone() {
            lock(&shared.open).insert(id, handle);
        }
        let inner = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("serve-conn".into())
            .spawn(move || {
                serve_connection(
                    stream,
                    inner.options.limits,
                    |head, body| {
                        catch_unwind(AssertUnwindSafe(|| {
                            handle(&inner.session, &inner.options.token, head, body)
                        }))
                        .unwrap_or_else(|_| {
                            Reply::text(500, "internal error while serving the request")
                        })
                    },
                    || after_reply(&inner),
                );
                lock(&inner.open).remove(&id);
            });
        match spawned {
            Ok(worker) => workers.push(worker),
            Err(_) => {
                lock(&shared.open).remove(&id);
            }
        }
    }
    for stream in lock(&shared.open).values() {
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }
    for worker in workers {
        let _ = worker.join();
    }
    let saved = lock(&shared.session).save_pending();
    print_notes(shared);
    Ok(saved?)
}

/// After a response is written: print notes; stop once all is done if asked to.
fn after_reply(shared: &Shared) {
    print_notes(shared);
    if shared.options.exit_when_done && lock(&shared.session).done() {
        request_stop(shared);
    }
}

fn print_notes(shared: &Shared) {
    let notes = lock(&shared.session).take_notes();
    if shared.options.log {
        for note in notes {
            eprintln!("{note}");
        }
    }
}

/// Set the stop flag and wake the accept thread with a connection of our own.
fn request_stop(shared: &Shared) {
    if shared.stop.swap(true, Ordering::SeqCst) {
        return;
    }
    let mut wake = shared.addr;
    if wake.ip().is_unspecified() {
        wake.set_ip(match wake {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
}
