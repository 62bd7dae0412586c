"""The token mixers of LinearDsl in plain PyTorch, each with its parallel form (training) and its recurrent step
(one token, a state whose size does not grow with the context, except the softmax KV cache). Inputs are
q [batch, heads, time, d] and k, v [batch, kv_heads, time, d], already rotated; consecutive query heads share a
key/value head (grouped-query attention)."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import _name


def _group(q, kv_heads):
    """[batch, heads, time, d] -> [batch, kv_heads, heads/kv_heads, time, d]."""
    b, h, t, d = q.shape
    return q.reshape(b, kv_heads, h // kv_heads, t, d)


def _ungroup(x):
    b, kv, per, t, d = x.shape
    return x.reshape(b, kv * per, t, d)


def _pad_time(x, length):
    return x if x.shape[-2] == length else F.pad(x, (0, 0, 0, length - x.shape[-2]))


def _state_dtype(dtype):
    """Recurrent sums are kept in float32 or better, as LinearDsl keeps them."""
    return torch.float64 if dtype == torch.float64 else torch.float32


class AugmentedLinearAttention(nn.Module):
    """o_t = local_t + alpha * global_t + conv_t with q^ = q / max(||q||, eps), k^ likewise: local is relu(q^.k^)^2
    attention inside the causal group of t (G tokens), global is q^ times the sum of k^ v^T over complete EARLIER
    groups, conv is a K-tap causal depthwise convolution over v (one kernel per key/value head)."""

    def __init__(self, heads, kv_heads, head_dim, options):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim, self.options = heads, kv_heads, head_dim, options
        if options.global_:
            self.alpha = nn.Parameter(torch.tensor(float(options.alpha_init)))
        if options.conv:
            self.conv_weight = nn.Parameter(torch.zeros(kv_heads, options.conv_taps))  # [h, j] multiplies v_{t-j}
        if options.gated:
            # GLA gate from the key: log a_t = logsigmoid(k_t W_g + b_g) / tau; every gate starts at 0.99 per token
            opened = 0.99 ** options.gate_temperature
            self.gate_weight = nn.Parameter(torch.zeros(kv_heads, head_dim, head_dim))
            self.gate_bias = nn.Parameter(torch.full((kv_heads, head_dim), math.log(opened / (1 - opened))))

    def _log_gates(self, k):
        """log a_t [batch, kv_heads, time, d] in the state dtype."""
        logits = k.matmul(self.gate_weight.to(k.dtype).unsqueeze(0)) + self.gate_bias.to(k.dtype).unsqueeze(1)
        return F.logsigmoid(logits.to(_state_dtype(k.dtype))) / self.options.gate_temperature

    def _gated_global(self, qh, kh, v, logs):
        """The gated global term, token by token: S_t = diag(a_t) S_{t-1} + k^_t v_t^T; token t of the group that
        starts at s reads (q^_t * prod_{s<=u<=t} a_u) S_{s-1} (inclusive prefix: S at the end of its own group).
        qh [b, kv, per, t, d], kh and v [b, kv, t, d], logs [b, kv, t, d]."""
        o = self.options
        b, kv, per, t, d = qh.shape
        sd = logs.dtype
        s = torch.zeros(b, kv, d, d, dtype=sd, device=qh.device)
        ends, out = [], []
        for u in range(t):
            s = logs[:, :, u].exp().unsqueeze(-1) * s + kh[:, :, u].to(sd).unsqueeze(-1) * v[:, :, u].to(sd).unsqueeze(-2)
            if (u + 1) % o.group_size == 0 or u == t - 1:
                ends.append(s)
        boundary = torch.zeros(b, kv, d, d, dtype=sd, device=qh.device)
        decay = None
        for u in range(t):
            group = u // o.group_size
            if u % o.group_size == 0:
                boundary = ends[group - 1] if group > 0 else torch.zeros_like(boundary)
                decay = torch.zeros(b, kv, d, dtype=sd, device=qh.device)
            decay = decay + logs[:, :, u]
            qu = qh[:, :, :, u].to(sd)
            if o.inclusive_global_prefix:
                out.append(qu.matmul(ends[group]))
            else:
                out.append((qu * decay.exp().unsqueeze(2)).matmul(boundary))
        return torch.stack(out, 3).to(qh.dtype)  # [b, kv, per, t, d]

    def _features(self, x):
        return F.normalize(x, p=2.0, dim=-1, eps=self.options.feature_eps)

    def forward(self, q, k, v):
        o = self.options
        b, _, t, d = q.shape
        g = o.group_size
        groups = (t + g - 1) // g
        padded = groups * g
        out = None
        if o.local or o.global_:
            qh = _pad_time(self._features(q), padded).reshape(b, self.kv_heads, -1, groups, g, d)
            kh = _pad_time(self._features(k), padded).reshape(b, self.kv_heads, 1, groups, g, d)
            vg = _pad_time(v, padded).reshape(b, self.kv_heads, 1, groups, g, d)
            out = torch.zeros_like(qh)
            if o.local:
                w = qh.matmul(kh.transpose(-1, -2)).relu().square()
                if o.causal_local:
                    w = w.masked_fill(torch.ones(g, g, dtype=torch.bool, device=q.device).triu(1), 0.0)
                out = out + w.matmul(vg)
            if o.gated:
                kf = self._features(k)
                glob = self._gated_global(qh.reshape(b, self.kv_heads, -1, padded, d)[:, :, :, :t], kf, v, self._log_gates(k))
                out = out + self.alpha * _pad_time(glob, padded).reshape(out.shape)
            elif o.global_:
                prefix = kh.transpose(-1, -2).matmul(vg).cumsum(3)  # inclusive prefix of k^ v^T over groups
                if o.inclusive_global_prefix:
                    out = out + self.alpha * qh.matmul(prefix)
                else:
                    # group g reads the prefix up to g - 1 (a shifted cumsum); computed even for one group (zeros),
                    # so that alpha always takes part in the graph (DistributedDataParallel requires it)
                    shifted = torch.cat([torch.zeros_like(prefix[:, :, :, :1]), prefix[:, :, :, :-1]], dim=3)
                    out = out + self.alpha * qh.matmul(shifted)
            out = out.reshape(b, self.kv_heads, -1, padded, d)[:, :, :, :t]
        if o.conv:
            conv = self._conv(v).unsqueeze(2)
            out = conv.expand(b, self.kv_heads, self.heads // self.kv_heads, t, d) if out is None else out + conv
        return _ungroup(out)

    def _conv(self, v):
        """sum_j w[h, j] v_{t + shift - j} over [batch, kv_heads, time, d] (v outside 0..time-1 is zero)."""
        b, kv, t, d = v.shape
        taps, shift = self.options.conv_taps, self.options.conv_shift
        if shift:
            v = torch.cat([v[:, :, shift:], torch.zeros_like(v[:, :, :min(shift, t)])], dim=2)[:, :, :t]
        x = F.pad(v.permute(0, 1, 3, 2).reshape(b, kv * d, t), (taps - 1, 0))
        kernel = self.conv_weight.flip(-1).repeat_interleave(d, dim=0).unsqueeze(1)  # [kv * d, 1, taps]
        return F.conv1d(x, kernel.to(v.dtype), groups=kv * d).reshape(b, kv, d, t).permute(0, 1, 3, 2)

    def new_state(self, batch, dtype, device):
        if not self.options.causal:
            raise ValueError("this augmented mixer is non-causal (conv_padding, causal_local or inclusive_global_prefix), so it has only its parallel form")
        d, kv = self.head_dim, self.kv_heads
        return {
            "kv": torch.zeros(batch, kv, d, d, dtype=_state_dtype(dtype), device=device),
            "keys": [], "values": [], "logs": [],  # the current group's k^, v (and log gates), at most G - 1 entries
            "history": torch.zeros(batch, kv, max(self.options.conv_taps - 1, 0), d, dtype=dtype, device=device),  # newest first
        }

    def step(self, q, k, v, state):
        o = self.options
        b, _, _, d = q.shape
        per = self.heads // self.kv_heads
        out = torch.zeros(b, self.kv_heads, per, 1, d, dtype=q.dtype, device=q.device)
        if o.local or o.global_:
            qh = _group(self._features(q), self.kv_heads)  # [b, kv, per, 1, d]
            state["keys"].append(self._features(k))
            state["values"].append(v)
            if o.gated:
                state["logs"].append(self._log_gates(k))
            if o.local:
                keys = torch.cat(state["keys"], dim=2).unsqueeze(2)
                values = torch.cat(state["values"], dim=2).unsqueeze(2)
                out = out + qh.matmul(keys.transpose(-1, -2)).relu().square().matmul(values)
            if o.gated:
                s = state["kv"]
                decay = torch.cat(state["logs"], dim=2).sum(2, keepdim=True).exp().unsqueeze(2)  # [b, kv, 1, 1, d]
                out = out + self.alpha * (qh.to(s.dtype) * decay).matmul(s.unsqueeze(2)).to(q.dtype)
            elif o.global_:
                s = state["kv"]
                out = out + self.alpha * qh.to(s.dtype).matmul(s.unsqueeze(2)).to(q.dtype)
            if len(state["keys"]) == o.group_size:  # the group is complete: fold it into S
                keys, values = torch.cat(state["keys"], dim=2), torch.cat(state["values"], dim=2)
                sd = state["kv"].dtype
                if o.gated:
                    cum = torch.cat(state["logs"], dim=2).cumsum(2)
                    total = cum[:, :, -1:]
                    weighted = keys.to(sd) * (total - cum).exp()
                    state["kv"] = total.transpose(-1, -2).exp() * state["kv"] + weighted.transpose(-1, -2).matmul(values.to(sd))
                else:
                    state["kv"] = state["kv"] + keys.to(sd).transpose(-1, -2).matmul(values.to(sd))
                state["keys"], state["values"], state["logs"] = [], [], []
        if o.conv:
            rows = torch.cat([v, state["history"]], dim=2)  # v_t, v_{t-1}, ..., v_{t-K+1}
            conv = (self.conv_weight.to(v.dtype)[None, :, :, None] * rows).sum(2, keepdim=True)
            out = out + conv.unsqueeze(2)
            state["history"] = rows[:, :, : o.conv_taps - 1]
        return _ungroup(out)


class ElementwiseFeatureMap(nn.Module):
    def __init__(self, kind, head_dim):
        super().__init__()
        self.kind, self.feature_dim = kind, head_dim

    def queries(self, q):
        return self._phi(q)

    def keys(self, k):
        return self._phi(k)

    def _phi(self, x):
        return x.relu() if self.kind == "relu" else F.elu(x, 1.0) + 1


class PerformerFeatureMap(nn.Module):
    """FAVOR+: phi(x) = exp(w x' - ||x'||^2 / 2) / sqrt(M), x' = x / d^(1/4); `projection` [M, d] is a saved buffer."""

    def __init__(self, head_dim, features, seed):
        super().__init__()
        self.head_dim, self.feature_dim = head_dim, features
        generator = torch.Generator().manual_seed(seed)
        blocks = []
        for done in range(0, features, head_dim):
            orthogonal, _ = torch.linalg.qr(torch.randn(head_dim, head_dim, dtype=torch.float64, generator=generator))
            blocks.append(orthogonal.t()[: min(head_dim, features - done)])
        norms = torch.randn(features, head_dim, dtype=torch.float64, generator=generator).norm(dim=1, keepdim=True)
        self.register_buffer("projection", (torch.cat(blocks, 0) * norms).float())

    def queries(self, q):
        return self._phi(q)

    def keys(self, k):
        return self._phi(k)

    def _phi(self, x):
        scaled = x * self.head_dim ** -0.25
        half_square = scaled.square().sum(-1, keepdim=True) * 0.5
        return (scaled.matmul(self.projection.t()) - half_square).exp() * (1.0 / math.sqrt(self.feature_dim))


