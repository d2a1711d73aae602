using Microsoft.AspNetCore.Builder;
using Microsoft.OpenApi;

namespace Lineage.Registry.Api;

/// <summary>
/// Describes an endpoint's request body in the OpenAPI document only. <c>.Accepts&lt;T&gt;()</c> would also make routing
/// match on the Content-Type, answering a wrong one with a bare 415 (or a 404 when two are declared) instead of the
/// handler's one-line reason; the handlers read their bodies themselves.
/// </summary>
public static class OpenApiBodies
{
    public static TBuilder RequestBody<TBuilder>(this TBuilder builder, params (string ContentType, Type Schema)[] bodies) where TBuilder : IEndpointConventionBuilder
        => builder.AddOpenApiOperationTransformer(async (operation, context, cancel) =>
        {
            var content = new Dictionary<string, OpenApiMediaType>();
            foreach (var (type, schema) in bodies)
                content[type] = new OpenApiMediaType { Schema = await context.GetOrCreateSchemaAsync(schema, null, cancel) };
            operation.RequestBody = new OpenApiRequestBody { Required = true, Content = content };
        });
}
