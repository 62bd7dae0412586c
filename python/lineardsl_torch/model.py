"""The LinearDsl causal language model in plain PyTorch. Module names equal the checkpoint keys LinearDsl writes
(Hugging Face LLaMA layout: model.embed_tokens, model.layers.N.self_attn.q_proj/k_proj/v_proj/o_proj and
.mixer.*, input_layernorm, post_attention_layernorm, mlp.*, model.norm, lm_head), so `state_dict()` is the file."""

import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import safetensors_io
from .config import ModelConfig
from .mixers import create_mixer

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"


class RmsNorm(nn.Module):
    def __init__(self, width, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(width))

    def forward(self, x):
        dtype = x.dtype
        wide = x.float() if dtype in (torch.float16, torch.bfloat16) else x
        normed = wide * (wide.square().mean(-1, keepdim=True) + self.eps).rsqrt()
        return normed.to(dtype) * self.weight


class LayerNorm(nn.Module):
    def __init__(self, width, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(width))
        self.bias = nn.Parameter(torch.zeros(width))

    def forward(self, x):
        return F.layer_norm(x, (x.shape[-1],), self.weight, self.bias, self.eps)


def create_norm(config):
    cls = RmsNorm if config.norm == "rms_norm" else LayerNorm
    return cls(config.width, config.norm_eps)


