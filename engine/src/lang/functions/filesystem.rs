//! Filesystem functions. Relative paths resolve against the context's base directory,
//! except `abspath`, which (like Terraform) uses the process's working directory.

use std::path::{Path, PathBuf};

use super::args::{arg_str, string};
use super::crypto::{b64, digest, hex, Alg};
use super::{Fail, FuncContext};
use crate::lang::value::Value;

type Args<'a> = &'a [Value];
type Ctx<'a, 'b> = &'a FuncContext<'b>;

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
}

/// Expands a leading `~`, as Terraform's file functions do.
fn expand_home(path: &str) -> Result<String, String> {
    let Some(rest) = path.strip_prefix('~') else {
        return Ok(path.to_string());
    };
    if !(rest.is_empty() || rest.starts_with('/') || rest.starts_with('\\')) {
        return Err("cannot expand user-specific home dir".into());
    }
    let home = home_dir().ok_or("failed to expand ~: cannot find the home directory")?;
    Ok(format!("{}{rest}", home.display()))
}

pub(super) fn resolve(ctx: Ctx, path: &str) -> Result<PathBuf, Fail> {
    let expanded = expand_home(path).map_err(|e| Fail::Msg(format!("failed to expand ~: {e}")))?;
    let p = Path::new(&expanded);
    Ok(if p.is_absolute() {
        p.to_path_buf()
    } else {
        ctx.base_dir.join(p)
    })
}

