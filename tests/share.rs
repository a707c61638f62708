//! Share links and scene files: round trips, every error path by field,
//! the length of a typical link, and fuzzing of both decoders.

use converge::patterns::Pattern;
use converge::share::{base64url_decode, base64url_encode, Scene, MAX_SEED, MAX_TIME};
use converge::sim::{Command, Field, LinkSettings, MsgId, NodeId, Playground, ScriptEntry};
use converge::ui::startup::from_query;
use proptest::prelude::*;

/// A learner's session on the power grid: ten actions recorded by the
/// engine (so every entry has its event count), the playhead at 14 s.
fn typical() -> (Scene, Box<dyn Playground>) {
    let mut run = Pattern::EventDriven.start(7);
    let act = |run: &mut Box<dyn Playground>, t: u64, cmd: Command| {
        run.run_until(t);
        run.apply(cmd).expect("valid command");
    };
    act(
        &mut run,
        500,
        Command::Toggle {
            id: "outbox".into(),
            on: false,
        },
    );
    act(
        &mut run,
        1_200,
        Command::Action {
            id: "reading".into(),
        },
    );
    act(
        &mut run,
        2_000,
        Command::Partition {
            a: NodeId(1),
            b: NodeId(2),
        },
    );
    act(
        &mut run,
        2_600,
        Command::Action {
            id: "reading".into(),
        },
    );
    act(&mut run, 3_100, Command::Action { id: "burst".into() });
    act(&mut run, 4_000, Command::Crash { node: NodeId(3) });
    act(
        &mut run,
        5_500,
        Command::Heal {
            a: NodeId(1),
            b: NodeId(2),
        },
    );
    act(&mut run, 6_000, Command::Restart { node: NodeId(3) });
    act(
        &mut run,
        7_250,
        Command::Set {
            id: "publish_delay".into(),
            value: 400,
        },
    );
    act(
        &mut run,
        8_000,
        Command::Toggle {
            id: "idempotent".into(),
            on: false,
        },
    );
    run.run_until(14_000);
    let scene = Scene {
        pattern: Pattern::EventDriven,
        seed: 7,
        speed: 2.0,
        at: run.now(),
        lesson_step: None,
        twin: None,
        script: run.script(),
    };
    (scene, run)
}

#[test]
fn a_typical_link_is_short_and_replays_the_same_trace() {
    let (scene, run) = typical();
    assert_eq!(scene.script.len(), 10);
    let code = scene.to_code();
    let link = format!("https://example.org/converge/?s={code}");
    println!(
        "typical link: {} bytes of scene, {} characters of code, {} characters with \
         https://example.org/converge/?s= : {link}",
        scene.to_bytes().len(),
        code.len(),
        link.len()
    );
    assert!(code.len() <= 100, "code is {} characters", code.len());
    assert!(code
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));

    let back = Scene::open_code(&code).expect("decodes");
    assert_eq!(back, scene);
    let mut again = back.pattern.replay(back.seed, back.script.clone()).unwrap();
    again.run_until(back.at);
    assert_eq!(again.now(), run.now());
    assert_eq!(again.processed(), run.processed());
    assert_eq!(again.trace_json(), run.trace_json(), "same trace");
    assert_eq!(again.frame(), run.frame(), "same picture at the playhead");
}

#[test]
fn json_round_trips_and_is_readable() {
    let (mut scene, _) = typical();
    scene.lesson_step = Some(3);
    scene.speed = 0.25;
    let text = scene.to_json();
    assert!(text.contains("\"format\": \"converge-scene\""), "{text}");
    assert!(text.contains("\"pattern\": \"event-driven\""));
    assert!(text.contains("\"op\": \"partition\""));
    assert!(text.contains("\n  "), "pretty printed");
    assert_eq!(Scene::open_json(&text).unwrap(), scene);
    // And the code carries the same scene.
    assert_eq!(Scene::open_code(&scene.to_code()).unwrap(), scene);
}

