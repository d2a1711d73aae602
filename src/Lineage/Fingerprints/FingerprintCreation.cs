using System.Globalization;
using Lineage.Suspects;

namespace Lineage.Fingerprints;

/// <summary>The create path for every method of the catalog: source model + owner data + parameters → fingerprint,
/// with its decision rules calibrated as <see cref="RuleOptions"/> says.</summary>
public static class FingerprintCreation
{
    public static Fingerprint Create(string method, CreationContext context, IReadOnlyDictionary<string, string>? parameters, RuleOptions rule)
    {
        var m = FingerprintCatalog.Get(method);
        var resolved = MethodParameters.Resolve(m.Info, parameters);
        var source = context.Source;
        var owner = context.OwnerData;
        if (owner.Channels != source.Preprocessing.Channels || owner.Height != source.Preprocessing.Height || owner.Width != source.Preprocessing.Width)
            throw new ArgumentException($"the owner's data has images of {Engine.Tensor.FormatShape(owner.ImageShape)}, the source {source.Name} takes {Engine.Tensor.FormatShape(source.Preprocessing.Shape)}");
        if (context.Kit is { } kit) kit.RequireFor(source.Hash, owner.Origin.DatasetName);
        else if (m.Info.Has(MethodNeeds.KitReferences) || m.Info.Has(MethodNeeds.KitSurrogates))
            throw new ArgumentException($"{m.Info.Name} learns from the owner's kit of reference and surrogate models: give one with --kit KIT (build it with 'lineage kit build --source SRC --data NAME --out KIT')");
        var sampled = m.Sample(context, resolved);
        if (sampled.Queries.Rank != 4 || sampled.Queries.Shape[0] == 0)
            throw new InvalidOperationException($"{m.Info.Name} produced queries of shape {Engine.Tensor.FormatShape(sampled.Queries.Shape)}; expected [n>0, C, H, W]");
        var logits = source.LogitsOf(sampled.Queries);
        var recorded = new Dictionary<string, string>(resolved.Values, StringComparer.Ordinal)
        {
            ["seed"] = context.Seed.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (k, v) in sampled.Facts) recorded[k] = v;
        if (context.Kit is { } used) recorded["kit"] = used.Hash;
        var draft = new Fingerprint
        {
            Method = m.Info.Name,
            CreatedUtc = DateTimeOffset.UtcNow,
            SourceModelHash = source.Hash,
            Parameters = recorded,
            Queries = sampled.Queries,
            SourceOutput = SuspectOutput.FromLogits(logits, sampled.Queries.Shape[0], source.Classes),
            ExpectedLabels = sampled.ExpectedLabels,
            Artifacts = sampled.Artifacts,
            Preprocessing = source.Preprocessing,
            Rules = [],
        };
        draft.Rules = rule.WithKitReferences(sampled.KitModelsUsed).Resolve(draft, m);
        return draft;
    }
}
