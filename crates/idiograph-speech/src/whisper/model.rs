//! Whisper's transformer (openai-whisper's `model.py`) on candle tensors, built straight from a
//! CTranslate2 `WhisperSpec`'s variables.
//!
//! Written here rather than taken from `candle-transformers` because that model's decoder keeps
//! no cache of its own self-attention (each new token recomputes the whole prefix) and hides the
//! cross-attention weights that word timing needs; its encoder alone would not save much.

use std::collections::HashMap;

use candle_core::{DType, Device, IndexOp, Module, Tensor, D};
use candle_nn::{Conv1d, Conv1dConfig, LayerNorm, Linear};

type Result<T> = std::result::Result<T, String>;

/// The tensors of a CTranslate2 model, taken by name.
struct Variables<'a>(&'a HashMap<String, Tensor>);

impl Variables<'_> {
    fn get(&self, name: &str) -> Result<Tensor> {
        self.0.get(name).cloned().ok_or_else(|| format!("model.bin lacks the variable {name}"))
    }

    fn scalar(&self, name: &str) -> Result<usize> {
        let value = self.get(name)?;
        value
            .to_dtype(DType::I64)
            .and_then(|v| v.to_scalar::<i64>())
            .map(|v| v as usize)
            .map_err(|e| format!("{name}: {e}"))
    }

    fn linear(&self, prefix: &str) -> Result<Linear> {
        let weight = self.get(&format!("{prefix}/weight"))?;
        if weight.dtype() != DType::F32 {
            return Err(format!(
                "{prefix}/weight is quantised to integers, which this reader does not take; convert the model with --quantization float16"
            ));
        }
        Ok(Linear::new(weight, self.0.get(&format!("{prefix}/bias")).cloned()))
    }

    fn layer_norm(&self, prefix: &str) -> Result<LayerNorm> {
        Ok(LayerNorm::new(self.get(&format!("{prefix}/gamma"))?, self.get(&format!("{prefix}/beta"))?, 1e-5))
    }

    fn count_layers(&self, stack: &str) -> usize {
        (0..).take_while(|i| self.0.contains_key(&format!("{stack}/layer_{i}/ffn/linear_0/weight"))).count()
    }
}

/// Multi-head attention, its query, key and value projections as CTranslate2 stores them.
struct Attention {
    /// Self-attention: one projection to query, key and value together; cross-attention: the query.
    query_or_all: Linear,
    /// Cross-attention only: the key and value projections of the audio, together.
    key_value: Option<Linear>,
    out: Linear,
    heads: usize,
}

impl Attention {
    fn split_heads(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let (batch, len, width) = x.dims3()?;
        x.reshape((batch, len, self.heads, width / self.heads))?.transpose(1, 2)?.contiguous()
    }

    /// Attention of `q` over `k`, `v` (already split into heads); also the scaled scores.
    fn attend(
        &self,
        q: &Tensor,
        k: &Tensor,
        v: &Tensor,
        causal_from: Option<usize>,
    ) -> candle_core::Result<(Tensor, Tensor)> {
        let head_width = q.dim(D::Minus1)?;
        let scale = (head_width as f64).powf(-0.5);
        let mut scores = (q.matmul(&k.t()?)? * scale)?;
        if let Some(offset) = causal_from {
            let (q_len, k_len) = (q.dim(2)?, k.dim(2)?);
            if q_len > 1 {
                let mask: Vec<f32> = (0..q_len)
                    .flat_map(|i| (0..k_len).map(move |j| if j > i + offset { f32::NEG_INFINITY } else { 0.0 }))
                    .collect();
                scores = scores.broadcast_add(&Tensor::from_vec(mask, (q_len, k_len), q.device())?)?;
            }
        }
        let weights = candle_nn::ops::softmax_last_dim(&scores)?;
        let out = weights.matmul(v)?.transpose(1, 2)?.flatten_from(2)?;
        Ok((self.out.forward(&out)?, scores))
    }
}

/// A residual block: self-attention, cross-attention (decoder only), feed-forward.
struct Block {
    self_norm: LayerNorm,
    self_attention: Attention,
    cross: Option<(LayerNorm, Attention)>,
    ffn_norm: LayerNorm,
    ffn_in: Linear,
    ffn_out: Linear,
}

