using Lineage.Suspects;

namespace Lineage.Fingerprints;

/// <summary>A method put together from its three parts; parts are shared between methods (SAC-m and SAC-w read and
/// score alike; IPGuard, AKH and CAE all score label agreement).</summary>
public sealed class ComposedMethod<TRepresentation>(MethodInfo info, IQuerySampler sampler, IAnswerReading<TRepresentation> reading, IScoreRule<TRepresentation> score)
    : IFingerprintMethod
{
    public MethodInfo Info { get; } = info;

    public SampledQueries Sample(CreationContext context, MethodParameters parameters) => sampler.Sample(context, parameters);

    public IReadOnlyList<OutputView> Views(Fingerprint fingerprint) => reading.Views(fingerprint);

    public ScoredAnswers Score(Fingerprint fingerprint, SuspectOutput answers)
    {
        if (answers.Count != fingerprint.QueryCount)
            throw new ArgumentException($"the suspect answered {answers.Count} queries, the {Info.Name} fingerprint has {fingerprint.QueryCount}");
        var read = reading.Read(fingerprint, answers);
        return new ScoredAnswers(score.Compare(fingerprint, read.Source, read.Suspect), read.Representation);
    }

    public (double PValue, string Basis)? PValue(Fingerprint fingerprint, DecisionRule rule, MethodScore s) => score.PValue(fingerprint, rule, s);
}
