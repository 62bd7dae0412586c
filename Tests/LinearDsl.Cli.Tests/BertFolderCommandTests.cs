using System.Text.Json;
using LinearDsl.Runtime.Checkpoints.HuggingFace;
using LinearDsl.Runtime.Tokenization;
using static TorchSharp.torch;

namespace LinearDsl.Cli.Tests;

/// <summary><c>embed</c> and <c>fill-mask</c> on a Hugging Face BERT folder: imported exactly, tokenized with its vocab.txt.</summary>
public sealed class BertFolderCommandTests(BertFolder bert) : IClassFixture<BertFolder>
{
    [Fact]
    public void The_wordpiece_tokenizer_frames_the_text_and_reads_mask_tokens_in_it()
    {
        var tokenizer = WordPieceTextTokenizer.FromFolder(bert.Root);
        tokenizer.VocabSize.Should().Be(BertFolder.Vocabulary.Length);
        tokenizer.Encode("The cats sat.").Should().Equal(2, 5, 6, 13, 7, 14, 3);
        tokenizer.Encode("the [MASK] sat").Should().Equal(2, 5, 4, 7, 3);
        tokenizer.Decode([2, 5, 6, 13, 7, 3]).Should().Be("the cats sat");
        var streaming = tokenizer.CreateStreamingDecoder();
        string streamed = string.Concat(new long[] { 5, 6, 13, 7 }.Select(streaming.Append)) + streaming.Flush();
        streamed.Should().Be("the cats sat");
    }

    [Fact]
    public async Task Embed_imports_the_folder_and_pools_its_framed_tokens()
    {
        var result = await CliRunner.RunAsync(["embed", bert.Root, "the dog ran"]);

        result.ExitCode.Should().Be(0, result.Output);
        using var document = JsonDocument.Parse(result.Output);
        var row = document.RootElement[0];
        row.GetProperty("tokens").GetInt32().Should().Be(5, "[CLS] the dog ran [SEP]");
        using var scope = NewDisposeScope();
        using var model = HuggingFaceCheckpoint.LoadEncoder(bert.Root);
        var expected = model.Embed(tensor(new long[] { 2, 5, 10, 11, 3 }, [1, 5]))[0].data<float>().ToArray();
        row.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).Should().Equal(expected);
    }

    [Fact]
    public async Task Fill_mask_fills_the_mask_token_inside_the_framed_sentence()
    {
        var result = await CliRunner.RunAsync(["fill-mask", bert.Root, "the [MASK] sat on a mat", "--top-k", "2"]);

        result.ExitCode.Should().Be(0, result.Output);
        var lines = result.Lines();
        lines[0].Should().StartWith("mask 1 (token 2): ");
        using var scope = NewDisposeScope();
        using var model = HuggingFaceCheckpoint.LoadEncoder(bert.Root);
        var logits = model.MaskedLogits(tensor(new long[] { 2, 5, 4, 7, 8, 12, 9, 3 }, [1, 8]))[0][2].clone();
        logits[4] = double.NegativeInfinity;
        long best = logits.argmax().item<long>();
        lines[0].Should().Contain($"'{BertFolder.Vocabulary[best].Replace("##", "", StringComparison.Ordinal)}'");
        // WordPiece joins a "##" piece to the word before it, so the filled text is decoded, not spliced.
        string filled = WordPieceTextTokenizer.FromFolder(bert.Root).Decode([2, 5, best, 7, 8, 12, 9, 3]);
        lines.Should().Contain("filled: " + filled);
    }

    [Fact]
    public async Task A_vocabulary_of_another_size_is_refused_in_one_line()
    {
        string folder = bert.Root + "-short";
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(bert.Root)) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), BertFolder.Vocabulary.Take(10));
        try
        {
            var result = await CliRunner.RunAsync(["embed", folder, "the cat"]);
            result.ExitCode.Should().NotBe(0);
            result.Output.Should().Contain("vocab.txt of 10 tokens but the encoder has 16").And.NotContain("   at ");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
