using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>Output of <see cref="CausalLanguageModel.StepWithHidden"/> and <see cref="CausalLanguageModel.PrefillWithHidden"/>.</summary>
/// <param name="Logits">[batch, time, vocab].</param>
/// <param name="Hidden">[batch, time, width]: the final hidden state after the final norm, the input of the output head and of Medusa heads.</param>
public readonly record struct ModelStepResult(Tensor Logits, Tensor Hidden);
