using LinearDsl.Runtime.Checkpoints.HuggingFace;
using LinearDsl.Runtime.Modeling;

namespace LinearDsl.Runtime.Tests.HuggingFace;

/// <summary>A Hugging Face config whose sizes its weights cannot hold is refused before the model is built.</summary>
public sealed class HuggingFaceSizeTests : HfTempFolder
{
    [Fact]
    public void A_million_layers_beside_two_layers_of_weights_is_refused_before_building()
    {
        var config = HfFolders.LlamaConfig();
        config["num_hidden_layers"] = 1_000_000;
        HfFolders.Write(Folder("llama"), config, HfFolders.LlamaWeights());

        FluentActions.Invoking(() => Linearizer.LinearizeFolder(Folder("llama"))).Should().Throw<InvalidDataException>()
            .WithMessage("*config.json' does not belong to the weights*");
    }

    [Fact]
    public void A_vocabulary_too_large_for_memory_says_how_much_it_needs()
    {
        var config = HfFolders.LlamaConfig();
        config["vocab_size"] = 2_000_000_000;
        config["hidden_size"] = 1024;
        HfFolders.Write(Folder("llama"), config, HfFolders.LlamaWeights());

        FluentActions.Invoking(() => Linearizer.LinearizeFolder(Folder("llama"))).Should().Throw<ModelTooLargeException>()
            .WithMessage("*config.json' describes a model whose weights alone need * TiB of memory*vocab_size 2000000000*");
    }

    [Fact]
    public void An_int32_weight_is_refused_naming_its_key_and_dtype()
    {
        var weights = HfFolders.LlamaWeights();
        weights["model.norm.weight"] = weights["model.norm.weight"].to_type(ScalarType.Int32);
        HfFolders.Write(Folder("llama"), HfFolders.LlamaConfig(), weights);

        FluentActions.Invoking(() => HuggingFaceCheckpoint.Load(Folder("llama"))).Should().Throw<InvalidDataException>()
            .WithMessage("*'model.norm.weight' as I32*");
    }
}