class HedgehogFeatureMap(nn.Module):
    """phi(x) = softmax([x W, -x W]) with learnable W [heads, d, F] for queries and for keys (2F features)."""

    def __init__(self, heads, kv_heads, head_dim, width, seed):
        super().__init__()
        self.feature_dim = 2 * width
        generator = torch.Generator().manual_seed(seed)

        def near_identity(h):
            return torch.eye(head_dim, width).unsqueeze(0).repeat(h, 1, 1) + 0.01 * torch.randn(h, head_dim, width, generator=generator)

        self.query_weight = nn.Parameter(near_identity(heads))
        self.key_weight = nn.Parameter(near_identity(kv_heads))

    @staticmethod
    def _phi(x, w):
        projected = x.matmul(w)
        return torch.cat([projected, -projected], -1).softmax(-1)

    def queries(self, q):
        return self._phi(q, self.query_weight)

    def keys(self, k):
        return self._phi(k, self.key_weight)


class T2RFeatureMap(nn.Module):
    """phi(x) = relu(x W + b) with learnable W [heads, d, F] and b [heads, 1, F] per side."""

    def __init__(self, heads, kv_heads, head_dim, width, seed):
        super().__init__()
        self.feature_dim = width
        generator = torch.Generator().manual_seed(seed)
        scale = 1.0 / math.sqrt(head_dim)
        self.query_weight = nn.Parameter(torch.randn(heads, head_dim, width, generator=generator) * scale)
        self.key_weight = nn.Parameter(torch.randn(kv_heads, head_dim, width, generator=generator) * scale)
        self.query_bias = nn.Parameter(torch.zeros(heads, 1, width))
        self.key_bias = nn.Parameter(torch.zeros(kv_heads, 1, width))

    def queries(self, q):
        return (q.matmul(self.query_weight) + self.query_bias).relu()

    def keys(self, k):
        return (k.matmul(self.key_weight) + self.key_bias).relu()


