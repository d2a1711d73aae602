using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Lineage.Registry.Api;

/// <summary>
/// Reads request bodies with limits: a declared length over the limit is refused (413) before a byte is read, and a
/// body that grows past it while streaming is cut off and refused the same way. A multipart form may hold only the
/// fields the endpoint names, and one file.
/// </summary>
public static class Uploads
{
    public sealed record Form(IReadOnlyDictionary<string, string> Fields, IFormFile? File);

    public static void Limit(HttpContext ctx, long maxBytes, string what)
    {
        if (ctx.Request.ContentLength is long n && n > maxBytes)
            throw new ApiException(413, $"{what} is {n} bytes; this server accepts at most {maxBytes}");
        var feature = ctx.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = maxBytes;
    }

    /// <summary>The form's fields and its one file, refusing unknown fields by name.</summary>
    public static async Task<Form> ReadForm(HttpContext ctx, long maxBytes, string what, string fileField, params string[] fields)
    {
        if (!ctx.Request.HasFormContentType || !(ctx.Request.ContentType ?? "").StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw new ApiException(415, $"expected multipart/form-data with the {what} in field '{fileField}'");
        Limit(ctx, maxBytes, what);
        IFormCollection form;
        try
        {
            ctx.Features.Set<IFormFeature>(new FormFeature(ctx.Request, new FormOptions
            {
                MultipartBodyLengthLimit = maxBytes, ValueCountLimit = 32, ValueLengthLimit = 64 << 10, MultipartHeadersLengthLimit = 16 << 10,
            }));
            form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase) && e.Message.Contains("body", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(413, $"{what} is larger than this server accepts ({maxBytes} bytes)");
        }
        catch (InvalidDataException e) { throw new ApiException(400, $"malformed multipart form: {e.Message}"); }
        catch (IOException e) when (e is not BadHttpRequestException) { throw new ApiException(400, $"malformed multipart form: {e.Message}"); }
        var known = fields.Append(fileField).ToHashSet(StringComparer.Ordinal);
        foreach (var key in form.Keys.Concat(form.Files.Select(f => f.Name)))
            if (!known.Contains(key)) throw new ApiException(400, $"unknown field '{key}' (known: {string.Join(", ", known.Order(StringComparer.Ordinal))})");
        if (form.Files.Count > 1) throw new ApiException(400, $"one file per request, in field '{fileField}' (got {form.Files.Count})");
        var file = form.Files.GetFile(fileField);
        if (form.Files.Count == 1 && file is null) throw new ApiException(400, $"the file goes in field '{fileField}', not '{form.Files[0].Name}'");
        var values = form.Keys.Where(k => form[k].Count > 0).ToDictionary(k => k, k => form[k].Count == 1 ? form[k][0]! : throw new ApiException(400, $"field '{k}' is given {form[k].Count} times"));
        return new Form(values, file);
    }

    /// <summary>Copies an uploaded file to <paramref name="path"/>, flushed to disk.</summary>
    public static async Task Save(IFormFile file, string path, CancellationToken cancel)
    {
        await using var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        await file.CopyToAsync(target, cancel);
        target.Flush(flushToDisk: true);
    }

    /// <summary>A JSON body as text, at most <paramref name="maxBytes"/>.</summary>
    public static async Task<string> ReadJson(HttpContext ctx, long maxBytes)
    {
        if (!(ctx.Request.ContentType ?? "").StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            throw new ApiException(415, $"expected Content-Type application/json, not '{ctx.Request.ContentType}'");
        Limit(ctx, maxBytes, "the JSON body");
        using var reader = new StreamReader(ctx.Request.Body);
        var text = await reader.ReadToEndAsync(ctx.RequestAborted);
        if (string.IsNullOrWhiteSpace(text)) throw new ApiException(400, "malformed JSON: the body is empty");
        return text;
    }
}
