using System.Text;

namespace LinearDsl.Runtime.Checkpoints.Gguf;

/// <summary>GGUF's metadata value types (the numbers are the format's).</summary>
internal enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}

/// <summary>One metadata value: a scalar, a string, or an array of scalars or strings (the kinds the export writes).</summary>
internal abstract record GgufValue
{
    public abstract GgufValueType Type { get; }

    public static GgufValue UInt32(uint value) => new Scalar(GgufValueType.UInt32, w => w.Write(value));

    public static GgufValue Float32(float value) => new Scalar(GgufValueType.Float32, w => w.Write(value));

    public static GgufValue Bool(bool value) => new Scalar(GgufValueType.Bool, w => w.Write((byte)(value ? 1 : 0)));

    public static GgufValue String(string value) => new Scalar(GgufValueType.String, w => GgufWriter.WriteString(w, value));

    public static GgufValue Strings(IReadOnlyList<string> values)
        => new ArrayValue(GgufValueType.String, values.Count, w => { foreach (var v in values) GgufWriter.WriteString(w, v); });

    public static GgufValue Int32s(IReadOnlyList<int> values)
        => new ArrayValue(GgufValueType.Int32, values.Count, w => { foreach (var v in values) w.Write(v); });

    /// <summary>Writes the type tag and the value.</summary>
    public void WriteTo(BinaryWriter output)
    {
        output.Write((uint)Type);
        WriteBody(output);
    }

    protected abstract void WriteBody(BinaryWriter output);

    sealed record Scalar(GgufValueType ScalarType, Action<BinaryWriter> Body) : GgufValue
    {
        public override GgufValueType Type => ScalarType;

        protected override void WriteBody(BinaryWriter output) => Body(output);
    }

    /// <summary>An array: element type, 64-bit count, then the elements without their own type tags.</summary>
    sealed record ArrayValue(GgufValueType ElementType, int Count, Action<BinaryWriter> Elements) : GgufValue
    {
        public override GgufValueType Type => GgufValueType.Array;

        protected override void WriteBody(BinaryWriter output)
        {
            output.Write((uint)ElementType);
            output.Write((ulong)Count);
            Elements(output);
        }
    }
}
