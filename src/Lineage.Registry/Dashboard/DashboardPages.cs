using System.Text;
using System.Text.Json;
using Lineage.Registry.Api;
using Lineage.Registry.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static System.Net.WebUtility;

namespace Lineage.Registry.Dashboard;

/// <summary>
/// The owner's pages, rendered on the server with no script: registered models, scans with their status and
/// verdicts, and each scan's ranking with links to every model's evidence report. Signing in stores the API key in
/// an HttpOnly, SameSite=Strict cookie; the pages only read, so that is the only state they change.
/// </summary>
public static class DashboardPages
{
    public static void Map(IEndpointRouteBuilder app, RegistryStore store, ContentStore content, ApiAuth auth)
    {
        app.MapGet("/dashboard", (HttpContext ctx) =>
        {
            if (!ApiAuth.HasKey(ctx.Request)) return new HtmlResult(SignIn(null));
            var tenant = auth.Tenant(ctx, allowCookie: true);
            return new HtmlResult(Overview(tenant, store.Models(tenant.Id), store.Scans(tenant.Id, 50)));
        }).ExcludeFromDescription();

        app.MapPost("/dashboard/login", async (HttpContext ctx) =>
        {
            if (!ctx.Request.HasFormContentType) throw new ApiException(415, "expected a form with the field 'key'");
            Uploads.Limit(ctx, 16 << 10, "the sign-in form");
            var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
            var key = form["key"].ToString().Trim();
            if (key.Length == 0 || store.TenantOfKey(key) is null) return new HtmlResult(SignIn("That key is not a tenant's API key."), 401);
            ctx.Response.Cookies.Append(ApiAuth.CookieName, key, new CookieOptions
            {
                HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = ctx.Request.IsHttps, Path = "/", MaxAge = TimeSpan.FromHours(8),
            });
            return Results.Redirect("/dashboard");
        }).ExcludeFromDescription().DisableAntiforgery();

        app.MapPost("/dashboard/logout", (HttpContext ctx) =>
        {
            ctx.Response.Cookies.Delete(ApiAuth.CookieName);
            return Results.Redirect("/dashboard");
        }).ExcludeFromDescription().DisableAntiforgery();

        app.MapGet("/dashboard/scans/{id}", (HttpContext ctx, string id) =>
        {
            var tenant = auth.Tenant(ctx, allowCookie: true);
            var scan = store.Scan(tenant.Id, id) ?? throw new ApiException(404, $"scan {id} not found");
            return new HtmlResult(ScanPage(tenant, scan));
        }).ExcludeFromDescription();

        app.MapGet("/dashboard/scans/{id}/evidence/{model}/report.html", (HttpContext ctx, string id, string model) =>
        {
            var tenant = auth.Tenant(ctx, allowCookie: true);
            return ScanEndpoints.Report(content, store.Scan(tenant.Id, id) ?? throw new ApiException(404, $"scan {id} not found"), model);
        }).ExcludeFromDescription();

        app.MapGet("/dashboard/scans/{id}/evidence.zip", (HttpContext ctx, string id) =>
        {
            var tenant = auth.Tenant(ctx, allowCookie: true);
            var scan = store.Scan(tenant.Id, id) ?? throw new ApiException(404, $"scan {id} not found");
            if (scan.EvidenceSha256 is null) throw new ApiException(409, $"scan {id} is {scan.Status}: it has no evidence");
            return Results.File(content.Verified(scan.EvidenceSha256), "application/zip", $"evidence-{scan.Id}.zip");
        }).ExcludeFromDescription();
    }