def create_feature_map(options, heads, kv_heads, head_dim):
    kind = _name(options.feature_map)
    width = options.feature_dim or head_dim
    if kind == "eluplusone":
        return ElementwiseFeatureMap("elu", head_dim)
    if kind == "relu":
        return ElementwiseFeatureMap("relu", head_dim)
    if kind == "performer":
        return PerformerFeatureMap(head_dim, width, options.seed)
    if kind == "hedgehog":
        return HedgehogFeatureMap(heads, kv_heads, head_dim, width, options.seed)
    if kind == "t2r":
        return T2RFeatureMap(heads, kv_heads, head_dim, width, options.seed)
    raise ValueError(f"feature map '{options.feature_map}' is not one of elu_plus_one, relu, performer, hedgehog, t2r")


class LinearAttention(nn.Module):
    """o_t = phi(q_t) S_t / (phi(q_t) . z_t + eps), S_t = sum_{s<=t} phi(k_s) v_s^T, z_t = sum_{s<=t} phi(k_s);
    without the denominator o_t = phi(q_t) S_t. The parallel form runs in chunks (a compute choice only)."""

    def __init__(self, heads, kv_heads, head_dim, options):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim, self.options = heads, kv_heads, head_dim, options
        self.feature_map = create_feature_map(options, heads, kv_heads, head_dim)

    def _with_ones(self, v):
        return torch.cat([v, torch.ones_like(v[..., :1])], -1) if self.options.denominator else v

    def _normalize(self, numerator):
        if not self.options.denominator:
            return numerator
        d = self.head_dim
        return numerator[..., :d] / (numerator[..., d:] + self.options.denominator_eps)

    def forward(self, q, k, v):
        b, _, t, _ = q.shape
        c = self.options.chunk_size
        chunks = (t + c - 1) // c
        padded = chunks * c
        values = self._with_ones(v)
        fq = _pad_time(self.feature_map.queries(q), padded)
        fq = fq.reshape(b, self.kv_heads, -1, chunks, c, fq.shape[-1])
        fk = _pad_time(self.feature_map.keys(k), padded)
        fk = fk.reshape(b, self.kv_heads, 1, chunks, c, fk.shape[-1])
        vc = _pad_time(values, padded).reshape(b, self.kv_heads, 1, chunks, c, values.shape[-1])
        future = torch.ones(c, c, dtype=torch.bool, device=q.device).triu(1)
        numerator = fq.matmul(fk.transpose(-1, -2)).masked_fill(future, 0.0).matmul(vc)
        if chunks > 1:
            prefix = fk.transpose(-1, -2).matmul(vc).cumsum(3)
            shifted = torch.cat([torch.zeros_like(prefix[:, :, :, :1]), prefix[:, :, :, :-1]], dim=3)
            numerator = numerator + fq.matmul(shifted)
        numerator = numerator.reshape(b, self.kv_heads, -1, padded, values.shape[-1])[:, :, :, :t]
        return _ungroup(self._normalize(numerator))

    def new_state(self, batch, dtype, device):
        width = self.head_dim + (1 if self.options.denominator else 0)
        return {"kv": torch.zeros(batch, self.kv_heads, self.feature_map.feature_dim, width, dtype=_state_dtype(dtype), device=device)}

    def step(self, q, k, v, state):
        s = state["kv"]
        update = self.feature_map.keys(k).transpose(-1, -2).matmul(self._with_ones(v))
        state["kv"] = s = s + update.to(s.dtype)
        fq = _group(self.feature_map.queries(q), self.kv_heads)
        return _ungroup(self._normalize(fq.to(s.dtype).matmul(s.unsqueeze(2)).to(q.dtype)))


