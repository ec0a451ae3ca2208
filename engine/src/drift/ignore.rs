//! The drift ignore file, `.terrane/drift-ignore`: one rule per line, an address pattern
//! and optionally an attribute path pattern, `*` matching any run of characters:
//!
//! ```text
//! # noisy tags set by an external scanner
//! aws_instance.*        tags.LastScanned
//! *                     tags_all.*
//! module.legacy.*
//! ```
//!
//! A rule without an attribute pattern ignores the whole resource.

#[derive(Debug, Clone, Default, PartialEq)]
pub struct IgnoreRules {
    rules: Vec<(String, Option<String>)>,
}

impl IgnoreRules {
    /// Parses the file's text; `Err` names the first bad line.
    ///
    /// # Errors
    /// A line with more than two fields.
    pub fn parse(text: &str) -> Result<IgnoreRules, String> {
        let mut rules = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields.as_slice() {
                [addr] => rules.push(((*addr).to_string(), None)),
                [addr, attr] => rules.push(((*addr).to_string(), Some((*attr).to_string()))),
                _ => return Err(format!("line {}: expected an address pattern and optionally one attribute pattern, found {} fields", n + 1, fields.len())),
            }
        }
        Ok(IgnoreRules { rules })
    }

    /// Whether a resource (`attr` None) or one of its attributes is ignored.
    pub fn ignores(&self, address: &str, attr: Option<&str>) -> bool {
        self.rules.iter().any(|(a, p)| {
            glob(a, address)
                && match (p, attr) {
                    (None, _) => true,
                    (Some(p), Some(attr)) => glob(p, attr),
                    (Some(_), None) => false,
                }
        })
    }
}

/// `*` matches any (possibly empty) run of characters; everything else is literal.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_addresses_and_attributes() {
        let r = IgnoreRules::parse(
            "# comment\naws_instance.* tags.LastScanned\n* tags_all.*\nnull_resource.legacy\n",
        )
        .unwrap();
        assert!(r.ignores("aws_instance.web[0]", Some("tags.LastScanned")));
        assert!(!r.ignores("aws_instance.web[0]", Some("tags.Name")));
        assert!(r.ignores("aws_vpc.main", Some("tags_all.Owner")));
        assert!(r.ignores("null_resource.legacy", None));
        assert!(!r.ignores("aws_vpc.main", None));
    }

    #[test]
    fn bad_lines_are_reported() {
        assert!(IgnoreRules::parse("a b c").unwrap_err().contains("line 1"));
    }
}
