//! Small helpers shared by the loaders: slugs, IRI segments and files written whole or not at all.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Lower-case ASCII slug: letters and digits kept, every other run of characters one `-`.
///
/// `"ESCO - LV NOC v.2"` gives `esco-lv-noc-v-2`; `"O*NET"` gives `onet` (a `*`, `'` or `’`
/// inside a word does not split it).
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c.to_ascii_lowercase());
        } else if matches!(c, '*' | '\'' | '’') {
            // joins, as in O*NET
        } else {
            pending_dash = true;
        }
    }
    out
}

/// Percent-encodes what may not stand in one IRI path segment (RFC 3987 `ipchar`, less `/`).
pub fn iri_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for c in id.trim().chars() {
        let keep = c.is_alphanumeric() && !c.is_ascii_control()
            || matches!(
                c,
                '-' | '.'
                    | '_'
                    | '~'
                    | '!'
                    | '$'
                    | '&'
                    | '('
                    | ')'
                    | '+'
                    | ','
                    | ';'
                    | '='
                    | ':'
                    | '@'
            );
        if keep {
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// Writes a file through a sibling temporary file and a rename, so readers see the old file or
/// the whole new one, never a part.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut io::BufWriter<fs::File>) -> io::Result<()>,
) -> io::Result<()> {
    let tmp = sibling(path, "tmp");
    let result = (|| {
        let mut out = io::BufWriter::new(fs::File::create(&tmp)?);
        write(&mut out)?;
        out.flush()?;
        out.get_ref().sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// `dir/.name.TAG-PID`: a hidden sibling of `path` for staging work.
pub fn sibling(path: &Path, tag: &str) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "store".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("ESCO - LV NOC v.2"), "esco-lv-noc-v-2");
        assert_eq!(slugify("ESCO-O*NET Crosswalk"), "esco-onet-crosswalk");
        assert_eq!(slugify("  CO-SISPE 2011 "), "co-sispe-2011");
        assert_eq!(
            slugify("Profesiju klasifikators (LV)"),
            "profesiju-klasifikators-lv"
        );
        assert_eq!(slugify("***"), "");
    }

    #[test]
    fn segments() {
        assert_eq!(iri_segment("11-1011.00"), "11-1011.00");
        assert_eq!(iri_segment("a b/c"), "a%20b%2Fc");
        assert_eq!(iri_segment("ä#?"), "ä%23%3F");
    }

    #[test]
    fn atomic_write_keeps_old_file_on_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.txt");
        write_atomically(&path, |w| w.write_all(b"old")).unwrap();
        let err = write_atomically(&path, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("boom"))
        });
        assert!(err.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
