//! Whisper's tokens as text: the model folder's `vocabulary.txt` (one token a line, the line
//! number its id, GPT-2's byte-level alphabet) decoded to UTF-8.
//!
//! Only decoding is needed (the prompt is special tokens alone), so the `tokenizers` crate, its
//! regex engine and its download features are not; the byte-level alphabet is GPT-2's
//! `bytes_to_unicode`, inverted below.

use std::collections::HashMap;

/// Token ids and their texts.
pub(crate) struct Vocabulary {
    tokens: Vec<String>,
    ids: HashMap<String, u32>,
    bytes: HashMap<char, u8>,
}

impl Vocabulary {
    /// Reads `vocabulary.txt`; `Err` says what is wrong.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let tokens: Vec<String> = text.lines().map(str::to_owned).collect();
        if tokens.len() < 50_000 {
            return Err(format!("vocabulary.txt has {} tokens, too few for Whisper", tokens.len()));
        }
        let ids = tokens.iter().enumerate().map(|(id, token)| (token.clone(), id as u32)).collect();
        Ok(Vocabulary { tokens, ids, bytes: byte_alphabet() })
    }

    /// The number of tokens.
    pub(crate) fn len(&self) -> usize {
        self.tokens.len()
    }

    /// The id of a special token such as `<|endoftext|>`.
    pub(crate) fn id(&self, token: &str) -> Option<u32> {
        self.ids.get(token).copied()
    }

    /// The bytes a text token stands for (special tokens stand for none).
    pub(crate) fn bytes(&self, id: u32) -> Vec<u8> {
        let Some(token) = self.tokens.get(id as usize) else { return Vec::new() };
        if token.starts_with("<|") && token.ends_with("|>") {
            return Vec::new();
        }
        token.chars().filter_map(|c| self.bytes.get(&c).copied()).collect()
    }

    /// The text of a run of tokens (invalid UTF-8 across a cut is replaced).
    pub(crate) fn decode(&self, ids: &[u32]) -> String {
        let bytes: Vec<u8> = ids.iter().flat_map(|&id| self.bytes(id)).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// GPT-2's `bytes_to_unicode`, inverted: printable bytes stand for themselves, the others for
/// the characters from U+0100 on, in byte order.
fn byte_alphabet() -> HashMap<char, u8> {
    let printable = |b: u8| (b'!'..=b'~').contains(&b) || (0xA1..=0xAC).contains(&b) || b >= 0xAE;
    let mut next = 256u32;
    (0..=255u8)
        .map(|b| {
            let c = if printable(b) {
                char::from(b)
            } else {
                next += 1;
                char::from_u32(next - 1).unwrap_or(char::REPLACEMENT_CHARACTER)
            };
            (c, b)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_level_tokens_decode_to_utf8() {
        let mut lines: Vec<String> = (0..50_000).map(|i| format!("t{i}")).collect();
        lines[0] = "ĠHello".into(); // Ġ is the space byte
        lines[1] = "Ċ".into(); // newline
        lines[2] = "Ã©".into(); // é as two bytes
        lines[3] = "<|endoftext|>".into();
        let vocabulary = Vocabulary::parse(&lines.join("\n")).unwrap();
        assert_eq!(vocabulary.decode(&[0, 2, 1, 3]), " Helloé\n");
        assert_eq!(vocabulary.id("<|endoftext|>"), Some(3));
        assert!(Vocabulary::parse("a\nb").is_err());
    }
}
