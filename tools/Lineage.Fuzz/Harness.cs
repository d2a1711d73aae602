namespace Lineage.Fuzz;

/// <summary>One fuzz target: a parser fed arbitrary bytes. <see cref="Run"/> returns normally or throws; what it
/// throws is judged by <see cref="ExpectedFailure"/>.</summary>
public sealed record Harness(string Name, string Reads, Action<byte[]> Run);