class SoftmaxAttention(nn.Module):
    """softmax(q k^T / sqrt(d)) v with the causal mask (none when bidirectional); the step keeps a KV cache."""

    def __init__(self, heads, kv_heads, head_dim, bidirectional=False):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim, self.bidirectional = heads, kv_heads, head_dim, bidirectional

    def _attend(self, q, k, v, causal):
        qg = _group(q, self.kv_heads)
        scores = qg.matmul(k.unsqueeze(2).transpose(-1, -2)) * (1.0 / math.sqrt(self.head_dim))
        if causal:
            t, s = scores.shape[-2], scores.shape[-1]
            mask = torch.ones(t, s, dtype=torch.bool, device=q.device).triu(s - t + 1)
            scores = scores.masked_fill(mask, float("-inf"))
        return _ungroup(scores.softmax(-1).matmul(v.unsqueeze(2)))

    def forward(self, q, k, v):
        return self._attend(q, k, v, causal=not self.bidirectional)

    def new_state(self, batch, dtype, device):
        if self.bidirectional:
            raise ValueError("a bidirectional softmax mixer reads later tokens, so it has only its parallel form")
        empty = torch.zeros(batch, self.kv_heads, 0, self.head_dim, dtype=dtype, device=device)
        return {"keys": empty, "values": empty}

    def step(self, q, k, v, state):
        state["keys"] = torch.cat([state["keys"], k], 2)
        state["values"] = torch.cat([state["values"], v], 2)
        return self._attend(q, state["keys"], state["values"], causal=False)


