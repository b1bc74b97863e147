//! A small log-bucket latency histogram (HdrHistogram's layout, without the crate): values in
//! microseconds, 64 buckets per power of two, so a reported percentile is within 1/64 (1.6 %) of
//! the true value. Constant memory, mergeable, cheap to record from many tasks.

use std::time::Duration;

/// Linear buckets below 128 µs, then 64 buckets per power of two: a value lies within 1/64 of its
/// bucket's top.
const SUB_BUCKETS: u64 = 128;
const HALF: u64 = SUB_BUCKETS / 2;
const SUB_BITS: u32 = SUB_BUCKETS.trailing_zeros();
/// Values up to 2^40 µs (about 12 days); larger ones are clamped into the last bucket.
const BUCKETS: usize = (SUB_BUCKETS + (40 - SUB_BITS as u64 + 1) * HALF) as usize;

#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max_us: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram { counts: vec![0; BUCKETS], total: 0, max_us: 0 }
    }
}

fn index_of(us: u64) -> usize {
    if us < SUB_BUCKETS {
        return us as usize;
    }
    // The shift that leaves the top SUB_BITS bits of `us`: its value then lies in [HALF, SUB_BUCKETS).
    let shift = (63 - us.leading_zeros()) - SUB_BITS + 1;
    let sub = us >> shift;
    let index = SUB_BUCKETS + (shift as u64 - 1) * HALF + (sub - HALF);
    (index as usize).min(BUCKETS - 1)
}

/// The highest value that falls into bucket `index`.
fn value_of(index: usize) -> u64 {
    let index = index as u64;
    if index < SUB_BUCKETS {
        return index;
    }
    let shift = (index - SUB_BUCKETS) / HALF + 1;
    let sub = (index - SUB_BUCKETS) % HALF + HALF;
    ((sub + 1) << shift) - 1
}

impl Histogram {
    pub fn record(&mut self, latency: Duration) {
        let us = latency.as_micros().min(u64::MAX as u128) as u64;
        self.counts[index_of(us)] += 1;
        self.total += 1;
        self.max_us = self.max_us.max(us);
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.total += other.total;
        self.max_us = self.max_us.max(other.max_us);
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    /// The value at quantile `q` (0..=1), in microseconds: the top of its bucket, never above the max.
    pub fn quantile_us(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((self.total as f64 * q).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return value_of(index).min(self.max_us);
            }
        }
        self.max_us
    }
}

impl std::fmt::Display for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |us: u64| us as f64 / 1000.0;
        write!(
            f,
            "n={} p50={:.2}ms p95={:.2}ms p99={:.2}ms max={:.2}ms",
            self.total,
            ms(self.quantile_us(0.50)),
            ms(self.quantile_us(0.95)),
            ms(self.quantile_us(0.99)),
            ms(self.max_us)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_ordered_and_tight() {
        let mut previous = 0;
        for us in [0u64, 1, 63, 64, 65, 127, 128, 1000, 49_999, 50_000, 1 << 30] {
            let index = index_of(us);
            assert!(index >= previous, "index of {us} went backwards");
            previous = index;
            let top = value_of(index);
            assert!(top >= us, "{us} lies above its bucket's top {top}");
            assert!((top - us) as f64 <= us as f64 / 64.0 + 1.0, "bucket of {us} too wide: {top}");
        }
    }

    #[test]
    fn quantiles_of_a_uniform_spread() {
        let mut h = Histogram::default();
        for ms in 1..=1000u64 {
            h.record(Duration::from_millis(ms));
        }
        let p99 = h.quantile_us(0.99) as f64;
        assert!((p99 - 990_000.0).abs() / 990_000.0 < 0.02, "p99 {p99}");
        assert_eq!(h.quantile_us(1.0), 1_000_000);
        let mut other = Histogram::default();
        other.record(Duration::from_secs(5));
        h.merge(&other);
        assert_eq!(h.count(), 1001);
        assert_eq!(h.quantile_us(1.0), 5_000_000);
    }
}
