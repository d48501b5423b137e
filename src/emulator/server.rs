//! Serving the emulator over TCP: [`serve`] (graceful shutdown), [`spawn`] (loopback port 0 in a
//! background task, for the embedded default and tests), [`run_cli`] (`graphsoar emulator`), and
//! the one [`shutdown_signal`] (Ctrl-C or SIGTERM).
//!
//! Connections are accepted through [`KillableListener`], whose streams can be failed on purpose:
//! the `drop` fault marks the request's [`Connection`] killed, its stream then fails every read and
//! write, hyper ends the connection without writing the response, and the socket closes. No
//! handler panics and no task is aborted.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use super::auth::{Client, TENANT_ID};
use super::{Emulator, EmulatorError, EmulatorOptions, router};

/// A TCP listener whose connections can be dropped by the `drop` fault.
pub struct KillableListener(pub TcpListener);

/// A TCP stream that fails all I/O once killed.
pub struct KillableStream {
    io: TcpStream,
    killed: Arc<AtomicBool>,
}

/// The request's connection (axum `ConnectInfo`): its peer and its kill switch.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The client's address.
    pub peer: SocketAddr,
    killed: Arc<AtomicBool>,
}

impl Connection {
    /// Fails the connection: no response will be written.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
    }
}

impl Listener for KillableListener {
    type Io = KillableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = Listener::accept(&mut self.0).await;
        let stream = KillableStream {
            io,
            killed: Arc::new(AtomicBool::new(false)),
        };
        (stream, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

impl Connected<IncomingStream<'_, KillableListener>> for Connection {
    fn connect_info(stream: IncomingStream<'_, KillableListener>) -> Self {
        Connection {
            peer: *stream.remote_addr(),
            killed: stream.io().killed.clone(),
        }
    }
}

fn killed_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection dropped by an emulator fault",
    )
}

impl AsyncRead for KillableStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.killed.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed_error()));
        }
        Pin::new(&mut this.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.killed.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed_error()));
        }
        Pin::new(&mut this.io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.killed.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed_error()));
        }
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// Serves `emulator` on `listener` until `shutdown` completes, then drains in-flight requests
/// (each bounded by the configured request timeout).
pub async fn serve(
    listener: TcpListener,
    emulator: Emulator,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let app = router(emulator).into_make_service_with_connect_info::<Connection>();
    axum::serve(KillableListener(listener), app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// A running emulator on a loopback port, from [`spawn`]. Dropping it stops the server.
#[derive(Debug)]
pub struct Running {
    /// `http://127.0.0.1:PORT`: `graph_url`, `defender_url` and `login_url` alike.
    pub base_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// The tenant id (`local`).
    pub tenant_id: String,
    /// The client id with every role (`graphsoar-local`).
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// Every client the emulator accepts.
    pub clients: Vec<Client>,
    /// The emulator's state.
    pub emulator: Emulator,
    shutdown: CancellationToken,
    task: Option<tokio::task::JoinHandle<io::Result<()>>>,
}

impl Running {
    /// `{base_url}/{tenant}/oauth2/v2.0/token`.
    pub fn token_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.base_url, self.tenant_id)
    }

    /// Stops the server and waits for it to drain.
    pub async fn shutdown(mut self) -> io::Result<()> {
        self.shutdown.cancel();
        match self.task.take() {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Starts an emulator on `127.0.0.1:0` in a background task.
pub async fn spawn(config: EmulatorOptions) -> Result<Running, EmulatorError> {
    let clients = config.clients.clone();
    let emulator = Emulator::new(config)?;
    let (listener, addr) = bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    let task = tokio::spawn(serve(listener, emulator.clone(), async move { stop.cancelled().await }));
    let main = clients
        .iter()
        .find(|c| c.secret.is_some())
        .cloned()
        .unwrap_or_else(Client::local);
    Ok(Running {
        base_url: format!("http://{addr}"),
        addr,
        tenant_id: TENANT_ID.to_owned(),
        client_id: main.client_id,
        client_secret: main.secret.unwrap_or_default(),
        clients,
        emulator,
        shutdown,
        task: Some(task),
    })
}

/// Completes on Ctrl-C or (on Unix) SIGTERM: the one shutdown signal, shared with the engine.
pub use crate::shutdown::signal as shutdown_signal;

/// A listener on `addr` and the address it got (the port, for port 0).
pub async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), EmulatorError> {
    let listener = TcpListener::bind(addr).await.map_err(|source| EmulatorError::Io {
        what: format!("cannot listen on {addr}"),
        source,
    })?;
    let bound = listener.local_addr().map_err(|source| EmulatorError::Io {
        what: "cannot read the bound address".into(),
        source,
    })?;
    Ok((listener, bound))
}
