//! The process's signals: the one shutdown signal, Ctrl-C or SIGTERM (the engine stops taking
//! new work on the first and exits at once on a second; the emulator drains and stops), and
//! SIGHUP, which reloads the engine's playbooks.

/// Completes on Ctrl-C or (on Unix) SIGTERM.
pub async fn signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %error, "Cannot listen for Ctrl-C.");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(error = %error, "Cannot listen for SIGTERM.");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Calls `on_hangup` on every SIGHUP, for as long as the process runs (on Unix; elsewhere
/// never). Call it from within the runtime.
pub fn on_hangup(on_hangup: impl Fn() + Send + 'static) {
    #[cfg(unix)]
    tokio::spawn(async move {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
            Ok(mut signal) => {
                while signal.recv().await.is_some() {
                    on_hangup();
                }
            }
            Err(error) => tracing::error!(error = %error, "Cannot listen for SIGHUP."),
        }
    });
    #[cfg(not(unix))]
    drop(on_hangup);
}
