using System;
using System.Globalization;
using System.Linq;
using System.Reflection;
using LinearDsl.Kinds;

namespace LinearDsl.Generators.Emitting
{
    /// <summary>
    /// Writes a mixer kind's options as a C# object initializer of the runtime's type of the same name: every settable
    /// property in declaration order, so a new kind needs nothing here (its options type is the shared one).
    /// </summary>
    internal static class OptionsEmitter
    {
        const string Mixers = "global::LinearDsl.Runtime.Mixers";

        // Settings that config.json writes only when they are not at their default, written here the same way, so
        // that the config (and the generated code) of a model that does not use them stays as it was before they existed.
        static readonly string[] WrittenOnlyWhenSet = { "LinearAttentionOptions.Bidirectional" };

        public static string Initializer(MixerOptions options)
        {
            if (options is Model.CustomMixerDecl custom) return custom.Initializer();
            var defaults = Activator.CreateInstance(options.GetType());
            var settings = options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0)
                .Where(p => !WrittenOnlyWhenSet.Contains(options.GetType().Name + "." + p.Name) || !Equals(p.GetValue(options), p.GetValue(defaults)))
                .OrderBy(p => p.MetadataToken)
                .Select(p => $"{p.Name} = {Literal(p.GetValue(options))}");
            return $"new {Mixers}.{options.GetType().Name} {{ {string.Join(", ", settings)} }}";
        }

        static string Literal(object? value)
        {
            switch (value)
            {
                case null: return "null";
                case bool b: return b ? "true" : "false";
                case double d: return Number(d);
                case Enum e: return $"global::LinearDsl.{e.GetType().Name}.{e}";
                case int i: return i.ToString(CultureInfo.InvariantCulture);
                case long l: return l.ToString(CultureInfo.InvariantCulture) + "L";
                case string s: return Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(s, quote: true);
                default: throw new NotSupportedException($"A mixer setting of type {value.GetType().Name} cannot be written as C#.");
            }
        }

        public static string Number(double value)
        {
            string text = value.ToString("R", CultureInfo.InvariantCulture);
            return text.Contains(".") || text.Contains("E") ? text : text + ".0";
        }
    }
}
