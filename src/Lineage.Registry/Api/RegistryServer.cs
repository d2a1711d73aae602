using Lineage.Registry.Dashboard;
using Lineage.Registry.Jobs;
using Lineage.Registry.Registration;
using Lineage.Registry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lineage.Registry.Api;

/// <summary>
/// `lineage registry serve`: the HTTP API (minimal APIs on Kestrel), its OpenAPI document at /openapi/v1.json, the
/// dashboard at /dashboard, and <see cref="RegistryOptions.Workers"/> in-process scan workers. Every refusal is a 4xx
/// with one line naming the problem; anything unexpected is a 500 that names no internals, and the server goes on.
/// </summary>
public sealed class RegistryServer : IAsyncDisposable
{
    readonly WebApplication app;
    readonly CancellationTokenSource stopWorkers = new();
    readonly List<Task> workers = [];
    public RegistryStore Store { get; }
    public ContentStore Content { get; }
    public RegistryOptions Options { get; }

    RegistryServer(WebApplication app, RegistryStore store, ContentStore content, RegistryOptions options)
    {
        this.app = app; Store = store; Content = content; Options = options;
    }

    /// <param name="logging">Where the server's logs go (tests capture them); default: the console, warnings and up.</param>
    public static RegistryServer Create(RegistryOptions options, Action<ILoggingBuilder>? logging = null)
    {
        var db = RegistryDatabase.Open(options.DataDirectory, options.Database);
        var store = new RegistryStore(db);
        var content = new ContentStore(options.DataDirectory);
        content.SweepTemp();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "Lineage.Registry", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (logging is null) builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        else logging(builder.Logging);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = Math.Max(options.MaxFingerprintBytes, options.MaxSuspectBytes) + (1 << 20);
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(30);
            k.AddServerHeader = false;
        });
        builder.WebHost.UseUrls($"http://{(options.Host.Contains(':') ? $"[{options.Host}]" : options.Host)}:{options.Port}");
        // snake_case on the wire, as the request records are read (ScanRequest.Json), so the OpenAPI schemas say what is accepted
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        // a query parameter that does not bind (?limit=abc) throws, so the error middleware names it instead of a bare 400
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddOpenApi("v1", o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "Lineage fingerprint registry";
            doc.Info.Version = "1";
            doc.Info.Description = "Register model fingerprints per tenant; scan a suspect model (a file or a prediction API) against all of them; download the evidence.";
            doc.Servers?.Clear();
            return Task.CompletedTask;
        }));

        var app = builder.Build();
        var server = new RegistryServer(app, store, content, options);
        var auth = new ApiAuth(store, options);
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Lineage.Registry");
        app.Use(async (ctx, next) =>
        {
            try { await next(ctx); }
            catch (Exception e) when (!ctx.Response.HasStarted)
            {
                var (status, message) = Classify(e);
                if (status == 500) log.LogError(e, "{Method} {Path} failed", ctx.Request.Method, ctx.Request.Path);
                var retryAfter = ctx.Response.Headers.RetryAfter;
                ctx.Response.Clear();
                if (status == 429) ctx.Response.Headers.RetryAfter = retryAfter;
                await ApiErrors.Of(status, message).ExecuteAsync(ctx);
            }
        });
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapGet("/healthz", () => Results.Json(new Views.Health("ok", db.Dialect.ToString().ToLowerInvariant(), Migrations.Latest)))
            .WithName("Health").WithSummary("Liveness and the database kind (no key needed)").Produces<Views.Health>();
        TenantEndpoints.Map(app, store, auth, options);
        ModelEndpoints.Map(app, store, content, auth, options);
        ScanEndpoints.Map(app, store, content, auth, options);
        DashboardPages.Map(app, store, content, auth);
        app.MapFallback((HttpContext ctx) => ApiErrors.Of(404, $"no endpoint {ctx.Request.Method} {ctx.Request.Path}; the API is described at /openapi/v1.json"));
        return server;
    }

    static (int Status, string Message) Classify(Exception e) => e switch
    {
        ApiException a => (a.Status, a.Message),
        BadHttpRequestException b when b.StatusCode == 413 => (413, "the request body is larger than this endpoint accepts"),
        BadHttpRequestException b => (b.StatusCode, b.Message),
        RejectedUploadException r => (422, r.Message),
        RegistryConflictException c => (409, c.Message),
        QueryBudgetException q => (403, q.Message),
        ArgumentException a => (400, a.Message),
        OperationCanceledException => (400, "the request was cancelled"),
        _ => (500, $"internal error ({e.GetType().Name}); the operator's log has the details"),
    };

    /// <summary>Starts listening and the in-process workers; returns the base URL (with the real port when 0 was asked).</summary>
    public async Task<string> StartAsync()
    {
        await app.StartAsync();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Lineage.Registry.Worker");
        for (int i = 0; i < Options.Workers; i++)
        {
            var worker = new ScanWorker(Store, Content, Options.Worker with { Name = $"{Options.Worker.Name}/serve-{i}", AllowPrivateSuspects = Options.AllowPrivateSuspects },
                message => log.LogInformation("{Message}", message));
            workers.Add(Task.Factory.StartNew(() => worker.RunUntil(stopWorkers.Token), TaskCreationOptions.LongRunning));
        }
        return BaseUrl;
    }

    public string BaseUrl
    {
        get
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return address.Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1");
        }
    }

    public Task WaitForShutdownAsync(CancellationToken cancel) => app.WaitForShutdownAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        stopWorkers.Cancel();
        await Task.WhenAll(workers);
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
