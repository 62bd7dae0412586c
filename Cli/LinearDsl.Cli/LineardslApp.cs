using Spectre.Console.Cli;

namespace LinearDsl.Cli;

/// <summary>The <c>lineardsl</c> command tree, its error handling and its services.</summary>
public static class LineardslApp
{
    /// <summary>The executable's name in help and messages.</summary>
    public const string Name = "lineardsl";

    static LineardslApp()
    {
        // Loading the ready-made models registers their generated decode programs, so that Checkpoint.Load gives a
        // checkpoint of a declared architecture (the bundled pair, say) its straight-line decode step.
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(LinearDsl.Models.AugLlama).Module.ModuleHandle);
    }

    /// <summary>Runs the command line with <paramref name="args"/>; returns the exit code.</summary>
    public static Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        var app = new CommandApp();
        app.Configure(config => Configure(config, environment, args));
        return app.RunAsync(args, cancellationToken);
    }

    /// <summary>
    /// Registers the commands and <paramref name="environment"/>, and reports failures as one line;
    /// <paramref name="args"/>, when given, let that line name an option that lacks its value.
    /// </summary>
    public static void Configure(IConfigurator config, CliEnvironment environment, IReadOnlyList<string>? args = null)
    {
        config.SetApplicationName(Name);
        config.UseStrictParsing();
        config.ConfigureConsole(environment.Out);
        config.Settings.Registrar.RegisterInstance(environment);
        config.SetExceptionHandler((error, _) => ErrorReporter.Report(error, environment.Error, args));

        config.AddCommand<GenerateCommand>("generate")
            .WithDescription("Continue a prompt with speculative decoding (the bundled target and draft by default), streaming the text, then print acceptance rate, tokens/s, target calls, time to first token and the speed-up over a plain run of the same request; a seq2seq --target takes the prompt as its source and prints the decoded target text.")
            .WithExample("generate", "\"Once upon a time\"")
            .WithExample("generate", "--target", "checkpoints/target", "--draft", "checkpoints/draft", "--max-tokens", "100", "\"The sea\"")
            .WithExample("generate", "--target", "checkpoints/seq2seq", "--no-speculation", "\"source text\"");
        config.AddCommand<EmbedCommand>("embed")
            .WithDescription("Embed texts with an encoder checkpoint (pooled as its config says: mean or first token) and print the vectors as JSON, or write them to --out.")
            .WithExample("embed", "checkpoints/encoder", "\"In the beginning\"", "\"And God said\"");
        config.AddCommand<FillMaskCommand>("fill-mask")
            .WithDescription("Fill every [MASK] in a text with an encoder checkpoint: the top-k tokens per mask with their probabilities, then the text with the best fills.")
            .WithExample("fill-mask", "checkpoints/encoder", "\"In the b[MASK]ginning\"", "--top-k", "3");
        config.AddCommand<ChatCommand>("chat")
            .WithDescription("Chat with the model: type a line, read the streamed reply; /exit or end of input quits.")
            .WithExample("chat", "--temperature", "0.7");
        config.AddCommand<ServeCommand>("serve").WithDescription("Serve the model over the OpenAI API (chat and text completions, streaming; continuous batching; conversation state cache) on --urls or ASPNETCORE_URLS, default http://127.0.0.1:8080; docs/serving.md.").WithExample("serve", "--urls", "http://127.0.0.1:8080");
        config.AddCommand<InspectCommand>("inspect")
            .WithDescription("Show a checkpoint's declared architecture, parameter count, size on disk and decoding state bytes per token of context.")
            .WithExample("inspect", "Models/bundled/target");
        config.AddCommand<BenchCommand>("bench")
            .WithDescription("Measure decode tokens/s of plain and speculative decoding on a target and draft (the bundled pair by default; a few seconds), then what one call of each decoding form costs; --json writes the figures.")
            .WithExample("bench", "--prompt", "And God said", "--max-tokens", "200", "--json", "artifacts/bench.json")
            .WithExample("bench", "--target", "checkpoints/target", "--draft", "checkpoints/draft");
        config.AddCommand<TrainCommand>("train")
            .WithDescription("Train a model from scratch (--config) or fine-tune one (--from) on a corpus (the bundled KJV by default) with AdamW and a warmup + cosine schedule, showing progress; writes the model, training-log.json and loss.png to --out, training checkpoints to --out/checkpoints; --resume continues exactly.")
            .WithExample("train", "--config", "Models/bundled/target/config.json", "--steps", "2000", "--out", "checkpoints/tiny")
            .WithExample("train", "--config", "Models/bundled/target/config.json", "--steps", "2000", "--out", "checkpoints/tiny", "--resume");
        config.AddCommand<DistillDraftCommand>("distill-draft")
            .WithDescription("Train a draft (--config or --from) towards a target's next-token distributions (KL(target || draft)); same options and outputs as train.")
            .WithExample("distill-draft", "--target", "checkpoints/target", "--config", "draft.json", "--steps", "1000", "--out", "checkpoints/draft");
        config.AddCommand<TrainHeadsCommand>("train-heads")
            .WithDescription("Train Medusa heads on a model's own greedy continuations of a corpus (the bundled KJV by default) with the backbone frozen; writes the model with its heads and heads-log.json (each head's top-1 accuracy on held-out continuations) to --out. docs/speculative.md.")
            .WithExample("train-heads", "--model", "Models/bundled/target", "--out", "checkpoints/target-heads", "--heads", "4");
        config.AddCommand<EvalCommand>("eval")
            .WithDescription("Validation perplexity of a checkpoint on a corpus (the part train holds out, or --all of it); --json writes it.")
            .WithExample("eval", "checkpoints/tiny", "--json", "artifacts/eval.json");
        config.AddCommand<LinearizeCommand>("linearize")
            .WithDescription("Turn a softmax model (a Hugging Face LLaMA or GPT-2 folder, or a checkpoint) into augmented linear attention, reusing its weights; alpha and the conv start at zero, so it begins as local attention only.")
            .WithExample("linearize", "hf/llama", "--out", "checkpoints/linear", "--group-size", "64");
        config.AddCommand<QuantizeCommand>("quantize")
            .WithDescription("Write a checkpoint with int8 projections and output head (Q8_0, a float scale per block of 32); every command decodes it through the int8 kernels. docs/quantization.md.")
            .WithExample("quantize", "checkpoints/tiny", "--out", "checkpoints/tiny-int8");
        config.AddCommand<ExportGgufCommand>("export-gguf").WithDescription("Write a LLaMA-style softmax checkpoint as a GGUF file for llama.cpp or Ollama (--type f32, or q8_0 weight matrices).").WithExample("export-gguf", "checkpoints/softmax", "--out", "softmax.gguf", "--type", "q8_0");
        config.AddCommand<ExportHfCommand>("export-hf").WithDescription("Write a softmax LLaMA-style or GPT-2-style checkpoint as a Hugging Face folder (config.json, model.safetensors, byte tokenizer files) that transformers loads.").WithExample("export-hf", "checkpoints/softmax", "--out", "hf/softmax");
        config.AddCommand<CheckCausalityCommand>("check-causality")
            .WithDescription("Probe a checkpoint for causality by perturbation in Forward, Step and Verify; exit code 0 when causal, 1 when an output sees a later token.")
            .WithExample("check-causality", "checkpoints/tiny");
        config.AddCommand<StudyCommand>("study")
            .WithDescription("Reproduce the paper's study at CPU scale: train softmax, four linear attentions, FLASH-style, the augmented form, its ablations and a leaky-conv variant with one budget and seed, then report validation perplexity, a generation check, the causality probe, decode latency and state bytes against context, and speculative decoding with a fixed draft (study.json, study.md, PNG figures in --out).")
            .WithExample("study", "--quick", "--out", "artifacts/study-quick")
            .WithExample("study", "--out", "artifacts/study", "--seed", "1");
        config.AddCommand<LinearizeStudyCommand>("linearize-study")
            .WithDescription("The paper's main experiment at CPU scale: pretrain a softmax teacher, linearize it into linear variants, fine-tune each by (a) everything and (b) attention transfer + LoRA at 10 % and 25 % of the pretraining budget, compare with the variants from scratch and the teacher, and decode speculatively with distilled drafts (linearize.json, linearize.md, PNG figures in --out).")
            .WithExample("linearize-study", "--budget", "quick", "--out", "artifacts/linearize-quick")
            .WithExample("linearize-study", "--variants", "augmented,elu,performer", "--lora-rank", "16");
    }
}
