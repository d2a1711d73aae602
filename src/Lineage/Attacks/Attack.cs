using System.Globalization;
using Lineage.Data;
using Lineage.Engine;
using Lineage.Models;
using Lineage.Models.Architectures;
using Lineage.Models.Training;

namespace Lineage.Attacks;

/// <summary>
/// What every attack shares: parameters resolved (and validated) at construction, so a bad zoo entry
/// fails before any training; and one way to package the result with its lineage and test accuracy.
/// </summary>
public abstract class Attack : IAttack
{
    protected Attack(string name, IReadOnlyList<AttackParameter> declared, IReadOnlyDictionary<string, string>? parameters)
    {
        Name = name;
        Values = AttackParameters.Resolve(name, declared, parameters);
    }

    public string Name { get; }
    /// <summary>The category the catalog gives this attack's name (one place for it).</summary>
    public AttackCategory Category => AttackCatalog.Describe(Name).Category;
    protected AttackParameters Values { get; }
    public IReadOnlyDictionary<string, string> Parameters => Values.Values;

    public abstract ModelFile Run(ModelFile source, AttackContext context);

    /// <summary>The derived model file: lineage = source's lineage + this step (all parameters, queries spent, seed);
    /// trained on <paramref name="trainedOn"/> (null: no new data, the source's record stays); accuracy measured on <paramref name="test"/> (the context's test set unless the label space changed).</summary>
    protected ModelFile Finish(ModelFile source, Classifier model, AttackContext context, Dataset? trainedOn, long? queries = null, Dataset? test = null,
        IReadOnlyDictionary<string, string>? measured = null)
    {
        var recorded = new Dictionary<string, string>(Parameters);
        if (queries is long q) recorded["queries"] = q.ToString(CultureInfo.InvariantCulture);
        foreach (var (k, v) in measured ?? new Dictionary<string, string>()) recorded[k] = v;
        model.Eval();
        test ??= context.Test;
        return new ModelFile
        {
            Model = model,
            Preprocessing = source.Preprocessing,
            TrainedOn = trainedOn?.Origin.Description ?? source.TrainedOn,
            Lineage = source.Lineage.Derive(Name, source.Hash, context.Seed, recorded),
            TestAccuracy = Evaluate.Accuracy(model, source.Preprocessing, test),
        };
    }

    /// <summary>A structurally identical, independent copy of a model's weights (white-box attacks start here).
    /// Rebuilt from a copy of the spec, because transfer learning changes the spec's class count.</summary>
    protected static Classifier CopyOf(Classifier model)
    {
        var copy = ArchitectureCatalog.Create(model.Spec.Copy(), new Generator(0));
        copy.LoadStateDict(model.StateDict());
        return copy;
    }

    protected static void CheckCompatible(ModelFile source, Dataset data, string role)
    {
        if (!data.ImageShape.AsSpan().SequenceEqual(source.Preprocessing.Shape))
            throw new ArgumentException($"the {role} has images of {Tensor.FormatShape(data.ImageShape)} but the source model takes {Tensor.FormatShape(source.Preprocessing.Shape)}");
    }

    protected static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
