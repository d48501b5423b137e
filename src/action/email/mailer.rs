//! Delivery: the [`Mailer`] the engine holds, built once at start from the `smtp` settings (or
//! the outbox folder when there are none). SMTP goes through lettre's pooled tokio transport
//! over rustls; every failure says whether a later run should retry it. The password is read
//! here, handed to lettre (whose `Credentials` never print it) and never logged or shown.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::transport::smtp::{AsyncSmtpTransport, AsyncSmtpTransportBuilder, PoolConfig};
use lettre::{AsyncTransport, Message, Tokio1Executor};

use super::deliver_to_outbox;
use crate::action::Outcome;
use crate::config::{SMTP_PASSWORD_ENV, Settings, Smtp, SmtpTls};

/// Connect and per-command timeout: a stuck server fails the action (retried later) instead of
/// holding the run.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections kept open between messages (a digest run sends one; an incident storm many).
const POOL_SIZE: u32 = 4;
/// Idle pooled connections are closed after this; servers drop idle clients after a few minutes.
const POOL_IDLE: Duration = Duration::from_secs(60);

/// Where email actions go.
#[derive(Debug)]
pub enum Mailer {
    /// `.eml` files in a folder (no `smtp` settings: the embedded local tenant, or tests).
    Outbox(PathBuf),
    /// An SMTP server.
    Smtp(Box<SmtpMailer>),
}

/// A pooled SMTP transport and what error messages need to name.
///
/// lettre's pool spawns Tokio tasks when it is created and when it is dropped, so the transport
/// is built on the first send (always inside the runtime), and one dropped outside a runtime is
/// leaked rather than panicking: a mailer can be built and dropped anywhere.
pub struct SmtpMailer {
    builder: AsyncSmtpTransportBuilder,
    transport: OnceLock<AsyncSmtpTransport<Tokio1Executor>>,
    host: String,
    port: u16,
    tls: SmtpTls,
    username: Option<String>,
}

impl fmt::Debug for SmtpMailer {
    // By hand, so that nothing about the credentials but the user name can ever be printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Why the mailer could not be built; each names the setting to fix.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("smtp.password_file {}: cannot read the SMTP password: {source}", path.display())]
    PasswordFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "smtp.username `{username}` is set but there is no password: set {SMTP_PASSWORD_ENV} in the environment or name a file with `smtp.password_file`"
    )]
    NoPassword { username: String },
    #[error("smtp.host `{host}`: cannot set up TLS: {message}")]
    Tls { host: String, message: String },
    #[error("the extra root certificate is not a PEM certificate: {0}")]
    RootCertificate(String),
}

impl Mailer {
    /// The mailer the settings ask for: SMTP when `smtp` is set, else the outbox folder.
    pub fn from_settings(settings: &Settings) -> Result<Mailer, MailerError> {
        match &settings.smtp {
            Some(smtp) => Mailer::smtp(smtp),
            None => Ok(Mailer::Outbox(settings.outbox.clone())),
        }
    }

    /// An SMTP mailer verifying the server against the system's trusted roots. The password
    /// comes from `GRAPHSOAR_SMTP_PASSWORD`, else `smtp.password_file`. Nothing connects yet.
    pub fn smtp(settings: &Smtp) -> Result<Mailer, MailerError> {
        Self::build_smtp(settings, None)
    }

    /// Like [`Mailer::smtp`], but trusting only `root_pem` (one or more PEM certificates) for
    /// the server's certificate instead of the system's roots: for a private CA, or a test
    /// server with its own certificate.
    pub fn smtp_with_root(settings: &Smtp, root_pem: &[u8]) -> Result<Mailer, MailerError> {
        let root = Certificate::from_pem(root_pem).map_err(|e| MailerError::RootCertificate(e.to_string()))?;
        Self::build_smtp(settings, Some(root))
    }