#[test]
fn every_command_round_trips_in_both_formats() {
    let s = LinkSettings {
        latency: 900,
        jitter: 30,
        drop_permille: 250,
        dup_permille: 1000,
    };
    let cmds = vec![
        Command::Partition {
            a: NodeId(0),
            b: NodeId(4),
        },
        Command::PartitionOneway {
            from: NodeId(2),
            to: NodeId(1),
        },
        Command::Heal {
            a: NodeId(0),
            b: NodeId(4),
        },
        Command::Hold {
            from: NodeId(1),
            to: NodeId(3),
        },
        Command::Release {
            from: NodeId(1),
            to: NodeId(3),
        },
        Command::SetLink {
            from: NodeId(1),
            to: NodeId(2),
            settings: s,
        },
        Command::Crash { node: NodeId(4) },
        Command::Restart { node: NodeId(4) },
        Command::DropMessage {
            msg: MsgId(123_456),
        },
        Command::DuplicateMessage { msg: MsgId(7) },
        Command::Toggle {
            id: "keyed".into(),
            on: false,
        },
        Command::Toggle {
            id: "keyed".into(),
            on: true,
        },
        Command::Set {
            id: "tariff".into(),
            value: 200,
        },
        Command::Action { id: "burst".into() },
    ];
    let script: Vec<ScriptEntry> = cmds
        .into_iter()
        .enumerate()
        .map(|(i, cmd)| ScriptEntry {
            at: 100 * i as u64,
            after: (i % 2 == 0).then_some(10 * i as u64),
            cmd,
        })
        .collect();
    let scene = Scene {
        pattern: Pattern::EventDriven,
        seed: MAX_SEED,
        speed: 16.0,
        at: MAX_TIME,
        lesson_step: Some(99),
        twin: None,
        script,
    };
    assert_eq!(Scene::open_code(&scene.to_code()).unwrap(), scene);
    assert_eq!(Scene::open_json(&scene.to_json()).unwrap(), scene);
}

fn err_code(code: &str) -> String {
    Scene::open_code(code).unwrap_err().to_string()
}

fn err_json(text: &str) -> String {
    Scene::open_json(text).unwrap_err().to_string()
}

/// A scene file with `field` replaced by `value` (JSON text).
fn json_with(field: &str, value: &str) -> String {
    let (scene, _) = typical();
    let mut doc: serde_json::Value = serde_json::from_str(&scene.to_json()).unwrap();
    doc[field] = serde_json::from_str(value).unwrap();
    doc.to_string()
}

fn json_with_entry(i: usize, entry: &str) -> String {
    let (scene, _) = typical();
    let mut doc: serde_json::Value = serde_json::from_str(&scene.to_json()).unwrap();
    doc["script"][i] = serde_json::from_str(entry).unwrap();
    doc.to_string()
}

