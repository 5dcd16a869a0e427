//! Reads a CTranslate2 `model.bin`: the variables (name, shape, type, bytes) of a converted
//! model, here a Whisper model as `ct2-transformers-converter` writes it.
//!
//! The layout, all little-endian, from CTranslate2's `src/models/model.cc` (binary versions 1–6):
//! `u32` version; from version 2 a string (the spec name) and `u32` spec revision; `u32` count of
//! variables, each a string name, `u8` rank, `u32` per dimension, from version 4 a `u8` type
//! (0 f32, 1 i8, 2 i16, 3 i32, 4 f16, 5 bf16) and `u32` byte count (before it a `u8` item size
//! and `u32` item count), then the bytes; from version 3 a `u32` count of aliases, each two
//! strings (alias, variable). A string is a `u16` length counting its closing NUL, then bytes.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};

/// The newest binary version this reader knows.
const NEWEST_VERSION: u32 = 6;

/// The variables of a CTranslate2 model, by name, as f32 tensors (scalars as rank-0 tensors).
pub(crate) struct Ct2Model {
    /// The spec the converter wrote (`WhisperSpec` for Whisper).
    pub spec: String,
    pub variables: HashMap<String, Tensor>,
}

/// Reads `bytes` as a CTranslate2 model; `Err` says what is wrong where.
pub(crate) fn read(bytes: &[u8]) -> Result<Ct2Model, String> {
    let mut reader = Reader { bytes, at: 0 };
    let version = reader.u32()?;
    if !(1..=NEWEST_VERSION).contains(&version) {
        return Err(format!("model.bin has binary version {version}; this reader knows 1 to {NEWEST_VERSION}"));
    }
    let spec = if version >= 2 {
        let spec = reader.string()?;
        reader.u32()?; // the spec's revision
        spec
    } else {
        String::new()
    };
    let count = reader.u32()?;
    let mut variables = HashMap::with_capacity(count as usize);
    for _ in 0..count {
        let name = reader.string()?;
        let rank = reader.u8()?;
        let shape = (0..rank).map(|_| reader.u32().map(|d| d as usize)).collect::<Result<Vec<_>, _>>()?;
        let (dtype, len) = if version >= 4 {
            let dtype = reader.u8()?;
            (dtype, reader.u32()? as usize)
        } else {
            let item = reader.u8()?;
            let items = reader.u32()? as usize;
            // Before version 4 the type is known only by its size: floats, as converters wrote them.
            let dtype = match item {
                4 => 0,
                2 => 4,
                1 => 1,
                other => return Err(format!("variable {name} has items of {other} bytes")),
            };
            (dtype, item as usize * items)
        };
        let data = reader.take(len).map_err(|_| format!("variable {name} is cut short"))?;
        let tensor = tensor(&name, dtype, &shape, data)?;
        variables.insert(name, tensor);
    }
    if version >= 3 {
        for _ in 0..reader.u32()? {
            let alias = reader.string()?;
            let target = reader.string()?;
            let tensor = variables.get(&target).cloned().ok_or_else(|| format!("alias {alias} names no variable"))?;
            variables.insert(alias, tensor);
        }
    }
    Ok(Ct2Model { spec, variables })
}

fn tensor(name: &str, dtype: u8, shape: &[usize], data: &[u8]) -> Result<Tensor, String> {
    let (dtype, size) = match dtype {
        0 => (DType::F32, 4),
        1 => (DType::I64, 1), // widened below; CTranslate2's i8 holds flags and quantised weights
        2 => (DType::I64, 2),
        3 => (DType::I64, 4),
        4 => (DType::F16, 2),
        5 => (DType::BF16, 2),
        other => return Err(format!("variable {name} has unknown type {other}")),
    };
    let count: usize = shape.iter().product();
    if count * size != data.len() {
        return Err(format!("variable {name} has {} bytes for shape {shape:?}", data.len()));
    }
    let error = |e: candle_core::Error| format!("variable {name}: {e}");
    let tensor = match (dtype, size) {
        (DType::I64, _) => {
            let values: Vec<i64> = data
                .chunks_exact(size)
                .map(|c| match size {
                    1 => i64::from(c[0] as i8),
                    2 => i64::from(i16::from_le_bytes([c[0], c[1]])),
                    _ => i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
                })
                .collect();
            Tensor::from_vec(values, shape, &Device::Cpu).map_err(error)?
        }
        _ => Tensor::from_raw_buffer(data, dtype, shape, &Device::Cpu)
            .and_then(|t| t.to_dtype(DType::F32))
            .map_err(error)?,
    };
    Ok(tensor)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&end| end <= self.bytes.len());
        let Some(end) = end else {
            return Err(format!("model.bin ends at byte {} where {n} more were expected", self.bytes.len()));
        };
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Result<String, String> {
        let len = self.u16()? as usize;
        if len == 0 {
            return Err(format!("model.bin has an empty name at byte {}", self.at));
        }
        let bytes = self.take(len)?;
        String::from_utf8(bytes[..len - 1].to_vec())
            .map_err(|_| format!("model.bin has a name that is not UTF-8 at byte {}", self.at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&(s.len() as u16 + 1).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    }

    /// A version-6 file with one f16 matrix, one i8 scalar and an alias, as the converter writes.
    fn sample() -> Vec<u8> {
        let mut out = 6u32.to_le_bytes().to_vec();
        string(&mut out, "WhisperSpec");
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&2u32.to_le_bytes());
        string(&mut out, "a/weight");
        out.push(2);
        out.extend_from_slice(&2u32.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        out.push(4);
        out.extend_from_slice(&4u32.to_le_bytes());
        out.extend_from_slice(&[0x00, 0x3c, 0x00, 0xc0]); // 1.0, -2.0 in f16
        string(&mut out, "a/flag");
        out.push(0);
        out.push(1);
        out.extend_from_slice(&1u32.to_le_bytes());
        out.push(0xff);
        out.extend_from_slice(&1u32.to_le_bytes());
        string(&mut out, "b/weight");
        string(&mut out, "a/weight");
        out
    }

    #[test]
    fn reads_variables_types_and_aliases() {
        let model = read(&sample()).unwrap();
        assert_eq!(model.spec, "WhisperSpec");
        let weight = model.variables["a/weight"].to_vec2::<f32>().unwrap();
        assert_eq!(weight, vec![vec![1.0], vec![-2.0]]);
        assert_eq!(model.variables["a/flag"].to_scalar::<i64>().unwrap(), -1);
        assert_eq!(model.variables["b/weight"].to_vec2::<f32>().unwrap(), weight);
    }

    #[test]
    fn a_cut_file_or_a_future_version_is_refused_with_the_reason() {
        let bytes = sample();
        let error = read(&bytes[..bytes.len() - 30]).err().unwrap();
        assert!(error.contains("cut short") || error.contains("ends at byte"), "{error}");
        let mut future = bytes.clone();
        future[0] = 9;
        assert!(read(&future).err().unwrap().contains("binary version 9"));
        assert!(read(b"\x06\x00").is_err());
    }
}