    fn build_smtp(settings: &Smtp, root: Option<Certificate>) -> Result<Mailer, MailerError> {
        let tls_parameters = || {
            let mut builder = TlsParameters::builder(settings.host.clone());
            if let Some(root) = root.clone() {
                builder = builder
                    .certificate_store(CertificateStore::None)
                    .add_root_certificate(root);
            }
            builder.build_rustls().map_err(|e| MailerError::Tls {
                host: settings.host.clone(),
                message: e.to_string(),
            })
        };
        let tls = match settings.tls {
            // Required: no credentials or mail go out if the server does not offer STARTTLS.
            SmtpTls::Starttls => Tls::Required(tls_parameters()?),
            SmtpTls::Tls => Tls::Wrapper(tls_parameters()?),
            // Settings validation allows this only to a loopback host.
            SmtpTls::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.as_str())
            .port(settings.port)
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT))
            .pool_config(PoolConfig::new().max_size(POOL_SIZE).idle_timeout(POOL_IDLE));
        if let Some(username) = &settings.username {
            let password =
                smtp_password(settings.password_file.as_deref())?.ok_or_else(|| MailerError::NoPassword {
                    username: username.clone(),
                })?;
            builder = builder.credentials(Credentials::new(username.clone(), password));
        }
        Ok(Mailer::Smtp(Box::new(SmtpMailer {
            builder,
            transport: OnceLock::new(),
            host: settings.host.clone(),
            port: settings.port,
            tls: settings.tls,
            username: settings.username.clone(),
        })))
    }

    /// Delivers one message. SMTP replies 4xx, refused connections, timeouts and TLS failures
    /// are retryable; 5xx replies and failed authentication are not. The error text carries the
    /// server's answer.
    pub async fn send(&self, message: &Message) -> Outcome {
        match self {
            Mailer::Outbox(dir) => deliver_to_outbox(dir, message),
            Mailer::Smtp(smtp) => smtp.send(message).await,
        }
    }
}

impl SmtpMailer {
    /// Connects as a send would (TLS as configured, EHLO, AUTH when a user is set), says NOOP
    /// and sends nothing; `Err` says what failed and what to check, like a failed send. lettre's
    /// `test_connection` documents only the NOOP, but a connection it opens is the pool's, which
    /// authenticates before it is handed out (lettre 0.11's `AsyncSmtpClient::connection`); the
    /// connection is a fresh transport's, so no pooled one is reused and AUTH always runs. For
    /// `doctor`.
    pub async fn check_connection(&self) -> Result<String, String> {
        let server = format!("{}:{}", self.host, self.port);
        let transport = self.builder.clone().build::<Tokio1Executor>();
        let answered = transport.test_connection().await;
        match answered {
            Ok(true) => Ok(format!(
                "{server}: connected{}{}, nothing sent",
                match self.tls {
                    SmtpTls::Starttls => ", STARTTLS",
                    SmtpTls::Tls => ", TLS",
                    SmtpTls::None => "",
                },
                self.username
                    .as_ref()
                    .map(|u| format!(", authenticated as {u}"))
                    .unwrap_or_default()
            )),
            Ok(false) => Err(format!("the SMTP server {server} did not answer NOOP after connecting")),
            Err(e) => Err(match classify(&e, &server, self.username.as_deref()) {
                Outcome::Failed { error, .. } => error,
                _ => e.to_string(),
            }),
        }
    }

    async fn send(&self, message: &Message) -> Outcome {
        let transport = self.transport.get_or_init(|| self.builder.clone().build());
        match transport.send(message.clone()).await {
            Ok(_) => Outcome::Done,
            Err(e) => classify(&e, &format!("{}:{}", self.host, self.port), self.username.as_deref()),
        }
    }
}

impl Drop for SmtpMailer {
    fn drop(&mut self) {
        if tokio::runtime::Handle::try_current().is_err()
            && let Some(transport) = self.transport.take()
        {
            // Dropping the pool spawns its shutdown on the runtime; without one that panics.
            std::mem::forget(transport);
        }
    }
}

/// `GRAPHSOAR_SMTP_PASSWORD` when set and not empty, else the first line of `password_file`
/// (a trailing line break is not part of the password). None when neither gives one.
fn smtp_password(password_file: Option<&Path>) -> Result<Option<String>, MailerError> {
    if let Ok(password) = std::env::var(SMTP_PASSWORD_ENV)
        && !password.is_empty()
    {
        return Ok(Some(password));
    }
    let Some(path) = password_file else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path).map_err(|source| MailerError::PasswordFile {
        path: path.to_path_buf(),
        source,
    })?;
    let password = text.trim_end_matches(['\r', '\n']);
    Ok((!password.is_empty()).then(|| password.to_string()))
}

