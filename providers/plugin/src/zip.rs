//! Provider packages are zip archives (registry downloads, packed mirrors, the plugin
//! cache's source). This reads the subset they use: stored and deflated entries with
//! their Unix modes, no zip64, no encryption; every entry must stay inside the target.

use std::io::Read as _;
use std::path::{Component, Path};

use crate::install::InstallError;

const END_OF_CENTRAL_DIR: u32 = 0x0605_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const LOCAL_HEADER: u32 = 0x0403_4b50;

/// Unpacks the archive at `zip` into the directory `into` (created if missing).
pub fn extract(zip: &Path, into: &Path) -> Result<(), InstallError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| InstallError::Io(p, e)
    };
    let bad = |why: &str| InstallError::Archive(zip.to_path_buf(), why.to_string());
    let data = std::fs::read(zip).map_err(io(zip))?;
    std::fs::create_dir_all(into).map_err(io(into))?;
    for entry in entries(&data).map_err(&bad)? {
        let rel = Path::new(&entry.name);
        if rel
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(bad(&format!(
                "entry {:?} points outside the package",
                entry.name
            )));
        }
        let path = into.join(rel);
        if entry.name.ends_with('/') {
            std::fs::create_dir_all(&path).map_err(io(&path))?;
            continue;
        }
        let bytes = entry.contents(&data).map_err(&bad)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, &bytes).map_err(io(&path))?;
        if let Some(mode) = entry.mode {
            use std::os::unix::fs::PermissionsExt as _;
            let perms = std::fs::Permissions::from_mode(mode & 0o777);
            std::fs::set_permissions(&path, perms).map_err(io(&path))?;
        }
    }
    Ok(())
}

/// The `h1:` hash of the package inside the archive at `zip` (unpacked into a scratch
/// directory), as a mirror's index lists it.
pub fn unpacked_h1(zip: &Path) -> Result<String, InstallError> {
    let scratch = tempfile::tempdir().map_err(|e| InstallError::Io(zip.to_path_buf(), e))?;
    extract(zip, scratch.path())?;
    crate::install::hash_h1(scratch.path())
}

struct Entry {
    name: String,
    method: u16,
    crc: u32,
    compressed: usize,
    size: usize,
    local_header: usize,
    /// The Unix permission bits, when the archive was made on Unix.
    mode: Option<u32>,
}

fn u16_at(d: &[u8], at: usize) -> Result<u16, &'static str> {
    d.get(at..at + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or("truncated")
}

fn u32_at(d: &[u8], at: usize) -> Result<u32, &'static str> {
    d.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or("truncated")
}

fn usize_at(d: &[u8], at: usize) -> Result<usize, &'static str> {
    usize::try_from(u32_at(d, at)?).map_err(|_| "too large")
}

