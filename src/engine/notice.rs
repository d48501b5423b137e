//! `on_failure`: telling people when a playbook keeps failing. The engine builds the
//! [`Notice`] as a value; the email and webhook actions render and send it.

use chrono::TimeDelta;

use super::runner::Engine;
use crate::action::email::EmailParams;
use crate::action::webhook::WebhookParams;
use crate::action::{Notice, Outcome};
use crate::playbook::Playbook;
use crate::state::Store;
use crate::time::format_rfc3339;

/// At most one `on_failure` notice per playbook this often.
const FAILURE_NOTICE_EVERY: TimeDelta = TimeDelta::hours(1);

impl Engine {
    /// After `after_runs` consecutive failed runs, logs at error and tells people (email and/or
    /// webhook) at most once an hour per playbook; the last notice is kept in the state so
    /// restarts and `run --once` from cron do not repeat it.
    pub(super) async fn check_failure_streak(&self, playbook: &Playbook, store: &Store) {
        let Some(on_failure) = &self.settings.on_failure else {
            return;
        };
        let streak = match store.consecutive_failures(&playbook.name) {
            Ok(s) if s.count >= on_failure.after_runs => s,
            _ => return,
        };
        let notice = Notice {
            playbook: playbook.name.clone(),
            source: playbook.source.display().to_string(),
            failed_runs: streak.count,
            since: streak
                .since
                .map_or_else(|| "an unknown time".to_string(), |t| format_rfc3339(&t)),
            last_error: streak
                .last_error
                .clone()
                .unwrap_or_else(|| "(no error recorded: actions failed)".into()),
        };
        tracing::error!(playbook = %playbook.name, failed_runs = streak.count, since = %notice.since, error = %notice.last_error, "Playbook keeps failing.");
        let now = self.clock.now();
        if let Ok(Some(last)) = store.last_failure_notice(&playbook.name)
            && now - last < FAILURE_NOTICE_EVERY
        {
            return;
        }
        // A notice has no ledger entry: its id is the time, so each notice's Message-ID differs.
        let notice_id = now.timestamp();
        let mut told = false;
        if !on_failure.email.is_empty() {
            let params = EmailParams::notice(&notice, self.settings.default_from(), &on_failure.email);
            let outcome = self.send_email(playbook, notice_id, &params).await;
            told |= outcome == Outcome::Done;
            if let Outcome::Failed { error, .. } = outcome {
                tracing::error!(playbook = %playbook.name, error = %error, "Cannot email the failure notice.");
            }
        }
        if let Some(url) = &on_failure.webhook {
            let params = WebhookParams::notice(&notice, url.as_str());
            let outcome = self.send_webhook(playbook, notice_id, &params).await;
            told |= outcome == Outcome::Done;
            if let Outcome::Failed { error, .. } = outcome {
                tracing::error!(playbook = %playbook.name, error = %error, "Cannot post the failure notice.");
            }
        }
        if told && let Err(e) = store.record_failure_notice(&playbook.name, now) {
            tracing::error!(playbook = %playbook.name, error = %e, "Cannot record the failure notice.");
        }
    }
}
