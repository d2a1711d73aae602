namespace Lineage.Kits;

/// <summary>How many models a kit holds and how long they train (<see cref="KitSpec.For"/>).</summary>
public enum KitSize
{
    /// <summary>A few hundred shapes-sized images, one epoch, width 0.25: seconds; for tests and a first try, not for calibration.</summary>
    Tiny,
    /// <summary>5 references and 4 surrogates (6 for a model file); a Fashion-MNIST kit builds in minutes on 2 cores.</summary>
    Small,
    /// <summary>15 references and 13 surrogates (9 for an ONNX source), trained on the whole owner half.</summary>
    Standard,
}
