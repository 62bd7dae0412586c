using System.Text.Json;
using LinearDsl.Runtime.Checkpoints;
using LinearDsl.Runtime.Hosting;
using LinearDsl.Runtime.Tokenization;
using static TorchSharp.torch;

namespace LinearDsl.Cli.Tests;

/// <summary><c>embed</c>, <c>fill-mask</c> and <c>generate</c> on a seq2seq checkpoint, and their one-line refusals.</summary>
public sealed class EncoderCommandTests(EncoderCheckpoints checkpoints) : IClassFixture<EncoderCheckpoints>
{
    static long[] Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text).Select(b => (long)b).ToArray();

    [Fact]
    public async Task Embed_prints_each_texts_pooled_embedding_as_json()
    {
        var result = await CliRunner.RunAsync(["embed", checkpoints.Encoder, "In the beginning", "God"]);

        result.ExitCode.Should().Be(0, result.Output);
        using var document = JsonDocument.Parse(result.Output);
        var rows = document.RootElement.EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("text").GetString()).Should().Equal("In the beginning", "God");
        rows.Select(r => r.GetProperty("tokens").GetInt32()).Should().Equal(16, 3);
        using var scope = NewDisposeScope();
        using var model = Checkpoint.LoadEncoder(checkpoints.Encoder);
        var expected = model.Embed(tensor(Bytes("God"), [1, 3]))[0].data<float>().ToArray();
        rows[1].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).Should().Equal(expected);
    }

    [Fact]
    public async Task Inspect_describes_an_encoder_and_says_it_keeps_no_state()
    {
        var result = await CliRunner.RunAsync(["inspect", checkpoints.Encoder]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Output.Should().Contain("architecture").And.Contain("encoder").And.Contain("mask token 256").And.Contain("pooling");
        using var model = Checkpoint.LoadEncoder(checkpoints.Encoder);
        result.Output.Should().Contain(model.parameters().Sum(p => p.numel()).ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        result.Output.Should().Contain("none: an encoder reads its whole input at once");
    }

    [Fact]
    public async Task Inspect_measures_a_seq2seq_models_encoder_memory_for_two_source_lengths()
    {
        var result = await CliRunner.RunAsync(["inspect", checkpoints.Seq2Seq, "--context", "40"]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Output.Should().Contain("decoder layer").And.Contain("encoder layer").And.Contain("cross-attention").And.Contain("softmax, 2 heads");
        using var scope = NewDisposeScope();
        using var model = Checkpoint.LoadSeq2Seq(checkpoints.Seq2Seq);
        using var memory = model.Encode(zeros([1, 40], ScalarType.Int64));
        result.Output.Should().Contain($"{InspectCommand.Bytes(memory.Bytes)} for 40").And.Contain("(grows with the source)");
    }

    [Fact]
    public async Task Train_refuses_an_encoder_config_and_eval_an_encoder_checkpoint_in_one_line_each()
    {
        var train = await CliRunner.RunAsync(["train", "--config", Path.Combine(checkpoints.Encoder, "config.json"), "--out", Path.Combine(checkpoints.Root, "never")]);
        train.ExitCode.Should().NotBe(0);
        train.Output.Should().Contain("describes an encoder").And.Contain("MaskedLanguageModelTrainer").And.NotContain("   at ");
        Directory.Exists(Path.Combine(checkpoints.Root, "never")).Should().BeFalse();

        var eval = await CliRunner.RunAsync(["eval", checkpoints.Seq2Seq]);
        eval.ExitCode.Should().NotBe(0);
        eval.Output.Should().Contain("holds an encoder-decoder").And.Contain("generate --target DIR").And.NotContain("   at ");
    }

    [Fact]
    public async Task Embed_writes_the_json_to_out()
    {
        string file = Path.Combine(checkpoints.Root, "out", "embeddings.json");
        var result = await CliRunner.RunAsync(["embed", checkpoints.Encoder, "abc", "--out", file]);

        result.ExitCode.Should().Be(0, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().Be($"wrote {file}: 1 embedding of 16 dimensions");
        using var document = JsonDocument.Parse(File.ReadAllText(file));
        document.RootElement[0].GetProperty("embedding").GetArrayLength().Should().Be(16);
    }

    [Fact]
    public async Task Fill_mask_lists_the_top_k_per_mask_and_fills_each_with_the_best()
    {
        string json = Path.Combine(checkpoints.Root, "fills.json");
        var result = await CliRunner.RunAsync(["fill-mask", checkpoints.Encoder, "a[MASK]c[MASK]", "--top-k", "3", "--json", json]);

        result.ExitCode.Should().Be(0, result.Output);
        var lines = result.Lines();
        lines.Where(l => l.StartsWith("mask ", StringComparison.Ordinal)).Should().HaveCount(2);
        lines[0].Should().StartWith("mask 1 (token 1): ");
        lines[1].Should().StartWith("mask 2 (token 3): ");

        // The best fills, computed here from the masked-LM logits (the mask token itself is never a fill).
        using var scope = NewDisposeScope();
        using var model = Checkpoint.LoadEncoder(checkpoints.Encoder);
        var tokens = new long[] { 'a', 256, 'c', 256 };
        var logits = model.MaskedLogits(tensor(tokens, [1, 4]))[0].narrow(1, 0, 256);
        long first = logits[1].argmax().item<long>(), second = logits[3].argmax().item<long>();
        string filled = new ByteTokenizer().Decode([(long)'a', first, 'c', second]);
        lines.Should().Contain(("filled: " + FillMaskCommand.OneLine(filled)).Trim());

        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var masks = document.RootElement.EnumerateArray().ToList();
        masks.Select(m => m.GetProperty("position").GetInt32()).Should().Equal(1, 3);
        var candidates = masks[0].GetProperty("candidates").EnumerateArray().ToList();
        candidates.Should().HaveCount(3);
        candidates[0].GetProperty("token").GetInt64().Should().Be(first);
        candidates.Select(c => c.GetProperty("probability").GetDouble()).Should().BeInDescendingOrder();
    }

    [Fact]
    public async Task Generate_decodes_a_seq2seq_source_as_the_hosted_generator_does()
    {
        var result = await CliRunner.RunAsync(["generate", "--target", checkpoints.Seq2Seq, "--no-speculation", "--max-tokens", "10", "abc"]);

        result.ExitCode.Should().Be(0, result.Output);
        using var model = Checkpoint.LoadSeq2Seq(checkpoints.Seq2Seq);
        var expected = await new Seq2SeqTextGenerator(TextTokenizers.Create("byte-eot"), model)
            .GenerateAsync("abc", new TextGenerationRequest { MaxNewTokens = 10, Temperature = 0, Seed = 0 });
        result.Output.Should().StartWith(ConsoleText.Printable(expected.Text).Trim());
        result.Output.Should().Contain("tokens/s").And.NotContain("speed-up");
    }

    [Fact]
    public async Task Speculative_seq2seq_generation_with_a_draft_gives_the_plain_greedy_text()
    {
        string[] common = ["generate", "--target", checkpoints.Seq2Seq, "--max-tokens", "16", "abc"];
        var plain = await CliRunner.RunAsync([.. common, "--no-speculation"]);
        var speculative = await CliRunner.RunAsync([.. common, "--draft", checkpoints.Seq2SeqDraft, "--draft-tokens", "3"]);
        var self = await CliRunner.RunAsync([.. common, "--draft", checkpoints.Seq2Seq, "--draft-tokens", "3", "--no-compare"]);

        foreach (var run in new[] { plain, speculative, self }) run.ExitCode.Should().Be(0, run.Output);
        string Text(Spectre.Console.Cli.Testing.CommandAppResult run) => run.Output.Split('\n')[0];
        Text(speculative).Should().Be(Text(plain));
        Text(self).Should().Be(Text(plain));
        speculative.Output.Should().Contain("speculative").And.Contain("plain").And.Contain("acceptance rate");
        self.Lines().Should().Contain(l => l.StartsWith("acceptance rate", StringComparison.Ordinal) && l.EndsWith("100.0 %", StringComparison.Ordinal), "a target drafting for itself is always accepted");
    }

    [Theory]
    [InlineData("embed", "causal", "*holds a causal LM*embed needs an encoder checkpoint*generate*")]
    [InlineData("fill-mask", "seq2seq", "*holds an encoder-decoder*fill-mask needs an encoder checkpoint*generate --target*")]
    [InlineData("generate", "encoder", "*is an encoder, which generates no text*fill-mask*embed*")]
    [InlineData("generate-speculative", "seq2seq", "*is an encoder-decoder; speculative decoding needs a seq2seq draft: pass --draft DIR*--no-speculation*")]
    [InlineData("generate-causal-draft", "seq2seq", "*(--draft) holds a causal LM*a seq2seq target takes a seq2seq draft*")]
    [InlineData("chat", "encoder", "*(--target) holds an encoder*this command decodes causal LMs*lineardsl embed*")]
    [InlineData("bench", "seq2seq", "*(--target) holds an encoder-decoder*this command decodes causal LMs*generate --target DIR*")]
    [InlineData("serve", "seq2seq", "*(--target) holds an encoder-decoder*serve batches causal LMs only*AddLinearDsl*")]
    public async Task A_checkpoint_of_the_wrong_architecture_is_one_line_naming_the_right_command(string command, string checkpoint, string message)
    {
        string directory = checkpoint switch { "causal" => checkpoints.Causal, "seq2seq" => checkpoints.Seq2Seq, _ => checkpoints.Encoder };
        string[] args = command switch
        {
            "embed" => ["embed", directory, "text"],
            "fill-mask" => ["fill-mask", directory, "te[MASK]t"],
            "generate" => ["generate", "--target", directory, "--no-speculation", "text"],
            "chat" => ["chat", "--target", directory, "--no-speculation"],
            "bench" => ["bench", "--target", directory],
            "serve" => ["serve", "--target", directory],
            "generate-causal-draft" => ["generate", "--target", directory, "--draft", checkpoints.Causal, "text"],
            _ => ["generate", "--target", directory, "text"],
        };

        var result = await CliRunner.RunAsync(args);

        result.ExitCode.Should().Be(ErrorReporter.UsageError, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().Match("error: " + message);
    }

    [Theory]
    [InlineData(new[] { "fill-mask", "ENC", "no placeholder here" }, "*TEXT has no [MASK]*write [MASK] where a token is to be filled*")]
    [InlineData(new[] { "fill-mask", "ENC", "a<m>b", "--mask", "<m>", "--top-k", "0" }, "*--top-k must be at least 1*")]
    [InlineData(new[] { "embed", "ENC", "" }, "*TEXT is empty*")]
    [InlineData(new[] { "embed", "missing-dir", "text" }, "*checkpoint directory 'missing-dir' (DIR) does not exist*")]
    public async Task Bad_input_is_one_line(string[] args, string message)
    {
        var result = await CliRunner.RunAsync(args.Select(a => a == "ENC" ? checkpoints.Encoder : a).ToArray());

        result.ExitCode.Should().Be(ErrorReporter.UsageError, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().Match("error: " + message);
    }

    [Fact]
    public async Task A_text_longer_than_the_encoders_context_is_refused_before_the_model_runs()
    {
        var result = await CliRunner.RunAsync(["embed", checkpoints.Encoder, "short", new string('x', 65)]);

        result.ExitCode.Should().Be(ErrorReporter.UsageError, result.Output);
        result.Lines().Should().ContainSingle().Which.Should().Be("error: TEXT 2 is 65 tokens, more than the encoder's context of 64; shorten it.");
    }
}
