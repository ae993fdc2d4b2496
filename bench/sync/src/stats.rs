//! Latencies, byte counts and the server's peak memory.

use std::time::Duration;

use crate::api::Resp;

/// Requests of one kind: their latencies and body bytes (HTTP headers are not counted).
#[derive(Default, Clone)]
pub struct Meter {
    pub lat: Vec<Duration>,
    pub sent: u64,
    pub recv: u64,
}

impl Meter {
    pub fn add(&mut self, r: &Resp) {
        self.lat.push(r.elapsed);
        self.sent += r.sent as u64;
        self.recv += r.body.len() as u64;
    }

    pub fn merge(&mut self, other: &Meter) {
        self.lat.extend_from_slice(&other.lat);
        self.sent += other.sent;
        self.recv += other.recv;
    }

    pub fn requests(&self) -> usize {
        self.lat.len()
    }

    pub fn p50(&self) -> Duration {
        percentile(&self.lat, 0.50)
    }

    pub fn p99(&self) -> Duration {
        percentile(&self.lat, 0.99)
    }
}

/// Nearest-rank percentile; zero for no samples.
pub fn percentile(samples: &[Duration], q: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut v = samples.to_vec();
    v.sort_unstable();
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

pub fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

pub fn mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_000_000.0)
}

/// The server process as seen from `/proc/<pid>`: its resident-memory high-water mark (`VmHWM`) and
/// its CPU time (user + system, all threads). When the kernel lets us, the mark is reset before each
/// phase (`echo 5 > /proc/<pid>/clear_refs`) so every phase reports its own peak; otherwise each
/// figure is the peak since the server started.
pub struct ServerProc {
    pid: Option<u32>,
    resettable: bool,
    cpu_at_start: Option<f64>,
    /// Highest mark seen over the whole run, in KiB.
    pub overall_kb: u64,
}

/// Resources the server used during one phase.
pub struct PhaseUse {
    /// Peak resident memory in MiB, as text ("-" when not measured).
    pub peak: String,
    /// CPU seconds (user + system) the server spent, when measured.
    pub cpu: Option<f64>,
}

impl PhaseUse {
    /// CPU seconds as text, with the share of the wall time (200 % = both cores of this machine).
    pub fn cpu_text(&self, wall: Duration) -> String {
        match self.cpu {
            Some(c) => format!("{c:.2} s ({:.0}%)", 100.0 * c / wall.as_secs_f64().max(1e-9)),
            None => "-".into(),
        }
    }
}

impl ServerProc {
    pub fn new(pid: Option<u32>) -> Self {
        let mut m = ServerProc { pid, resettable: false, cpu_at_start: None, overall_kb: 0 };
        if let Some(pid) = pid {
            m.overall_kb = m.peak_kb().unwrap_or(0);
            m.resettable = std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok();
        }
        m
    }

    pub fn describe(&self) -> &'static str {
        match (self.pid, self.resettable) {
            (None, _) => "not measured (no --server-pid)",
            (Some(_), true) => "VmHWM of the server process, reset before each phase",
            (Some(_), false) => "VmHWM of the server process since its start (reset not permitted)",
        }
    }

    fn peak_kb(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// User + system CPU seconds of the whole process (fields 14 and 15 of `/proc/<pid>/stat`, in
    /// clock ticks of 1/100 s, the fixed `USER_HZ` of Linux).
    fn cpu_secs(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid?)).ok()?;
        // The command name may contain spaces; fields are counted after its closing parenthesis.
        let rest = &stat[stat.rfind(')')? + 2..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
        Some(ticks as f64 / 100.0)
    }

    /// Starts a phase: resets the high-water mark to the current resident size, notes the CPU time.
    pub fn start_phase(&mut self) {
        if let (Some(pid), true) = (self.pid, self.resettable) {
            if let Some(kb) = self.peak_kb() {
                self.overall_kb = self.overall_kb.max(kb);
            }
            let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
        }
        self.cpu_at_start = self.cpu_secs();
    }

    /// Ends a phase: its peak memory and CPU time.
    pub fn end_phase(&mut self) -> PhaseUse {
        let peak = match self.peak_kb() {
            Some(kb) => {
                self.overall_kb = self.overall_kb.max(kb);
                format!("{:.1}", kb as f64 / 1024.0)
            }
            None => "-".into(),
        };
        let cpu = match (self.cpu_at_start.take(), self.cpu_secs()) {
            (Some(a), Some(b)) => Some(b - a),
            _ => None,
        };
        PhaseUse { peak, cpu }
    }
}
