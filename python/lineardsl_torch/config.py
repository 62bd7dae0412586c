"""The LinearDsl config.json (format_version 2, and 1 as older checkpoints wrote it) as plain Python objects. The dict read from the file is kept as it
is, so that saving writes back exactly the keys LinearDsl reads (it rejects unknown keys)."""

import json
from dataclasses import dataclass
from typing import Optional

FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)


def _name(value):
    """Enum names as LinearDsl writes them (snake_case), compared without underscores: "elu_plus_one", "t2r"."""
    return str(value).replace("_", "").lower()


@dataclass(frozen=True)
class AugmentedOptions:
    group_size: int = 64
    local: bool = True
    global_: bool = True
    conv: bool = True
    conv_taps: int = 32
    alpha_init: float = 0.0
    feature_eps: float = 1e-6
    conv_padding: str = "causal"
    causal_local: bool = True
    inclusive_global_prefix: bool = False
    gate: str = "none"  # "gla": the global state decays by GLA gates computed from the key
    gate_temperature: float = 16.0

    @property
    def gated(self):
        return self.global_ and _name(self.gate) == "gla"

    @property
    def conv_shift(self):
        """How many steps a non-causal padding moves the conv window into the future (0 for causal)."""
        padding = _name(self.conv_padding)
        if padding == "centered":
            return (self.conv_taps - 1) // 2
        if padding == "right":
            return self.conv_taps - 1
        return 0

    @property
    def causal(self):
        return not ((self.conv and self.conv_taps > 1 and self.conv_shift != 0)
                    or (self.local and self.group_size > 1 and not self.causal_local)
                    or (self.global_ and self.inclusive_global_prefix))


@dataclass(frozen=True)
class LinearOptions:
    feature_map: str = "elu_plus_one"
    feature_dim: Optional[int] = None
    seed: int = 0
    denominator: bool = True
    denominator_eps: float = 1e-6
    chunk_size: int = 64


@dataclass(frozen=True)
class GatedOptions:
    """Settings of the gated recurrences (retnet, gla, mamba2) and of deltanet; deltanet has no output norm and
    no gate temperature, and uses norm_eps for its L2 normalisation of q and k."""
    chunk_size: int = 64
    output_norm: bool = True
    norm_eps: float = 1e-6
    gate_temperature: float = 16.0


GATED_KINDS = ("retnet", "gla", "mamba2", "deltanet")
KNOWN_KINDS = "augmented_linear, linear, softmax, " + ", ".join(GATED_KINDS)


@dataclass(frozen=True)
class MixerSpec:
    kind: str  # "augmented_linear", "linear", "softmax", "retnet", "gla", "mamba2" or "deltanet"
    heads: int
    kv_heads: int
    augmented: Optional[AugmentedOptions] = None
    linear: Optional[LinearOptions] = None
    bidirectional: bool = False
    gated: Optional[GatedOptions] = None  # retnet, gla, mamba2 and deltanet

    @staticmethod
    def from_dict(d):
        # Format 2 nests the kind and its settings under "options"; format 1 put the kind beside the heads and the
        # settings under "augmented" / "linear" (and "bidirectional" beside them). The setting keys are the same.
        if "options" in d:
            options = dict(d["options"])
            kind = options.pop("kind")
            d = {"heads": d["heads"], "kv_heads": d["kv_heads"], "kind": kind,
                 "bidirectional": options.pop("bidirectional", False) if kind == "softmax" else False,
                 "augmented": options if kind == "augmented_linear" else None,
                 "linear": options if kind == "linear" else None,
                 "gated": options if kind in GATED_KINDS else None}
        elif d["kind"] in GATED_KINDS:
            raise ValueError(f"mixer kind '{d['kind']}' needs format_version 2 (its settings under \"options\"); format 1 knows augmented_linear, linear and softmax")
        kind = d["kind"]
        augmented = linear = gated = None
        if kind == "augmented_linear":
            a = dict(d.get("augmented") or {})
            if "global" in a:
                a["global_"] = a.pop("global")
            augmented = AugmentedOptions(**a)
        elif kind == "linear":
            linear = LinearOptions(**(d.get("linear") or {}))
        elif kind in GATED_KINDS:
            gated = GatedOptions(**(d.get("gated") or {}))
        elif kind != "softmax":
            raise ValueError(f"unknown mixer kind '{kind}'; LinearDsl knows {KNOWN_KINDS}")
        return MixerSpec(kind, int(d["heads"]), int(d["kv_heads"]), augmented, linear, bool(d.get("bidirectional", False)), gated)


class ModelConfig:
    """A LinearDsl model config; `raw` is the dict as read (or as built), written back unchanged by `to_json`."""

    def __init__(self, raw):
        version = raw.get("format_version")
        if version not in READABLE_VERSIONS:
            raise ValueError(f"config.json has format_version {version}; lineardsl_torch reads format_version 1 and 2")
        self.raw = dict(raw)
        self.vocab_size = int(raw["vocab_size"])
        self.width = int(raw["width"])
        self.layers = int(raw["layers"])
        self.context_length = int(raw["context_length"])
        self.norm = raw.get("norm", "rms_norm")
        self.norm_eps = float(raw.get("norm_eps", 1e-5))
        self.positions = raw.get("positions", "rotary")
        self.rope_theta = float(raw.get("rope_theta", 10000))
        self.mlp = raw.get("mlp", "swiglu")
        self.mlp_hidden = int(raw["mlp_hidden"])
        self.mixer = MixerSpec.from_dict(raw["mixer"])
        self.layer_mixers = {int(k): MixerSpec.from_dict(v) for k, v in (raw.get("layer_mixers") or {}).items()}
        self.attention_bias = bool(raw.get("attention_bias", False))
        self.tie_embeddings = bool(raw.get("tie_embeddings", False))
        self.initializer_range = float(raw.get("initializer_range", 0.02))
        for problem in self.problems():
            raise ValueError(f"config.json describes an invalid model: {problem}")

    def mixer_for(self, layer):
        return self.layer_mixers.get(layer, self.mixer)

    def problems(self):
        out = []
        if self.norm not in ("rms_norm", "layer_norm"):
            out.append(f"norm '{self.norm}' is not rms_norm or layer_norm")
        if self.positions not in ("rotary", "learned", "none"):
            out.append(f"positions '{self.positions}' is not rotary, learned or none")
        if self.mlp not in ("swiglu", "gelu"):
            out.append(f"mlp '{self.mlp}' is not swiglu or gelu")
        for layer in range(self.layers):
            spec = self.mixer_for(layer)
            if self.width % spec.heads or spec.heads % spec.kv_heads:
                out.append(f"layer {layer}: heads {spec.heads} must divide width {self.width} and kv_heads {spec.kv_heads} must divide heads")
        return out

    @staticmethod
    def read(path):
        with open(path, encoding="utf-8") as f:
            return ModelConfig(json.load(f))

    def to_json(self):
        return json.dumps(self.raw, indent=2) + "\n"
