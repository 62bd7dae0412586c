// Also linked into the generator and the analyzers (LINEARDSL_ROSLYN), whose shared mixer options use it.
#if LINEARDSL_ROSLYN
namespace LinearDsl.Kinds
#else
namespace LinearDsl
#endif
{
    /// <summary>
    /// How the global term of <c>[LinearAttention]</c> (the augmented form) forgets: not at all (the paper's plain
    /// sum over earlier groups) or with GLA's data-dependent per-key-dimension gates. Gates never read later tokens,
    /// so the choice does not change whether a declaration is causal.
    /// </summary>
    public enum GateKind
    {
        /// <summary>No gate: the global term sums k^ v^T over complete earlier groups. The default.</summary>
        None = 0,

        /// <summary>
        /// GLA gates: log a_t = logsigmoid(k_t W_g + b_g) / GateTemperature per key dimension, computed from the key;
        /// the global state decays by a_t at every token (docs/dsl.md, "Gated global term").
        /// </summary>
        Gla = 1,
    }
}