impl Block {
    fn load(vars: &Variables, prefix: &str, heads: usize, decoder: bool) -> Result<Self> {
        let attention = |name: &str, cross: bool| -> Result<Attention> {
            Ok(Attention {
                query_or_all: vars.linear(&format!("{prefix}/{name}/linear_0"))?,
                key_value: if cross { Some(vars.linear(&format!("{prefix}/{name}/linear_1"))?) } else { None },
                out: vars.linear(&format!("{prefix}/{name}/linear_{}", if cross { 2 } else { 1 }))?,
                heads,
            })
        };
        Ok(Block {
            self_norm: vars.layer_norm(&format!("{prefix}/self_attention/layer_norm"))?,
            self_attention: attention("self_attention", false)?,
            cross: if decoder {
                Some((vars.layer_norm(&format!("{prefix}/attention/layer_norm"))?, attention("attention", true)?))
            } else {
                None
            },
            ffn_norm: vars.layer_norm(&format!("{prefix}/ffn/layer_norm"))?,
            ffn_in: vars.linear(&format!("{prefix}/ffn/linear_0"))?,
            ffn_out: vars.linear(&format!("{prefix}/ffn/linear_1"))?,
        })
    }

    fn feed_forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let h = self.ffn_out.forward(&self.ffn_in.forward(&self.ffn_norm.forward(x)?)?.gelu_erf()?)?;
        x + h
    }
}

/// The audio encoder's output for one 30-s window, with each decoder layer's projection of it.
pub(crate) struct Audio {
    /// Per decoder layer: keys and values of the audio, split into heads.
    keys_values: Vec<(Tensor, Tensor)>,
}

/// The decoder's self-attention keys and values so far, per layer.
#[derive(Default)]
pub(crate) struct Cache {
    layers: Vec<(Tensor, Tensor)>,
}

impl Cache {
    /// Tokens already seen.
    pub(crate) fn len(&self) -> usize {
        self.layers.first().map_or(0, |(k, _)| k.dim(2).unwrap_or(0))
    }
}

/// A Whisper model: encoder and decoder.
pub(crate) struct Whisper {
    conv1: Conv1d,
    conv2: Conv1d,
    encoder_positions: Tensor,
    encoder: Vec<Block>,
    encoder_norm: LayerNorm,
    embeddings: Tensor,
    decoder_positions: Tensor,
    decoder: Vec<Block>,
    decoder_norm: LayerNorm,
    /// Mel bins the encoder takes.
    pub n_mels: usize,
    /// Tokens the decoder can hold.
    pub text_context: usize,
    /// Decoder heads per layer.
    pub decoder_heads: usize,
}

impl Whisper {
    /// Builds the model from a `WhisperSpec`'s variables.
    pub(crate) fn load(variables: &HashMap<String, Tensor>) -> Result<Self> {
        let vars = Variables(variables);
        let conv = |name: &str, stride: usize| -> Result<Conv1d> {
            let config = Conv1dConfig { padding: 1, stride, dilation: 1, groups: 1, cudnn_fwd_algo: None };
            Ok(Conv1d::new(
                vars.get(&format!("encoder/{name}/weight"))?,
                Some(vars.get(&format!("encoder/{name}/bias"))?),
                config,
            ))
        };
        let conv1 = conv("conv1", 1)?;
        let n_mels = conv1.weight().dim(1).map_err(|e| e.to_string())?;
        let encoder_heads = vars.scalar("encoder/num_heads")?;
        let decoder_heads = vars.scalar("decoder/num_heads")?;
        let encoder = (0..vars.count_layers("encoder"))
            .map(|i| Block::load(&vars, &format!("encoder/layer_{i}"), encoder_heads, false))
            .collect::<Result<Vec<_>>>()?;
        let decoder = (0..vars.count_layers("decoder"))
            .map(|i| Block::load(&vars, &format!("decoder/layer_{i}"), decoder_heads, true))
            .collect::<Result<Vec<_>>>()?;
        if encoder.is_empty() || decoder.is_empty() {
            return Err("model.bin has no encoder or decoder layers".into());
        }
        let decoder_positions = vars.get("decoder/position_encodings/encodings")?;
        Ok(Whisper {
            conv1,
            conv2: conv("conv2", 2)?,
            encoder_positions: vars.get("encoder/position_encodings/encodings")?,
            encoder,
            encoder_norm: vars.layer_norm("encoder/layer_norm")?,
            embeddings: vars.get("decoder/embeddings/weight")?,
            text_context: decoder_positions.dim(0).map_err(|e| e.to_string())?,
            decoder_positions,
            decoder,
            decoder_norm: vars.layer_norm("decoder/layer_norm")?,
            n_mels,
            decoder_heads,
        })
    }

    /// Decoder layers.
    pub(crate) fn decoder_layers(&self) -> usize {
        self.decoder.len()
    }

