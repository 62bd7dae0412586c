using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace LinearDsl.Generators.Diagnostics
{
    /// <summary>
    /// Diagnostics of the model generator: declarations it cannot honour. IDs LDSL1001-LDSL1099 belong to the
    /// generator (analyzers use LDSL2xxx); each has a page at docs/diagnostics/ID.md. The message names the
    /// offending property and value and says how to fix it.
    /// </summary>
    internal static class Descriptors
    {
        const string Category = "LinearDsl.Generator";

        public const string NotPartialId = "LDSL1001";
        public const string InvalidModelNumberId = "LDSL1002";
        public const string MissingMixerId = "LDSL1003";
        public const string LayerCoverageId = "LDSL1004";
        public const string HeadsDoNotDivideId = "LDSL1005";
        public const string KvHeadsDoNotDivideId = "LDSL1006";
        public const string GroupSettingsId = "LDSL1007";
        public const string ConflictingAttributesId = "LDSL1008";
        public const string OptionNotForFeatureMapId = "LDSL1009";
        public const string InvalidMixerNumberId = "LDSL1010";
        public const string UnsupportedClassId = "LDSL1011";
        public const string InvalidDraftId = "LDSL1012";
        public const string DraftNotCheaperId = "LDSL1013";
        public const string InternalErrorId = "LDSL1099";

        public static readonly DiagnosticDescriptor NotPartial = Create(NotPartialId, "Model class is not partial");
        public static readonly DiagnosticDescriptor InvalidModelNumber = Create(InvalidModelNumberId, "Model size is missing or not positive");
        public static readonly DiagnosticDescriptor MissingMixer = Create(MissingMixerId, "Model has no token mixer");
        public static readonly DiagnosticDescriptor LayerCoverage = Create(LayerCoverageId, "Layers are not covered exactly once by the mixer attributes");
        public static readonly DiagnosticDescriptor HeadsDoNotDivide = Create(HeadsDoNotDivideId, "Heads do not divide the model width");
        public static readonly DiagnosticDescriptor KvHeadsDoNotDivide = Create(KvHeadsDoNotDivideId, "KV heads do not divide the heads");
        public static readonly DiagnosticDescriptor GroupSettings = Create(GroupSettingsId, "Group settings do not fit the context length");
        public static readonly DiagnosticDescriptor ConflictingAttributes = Create(ConflictingAttributesId, "Conflicting model attributes");
        public static readonly DiagnosticDescriptor OptionNotForFeatureMap = Create(OptionNotForFeatureMapId, "Option does not apply to this feature map");
        public static readonly DiagnosticDescriptor InvalidMixerNumber = Create(InvalidMixerNumberId, "Setting out of range");
        public static readonly DiagnosticDescriptor UnsupportedClass = Create(UnsupportedClassId, "Model class shape not supported");
        public static readonly DiagnosticDescriptor InvalidDraft = Create(InvalidDraftId, "Draft target is not a declared model");
        public static readonly DiagnosticDescriptor DraftNotCheaper = Create(DraftNotCheaperId, "Draft is not cheaper than its target", DiagnosticSeverity.Warning);
        public static readonly DiagnosticDescriptor InternalError = Create(InternalErrorId, "The generator failed on this declaration");

        static readonly Dictionary<string, DiagnosticDescriptor> All = new[]
        {
            NotPartial, InvalidModelNumber, MissingMixer, LayerCoverage, HeadsDoNotDivide, KvHeadsDoNotDivide, GroupSettings,
            ConflictingAttributes, OptionNotForFeatureMap, InvalidMixerNumber, UnsupportedClass, InvalidDraft, DraftNotCheaper, InternalError,
        }.ToDictionary(d => d.Id);

        public static DiagnosticDescriptor ById(string id) => All[id];

        static DiagnosticDescriptor Create(string id, string title, DiagnosticSeverity severity = DiagnosticSeverity.Error)
            => new DiagnosticDescriptor(id, title, "{0}", Category, severity, isEnabledByDefault: true,
                helpLinkUri: $"docs/diagnostics/{id}.md");
    }
}
