//! Per-tenant rate limits shared by every playbook: hunting calls and writes per minute (a
//! token bucket refilled continuously, with a burst of one minute's worth). Waits go through the
//! injectable [`Clock`].

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Mutex;

use crate::clock::Clock;

/// A per-minute token bucket; 0 per minute means unlimited.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    clock: Clock,
    state: Mutex<(f64, DateTime<Utc>)>,
}

impl RateLimiter {
    pub fn new(per_minute: u32, clock: Clock) -> RateLimiter {
        let now = clock.now();
        RateLimiter {
            per_minute,
            clock,
            state: Mutex::new((f64::from(per_minute), now)),
        }
    }

    /// Takes `n` permits, waiting until they are available. A request for more than a minute's
    /// worth waits for a full bucket and then takes it all (a 20-request `$batch` under a limit of
    /// 10 a minute still goes, once per minute).
    pub async fn acquire(&self, n: u32) {
        if self.per_minute == 0 || n == 0 {
            return;
        }
        let capacity = f64::from(self.per_minute);
        let rate = capacity / 60.0;
        let want = f64::from(n).min(capacity);
        loop {
            let wait = {
                let mut state = self.state.lock().await;
                let now = self.clock.now();
                let elapsed = (now - state.1).num_microseconds().unwrap_or(0).max(0) as f64 / 1e6;
                state.0 = (state.0 + elapsed * rate).min(capacity);
                state.1 = now;
                if state.0 >= want {
                    state.0 -= f64::from(n);
                    return;
                }
                Duration::from_secs_f64((want - state.0) / rate)
            };
            self.clock.sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_bucket_then_the_refill_rate() {
        let clock = Clock::scaled(600.0);
        let limiter = RateLimiter::new(60, clock.clone());
        let start = clock.now();
        for _ in 0..60 {
            limiter.acquire(1).await;
        }
        assert!(
            (clock.now() - start).num_seconds() < 5,
            "the first minute's worth goes at once"
        );
        for _ in 0..30 {
            limiter.acquire(1).await;
        }
        let waited = (clock.now() - start).num_seconds();
        assert!(
            (25..=40).contains(&waited),
            "30 more at 1/s take about 30 s, took {waited}"
        );
    }

    #[tokio::test]
    async fn zero_is_unlimited() {
        let limiter = RateLimiter::new(0, Clock::system());
        for _ in 0..10_000 {
            limiter.acquire(20).await;
        }
    }
}
