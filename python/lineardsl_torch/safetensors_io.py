"""Reading and writing safetensors files with numpy: an 8-byte little-endian header length, a JSON header
(name -> dtype, shape, data_offsets; optional __metadata__), then the raw little-endian tensor bytes, tensor after
tensor without gaps. LinearDsl writes and checks the same layout (a file whose tensors leave gaps is refused)."""

import json
import struct

import numpy as np
import torch

_NUMPY = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32,
          "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}
_TORCH = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}
_SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}
_MAX_HEADER = 100_000_000


def read_header(path):
    """The header entries {name: {dtype, shape, data_offsets}} and the byte offset where the data starts."""
    with open(path, "rb") as f:
        prefix = f.read(8)
        if len(prefix) != 8:
            raise ValueError(f"{path}: shorter than the 8-byte header length of a safetensors file")
        (length,) = struct.unpack("<Q", prefix)
        if length > _MAX_HEADER:
            raise ValueError(f"{path}: header length {length} is larger than the format allows")
        header = json.loads(f.read(length).decode("utf-8"))
    header.pop("__metadata__", None)
    return header, 8 + length


def load(path):
    """Every tensor of a safetensors file as a torch tensor (in file order of the header)."""
    header, start = read_header(path)
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        dtype, shape = entry["dtype"], tuple(entry["shape"])
        begin, end = entry["data_offsets"]
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if dtype not in _SIZES:
            raise ValueError(f"{path}: tensor '{name}' has dtype {dtype}, which this reader does not know")
        if end - begin != count * _SIZES[dtype] or end > len(data):
            raise ValueError(f"{path}: tensor '{name}' has data_offsets {entry['data_offsets']} that do not fit its shape or the file")
        raw = data[begin:end]
        if dtype == "BF16":
            tensor = torch.from_numpy(np.frombuffer(raw, dtype="<i2").copy()).view(torch.bfloat16)
        else:
            tensor = torch.from_numpy(np.frombuffer(raw, dtype=np.dtype(_NUMPY[dtype]).newbyteorder("<")).copy())
        tensors[name] = tensor.reshape(shape)
    return tensors


def save(tensors, path, metadata=None):
    """Writes {name: tensor} to `path` in the given order, contiguous and without gaps (what LinearDsl reads)."""
    header, chunks, offset = {}, [], 0
    for name, tensor in tensors.items():
        tensor = tensor.detach().cpu().contiguous()
        if tensor.dtype not in _TORCH:
            raise ValueError(f"tensor '{name}' has dtype {tensor.dtype}, which safetensors cannot store")
        dtype = _TORCH[tensor.dtype]
        if dtype == "BF16":
            raw = tensor.view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            raw = tensor.numpy().astype(np.dtype(_NUMPY[dtype]).newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the format pads the header with spaces so that the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)
