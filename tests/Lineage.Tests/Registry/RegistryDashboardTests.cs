using System.Net;
using System.Text;
using System.Text.Json;
using Lineage.Tests.Browser;
using Lineage.Tests.Data;

namespace Lineage.Tests.Registry;

/// <summary>The owner's dashboard: sign-in by cookie, and pages that render in a real browser.</summary>
public class RegistryDashboardTests
{
    [Fact]
    public async Task SigningInSetsAnHttpOnlyStrictCookieThatOpensTheDashboard()
    {
        await using var host = await RegistryHost.Start();
        var (_, key, _) = await host.Tenant("acme");
        var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
        using var browser = new HttpClient(handler) { BaseAddress = new Uri(host.Url + "/") };

        var signIn = await browser.GetStringAsync("dashboard");
        Assert.Contains("Sign in with your API key", signIn);
        var wrong = await browser.PostAsync("dashboard/login", new FormUrlEncodedContent([new("key", "lrk_wrong")]));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var right = await browser.PostAsync("dashboard/login", new FormUrlEncodedContent([new("key", key)]));
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        var cookie = right.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie.ToLowerInvariant());
        Assert.Contains("samesite=strict", cookie.ToLowerInvariant());

        var request = new HttpRequestMessage(HttpMethod.Get, "dashboard");
        request.Headers.Add("Cookie", cookie.Split(';')[0]);
        var page = await browser.SendAsync(request);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Lineage registry · acme", html);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single());
        // the cookie opens only the dashboard, not the API (which needs the key in a header, so no other site can use it)
        var api = new HttpRequestMessage(HttpMethod.Get, "v1/models");
        api.Headers.Add("Cookie", cookie.Split(';')[0]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SendAsync(api)).StatusCode);
        Assert.DoesNotContain(host.Logs, line => line.Contains(key));
    }

    /// <summary>The overview (models, scans with status and verdicts) and a scan's page (ranking, evidence links) render
    /// in headless Chromium into pages with content; the screenshots are the ones in docs/ (refreshed with
    /// LINEAGE_UPDATE_SCREENSHOTS=1).</summary>
    [ChromiumFact]
    public async Task TheDashboardRendersInAHeadlessBrowser()
    {
        using var dir = new TempDir();
        await using var host = await RegistryHost.Start();
        var (_, _, http) = await host.Tenant("Acme Vision");
        var names = new[] { "fashion-resnet", "shapes-cnn", "digits-mlp" };
        for (int i = 0; i < names.Length; i++) await RegistryHost.Register(http, RegistryWorld.Fingerprint(i + 1, dir.Path), names[i], $"1.{i}");
        string? stolenScan = null;
        foreach (var suspect in new[] { RegistryWorld.SuspectFile(2, dir.Path, onnx: true), RegistryWorld.SuspectFile(40, dir.Path) })
        {
            var id = (await RegistryHost.Json(await http.PostAsync("v1/scans", RegistryHost.SuspectForm(suspect)), 202)).GetProperty("id").GetString()!;
            Assert.Equal(200, (await RegistryHost.Result(http, id)).Status);
            stolenScan ??= id;
        }
        var timeout = await http.PostAsync("v1/scans", new StringContent(JsonSerializer.Serialize(new { url = "http://127.0.0.1:9/v2/models/down", retries = 0, timeout_seconds = 1 }), Encoding.UTF8, "application/json"));
        await RegistryHost.Result(http, (await RegistryHost.Json(timeout, 202)).GetProperty("id").GetString()!);

        var overview = await http.GetStringAsync("dashboard");
        foreach (var text in names.Append("stolen").Append("independent").Append("suspect_unreachable").Append("failed"))
            Assert.Contains(text, overview);
        var scanPage = await http.GetStringAsync($"dashboard/scans/{stolenScan}");
        Assert.Contains("report.html", scanPage);
        Assert.DoesNotContain("<script", overview + scanPage);

        var blank = Path.Combine(dir.Path, "blank.html");
        File.WriteAllText(blank, "<!doctype html><html><body></body></html>");
        HeadlessChromium.Screenshot(blank, Path.Combine(dir.Path, "blank.png"), 1200, 800);
        long blankBytes = new FileInfo(Path.Combine(dir.Path, "blank.png")).Length;
        foreach (var (name, html) in new[] { ("registry-dashboard", overview), ("registry-scan", scanPage) })
        {
            var page = Path.Combine(dir.Path, name + ".html");
            var png = Path.Combine(dir.Path, name + ".png");
            File.WriteAllText(page, html);
            HeadlessChromium.Screenshot(page, png, 1200, 800);
            Assert.Equal((1200, 800), HeadlessChromium.PngSize(png));
            long bytes = new FileInfo(png).Length;
            Assert.True(bytes > 5 * blankBytes, $"{name}'s screenshot ({bytes} bytes) is hardly larger than an empty page's ({blankBytes} bytes)");
            if (Environment.GetEnvironmentVariable("LINEAGE_UPDATE_SCREENSHOTS") == "1")
                File.Copy(png, Path.Combine(RegistryApiTests.RepositoryRoot(), "docs", name + ".png"), overwrite: true);
        }
    }
}
