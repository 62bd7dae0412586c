namespace LinearDsl.Runtime.Hosting;

/// <summary>Keys of the keyed <see cref="Modeling.CausalLanguageModel"/> singletons that <c>AddLinearDsl</c> registers.</summary>
public static class LinearDslServiceKeys
{
    /// <summary>The target model: <c>provider.GetRequiredKeyedService&lt;CausalLanguageModel&gt;("target")</c>.</summary>
    public const string Target = "target";

    /// <summary>The draft model: <c>provider.GetRequiredKeyedService&lt;CausalLanguageModel&gt;("draft")</c> (only when one is configured).</summary>
    public const string Draft = "draft";
}
