//! What the page starts with: the pattern, seed, script, playhead, speed
//! and lesson step of a share link (`?s=<code>`, see [`crate::share`]),
//! the embed options (`&embed`, `&autoplay`, `&controls=0`), a lesson
//! file to open (`&lesson=URL`), and a notice
//! when the link was bad: a malformed, truncated or tampered link opens
//! the default state with a notice that says what was wrong.

use super::run::DEFAULT_SEED;
use crate::patterns::Pattern;
use crate::share::Scene;
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
    /// `&keys=0`: take no keyboard shortcuts, and hand focus back to the
    /// embedding page after a click, so a slide deck keeps every key.
    pub no_keys: bool,
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
    /// Compare mode: run B's script, when the link holds a pair.
    pub twin: Option<Vec<ScriptEntry>>,
    /// Playhead to land on.
    pub at: Time,
    /// Speed.
    pub speed: f64,
    /// Lesson step (1-based), if a lesson is open.
    pub lesson_step: Option<usize>,
    /// `&lesson=URL`: the address of a lesson file to fetch and open
    /// (relative to the page, or absolute where the host allows it).
    pub lesson_url: Option<String>,
    /// Embed options.
    pub embed: EmbedOptions,
    /// Present mode (`&present`): larger type for a projector.
    pub present: bool,
    /// What was wrong with the link, if anything.
    pub notice: Option<String>,
}

impl Default for Startup {
    fn default() -> Self {
        Startup {
            pattern: Pattern::default(),
            seed: DEFAULT_SEED,
            script: Vec::new(),
            twin: None,
            at: 0,
            speed: 1.0,
            lesson_step: None,
            lesson_url: None,
            embed: EmbedOptions::default(),
            present: false,
            notice: None,
        }
    }
}

impl Startup {
    /// The start that shows `scene`.
    pub fn from_scene(scene: Scene) -> Self {
        Startup {
            pattern: scene.pattern,
            seed: scene.seed,
            script: scene.script,
            twin: scene.twin,
            at: scene.at,
            speed: scene.speed,
            lesson_step: scene.lesson_step.map(usize::from),
            ..Startup::default()
        }
    }
}

/// Reads the page's URL (`window.location.search`).
pub fn read() -> Startup {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    from_query(&search)
}

/// Decodes `%XX` escapes and `+` (form encoding); invalid escapes stay as typed.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b == b'+' { b' ' } else { b });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses a query string (`?s=…&embed&autoplay&controls=0`) into a start.
/// Never fails: a bad link gives the defaults plus a notice.
pub fn from_query(query: &str) -> Startup {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut code = None;
    let mut embed = EmbedOptions::default();
    let mut present = false;
    let mut pattern = None;
    let mut lesson = None;
    let flag = |v: &str| !matches!(v, "0" | "false" | "no" | "off");
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(value);
        match key {
            "s" => code = Some(value),
            "embed" => embed.enabled = flag(&value),
            "autoplay" => embed.autoplay = flag(&value),
            "controls" => embed.no_controls = !flag(&value),
            "keys" => embed.no_keys = !flag(&value),
            "present" => present = flag(&value),
            "pattern" => pattern = Some(value),
            "lesson" => lesson = Some(value),
            _ => {}
        }
    }
    let mut start = match code.map(|c| Scene::open_code(&c)) {
        None => Startup::default(),
        Some(Ok(scene)) => Startup::from_scene(scene),
        Some(Err(e)) => Startup {
            notice: Some(format!(
                "This share link could not be opened \u{2014} {e}. The playground starts fresh instead."
            )),
            ..Startup::default()
        },
    };
    // `&pattern=saga` opens that pattern fresh; a share link names its own.
    if let (Some(slug), None) = (pattern, &start.notice) {
        if start == Startup::default() {
            match Pattern::from_slug(&slug) {
                Some(p) => start.pattern = p,
                None => {
                    let known: Vec<&str> = Pattern::all().iter().map(|p| p.slug()).collect();
                    start.notice = Some(format!(
                        "There is no pattern \u{201c}{slug}\u{201d} \u{2014} pattern= takes one of {}. The playground starts with the first.",
                        known.join(", ")
                    ));
                }
            }
        }
    }
    match lesson.as_deref().map(str::trim) {
        Some("") => {
            start.notice.get_or_insert_with(|| {
                "lesson= needs the address of a lesson file (lesson=week3.json). The playground starts without one.".to_string()
            });
        }
        Some(url) => start.lesson_url = Some(url.to_string()),
        None => {}
    }
    start.embed = embed;
    start.present = present;
    start
}
