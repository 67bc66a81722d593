//! The process's own CPU use and resident memory, as workers report them.

use std::time::{Duration, Instant};

/// CPU time of this process (user + system).
fn process_cpu_time() -> Duration {
    #[cfg(unix)]
    {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage writes a `rusage` into the pointer it is given, which points to a
        // zeroed struct of that type on this stack frame.
        let ok = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) } == 0;
        if ok {
            // SAFETY: getrusage succeeded, so the struct is initialised (it was zeroed anyway).
            let u = unsafe { usage.assume_init() };
            let tv = |t: libc::timeval| {
                Duration::from_secs(t.tv_sec.max(0) as u64)
                    + Duration::from_micros(t.tv_usec.max(0) as u64)
            };
            return tv(u.ru_utime) + tv(u.ru_stime);
        }
    }
    Duration::ZERO
}

/// Percent of one core this process used between two samples (can pass 100 on several cores).
#[derive(Debug)]
pub struct CpuMeter {
    at: Instant,
    cpu: Duration,
}

impl Default for CpuMeter {
    fn default() -> Self {
        Self::new()
    }
}

impl CpuMeter {
    /// Starts measuring now.
    pub fn new() -> Self {
        Self {
            at: Instant::now(),
            cpu: process_cpu_time(),
        }
    }

    /// CPU percent of one core since the previous sample (or since `new`).
    pub fn sample(&mut self) -> f64 {
        let (now, cpu) = (Instant::now(), process_cpu_time());
        let wall = now.saturating_duration_since(self.at).as_secs_f64();
        let used = cpu.saturating_sub(self.cpu).as_secs_f64();
        self.at = now;
        self.cpu = cpu;
        if wall > 0.0 {
            100.0 * used / wall
        } else {
            0.0
        }
    }
}

/// Resident memory of this process in bytes (0 where unknown).
pub fn resident_memory_bytes() -> u64 {
    #[cfg(target_os = "linux")]
    {
        if let Ok(text) = std::fs::read_to_string("/proc/self/statm") {
            let pages: u64 = text
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            // SAFETY: sysconf has no preconditions.
            let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
            return pages * u64::try_from(page).unwrap_or(4096);
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_loop_shows_cpu_and_memory_is_known() {
        let mut m = CpuMeter::new();
        let until = Instant::now() + Duration::from_millis(200);
        let mut x = 0u64;
        while Instant::now() < until {
            x = x.wrapping_mul(31).wrapping_add(7);
        }
        std::hint::black_box(x);
        let pct = m.sample();
        assert!(pct > 20.0, "{pct}");
        #[cfg(target_os = "linux")]
        assert!(resident_memory_bytes() > 1 << 20);
    }
}
