using System.Text.Json;
using System.Text.Json.Serialization;
using Lineage.Registry.Jobs;
using Lineage.Registry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lineage.Registry.Api;

/// <summary>The operator's endpoints (tenants, their keys, the queue) and a tenant's view of itself.</summary>
public static class TenantEndpoints
{
    public sealed record CreateTenantRequest
    {
        public required string Name { get; init; }
        /// <summary>Requests per minute (default: the server's).</summary>
        public int? RatePerMinute { get; init; }
        /// <summary>Queries all this tenant's scans may send in total (default: the server's; none: unlimited).</summary>
        public long? QueryBudget { get; init; }
    }

    public static void Map(IEndpointRouteBuilder app, RegistryStore store, ApiAuth auth, RegistryOptions options)
    {
        app.MapPost("/v1/tenants", async (HttpContext ctx) =>
        {
            auth.Admin(ctx);
            var body = Parse<CreateTenantRequest>(await Uploads.ReadJson(ctx, 16 << 10));
            if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 100 || body.Name.Any(char.IsControl))
                throw new ApiException(400, "name: required, 1 to 100 printable characters");
            if (body.RatePerMinute is < 1) throw new ApiException(400, $"rate_per_minute must be at least 1, not {body.RatePerMinute}");
            if (body.QueryBudget is < 0) throw new ApiException(400, $"query_budget must be zero or more, not {body.QueryBudget}");
            var (tenant, key) = store.CreateTenant(body.Name.Trim(), body.RatePerMinute, body.QueryBudget ?? options.DefaultQueryBudget);
            return Results.Json(new Views.CreatedTenant(tenant.Id, tenant.Name, key), statusCode: 201);
        }).WithName("CreateTenant").WithSummary("Create a tenant and its first API key (operator key)")
          .RequestBody(("application/json", typeof(CreateTenantRequest))).Produces<Views.CreatedTenant>(201).Produces<ApiErrors.Error>(400).Produces<ApiErrors.Error>(401).Produces<ApiErrors.Error>(403).Produces<ApiErrors.Error>(409);

        app.MapGet("/v1/tenants", (HttpContext ctx) =>
        {
            auth.Admin(ctx);
            return Results.Json(store.Tenants().Select(t => Views.Of(t, options)));
        }).WithName("ListTenants").WithSummary("Every tenant with its limits and use (operator key)").Produces<Views.TenantView[]>();

        app.MapPost("/v1/tenants/{id}/keys", (HttpContext ctx, string id) =>
        {
            auth.Admin(ctx);
            var key = store.CreateKey(id) ?? throw new ApiException(404, $"tenant {id} not found");
            return Results.Json(new Views.CreatedKey(id, key), statusCode: 201);
        }).WithName("CreateKey").WithSummary("Another API key for a tenant (operator key)").Produces<Views.CreatedKey>(201).Produces<ApiErrors.Error>(404);

        app.MapGet("/v1/queue", (HttpContext ctx) =>
        {
            auth.Admin(ctx);
            var (queued, running) = store.QueueDepth();
            return Results.Json(new Views.QueueView(queued, running));
        }).WithName("QueueDepth").WithSummary("Scans waiting and running, to scale workers on (operator key)").Produces<Views.QueueView>();

        app.MapGet("/v1/tenant", (HttpContext ctx) => Results.Json(Views.Of(auth.Tenant(ctx), options)))
            .WithName("CurrentTenant").WithSummary("The calling tenant, its limits and its queries used").Produces<Views.TenantView>();
    }

    static readonly JsonSerializerOptions Strict = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    static T Parse<T>(string json)
    {
        try { return JsonSerializer.Deserialize<T>(json, Strict) ?? throw new ApiException(400, "malformed JSON: the body is null"); }
        catch (JsonException e) { throw new ApiException(400, ScanRequest.JsonProblem(e)); }
    }
}
