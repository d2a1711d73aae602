using System.Text.Json;

namespace Lineage.Suspects.Remote;

/// <summary>A request that asks for more than the server allows (too many values or images): answered 413.</summary>
public sealed class RequestTooLargeException(string message) : Exception(message);

/// <summary>
/// Reads an Open Inference infer request's first input tensor in one forward pass over the body, without
/// building a JSON tree: a tree of a 60 MiB body took 1.9 GB. Memory stays within the body plus the values
/// kept (8 bytes each), and the values are counted as they arrive, so a request carrying more than
/// <c>maxValues</c> stops there. Flat and nested data lists are both accepted; NaN spelled as a string, a
/// non-number or a shape that disagrees with the data count is refused.
/// </summary>
public static class InferRequestReader
{
    public static WireTensor Read(byte[] body, long maxValues, string source = "request")
    {
        HostileJson.RequireUtf8(body, source);
        try { return ReadFirstInput(body, maxValues, source); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: the body is not valid JSON ({e.Message})"); }
        catch (InvalidOperationException e) { throw new InvalidDataException($"{source}: the body holds a string that is not valid text ({e.Message})"); }
    }

    static WireTensor ReadFirstInput(byte[] body, long maxValues, string source)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw Bad(source, "expected a JSON object with a non-empty \"inputs\" list");
        WireTensor? first = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool inputs = reader.ValueTextEquals("inputs");
            reader.Read();
            if (!inputs) { reader.Skip(); continue; }
            if (reader.TokenType != JsonTokenType.StartArray) throw Bad(source, "\"inputs\" is not a list");
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (first != null) { reader.Skip(); continue; }   // the model has one input; extra ones are ignored
                first = ReadTensor(ref reader, maxValues, source);
            }
        }
        return first ?? throw Bad(source, "expected a JSON object with a non-empty \"inputs\" list");
    }

    static WireTensor ReadTensor(ref Utf8JsonReader reader, long maxValues, string source)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw Bad(source, "an entry of \"inputs\" is not an object");
        string? name = null, datatype = null;
        long[]? shape = null;
        double[]? data = null;
        int count = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            reader.Read();
            switch (key)
            {
                case "name": name = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw Bad(source, "a tensor's \"name\" is not a string"); break;
                case "datatype": datatype = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw Bad(source, "a tensor's \"datatype\" is not a string"); break;
                case "shape": shape = ReadShape(ref reader, source); break;
                case "data":
                    if (reader.TokenType != JsonTokenType.StartArray) throw Bad(source, "a tensor's \"data\" is not a list");
                    data = new double[Math.Min(maxValues, 1 << 16)];
                    ReadValues(ref reader, ref data, ref count, maxValues, source);
                    break;
                default: reader.Skip(); break;
            }
        }
        if (name == null || datatype == null) throw Bad(source, $"a tensor lacks the string field \"{(name == null ? "name" : "datatype")}\"");
        if (shape == null) throw Bad(source, $"tensor {name} has no shape");
        if (data == null) throw Bad(source, $"tensor {name} has no data list");
        long expected = 1;
        foreach (var d in shape) expected = Math.Min(expected * d, long.MaxValue / int.MaxValue);
        if (expected != count) throw Bad(source, $"tensor {name} declares shape [{string.Join(", ", shape)}] but carries {count} values");
        return new WireTensor(name, shape, datatype, data.AsSpan(0, count).ToArray());
    }

    static long[] ReadShape(ref Utf8JsonReader reader, string source)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw Bad(source, "a tensor's \"shape\" is not a list");
        var shape = new List<long>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long d) || d < 0 || d >= int.MaxValue || shape.Count == 8)
                throw Bad(source, "a tensor's shape holds an invalid entry (expected up to 8 non-negative integers)");
            shape.Add(d);
        }
        return shape.ToArray();
    }

    static void ReadValues(ref Utf8JsonReader reader, ref double[] data, ref int count, long maxValues, string source)
    {
        int depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == depth))
        {
            if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.EndArray) continue;   // nested rows
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out double v))
                throw Bad(source, $"data[{count}] is not a number");
            if (!float.IsFinite((float)v)) throw Bad(source, $"data[{count}] is {reader.GetDouble()}, not a finite 32-bit float");
            if (count == maxValues) throw new RequestTooLargeException($"{source}: more than {maxValues} values; this server takes at most that many per request");
            if (count == data.Length) Array.Resize(ref data, (int)Math.Min(maxValues, Math.Min((long)data.Length * 2, Array.MaxLength)));
            data[count++] = v;
        }
    }

    static InvalidDataException Bad(string source, string what) => new($"{source}: {what}");
}
