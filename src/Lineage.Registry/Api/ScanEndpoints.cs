using System.IO.Compression;
using Lineage.Fingerprints;
using Lineage.Registry.Jobs;
using Lineage.Registry.Registration;
using Lineage.Registry.Security;
using Lineage.Registry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lineage.Registry.Api;

/// <summary>Scans: submit (an uploaded suspect or a URL), list, status, result, and the evidence archive.</summary>
public static class ScanEndpoints
{
    /// <summary>The file-scan form, for the OpenAPI document.</summary>
    public sealed class ScanForm
    {
        /// <summary>The suspect: an ONNX file (.onnx) or a Lineage model file (.safetensors).</summary>
        public required IFormFile Suspect { get; init; }
        /// <summary>A <see cref="ScanRequest"/> as JSON, without url.</summary>
        public string? Options { get; init; }
    }

    public static void Map(IEndpointRouteBuilder app, RegistryStore store, ContentStore content, ApiAuth auth, RegistryOptions options)
    {
        var urls = new SuspectUrlPolicy(options.AllowPrivateSuspects);

        app.MapPost("/v1/scans", async (HttpContext ctx) =>
        {
            var tenant = auth.Tenant(ctx);
            ScanRequest request;
            string suspectName;
            string? sha = null;
            List<RegisteredModel> models;
            if ((ctx.Request.ContentType ?? "").StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                var form = await Uploads.ReadForm(ctx, options.MaxSuspectBytes, "the suspect model file", "suspect", "options");
                var file = form.File ?? throw new ApiException(400, "no suspect file: send it in multipart field 'suspect'");
                request = Parsed(form.Fields.GetValueOrDefault("options") ?? "{}").Validated(hasFile: true, options.MaxTimeoutSeconds);
                suspectName = ModelRegistration.SafeFileName(file.FileName);
                if (!suspectName.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && !suspectName.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                    throw new ApiException(400, $"suspect: '{suspectName}' must be an ONNX file (.onnx) or a Lineage model file (.safetensors)");
                models = Chosen(store, tenant.Id, request.Models);   // before the upload is stored, so a scan of unknown models leaves no file behind
                var upload = content.NewTempPath();
                await Uploads.Save(file, upload, ctx.RequestAborted);
                sha = content.PutFile(upload);
            }
            else
            {
                request = Parsed(await Uploads.ReadJson(ctx, 256 << 10)).Validated(hasFile: false, options.MaxTimeoutSeconds);
                try { urls.Check(request.Url!); } catch (ArgumentException e) { throw new ApiException(400, e.Message); }
                suspectName = request.Url!;
                models = Chosen(store, tenant.Id, request.Models);
            }
            var requestNoUrl = request with { Url = null };
            long reserve = models.Sum(m => m.QueryCount + (sha is null && request.Mode is null ? 1 : 0));
            var scan = new Scan
            {
                Id = RegistryStore.NewId("s"), TenantId = tenant.Id, Status = ScanStatus.Queued, SuspectName = suspectName,
                SuspectUrl = sha is null ? request.Url : null, SuspectSha256 = sha,
                OptionsJson = System.Text.Json.JsonSerializer.Serialize(requestNoUrl, ScanRequest.Json),
                ModelIds = models.Select(m => m.Id).ToList(), ReservedQueries = reserve, CreatedMs = store.Clock(),
            };
            try { scan = store.SubmitScan(scan); }
            catch (QueryBudgetException e) { throw new ApiException(403, e.Message); }
            ctx.Response.Headers.Location = $"/v1/scans/{scan.Id}";
            return Results.Json(Views.Of(scan), statusCode: 202);
        }).WithName("SubmitScan").WithSummary("Scan a suspect against the tenant's registered models: a JSON body with a url, or a multipart upload")
          .RequestBody(("application/json", typeof(ScanRequest)), ("multipart/form-data", typeof(ScanForm))).Produces<Views.ScanView>(202)
          .Produces<ApiErrors.Error>(400).Produces<ApiErrors.Error>(403).Produces<ApiErrors.Error>(404).Produces<ApiErrors.Error>(413).Produces<ApiErrors.Error>(415)
          .DisableAntiforgery();

        app.MapGet("/v1/scans", (HttpContext ctx, int? limit) =>
        {
            if (limit is < 1 or > 1000) throw new ApiException(400, $"limit must lie in 1..1000, not {limit}");
            return Results.Json(store.Scans(auth.Tenant(ctx).Id, limit ?? 100).Select(Views.Of));
        }).WithName("ListScans").WithSummary("The tenant's scans, newest first").Produces<Views.ScanView[]>();

        app.MapGet("/v1/scans/{id}", (HttpContext ctx, string id) => Results.Json(Views.Of(Owned(store, auth.Tenant(ctx), id))))
            .WithName("GetScan").WithSummary("A scan's status, and its result once done").Produces<Views.ScanView>().Produces<ApiErrors.Error>(404);

        app.MapGet("/v1/scans/{id}/result", async (HttpContext ctx, string id, double? wait) =>
        {
            var tenant = auth.Tenant(ctx);
            if (wait is < 0 or > 60) throw new ApiException(400, $"wait must lie in 0..60 seconds, not {wait}");
            var deadline = DateTime.UtcNow.AddSeconds(wait ?? 0);
            var scan = Owned(store, tenant, id);
            while (scan.Status is ScanStatus.Queued or ScanStatus.Running && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, ctx.RequestAborted);
                scan = Owned(store, tenant, id);
            }
            return scan.Status switch
            {
                ScanStatus.Done => Results.Json(Views.Of(scan)),
                ScanStatus.Failed when scan.ErrorKind == "internal" => Results.Json(Views.Of(scan), statusCode: 500),
                ScanStatus.Failed => Results.Json(Views.Of(scan), statusCode: 422),
                _ => Results.Json(Views.Of(scan), statusCode: 202),
            };
        }).WithName("GetScanResult").WithSummary("The result: 200 when done, 202 while queued or running (?wait=SECONDS waits), 422 when the suspect failed (timed out, unreachable, unreadable)")
          .Produces<Views.ScanView>(200).Produces<Views.ScanView>(202).Produces<Views.ScanView>(422);

        app.MapGet("/v1/scans/{id}/evidence", (HttpContext ctx, string id) =>
        {
            var scan = Owned(store, auth.Tenant(ctx), id);
            if (scan.EvidenceSha256 is null) throw new ApiException(409, $"scan {id} is {scan.Status}: it has no evidence{(scan.Status == ScanStatus.Failed ? "" : " yet")}");
            return Results.File(content.Verified(scan.EvidenceSha256), "application/zip", $"evidence-{scan.Id}.zip");
        }).WithName("DownloadEvidence").WithSummary("The scan's evidence: one package per registered model (lineage evidence check checks each)")
          .Produces(200, contentType: "application/zip").Produces<ApiErrors.Error>(409);

        app.MapGet("/v1/scans/{id}/evidence/{model}/report.html", (HttpContext ctx, string id, string model) =>
            Report(content, Owned(store, auth.Tenant(ctx, allowCookie: true), id), model))
            .WithName("EvidenceReport").WithSummary("One model's evidence report, as HTML").Produces(200, contentType: "text/html");
    }

