using TorchSharp;
using static TorchSharp.torch;

namespace LinearDsl.Runtime.Mixers;

/// <summary>Small tensor helpers shared by the linear mixers.</summary>
internal static class MixerMath
{
    /// <summary>Pads the time axis (dim 2) of [batch, heads, time, dim] with zeros up to <paramref name="padded"/>.</summary>
    public static Tensor PadTime(Tensor x, long padded)
        => padded == x.shape[2] ? x : nn.functional.pad(x, (0, 0, 0, padded - x.shape[2]));

    /// <summary>x @ state computed in the state's dtype (recurrent sums are kept in float32 or better).</summary>
    public static Tensor MatmulInStateType(Tensor x, Tensor state)
        => x.dtype == state.dtype ? x.matmul(state) : x.to_type(state.dtype).matmul(state).to_type(x.dtype);

    /// <summary>keys^T @ values (a sum of outer products over the time axis), computed in the state's dtype.</summary>
    public static Tensor OuterSumInStateType(Tensor keys, Tensor values, ScalarType stateDtype)
        => keys.dtype == stateDtype
            ? keys.transpose(-1, -2).matmul(values)
            : keys.to_type(stateDtype).transpose(-1, -2).matmul(values.to_type(stateDtype));

    /// <summary>Element type of recurrent sums for inputs of <paramref name="dtype"/>: float64 stays, all else is float32.</summary>
    public static ScalarType StateDtype(ScalarType dtype) => dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
}