class GatedRecurrence(nn.Module):
    """The gated and decayed linear attentions (retnet, gla, mamba2): S_t = diag(a_t) S_{t-1} + k'_t v_t^T,
    o_t = norm(q_t S_t / sqrt(d)) (inclusive of t), all in the state dtype; a kind says only how its log gates
    log a_t ([.., d] per key dimension or [.., 1] per head) and k'_t come from the key. norm is the per-head RMS norm
    without weight when output_norm is on. The parallel form is a plain loop over time (the same function as
    LinearDsl's chunked form)."""

    def __init__(self, kind, heads, kv_heads, head_dim, options):
        super().__init__()
        self.kind, self.heads, self.kv_heads, self.head_dim, self.options = kind, heads, kv_heads, head_dim, options
        d = head_dim
        if kind == "gla":
            # as constructed: W_g zero, b_g from 0 to 5 over the key dimensions
            self.gate_weight = nn.Parameter(torch.zeros(kv_heads, d, d))
            self.gate_bias = nn.Parameter(torch.tensor([0.0 if d == 1 else 5.0 * i / (d - 1) for i in range(d)]).repeat(kv_heads, 1))
        elif kind == "mamba2":
            f = [0.5 if kv_heads == 1 else h / (kv_heads - 1) for h in range(kv_heads)]
            dts = [math.exp(math.log(0.001) + x * (math.log(0.1) - math.log(0.001))) for x in f]
            self.dt_weight = nn.Parameter(torch.zeros(kv_heads, d))
            self.dt_bias = nn.Parameter(torch.tensor([dt + math.log(-math.expm1(-dt)) for dt in dts]))
            self.a_log = nn.Parameter(torch.tensor([x * math.log(16) for x in f]))
        elif kind != "retnet":
            raise ValueError(f"'{kind}' is not a gated recurrence kind (retnet, gla, mamba2)")

    @staticmethod
    def retnet_decays(heads):
        """gamma_h = 1 - 2^(-5 - 7 h / (H - 1)) (1 - 2^-5 for one head)."""
        return [1 - 2.0 ** (-5 - (0 if heads == 1 else 7.0 * h / (heads - 1))) for h in range(heads)]

    def _gates(self, k):
        """(log a_t, k'_t) from k [batch, kv_heads, time, d], in k's dtype."""
        b, kv, t, d = k.shape
        if self.kind == "retnet":
            logs = torch.tensor([math.log(x) for x in self.retnet_decays(kv)], dtype=k.dtype, device=k.device)
            return logs.view(1, -1, 1, 1).expand(b, kv, t, 1), k
        if self.kind == "gla":
            logits = k.matmul(self.gate_weight.to(k.dtype).unsqueeze(0)) + self.gate_bias.to(k.dtype).view(1, -1, 1, d)
            return F.logsigmoid(logits) / self.options.gate_temperature, k
        logits = k.matmul(self.dt_weight.to(k.dtype).view(1, -1, d, 1)) + self.dt_bias.to(k.dtype).view(1, -1, 1, 1)
        dt = F.softplus(logits)
        return -(dt * self.a_log.to(k.dtype).exp().view(1, -1, 1, 1)), k * dt

    def _run(self, q, k, v, s):
        """Runs the recurrence from state s over q, k, v; returns (output in q's dtype, final state)."""
        sd = s.dtype
        logs, keys = self._gates(k.to(sd))
        qg = _group(q, self.kv_heads).to(sd) * (1.0 / math.sqrt(self.head_dim))
        vs = v.to(sd)
        out = []
        for u in range(q.shape[2]):
            s = logs[:, :, u].exp().unsqueeze(-1) * s + keys[:, :, u].unsqueeze(-1) * vs[:, :, u].unsqueeze(-2)
            out.append(qg[:, :, :, u].matmul(s))  # [b, kv, per, d]
        return self._finish(torch.stack(out, 3), q.dtype), s

    def _finish(self, grouped, dtype):
        out = _ungroup(grouped)
        if self.options.output_norm:
            out = out * (out.square().mean(-1, keepdim=True) + self.options.norm_eps).rsqrt()
        return out.to(dtype)

    def forward(self, q, k, v):
        b = q.shape[0]
        s = torch.zeros(b, self.kv_heads, self.head_dim, self.head_dim, dtype=_state_dtype(q.dtype), device=q.device)
        return self._run(q, k, v, s)[0]

    def new_state(self, batch, dtype, device):
        return {"kv": torch.zeros(batch, self.kv_heads, self.head_dim, self.head_dim, dtype=_state_dtype(dtype), device=device)}

    def step(self, q, k, v, state):
        out, state["kv"] = self._run(q, k, v, state["kv"])
        return out


