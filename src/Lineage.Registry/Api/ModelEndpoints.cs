using Lineage.Registry.Registration;
using Lineage.Registry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lineage.Registry.Api;

/// <summary>A tenant's registered models: register (upload), list, show, download, delete.</summary>
public static class ModelEndpoints
{
    /// <summary>The registration form, for the OpenAPI document.</summary>
    public sealed class RegisterForm
    {
        /// <summary>A fingerprint file or bundle (lineage fingerprint create / bundle).</summary>
        public required IFormFile File { get; init; }
        public required string Name { get; init; }
        public required string Version { get; init; }
        /// <summary>SHA-256 of the file as the owner computed it; a mismatch refuses the upload (422).</summary>
        public string? Sha256 { get; init; }
        /// <summary>The source model's hash; must match the one the fingerprint records.</summary>
        public string? SourceHash { get; init; }
    }

    public static void Map(IEndpointRouteBuilder app, RegistryStore store, ContentStore content, ApiAuth auth, RegistryOptions options)
    {
        var registration = new ModelRegistration(store, content);

        app.MapPost("/v1/models", async (HttpContext ctx) =>
        {
            var tenant = auth.Tenant(ctx);
            var form = await Uploads.ReadForm(ctx, options.MaxFingerprintBytes, "the fingerprint file", "file", "name", "version", "sha256", "source_hash");
            var file = form.File ?? throw new ApiException(400, "no fingerprint file: send it in multipart field 'file'");
            string Field(string name) => form.Fields.TryGetValue(name, out var v) ? v : throw new ApiException(400, $"{name}: required");
            var upload = content.NewTempPath();
            await Uploads.Save(file, upload, ctx.RequestAborted);
            var model = registration.Register(tenant.Id, upload, file.FileName, Field("name"), Field("version"),
                form.Fields.GetValueOrDefault("sha256"), form.Fields.GetValueOrDefault("source_hash"));
            return Results.Json(Views.Of(model), statusCode: 201);
        }).WithName("RegisterModel").WithSummary("Register a fingerprint file or bundle of one source model")
          .RequestBody(("multipart/form-data", typeof(RegisterForm))).Produces<Views.ModelView>(201)
          .Produces<ApiErrors.Error>(400).Produces<ApiErrors.Error>(409).Produces<ApiErrors.Error>(413).Produces<ApiErrors.Error>(422).DisableAntiforgery();

        app.MapGet("/v1/models", (HttpContext ctx) => Results.Json(store.Models(auth.Tenant(ctx).Id).Select(Views.Of)))
            .WithName("ListModels").WithSummary("The tenant's registered models").Produces<Views.ModelView[]>();

        app.MapGet("/v1/models/{id}", (HttpContext ctx, string id) =>
            Results.Json(Views.Of(store.Model(auth.Tenant(ctx).Id, id) ?? throw new ApiException(404, $"model {id} not found"))))
            .WithName("GetModel").WithSummary("One registered model").Produces<Views.ModelView>().Produces<ApiErrors.Error>(404);

        app.MapGet("/v1/models/{id}/file", (HttpContext ctx, string id) =>
        {
            var model = store.Model(auth.Tenant(ctx).Id, id) ?? throw new ApiException(404, $"model {id} not found");
            return Results.File(content.Verified(model.FileSha256), "application/octet-stream", model.FileName);
        }).WithName("DownloadModel").WithSummary("The registered fingerprint file, byte for byte").Produces(200, contentType: "application/octet-stream");

        app.MapDelete("/v1/models/{id}", (HttpContext ctx, string id) =>
            store.DeleteModel(auth.Tenant(ctx).Id, id) ? Results.NoContent() : throw new ApiException(404, $"model {id} not found"))
            .WithName("DeleteModel").WithSummary("Remove a registration (past scans keep their evidence)").Produces(204).Produces<ApiErrors.Error>(404);
    }
}
