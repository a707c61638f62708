//! Scenes: everything needed to replay a run exactly (pattern, seed,
//! script, playhead, speed and lesson step), in two encodings:
//!
//! - a compact **link code** for share links (`?s=<code>`): a small
//!   hand-written binary format, then base64url without padding;
//! - a pretty **JSON scene file** for export and import.
//!
//! Both decoders check everything and never panic: any input gives either
//! a [`Scene`] or a [`ShareError`] that names the field at fault
//! (`script[3].cmd.node: there is no service number 9 (this scenario has 4)`).
//! Structural checks (lengths, ranges, known pattern) happen while
//! decoding; [`Scene::check`] adds the scenario's own checks (service
//! numbers, toggle, setting and action ids, value ranges, time order) by
//! asking [`Pattern::replay`] to accept the script.
//!
//! Pure Rust: no web-sys, tested natively (`tests/share.rs`).
//!
//! # The link code, version 1
//!
//! All integers are LEB128 varints (7 bits a byte, low bits first).
//!
//! ```text
//! version        1 byte   (1)
//! header         1 byte   bits 0-2 pattern (tab order), bit 3 speed present,
//!                         bit 4 lesson step present
//! seed           varint
//! at             varint   playhead, ms
//! speed          varint   hundredths (only if bit 3)
//! lesson step    varint   1-based (only if bit 4)
//! strings        varint count, then each: varint length + UTF-8 bytes
//!                (ids the pattern does not publish, each stored once)
//! script         varint count, then each entry:
//!                  op      1 byte   bits 0-4 command, bit 5 `after` present
//!                  at      varint   ms since the previous entry (wrapping)
//!                  after   varint   events since the previous `after` (wrapping, if bit 5)
//!                  fields  per command: node ids and message ids as varints,
//!                          ids as indexes into the pattern's catalog
//!                          (see [`catalog`]), then into the string table,
//!                          setting values zigzag-encoded
//! checksum       2 bytes  FNV-1a of everything before, folded to 16 bits
//! ```

use crate::patterns::Pattern;
use crate::sim::{Command, LinkSettings, MsgId, NodeId, Refusal, ScriptEntry, Time};
use serde_json::{json, Map, Value};
use std::fmt;

/// The newest scene format this app writes and reads.
pub const SCENE_VERSION: u64 = 2;
/// The version a scene without run B is written in, so that every link
/// and file of a single run reads exactly as before version 2 (which
/// added run B of compare mode).
pub const SINGLE_RUN_VERSION: u64 = 1;
/// Largest seed a scene may carry (2^53 − 1, so JavaScript and JSON tools
/// read it exactly).
pub const MAX_SEED: u64 = (1 << 53) - 1;
/// Slowest speed (virtual ms per real ms).
pub const MIN_SPEED: f64 = 0.25;
/// Fastest speed.
pub const MAX_SPEED: f64 = 16.0;
/// Latest playhead or script time a scene may name: ten minutes of
/// virtual time. Play stops here (see `ui::run`), so every link the app
/// makes stays within it. Opening a link runs the simulation up to its
/// playhead; the busiest pattern (saga) needs about 2 s natively for ten
/// minutes.
pub const MAX_TIME: Time = 600_000;
/// Most script entries a scene may carry.
pub const MAX_SCRIPT: usize = 2_000;
/// Longest toggle, setting or action id, in bytes.
pub const MAX_ID_LEN: usize = 64;
/// Highest lesson step.
pub const MAX_LESSON_STEP: u16 = 99;
/// The `format` field of every scene file.
pub const FORMAT: &str = "converge-scene";

/// What was wrong with a link or a scene file: the field and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareError {
    /// Path of the field at fault, e.g. `script[3].cmd.node`.
    pub field: String,
    /// Plain words.
    pub reason: String,
}

impl ShareError {
    fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ShareError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for ShareError {}

/// Everything needed to replay a run and land on the same moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    /// The pattern.
    pub pattern: Pattern,
    /// The world's seed.
    pub seed: u64,
    /// Playback speed (virtual ms per real ms), kept to hundredths.
    pub speed: f64,
    /// The playhead: the moment to show, in virtual ms.
    pub at: Time,
    /// The open lesson step (1-based), if a lesson is open.
    pub lesson_step: Option<u16>,
    /// The learner's actions, in time order.
    pub script: Vec<ScriptEntry>,
    /// Compare mode: run B's actions (same pattern, seed, speed and
    /// moment as run A, whose actions are `script`); `None` for a single
    /// run. Carried from version 2 on.
    pub twin: Option<Vec<ScriptEntry>>,
}

