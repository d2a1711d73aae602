using System.Buffers.Binary;
using System.Diagnostics;

namespace Lineage.Tests.Browser;

/// <summary>
/// Renders a page in headless Chromium (Debian's `chromium` package) and returns its screenshot, so that a test can
/// check what a person would see, not only the HTML text.
/// </summary>
public static class HeadlessChromium
{
    public static string? Executable { get; } = new[] { "chromium", "chromium-browser", "google-chrome" }
        .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
        .FirstOrDefault(File.Exists);

    /// <summary>Screenshot of <paramref name="htmlPath"/> at the given window size, written to <paramref name="pngPath"/>.</summary>
    public static void Screenshot(string htmlPath, string pngPath, int width, int height)
    {
        var info = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("chromium is not installed"))
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
        foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", $"--window-size={width},{height}",
                                    $"--user-data-dir={Path.Combine(Path.GetDirectoryName(pngPath)!, "chromium-profile")}",
                                    $"--screenshot={pngPath}", new Uri(Path.GetFullPath(htmlPath)).AbsoluteUri })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000)) { process.Kill(entireProcessTree: true); throw new TimeoutException($"chromium did not render {htmlPath} within 60 s"); }
        if (!File.Exists(pngPath)) throw new InvalidOperationException($"chromium wrote no screenshot of {htmlPath} (exit {process.ExitCode}): {stderr.Result}");
    }

    /// <summary>Width and height from a PNG's IHDR chunk (bytes 16–23), after checking its signature.</summary>
    public static (int Width, int Height) PngSize(string pngPath)
    {
        var bytes = File.ReadAllBytes(pngPath);
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        if (bytes.Length < 24 || !bytes.AsSpan(0, 8).SequenceEqual(signature)) throw new InvalidDataException($"{pngPath} is not a PNG");
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }
}

/// <summary>A fact that needs headless Chromium; shown as SKIPPED with the reason when it is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (HeadlessChromium.Executable is null) Skip = "chromium is not installed (apt-get install chromium)";
    }
}
