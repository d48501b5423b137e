//! What the Graph client and the webhook sender share about HTTP: one way to build a reqwest
//! client, and one retry policy (attempts per request, fully jittered exponential backoff, a capped
//! `Retry-After`) with the one parser of `Retry-After`. Which failures are worth retrying is
//! each caller's own knowledge (Graph's error codes, a webhook receiver's statuses).

use std::time::Duration;

use backon::BackoffBuilder as _;
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Attempts per HTTP request (the first included) unless `limits.request_attempts` says otherwise.
pub const DEFAULT_REQUEST_ATTEMPTS: u32 = 6;

/// How many throttled answers with `Retry-After` a request may get per attempt it may make.
pub const THROTTLES_PER_ATTEMPT: u32 = 10;

/// A reqwest client builder with graphsoar's user agent and bounded connects; callers add their
/// own (the webhook sender refuses redirects).
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(concat!("graphsoar/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(60))
}

/// How often and how patiently one request is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included (at least 1).
    pub attempts: u32,
    /// The first backoff step; each later one doubles, up to `max_delay`. A wait is drawn
    /// uniformly up to its step ("full jitter").
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured as given; longer ones are capped, so a run never
    /// hangs for hours on one answer.
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    /// Graph's: from 0.5 s, `Retry-After` up to 10 minutes.
    pub fn graph(attempts: u32) -> RetryPolicy {
        RetryPolicy {
            attempts: attempts.max(1),
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(600),
        }
    }

    /// A webhook receiver's: from 1 s, `Retry-After` up to 2 minutes (one receiver must not
    /// hold up a run).
    pub fn webhook(attempts: u32) -> RetryPolicy {
        RetryPolicy {
            attempts: attempts.max(1),
            min_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(120),
        }
    }

    /// The retries of one request.
    pub fn start(&self) -> Retries {
        Retries {
            policy: *self,
            attempt: 0,
            forgiven: 0,
            backoff: backon::ExponentialBuilder::default()
                .with_min_delay(self.min_delay)
                .with_max_delay(self.max_delay)
                .without_max_times()
                .build(),
        }
    }
}

/// Where one request stands in its policy.
pub struct Retries {
    policy: RetryPolicy,
    attempt: u32,
    /// Throttled attempts not counted (see [`Retries::throttled`]).
    forgiven: u32,
    backoff: backon::ExponentialBackoff,
}

impl Retries {
    /// Counts an attempt about to be made; returns its number (1 for the first).
    pub fn begin(&mut self) -> u32 {
        self.attempt += 1;
        self.attempt
    }

    /// The attempts made so far.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Whether another attempt is allowed after the ones made.
    pub fn can_retry(&self) -> bool {
        self.attempt < self.policy.attempts
    }

    /// The attempt just made was throttled with a `Retry-After`: the server asks to wait, not
    /// to give up, so it does not use up an attempt (Graph: "keep honouring Retry-After on
    /// repeated 429s"), up to [`THROTTLES_PER_ATTEMPT`] times the policy's attempts in all, so a
    /// server that throttles forever still ends the request.
    pub fn throttled(&mut self) {
        if self.forgiven < self.policy.attempts.saturating_mul(THROTTLES_PER_ATTEMPT) && self.attempt > 0 {
            self.forgiven += 1;
            self.attempt -= 1;
        }
    }

    /// The attempt just made got no answer of its own: the whole `$batch` call it went in
    /// failed. That is the call's failure, so like a throttle it does not use up one of the
    /// request's attempts, within the same bound.
    pub fn call_failed(&mut self) {
        self.throttled();
    }

    /// The wait before the next attempt: what the server asked (capped; `Retry-After: 0` means
    /// at once), else a uniform draw up to the next backoff step. Full jitter rather than a
    /// step plus a random part of it: AWS's comparison of jitters ("Exponential Backoff And
    /// Jitter") found it among the cheapest in calls and in time, and its expected wait is half
    /// a step instead of one and a half: a 500 met three times in a row costs about 1.75 s,
    /// not 5.25 s.
    pub fn delay(&mut self, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(after) => after.min(self.policy.max_retry_after),
            None => self
                .backoff
                .next()
                .unwrap_or(self.policy.max_delay)
                .mul_f64(fastrand::f64()),
        }
    }
}

/// `Retry-After` in seconds (fractions allowed) or as an HTTP date (the time left until it;
/// a date in the past is zero). None when absent or unreadable.
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)));
    }
    let date = DateTime::parse_from_rfc2822(value).ok()?;
    Some((date.with_timezone(&Utc) - Utc::now()).to_std().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_in_seconds_and_dates() {
        let mut h = HeaderMap::new();
        assert_eq!(parse_retry_after(&h), None);
        for (text, want) in [
            ("7", Some(Duration::from_secs(7))),
            ("0", Some(Duration::ZERO)),
            ("1.5", Some(Duration::from_millis(1500))),
            ("Wed, 21 Oct 2015 07:28:00 GMT", Some(Duration::ZERO)),
            ("soon", None),
            ("-3", None),
        ] {
            h.insert(RETRY_AFTER, HeaderValue::from_static(text));
            assert_eq!(parse_retry_after(&h), want, "{text}");
        }
        let later = (Utc::now() + chrono::TimeDelta::seconds(120)).to_rfc2822();
        h.insert(RETRY_AFTER, later.parse().unwrap());
        let wait = parse_retry_after(&h).unwrap();
        assert!(
            wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );
    }

    #[test]
    fn attempts_are_counted_and_waits_follow_the_server() {
        let mut r = RetryPolicy::graph(3).start();
        assert_eq!(r.begin(), 1);
        assert!(r.can_retry());
        assert_eq!(
            r.delay(Some(Duration::ZERO)),
            Duration::ZERO,
            "Retry-After: 0 is at once"
        );
        assert_eq!(
            r.delay(Some(Duration::from_secs(3600))),
            Duration::from_secs(600),
            "capped"
        );
        let backoff = r.delay(None);
        assert!(backoff < Duration::from_millis(500), "{backoff:?}");
        // Full jitter: each wait uniform up to its step (0.5 s, then 1 s, 2 s, ...).
        let waits: Vec<Vec<f64>> = (0..400)
            .map(|_| {
                let mut r = RetryPolicy::graph(6).start();
                (0..3).map(|_| r.delay(None).as_secs_f64()).collect()
            })
            .collect();
        for (step, limit) in [0.5, 1.0, 2.0].into_iter().enumerate() {
            let draws: Vec<f64> = waits.iter().map(|w| w[step]).collect();
            let mean = draws.iter().sum::<f64>() / draws.len() as f64;
            assert!(draws.iter().all(|&d| d < limit), "step {step}");
            assert!((0.35 * limit..0.65 * limit).contains(&mean), "step {step}: mean {mean}");
        }
        r.begin();
        r.begin();
        assert!(!r.can_retry());
        assert_eq!(r.attempts(), 3);
        let mut throttled = RetryPolicy::graph(2).start();
        for _ in 0..20 {
            throttled.begin();
            throttled.throttled();
            assert!(throttled.can_retry(), "20 throttles do not use up 2 attempts");
        }
        throttled.begin();
        throttled.throttled();
        assert_eq!(throttled.attempts(), 1, "the 21st throttle counts");
        throttled.begin();
        assert!(!throttled.can_retry(), "past 10 per attempt, throttles count again");
        let mut once = RetryPolicy::webhook(0).start();
        once.begin();
        assert!(!once.can_retry(), "0 attempts means one");
    }
}