impl Default for Scene {
    fn default() -> Self {
        Scene {
            pattern: Pattern::default(),
            seed: 42,
            speed: 1.0,
            at: 0,
            lesson_step: None,
            script: Vec::new(),
            twin: None,
        }
    }
}

fn pattern_list() -> String {
    Pattern::all()
        .iter()
        .map(|p| p.slug())
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_seed(seed: u64) -> Result<(), ShareError> {
    if seed > MAX_SEED {
        return Err(ShareError::new(
            "seed",
            format!("{seed} is above the largest seed, {MAX_SEED}"),
        ));
    }
    Ok(())
}

fn check_speed(speed: f64) -> Result<(), ShareError> {
    if !speed.is_finite() || !(MIN_SPEED..=MAX_SPEED).contains(&speed) {
        return Err(ShareError::new(
            "speed",
            format!("{speed} is outside {MIN_SPEED}..={MAX_SPEED}"),
        ));
    }
    Ok(())
}

fn check_time(field: &str, t: Time) -> Result<(), ShareError> {
    if t > MAX_TIME {
        return Err(ShareError::new(
            field,
            format!("{t} ms is beyond the ten-minute limit ({MAX_TIME} ms)"),
        ));
    }
    Ok(())
}

fn check_lesson(step: u64) -> Result<u16, ShareError> {
    if step == 0 || step > MAX_LESSON_STEP as u64 {
        return Err(ShareError::new(
            "lesson_step",
            format!("{step} is outside 1..={MAX_LESSON_STEP}"),
        ));
    }
    Ok(step as u16)
}

fn check_id(field: &str, id: &str) -> Result<(), ShareError> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Err(ShareError::new(
            field,
            format!("an id must be 1 to {MAX_ID_LEN} bytes long"),
        ));
    }
    Ok(())
}

fn check_settings(field: &str, s: &LinkSettings) -> Result<(), ShareError> {
    let max = LinkSettings::MAX_LATENCY;
    if s.latency > max {
        return Err(ShareError::new(
            format!("{field}.latency"),
            format!("{} ms is above the maximum of {max} ms", s.latency),
        ));
    }
    if s.jitter > max {
        return Err(ShareError::new(
            format!("{field}.jitter"),
            format!("{} ms is above the maximum of {max} ms", s.jitter),
        ));
    }
    if s.drop_permille > 1000 {
        return Err(ShareError::new(
            format!("{field}.drop_permille"),
            format!("{} is above 1000 (certain loss)", s.drop_permille),
        ));
    }
    if s.dup_permille > 1000 {
        return Err(ShareError::new(
            format!("{field}.dup_permille"),
            format!("{} is above 1000 (certain duplication)", s.dup_permille),
        ));
    }
    Ok(())
}

/// Rounds a speed to hundredths (what a link can carry).
pub fn round_speed(speed: f64) -> f64 {
    (speed * 100.0).round() / 100.0
}

impl Scene {
    /// The scene of a fresh `pattern` run with `seed`.
    pub fn new(pattern: Pattern, seed: u64) -> Self {
        Scene {
            pattern,
            seed,
            ..Scene::default()
        }
    }

    /// The range checks every decoded scene passes (seed, speed, times,
    /// lesson step, ids, link settings, script length).
    pub fn check_ranges(&self) -> Result<(), ShareError> {
        check_seed(self.seed)?;
        check_speed(self.speed)?;
        check_time("at", self.at)?;
        if let Some(step) = self.lesson_step {
            check_lesson(step as u64)?;
        }
        check_script_ranges("script", &self.script)?;
        match &self.twin {
            Some(b) => check_script_ranges(TWIN_SCRIPT, b),
            None => Ok(()),
        }
    }

    /// Checks the scene fully: its ranges, then the scenario's own rules
    /// (known services, toggles, settings and actions, values in range,
    /// entries in time order), by asking the pattern to replay it.
    pub fn check(&self) -> Result<(), ShareError> {
        self.check_ranges()?;
        if let Err(e) = self.pattern.replay(self.seed, self.script.clone()) {
            return Err(engine_error(&e));
        }
        match &self.twin {
            Some(b) => match self.pattern.replay(self.seed, b.clone()) {
                Ok(_) => Ok(()),
                Err(e) => Err(in_twin(engine_error(&e))),
            },
            None => Ok(()),
        }
    }

