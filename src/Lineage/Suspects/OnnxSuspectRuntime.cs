namespace Lineage.Suspects;

/// <summary>What runs a black-box ONNX suspect (a local .onnx file, or one <c>lineage serve</c> exposes).</summary>
public enum OnnxSuspectRuntime
{
    /// <summary>ONNX Runtime: every standard operator, optimised kernels (the default).</summary>
    OnnxRuntime,
    /// <summary>The engine's importer: the same code path a white-box ONNX source runs on; refuses ops outside its table.</summary>
    Engine,
}
