using System.Collections;
using System.Reflection;

namespace Lineage.Evidence;

/// <summary>
/// Finds a null where a record's nullability annotations allow none, anywhere in a deserialised object graph.
/// System.Text.Json's RespectNullableAnnotations catches an explicit null in a property, but not a positional record value
/// left out of the JSON, nor a null list entry; an evidence package is read back from a folder anyone may have edited.
/// </summary>
static class NullWalk
{
    static readonly NullabilityInfoContext Context = new();

    /// <returns>The JSON-ish path of the first disallowed null, or null when there is none.</returns>
    public static string? FirstDisallowedNull(object root, string path = "$") => Walk(root, path, depth: 0);

    static string? Walk(object value, string path, int depth)
    {
        if (depth > 32 || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return null;
        if (value is IDictionary dict)
        {
            foreach (DictionaryEntry e in dict)
                if (e.Value is null) return $"{path}.{e.Key}";
            return null;
        }
        if (value is IEnumerable list)
        {
            int i = 0;
            foreach (var item in list)
            {
                if (item is null) return $"{path}[{i}]";
                if (Walk(item, $"{path}[{i}]", depth + 1) is { } found) return found;
                i++;
            }
            return null;
        }
        if (value.GetType().Namespace != typeof(NullWalk).Namespace) return null;   // only the evidence records themselves
        foreach (var p in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0 || p.PropertyType.IsValueType) continue;
            var v = p.GetValue(value);
            if (v is null)
            {
                if (Context.Create(p).ReadState == NullabilityState.NotNull) return $"{path}.{p.Name}";
                continue;
            }
            if (Walk(v, $"{path}.{p.Name}", depth + 1) is { } found) return found;
        }
        return null;
    }
}