    /// Encodes one window's log-mel spectrogram (`n_mels` rows of 3000 frames).
    pub(crate) fn encode(&self, mel: Vec<f32>) -> candle_core::Result<Audio> {
        let frames = mel.len() / self.n_mels;
        let x = Tensor::from_vec(mel, (1, self.n_mels, frames), &Device::Cpu)?;
        let x = self.conv1.forward(&x)?.gelu_erf()?;
        let x = self.conv2.forward(&x)?.gelu_erf()?.transpose(1, 2)?;
        let mut x = x.broadcast_add(&self.encoder_positions.narrow(0, 0, x.dim(1)?)?)?;
        for block in &self.encoder {
            let attention = &block.self_attention;
            let qkv = attention.query_or_all.forward(&block.self_norm.forward(&x)?)?;
            let width = qkv.dim(2)? / 3;
            let q = attention.split_heads(&qkv.narrow(2, 0, width)?)?;
            let k = attention.split_heads(&qkv.narrow(2, width, width)?)?;
            let v = attention.split_heads(&qkv.narrow(2, 2 * width, width)?)?;
            x = (x + attention.attend(&q, &k, &v, None)?.0)?;
            x = block.feed_forward(&x)?;
        }
        let audio = self.encoder_norm.forward(&x)?;
        let keys_values = self
            .decoder
            .iter()
            .map(|block| {
                let (_, attention) = block.cross.as_ref().expect("decoder blocks have cross-attention");
                let kv = attention.key_value.as_ref().expect("cross-attention has keys and values").forward(&audio)?;
                let width = kv.dim(2)? / 2;
                Ok((
                    attention.split_heads(&kv.narrow(2, 0, width)?)?,
                    attention.split_heads(&kv.narrow(2, width, width)?)?,
                ))
            })
            .collect::<candle_core::Result<Vec<_>>>()?;
        Ok(Audio { keys_values })
    }

    /// Runs the decoder over `tokens`, following those in `cache` (which it extends), and gives
    /// the logits after the last token; with `heads` (layer, head) also those heads'
    /// cross-attention scores for every token, as `heads × tokens × frames`.
    pub(crate) fn decode(
        &self,
        tokens: &[u32],
        audio: &Audio,
        cache: &mut Cache,
        heads: &[(usize, usize)],
    ) -> candle_core::Result<(Vec<f32>, Option<Tensor>)> {
        let offset = cache.len();
        let ids = Tensor::new(tokens, &Device::Cpu)?;
        let mut x = self
            .embeddings
            .index_select(&ids, 0)?
            .add(&self.decoder_positions.narrow(0, offset, tokens.len())?)?
            .unsqueeze(0)?;
        let mut scores = Vec::new();
        for (layer, block) in self.decoder.iter().enumerate() {
            let attention = &block.self_attention;
            let qkv = attention.query_or_all.forward(&block.self_norm.forward(&x)?)?;
            let width = qkv.dim(2)? / 3;
            let q = attention.split_heads(&qkv.narrow(2, 0, width)?)?;
            let mut k = attention.split_heads(&qkv.narrow(2, width, width)?)?;
            let mut v = attention.split_heads(&qkv.narrow(2, 2 * width, width)?)?;
            if let Some((past_k, past_v)) = cache.layers.get(layer) {
                k = Tensor::cat(&[past_k, &k], 2)?;
                v = Tensor::cat(&[past_v, &v], 2)?;
            }
            x = (x + attention.attend(&q, &k, &v, Some(offset))?.0)?;
            if layer < cache.layers.len() {
                cache.layers[layer] = (k, v);
            } else {
                cache.layers.push((k, v));
            }
            let (norm, cross) = block.cross.as_ref().expect("decoder blocks have cross-attention");
            let q = cross.split_heads(&cross.query_or_all.forward(&norm.forward(&x)?)?)?;
            let (audio_k, audio_v) = &audio.keys_values[layer];
            let (out, layer_scores) = cross.attend(&q, audio_k, audio_v, None)?;
            x = (x + out)?;
            for &(_, head) in heads.iter().filter(|(l, _)| *l == layer) {
                scores.push((heads.iter().position(|&h| h == (layer, head)).unwrap_or(0), layer_scores.i((0, head))?));
            }
            x = block.feed_forward(&x)?;
        }
        let last = self.decoder_norm.forward(&x.i((0, tokens.len() - 1))?.unsqueeze(0)?)?;
        // Embeddings times the column, rather than the row times the transposed embeddings:
        // the 20-M-value matrix is read as stored, never transposed.
        let logits = self.embeddings.matmul(&last.t()?)?.squeeze(1)?.to_vec1::<f32>()?;
        let scores = if heads.is_empty() {
            None
        } else {
            scores.sort_by_key(|(order, _)| *order);
            Some(Tensor::stack(&scores.into_iter().map(|(_, s)| s).collect::<Vec<_>>(), 0)?)
        };
        Ok((logits, scores))
    }
}
