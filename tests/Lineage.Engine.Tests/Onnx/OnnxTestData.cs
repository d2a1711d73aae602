namespace Lineage.Engine.Tests.Onnx;

/// <summary>Where ONNX's per-operator node tests are (Debian/Ubuntu package libonnx-testdata, or the
/// directory named by LINEAGE_ONNX_TESTDATA); null when absent.</summary>
public static class OnnxTestData
{
    public static readonly string? NodeDirectory = Find();

    static string? Find()
    {
        var env = Environment.GetEnvironmentVariable("LINEAGE_ONNX_TESTDATA");
        string[] candidates = [env ?? "", "/usr/share/libonnx-testdata/data/node", "/usr/lib/python3/dist-packages/onnx/backend/test/data/node"];
        return candidates.FirstOrDefault(d => d.Length > 0 && Directory.Exists(d));
    }
}

/// <summary>A fact that is skipped (not failed) when ONNX's node test data is not installed.</summary>
public sealed class OnnxTestDataFactAttribute : FactAttribute
{
    public OnnxTestDataFactAttribute()
    {
        if (OnnxTestData.NodeDirectory == null)
            Skip = "ONNX node test data not found (install libonnx-testdata or set LINEAGE_ONNX_TESTDATA to the data/node directory)";
    }
}
