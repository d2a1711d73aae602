using Lineage.Data;
using Lineage.Engine;

namespace Lineage.Suspects.Remote;

/// <summary>
/// A suspect behind an HTTP prediction API. The images are sent in batches; by default the fingerprint's
/// declared preprocessing is applied first (an API declares none, and deployed models take normalised
/// tensors), unless <see cref="RemoteSuspectOptions.RawPixels"/> says the API takes [0,1] pixels.
/// Every answer is checked for shape, type and finiteness before scoring sees it. Every image sent,
/// retries included, is counted against <see cref="Budget"/> before its request goes out.
/// </summary>
public sealed class RemoteSuspect : ISelfMeteredSuspect, IDisposable
{
    readonly RemoteSuspectOptions options;
    readonly Preprocessing preprocessing;
    readonly RemoteTransport transport;
    readonly string inferUrl;
    readonly string inputName = "input";

    public string Name { get; }
    public OutputMode Mode { get; }
    public int Classes { get; }
    /// <summary>Images sent so far (retries included) against <see cref="RemoteSuspectOptions.Budget"/>.</summary>
    public QueryBudget Budget { get; }
    /// <summary>The model metadata (Open Inference only).</summary>
    public ModelMetadata? Metadata { get; }

    /// <param name="url">Open Inference: <c>{base}/v2/models/{name}</c>. Generic JSON: the endpoint to POST to.</param>
    public RemoteSuspect(string url, Preprocessing preprocessing, RemoteSuspectOptions options)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"{url} is not an http(s) URL");
        if (options.BatchSize < 1) throw new ArgumentException("the batch size must be positive");
        this.options = options; this.preprocessing = preprocessing;
        Name = url.TrimEnd('/');
        Budget = new QueryBudget(Name, options.Budget);
        Mode = options.Output switch
        {
            RemoteOutputKind.Logits => OutputMode.Logits,
            RemoteOutputKind.Probabilities => OutputMode.Probabilities,
            RemoteOutputKind.TopK => OutputMode.TopK,
            _ => OutputMode.Label,
        };
        transport = new RemoteTransport(options);
        try
        {
            if (options.Protocol == RemoteProtocol.GenericJson)
            {
                if (options.BodyTemplate == null || options.OutputPath == null) throw new ArgumentException("a generic JSON suspect needs a body template and an output path");
                if (options.Output == RemoteOutputKind.TopK) throw new ArgumentException("a generic JSON suspect reveals logits, probabilities or labels; top-k needs the Open Inference protocol");
                Classes = options.Classes ?? throw new ArgumentException($"{Name}: a generic JSON suspect needs the class count");
                inferUrl = Name;
                return;
            }
            if (!uri.AbsolutePath.Contains("/v2/models/", StringComparison.Ordinal))
                throw new ArgumentException($"{url}: an Open Inference URL looks like http://HOST:PORT/v2/models/NAME");
            inferUrl = Name + "/infer";
            Metadata = ModelMetadata.Parse(transport.Send(HttpMethod.Get, Name, null, 0), Name);
            if (Metadata.Inputs.Count == 0) throw new InvalidDataException($"{Name}: the model metadata lists no inputs");
            var input = Metadata.Inputs[0];
            inputName = input.Name;
            var perImage = input.Shape.Length == 4 ? input.Shape[1..] : input.Shape;
            if (perImage.Length == 3 && !perImage.Zip(preprocessing.Shape).All(p => p.First < 0 || p.First == p.Second))
                throw new InvalidDataException($"{Name}: the model takes [{string.Join(", ", input.Shape)}] but the fingerprint's queries are {Tensor.FormatShape(preprocessing.Shape)} images");
            Classes = options.Classes ?? DiscoverClasses(Metadata)
                ?? throw new InvalidDataException($"{Name}: the metadata does not say how many classes the model has; give the class count");
        }
        catch { transport.Dispose(); throw; }
    }

    int? DiscoverClasses(ModelMetadata metadata)
    {
        if (options.Output is RemoteOutputKind.Logits or RemoteOutputKind.Probabilities)
        {
            var output = options.OutputName == null ? metadata.Outputs.FirstOrDefault() : metadata.Outputs.FirstOrDefault(o => o.Name == options.OutputName);
            if (output is { Shape.Length: 2 } && output.Shape[1] >= 2) return (int)output.Shape[1];
        }
        return metadata.Classes;
    }

    public SuspectOutput Query(Tensor images)
    {
        int n = images.Shape[0];
        if (n == 0) throw new ArgumentException("no queries to send");
        Budget.Check(n);
        var input = options.RawPixels ? images : preprocessing.Apply(images);
        int per = input.Size / n;
        var parts = new List<SuspectOutput>();
        for (int start = 0; start < n; start += options.BatchSize)
        {
            int count = Math.Min(options.BatchSize, n - start);
            var data = input.Span.Slice(start * per, count * per);
            int[] shape = [count, .. input.Shape[1..]];
            var body = options.Protocol == RemoteProtocol.GenericJson
                ? GenericJsonCodec.Request(options.BodyTemplate!, shape, data, options.NestedImages)
                : OpenInferenceCodec.InferRequest(inputName, shape, data);
            var response = transport.Send(HttpMethod.Post, inferUrl, body, count, Budget);
            try { parts.Add(options.Protocol == RemoteProtocol.GenericJson ? ReadGeneric(response, count) : ReadOpenInference(response, count)); }
            catch (InvalidDataException e) when (!e.Message.StartsWith(inferUrl, StringComparison.Ordinal))
            {
                // SuspectOutput's own checks (NaN, labels out of range) do not know where the answer came from.
                throw new InvalidDataException($"{inferUrl}: {e.Message}", e);
            }
        }
        return SuspectOutput.Concat(parts);
    }

    SuspectOutput ReadOpenInference(byte[] response, int n)
    {
        var outputs = OpenInferenceCodec.Tensors(response, "outputs", inferUrl);
        WireTensor Find(string? name) => name == null ? outputs[0]
            : outputs.FirstOrDefault(o => o.Name == name) ?? throw new InvalidDataException($"{inferUrl}: the answer has no output named \"{name}\" (it has {string.Join(", ", outputs.Select(o => o.Name))})");
        switch (options.Output)
        {
            case RemoteOutputKind.Logits:
            case RemoteOutputKind.Probabilities:
            {
                var t = Find(options.OutputName);
                if (t.Shape is not [var rows, var cols] || rows != n || cols != Classes)
                    throw new InvalidDataException($"{inferUrl}: output {t.Name} has shape [{string.Join(", ", t.Shape)}], expected [{n}, {Classes}]");
                return Dense(t.Data, n);
            }
            case RemoteOutputKind.Label:
            {
                var t = Find(options.OutputName);
                if (t.Data.Length != n || t.Shape.Length == 0 || t.Shape[0] != n)
                    throw new InvalidDataException($"{inferUrl}: output {t.Name} has shape [{string.Join(", ", t.Shape)}], expected {n} labels");
                return SuspectOutput.FromLabels(Labels(t.Data), Classes);
            }
            default:
            {
                var cls = Find(options.TopKClassesOutput);
                var probs = Find(options.TopKProbabilitiesOutput);
                int k = options.TopK ?? (cls.Shape.Length == 2 ? (int)cls.Shape[1] : 0);
                foreach (var t in new[] { cls, probs })
                    if (t.Shape is not [var rows, var cols] || rows != n || cols != k)
                        throw new InvalidDataException($"{inferUrl}: output {t.Name} has shape [{string.Join(", ", t.Shape)}], expected [{n}, {k}]");
                if (k < 1 || k > Classes) throw new InvalidDataException($"{inferUrl}: top-{k} answer for {Classes} classes");
                return SuspectOutput.FromTopK(Labels(cls.Data), probs.Data.Select(v => (float)v).ToArray(), n, Classes, k);
            }
        }
    }

    SuspectOutput ReadGeneric(byte[] response, int n)
    {
        var values = GenericJsonCodec.Answer(response, options.OutputPath!, inferUrl);
        if (options.Output == RemoteOutputKind.Label)
        {
            if (values.Length != n) throw new InvalidDataException($"{inferUrl}: {values.Length} labels for {n} queries");
            return SuspectOutput.FromLabels(Labels(values), Classes);
        }
        if (values.Length != n * Classes) throw new InvalidDataException($"{inferUrl}: {values.Length} values for {n} queries × {Classes} classes");
        return Dense(values, n);
    }

    SuspectOutput Dense(double[] data, int n)
    {
        var values = data.Select(v => (float)v).ToArray();
        return options.Output == RemoteOutputKind.Logits ? SuspectOutput.FromLogits(values, n, Classes) : SuspectOutput.FromProbabilities(values, n, Classes);
    }

    int[] Labels(double[] data) => data.Select(v => v == Math.Floor(v) && v >= int.MinValue && v <= int.MaxValue ? (int)v
        : throw new InvalidDataException($"{inferUrl}: class index {v} is not an integer")).ToArray();

    public void Dispose() => transport.Dispose();
}