#[test]
fn link_errors_name_the_field() {
    let (scene, _) = typical();
    let good = scene.to_bytes();
    let code = |bytes: &[u8]| base64url_encode(bytes);
    // Recompute the checksum after tampering on purpose, so the decoder
    // reaches the field check (a real tamper usually trips the checksum).
    let resign = |mut b: Vec<u8>| {
        b.truncate(b.len() - 2);
        let s = Scene::from_bytes(&[]).err(); // keep the API honest: empty input errs
        assert!(s.is_some());
        let sum = fnv16(&b);
        b.extend_from_slice(&sum.to_le_bytes());
        b
    };

    assert_eq!(err_code(""), "link: the code is empty");
    assert!(err_code("ab*cd").starts_with("link: character 3 ('*')"));
    assert!(err_code("A").starts_with("link: the code has a stray last character"));

    let mut newer = good.clone();
    newer[0] = 7;
    assert_eq!(
        err_code(&code(&newer)),
        "version: 7 is newer than this app understands (2)"
    );
    let mut zero = good.clone();
    zero[0] = 0;
    assert_eq!(err_code(&code(&zero)), "version: 0 is not a scene version");

    let mut pat = good.clone();
    pat[1] = (pat[1] & !0x07) | 6;
    assert_eq!(
        err_code(&code(&resign(pat))),
        "pattern: number 6 is not a pattern (0 to 3)"
    );

    // Truncation anywhere names the field it cut.
    for cut in 1..good.len() {
        let e = Scene::from_bytes(&good[..cut]).unwrap_err();
        assert!(
            e.reason.contains("cut short"),
            "cut at {cut}: {e} does not say the link is cut short"
        );
    }
    assert_eq!(
        Scene::from_bytes(&good[..3]).unwrap_err().field,
        "at",
        "cut after the seed"
    );

    // A changed byte is caught by the checksum or a field check.
    for i in 2..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x04;
        match Scene::open_code(&code(&bad)) {
            Err(_) => {}
            Ok(s) => panic!("byte {i} tampered and still accepted: {s:?}"),
        }
    }
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0xff;
    assert_eq!(
        err_code(&code(&flipped)),
        "checksum: the link was changed or damaged (its checksum does not match)"
    );
    let mut extra = good.clone();
    extra.push(0);
    assert!(err_code(&code(&extra)).starts_with("checksum:"));

    // Out-of-range seed, speed, playhead and lesson step.
    let s = |f: &dyn Fn(&mut Scene)| {
        let mut x = scene.clone();
        f(&mut x);
        Scene::open_code(&x.to_code()).unwrap_err().to_string()
    };
    assert_eq!(
        s(&|x| x.seed = MAX_SEED + 1),
        format!(
            "seed: {} is above the largest seed, {MAX_SEED}",
            MAX_SEED + 1
        )
    );
    assert_eq!(s(&|x| x.speed = 32.0), "speed: 32 is outside 0.25..=16");
    assert_eq!(s(&|x| x.speed = 0.1), "speed: 0.1 is outside 0.25..=16");
    assert_eq!(
        s(&|x| x.at = MAX_TIME + 1),
        "at: 600001 ms is beyond the ten-minute limit (600000 ms)"
    );
    assert_eq!(
        s(&|x| x.lesson_step = Some(0)),
        "lesson_step: 0 is outside 1..=99"
    );

    // The scenario's own rules, through Pattern::replay.
    assert_eq!(
        s(&|x| x.script[3].cmd = Command::Crash { node: NodeId(9) }),
        "script[3].cmd.node: there is no service number 9 (this scenario has 5)"
    );
    assert_eq!(
        s(&|x| x.script[2].cmd = Command::Partition {
            a: NodeId(1),
            b: NodeId(12)
        }),
        "script[2].cmd.b: there is no service number 12 (this scenario has 5)"
    );
    assert_eq!(
        s(&|x| x.script[0].cmd = Command::Toggle {
            id: "teleport".into(),
            on: true
        }),
        "script[0].cmd.id: \"teleport\" is not an option of event-driven"
    );
    assert_eq!(
        s(&|x| x.script[8].cmd = Command::Set {
            id: "publish_delay".into(),
            value: -5
        }),
        "script[8].cmd.value: publish_delay: -5 is outside 0..=5000"
    );
    assert_eq!(
        s(&|x| x.script[1].cmd = Command::Action {
            id: "explode".into()
        }),
        "script[1].cmd.id: \"explode\" is not an action of event-driven"
    );
    assert_eq!(
        s(&|x| x.script[5].at = 10),
        "script[5].at: 10 ms comes before the previous entry's 3100 ms"
    );
    assert!(s(&|x| x.script[5].cmd = Command::SetLink {
        from: NodeId(0),
        to: NodeId(1),
        settings: LinkSettings {
            drop_permille: 1001,
            ..LinkSettings::default()
        }
    })
    .starts_with("script[5].cmd.settings.drop_permille: 1001 is above 1000"));
    assert!(
        s(&|x| x.script[4].cmd = Command::Action { id: String::new() })
            .starts_with("script[4].cmd.id: an id must be 1 to 64 bytes long")
    );
}

/// The link checksum (FNV-1a folded to 16 bits), as documented in `share.rs`.
fn fnv16(bytes: &[u8]) -> u16 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    ((h >> 16) ^ (h & 0xffff)) as u16
}

