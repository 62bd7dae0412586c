using System.Globalization;
using LinearDsl.Models;
using LinearDsl.Runtime.Decoding;
using LinearDsl.Runtime.Diagnostics;
using LinearDsl.Runtime.Modeling;
using LinearDsl.Runtime.Tokenization;
using static TorchSharp.torch;

namespace LinearDsl.Benchmarks;

/// <summary>
/// Plain, chain, tree from the draft, Medusa heads and heads + draft on the bundled pair, greedy, one corpus prompt; then a
/// sweep over tree sizes (static shapes and node budgets) that shows where a bigger tree stops paying, because tree
/// verification costs grow with the nodes on a CPU. Every row checks that its text equals plain decoding.
/// Heads rows appear only when the bundled target carries trained heads.
/// </summary>
public sealed class SpeculativeTreeBenchmarks(bool quick, TextWriter log, int? repeats = null)
{
    const int PromptLength = 32;
    int NewTokens => quick ? 8 : 128;
    int Repeats => repeats ?? (quick ? 1 : 5);

    static readonly string[] SweepShapes = ["1,1,1,1", "2,1,1,1", "2,2,1,1", "3,2,1,1", "3,3,2,1", "4,4,2,2"];
    static readonly int[] SweepBudgets = [4, 8, 16, 32, 64];
    static readonly string[] HeadsShapes = ["1,1,1,1", "2,1,1,1", "2,2,1,1", "3,2,2,1"];
    static readonly int[] HeadsBudgets = [4, 6, 8, 12, 16];
    static readonly string[] HeadsAndDraftShapes = ["1,1,1,1,1", "1,1,1,1,1,1", "2,1,1,1,1,1", "1,1,1,1,1,1,1,1"];
    static readonly int[] ChainLengths = [3, 5, 6];

    public List<SpeculativeMeasurement> Run()
    {
        using var _ = inference_mode();
        set_num_threads(1);
        using var target = BundledModels.LoadTarget();
        using var draft = BundledModels.LoadDraft();
        // A passage of the corpus the pair was trained on: random bytes would measure acceptance on text it never sees.
        string corpus = File.ReadAllText(BundledModels.CorpusFile);
        var prompt = new ByteTokenizer().Encode(corpus.Substring(corpus.Length / 2, PromptLength));
        var options = new GenerationOptions { MaxNewTokens = NewTokens, Sampling = SamplingOptions.Greedy };
        var tree = new SpeculationOptions { Mode = SpeculationMode.Tree };

        var modes = new List<ComparedDecoder>
        {
            new("bundled plain", "none", "-", new PlainDecoder(target)),
            new("bundled chain m=4", "bundled draft", "4", new SpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = 4 })),
            new("bundled tree", "bundled draft", Shape(tree), new TreeSpeculativeDecoder(target, draft, tree)),
        };
        if (target.Medusa is not null)
        {
            var heads = tree with { Mode = SpeculationMode.Heads, TreeBranching = HeadsShape(target.Medusa.Count) };
            modes.Add(new("bundled heads", "none", Shape(heads), new TreeSpeculativeDecoder(target, null, heads)));
            modes.Add(new("bundled heads+draft", "bundled draft", Shape(tree), new TreeSpeculativeDecoder(target, draft, tree with { Mode = SpeculationMode.HeadsAndDraft })));
            var headsOnly = tree with { Mode = SpeculationMode.Heads };
            foreach (var shape in quick ? HeadsShapes.Take(1) : HeadsShapes)
            {
                var sweep = headsOnly with { TreeBranching = Branching(shape) };
                modes.Add(new($"bundled heads sweep {shape}", "none", Shape(sweep), new TreeSpeculativeDecoder(target, null, sweep)));
            }
            foreach (int budget in quick ? HeadsBudgets.Take(1) : HeadsBudgets)
            {
                var sweep = headsOnly with { TreeNodeBudget = budget };
                modes.Add(new($"bundled heads sweep budget {budget}", "none", Shape(sweep), new TreeSpeculativeDecoder(target, null, sweep)));
            }
            // Deeper than the heads: the draft continues each path past the last head.
            foreach (var shape in quick ? HeadsAndDraftShapes.Take(1) : HeadsAndDraftShapes)
            {
                var sweep = tree with { Mode = SpeculationMode.HeadsAndDraft, TreeBranching = Branching(shape) };
                modes.Add(new($"bundled heads+draft sweep {shape}", "bundled draft", Shape(sweep), new TreeSpeculativeDecoder(target, draft, sweep)));
            }
        }
        else
        {
            log.WriteLine("bundled target has no Medusa heads: heads rows skipped");
        }
        foreach (int m in quick ? [] : ChainLengths)
            modes.Add(new($"bundled chain m={m}", "bundled draft", m.ToString(CultureInfo.InvariantCulture), new SpeculativeDecoder(target, draft, new SpeculationOptions { DraftTokens = m })));
        foreach (var shape in quick ? SweepShapes.Take(2) : SweepShapes)
        {
            var sweep = tree with { TreeBranching = Branching(shape) };
            modes.Add(new($"bundled tree sweep {shape}", "bundled draft", Shape(sweep), new TreeSpeculativeDecoder(target, draft, sweep)));
        }
        foreach (int budget in quick ? SweepBudgets.Take(1) : SweepBudgets)
        {
            var sweep = tree with { TreeNodeBudget = budget };
            modes.Add(new($"bundled tree sweep budget {budget}", "bundled draft", Shape(sweep), new TreeSpeculativeDecoder(target, draft, sweep)));
        }

        var rows = DecoderComparison.Run(modes, prompt, options, Repeats);
        foreach (var row in rows)
            log.WriteLine($"{row.Mode,-44} {row.DraftTokens,-16} {row.TokensPerSecond,8:F1} tokens/s  {row.TokensPerTargetCall,5:F2} tokens/call  speed-up {row.Speedup,5:F2}  identical {row.Identical}  draft calls/call {row.DraftCallsPerTargetCall:F2}");
        return rows;
    }

    static int[] Branching(string shape) => shape.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The tree column: the static branching or the node budget.</summary>
    static string Shape(SpeculationOptions options) => options.TreeNodeBudget is int budget
        ? $"budget {budget}"
        : string.Join(",", options.TreeBranching);

    /// <summary>Heads alone reach as deep as there are heads: the default shape cut to that depth.</summary>
    static int[] HeadsShape(int heads) => HeadsBranching.Take(Math.Max(1, heads)).ToArray();

    static readonly int[] HeadsBranching = [3, 2, 2, 1, 1, 1, 1, 1];
}
