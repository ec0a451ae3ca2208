//! Version constraints as Terraform writes them in `required_version`:
//! `">= 1.3, < 2.0"`, `"~> 1.5"`, `"= 1.9.0"`, `"!= 1.2.0"`, `"1.5.7"`.

/// Whether `version` (like `1.9.0`) satisfies every comma-separated constraint.
///
/// # Errors
/// A message naming the part of the constraint that is not understood.
pub fn satisfies(constraint: &str, version: &str) -> Result<bool, String> {
    let v = parse(version).ok_or_else(|| format!("{version:?} is not a version"))?;
    for part in constraint.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (op, rest) = ["~>", ">=", "<=", "!=", ">", "<", "="]
            .iter()
            .find_map(|op| part.strip_prefix(op).map(|r| (*op, r.trim())))
            .unwrap_or(("=", part));
        let want = parse(rest).ok_or_else(|| format!("invalid version constraint {part:?}"))?;
        let v = v.0;
        let ok = match op {
            "=" => v == want.0,
            "!=" => v != want.0,
            ">" => v > want.0,
            ">=" => v >= want.0,
            "<" => v < want.0,
            "<=" => v <= want.0,
            // ~> 1.5 allows 1.x >= 1.5; ~> 1.5.2 allows 1.5.x >= 1.5.2.
            _ => {
                let (w, given) = want;
                let prefix_len = given.saturating_sub(1).max(1);
                v >= w && v.0[..prefix_len] == w.0[..prefix_len]
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
struct Version([u64; 3]);

/// Parses `1`, `1.2`, `1.2.3` (and ignores a `-pre` suffix), returning how many parts
/// were given (which `~>` needs).
fn parse(s: &str) -> Option<(Version, usize)> {
    let s = s.trim().trim_start_matches('v');
    let core = s.split(['-', '+']).next()?;
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut out = [0u64; 3];
    for (i, p) in parts.iter().enumerate() {
        out[i] = p.parse().ok()?;
    }
    Some((Version(out), parts.len()))
}

#[cfg(test)]
mod tests {
    use super::satisfies;

    #[test]
    fn terraform_constraint_forms() {
        assert_eq!(satisfies(">= 1.3, < 2.0", "1.9.0"), Ok(true));
        assert_eq!(satisfies("~> 1.5", "1.9.0"), Ok(true));
        assert_eq!(satisfies("~> 1.5.0", "1.9.0"), Ok(false));
        assert_eq!(satisfies("~> 1.9.0", "1.9.4"), Ok(true));
        assert_eq!(satisfies("= 1.9.0", "1.9.0"), Ok(true));
        assert_eq!(satisfies("1.5.7", "1.9.0"), Ok(false));
        assert_eq!(satisfies("!= 1.9.0", "1.9.0"), Ok(false));
        assert_eq!(satisfies(">= 1.10", "1.9.0"), Ok(false));
        assert!(satisfies(">= banana", "1.9.0").is_err());
    }
}