#[test]
fn json_errors_name_the_field() {
    assert!(err_json("{").starts_with("file: is not valid JSON"));
    assert!(err_json("[1,2]").starts_with("file: is not a scene"));
    assert!(err_json("{\"version\": 1}").starts_with("format: missing"));
    // A trace export is not a scene.
    let trace = Pattern::Saga.start(1).trace_json();
    assert!(err_json(&trace).starts_with("file: is not a scene"));
    assert_eq!(
        err_json(&json_with("version", "7")),
        "version: 7 is newer than this app understands (2)"
    );
    assert_eq!(
        err_json(&json_with("version", "\"one\"")),
        "version: \"one\" is not a whole number from 0 up"
    );
    assert_eq!(
        err_json(&json_with("pattern", "\"2pc\"")),
        "pattern: \"2pc\" is not a pattern (event-driven, background-sync, saga, cqrs)"
    );
    assert_eq!(
        err_json(&json_with("seed", "-1")),
        "seed: -1 is not a whole number from 0 up"
    );
    assert!(err_json(&json_with("seed", "9007199254740992"))
        .starts_with("seed: 9007199254740992 is above"));
    assert_eq!(
        err_json(&json_with("speed", "100")),
        "speed: 100 is outside 0.25..=16"
    );
    assert_eq!(
        err_json(&json_with("speed", "\"fast\"")),
        "speed: \"fast\" is not a number"
    );
    assert!(err_json(&json_with("at", "99999999")).starts_with("at: 99999999 ms is beyond"));
    assert_eq!(
        err_json(&json_with("lesson_step", "120")),
        "lesson_step: 120 is outside 1..=99"
    );
    assert!(err_json(&json_with("sed", "1")).starts_with("sed: is not a field of a scene"));
    assert_eq!(
        err_json(&json_with("script", "{}")),
        "script: an object is not a list of entries"
    );
    assert!(err_json(&json_with_entry(2, "5")).starts_with("script[2]: a number is not an entry"));
    assert_eq!(
        err_json(&json_with_entry(
            2,
            r#"{"cmd": {"op": "crash", "node": 1}}"#
        )),
        "script[2].at: missing"
    );
    assert_eq!(
        err_json(&json_with_entry(2, r#"{"at": 2000, "cmd": {"node": 1}}"#)),
        "script[2].cmd.op: missing"
    );
    assert!(err_json(&json_with_entry(
        2,
        r#"{"at": 2000, "cmd": {"op": "explode"}}"#
    ))
    .starts_with("script[2].cmd: unknown variant `explode`"));
    assert!(err_json(&json_with_entry(
        2,
        r#"{"at": 2000, "cmd": {"op": "crash"}}"#
    ))
    .starts_with("script[2].cmd: missing field `node`"));
    assert!(err_json(&json_with_entry(
        2,
        r#"{"at": 2000, "cmd": {"op": "crash", "node": 70000}}"#
    ))
    .starts_with("script[2].cmd: invalid value: integer `70000`"));
    assert_eq!(
        err_json(&json_with_entry(
            3,
            r#"{"at": 2600, "cmd": {"op": "crash", "node": 9}}"#
        )),
        "script[3].cmd.node: there is no service number 9 (this scenario has 5)"
    );
    assert_eq!(
        err_json(&json_with_entry(
            2,
            r#"{"at": 2000, "when": 1, "cmd": {"op": "crash", "node": 1}}"#
        )),
        "script[2].when: is not a field of a script entry (at, after, cmd)"
    );
    // A minimal hand-written file works, with defaults for the rest.
    let hand = r#"{"format": "converge-scene", "version": 1, "pattern": "saga", "seed": 3,
                   "script": [{"at": 500, "cmd": {"op": "action", "id": "place_order"}}]}"#;
    let scene = Scene::open_json(hand).unwrap();
    assert_eq!(scene.pattern, Pattern::Saga);
    assert_eq!((scene.seed, scene.at, scene.speed), (3, 0, 1.0));
    assert_eq!(scene.script.len(), 1);
}

#[test]
fn base64url_matches_rfc_4648_vectors() {
    for (plain, coded) in [
        ("", ""),
        ("f", "Zg"),
        ("fo", "Zm8"),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg"),
        ("fooba", "Zm9vYmE"),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64url_encode(plain.as_bytes()), coded);
        if !coded.is_empty() {
            assert_eq!(base64url_decode(coded).unwrap(), plain.as_bytes());
            assert_eq!(
                base64url_decode(&format!("{coded}==")).unwrap(),
                plain.as_bytes()
            );
        }
    }
    assert_eq!(base64url_encode(&[0xfb, 0xff]), "-_8");
}

