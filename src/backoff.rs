//! Retrying after failures: exponential backoff with jitter, bounded, and
//! honouring a server's `Retry-After`. Sources and the mail sender share it.

use std::time::Duration;

/// How long to wait after failures.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Delay after the first failure.
    pub min: Duration,
    /// Longest delay; also the delay after a permanent failure.
    pub max: Duration,
}

impl Backoff {
    /// Delay before the next attempt after `failures` consecutive failures:
    /// `min`, doubling with each failure, plus up to half again at random
    /// so that feeds failing together do not retry together; at most `max`,
    /// and never shorter than the server's `Retry-After` (up to `max`).
    pub fn delay(&self, failures: u32, retry_after: Option<Duration>, permanent: bool) -> Duration {
        if permanent {
            return self.max;
        }
        let exp = self
            .min
            .saturating_mul(2u32.saturating_pow(failures.saturating_sub(1).min(30)));
        let capped = exp.min(self.max);
        let jittered = (capped + capped.mul_f64(fastrand::f64() / 2.0)).min(self.max);
        jittered.max(retry_after.unwrap_or_default().min(self.max))
    }
}
