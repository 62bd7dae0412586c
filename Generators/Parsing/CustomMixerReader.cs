using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using LinearDsl.Generators.Diagnostics;
using LinearDsl.Generators.Emitting;
using LinearDsl.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LinearDsl.Generators.Parsing
{
    /// <summary>
    /// Reads <c>[Mixer&lt;TMixer&gt;(Settings = ...)]</c>: TMixer must be a concrete CustomMixer&lt;TState&gt; with one public
    /// constructor (MixerGeometry, then settings and an optional RotaryEmbedding), and the settings must bind to it, as
    /// the runtime binds them from config.json (LinearDsl.Runtime.Mixers.CustomMixerConstructor).
    /// </summary>
    internal static class CustomMixerReader
    {
        const string MixersNamespace = "LinearDsl.Runtime.Mixers";
        const string Geometry = "LinearDsl.Runtime.Mixers.MixerGeometry";
        const string Rotary = "LinearDsl.Runtime.Positional.RotaryEmbedding";

        static readonly SpecialType[] SettingTypes =
            { SpecialType.System_Int32, SpecialType.System_Int64, SpecialType.System_Single, SpecialType.System_Double, SpecialType.System_Boolean, SpecialType.System_String };

        /// <summary>Whether the attribute is LinearDsl.MixerAttribute&lt;TMixer&gt;.</summary>
        public static bool IsCustomMixer(AttributeData attribute)
            => attribute.AttributeClass is { IsGenericType: true } type && type.OriginalDefinition.ToDisplayString() == "LinearDsl.MixerAttribute<TMixer>";

        /// <summary>"Mixer&lt;CosFormerMixer&gt;" for messages.</summary>
        public static string Prefix(AttributeData attribute)
            => $"Mixer<{attribute.AttributeClass?.TypeArguments.FirstOrDefault()?.Name}>";

        /// <summary>The declared mixer, or null after reporting why it cannot be built.</summary>
        public static CustomMixerDecl? Read(AttributeData attribute, Location at, Location settingsAt, Action<string, Location, string[]> report)
        {
            if (!(attribute.AttributeClass?.TypeArguments.FirstOrDefault() is INamedTypeSymbol mixer) || mixer.TypeKind == TypeKind.Error) return null;   // the compiler reports it
            string name = mixer.Name;
            if (!DerivesFromCustomMixer(mixer))
            {
                report(Descriptors.MixerNotCustomId, at, new[] { name });
                return null;
            }
            if (mixer.IsAbstract)
            {
                report(Descriptors.MixerAbstractId, at, new[] { name });
                return null;
            }
            var constructors = mixer.InstanceConstructors.Where(c => c.DeclaredAccessibility == Accessibility.Public && Fits(c)).ToList();
            if (constructors.Count != 1)
            {
                report(Descriptors.MixerConstructorId, at, constructors.Count == 0
                    ? new[] { $"'{name}' has no public constructor whose first parameter is a MixerGeometry and whose others are settings (int, long, float, double, bool or string) or a RotaryEmbedding", "add one, e.g. public " + name + "(MixerGeometry geometry, int maxLength = 1024)" }
                    : new[] { $"'{name}' has {constructors.Count} public constructors that start with a MixerGeometry", "keep one, so that the model and config.json build the mixer one way" });
                return null;
            }
            var parameters = constructors[0].Parameters.Skip(1).Where(p => TypeName(p.Type) != Rotary).ToList();
            var given = ReadSettings(attribute, parameters, settingsAt, report);
            if (given == null) return null;
            var settings = new List<CustomMixerSetting>();
            foreach (var parameter in parameters)
            {
                if (given.TryGetValue(parameter.Name, out var literal)) settings.Add(new CustomMixerSetting(parameter.Name, literal));
                else if (parameter.HasExplicitDefaultValue && Literal(parameter.ExplicitDefaultValue, parameter.Type.SpecialType) is string fallback) settings.Add(new CustomMixerSetting(parameter.Name, fallback));
                else if (parameter.HasExplicitDefaultValue)
                {
                    report(Descriptors.MixerSettingsId, settingsAt, new[] { $"{name}'s constructor parameter '{parameter.Name}' defaults to a value config.json cannot hold (NaN or an infinity)", $"give \"{parameter.Name}\" a finite value in Settings" });
                    return null;
                }
                else
                {
                    report(Descriptors.MixerSettingsId, settingsAt, new[] { $"{name}'s constructor parameter '{parameter.Name}' has no default and Settings does not give it", $"add \"{parameter.Name}\", a value to Settings" });
                    return null;
                }
            }
            return new CustomMixerDecl(mixer.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), name, settings.ToEquatableArray());
        }

        /// <summary>The Settings pairs as literals by parameter name, or null after reporting the first problem.</summary>
        static Dictionary<string, string>? ReadSettings(AttributeData attribute, List<IParameterSymbol> parameters, Location at, Action<string, Location, string[]> report)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            var named = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Settings").Value;
            if (named.Kind != TypedConstantKind.Array || named.IsNull) return result;
            var values = named.Values;
            string Fail(string problem, string fix)
            {
                report(Descriptors.MixerSettingsId, at, new[] { problem, fix });
                return null!;
            }
            if (values.Length % 2 != 0)
            {
                Fail($"Settings has {values.Length} values, not name/value pairs", "give each setting as \"name\", value");
                return null;
            }
            string known = parameters.Count == 0 ? "none" : string.Join(", ", parameters.Select(p => $"'{p.Name}' ({p.Type.ToDisplayString()})"));
            for (int i = 0; i < values.Length; i += 2)
            {
                if (!(values[i].Value is string name))
                {
                    Fail($"Settings[{i}] is not a string name", "give each setting as \"name\", value");
                    return null;
                }
                var parameter = parameters.FirstOrDefault(p => p.Name == name);
                if (parameter == null)
                {
                    Fail($"Settings names '{name}', which is not a setting of the mixer's constructor (its settings: {known})", "use one of those names");
                    return null;
                }
                if (result.ContainsKey(name))
                {
                    Fail($"Settings gives '{name}' twice", "give each setting once");
                    return null;
                }
                var literal = Convert(values[i + 1], parameter.Type.SpecialType);
                if (literal == null)
                {
                    Fail($"Settings gives '{name}' the value {Show(values[i + 1])}, which is not a finite {parameter.Type.ToDisplayString()}", $"give a constant of type {parameter.Type.ToDisplayString()}");
                    return null;
                }
                result[name] = literal;
            }
            return result;
        }

        static bool DerivesFromCustomMixer(INamedTypeSymbol type)
        {
            for (var t = type.BaseType; t != null; t = t.BaseType)
                if (t.OriginalDefinition.MetadataName == "CustomMixer`1" && t.ContainingNamespace?.ToDisplayString() == MixersNamespace) return true;
            return false;
        }

        /// <summary>The type's name without a nullable annotation (RotaryEmbedding? is a RotaryEmbedding).</summary>
        static string TypeName(ITypeSymbol type) => type.WithNullableAnnotation(NullableAnnotation.None).ToDisplayString();

        static bool Fits(IMethodSymbol constructor)
        {
            var parameters = constructor.Parameters;
            if (parameters.Length == 0 || TypeName(parameters[0].Type) != Geometry) return false;
            var rest = parameters.Skip(1).ToList();
            return rest.Count(p => TypeName(p.Type) == Rotary) <= 1
                && rest.All(p => TypeName(p.Type) == Rotary || SettingTypes.Contains(p.Type.SpecialType));
        }

        /// <summary>A constant given for a setting of type <paramref name="type"/> as C#, or null when it does not fit.</summary>
        static string? Convert(TypedConstant value, SpecialType type)
        {
            if (value.Kind == TypedConstantKind.Error) return null;
            object? v = value.Value;
            if (value.Kind == TypedConstantKind.Array) return null;
            switch (type)
            {
                case SpecialType.System_Int32: return v is int ? Literal(v, type) : null;
                case SpecialType.System_Int64: return v is int || v is long ? Literal(System.Convert.ToInt64(v, CultureInfo.InvariantCulture), type) : null;
                case SpecialType.System_Single: return v is int || v is long || v is float ? Literal(System.Convert.ToSingle(v, CultureInfo.InvariantCulture), type) : null;
                case SpecialType.System_Double: return v is int || v is long || v is float || v is double ? Literal(System.Convert.ToDouble(v, CultureInfo.InvariantCulture), type) : null;
                case SpecialType.System_Boolean: return v is bool ? Literal(v, type) : null;
                case SpecialType.System_String: return v == null || v is string ? Literal(v, type) : null;
                default: return null;
            }
        }

        /// <summary>A setting value as C# (null when not representable in config.json: NaN or an infinity).</summary>
        static string? Literal(object? value, SpecialType type)
        {
            switch (value)
            {
                case null: return type == SpecialType.System_String ? "null" : Literal(0, type);
                case bool b: return b ? "true" : "false";
                case int i when type == SpecialType.System_Int64: return i.ToString(CultureInfo.InvariantCulture) + "L";
                case int i when type == SpecialType.System_Double: return OptionsEmitter.Number(i);
                case int i when type == SpecialType.System_Single: return i.ToString(CultureInfo.InvariantCulture) + "f";
                case int i: return i.ToString(CultureInfo.InvariantCulture);
                case long l: return l.ToString(CultureInfo.InvariantCulture) + "L";
                case float f: return float.IsNaN(f) || float.IsInfinity(f) ? null : f.ToString("R", CultureInfo.InvariantCulture) + "f";
                case double d: return double.IsNaN(d) || double.IsInfinity(d) ? null : OptionsEmitter.Number(d);
                case string s: return SymbolDisplay.FormatLiteral(s, quote: true);
                default: return null;
            }
        }

        static string Show(TypedConstant value)
            => value.Kind == TypedConstantKind.Array ? "an array" : value.Value == null ? "null" : value.Value is string s ? SymbolDisplay.FormatLiteral(s, quote: true) : System.Convert.ToString(value.Value, CultureInfo.InvariantCulture) ?? "?";
    }
}
