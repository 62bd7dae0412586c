using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Modeling;

/// <summary>
/// The Medusa-1 heads of a <see cref="CausalLanguageModel"/> (state-dict keys medusa.{head}.{block}.weight and
/// .bias): head i maps the final hidden state h (after the final norm) through residual blocks h + SiLU(W h + b);
/// the model's own output head then turns the result into logits for the token i + 2 positions ahead. The output
/// head is shared (no new vocabulary matrix), and the weights start at zero, so an untrained head repeats the
/// model's next-token distribution.
/// </summary>
public sealed class MedusaHeads : nn.Module<Tensor, Tensor>
{
    readonly MedusaHead[] _heads;

    /// <summary>Creates <paramref name="spec"/>'s heads for a model of width <paramref name="width"/>, weights at zero.</summary>
    public MedusaHeads(MedusaSpec spec, int width) : base(nameof(MedusaHeads))
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = spec.Problems();
        if (problems.Count > 0) throw new ArgumentException(string.Join(" ", problems), nameof(spec));
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "The model width must be positive.");
        Spec = spec;
        Width = width;
        _heads = new MedusaHead[spec.Count];
        for (int i = 0; i < spec.Count; i++)
        {
            _heads[i] = new MedusaHead(width, spec.Layers);
            // Keys medusa.{i}.{j}.*: the module list layout of the Medusa reference implementation.
            register_module(i.ToString(System.Globalization.CultureInfo.InvariantCulture), _heads[i]);
        }
        ResetToIdentity();
    }

    /// <summary>Whether a state-dict or checkpoint key belongs to the heads.</summary>
    internal static bool IsHeadKey(string key) => key.StartsWith("medusa.", StringComparison.Ordinal);

    /// <summary>The heads' settings.</summary>
    public MedusaSpec Spec { get; }

    /// <summary>Number of heads.</summary>
    public int Count => _heads.Length;

    /// <summary>Width of the hidden state the heads read.</summary>
    public int Width { get; }

    /// <summary>Zeroes every weight and bias: each head then passes the hidden state through unchanged.</summary>
    public void ResetToIdentity()
    {
        using var noGrad = no_grad();
        foreach (var head in _heads) head.Zero();
    }

    /// <summary>Head <paramref name="head"/>'s transform of hidden states [..., width] (before the output head).</summary>
    public Tensor Transform(int head, Tensor hidden)
    {
        if (head < 0 || head >= _heads.Length) throw new ArgumentOutOfRangeException(nameof(head), head, $"The model has Medusa heads 0..{_heads.Length - 1}.");
        return _heads[head].forward(hidden);
    }

    /// <summary>Every head's transform of hidden states [..., width], stacked: [heads, ..., width].</summary>
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return stack(_heads.Select(h => h.forward(hidden)).ToArray(), 0).MoveToOuterDisposeScope();
    }

    /// <summary>One head: residual blocks h + SiLU(W h + b), registered as 0..layers-1.</summary>
    sealed class MedusaHead : nn.Module<Tensor, Tensor>
    {
        readonly Linear[] _blocks;

        public MedusaHead(int width, int layers) : base(nameof(MedusaHead))
        {
            _blocks = new Linear[layers];
            for (int j = 0; j < layers; j++)
            {
                _blocks[j] = nn.Linear(width, width, hasBias: true);
                register_module(j.ToString(System.Globalization.CultureInfo.InvariantCulture), _blocks[j]);
            }
        }

        public void Zero()
        {
            foreach (var block in _blocks)
            {
                block.weight!.zero_();
                block.bias!.zero_();
            }
        }

        public override Tensor forward(Tensor hidden)
        {
            using var scope = NewDisposeScope();
            var h = hidden;
            // call: an adapter may hook a block.
            foreach (var block in _blocks) h = h.add(nn.functional.silu(block.call(h)));
            return h.MoveToOuterDisposeScope();
        }
    }
}