#[test]
fn a_pattern_opens_by_name_and_an_embed_can_leave_every_key_to_its_deck() {
    let s = from_query("?pattern=saga&embed&keys=0");
    assert_eq!((s.pattern, s.notice.as_deref()), (Pattern::Saga, None));
    assert!(s.embed.enabled && s.embed.no_keys);
    assert!(!from_query("?embed").embed.no_keys);
    assert!(!from_query("?embed&keys=1").embed.no_keys);
    // A misspelt pattern says what it takes and opens the first.
    let s = from_query("?pattern=sagas");
    assert_eq!(s.pattern, Pattern::EventDriven);
    let notice = s.notice.expect("a notice");
    assert!(
        notice.contains("sagas") && notice.contains("background-sync"),
        "{notice}"
    );
    // A share link names its own pattern: pattern= does not override it.
    let (scene, _) = typical();
    let s = from_query(&format!("?s={}&pattern=cqrs", scene.to_code()));
    assert_eq!(s.pattern, scene.pattern);
}

#[test]
fn startup_reads_links_and_refuses_bad_ones_with_a_notice() {
    let (scene, _) = typical();
    let code = scene.to_code();

    let s = from_query(&format!("?s={code}"));
    assert_eq!(s.notice, None);
    assert_eq!(
        (s.pattern, s.seed, s.at, s.speed),
        (Pattern::EventDriven, 7, scene.at, 2.0)
    );
    assert_eq!(s.script, scene.script);
    assert!(!s.embed.enabled);

    let s = from_query(&format!("?s={code}&embed&autoplay&controls=0"));
    assert!(s.embed.enabled && s.embed.autoplay && s.embed.no_controls);
    assert_eq!(s.notice, None);
    let s = from_query(&format!("?embed=1&s={code}"));
    assert!(s.embed.enabled && !s.embed.autoplay && !s.embed.no_controls);

    let mut with_lesson = scene.clone();
    with_lesson.lesson_step = Some(4);
    assert_eq!(
        from_query(&format!("?s={}", with_lesson.to_code())).lesson_step,
        Some(4)
    );

    // No link: the defaults, no notice.
    let s = from_query("");
    assert_eq!(s, Default::default());

    // Truncated, tampered and foreign links: defaults plus a specific notice.
    let cut = &code[..code.len() - 9];
    let s = from_query(&format!("?s={cut}"));
    assert_eq!(
        (s.pattern, s.seed, s.script.len()),
        (Pattern::default(), 42, 0)
    );
    let n = s.notice.expect("a notice");
    assert!(n.contains("cut short"), "{n}");
    assert!(n.contains("fresh"), "{n}");

    let mut chars: Vec<char> = code.chars().collect();
    chars[12] = if chars[12] == 'A' { 'B' } else { 'A' };
    let tampered: String = chars.into_iter().collect();
    let n = from_query(&format!("?s={tampered}"))
        .notice
        .expect("a notice");
    assert!(n.contains("changed or damaged") || n.contains(':'), "{n}");

    let n = from_query("?s=%%%").notice.expect("a notice");
    assert!(n.contains("cannot appear in a link code"), "{n}");

    // An embed of a bad link still embeds (with the notice).
    let s = from_query("?s=zz&embed");
    assert!(s.embed.enabled && s.notice.is_some());
}

