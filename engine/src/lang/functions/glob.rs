//! `fileset(path, pattern)`: the regular files under `path` matching a glob pattern, as
//! relative paths with forward slashes. The pattern syntax is the one Terraform's glob
//! library accepts: `*` (any characters but `/`), `**` (any number of directories), `?`,
//! `[class]` (with ranges and `^`/`!` negation), `{alt1,alt2}` and `\` escapes.

use std::path::{Path, PathBuf};

use super::args::{arg_str, string};
use super::{Fail, FuncContext};
use crate::lang::value::Value;

type Args<'a> = &'a [Value];
type Ctx<'a, 'b> = &'a FuncContext<'b>;

/// Walking stops after this many directory entries, so a `**` over a huge tree fails
/// rather than hanging the plan.
const MAX_ENTRIES: usize = 1_000_000;

pub(super) fn fileset(args: Args, ctx: Ctx) -> Result<Value, Fail> {
    let path = arg_str(args, 0)?;
    let pattern = arg_str(args, 1)?;
    let base = super::filesystem::resolve(ctx, &path)?;
    let shown = format!("{}/{}", base.display(), pattern);
    let bad = |why: &str| Fail::Msg(format!("failed to glob pattern ({shown}): {why}"));
    let mut found = Vec::new();
    let mut budget = MAX_ENTRIES;
    for alt in expand_braces(&pattern).map_err(&bad)? {
        let comps: Vec<&str> = alt
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        for c in &comps {
            check_syntax(c).map_err(&bad)?;
        }
        walk(&base, String::new(), &comps, &mut found, &mut budget).map_err(|e| bad(&e))?;
    }
    let files: Vec<Value> = found
        .into_iter()
        .filter(|rel| base.join(rel).metadata().is_ok_and(|m| m.is_file()))
        .map(string)
        .collect();
    Ok(Value::set(files))
}

/// Matches the remaining pattern components `comps` below `dir` (shown as `rel`).
fn walk(
    dir: &Path,
    rel: String,
    comps: &[&str],
    out: &mut Vec<String>,
    budget: &mut usize,
) -> Result<(), String> {
    let Some((first, rest)) = comps.split_first() else {
        if !rel.is_empty() {
            out.push(rel);
        }
        return Ok(());
    };
    let join = |name: &str| {
        if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        }
    };
    if *first == ".." {
        return walk(&dir.join(".."), join(".."), rest, out, budget);
    }
    if *first == "**" {
        // Zero directories, then each subdirectory with `**` still to match.
        walk(dir, rel.clone(), rest, out, budget)?;
        for (name, path) in entries(dir, budget)? {
            if path.is_dir() {
                walk(&path, join(&name), comps, out, budget)?;
            }
        }
        return Ok(());
    }
    if !has_meta(first) {
        let name = unescape(first);
        let path = dir.join(&name);
        if path.exists() {
            walk(&path, join(&name), rest, out, budget)?;
        }
        return Ok(());
    }
    for (name, path) in entries(dir, budget)? {
        let chars: Vec<char> = name.chars().collect();
        let pat: Vec<char> = first.chars().collect();
        if matches(&pat, &chars) && (rest.is_empty() || path.is_dir()) {
            walk(&path, join(&name), rest, out, budget)?;
        }
    }
    Ok(())
}

/// The entries of `dir`, sorted by name; an unreadable directory has none.
fn entries(dir: &Path, budget: &mut usize) -> Result<Vec<(String, PathBuf)>, String> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for e in rd.filter_map(Result::ok) {
        *budget = budget
            .checked_sub(1)
            .ok_or("too many files to search; use a narrower pattern")?;
        if let Some(name) = e.file_name().to_str() {
            out.push((name.to_string(), e.path()));
        }
    }
    out.sort();
    Ok(out)
}

fn has_meta(c: &str) -> bool {
    c.contains(['*', '?', '[', '\\'])
}

fn unescape(c: &str) -> String {
    let mut out = String::new();
    let mut chars = c.chars();
    while let Some(ch) = chars.next() {
        if ch == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(ch);
        }
    }
    out
}