    /// <summary>One model's report.html out of the evidence archive, with a policy that lets it run nothing.</summary>
    public static IResult Report(ContentStore content, Scan scan, string model)
    {
        if (scan.EvidenceSha256 is null) throw new ApiException(409, $"scan {scan.Id} is {scan.Status}: it has no evidence");
        using var zip = ZipFile.OpenRead(content.Verified(scan.EvidenceSha256));
        var entry = zip.GetEntry($"{model}/report.html") ?? throw new ApiException(404, $"scan {scan.Id} has no evidence for model {model}");
        using var reader = new StreamReader(entry.Open());
        var html = reader.ReadToEnd();
        return new HtmlResult(html);
    }

    static Scan Owned(RegistryStore store, Tenant tenant, string id) => store.Scan(tenant.Id, id) ?? throw new ApiException(404, $"scan {id} not found");

    static ScanRequest Parsed(string json)
    {
        try { return ScanRequest.Parse(json); }
        catch (ArgumentException e) { throw new ApiException(400, e.Message); }
    }

    /// <summary>The named models (each must be the tenant's), or all of them.</summary>
    static List<RegisteredModel> Chosen(RegistryStore store, string tenantId, string[]? ids)
    {
        if (ids is null || ids.Length == 0)
        {
            var all = store.Models(tenantId).ToList();
            return all.Count > 0 ? all : throw new ApiException(409, "no registered models to scan against: register a fingerprint first (POST /v1/models)");
        }
        return ids.Distinct().Select(id => store.Model(tenantId, id) ?? throw new ApiException(404, $"models: model {id} not found")).ToList();
    }
}

/// <summary>An HTML page served with a content security policy that allows no scripts and no requests.</summary>
public sealed class HtmlResult(string html, int status = 200) : IResult
{
    public Task ExecuteAsync(HttpContext ctx)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/html; charset=utf-8";
        ctx.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'";
        ctx.Response.Headers.XContentTypeOptions = "nosniff";
        return ctx.Response.WriteAsync(html);
    }
}
