using System.Buffers.Binary;

namespace LinearDsl.Runtime.Checkpoints.Gguf;

/// <summary>
/// ggml's Q8_0 blocks: every run of 32 consecutive values of a row is stored as an IEEE half scale d = max|x| / 127
/// followed by 32 signed bytes round(x / d) (34 bytes a block), as llama.cpp's reference quantizer writes them
/// (the bytes are computed with the float scale, before it is rounded to half; a block of zeros has scale 0).
/// </summary>
internal static class GgufQ8_0
{
    public const int BlockSize = 32;

    public const int BlockBytes = 2 + BlockSize;

    public static byte[] Quantize(ReadOnlySpan<float> values, long rowLength)
    {
        if (rowLength <= 0 || rowLength % BlockSize != 0)
            throw new ArgumentException($"Q8_0 needs rows of a multiple of {BlockSize} values; these rows have {rowLength}.", nameof(rowLength));
        if (values.Length % BlockSize != 0)
            throw new ArgumentException($"Q8_0 needs a multiple of {BlockSize} values; got {values.Length}.", nameof(values));
        int blocks = values.Length / BlockSize;
        var data = new byte[(long)blocks * BlockBytes];
        for (int b = 0; b < blocks; b++)
        {
            var block = values.Slice(b * BlockSize, BlockSize);
            float max = 0;
            foreach (float x in block) max = MathF.Max(max, MathF.Abs(x));
            float scale = max / 127f;
            float inverse = scale != 0 ? 1f / scale : 0f;
            var target = data.AsSpan(b * BlockBytes, BlockBytes);
            BinaryPrimitives.WriteHalfLittleEndian(target, (Half)scale);
            for (int i = 0; i < BlockSize; i++) target[2 + i] = unchecked((byte)(sbyte)MathF.Round(block[i] * inverse, MidpointRounding.AwayFromZero));
        }
        return data;
    }
}
