//! `terrane fmt` against files Terraform itself formatted: the corpus under
//! `fmt-corpus/` must come out unchanged, the badly formatted inputs under `fmt-cases/`
//! must come out as Terraform formats them (`NAME.out.*`, produced by `terraform fmt`),
//! and formatting is idempotent, including after random whitespace damage.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use terrane_engine::diag::SourceFile;
use terrane_engine::fmt::{format_file, format_source};

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

fn files(name: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir(name))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn corpus_is_unchanged() {
    let corpus = files("fmt-corpus");
    assert!(corpus.len() >= 8);
    for (name, text) in corpus {
        let got = format_file(&SourceFile::new(&name, text.clone()))
            .unwrap_or_else(|d| panic!("{name}: {d}"));
        assert_eq!(got, text, "{name} changed");
    }
}

#[test]
fn cases_match_terraform() {
    let cases = files("fmt-cases");
    let inputs: Vec<_> = cases.iter().filter(|(n, _)| n.contains(".in.")).collect();
    assert!(inputs.len() >= 5);
    for (name, input) in inputs {
        let out_name = name.replace(".in.", ".out.");
        let want = &cases.iter().find(|(n, _)| *n == out_name).unwrap().1;
        let got = format_file(&SourceFile::new(name, input.clone()))
            .unwrap_or_else(|d| panic!("{name}: {d}"));
        assert_eq!(&got, want, "{name}");
        assert_eq!(&format_source(want), want, "{out_name} not stable");
    }
}

/// Which lines of a canonical file may have their whitespace changed: not heredoc
/// bodies or closing markers, and not the inside of block comments.
fn free_lines(text: &str) -> Vec<bool> {
    let mut out = Vec::new();
    let mut heredoc: Option<String> = None;
    let mut in_comment = false;
    for line in text.split('\n') {
        if let Some(m) = &heredoc {
            out.push(false);
            if line.trim() == m {
                heredoc = None;
            }
            continue;
        }
        if in_comment {
            out.push(false);
            in_comment = !line.contains("*/");
            continue;
        }
        out.push(true);
        if let Some(pos) = line.rfind("<<") {
            let marker = line[pos + 2..].trim_start_matches('-');
            if !marker.is_empty() && marker.chars().all(|c| c.is_alphanumeric() || c == '_') {
                heredoc = Some(marker.to_string());
            }
        }
        if let Some(open) = line.rfind("/*") {
            in_comment = !line[open..].contains("*/");
        }
    }
    out
}

/// Damages only whitespace the formatter owns: indentation, the spaces around an
/// attribute's `=`, trailing spaces on lines without comments, spaces after commas.
fn damage(text: &str, choices: &[u8]) -> String {
    let free = free_lines(text);
    let mut k = 0;
    let mut next = || {
        k += 1;
        choices[k % choices.len()]
    };
    let lines: Vec<String> = text
        .split('\n')
        .zip(free)
        .map(|(line, free)| {
            if !free || line.trim().is_empty() {
                return line.to_string();
            }
            let body = line.trim_start();
            let mut s = " ".repeat(usize::from(next() % 7));
            // `name   = value` -> `name= value` and the like.
            match body.split_once(" = ") {
                Some((key, rest))
                    if !key.contains(['"', '#', '/', '(', '{', '['])
                        || key.starts_with('"') && !key[1..].contains('"') =>
                {
                    s.push_str(key.trim_end());
                    s.push_str(&" ".repeat(usize::from(next() % 3)));
                    s.push('=');
                    s.push_str(
                        &" ".repeat(usize::from(next() % 3) + usize::from(rest.starts_with('='))),
                    );
                    s.push_str(rest.trim_start());
                }
                _ => s.push_str(body),
            }
            // (Not after `<<EOT`: a heredoc introducer must end its line.)
            if !s.contains(['#', '"'])
                && !s.contains("//")
                && !s.contains("/*")
                && !s.contains("*/")
                && !s.contains("<<")
            {
                if next() % 2 == 0 {
                    s = s.replace(", ", ",");
                }
                s.push_str(&" ".repeat(usize::from(next() % 3)));
            }
            s
        })
        .collect();
    lines.join("\n")
}

#[test]
fn damage_is_undone_on_a_sample() {
    let text = "a {\n  bb = [1, 2]\n  c  = 3\n}\n";
    let damaged = damage(text, &[3, 2, 0, 1, 5, 0]);
    assert_ne!(damaged, text);
    assert_eq!(format_source(&damaged), text);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(std::env::var("FMT_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)))]

    /// Whitespace damage to a canonical file is exactly undone.
    #[test]
    fn damaged_corpus_formats_back(idx in 0usize..64, choices in prop::collection::vec(any::<u8>(), 1..64)) {
        let corpus = files("fmt-corpus");
        let (name, text) = &corpus[idx % corpus.len()];
        let damaged = damage(text, &choices);
        let got = format_source(&damaged);
        prop_assert_eq!(&got, text, "{} after damage:\n{}", name, damaged);
    }

    /// Random spaces, tabs and newlines inserted anywhere: whenever the result is still
    /// valid HCL, formatting twice is the same as formatting once.
    #[test]
    fn formatting_is_idempotent(idx in 0usize..64, seed in prop::collection::vec((any::<u16>(), 0u8..4), 0..40)) {
        let corpus = files("fmt-corpus");
        let text = &corpus[idx % corpus.len()].1;
        let mut s = text.clone();
        for (pos, what) in seed {
            let mut at = usize::from(pos) % (s.len() + 1);
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            s.insert_str(at, ["  ", "\t", "\n", " "][usize::from(what)]);
        }
        if let Ok(once) = format_file(&SourceFile::new("x.tf", s)) {
            prop_assert_eq!(format_source(&once), once.clone());
        }
    }

    /// Arbitrary text never panics either entry point, and the result ends in a newline.
    #[test]
    fn never_panics(s in "\\PC*", t in "[ {}\\[\\]()\"$%~#/*<=\\-\nEOTa-z0-9.,:?!]{0,80}") {
        for src in [s, t] {
            prop_assert!(format_source(&src).ends_with('\n'));
            let _ = format_file(&SourceFile::new("x.tf", src));
        }
    }
}
