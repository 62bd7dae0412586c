"""Loads a Hugging Face LLaMA or GPT-2 folder (config.json + model.safetensors, as `lineardsl export-hf` writes it)
into the equivalent softmax LinearDslForCausalLM, so that an export can be checked without the transformers library."""

import json
import os
import re

import torch

from . import safetensors_io
from .config import ModelConfig
from .model import LinearDslForCausalLM


def _config(hf):
    kind = hf.get("model_type")
    if kind == "llama":
        heads = hf["num_attention_heads"]
        return {
            "format_version": 1, "vocab_size": hf["vocab_size"], "width": hf["hidden_size"], "layers": hf["num_hidden_layers"],
            "context_length": hf.get("max_position_embeddings", 2048), "norm": "rms_norm", "norm_eps": hf.get("rms_norm_eps", 1e-6),
            "positions": "rotary", "rope_theta": hf.get("rope_theta", 10000.0), "mlp": "swiglu", "mlp_hidden": hf["intermediate_size"],
            "mixer": {"kind": "softmax", "heads": heads, "kv_heads": hf.get("num_key_value_heads", heads)},
            "layer_mixers": {}, "attention_bias": hf.get("attention_bias", False),
            "tie_embeddings": hf.get("tie_word_embeddings", False), "initializer_range": hf.get("initializer_range", 0.02),
        }
    if kind == "gpt2":
        width = hf["n_embd"]
        return {
            "format_version": 1, "vocab_size": hf["vocab_size"], "width": width, "layers": hf["n_layer"],
            "context_length": hf["n_positions"], "norm": "layer_norm", "norm_eps": hf.get("layer_norm_epsilon", 1e-5),
            "positions": "learned", "rope_theta": 10000, "mlp": "gelu", "mlp_hidden": hf.get("n_inner") or 4 * width,
            "mixer": {"kind": "softmax", "heads": hf["n_head"], "kv_heads": hf["n_head"]},
            "layer_mixers": {}, "attention_bias": True,
            "tie_embeddings": hf.get("tie_word_embeddings", True), "initializer_range": hf.get("initializer_range", 0.02),
        }
    raise ValueError(f"model_type '{kind}' is not supported; supported are 'llama' and 'gpt2'")


def _gpt2_tensors(stored, config):
    out = {}
    prefix = "transformer." if any(k.startswith("transformer.") for k in stored) else ""
    names = {"wte.weight": "model.embed_tokens.weight", "wpe.weight": "model.embed_positions.weight",
             "ln_f.weight": "model.norm.weight", "ln_f.bias": "model.norm.bias"}
    parts = {"ln_1": "input_layernorm", "ln_2": "post_attention_layernorm", "attn.c_proj": "self_attn.o_proj",
             "mlp.c_fc": "mlp.c_fc", "mlp.c_proj": "mlp.c_proj"}
    for key, tensor in stored.items():
        if key == "lm_head.weight":
            if not config.tie_embeddings:
                out[key] = tensor
            continue
        name = key[len(prefix):] if key.startswith(prefix) else key
        if name in names:
            out[names[name]] = tensor
            continue
        m = re.fullmatch(r"h\.(\d+)\.(.+)\.(weight|bias)", name)
        if not m:
            raise ValueError(f"tensor '{key}' has no place in a GPT-2 model")
        layer, part, kind = m.groups()
        base = f"model.layers.{layer}."
        conv1d = kind == "weight" and not part.startswith("ln_")
        value = tensor.t() if conv1d else tensor  # GPT-2's Conv1D stores [in, out]
        if part == "attn.c_attn":
            for proj, chunk in zip(("q_proj", "k_proj", "v_proj"), value.chunk(3, dim=0)):
                out[f"{base}self_attn.{proj}.{kind}"] = chunk.contiguous()
        elif part in parts:
            out[f"{base}{parts[part]}.{kind}"] = value.contiguous()
        else:
            raise ValueError(f"tensor '{key}' has no place in a GPT-2 model")
    return out


def _buffer(key):
    """Buffers that older exports carry and that hold no weights: rotary inv_freq, GPT-2's causal-mask attn.bias."""
    return re.search(r"(\.rotary_emb\.inv_freq|\.attn\.bias|\.attn\.masked_bias)$", key) is not None


def load(folder, dtype=None):
    with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
        hf = json.load(f)
    config = ModelConfig(_config(hf))
    stored = {k: v for k, v in safetensors_io.load(os.path.join(folder, "model.safetensors")).items() if not _buffer(k)}
    if hf["model_type"] == "gpt2":
        tensors = _gpt2_tensors(stored, config)
    else:
        tensors = {k: v for k, v in stored.items() if not (config.tie_embeddings and k == "lm_head.weight")}
    model = LinearDslForCausalLM(config)
    kind = dtype or next(iter(tensors.values())).dtype
    model.to(kind)
    model.load_state_dict({k: v.to(kind) for k, v in tensors.items()}, strict=True)
    return model