fn arb_command() -> impl Strategy<Value = Command> {
    let node = (0u16..6).prop_map(NodeId);
    let id = prop::sample::select(vec![
        "outbox",
        "idempotent",
        "reading",
        "burst",
        "tariff",
        "x",
    ])
    .prop_map(String::from);
    prop_oneof![
        (node.clone(), node.clone()).prop_map(|(a, b)| Command::Partition { a, b }),
        (node.clone(), node.clone()).prop_map(|(from, to)| Command::PartitionOneway { from, to }),
        (node.clone(), node.clone()).prop_map(|(a, b)| Command::Heal { a, b }),
        (node.clone(), node.clone()).prop_map(|(from, to)| Command::Hold { from, to }),
        (node.clone(), node.clone()).prop_map(|(from, to)| Command::Release { from, to }),
        (
            node.clone(),
            node.clone(),
            0u64..60_000,
            0u64..60_000,
            0u16..=1000,
            0u16..=1000
        )
            .prop_map(|(from, to, latency, jitter, d, u)| Command::SetLink {
                from,
                to,
                settings: LinkSettings {
                    latency,
                    jitter,
                    drop_permille: d,
                    dup_permille: u
                },
            }),
        node.clone().prop_map(|node| Command::Crash { node }),
        node.clone().prop_map(|node| Command::Restart { node }),
        any::<u64>().prop_map(|m| Command::DropMessage { msg: MsgId(m) }),
        any::<u64>().prop_map(|m| Command::DuplicateMessage { msg: MsgId(m) }),
        (id.clone(), any::<bool>()).prop_map(|(id, on)| Command::Toggle { id, on }),
        (id.clone(), any::<i64>()).prop_map(|(id, value)| Command::Set { id, value }),
        id.prop_map(|id| Command::Action { id }),
    ]
}

fn arb_script(max: usize) -> impl Strategy<Value = Vec<ScriptEntry>> {
    prop::collection::vec(
        (
            0u64..=MAX_TIME,
            prop::option::of(any::<u64>()),
            arb_command(),
        ),
        0..max,
    )
    .prop_map(|entries| {
        entries
            .into_iter()
            .map(|(at, after, cmd)| ScriptEntry { at, after, cmd })
            .collect()
    })
}

