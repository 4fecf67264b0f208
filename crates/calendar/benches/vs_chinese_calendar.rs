//! How fast the calendar answers "which date is N working days after D".
//!
//! 100,000 questions: D a date in 2010-2025, N in 1..=30, drawn by a fixed
//! generator so every run asks the same. The question means what the Python
//! package chinese-calendar answers with `find_workday(N, D)`: the N-th
//! working day after the first working day on or after D. Here that is
//! "from D at 00:00, add N+1 working days": the clock starts at the first
//! opening on or after D, and a budget of whole days runs out at the
//! closing time of the day asked for, whose date is the answer.
//!
//! `cargo bench -p gasdesk-calendar --bench vs_chinese_calendar` prints the
//! rate. `benches/run_vs_python.sh` also passes `--questions FILE` and
//! `--answers FILE` to write both out for the comparison with Python.

use std::hint::black_box;
use std::io::Write;
use std::time::Instant;

use chrono::{Days, NaiveDate};
use gasdesk_calendar::{WorkCalendar, WorkDuration, shanghai};

const QUESTIONS: usize = 100_000;
const ROUNDS: usize = 30;

/// splitmix64: small, fixed and easy to port.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn questions() -> Vec<(NaiveDate, u32)> {
    let first = NaiveDate::from_ymd_opt(2010, 1, 1).expect("valid date");
    let last = NaiveDate::from_ymd_opt(2025, 12, 31).expect("valid date");
    let span = (last - first).num_days() as u64 + 1;
    let mut draw = Draw(20_260_101);
    (0..QUESTIONS)
        .map(|_| {
            let date = first + Days::new(draw.next() % span);
            let n = 1 + (draw.next() % 30) as u32;
            (date, n)
        })
        .collect()
}

fn answer(cal: &WorkCalendar, date: NaiveDate, n: u32) -> NaiveDate {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight");
    let from = shanghai::from_local(midnight).expect("2010-2025 are in range");
    let budget = WorkDuration::days(i64::from(n) + 1);
    let deadline = cal
        .add(from, budget, &[], false)
        .expect("2010-2026 are covered");
    shanghai::date_of(deadline.value).expect("2010-2026 are in range")
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let path_after = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    let started = Instant::now();
    let cal = WorkCalendar::office_default();
    let built = started.elapsed();
    println!(
        "building the calendar tables: {:.2} ms",
        built.as_secs_f64() * 1e3
    );
    let questions = questions();

    let answers: Vec<NaiveDate> = questions.iter().map(|&(d, n)| answer(&cal, d, n)).collect();
    let mut best = f64::INFINITY;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        for &(d, n) in &questions {
            black_box(answer(&cal, black_box(d), black_box(n)));
        }
        best = best.min(started.elapsed().as_secs_f64());
    }
    let rate = QUESTIONS as f64 / best;
    println!(
        "rust: {QUESTIONS} questions in {:.3} ms (best of {ROUNDS}), {rate:.0} per second",
        best * 1e3
    );

    if let Some(path) = path_after("--questions") {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        for (d, n) in &questions {
            writeln!(out, "{d} {n}")?;
        }
    }
    if let Some(path) = path_after("--answers") {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        for ((d, n), a) in questions.iter().zip(&answers) {
            writeln!(out, "{d} {n} {a}")?;
        }
    }
    if let Some(path) = path_after("--rate") {
        std::fs::write(path, format!("{rate}\n"))?;
    }
    Ok(())
}
