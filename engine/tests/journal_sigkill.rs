//! A run killed with SIGKILL loses no journal entry that `append` returned for. The child is
//! this test binary run again with an environment variable set; it reports each finished
//! append on stdout and the parent kills it part way.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::json;
use terrane_engine::state::journal::{recover, replay, Journal, JournalEntry, ResourceKey};
use terrane_engine::state::{InstanceState, State};

const CHILD_ENV: &str = "TERRANE_TEST_JOURNAL_CHILD_PATH";
const LINEAGE: &str = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn entry(i: i64) -> JournalEntry {
    JournalEntry::SetInstance {
        redacted: Vec::new(),
        resource: ResourceKey {
            module: None,
            mode: "managed".into(),
            ty: "null_resource".into(),
            name: "n".into(),
            provider: "provider[\"registry.terraform.io/hashicorp/null\"]".into(),
        },
        // Built through serde so this test does not break when InstanceState grows fields.
        instance: serde_json::from_value::<InstanceState>(json!({
            "index_key": i,
            "schema_version": 0,
            "attributes": { "id": format!("id-{i}"), "pad": "x".repeat(200) },
        }))
        .unwrap(),
    }
}

/// In the child: append without end, reporting each finished append. A no-op normally.
#[test]
fn journal_writer_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut j = Journal::create(&PathBuf::from(path), LINEAGE, 1).unwrap();
    for i in 0.. {
        j.append(&entry(i)).unwrap();
        println!("APPENDED {i}");
    }
}

#[test]
fn sigkill_loses_no_finished_append() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("apply.journal");
    let mut child = KillOnDrop(
        Command::new(std::env::current_exe().unwrap())
            .args([
                "journal_writer_child",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut last_reported = None;
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        // libtest prints "test journal_writer_child ... " before the first report.
        if let Some((_, n)) = line.split_once("APPENDED ") {
            let n: i64 = n.trim().parse().unwrap();
            last_reported = Some(n);
            if n >= 2_000 {
                break;
            }
        }
    }
    // Killed in the middle of its appends (it blocks on the full pipe or keeps going).
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    let last_reported = last_reported.expect("the child appended");

    let entries = recover(&path).unwrap().unwrap();
    assert!(
        entries.len() as i64 >= last_reported + 2,
        "Begin plus every reported entry"
    );
    assert_eq!(
        entries[0],
        JournalEntry::Begin {
            lineage: LINEAGE.into(),
            serial: 1
        }
    );
    for (i, e) in entries[1..].iter().enumerate() {
        assert_eq!(e, &entry(i as i64), "entries are complete and in order");
    }
    let mut state = State::new();
    state.lineage = LINEAGE.into();
    replay(&mut state, &entries).unwrap();
    assert_eq!(state.resources[0].instances.len(), entries.len() - 1);
}