    /// The scene's format version: [`SINGLE_RUN_VERSION`] for one run,
    /// [`SCENE_VERSION`] for a pair.
    pub fn version(&self) -> u64 {
        if self.twin.is_some() {
            SCENE_VERSION
        } else {
            SINGLE_RUN_VERSION
        }
    }

    /// The link code of this scene (base64url, no padding).
    pub fn to_code(&self) -> String {
        base64url_encode(&self.to_bytes())
    }

    /// The binary form behind [`Scene::to_code`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + self.script.len() * 5);
        out.push(self.version() as u8);
        let speed = (self.speed * 100.0).round() as u64;
        let mut header = self.pattern.index() as u8;
        if speed != 100 {
            header |= 0x08;
        }
        if self.lesson_step.is_some() {
            header |= 0x10;
        }
        out.push(header);
        put_varint(&mut out, self.seed);
        put_varint(&mut out, self.at);
        if speed != 100 {
            put_varint(&mut out, speed);
        }
        if let Some(step) = self.lesson_step {
            put_varint(&mut out, step as u64);
        }
        // Ids the scenario publishes are written as their index in its
        // catalog; any other id goes once into the string table.
        let catalog = catalog(self.pattern);
        let mut strings: Vec<&str> = Vec::new();
        let twin = self.twin.as_deref().unwrap_or_default();
        for e in self.script.iter().chain(twin) {
            if let Command::Toggle { id, .. } | Command::Set { id, .. } | Command::Action { id } =
                &e.cmd
            {
                if !catalog.contains(&id.as_str()) && !strings.contains(&id.as_str()) {
                    strings.push(id);
                }
            }
        }
        put_varint(&mut out, strings.len() as u64);
        for s in &strings {
            put_varint(&mut out, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
        let index = |id: &str| match catalog.iter().position(|c| *c == id) {
            Some(k) => k as u64,
            None => (catalog.len() + strings.iter().position(|s| *s == id).unwrap_or(0)) as u64,
        };
        put_script(&mut out, &self.script, &index);
        if let Some(b) = &self.twin {
            put_script(&mut out, b, &index);
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// Decodes a link code and checks its ranges (not yet the scenario's
    /// rules: see [`Scene::check`] or [`Scene::open_code`]).
    pub fn from_code(code: &str) -> Result<Scene, ShareError> {
        let bytes = base64url_decode(code.trim())?;
        Scene::from_bytes(&bytes)
    }

    /// Decodes and fully checks a link code.
    pub fn open_code(code: &str) -> Result<Scene, ShareError> {
        let scene = Scene::from_code(code)?;
        scene.check()?;
        Ok(scene)
    }

    /// Decodes the binary form behind a link code.
    pub fn from_bytes(bytes: &[u8]) -> Result<Scene, ShareError> {
        let mut r = Reader { bytes, pos: 0 };
        let version = r.byte("version")? as u64;
        if version == 0 {
            return Err(ShareError::new("version", "0 is not a scene version"));
        }
        if version > SCENE_VERSION {
            return Err(ShareError::new(
                "version",
                format!("{version} is newer than this app understands ({SCENE_VERSION})"),
            ));
        }
        let header = r.byte("pattern")?;
        if header & !0x1f != 0 {
            return Err(ShareError::new(
                "pattern",
                format!("unknown flags {:#04x} in the header byte", header & !0x1f),
            ));
        }
        let pattern = Pattern::all()
            .get((header & 0x07) as usize)
            .copied()
            .ok_or_else(|| {
                ShareError::new(
                    "pattern",
                    format!(
                        "number {} is not a pattern (0 to {})",
                        header & 0x07,
                        Pattern::all().len() - 1
                    ),
                )
            })?;
        let seed = r.varint("seed")?;
        check_seed(seed)?;
        let at = r.varint("at")?;
        check_time("at", at)?;
        let speed = if header & 0x08 != 0 {
            let hundredths = r.varint("speed")?;
            let speed = hundredths.min(1 << 20) as f64 / 100.0;
            check_speed(speed)?;
            speed
        } else {
            1.0
        };
        let lesson_step = if header & 0x10 != 0 {
            Some(check_lesson(r.varint("lesson_step")?)?)
        } else {
            None
        };
        let n_strings = r.varint("strings")?;
        if n_strings > MAX_SCRIPT as u64 {
            return Err(ShareError::new(
                "strings",
                format!("{n_strings} ids are more than a scene may hold"),
            ));
        }
        let mut strings = Vec::new();
        for i in 0..n_strings as usize {
            let field = format!("strings[{i}]");
            let len = r.varint(&field)?;
            if len > MAX_ID_LEN as u64 {
                return Err(ShareError::new(
                    field,
                    format!("an id must be 1 to {MAX_ID_LEN} bytes long, not {len}"),
                ));
            }
            let raw = r.take(&field, len as usize)?;
            let s = std::str::from_utf8(raw)
                .map_err(|_| ShareError::new(&field, "is not valid UTF-8"))?;
            strings.push(s.to_string());
        }
        let catalog = catalog(pattern);
        let script = read_script(&mut r, "script", pattern, &catalog, &strings)?;
        let twin = if version >= 2 {
            Some(read_script(
                &mut r,
                TWIN_SCRIPT,
                pattern,
                &catalog,
                &strings,
            )?)
        } else {
            None
        };
        let body = r.pos;
        let sum = r
            .take("checksum", 2)
            .map(|s| u16::from_le_bytes([s[0], s[1]]))
            .map_err(|_| {
                ShareError::new(
                    "checksum",
                    "the link is cut short (its last characters are missing)",
                )
            })?;
        if r.pos != bytes.len() {
            return Err(ShareError::new(
                "checksum",
                format!(
                    "{} unexpected bytes after the end of the scene",
                    bytes.len() - r.pos
                ),
            ));
        }
        if sum != checksum(&bytes[..body]) {
            return Err(ShareError::new(
                "checksum",
                "the link was changed or damaged (its checksum does not match)",
            ));
        }
        let scene = Scene {
            pattern,
            seed,
            speed,
            at,
            lesson_step,
            script,
            twin,
        };
        scene.check_ranges()?;
        Ok(scene)
    }

    /// The scene as a pretty JSON scene file.
    pub fn to_json(&self) -> String {
        let script: Vec<Value> = self
            .script
            .iter()
            .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
            .collect();
        let mut doc = json!({
            "format": FORMAT,
            "version": self.version(),
            "pattern": self.pattern.slug(),
            "seed": self.seed,
            "speed": round_speed(self.speed),
            "at": self.at,
        });
        if let (Some(step), Value::Object(map)) = (self.lesson_step, &mut doc) {
            map.insert("lesson_step".into(), json!(step));
        }
        if let Value::Object(map) = &mut doc {
            map.insert("script".into(), Value::Array(script));
            if let Some(b) = &self.twin {
                let b: Vec<Value> = b
                    .iter()
                    .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
                    .collect();
                map.insert("b".into(), json!({ "script": b }));
            }
        }
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }

    /// Decodes a JSON scene file and checks its ranges (see
    /// [`Scene::open_json`] for the full check).
    pub fn from_json(text: &str) -> Result<Scene, ShareError> {
        let doc: Value = serde_json::from_str(text)
            .map_err(|e| ShareError::new("file", format!("is not valid JSON ({e})")))?;
        let Value::Object(map) = doc else {
            return Err(ShareError::new(
                "file",
                "is not a scene (expected a JSON object with \"format\": \"converge-scene\")",
            ));
        };
        const FIELDS: [&str; 9] = [
            "format",
            "version",
            "pattern",
            "seed",
            "speed",
            "at",
            "lesson_step",
            "script",
            "b",
        ];
        match map.get("format") {
            Some(Value::String(s)) if s == FORMAT => {}
            Some(other) => {
                return Err(ShareError::new(
                    "format",
                    format!("{other} is not \"{FORMAT}\""),
                ))
            }
            None => return Err(ShareError::new(
                "format",
                "missing: this is not a Converge scene file (a trace export cannot be imported)",
            )),
        }
        let version = json_u64(&map, "version")?;
        if version == 0 {
            return Err(ShareError::new("version", "0 is not a scene version"));
        }
        if version > SCENE_VERSION {
            return Err(ShareError::new(
                "version",
                format!("{version} is newer than this app understands ({SCENE_VERSION})"),
            ));
        }
        if let Some(k) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(ShareError::new(
                k.as_str(),
                format!("is not a field of a scene ({})", FIELDS.join(", ")),
            ));
        }
        let pattern = match map.get("pattern") {
            Some(Value::String(s)) => Pattern::from_slug(s).ok_or_else(|| {
                ShareError::new(
                    "pattern",
                    format!("\"{s}\" is not a pattern ({})", pattern_list()),
                )
            })?,
            Some(other) => {
                return Err(ShareError::new(
                    "pattern",
                    format!("{other} is not a pattern ({})", pattern_list()),
                ))
            }
            None => return Err(ShareError::new("pattern", "missing")),
        };
        let seed = json_u64(&map, "seed")?;
        check_seed(seed)?;
        let speed = match map.get("speed") {
            None | Some(Value::Null) => 1.0,
            Some(Value::Number(n)) => {
                let s = n.as_f64().unwrap_or(f64::NAN);
                check_speed(s)?;
                round_speed(s)
            }
            Some(other) => {
                return Err(ShareError::new("speed", format!("{other} is not a number")))
            }
        };
        let at = match map.get("at") {
            None | Some(Value::Null) => 0,
            Some(_) => json_u64(&map, "at")?,
        };
        check_time("at", at)?;
        let lesson_step = match map.get("lesson_step") {
            None | Some(Value::Null) => None,
            Some(_) => Some(check_lesson(json_u64(&map, "lesson_step")?)?),
        };
        let script = json_script(map.get("script"))?;
        let twin = match map.get("b") {
            None | Some(Value::Null) => None,
            Some(Value::Object(b)) => {
                if let Some(k) = b.keys().find(|k| k.as_str() != "script") {
                    return Err(ShareError::new(
                        format!("b.{k}"),
                        "is not a field of run B (script)",
                    ));
                }
                Some(json_script(b.get("script")).map_err(in_twin)?)
            }
            Some(other) => {
                return Err(ShareError::new(
                    "b",
                    format!("{} is not run B (an object with its script)", kind(other)),
                ))
            }
        };
        let scene = Scene {
            pattern,
            seed,
            speed,
            at,
            lesson_step,
            script,
            twin,
        };
        scene.check_ranges()?;
        Ok(scene)
    }

    /// Decodes and fully checks a JSON scene file.
    pub fn open_json(text: &str) -> Result<Scene, ShareError> {
        let scene = Scene::from_json(text)?;
        scene.check()?;
        Ok(scene)
    }

    /// A one-line description ("Saga, seed 7, 3 actions, at 4.2 s").
    pub fn summary(&self) -> String {
        let n = self.script.len();
        let actions = |n: usize| format!("{n} action{}", if n == 1 { "" } else { "s" });
        let pair = match &self.twin {
            Some(b) => format!(" compared with run B ({})", actions(b.len())),
            None => String::new(),
        };
        format!(
            "{}, seed {}, {}{pair}, at {}",
            self.pattern.label(),
            self.seed,
            actions(n),
            crate::sim::types::fmt_secs(self.at)
        )
    }
}

/// The field under which run B's script is named in errors.
const TWIN_SCRIPT: &str = "b.script";

/// An error about a script, moved under run B.
fn in_twin(e: ShareError) -> ShareError {
    ShareError {
        field: format!("b.{}", e.field),
        reason: e.reason,
    }
}

/// A script may hold at most [`MAX_SCRIPT`] entries.
fn check_len(field: &str, n: u64) -> Result<(), ShareError> {
    if n > MAX_SCRIPT as u64 {
        return Err(ShareError::new(
            field,
            format!("{n} entries are more than the {MAX_SCRIPT} a scene may hold"),
        ));
    }
    Ok(())
}

/// Range checks of one script (`field` names it in errors).
fn check_script_ranges(field: &str, script: &[ScriptEntry]) -> Result<(), ShareError> {
    check_len(field, script.len() as u64)?;
    for (i, e) in script.iter().enumerate() {
        check_time(&format!("{field}[{i}].at"), e.at)?;
        match &e.cmd {
            Command::Toggle { id, .. } | Command::Set { id, .. } | Command::Action { id } => {
                check_id(&format!("{field}[{i}].cmd.id"), id)?
            }
            Command::SetLink { settings, .. } => {
                check_settings(&format!("{field}[{i}].cmd.settings"), settings)?
            }
            _ => {}
        }
    }
    Ok(())
}

/// A scene file's script: a list of entries, or nothing.
fn json_script(value: Option<&Value>) -> Result<Vec<ScriptEntry>, ShareError> {
    let entries = match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(other) => {
            return Err(ShareError::new(
                "script",
                format!("{} is not a list of entries", kind(other)),
            ))
        }
    };
    check_len("script", entries.len() as u64)?;
    let mut script = Vec::with_capacity(entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        script.push(json_entry(i, entry)?);
    }
    Ok(script)
}

/// Writes a script: its length, then each entry (times as deltas, ids as
/// numbers given by `index`).
fn put_script(out: &mut Vec<u8>, script: &[ScriptEntry], index: &dyn Fn(&str) -> u64) {
    put_varint(out, script.len() as u64);
    let (mut prev_at, mut prev_after) = (0u64, 0u64);
    for e in script {
        let op = opcode(&e.cmd) | if e.after.is_some() { 0x20 } else { 0 };
        out.push(op);
        put_varint(out, e.at.wrapping_sub(prev_at));
        prev_at = e.at;
        if let Some(after) = e.after {
            put_varint(out, after.wrapping_sub(prev_after));
            prev_after = after;
        }
        match &e.cmd {
            Command::Partition { a, b } | Command::Heal { a, b } => {
                put_varint(out, a.0 as u64);
                put_varint(out, b.0 as u64);
            }
            Command::PartitionOneway { from, to }
            | Command::Hold { from, to }
            | Command::Release { from, to } => {
                put_varint(out, from.0 as u64);
                put_varint(out, to.0 as u64);
            }
            Command::SetLink { from, to, settings } => {
                put_varint(out, from.0 as u64);
                put_varint(out, to.0 as u64);
                put_varint(out, settings.latency);
                put_varint(out, settings.jitter);
                put_varint(out, settings.drop_permille as u64);
                put_varint(out, settings.dup_permille as u64);
            }
            Command::Crash { node } | Command::Restart { node } => put_varint(out, node.0 as u64),
            Command::DropMessage { msg } | Command::DuplicateMessage { msg } => {
                put_varint(out, msg.0)
            }
            Command::Toggle { id, .. } | Command::Action { id } => put_varint(out, index(id)),
            Command::Set { id, value } => {
                put_varint(out, index(id));
                put_varint(out, zigzag(*value));
            }
        }
    }
}

/// Reads a script written by [`put_script`]; `field` names it in errors.
fn read_script(
    r: &mut Reader,
    field: &str,
    pattern: Pattern,
    catalog: &[&str],
    strings: &[String],
) -> Result<Vec<ScriptEntry>, ShareError> {
    let n = r.varint(field)?;
    check_len(field, n)?;
    let mut script = Vec::with_capacity(n as usize);
    let (mut prev_at, mut prev_after) = (0u64, 0u64);
    for i in 0..n as usize {
        let f = |name: &str| format!("{field}[{i}].{name}");
        let op = r.byte(&f("cmd.op"))?;
        if op & 0xc0 != 0 {
            return Err(ShareError::new(
                f("cmd.op"),
                format!("unknown flags {:#04x}", op & 0xc0),
            ));
        }
        let at = prev_at.wrapping_add(r.varint(&f("at"))?);
        prev_at = at;
        check_time(&f("at"), at)?;
        let after = if op & 0x20 != 0 {
            let a = prev_after.wrapping_add(r.varint(&f("after"))?);
            prev_after = a;
            Some(a)
        } else {
            None
        };
        let node = |r: &mut Reader, name: &str| -> Result<NodeId, ShareError> {
            let field = f(&format!("cmd.{name}"));
            let v = r.varint(&field)?;
            u16::try_from(v)
                .map(NodeId)
                .map_err(|_| ShareError::new(field, format!("there is no service number {v}")))
        };
        let string = |r: &mut Reader| -> Result<String, ShareError> {
            let field = f("cmd.id");
            let k = r.varint(&field)?;
            let k = usize::try_from(k).unwrap_or(usize::MAX);
            if let Some(id) = catalog.get(k) {
                return Ok(id.to_string());
            }
            strings
                    .get(k - catalog.len())
                    .cloned()
                    .ok_or_else(|| {
                        ShareError::new(
                            field,
                            format!(
                                "id number {k} is neither one of the {} ids of {} nor one of the link's {} other ids",
                                catalog.len(),
                                pattern.slug(),
                                strings.len()
                            ),
                        )
                    })
        };
        let cmd = match op & 0x1f {
            0 => Command::Partition {
                a: node(r, "a")?,
                b: node(r, "b")?,
            },
            1 => Command::PartitionOneway {
                from: node(r, "from")?,
                to: node(r, "to")?,
            },
            2 => Command::Heal {
                a: node(r, "a")?,
                b: node(r, "b")?,
            },
            3 => Command::Hold {
                from: node(r, "from")?,
                to: node(r, "to")?,
            },
            4 => Command::Release {
                from: node(r, "from")?,
                to: node(r, "to")?,
            },
            5 => {
                let from = node(r, "from")?;
                let to = node(r, "to")?;
                let s = f("cmd.settings");
                let latency = r.varint(&format!("{s}.latency"))?;
                let jitter = r.varint(&format!("{s}.jitter"))?;
                let drop = r.varint(&format!("{s}.drop_permille"))?;
                let dup = r.varint(&format!("{s}.dup_permille"))?;
                let settings = LinkSettings {
                    latency,
                    jitter,
                    drop_permille: drop.min(u16::MAX as u64) as u16,
                    dup_permille: dup.min(u16::MAX as u64) as u16,
                };
                check_settings(&s, &settings)?;
                Command::SetLink { from, to, settings }
            }
            6 => Command::Crash {
                node: node(r, "node")?,
            },
            7 => Command::Restart {
                node: node(r, "node")?,
            },
            8 => Command::DropMessage {
                msg: MsgId(r.varint(&f("cmd.msg"))?),
            },
            9 => Command::DuplicateMessage {
                msg: MsgId(r.varint(&f("cmd.msg"))?),
            },
            10 | 11 => Command::Toggle {
                id: string(r)?,
                on: op & 0x1f == 11,
            },
            12 => {
                let id = string(r)?;
                let value = unzigzag(r.varint(&f("cmd.value"))?);
                Command::Set { id, value }
            }
            13 => Command::Action { id: string(r)? },
            other => {
                return Err(ShareError::new(
                    f("cmd.op"),
                    format!("{other} is not a command"),
                ))
            }
        };
        script.push(ScriptEntry { at, after, cmd });
    }
    Ok(script)
}

/// The engine's refusal of entry 3's node as the format names it:
/// `script[3].cmd.node: …`.
fn engine_error(r: &Refusal) -> ShareError {
    match r.entry {
        Some(i) => ShareError::new(format!("script[{i}].{}", r.field.path()), r.reason.clone()),
        None => ShareError::new("script", r.to_string()),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a true/false value",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn json_u64(map: &Map<String, Value>, field: &str) -> Result<u64, ShareError> {
    match map.get(field) {
        None => Err(ShareError::new(field, "missing")),
        Some(v) => v
            .as_u64()
            .ok_or_else(|| ShareError::new(field, format!("{v} is not a whole number from 0 up"))),
    }
}

fn json_entry(i: usize, entry: Value) -> Result<ScriptEntry, ShareError> {
    let f = |name: &str| format!("script[{i}].{name}");
    let Value::Object(map) = entry else {
        return Err(ShareError::new(
            format!("script[{i}]"),
            format!(
                "{} is not an entry (an object with at and cmd)",
                kind(&entry)
            ),
        ));
    };
    if let Some(k) = map
        .keys()
        .find(|k| !["at", "after", "cmd"].contains(&k.as_str()))
    {
        return Err(ShareError::new(
            f(k),
            "is not a field of a script entry (at, after, cmd)",
        ));
    }
    let at = json_u64(&map, "at").map_err(|e| ShareError::new(f(&e.field), e.reason))?;
    check_time(&f("at"), at)?;
    let after = match map.get("after") {
        None | Some(Value::Null) => None,
        Some(_) => {
            Some(json_u64(&map, "after").map_err(|e| ShareError::new(f(&e.field), e.reason))?)
        }
    };
    let cmd = match map.get("cmd") {
        None => return Err(ShareError::new(f("cmd"), "missing")),
        Some(Value::Object(c)) => {
            match c.get("op") {
                Some(Value::String(_)) => {}
                Some(other) => {
                    return Err(ShareError::new(
                        f("cmd.op"),
                        format!("{other} is not a command name"),
                    ))
                }
                None => return Err(ShareError::new(f("cmd.op"), "missing")),
            }
            Command::from_json(c).map_err(|e| ShareError::new(f("cmd"), e))?
        }
        Some(other) => {
            return Err(ShareError::new(
                f("cmd"),
                format!("{} is not a command (an object with \"op\")", kind(other)),
            ))
        }
    };
    Ok(ScriptEntry { at, after, cmd })
}

/// Every pattern's controls in the order link codes number them (by
/// [`Pattern::index`]): the places of every id ever shared. A control added
/// later is numbered after these (see [`catalog`]), so no old link changes
/// meaning; an id here that a pattern no longer has is refused by name.
const LINK_ORDER: [&[&str]; 4] = [
    &[
        "outbox",
        "idempotent",
        "keyed",
        "at_most_once",
        "workload",
        "interval",
        "per_tick",
        "publish_delay",
        "analytics_every",
        "tariff",
        "reading",
        "burst",
    ],
    &[
        "checkpoint",
        "two_way",
        "siblings",
        "workload",
        "strategy",
        "interval",
        "batch",
        "skew",
        "write_every",
        "write",
        "transfer",
        "concurrent",
        "sync_now",
        "resolve",
    ],
    &[
        "choreography",
        "idempotent",
        "semantic_lock",
        "workload",
        "order_every",
        "declined",
        "out_of_stock",
        "no_courier",
        "compensation_fail",
        "step_timeout",
        "place_order",
    ],
    &[
        "read_your_writes",
        "optimistic_ui",
        "idempotent_projection",
        "stop_on_poison",
        "workload",
        "command_every",
        "projector_delay",
        "ryw_timeout",
        "deposit",
        "withdraw",
        "poison_event",
        "rebuild",
        "rebuild_leaderboard",
    ],
];

/// The ids link codes write as one-byte indexes: [`LINK_ORDER`]'s, then
/// any control the pattern has added since (toggles, settings, actions,
/// in the order of its `info()`).
pub fn catalog(pattern: Pattern) -> Vec<&'static str> {
    let info = pattern.start(0).info();
    let mut ids = LINK_ORDER[pattern.index()].to_vec();
    let toggles = info.toggles.iter().map(|t| t.id);
    let settings = info.settings.iter().map(|s| s.id);
    let actions = info.actions.iter().map(|a| a.id);
    for id in toggles.chain(settings).chain(actions) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

fn opcode(cmd: &Command) -> u8 {
    match cmd {
        Command::Partition { .. } => 0,
        Command::PartitionOneway { .. } => 1,
        Command::Heal { .. } => 2,
        Command::Hold { .. } => 3,
        Command::Release { .. } => 4,
        Command::SetLink { .. } => 5,
        Command::Crash { .. } => 6,
        Command::Restart { .. } => 7,
        Command::DropMessage { .. } => 8,
        Command::DuplicateMessage { .. } => 9,
        Command::Toggle { on: false, .. } => 10,
        Command::Toggle { on: true, .. } => 11,
        Command::Set { .. } => 12,
        Command::Action { .. } => 13,
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// FNV-1a over `bytes`, folded to 16 bits.
fn checksum(bytes: &[u8]) -> u16 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    ((h >> 16) ^ (h & 0xffff)) as u16
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn truncated(field: &str) -> ShareError {
        ShareError::new(
            field,
            "the link is cut short (it ends in the middle of this field)",
        )
    }

    fn byte(&mut self, field: &str) -> Result<u8, ShareError> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| Self::truncated(field))?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, field: &str, n: usize) -> Result<&[u8], ShareError> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| Self::truncated(field))?;
        let s = self
            .bytes
            .get(self.pos..end)
            .ok_or_else(|| Self::truncated(field))?;
        self.pos = end;
        Ok(s)
    }

    fn varint(&mut self, field: &str) -> Result<u64, ShareError> {
        let mut v: u64 = 0;
        for i in 0..10 {
            let b = self.byte(field)?;
            let bits = (b & 0x7f) as u64;
            if i == 9 && b > 1 {
                return Err(ShareError::new(field, "number too large"));
            }
            v |= bits << (7 * i);
            if b & 0x80 == 0 {
                if b == 0 && i > 0 {
                    return Err(ShareError::new(field, "number not in its shortest form"));
                }
                return Ok(v);
            }
        }
        Err(ShareError::new(field, "number too large"))
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding (RFC 4648 §5).
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.len();
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..=n {
            out.push(ALPHABET[((v >> (18 - 6 * k)) & 0x3f) as usize] as char);
        }
    }
    out
}

/// Decodes base64url (padding tolerated, `+` and `/` accepted too).
pub fn base64url_decode(text: &str) -> Result<Vec<u8>, ShareError> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for (i, c) in text.chars().enumerate() {
        let v = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '-' | '+' => 62,
            '_' | '/' => 63,
            _ => {
                return Err(ShareError::new(
                    "link",
                    format!("character {} ({c:?}) cannot appear in a link code", i + 1),
                ))
            }
        };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 {
        return Err(ShareError::new(
            "link",
            "the code has a stray last character (it was cut or edited)",
        ));
    }
    if text.is_empty() {
        return Err(ShareError::new("link", "the code is empty"));
    }
    Ok(out)
}