    const string Style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
        header{background:#1d2430;color:#fff;padding:12px 24px;display:flex;justify-content:space-between;align-items:center}
        header h1{font-size:18px;margin:0} header form{margin:0} header button{background:none;border:1px solid #8892a6;color:#fff;border-radius:4px;padding:3px 10px}
        main{padding:16px 24px;max-width:1200px} h2{font-size:16px;margin:24px 0 8px}
        table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e7}
        th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eceef2;vertical-align:top} th{background:#eef1f5;font-weight:600}
        td.num{text-align:right;font-variant-numeric:tabular-nums} code{font-size:12px;color:#4a5568}
        .pill{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600}
        .stolen,.failed,.error{background:#fde2e1;color:#9b1c1c} .independent,.done{background:#def7ec;color:#03543f}
        .undecided,.queued,.running{background:#fdf6b2;color:#723b13} .muted{color:#6b7280} a{color:#1a56db}
        .card{background:#fff;border:1px solid #dde1e7;padding:12px 16px;display:inline-block;margin-right:12px;min-width:140px}
        .card b{display:block;font-size:20px}
        """;

    static string Page(string title, string body, Tenant? tenant) => $"""
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>{HtmlEncode(title)} · Lineage registry</title><style>{Style}</style></head>
        <body><header><h1>Lineage registry{(tenant is null ? "" : " · " + HtmlEncode(tenant.Name))}</h1>{(tenant is null ? "" : "<form method=\"post\" action=\"/dashboard/logout\"><button>Sign out</button></form>")}</header>
        <main>{body}</main></body></html>
        """;

    static string SignIn(string? problem) => Page("Sign in", $"""
        <h2>Sign in with your API key</h2>{(problem is null ? "" : $"<p class=\"pill failed\">{HtmlEncode(problem)}</p>")}
        <form method="post" action="/dashboard/login"><input name="key" type="password" size="60" autocomplete="off" placeholder="lrk_…"> <button>Sign in</button></form>
        <p class="muted">The key is kept in an HttpOnly cookie for this browser only.</p>
        """, null);

    static string Pill(string text) => $"<span class=\"pill {HtmlEncode(text)}\">{HtmlEncode(text)}</span>";

    static string Overview(Tenant tenant, IReadOnlyList<RegisteredModel> models, IReadOnlyList<Scan> scans)
    {
        var b = new StringBuilder();
        b.Append($"<div class=\"card\">registered models<b>{models.Count}</b></div><div class=\"card\">scans<b>{scans.Count}</b></div>");
        b.Append($"<div class=\"card\">queries used<b>{tenant.QueriesUsed}{(tenant.QueryBudget is long q ? $" / {q}" : "")}</b></div>");
        b.Append("<h2>Registered models</h2><table><tr><th>name</th><th>version</th><th>methods</th><th class=\"num\">queries</th><th>source hash</th><th>registered</th></tr>");
        foreach (var m in models)
            b.Append($"<tr><td>{HtmlEncode(m.Name)}</td><td>{HtmlEncode(m.Version)}</td><td>{HtmlEncode(string.Join(", ", m.Methods))}</td><td class=\"num\">{m.QueryCount}</td><td><code>{HtmlEncode(Short(m.SourceHash))}</code></td><td>{Views.Time(m.CreatedMs)[..16].Replace('T', ' ')}</td></tr>");
        if (models.Count == 0) b.Append("<tr><td colspan=\"6\" class=\"muted\">none yet: POST a fingerprint to /v1/models</td></tr>");
        b.Append("</table><h2>Scans</h2><table><tr><th>submitted</th><th>suspect</th><th>status</th><th>most likely source</th><th class=\"num\">p-value</th><th>identified</th><th></th></tr>");
        foreach (var s in scans)
        {
            var top = Ranking(s).FirstOrDefault();
            string source = top.ValueKind == JsonValueKind.Object ? $"{Str(top, "name")} {Str(top, "version")} {Pill(Str(top, "verdict"))}" : s.Error is null ? "<span class=\"muted\">–</span>" : $"<span class=\"muted\">{HtmlEncode(s.ErrorKind ?? "")}: {HtmlEncode(Short(s.Error, 80))}</span>";
            string p = top.ValueKind == JsonValueKind.Object && top.GetProperty("p_value").ValueKind == JsonValueKind.Number ? top.GetProperty("p_value").GetDouble().ToString("G3") : "–";
            int identified = Ranking(s).Count(r => r.GetProperty("identified").GetBoolean());
            b.Append($"<tr><td>{Views.Time(s.CreatedMs)[..19].Replace('T', ' ')}</td><td>{HtmlEncode(Short(s.SuspectName, 60))}</td><td>{Pill(s.Status)}</td><td>{source}</td><td class=\"num\">{p}</td><td class=\"num\">{(s.Status == ScanStatus.Done ? identified.ToString() : "–")}</td><td><a href=\"/dashboard/scans/{HtmlEncode(s.Id)}\">details</a></td></tr>");
        }
        if (scans.Count == 0) b.Append("<tr><td colspan=\"7\" class=\"muted\">none yet: POST a suspect to /v1/scans</td></tr>");
        b.Append("</table>");
        return Page("Overview", b.ToString(), tenant);
    }

    static string ScanPage(Tenant tenant, Scan s)
    {
        var b = new StringBuilder();
        b.Append($"<p><a href=\"/dashboard\">← all scans</a></p><h2>Scan {HtmlEncode(s.Id)} {Pill(s.Status)}</h2>");
        b.Append($"<p>Suspect <b>{HtmlEncode(s.SuspectName)}</b>{(s.SuspectSha256 is { } h ? $" <code>sha256 {HtmlEncode(Short(h))}</code>" : "")}, submitted {Views.Time(s.CreatedMs)}, attempts {s.Attempts}, queries {s.QueriesSpent?.ToString() ?? "–"} of {s.ReservedQueries} reserved.</p>");
        if (s.Error is not null) b.Append($"<p class=\"pill failed\">{HtmlEncode(s.ErrorKind ?? "")}: {HtmlEncode(s.Error)}</p>");
        if (s.EvidenceSha256 is not null) b.Append($"<p><a href=\"/dashboard/scans/{HtmlEncode(s.Id)}/evidence.zip\">Download all evidence (zip)</a></p>");
        b.Append("<table><tr><th>rank</th><th>model</th><th>verdict</th><th class=\"num\">p-value</th><th class=\"num\">FPR</th><th class=\"num\">p across models</th><th>identified</th><th class=\"num\">queries</th><th>evidence</th></tr>");
        foreach (var r in Ranking(s))
        {
            string Num(string name) => r.GetProperty(name).ValueKind == JsonValueKind.Number ? r.GetProperty(name).GetDouble().ToString("G3") : "–";
            var model = Str(r, "model_id");
            string evidence = Str(r, "verdict") == "error" ? HtmlEncode(Str(r, "error")) : $"<a href=\"/dashboard/scans/{HtmlEncode(s.Id)}/evidence/{HtmlEncode(model)}/report.html\">report</a>";
            b.Append($"<tr><td class=\"num\">{r.GetProperty("rank").GetInt32()}</td><td>{HtmlEncode(Str(r, "name"))} {HtmlEncode(Str(r, "version"))}</td><td>{Pill(Str(r, "verdict"))}</td><td class=\"num\">{Num("p_value")}</td><td class=\"num\">{Num("fpr")}</td><td class=\"num\">{Num("p_value_across_models")}</td><td>{(r.GetProperty("identified").GetBoolean() ? "yes" : "no")}</td><td class=\"num\">{r.GetProperty("queries").GetInt64()}</td><td>{evidence}</td></tr>");
        }
        b.Append("</table><p class=\"muted\">Each verdict controls its model's false-positive rate; \"p across models\" multiplies the p-value by the number of models scanned (Bonferroni), and a model is identified when that stays within its FPR.</p>");
        return Page("Scan " + s.Id, b.ToString(), tenant);
    }

    static IEnumerable<JsonElement> Ranking(Scan s) => s.ResultJson is null ? [] : Views.Parse(s.ResultJson).GetProperty("ranking").EnumerateArray().ToList();
    static string Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
    static string Short(string s, int n = 16) => s.Length > n ? s[..n] + "…" : s;
}
