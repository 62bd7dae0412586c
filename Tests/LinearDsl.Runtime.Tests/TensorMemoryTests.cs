namespace LinearDsl.Runtime.Tests;

/// <summary>The one checked way to read a tensor's memory in place.</summary>
public sealed class TensorMemoryTests
{
    [Fact]
    public void A_contiguous_cpu_tensor_of_the_right_type_is_read_in_place()
    {
        using var scope = NewDisposeScope();
        var t = arange(6, ScalarType.Float64).reshape(2, 3);
        var span = TensorMemory.Span<double>(t);
        span.ToArray().Should().Equal(0, 1, 2, 3, 4, 5);
        span[4] = 40;
        t[1, 1].item<double>().Should().Be(40, "the span is the tensor's own memory");
    }

    [Fact]
    public void A_tensor_of_another_dtype_is_refused()
    {
        using var scope = NewDisposeScope();
        var t = zeros(4, ScalarType.Float32);
        var act = () => TensorMemory.Span<double>(t).Length;
        act.Should().Throw<ArgumentException>().WithMessage("*Float32*Float64*");
    }

    [Fact]
    public void A_non_contiguous_tensor_is_refused()
    {
        using var scope = NewDisposeScope();
        var t = arange(6, ScalarType.Float32).reshape(2, 3).t();
        var act = () => TensorMemory.Span<float>(t).Length;
        act.Should().Throw<ArgumentException>().WithMessage("*not contiguous*");
    }

    [Fact]
    public void A_contiguous_slice_reads_from_its_own_offset()
    {
        using var scope = NewDisposeScope();
        var t = arange(6, ScalarType.Float32).narrow(0, 2, 3);
        TensorMemory.Span<float>(t).ToArray().Should().Equal(2f, 3f, 4f);
    }
}
