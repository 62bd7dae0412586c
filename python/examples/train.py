"""Fine-tune a LinearDsl checkpoint in PyTorch and save it back for LinearDsl (decoding, `lineardsl serve`).

One process (CPU or one GPU):
    PYTHONPATH=python python3 python/examples/train.py --checkpoint Models/bundled/target \
        --data Models/corpus/kjv.txt --steps 20 --out checkpoints/torch-tuned
Several processes with torchrun (DistributedDataParallel; gloo on CPU, nccl on GPUs):
    PYTHONPATH=python torchrun --nproc_per_node 2 python/examples/train.py ... 
FSDP (GPUs): add --fsdp; rank 0 gathers the full state dict and writes the checkpoint.

The data is read as bytes, which is the byte tokenizer of LinearDsl's small models (ids 0..255).
"""

import argparse
import os

import torch
import torch.distributed as dist
import torch.nn.functional as F

import lineardsl_torch


def batches(data, batch, length, generator):
    """Random windows of length + 1 bytes: inputs and next-token targets."""
    starts = torch.randint(0, len(data) - length - 1, (batch,), generator=generator)
    windows = torch.stack([data[s : s + length + 1] for s in starts.tolist()])
    return windows[:, :-1], windows[:, 1:]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True, help="LinearDsl checkpoint directory (config.json + model.safetensors)")
    parser.add_argument("--data", required=True, help="text file, read as bytes")
    parser.add_argument("--out", required=True, help="where to write the trained checkpoint")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch", type=int, default=4, help="sequences per process and step")
    parser.add_argument("--length", type=int, default=64, help="tokens per sequence (at most the context length)")
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fsdp", action="store_true", help="shard with FullyShardedDataParallel (GPUs; not tested on CPU)")
    args = parser.parse_args()

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    cuda = torch.cuda.is_available()
    rank = 0
    if distributed:
        dist.init_process_group("nccl" if cuda else "gloo")
        rank = dist.get_rank()
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}") if cuda else torch.device("cpu")

    model = lineardsl_torch.load(args.checkpoint, dtype=torch.float32, device=device)
    config = model.config
    if args.length > config.context_length and config.positions == "learned":
        parser.error(f"--length {args.length} exceeds the learned position table ({config.context_length})")
    trained = model
    if args.fsdp:
        from torch.distributed.fsdp import FullyShardedDataParallel  # imported only when asked for

        trained = FullyShardedDataParallel(model, device_id=device if cuda else None)
    elif distributed:
        trained = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device] if cuda else None)

    with open(args.data, "rb") as f:
        data = torch.tensor(list(f.read()), dtype=torch.long)
    generator = torch.Generator().manual_seed(args.seed + rank)  # each process draws its own windows
    optimizer = torch.optim.AdamW(trained.parameters(), lr=args.lr)
    trained.train()
    for step in range(1, args.steps + 1):
        inputs, targets = (t.to(device) for t in batches(data, args.batch, args.length, generator))
        logits = trained(inputs)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if rank == 0:
            print(f"step {step}: loss {loss.item():.4f}", flush=True)

    if args.fsdp:
        from torch.distributed.fsdp import FullStateDictConfig, StateDictType

        with FullyShardedDataParallel.state_dict_type(trained, StateDictType.FULL_STATE_DICT, FullStateDictConfig(offload_to_cpu=True, rank0_only=True)):
            state = trained.state_dict()
        if rank == 0:
            model = lineardsl_torch.LinearDslForCausalLM(config)
            model.load_state_dict(state)
    if rank == 0:
        lineardsl_torch.save(model.cpu(), args.out)
        print(f"saved {args.out}: load it in .NET with Checkpoint.Load or `lineardsl generate --target {args.out}`", flush=True)
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
