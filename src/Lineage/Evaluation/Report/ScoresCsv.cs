using System.Globalization;
using System.Text;

namespace Lineage.Evaluation.Report;

/// <summary><c>scores.csv</c>: one row per model × method, RFC 4180 quoting, invariant culture, empty cells for missing values.</summary>
public static class ScoresCsv
{
    public static readonly string[] Columns =
        ["model", "role", "category", "method", "score", "threshold", "flagged", "p_value", "representation", "queries", "verify_seconds", "test_accuracy", "calibration", "note"];

    public static string Render(IEnumerable<ModelScore> scores)
    {
        var csv = new StringBuilder(string.Join(",", Columns)).Append('\n');
        foreach (var s in scores)
        {
            string[] cells =
            [
                s.ModelId, s.Role, s.Category, s.Method, N(s.Score), N(s.Threshold),
                s.Flagged is bool f ? (f ? "true" : "false") : "", N(s.PValue), s.Representation,
                s.Queries.ToString(CultureInfo.InvariantCulture), N(s.VerifySeconds), N(s.TestAccuracy),
                s.UsedForCalibration ? "true" : "false", s.Note ?? "",
            ];
            csv.Append(string.Join(",", cells.Select(Quote))).Append('\n');
        }
        return csv.ToString();
    }

    static string N(double? v) => v is double d ? d.ToString("R", CultureInfo.InvariantCulture) : "";

    static string Quote(string cell) => cell.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + cell.Replace("\"", "\"\"") + "\"" : cell;
}