/// The central directory's entries.
fn entries(d: &[u8]) -> Result<Vec<Entry>, &'static str> {
    // The end record is the last 22 bytes, unless a comment (up to 64 KiB) follows it.
    let end = (0..=d.len().saturating_sub(22))
        .rev()
        .take(65_536 + 1)
        .find(|&i| u32_at(d, i) == Ok(END_OF_CENTRAL_DIR))
        .ok_or("not a zip archive")?;
    let count = usize::from(u16_at(d, end + 10)?);
    let mut at = usize_at(d, end + 16)?;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        if u32_at(d, at)? != CENTRAL_HEADER {
            return Err("broken central directory");
        }
        let made_on_unix = u16_at(d, at + 4)? >> 8 == 3;
        let name_len = usize::from(u16_at(d, at + 28)?);
        let extra_len = usize::from(u16_at(d, at + 30)?);
        let comment_len = usize::from(u16_at(d, at + 32)?);
        let name = d.get(at + 46..at + 46 + name_len).ok_or("truncated")?;
        out.push(Entry {
            name: String::from_utf8_lossy(name).into_owned(),
            method: u16_at(d, at + 10)?,
            crc: u32_at(d, at + 16)?,
            compressed: usize_at(d, at + 20)?,
            size: usize_at(d, at + 24)?,
            local_header: usize_at(d, at + 42)?,
            mode: made_on_unix
                .then(|| u32_at(d, at + 38).map(|a| a >> 16))
                .transpose()?,
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(out)
}

impl Entry {
    fn contents(&self, d: &[u8]) -> Result<Vec<u8>, &'static str> {
        let h = self.local_header;
        if u32_at(d, h)? != LOCAL_HEADER {
            return Err("broken local header");
        }
        let start = h + 30 + usize::from(u16_at(d, h + 26)?) + usize::from(u16_at(d, h + 28)?);
        let raw = d.get(start..start + self.compressed).ok_or("truncated")?;
        let bytes = match self.method {
            0 => raw.to_vec(),
            8 => {
                let mut out = Vec::with_capacity(self.size);
                flate2::read::DeflateDecoder::new(raw)
                    .read_to_end(&mut out)
                    .map_err(|_| "corrupt deflate data")?;
                out
            }
            _ => return Err("unsupported compression method"),
        };
        let mut crc = flate2::Crc::new();
        crc.update(&bytes);
        if bytes.len() != self.size || crc.sum() != self.crc {
            return Err("checksum mismatch");
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-file archive made by Info-ZIP (`zip -X`), stored.
    fn stored_archive() -> Vec<u8> {
        let name = b"terraform-provider-x";
        let body = b"#!/bin/sh\n";
        let mut crc = flate2::Crc::new();
        crc.update(body);
        let mut d = Vec::new();
        let u32le = |v: u32| v.to_le_bytes();
        let u16le = |v: u16| v.to_le_bytes();
        d.extend(u32le(LOCAL_HEADER));
        d.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        d.extend(u32le(crc.sum()));
        d.extend(u32le(10));
        d.extend(u32le(10));
        d.extend(u16le(20));
        d.extend(u16le(0));
        d.extend(name);
        d.extend(body);
        let central = d.len();
        d.extend(u32le(CENTRAL_HEADER));
        d.extend(u16le(0x031e));
        d.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        d.extend(u32le(crc.sum()));
        d.extend(u32le(10));
        d.extend(u32le(10));
        d.extend(u16le(20));
        d.extend([0; 8]);
        d.extend(u32le(0o100_755 << 16));
        d.extend(u32le(0));
        d.extend(name);
        let size = d.len() - central;
        d.extend(u32le(END_OF_CENTRAL_DIR));
        d.extend([0, 0, 0, 0, 1, 0, 1, 0]);
        d.extend(u32le(u32::try_from(size).unwrap()));
        d.extend(u32le(u32::try_from(central).unwrap()));
        d.extend([0, 0]);
        d
    }

    #[test]
    fn unpacks_files_with_their_modes() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("p.zip");
        std::fs::write(&zip, stored_archive()).unwrap();
        extract(&zip, &dir.path().join("out")).unwrap();
        let bin = dir.path().join("out/terraform-provider-x");
        assert_eq!(std::fs::read(&bin).unwrap(), b"#!/bin/sh\n");
        assert_eq!(
            std::fs::metadata(&bin).unwrap().permissions().mode() & 0o777,
            0o755
        );
    }

    #[test]
    fn damaged_archives_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("p.zip");
        let mut d = stored_archive();
        d[52] ^= 1; // a byte of the file's contents
        std::fs::write(&zip, &d).unwrap();
        let err = extract(&zip, &dir.path().join("out")).unwrap_err();
        assert!(err.to_string().ends_with("checksum mismatch"), "{err}");
        std::fs::write(&zip, b"not a zip").unwrap();
        let err = extract(&zip, &dir.path().join("out")).unwrap_err();
        assert!(err.to_string().ends_with("not a zip archive"), "{err}");
    }
}
