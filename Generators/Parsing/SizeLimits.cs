using System;
using System.Globalization;
using LinearDsl.Generators.Diagnostics;
using Microsoft.CodeAnalysis;

namespace LinearDsl.Generators.Parsing
{
    /// <summary>
    /// Sizes that cannot be built, found before anything is allocated or emitted: every tensor must hold at most
    /// int.MaxValue values (the runtime reads weights and scratch rows as spans), and the decode program is written
    /// out layer by layer, so Layers is bounded. Products are computed in decimal, so nothing overflows.
    /// </summary>
    internal sealed class SizeLimits
    {
        /// <summary>The most layers the generator writes out (far more than any model this runtime decodes).</summary>
        public const int MaxLayers = 4096;

        readonly Action<string, Location, string[]> _report;

        public SizeLimits(Action<string, Location, string[]> report) => _report = report;

        public bool CheckLayers(int layers, Location location, string name = "CausalLM.Layers")
        {
            if (layers <= MaxLayers) return true;
            _report(Descriptors.TooLargeId, location, new[] { name, Text(layers), $"the {MaxLayers} layers the generator writes out", $"use at most {MaxLayers} layers" });
            return false;
        }

        public bool CheckModel(int vocab, int dim, int context, bool learnedPositions, Location location)
        {
            bool ok = Tensor("The token embedding's VocabSize x Dim", vocab, dim, location, "give a smaller VocabSize or Dim");
            if (learnedPositions) ok &= Tensor("The learned position table's ContextLength x Dim", context, dim, location, "give a smaller ContextLength or Dim, or use [Rotary]");
            return ok;
        }

        public bool CheckMlp(int hidden, int dim, Location location)
            => Tensor("The MLP's Hidden x Dim", hidden, dim, location, "give a smaller Hidden or Dim");

        public bool CheckMixer(string prefix, int heads, int kvHeads, int dim, Location location)
        {
            long headSize = dim / heads;
            return Tensor($"The fused q/k/v projection of {prefix} ((Heads + 2 x KvHeads) x head size by Dim)", (heads + 2L * kvHeads) * headSize, dim, location, "give a smaller Dim")
                & Tensor($"The output projection of {prefix} (Dim x Dim)", (long)heads * headSize, dim, location, "give a smaller Dim");
        }

        public bool CheckConv(int taps, long channels, Location location)
            => Tensor("The causal conv's ConvTaps x channels", taps, channels, location, "give fewer ConvTaps");

        public bool CheckFeatures(int featureDim, long headSize, Location location)
            => Tensor("The feature map's FeatureDim x head size", featureDim, headSize, location, "give a smaller FeatureDim");

        bool Tensor(string what, long rows, long columns, Location location, string fix)
        {
            if (rows <= 0 || columns <= 0) return true;
            decimal values = (decimal)rows * columns;
            if (values <= int.MaxValue) return true;
            _report(Descriptors.TooLargeId, location, new[]
            {
                what, $"{Text(rows)} x {Text(columns)} = {values.ToString(CultureInfo.InvariantCulture)} values",
                $"the {Text(int.MaxValue)} values one tensor can hold", fix,
            });
            return false;
        }

        static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