class DeltaNet(nn.Module):
    """The delta rule: q^, k^ = x / sqrt(||x||^2 + eps), beta_t = sigmoid(k_t . w_b + b_b) (from the raw key),
    S_t = S_{t-1} + beta_t k^_t (v_t - S_{t-1}^T k^_t)^T, o_t = q^_t S_t, in the state dtype (no scale, no output
    norm). The parallel form is a plain loop over time (the same function as LinearDsl's chunked form)."""

    def __init__(self, heads, kv_heads, head_dim, options):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim, self.options = heads, kv_heads, head_dim, options
        self.beta_weight = nn.Parameter(torch.zeros(kv_heads, head_dim))
        self.beta_bias = nn.Parameter(torch.zeros(kv_heads))

    def _normalize(self, x):
        return x * (x.square().sum(-1, keepdim=True) + self.options.norm_eps).rsqrt()

    def _run(self, q, k, v, s):
        sd = s.dtype
        qq, kk, vv = q.to(sd), k.to(sd), v.to(sd)
        beta = ((kk * self.beta_weight.to(sd).view(1, -1, 1, self.head_dim)).sum(-1) + self.beta_bias.to(sd).view(1, -1, 1)).sigmoid()
        nq, nk = _group(self._normalize(qq), self.kv_heads), self._normalize(kk)
        out = []
        for u in range(q.shape[2]):
            ku = nk[:, :, u:u + 1]  # [b, kv, 1, d]
            update = (vv[:, :, u:u + 1] - ku.matmul(s)) * beta[:, :, u, None, None]
            s = s + ku.transpose(-1, -2).matmul(update)
            out.append(nq[:, :, :, u].matmul(s))
        return _ungroup(torch.stack(out, 3)).to(q.dtype), s

    def forward(self, q, k, v):
        b = q.shape[0]
        s = torch.zeros(b, self.kv_heads, self.head_dim, self.head_dim, dtype=_state_dtype(q.dtype), device=q.device)
        return self._run(q, k, v, s)[0]

    def new_state(self, batch, dtype, device):
        return {"kv": torch.zeros(batch, self.kv_heads, self.head_dim, self.head_dim, dtype=_state_dtype(dtype), device=device)}

    def step(self, q, k, v, state):
        out, state["kv"] = self._run(q, k, v, state["kv"])
        return out


def create_mixer(spec, width):
    d = width // spec.heads
    if spec.kind == "augmented_linear":
        return AugmentedLinearAttention(spec.heads, spec.kv_heads, d, spec.augmented)
    if spec.kind == "linear":
        return LinearAttention(spec.heads, spec.kv_heads, d, spec.linear)
    if spec.kind in ("retnet", "gla", "mamba2"):
        return GatedRecurrence(spec.kind, spec.heads, spec.kv_heads, d, spec.gated)
    if spec.kind == "deltanet":
        return DeltaNet(spec.heads, spec.kv_heads, d, spec.gated)
    return SoftmaxAttention(spec.heads, spec.kv_heads, d, spec.bidirectional)
