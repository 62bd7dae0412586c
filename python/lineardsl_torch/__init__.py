"""lineardsl_torch: LinearDsl models in plain PyTorch (torch and numpy only). Load a LinearDsl checkpoint, train it
with any PyTorch tooling (torchrun, FSDP, ...), and save it back for LinearDsl to decode and serve."""

from .config import ModelConfig
from .model import LinearDslForCausalLM, load, save

__all__ = ["ModelConfig", "LinearDslForCausalLM", "load", "save"]