/// `{a,b}x` -> `ax`, `bx` (nested and repeated groups too).
fn expand_braces(p: &str) -> Result<Vec<String>, &'static str> {
    let chars: Vec<char> = p.chars().collect();
    let mut depth = 0usize;
    let mut open = None;
    let mut commas = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '{' => {
                if depth == 0 {
                    open = Some(i);
                    commas.clear();
                }
                depth += 1;
            }
            ',' if depth == 1 => commas.push(i),
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    let start = open.unwrap_or(0);
                    let prefix: String = chars[..start].iter().collect();
                    let suffix: String = chars[i + 1..].iter().collect();
                    let mut bounds = vec![start];
                    bounds.extend(&commas);
                    bounds.push(i);
                    let mut out = Vec::new();
                    for w in bounds.windows(2) {
                        let alt: String = chars[w[0] + 1..w[1]].iter().collect();
                        out.extend(expand_braces(&format!("{prefix}{alt}{suffix}"))?);
                    }
                    return Ok(out);
                }
            }
            _ => {}
        }
        i += 1;
    }
    if depth > 0 {
        return Err("syntax error in pattern");
    }
    Ok(vec![p.to_string()])
}

fn check_syntax(c: &str) -> Result<(), &'static str> {
    let chars: Vec<char> = c.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 == chars.len() => return Err("syntax error in pattern"),
            '\\' => i += 1,
            '[' => {
                let close = chars[i + 1..].iter().position(|c| *c == ']');
                match close {
                    Some(n) if n > 0 || chars.get(i + 2).is_some() => i += n + 1,
                    _ => return Err("syntax error in pattern"),
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Matches one path component against one pattern component.
fn matches(p: &[char], s: &[char]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some(('*', rest)) => (0..=s.len()).any(|i| matches(rest, &s[i..])),
        Some(('?', rest)) => !s.is_empty() && matches(rest, &s[1..]),
        Some(('\\', rest)) => match (rest.split_first(), s.split_first()) {
            (Some((pc, prest)), Some((sc, srest))) => pc == sc && matches(prest, srest),
            _ => false,
        },
        Some(('[', rest)) => {
            let Some((&c, srest)) = s.split_first() else {
                return false;
            };
            let Some(end) = rest.iter().skip(1).position(|x| *x == ']').map(|n| n + 1) else {
                return false;
            };
            let (class, after) = (&rest[..end], &rest[end + 1..]);
            let (negated, class) = match class.split_first() {
                Some(('^' | '!', r)) => (true, r),
                _ => (false, class),
            };
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == '-' {
                    hit |= (class[i]..=class[i + 2]).contains(&c);
                    i += 3;
                } else {
                    hit |= class[i] == c;
                    i += 1;
                }
            }
            hit != negated && matches(after, srest)
        }
        Some((pc, rest)) => s.first() == Some(pc) && matches(rest, &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{ctx_in, s};
    use crate::lang::functions::call;
    use crate::lang::value::Value;

    fn set(items: &[&str]) -> Value {
        Value::set(items.iter().map(|x| s(x)).collect())
    }

    #[test]
    fn fileset_examples() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in [
            "files/hello.txt",
            "files/world.txt",
            "files/other.md",
            "files/sub/deep.txt",
            "files/sub/x/deeper.txt",
            "files/a1.tf",
            "files/b2.tf",
        ] {
            std::fs::create_dir_all(d.join(f).parent().unwrap()).unwrap();
            std::fs::write(d.join(f), "x").unwrap();
        }
        let c = ctx_in(d.to_path_buf());
        let fs = |path: &str, pat: &str| {
            call("fileset", vec![s(path), s(pat)], &c.ctx()).map_err(|e| e.to_string())
        };
        assert_eq!(
            fs(".", "files/*.txt"),
            Ok(set(&["files/hello.txt", "files/world.txt"]))
        );
        assert_eq!(
            fs(".", "files/{hello,world}.txt"),
            Ok(set(&["files/hello.txt", "files/world.txt"]))
        );
        assert_eq!(
            fs("files", "**/*.txt"),
            Ok(set(&[
                "hello.txt",
                "world.txt",
                "sub/deep.txt",
                "sub/x/deeper.txt"
            ]))
        );
        assert_eq!(fs("files", "[ab]?.tf"), Ok(set(&["a1.tf", "b2.tf"])));
        assert_eq!(fs("files", "[!a]*.tf"), Ok(set(&["b2.tf"])));
        assert_eq!(
            fs("files", "*"),
            Ok(set(&[
                "a1.tf",
                "b2.tf",
                "hello.txt",
                "other.md",
                "world.txt"
            ]))
        );
        assert_eq!(
            fs("files", "sub"),
            Ok(set(&[])),
            "directories are not files"
        );
        assert_eq!(fs("missing", "*"), Ok(set(&[])));
        let err = fs(".", "files/[a").unwrap_err();
        assert!(
            err.starts_with("Call to function \"fileset\" failed: failed to glob pattern ("),
            "{err}"
        );
        assert!(
            err.ends_with("files/[a): syntax error in pattern."),
            "{err}"
        );
    }
}
