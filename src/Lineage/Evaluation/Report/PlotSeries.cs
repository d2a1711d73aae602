namespace Lineage.Evaluation.Report;

/// <summary>How a series is drawn: joined points (ROC curves) or separate markers (one per model).</summary>
public enum SeriesKind { Line, Markers }

public readonly record struct PlotPoint(double X, double Y);

/// <summary>Marker forms, so that series sharing a palette colour (more series than colours) stay apart.</summary>
public enum MarkerShape { Circle, Square, Triangle }

/// <summary>One named, coloured set of points; the name appears in the legend.</summary>
public sealed record PlotSeries(string Name, IReadOnlyList<PlotPoint> Points, SeriesKind Kind, string Color, bool Dashed = false, MarkerShape Shape = MarkerShape.Circle);

/// <summary>A labelled horizontal line across the plot (a decision threshold).</summary>
public sealed record ReferenceLine(string Label, double Y, string Color);
