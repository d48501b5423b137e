//! The machine side of the preflight: email (SMTP or the outbox), the webhooks' environment
//! variables, and the state file and its lock.

use std::path::{Path, PathBuf};

use super::Check;
use crate::action::email::{Mailer, MailerError};
use crate::playbook::{Action, HeaderValue, Playbook, WebhookTarget};
use crate::state::{self, LockProbe};

/// SMTP connects and authenticates (nothing sent), or the outbox folder can be written.
pub(super) async fn check_email(mailer: Result<Mailer, MailerError>) -> Check {
    let name = "email";
    match mailer {
        Err(e) => Check::fail(name, e.to_string(), "fix the smtp settings or provide the password"),
        Ok(Mailer::Smtp(smtp)) => match smtp.check_connection().await {
            Ok(detail) => Check::ok("email: smtp", detail),
            Err(why) => Check::fail(
                "email: smtp",
                why,
                "check smtp.host, smtp.port and smtp.tls, and that the server offers AUTH for smtp.username with the password in GRAPHSOAR_SMTP_PASSWORD / smtp.password_file",
            ),
        },
        Ok(Mailer::Outbox(dir)) => match writable_folder(&dir) {
            Ok(detail) => Check::ok("email: outbox", format!("no smtp: .eml files go to {detail}")),
            Err(why) => Check::fail(
                "email: outbox",
                why,
                format!(
                    "make {} writable for the user graphsoar runs as, or configure `smtp`",
                    dir.display()
                ),
            ),
        },
    }
}

/// Whether files can be created in `dir` (or, when it does not exist yet, in its nearest
/// existing ancestor, where the engine will create it): a uniquely named empty file is created
/// and removed at once, so nothing stays.
fn writable_folder(dir: &Path) -> Result<String, String> {
    let mut existing = dir;
    while !existing.exists() {
        existing = match existing.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if existing == Path::new(".") {
            break;
        }
    }
    if !existing.is_dir() {
        return Err(format!("{} is not a folder", existing.display()));
    }
    let probe = existing.join(format!(".graphsoar-doctor-{}", uuid::Uuid::new_v4().simple()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| format!("cannot create a file in {}: {e}", existing.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(if existing == dir {
        format!("{} (writable)", dir.display())
    } else {
        format!(
            "{} (does not exist yet; {} is writable, so the engine can create it)",
            dir.display(),
            existing.display()
        )
    })
}

/// One line per enabled playbook with webhooks that read the environment: every `url_env` and
/// header `env` variable is set (and a `url_env` holds an https URL).
pub(super) fn check_webhooks(playbooks: &[Playbook], checks: &mut Vec<Check>) {
    let mut any = false;
    for playbook in playbooks {
        let mut read = 0;
        let mut problems = Vec::new();
        for (i, action) in playbook.actions.iter().enumerate() {
            let Action::Webhook(webhook) = action else { continue };
            let at = format!("webhook action #{}", i + 1);
            if let WebhookTarget::Env(var) = &webhook.target {
                read += 1;
                match std::env::var(var).map(|v| v.trim().to_owned()) {
                    Ok(url) if !url.is_empty() => {
                        if let Err(e) = crate::config::endpoint_url(&url) {
                            problems.push(format!("{var} ({at}'s url_env) is not a usable URL: {e}"));
                        }
                    }
                    _ => problems.push(format!("{var} ({at}'s url_env) is not set")),
                }
            }
            for (header, value) in &webhook.headers {
                if let HeaderValue::Env { env } = value {
                    read += 1;
                    if std::env::var(env).map(|v| v.trim().is_empty()).unwrap_or(true) {
                        problems.push(format!("{env} ({at}'s header {header}) is not set"));
                    }
                }
            }
        }
        if read == 0 {
            continue;
        }
        any = true;
        let name = format!("webhooks: {}", playbook.name);
        checks.push(if problems.is_empty() {
            Check::ok(name, format!("{read} environment variable(s) set"))
        } else {
            Check::fail(
                name,
                format!("{}: {}", playbook.source.display(), problems.join("; ")),
                "set them in the environment of the graphsoar service (systemd Environment=/LoadCredential, the container's env)",
            )
        });
    }
    if !any {
        checks.push(Check::skip(
            "webhooks",
            "no enabled playbook reads a webhook URL or header from the environment",
        ));
    }
}

/// The state file can be written (or created) and no other engine holds its lock.
pub(super) fn check_state(db: &Path) -> Check {
    let name = "state";
    let folder: PathBuf = match db.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if db.exists() {
        if let Err(e) = std::fs::OpenOptions::new().write(true).open(db) {
            return Check::fail(
                name,
                format!("{}: cannot be opened for writing: {e}", db.display()),
                "make the state file writable for the user graphsoar runs as",
            );
        }
    } else if !folder.is_dir() {
        return Check::fail(
            name,
            format!("{}: the folder {} does not exist", db.display(), folder.display()),
            format!(
                "create {} (the engine creates the state file, not its folder)",
                folder.display()
            ),
        );
    }
    // SQLite writes its journal (`-wal`, `-shm`) and the engine its lock file beside the state.
    if let Err(why) = writable_folder(&folder) {
        return Check::fail(
            name,
            format!("{}: {why}", db.display()),
            format!("make {} writable for the user graphsoar runs as", folder.display()),
        );
    }
    let existing = if db.exists() {
        "exists"
    } else {
        "does not exist yet; its folder is writable"
    };
    match state::probe_lock(db) {
        Ok(LockProbe::Held { holder }) => Check::fail(
            name,
            format!(
                "{}: another graphsoar engine{} holds the lock {}",
                db.display(),
                holder.map(|pid| format!(" (pid {pid})")).unwrap_or_default(),
                state::lock_path(db).display()
            ),
            "stop that engine before starting this one, or give this one its own `state:` file",
        ),
        Ok(LockProbe::Free | LockProbe::NoLockFile) => Check::ok(
            name,
            format!("{} ({existing}; not in use by another engine)", db.display()),
        ),
        Err(e) => Check::fail(name, e.to_string(), "make the state's folder readable and writable"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Verdict;
    use super::*;
    use crate::testutil::TempDir;

    #[test]
    fn folders_are_checked_without_leaving_files() {
        let dir = TempDir::new("doctor-writable");
        let detail = writable_folder(&dir.path().join("outbox/mail")).unwrap();
        assert!(detail.contains("does not exist yet"), "{detail}");
        assert!(!dir.path().join("outbox").exists(), "nothing created");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no probe file left");
        assert!(writable_folder(dir.path()).unwrap().contains("(writable)"));
    }

    #[test]
    fn state_in_a_missing_folder_fails_and_says_to_create_it() {
        let dir = TempDir::new("doctor-state");
        let check = check_state(&dir.path().join("missing/graphsoar.db"));
        assert_eq!(check.verdict, Verdict::Fail, "{check:?}");
        assert!(check.fix.unwrap().contains("create"));
        let check = check_state(&dir.path().join("graphsoar.db"));
        assert_eq!(check.verdict, Verdict::Ok, "{check:?}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing created");
    }
}