class SwiGluMlp(nn.Module):
    def __init__(self, width, hidden):
        super().__init__()
        self.gate_proj = nn.Linear(width, hidden, bias=False)
        self.up_proj = nn.Linear(width, hidden, bias=False)
        self.down_proj = nn.Linear(hidden, width, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class GeluMlp(nn.Module):
    """GPT-2's MLP with the tanh GELU (stored as [out, in] linear weights, unlike GPT-2's Conv1D)."""

    def __init__(self, width, hidden):
        super().__init__()
        self.c_fc = nn.Linear(width, hidden)
        self.c_proj = nn.Linear(hidden, width)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Rotary:
    """Rotary embedding, rotate-half layout; angles in float64 and then cast, as LinearDsl computes them."""

    def __init__(self, head_dim, theta):
        self.head_dim = head_dim
        self.inverse = torch.tensor([theta ** (-2.0 * i / head_dim) for i in range(head_dim // 2)], dtype=torch.float64)

    def rotate(self, x, start):
        t = x.shape[-2]
        angles = torch.arange(start, start + t, dtype=torch.float64).unsqueeze(1) * self.inverse
        cos = torch.cat([angles.cos(), angles.cos()], 1).to(x.dtype).to(x.device)
        sin = torch.cat([angles.sin(), angles.sin()], 1).to(x.dtype).to(x.device)
        half = self.head_dim // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], -1)
        return x * cos + rotated * sin


class Attention(nn.Module):
    def __init__(self, config, spec):
        super().__init__()
        d = config.width // spec.heads
        self.heads, self.kv_heads, self.head_dim = spec.heads, spec.kv_heads, d
        bias = config.attention_bias
        self.q_proj = nn.Linear(config.width, spec.heads * d, bias=bias)
        self.k_proj = nn.Linear(config.width, spec.kv_heads * d, bias=bias)
        self.v_proj = nn.Linear(config.width, spec.kv_heads * d, bias=bias)
        self.o_proj = nn.Linear(spec.heads * d, config.width, bias=bias)
        self.mixer = create_mixer(spec, config.width)
        self.rotary = Rotary(d, config.rope_theta) if config.positions == "rotary" else None

    def _project(self, x, start):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        if self.rotary is not None:
            q, k = self.rotary.rotate(q, start), self.rotary.rotate(k, start)
        return q, k, v

    def _output(self, mixed):
        b, _, t, _ = mixed.shape
        return self.o_proj(mixed.transpose(1, 2).reshape(b, t, self.heads * self.head_dim))

    def forward(self, x):
        return self._output(self.mixer(*self._project(x, 0)))

    def step(self, x, state, position):
        return self._output(self.mixer.step(*self._project(x, position), state))


class DecoderBlock(nn.Module):
    """Pre-norm residual block: h = x + self_attn(input_layernorm(x)); out = h + mlp(post_attention_layernorm(h))."""

    def __init__(self, config, spec):
        super().__init__()
        self.input_layernorm = create_norm(config)
        self.self_attn = Attention(config, spec)
        self.post_attention_layernorm = create_norm(config)
        self.mlp = SwiGluMlp(config.width, config.mlp_hidden) if config.mlp == "swiglu" else GeluMlp(config.width, config.mlp_hidden)

    def forward(self, x):
        h = x + self.self_attn(self.input_layernorm(x))
        return h + self.mlp(self.post_attention_layernorm(h))

    def step(self, x, state, position):
        h = x + self.self_attn.step(self.input_layernorm(x), state, position)
        return h + self.mlp(self.post_attention_layernorm(h))


class DecoderStack(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embed_tokens = nn.Embedding(config.vocab_size, config.width)
        if config.positions == "learned":
            self.embed_positions = nn.Embedding(config.context_length, config.width)
        self.layers = nn.ModuleList(DecoderBlock(config, config.mixer_for(i)) for i in range(config.layers))
        self.norm = create_norm(config)


class LinearDslForCausalLM(nn.Module):
    """`forward(tokens)` is the parallel form (logits [batch, time, vocab]); `new_state` + `step` the recurrent one."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.model = DecoderStack(config)
        if not config.tie_embeddings:
            self.lm_head = nn.Linear(config.width, config.vocab_size, bias=False)

    def _embed(self, tokens, start):
        x = self.model.embed_tokens(tokens)
        if self.config.positions == "learned":
            t = tokens.shape[1]
            if start + t > self.config.context_length:
                raise ValueError(f"positions {start}..{start + t - 1} exceed the learned table of {self.config.context_length}")
            x = x + self.model.embed_positions(torch.arange(start, start + t, device=tokens.device))
        return x

    def _logits(self, x):
        x = self.model.norm(x)
        weight = self.model.embed_tokens.weight if self.config.tie_embeddings else self.lm_head.weight
        return F.linear(x, weight)

    def forward(self, tokens):
        x = self._embed(tokens, 0)
        for layer in self.model.layers:
            x = layer(x)
        return self._logits(x)

    @property
    def causal(self):
        """False when a layer reads later tokens (a non-causal setting); such a model has only its parallel form."""
        for layer in range(self.config.layers):
            spec = self.config.mixer_for(layer)
            if spec.bidirectional or (spec.augmented is not None and not spec.augmented.causal):
                return False
        return True

    def new_state(self, batch):
        p = self.model.embed_tokens.weight
        return {"position": 0, "layers": [layer.self_attn.mixer.new_state(batch, p.dtype, p.device) for layer in self.model.layers]}

    @torch.no_grad()
    def step(self, tokens, state):
        """One token per row, [batch, 1]; advances the state and returns logits [batch, 1, vocab]."""
        position = state["position"]
        x = self._embed(tokens, position)
        for layer, layer_state in zip(self.model.layers, state["layers"]):
            x = layer.step(x, layer_state, position)
        state["position"] = position + 1
        return self._logits(x)

    def init_weights(self, seed=0):
        """LinearDsl's initialisation: N(0, initializer_range) embeddings and linear weights, zero biases; norms at
        one and mixer parameters at their initial values (alpha_init, zero conv) as constructed."""
        generator = torch.Generator().manual_seed(seed)
        std = self.config.initializer_range
        with torch.no_grad():
            for module in self.modules():
                if isinstance(module, (nn.Embedding, nn.Linear)):
                    module.weight.copy_(torch.randn(module.weight.shape, generator=generator, dtype=torch.float64) * std)
                    if getattr(module, "bias", None) is not None:
                        module.bias.zero_()
        return self


def load(directory, dtype=None, device=None):
    """Loads a LinearDsl checkpoint directory (config.json + model.safetensors). The dtype defaults to the stored one."""
    config = ModelConfig.read(os.path.join(directory, CONFIG_FILE))
    tensors = safetensors_io.load(os.path.join(directory, WEIGHTS_FILE))
    # Medusa heads (config.json medusa_heads, keys medusa.*) are not run here; they are kept and written back by save.
    heads = {k: tensors.pop(k) for k in [k for k in tensors if k.startswith("medusa.")]}
    model = LinearDslForCausalLM(config)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    misshaped = sorted(k for k in expected if k in tensors and tuple(tensors[k].shape) != tuple(expected[k].shape))
    if missing or unexpected or misshaped:
        raise ValueError(f"{directory}: the weights do not fit config.json: missing {missing}, unexpected {unexpected}, mis-shaped {misshaped}")
    stored = next(iter(tensors.values())).dtype
    model.to(dtype or stored)
    model.load_state_dict({k: v.to(dtype or stored) for k, v in tensors.items()})
    if device is not None:
        model.to(device)
    model.medusa_tensors = heads
    return model


def save(model, directory, dtype=None):
    """Writes config.json and model.safetensors (every tensor in `dtype`, default the parameters') for LinearDsl."""
    os.makedirs(directory, exist_ok=True)
    state = model.state_dict()
    state = {**state, **getattr(model, "medusa_tensors", {})}
    tensors = {k: (v.to(dtype) if dtype is not None else v) for k, v in state.items()}
    weights = os.path.join(directory, WEIGHTS_FILE)
    safetensors_io.save(tensors, weights + ".tmp")
    os.replace(weights + ".tmp", weights)
    config_path = os.path.join(directory, CONFIG_FILE)
    with open(config_path + ".tmp", "w", encoding="utf-8") as f:
        f.write(model.config.to_json())
    os.replace(config_path + ".tmp", config_path)
