using System.Collections.Immutable;
using LinearDsl.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LinearDsl.Generators.Tests;

/// <summary>Runs the model generator over source text, the way the compiler does.</summary>
public static class GeneratorHarness
{
    static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        // The platform and the project's libraries, but not this test assembly (its declared models would clash).
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) != "LinearDsl.Generators.Tests.dll").ToList();
        paths.Add(typeof(CausalLMAttribute).Assembly.Location);
        paths.Add(typeof(LinearDsl.Runtime.Mixers.TokenMixer).Assembly.Location);
        paths.Add(typeof(TorchSharp.torch).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    });

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    public static CSharpCompilation Compile(params string[] sources)
        => CSharpCompilation.Create("Declarations",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Model{i}.cs")),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver(bool trackSteps = false)
        => CSharpGeneratorDriver.Create(new[] { new ModelGenerator().AsSourceGenerator() }, parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Generated sources, generator diagnostics and the diagnostics of compiling everything together.</summary>
    public static (GeneratorRunResult Run, ImmutableArray<Diagnostic> CompileDiagnostics) Run(params string[] sources)
    {
        var compilation = Compile(sources);
        var driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var run = driver.GetRunResult().Results.Single();
        return (run, output.GetDiagnostics());
    }
}