fn arb_scene() -> impl Strategy<Value = Scene> {
    (
        0usize..4,
        0u64..=MAX_SEED,
        25u32..=1600,
        0u64..=MAX_TIME,
        prop::option::of(1u16..=99),
        arb_script(24),
        // Compare mode's run B, in a quarter of the scenes.
        prop::option::weighted(0.25, arb_script(8)),
    )
        .prop_map(|(p, seed, speed, at, lesson_step, script, twin)| Scene {
            pattern: Pattern::all()[p],
            seed,
            speed: speed as f64 / 100.0,
            at,
            lesson_step,
            script,
            twin,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Encoding then decoding gives back the same scene (any script, even
    /// one the scenario would refuse: the codec is not the validator).
    #[test]
    fn code_round_trips(scene in arb_scene()) {
        let back = Scene::from_code(&scene.to_code());
        prop_assert_eq!(back, Ok(scene));
    }

    #[test]
    fn json_round_trips(scene in arb_scene()) {
        let text = scene.to_json();
        // i64 setting values and u64 ids survive JSON too.
        let back = Scene::from_json(&text);
        prop_assert_eq!(back, Ok(scene));
    }

    /// Any bytes: a scene or an error, never a panic; and whatever decodes
    /// re-encodes to the same bytes.
    #[test]
    fn code_decoder_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(scene) = Scene::from_bytes(&bytes) {
            prop_assert_eq!(scene.to_bytes(), bytes.clone());
            let _ = scene.check();
        }
        let _ = Scene::open_code(&base64url_encode(&bytes));
    }

    #[test]
    fn code_text_decoder_never_panics(text in "\\PC{0,300}") {
        let _ = Scene::open_code(&text);
        let _ = from_query(&format!("?s={text}"));
        let _ = from_query(&text);
    }

    /// Mutating a valid link (flip, cut, insert) never panics.
    #[test]
    fn mutated_links_never_panic(scene in arb_scene(), pos in any::<prop::sample::Index>(), byte in any::<u8>(), op in 0u8..3) {
        let mut bytes = scene.to_bytes();
        let i = pos.index(bytes.len());
        match op {
            0 => bytes[i] ^= byte | 1,
            1 => bytes.truncate(i),
            _ => bytes.insert(i, byte),
        }
        prop_assert!(Scene::from_bytes(&bytes) != Ok(scene));
    }

    #[test]
    fn json_decoder_never_panics(text in "\\PC{0,400}") {
        let _ = Scene::open_json(&text);
    }

    /// Structured but wrong JSON: values of every type in every field.
    #[test]
    fn json_decoder_never_panics_on_wrong_types(
        field in prop::sample::select(vec!["format", "version", "pattern", "seed", "speed", "at", "lesson_step", "script"]),
        value in prop_oneof![
            Just("null".to_string()),
            any::<i64>().prop_map(|v| v.to_string()),
            any::<f64>().prop_map(|v| format!("{v:?}")),
            "\\PC{0,20}".prop_map(|s| serde_json::to_string(&s).unwrap()),
            Just("[{\"at\": 1, \"cmd\": {\"op\": \"crash\", \"node\": 99999}}]".to_string()),
            Just("[{\"at\": -1}]".to_string()),
            Just("{}".to_string()),
        ],
    ) {
        let (scene, _) = (Scene::default(), ());
        let mut doc: serde_json::Value = serde_json::from_str(&scene.to_json()).unwrap();
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&value) {
            doc[field] = v;
        }
        let _ = Scene::open_json(&doc.to_string());
    }
}

/// The two scenes of `tests/e2e/embed-example.html`.
fn example_scenes() -> [Scene; 2] {
    let grid = Scene {
        pattern: Pattern::EventDriven,
        seed: 11,
        speed: 1.0,
        at: 3_000,
        lesson_step: None,
        twin: None,
        script: vec![
            ScriptEntry::at(
                1_000,
                Command::Toggle {
                    id: "idempotent".into(),
                    on: false,
                },
            ),
            ScriptEntry::at(
                1_500,
                Command::Partition {
                    a: NodeId(1),
                    b: NodeId(2),
                },
            ),
            ScriptEntry::at(
                6_000,
                Command::Heal {
                    a: NodeId(1),
                    b: NodeId(2),
                },
            ),
        ],
    };
    let saga = Scene {
        pattern: Pattern::Saga,
        seed: 5,
        speed: 2.0,
        at: 0,
        lesson_step: None,
        twin: None,
        script: vec![
            ScriptEntry::at(
                0,
                Command::Set {
                    id: "declined".into(),
                    value: 60,
                },
            ),
            ScriptEntry::at(
                500,
                Command::Action {
                    id: "place_order".into(),
                },
            ),
        ],
    };
    [grid, saga]
}

#[test]
fn the_embed_example_page_embeds_two_valid_scenes() {
    let page = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/e2e/embed-example.html"
    ))
    .expect("the example page exists");
    let codes: Vec<&str> = page
        .split("?s=")
        .skip(1)
        .map(|rest| rest.split(['&', '"']).next().unwrap_or(""))
        .collect();
    let expected: Vec<String> = example_scenes().iter().map(|s| s.to_code()).collect();
    assert_eq!(
        codes, expected,
        "regenerate the example's links from example_scenes()"
    );
    for code in codes {
        Scene::open_code(code).expect("the example's link opens");
    }
    assert_eq!(page.matches("&embed").count(), 2);
    assert_eq!(page.matches("width=\"800\" height=\"500\"").count(), 2);
}

#[test]
#[ignore = "prints the example page's links; run with --ignored --nocapture"]
fn print_example_links() {
    for s in example_scenes() {
        println!("?s={}&embed", s.to_code());
    }
}

#[test]
fn the_readme_scene_file_example_opens() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let section = readme
        .split("## Scene files")
        .nth(1)
        .expect("a Scene files section");
    let json = section
        .split("```json")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("a json example");
    let scene = Scene::open_json(json).expect("the README example is a valid scene");
    assert_eq!(scene.pattern, Pattern::Saga);
    assert_eq!(scene.lesson_step, Some(2));
    assert_eq!(scene.script.len(), 4);
}

#[test]
#[ignore = "timing: cargo test --release --test share -- --ignored --nocapture"]
fn opening_a_link_at_the_latest_playhead_takes() {
    for p in Pattern::all() {
        let t0 = std::time::Instant::now();
        let mut run = p.replay(1, Vec::new()).unwrap();
        run.run_until(MAX_TIME);
        println!("{p:?}: {:?} to reach {MAX_TIME} ms", t0.elapsed());
    }
}