/// Turns a lettre error into an outcome: whether to retry, and a message that says what to do.
fn classify(e: &lettre::transport::smtp::Error, server: &str, username: Option<&str>) -> Outcome {
    let code = e.status().map(u16::from);
    match code {
        // RFC 4954: 535 credentials invalid, 534 mechanism too weak.
        Some(535 | 534) => Outcome::failed(
            format!(
                "SMTP authentication failed for user {} at {server}: check smtp.username and {SMTP_PASSWORD_ENV} / smtp.password_file (server said: {e})",
                username.unwrap_or("(none)")
            ),
            false,
        ),
        Some(530) => Outcome::failed(
            format!(
                "the SMTP server {server} requires authentication: set smtp.username and {SMTP_PASSWORD_ENV} / smtp.password_file (server said: {e})"
            ),
            false,
        ),
        Some(454) => Outcome::failed(
            format!("SMTP authentication at {server} failed for now, retried later (server said: {e})"),
            true,
        ),
        Some(c) if (400..500).contains(&c) => Outcome::failed(
            format!("the SMTP server {server} deferred the message, retried later (server said: {e})"),
            true,
        ),
        Some(_) => Outcome::failed(
            format!("the SMTP server {server} rejected the message (server said: {e})"),
            false,
        ),
        None if e.is_timeout() => Outcome::failed(
            format!("the SMTP server {server} did not answer in time, retried later: {e}"),
            true,
        ),
        None if is_tls_failure(e) => Outcome::failed(
            format!(
                "TLS with the SMTP server {server} failed, retried later: {e}: check smtp.tls, smtp.port and the server's certificate"
            ),
            true,
        ),
        // The client refused to go on: no STARTTLS offered, no common AUTH mechanism, an
        // address the server cannot take. Retrying changes nothing.
        None if e.is_client() => Outcome::failed(
            format!("cannot send through the SMTP server {server}: {e}: check the smtp settings"),
            false,
        ),
        None => Outcome::failed(
            format!("cannot reach the SMTP server {server}, retried later: {e}"),
            true,
        ),
    }
}

/// A TLS failure: lettre reports handshake errors (an untrusted or expired certificate, a
/// name mismatch) as connection errors whose cause is an `InvalidData` I/O error from rustls.
fn is_tls_failure(e: &lettre::transport::smtp::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::InvalidData)
        {
            return true;
        }
        source = cause.source();
    }
    e.is_tls()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempDir;

    fn settings(username: Option<&str>, password_file: Option<PathBuf>) -> Smtp {
        Smtp {
            host: "127.0.0.1".into(),
            port: 1,
            tls: SmtpTls::None,
            username: username.map(str::to_string),
            password_file,
            from: "soar@example.com".into(),
        }
    }

    #[test]
    fn debug_never_shows_the_password() {
        let dir = TempDir::new("smtp-password");
        let file = dir.write("password", "hunter2-secret\n");
        let mailer = Mailer::smtp(&settings(Some("graphsoar"), Some(file))).unwrap();
        let shown = format!("{mailer:?}");
        assert!(shown.contains("graphsoar") && shown.contains("127.0.0.1"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn a_user_without_a_password_is_refused_at_start() {
        if std::env::var_os(SMTP_PASSWORD_ENV).is_some() {
            return;
        }
        let err = Mailer::smtp(&settings(Some("graphsoar"), None)).unwrap_err();
        assert!(
            err.to_string().contains(SMTP_PASSWORD_ENV) && err.to_string().contains("smtp.password_file"),
            "{err}"
        );
        let missing = settings(Some("graphsoar"), Some(PathBuf::from("/nonexistent/graphsoar-smtp")));
        let err = Mailer::smtp(&missing).unwrap_err();
        assert!(matches!(err, MailerError::PasswordFile { .. }), "{err}");
    }

    #[test]
    fn password_file_line_break_is_not_part_of_the_password() {
        let dir = TempDir::new("smtp-password-crlf");
        let file = dir.write("password", "s3cret\r\n");
        if std::env::var_os(SMTP_PASSWORD_ENV).is_none() {
            assert_eq!(smtp_password(Some(&file)).unwrap().as_deref(), Some("s3cret"));
        }
    }
}
