//! The world's one source of randomness: a PCG generator seeded from a u64.
//!
//! Every random choice (latency jitter, drops, duplicates, partition
//! choice, workload) draws from the single [`SimRng`] the world owns, so a
//! seed fully determines a run.

use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg32;

/// A deterministic random number generator.
#[derive(Clone, Debug)]
pub struct SimRng(Pcg32);

impl SimRng {
    /// A generator whose whole sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        SimRng(Pcg32::seed_from_u64(seed))
    }

    /// The next raw 64-bit value.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A value in `0..n` (0 when `n` is 0). Uses a multiply-shift so it is
    /// the same on every platform.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((self.0.next_u32() as u64 * n) >> 32).min(n - 1)
    }

    /// A value in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `permille / 1000`. Draws nothing when the
    /// odds are 0 or 1000, so turning a fault off does not shift the
    /// sequence of other choices.
    pub fn chance(&mut self, permille: u16) -> bool {
        match permille {
            0 => false,
            p if p >= 1000 => true,
            p => self.below(1000) < p as u64,
        }
    }
}