fn read_bytes(args: Args, ctx: Ctx) -> Result<(String, Vec<u8>), Fail> {
    let path = arg_str(args, 0)?;
    let full = resolve(ctx, &path)?;
    match std::fs::read(&full) {
        Ok(bytes) => Ok((path, bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Fail::Arg(
            0,
            format!(
                "no file exists at {path}; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource"
            ),
        )),
        Err(e) => Err(Fail::Arg(0, format!("failed to read file: {e}"))),
    }
}

fn read_text(args: Args, ctx: Ctx) -> Result<String, Fail> {
    let (path, bytes) = read_bytes(args, ctx)?;
    String::from_utf8(bytes).map_err(|_| {
        Fail::Msg(format!(
            "contents of {path} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead"
        ))
    })
}

pub(super) fn file(args: Args, ctx: Ctx) -> Result<Value, Fail> {
    read_text(args, ctx).map(string)
}

pub(super) fn filebase64(args: Args, ctx: Ctx) -> Result<Value, Fail> {
    Ok(string(b64(&read_bytes(args, ctx)?.1)))
}

fn file_hex(args: Args, ctx: Ctx, alg: Alg) -> Result<Value, Fail> {
    Ok(string(hex(&digest(alg, &read_bytes(args, ctx)?.1))))
}

fn file_b64(args: Args, ctx: Ctx, alg: Alg) -> Result<Value, Fail> {
    Ok(string(b64(&digest(alg, &read_bytes(args, ctx)?.1))))
}

pub(super) fn filemd5(args: Args, ctx: Ctx) -> Result<Value, Fail> {
    file_hex(args, ctx, Alg::Md5)
}

pub(super) fn filesha1(args: Args, ctx: Ctx) -> Result<Value, Fail> {
    file_hex(args, ctx, Alg::Sha1)
}

pub(super) fn filesha256(args: Args, ctx: Ctx) -> Result<Value, Fail> {
    file_hex(args, ctx, Alg::Sha256)
}

pub(super) fn filesha512(args: Args, ctx: Ctx) -> Result<Value, Fail> {
    file_hex(args, ctx, Alg::Sha512)
}

pub(super) fn filebase64sha256(args: Args, ctx: Ctx) -> Result<Value, Fail> {
    file_b64(args, ctx, Alg::Sha256)
}

pub(super) fn filebase64sha512(args: Args, ctx: Ctx) -> Result<Value, Fail> {
    file_b64(args, ctx, Alg::Sha512)
}

pub(super) fn fileexists(args: Args, ctx: Ctx) -> Result<Value, Fail> {
    let path = arg_str(args, 0)?;
    let full = resolve(ctx, &path)?;
    match std::fs::metadata(&full) {
        Ok(m) if m.is_file() => Ok(Value::Bool(true)),
        Ok(m) if m.is_dir() => Err(Fail::Arg(0, format!("{path} is a directory, not a file"))),
        Ok(_) => Err(Fail::Arg(0, format!("{path} is not a regular file"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Bool(false)),
        Err(_) => Err(Fail::Msg(format!("failed to stat {path}"))),
    }
}

pub(super) fn templatefile(args: Args, ctx: Ctx) -> Result<Value, Fail> {
    let text = read_text(args, ctx)?;
    render(&text, args, ctx)
}

/// `templatestring(template, vars)`: renders a template held in a string (usually read
/// from a data source or a local) with only `vars` in scope, as `templatefile` does.
pub(super) fn templatestring(args: Args, ctx: Ctx) -> Result<Value, Fail> {
    let text = arg_str(args, 0)?;
    render(&text, args, ctx)
}

fn render(text: &str, args: Args, ctx: Ctx) -> Result<Value, Fail> {
    let vars = &args[1];
    if vars.as_map().is_none() {
        return Err(Fail::Arg(1, "must be a map or object".into()));
    }
    (ctx.render_template)(text, vars).map_err(Fail::Msg)
}

/// Go's `filepath.Clean`: lexical normalisation without touching the filesystem.
fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

pub(super) fn abspath(args: Args, _: Ctx) -> Result<Value, Fail> {
    let path = arg_str(args, 0)?;
    if path.starts_with('/') {
        return Ok(string(clean(&path)));
    }
    let cwd = std::env::current_dir().map_err(|e| Fail::Msg(e.to_string()))?;
    Ok(string(clean(&format!("{}/{path}", cwd.display()))))
}

pub(super) fn basename(args: Args, _: Ctx) -> Result<Value, Fail> {
    let path = arg_str(args, 0)?;
    if path.is_empty() {
        return Ok(string("."));
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(string("/"));
    }
    Ok(string(trimmed.rsplit('/').next().unwrap_or(trimmed)))
}

pub(super) fn dirname(args: Args, _: Ctx) -> Result<Value, Fail> {
    let path = arg_str(args, 0)?;
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    Ok(string(clean(dir)))
}

pub(super) fn pathexpand(args: Args, _: Ctx) -> Result<Value, Fail> {
    let path = arg_str(args, 0)?;
    expand_home(&path).map(string).map_err(Fail::Msg)
}

#[cfg(test)]
mod tests {
    use super::super::call;
    use super::super::testutil::{b, call_ok, ctx_in, n, obj, s};
    use crate::lang::value::Value;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("terrane-funcs-{name}-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        dir
    }

    fn call_in(dir: &std::path::Path, name: &str, args: Vec<Value>) -> Result<Value, String> {
        let c = ctx_in(dir.to_path_buf());
        call(name, args, &c.ctx()).map_err(|e| e.to_string())
    }

    #[test]
    fn file_examples() {
        let dir = scratch("file");
        std::fs::write(dir.join("hello.txt"), "Hello World").ok();
        assert_eq!(
            call_in(&dir, "file", vec![s("hello.txt")]),
            Ok(s("Hello World"))
        );
        assert_eq!(
            call_in(&dir, "filebase64", vec![s("hello.txt")]),
            Ok(s("SGVsbG8gV29ybGQ="))
        );
        assert_eq!(
            call_in(&dir, "filemd5", vec![s("hello.txt")]),
            Ok(s("b10a8db164e0754105b7a99be72e3fe5"))
        );
        let missing = call_in(&dir, "file", vec![s("nope.txt")]).unwrap_err();
        assert!(missing
            .starts_with("Invalid value for \"path\" parameter: no file exists at nope.txt;"));
        std::fs::write(dir.join("bin"), [0xff_u8, 0xfe]).ok();
        assert!(call_in(&dir, "file", vec![s("bin")])
            .unwrap_err()
            .contains("not valid UTF-8"));
    }

    #[test]
    fn file_hash_functions() {
        let dir = scratch("hash");
        std::fs::write(dir.join("hello.txt"), "Hello World").ok();
        let h = |name: &str| call_in(&dir, name, vec![s("hello.txt")]);
        assert_eq!(
            h("filesha1"),
            Ok(s("0a4d55a8d778e5022fab701977c5d840bbc486d0"))
        );
        assert_eq!(
            h("filesha256"),
            Ok(s(
                "a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e"
            ))
        );
        assert_eq!(
            h("filesha512"),
            Ok(s("2c74fd17edafd80e8447b0d46741ee243b7eb74dd2149a0ab1b9246fb30382f27e853d8585719e0e67cbda0daa8f51671064615d645ae27acb15bfb1447f459b"))
        );
        assert_eq!(
            h("filebase64sha256"),
            Ok(s("pZGm1Av0IEBKARczz7exkNYsZb8LzaMrV7J32a2fFG4="))
        );
        assert_eq!(
            h("filebase64sha512"),
            Ok(s("LHT9F+2v2A6ER7DUZ0HuJDt+t03SFJoKsbkkb7MDgvJ+hT2FhXGeDmfL2g2qj1FnEGRhXWRa4nrLFb+xRH9Fmw=="))
        );
    }

    #[test]
    fn fileexists_examples() {
        let dir = scratch("exists");
        std::fs::write(dir.join("hello.txt"), "Hello World").ok();
        assert_eq!(
            call_in(&dir, "fileexists", vec![s("hello.txt")]),
            Ok(b(true))
        );
        assert_eq!(
            call_in(&dir, "fileexists", vec![s("other.txt")]),
            Ok(b(false))
        );
        assert!(call_in(&dir, "fileexists", vec![s(".")])
            .unwrap_err()
            .contains("is a directory"));
    }

    #[test]
    fn templatefile_delegates_rendering() {
        let dir = scratch("tpl");
        std::fs::write(dir.join("t.tftpl"), "hello ${name}").ok();
        assert_eq!(
            call_in(
                &dir,
                "templatefile",
                vec![s("t.tftpl"), obj(&[("name", s("world"))])]
            ),
            Ok(s("hello world"))
        );
        assert!(call_in(&dir, "templatefile", vec![s("t.tftpl"), n(1.0)]).is_err());
    }

    #[test]
    fn templatestring_delegates_rendering() {
        assert_eq!(
            call_ok(
                "templatestring",
                vec![s("hello ${name}"), obj(&[("name", s("world"))])]
            ),
            s("hello world")
        );
        let c = ctx_in(std::env::temp_dir());
        assert_eq!(
            call("templatestring", vec![s("x"), n(1.0)], &c.ctx()).map_err(|e| e.to_string()),
            Err("Invalid value for \"vars\" parameter: must be a map or object.".to_string())
        );
    }

    #[test]
    fn path_examples() {
        assert_eq!(
            call_ok("basename", vec![s("foo/bar/baz.txt")]),
            s("baz.txt")
        );
        assert_eq!(call_ok("basename", vec![s("/foo/bar/")]), s("bar"));
        assert_eq!(call_ok("basename", vec![s("")]), s("."));
        assert_eq!(call_ok("dirname", vec![s("foo/bar/baz.txt")]), s("foo/bar"));
        assert_eq!(call_ok("dirname", vec![s("baz.txt")]), s("."));
        assert_eq!(call_ok("dirname", vec![s("/baz.txt")]), s("/"));
        assert_eq!(call_ok("abspath", vec![s("/a/./b/../c")]), s("/a/c"));
        let rel = call_ok("abspath", vec![s("x")]);
        assert!(rel
            .as_str()
            .is_some_and(|p| p.starts_with('/') && p.ends_with("/x")));
        assert_eq!(
            call_ok("pathexpand", vec![s("/etc/resolv.conf")]),
            s("/etc/resolv.conf")
        );
        let home = call_ok("pathexpand", vec![s("~/.ssh/id_rsa")]);
        assert!(home
            .as_str()
            .is_some_and(|p| !p.starts_with('~') && p.ends_with("/.ssh/id_rsa")));
    }
}
