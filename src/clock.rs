//! The one injectable clock. Every wait in graphsoar (retries, Retry-After, rate limits, quota
//! pauses, schedules) goes through a [`Clock`], so tests run the real code paths in seconds by
//! running time faster ([`Clock::scaled`]) instead of sleeping for minutes.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};

/// Wall-clock time, possibly running faster than real time.
#[derive(Clone)]
pub struct Clock {
    inner: Arc<Inner>,
}

struct Inner {
    /// Real instant and virtual time at creation.
    origin: Instant,
    start: DateTime<Utc>,
    /// Virtual seconds per real second (1.0 = real time).
    scale: f64,
}

impl Clock {
    /// Real time.
    pub fn system() -> Clock {
        Clock::scaled(1.0)
    }

    /// Time running `scale` times faster than real time, starting now: a 60 s wait takes
    /// 60 ms at 1000×. For tests and benchmarks of waiting code.
    pub fn scaled(scale: f64) -> Clock {
        Clock::starting_at(Utc::now(), scale)
    }

    /// Time running `scale` times faster, starting at `start`.
    pub fn starting_at(start: DateTime<Utc>, scale: f64) -> Clock {
        let scale = if scale.is_finite() && scale > 0.0 { scale } else { 1.0 };
        Clock {
            inner: Arc::new(Inner {
                origin: Instant::now(),
                start,
                scale,
            }),
        }
    }

    /// Now, in this clock's time.
    pub fn now(&self) -> DateTime<Utc> {
        let real = self.inner.origin.elapsed().as_secs_f64();
        let virt = real * self.inner.scale;
        let nanos = (virt * 1e9).min(i64::MAX as f64) as i64;
        self.inner.start + TimeDelta::nanoseconds(nanos)
    }

    /// Waits `d` of this clock's time.
    pub async fn sleep(&self, d: Duration) {
        if d.is_zero() {
            tokio::task::yield_now().await;
            return;
        }
        tokio::time::sleep(self.real(d)).await;
    }

    /// Waits until `t` in this clock's time (returns at once if it has passed).
    pub async fn sleep_until(&self, t: DateTime<Utc>) {
        let d = (t - self.now()).to_std().unwrap_or_default();
        self.sleep(d).await;
    }

    /// The real duration of `d` of this clock's time.
    pub fn real(&self, d: Duration) -> Duration {
        Duration::from_secs_f64(d.as_secs_f64() / self.inner.scale)
    }

    /// How many times faster than real time this clock runs.
    pub fn scale(&self) -> f64 {
        self.inner.scale
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clock")
            .field("scale", &self.inner.scale)
            .finish_non_exhaustive()
    }
}

/// The next boundary of `period` after `t` (periods counted from midnight UTC): the next whole
/// minute, the next quarter hour.
pub fn next_boundary(t: DateTime<Utc>, period: Duration) -> DateTime<Utc> {
    let secs = period.as_secs().max(1) as i64;
    let ts = t.timestamp();
    let next = (ts.div_euclid(secs) + 1) * secs;
    DateTime::from_timestamp(next, 0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries() {
        let t = DateTime::parse_from_rfc3339("2026-11-26T13:07:42Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            next_boundary(t, Duration::from_secs(60)).to_rfc3339(),
            "2026-11-26T13:08:00+00:00"
        );
        assert_eq!(
            next_boundary(t, Duration::from_secs(900)).to_rfc3339(),
            "2026-11-26T13:15:00+00:00"
        );
        let on = DateTime::parse_from_rfc3339("2026-11-26T13:15:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            next_boundary(on, Duration::from_secs(900)).to_rfc3339(),
            "2026-11-26T13:30:00+00:00"
        );
    }

    #[tokio::test]
    async fn scaled_time_runs_faster() {
        let clock = Clock::scaled(1000.0);
        let before = clock.now();
        let real = Instant::now();
        clock.sleep(Duration::from_secs(60)).await;
        assert!(real.elapsed() < Duration::from_secs(2));
        assert!(clock.now() - before >= TimeDelta::seconds(60));
    }
}
