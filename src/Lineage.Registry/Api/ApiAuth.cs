using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Lineage.Registry.Security;
using Lineage.Registry.Storage;
using Microsoft.AspNetCore.Http;

namespace Lineage.Registry.Api;

/// <summary>
/// Who is calling: a tenant (its API key as <c>Authorization: Bearer KEY</c>, or the dashboard's cookie) or the
/// operator (the admin key). No key or an unknown one is 401; a valid key at the wrong kind of endpoint is 403.
/// Each tenant's requests pass a token bucket (its own rate, else the server's), refused with 429 and Retry-After.
/// Keys are compared by hash and never logged or echoed.
/// </summary>
public sealed class ApiAuth(RegistryStore store, RegistryOptions options)
{
    public const string CookieName = "lineage_key";
    readonly ConcurrentDictionary<string, TokenBucketRateLimiter> buckets = new();

    static string? KeyOf(HttpRequest request, bool allowCookie)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header[7..].Trim();
        if (request.Headers.TryGetValue("X-Api-Key", out var k) && k.Count == 1) return k[0]!.Trim();
        if (allowCookie && request.Cookies.TryGetValue(CookieName, out var c)) return c;
        return null;
    }

    bool IsAdmin(string key) => options.AdminKeyHash is { } h && ApiKeys.Matches(key, h);

    /// <summary>The calling tenant, after its rate limit; throws 401/403/429.</summary>
    public Tenant Tenant(HttpContext ctx, bool allowCookie = false)
    {
        var key = KeyOf(ctx.Request, allowCookie) ?? throw new ApiException(401, "no API key: send 'Authorization: Bearer KEY'");
        var tenant = store.TenantOfKey(key);
        if (tenant is null)
        {
            if (IsAdmin(key)) throw new ApiException(403, "the operator key manages tenants; use a tenant's API key here");
            throw new ApiException(401, "unknown API key");
        }
        var bucket = buckets.GetOrAdd(tenant.Id, _ => Bucket(tenant.RatePerMinute ?? options.RatePerMinute));
        using var lease = bucket.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            int seconds = Math.Max(1, (int)Math.Ceiling(60.0 / (tenant.RatePerMinute ?? options.RatePerMinute)));
            ctx.Response.Headers.RetryAfter = seconds.ToString();
            throw new ApiException(429, $"rate limit of {tenant.RatePerMinute ?? options.RatePerMinute} requests per minute reached; retry in {seconds} s");
        }
        return tenant;
    }

    /// <summary>Checks the operator key; throws 401/403 (403 also when the server has no operator key configured).</summary>
    public void Admin(HttpContext ctx)
    {
        var key = KeyOf(ctx.Request, allowCookie: false) ?? throw new ApiException(401, "no API key: send 'Authorization: Bearer OPERATOR_KEY'");
        if (options.AdminKeyHash is null) throw new ApiException(403, "this server has no operator key (start it with --admin-key-env VAR), so tenants cannot be created over HTTP");
        if (IsAdmin(key)) return;
        if (store.TenantOfKey(key) is not null) throw new ApiException(403, "a tenant's key cannot manage tenants; use the operator key");
        throw new ApiException(401, "unknown API key");
    }

    /// <summary>True when the request carries no key at all (the dashboard then shows its sign-in form).</summary>
    public static bool HasKey(HttpRequest request) => KeyOf(request, allowCookie: true) is not null;

    static TokenBucketRateLimiter Bucket(int perMinute) => new(new TokenBucketRateLimiterOptions
    {
        // a burst of a minute's requests, refilled one at a time
        TokenLimit = Math.Max(1, perMinute), TokensPerPeriod = 1, ReplenishmentPeriod = TimeSpan.FromMinutes(1.0 / Math.Max(1, perMinute)),
        QueueLimit = 0, AutoReplenishment = true,
    });
}
