"""Command line used by LinearDsl's parity tests (and handy by hand):

  python3 -m lineardsl_torch logits DIR --tokens T.safetensors --out O.safetensors [--hf] [--dtype float64]
      parallel and step logits of a checkpoint (or, with --hf, a Hugging Face LLaMA/GPT-2 folder) for the int64
      tokens [batch, time] stored under "tokens"; writes "parallel" and "step" [batch, time, vocab] ("parallel"
      only for a non-causal model).
  python3 -m lineardsl_torch init --config CONFIG.json --out DIR [--seed N] [--dtype float32|float64] [--perturb]
      builds the model of a LinearDsl config.json in PyTorch, initialises it (--perturb: every parameter random,
      alpha and conv included) and saves a LinearDsl checkpoint.
  python3 -m lineardsl_torch batch JOBS.json
      runs a JSON list of {"command": "logits" | "init", ...same options...} in one process.
"""

import argparse
import json
import sys

import torch

from . import hf, safetensors_io
from .config import ModelConfig
from .model import LinearDslForCausalLM, load, save

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def logits(directory, tokens_path, out_path, is_hf=False, dtype=None):
    kind = DTYPES[dtype] if dtype else None
    model = hf.load(directory, kind) if is_hf else load(directory, kind)
    model.eval()
    tokens = safetensors_io.load(tokens_path)["tokens"].long()
    with torch.no_grad():
        logits = {"parallel": model(tokens)}
        if model.causal:  # a non-causal model (a leak kept for demonstrations) has only its parallel form
            state = model.new_state(tokens.shape[0])
            logits["step"] = torch.cat([model.step(tokens[:, t : t + 1], state) for t in range(tokens.shape[1])], 1)
    safetensors_io.save(logits, out_path)


def init(config_path, out, seed=0, dtype="float32", perturb=False):
    torch.manual_seed(seed)
    model = LinearDslForCausalLM(ModelConfig.read(config_path)).init_weights(seed)
    if perturb:
        generator = torch.Generator().manual_seed(seed + 1)
        with torch.no_grad():
            for name, p in model.named_parameters():
                noise = torch.randn(p.shape, generator=generator, dtype=torch.float64)
                if name.endswith(("mixer.alpha", "mixer.conv_weight")):
                    p.copy_(noise * 0.3)
                elif not name.endswith(("embed_tokens.weight", "embed_positions.weight", "proj.weight", "lm_head.weight", "c_fc.weight")):
                    p.add_(noise * 0.05)  # norms, biases, feature-map weights
    model.to(DTYPES[dtype])
    save(model, out)


def run(job):
    command = job["command"]
    if command == "logits":
        logits(job["dir"], job["tokens"], job["out"], job.get("hf", False), job.get("dtype"))
    elif command == "init":
        init(job["config"], job["out"], job.get("seed", 0), job.get("dtype", "float32"), job.get("perturb", False))
    else:
        raise ValueError(f"unknown command '{command}'")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m lineardsl_torch", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("logits")
    p.add_argument("dir")
    p.add_argument("--tokens", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--hf", action="store_true")
    p.add_argument("--dtype", choices=sorted(DTYPES), help="convert the weights (default: the stored dtype)")
    p = sub.add_parser("init")
    p.add_argument("--config", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dtype", choices=sorted(DTYPES), default="float32")
    p.add_argument("--perturb", action="store_true")
    p = sub.add_parser("batch")
    p.add_argument("jobs")
    args = parser.parse_args(argv)
    if args.command == "logits":
        logits(args.dir, args.tokens, args.out, args.hf, args.dtype)
    elif args.command == "init":
        init(args.config, args.out, args.seed, args.dtype, args.perturb)
    else:
        with open(args.jobs, encoding="utf-8") as f:
            jobs = json.load(f)
        for job in jobs:
            try:
                run(job)
            except Exception as error:  # name the job, so the C# test can say which case failed
                print(f"job {json.dumps(job)} failed: {type(error).__name__}: {error}", file=sys.stderr)
                raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
