using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace Lineage.Suspects.Remote;

/// <summary>
/// Parses a JSON body that another party sent (a suspect's answer, a client's request). System.Text.Json reports two
/// kinds of bad input with exceptions the CLI does not expect: a string that is not UTF-8 (InvalidOperationException
/// when it is read) and a key repeated in one object (ArgumentException on access, naming nothing). Both are checked
/// here, up front, and refused as the body's fault, naming where it came from.
/// </summary>
public static class HostileJson
{
    static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    public static JsonNode? Parse(byte[] json, string source, string what = "body")
    {
        RequireUtf8(json, source, what);
        try
        {
            RequireReadableStrings(json);
            return JsonNode.Parse(json, documentOptions: Strict);
        }
        catch (JsonException e) { throw new InvalidDataException($"{source}: the {what} is not valid JSON ({e.Message})"); }
        catch (InvalidOperationException e) { throw new InvalidDataException($"{source}: the {what} holds a string that is not valid text ({e.Message})"); }
    }

    /// <summary>Reads every string and key once: an escaped lone surrogate ("\ud800") passes the UTF-8 check and the
    /// parser, and throws InvalidOperationException only when the string is read, which JsonNode does lazily.</summary>
    static void RequireReadableStrings(byte[] json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        while (reader.Read())
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped) reader.GetString();
    }

    public static void RequireUtf8(byte[] json, string source, string what = "body")
    {
        if (!Utf8.IsValid(json)) throw new InvalidDataException($"{source}: the {what} is not valid UTF-8 text");
    }
}
