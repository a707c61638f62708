//! What the page starts with: the pattern, seed, script and playhead from
//! the URL (a share link), embed options, and a notice when the link was
//! bad. (Placeholder until share links are built: always the defaults.)

use super::run::DEFAULT_SEED;
use crate::patterns::Pattern;
use crate::sim::{ScriptEntry, Time};

/// Embed mode options.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmbedOptions {
    /// Minimal chrome for an iframe.
    pub enabled: bool,
    /// Start playing at once.
    pub autoplay: bool,
    /// Hide even the minimal controls.
    pub no_controls: bool,
}

/// How the page starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Startup {
    /// Pattern shown.
    pub pattern: Pattern,
    /// Seed.
    pub seed: u64,
    /// Script to replay.
    pub script: Vec<ScriptEntry>,
    /// Playhead to land on.
    pub at: Time,
    /// Speed.
    pub speed: f64,
    /// Lesson step (1-based), if a lesson is open.
    pub lesson_step: Option<usize>,
    /// Embed options.
    pub embed: EmbedOptions,
    /// What was wrong with the link, if anything.
    pub notice: Option<String>,
}

impl Default for Startup {
    fn default() -> Self {
        Startup {
            pattern: Pattern::default(),
            seed: DEFAULT_SEED,
            script: Vec::new(),
            at: 0,
            speed: 1.0,
            lesson_step: None,
            embed: EmbedOptions::default(),
            notice: None,
        }
    }
}

/// Reads the page's URL.
pub fn read() -> Startup {
    Startup::default()
}
