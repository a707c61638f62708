//! `converge-lesson check FILE…`: checks lesson files the way the app
//! reads and judges them, for a course's own CI. Every prediction step is
//! run headless and judged; a step whose run confirms no choice, more than
//! one, or another than `expect`, and a file that does not read, are
//! problems. Exits 0 when there are none, 1 when there are, 2 on a usage
//! error.

use converge::lessons::{check_step, file};
use std::process::ExitCode;

const USAGE: &str = "usage: converge-lesson check FILE…";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((cmd, files)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if cmd != "check" || files.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let mut problems = 0;
    for path in files {
        problems += check_file(path);
    }
    if problems == 0 {
        println!("ok: {} file(s), no problems", files.len());
        ExitCode::SUCCESS
    } else {
        println!("{problems} problem(s)");
        ExitCode::from(1)
    }
}

/// Checks one file, prints what it found, and returns how many problems.
fn check_file(path: &str) -> usize {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            println!("{path}: cannot read it ({e})");
            return 1;
        }
    };
    let lesson = match file::parse(&text) {
        Ok(l) => l,
        Err(e) => {
            println!("{path}: {e}");
            return 1;
        }
    };
    println!(
        "{path}: “{}” ({}, {} steps)",
        lesson.title,
        lesson.pattern.slug(),
        lesson.steps.len()
    );
    let mut problems = 0;
    for (i, s) in lesson.steps.iter().enumerate() {
        let (mark, words) = match check_step(&lesson, i) {
            Ok(c) if c.ok() => ("ok", c.words()),
            Ok(c) => {
                problems += 1;
                ("PROBLEM", c.words())
            }
            Err(e) => {
                problems += 1;
                ("PROBLEM", e)
            }
        };
        println!("  step {} “{}”: {mark}: {words}", i + 1, s.title);
    }
    problems
}