/// One set of rules: what the canvas refuses (crashing a service that
/// "stays up in this scenario", a setting out of its range) a link and a
/// scene file refuse too, with the same words, naming the field.
#[test]
fn links_and_files_refuse_what_the_ui_refuses() {
    let uncrashable = [
        (Pattern::Saga, 0u16, "Customers"),
        (Pattern::Saga, 7, "Reports"),
        (Pattern::Cqrs, 0, "Client"),
    ];
    for (pattern, node, name) in uncrashable {
        let reason = format!(
            "{name} (service number {node}) stays up in this scenario: it cannot crash or restart"
        );
        for cmd in [
            Command::Crash { node: NodeId(node) },
            Command::Restart { node: NodeId(node) },
        ] {
            // The canvas's path: the run refuses it and stays as it was.
            let mut run = pattern.start(1);
            run.run_until(1_000);
            let before = run.processed();
            let refused = run.apply(cmd.clone()).unwrap_err();
            assert_eq!((refused.field, &refused.reason), (Field::Node, &reason));
            assert_eq!(refused.to_string(), format!("node: {reason}"));
            assert_eq!((run.script().len(), run.processed()), (0, before));
            // A link and a scene file: refused, field named.
            let scene = Scene {
                pattern,
                script: vec![ScriptEntry::at(1_000, cmd.clone())],
                ..Scene::default()
            };
            let want = format!("script[0].cmd.node: {reason}");
            assert_eq!(err_code(&scene.to_code()), want);
            assert_eq!(err_json(&scene.to_json()), want);
        }
    }
    // A service that may crash still can, in all three.
    let ok = Scene {
        pattern: Pattern::Saga,
        script: vec![ScriptEntry::at(1_000, Command::Crash { node: NodeId(1) })],
        ..Scene::default()
    };
    assert!(Scene::open_code(&ok.to_code()).is_ok());
    assert!(Scene::open_json(&ok.to_json()).is_ok());

    // A setting out of range: the panel's words, at the value's field.
    let info = Pattern::EventDriven.start(1).info();
    let s = &info.settings[0];
    let too_big = Command::Set {
        id: s.id.into(),
        value: s.max + 1,
    };
    let mut run = Pattern::EventDriven.start(1);
    let ui = run.apply(too_big.clone()).unwrap_err();
    assert_eq!(ui.field, Field::Value);
    assert_eq!(
        ui.to_string(),
        format!(
            "setting {}: {} is outside {}..={}",
            s.id,
            s.max + 1,
            s.min,
            s.max
        )
    );
    let scene = Scene {
        script: vec![ScriptEntry::at(0, too_big)],
        ..Scene::default()
    };
    let want = format!(
        "script[0].cmd.value: {}: {} is outside {}..={}",
        s.id,
        s.max + 1,
        s.min,
        s.max
    );
    assert_eq!(err_code(&scene.to_code()), want);
    assert_eq!(err_json(&scene.to_json()), want);
}

/// Links store a toggle, setting or action by its place in the pattern's
/// catalog: these places are part of every link ever shared, so nothing
/// here may move (a control added later is numbered after them).
#[test]
fn every_control_keeps_its_place_in_links() {
    let pinned: [(&str, &[&str]); 4] = [
        (
            "event-driven",
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
        ),
        (
            "background-sync",
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
        ),
        (
            "saga",
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
        ),
        (
            "cqrs",
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
        ),
    ];
    for (slug, ids) in pinned {
        let p = Pattern::from_slug(slug).unwrap();
        let now = converge::share::catalog(p);
        assert!(now.starts_with(ids), "{slug}: {now:?}");
        // Every id a link may name is a control the pattern still has.
        let info = p.start(0).info();
        let has = |id: &&str| {
            info.toggles.iter().any(|t| t.id == *id)
                || info.settings.iter().any(|s| s.id == *id)
                || info.actions.iter().any(|a| a.id == *id)
        };
        assert!(
            now.iter().all(has),
            "{slug}: a link names a control that is gone"
        );
    }
}
