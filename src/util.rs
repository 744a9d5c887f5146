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

/// An error and its causes, each once, joined by `: `. Every error type of the crate follows one
/// convention: a message says what failed and names the context, never its cause, which is
/// only its `source()` (or the variant is `transparent`); this writes the whole chain.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let text = e.to_string();
        if !text.is_empty() {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = e.source();
    }
    out
}

/// `n` random bytes from the operating system, as lower-case hex.
pub fn random_hex(n: usize) -> io::Result<String> {
    use std::io::Read;
    let mut bytes = vec![0; n];
    fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The time as an `xsd:dateTime` in UTC with milliseconds (`2026-12-01T10:03:30.123Z`).
pub fn utc_datetime(t: std::time::SystemTime) -> String {
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil_from_days(i64::try_from(days).unwrap_or(0));
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60,
        d.subsec_millis()
    )
}

/// Year, month, day of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod time_tests {
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn utc_datetime_matches_known_instants() {
        assert_eq!(super::utc_datetime(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // 2024-02-29T12:34:56.789Z (a leap day)
        let t = UNIX_EPOCH + Duration::from_millis(1_709_210_096_789);
        assert_eq!(super::utc_datetime(t), "2024-02-29T12:34:56.789Z");
        // 2000-03-01T00:00:00Z
        let t = UNIX_EPOCH + Duration::from_secs(951_868_800);
        assert_eq!(super::utc_datetime(t), "2000-03-01T00:00:00.000Z");
    }

    #[test]
    fn random_hex_is_random() {
        let a = super::random_hex(16).unwrap();
        let b = super::random_hex(16).unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
