//! The checksum recorded for each applied migration.

use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256 of `content` with every CRLF normalised to LF, so that a checkout with
/// Windows line endings does not look modified.
pub fn checksum(content: &str) -> String {
    let normalised = content.replace("\r\n", "\n");
    Sha256::digest(normalised.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::checksum;

    #[test]
    fn is_sha256_hex() {
        assert_eq!(
            checksum("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn crlf_and_lf_agree_but_edits_do_not() {
        let lf = "CREATE TABLE a (x INT);\n\nDROP TABLE b;\n";
        assert_eq!(checksum(lf), checksum(&lf.replace('\n', "\r\n")));
        assert_ne!(checksum(lf), checksum(&lf.replace("INT", "TEXT")));
    }
}
