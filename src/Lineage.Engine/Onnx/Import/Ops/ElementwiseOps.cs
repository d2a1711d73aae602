namespace Lineage.Engine.Onnx;

/// <summary>Broadcasting arithmetic (variadic Max, Min, Sum and Mean too), selection and pointwise activations (Erf,
/// HardSigmoid, HardSwish, Softplus among them: the GELU of transformer blocks, MobileNetV3's activation and Mish as
/// PyTorch exports them). Float operands map to engine ops; integer operands (shape arithmetic) are computed on arrays.</summary>
internal static class ElementwiseOps
{
    public static void Register(Dictionary<string, OpHandler> t)
    {
        t["Add"] = (n, i) => Binary(n, i, Tensor.Add, (a, b) => a + b);
        t["Sub"] = (n, i) => Binary(n, i, Tensor.Sub, (a, b) => a - b);
        t["Mul"] = (n, i) => Binary(n, i, Tensor.Mul, (a, b) => a * b);
        t["Div"] = (n, i) => Binary(n, i, Tensor.Div, (a, b) => b == 0 ? throw n.Invalid("integer division by zero") : a / b);
        t["Pow"] = (n, i) => NodeInputs.One(Pow(n, i));
        t["Neg"] = (n, i) => Unary(n, i, x => x.Neg());
        t["Abs"] = (n, i) => Unary(n, i, x => x.Abs());
        t["Exp"] = (n, i) => Unary(n, i, x => x.Exp());
        t["Log"] = (n, i) => Unary(n, i, x => x.Log());
        t["Sqrt"] = (n, i) => Unary(n, i, x => x.Sqrt());
        t["Relu"] = (n, i) => Unary(n, i, x => x.Relu());
        t["Sigmoid"] = (n, i) => Unary(n, i, x => x.Sigmoid());
        t["Tanh"] = (n, i) => Unary(n, i, x => x.Tanh());
        t["LeakyRelu"] = (n, i) => Unary(n, i, x => x.LeakyRelu(n.Float("alpha", 0.01f)));
        t["Elu"] = (n, i) => Unary(n, i, x => x.Elu(n.Float("alpha", 1f)));
        t["PRelu"] = (n, i) => NodeInputs.One(PRelu(n.FloatInput(i, 0), n.FloatInput(i, 1)));
        t["Clip"] = (n, i) => NodeInputs.One(Clip(n, i));
        t["Erf"] = (n, i) => Unary(n, i, x => x.Erf());
        t["HardSigmoid"] = (n, i) => Unary(n, i, x => HardSigmoid(x, n.Float("alpha", 0.2f), n.Float("beta", 0.5f)));
        // MobileNetV3's activation: x · HardSigmoid(x) with α = 1/6, β = 1/2 (opset 14)
        t["HardSwish"] = (n, i) => Unary(n, i, x => x * HardSigmoid(x, 1f / 6f, 0.5f));
        t["Softplus"] = (n, i) => Unary(n, i, x => x.Softplus());
        // ops of their own from opset 18 (Mish) and 20 (Gelu); earlier exports spell them out
        t["Mish"] = (n, i) => Unary(n, i, x => x * x.Softplus().Tanh());
        t["Gelu"] = (n, i) => Unary(n, i, x => Gelu(n, x));
        // comparisons and logic give booleans (an expand's −1 is resolved with Equal and Where, a mask with Greater);
        // Where selects integers and floats (attention masks)
        t["Equal"] = (n, i) => NodeInputs.One(Compare(n, i, c => c == 0));
        t["Greater"] = (n, i) => NodeInputs.One(Compare(n, i, c => c > 0));
        t["Less"] = (n, i) => NodeInputs.One(Compare(n, i, c => c < 0));
        t["GreaterOrEqual"] = (n, i) => NodeInputs.One(Compare(n, i, c => c >= 0));
        t["LessOrEqual"] = (n, i) => NodeInputs.One(Compare(n, i, c => c <= 0));
        t["Not"] = (n, i) => NodeInputs.One(Logical(n, i, not: true));
        t["And"] = (n, i) => NodeInputs.One(Logical(n, i, (a, b) => a != 0 && b != 0 ? 1 : 0));
        t["Or"] = (n, i) => NodeInputs.One(Logical(n, i, (a, b) => a != 0 || b != 0 ? 1 : 0));
        t["Xor"] = (n, i) => NodeInputs.One(Logical(n, i, (a, b) => (a != 0) != (b != 0) ? 1 : 0));
        t["Where"] = (n, i) => NodeInputs.One(Where(n, i));
        t["Max"] = (n, i) => NodeInputs.One(Variadic(n, i, Tensor.Maximum, Math.Max));
        t["Min"] = (n, i) => NodeInputs.One(Variadic(n, i, Tensor.Minimum, Math.Min));
        t["Sum"] = (n, i) => NodeInputs.One(Variadic(n, i, Tensor.Add, (a, b) => a + b));
        t["Mean"] = (n, i) => NodeInputs.One(Variadic(n, i, Tensor.Add, (a, b) => a + b, mean: true));
        t["Reciprocal"] = (n, i) => Unary(n, i, x => x.Pow(-1f));
    }

    /// <summary>A boolean comparison of two broadcast operands, element by element (no gradient: a comparison has none).</summary>
    static OnnxValue Compare(OnnxNode node, OnnxValue?[] inputs, Func<int, bool> holds)
    {
        var a = node.Input(inputs, 0);
        var b = node.Input(inputs, 1);
        if (!a.IsFloat && !b.IsFloat)
        {
            var r = IntArrays.Broadcast(a, b, (x, y) => holds(x.CompareTo(y)) ? 1 : 0);
            return OnnxValue.OfInts(r.Ints!, r.Shape, isBool: true);
        }
        var fa = a.ToFloat(); var fb = b.ToFloat();
        var shape = Lineage.Engine.Broadcast.ResultShape(fa.Shape, fb.Shape, node.OpType);
        var x = Tensor.ExpandRaw(fa, shape).ToArray(); var y = Tensor.ExpandRaw(fb, shape).ToArray();
        var result = new long[x.Length];
        // NaN compares false either way; ±∞ compare as values (∞ == ∞)
        for (int k = 0; k < x.Length; k++) result[k] = !float.IsNaN(x[k]) && !float.IsNaN(y[k]) && holds(x[k].CompareTo(y[k])) ? 1 : 0;
        return OnnxValue.OfInts(result, shape, isBool: true);
    }

    /// <summary>Not, And, Or, Xor of boolean values.</summary>
    static OnnxValue Logical(OnnxNode node, OnnxValue?[] inputs, Func<long, long, long>? op = null, bool not = false)
    {
        var a = node.Input(inputs, 0);
        if (a.IsFloat) throw node.Invalid($"operand {a.Describe()} is not boolean");
        if (not) return OnnxValue.OfInts(a.AsLongs().Select(v => v != 0 ? 0L : 1L).ToArray(), a.Shape, isBool: true);
        var b = node.Input(inputs, 1);
        if (b.IsFloat) throw node.Invalid($"operand {b.Describe()} is not boolean");
        var r = IntArrays.Broadcast(a, b, op!);
        return OnnxValue.OfInts(r.Ints!, r.Shape, isBool: true);
    }

    /// <summary>Where: on integer or boolean values an array selection; with a float operand the engine's select, whose
    /// gradient goes to the operand each element came from (an attention mask's −∞ never meets a 0 in a product).</summary>
    static OnnxValue Where(OnnxNode node, OnnxValue?[] inputs)
    {
        var condition = node.Input(inputs, 0);
        var x = node.Input(inputs, 1);
        var y = node.Input(inputs, 2);
        if (condition.IsFloat) throw node.Invalid($"the condition is {condition.Describe()}, not boolean");
        if (!x.IsFloat && !y.IsFloat) return IntArrays.Select(condition, x, y);
        var mask = Tensor.FromArray(condition.AsLongs().Select(c => c != 0 ? 1f : 0f).ToArray(), condition.Shape);
        return OnnxValue.Of(Tensor.Where(mask, x.ToFloat(), y.ToFloat()));
    }

    /// <summary>Max, Min, Sum and Mean of one or more broadcast operands, folded left to right.</summary>
    static OnnxValue Variadic(OnnxNode node, OnnxValue?[] inputs, Func<Tensor, Tensor, Tensor> floatOp, Func<long, long, long> intOp, bool mean = false)
    {
        var operands = inputs.Where(v => v != null).Select(v => v!).ToList();
        if (operands.Count == 0) throw node.Invalid("no inputs");
        if (operands.Any(v => v.IsFloat))
        {
            var acc = operands[0].ToFloat();
            foreach (var v in operands.Skip(1)) acc = floatOp(acc, v.ToFloat());
            return OnnxValue.Of(mean ? acc * (1f / operands.Count) : acc);
        }
        if (mean) throw node.Unsupported("Mean of integer tensors");
        var r = operands[0];
        foreach (var v in operands.Skip(1)) r = IntArrays.Broadcast(r, v, intOp);
        return r;
    }

    /// <summary>Exact GELU, or with approximate="tanh" 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    static Tensor Gelu(OnnxNode node, Tensor x)
    {
        var approximate = node.String("approximate", "none");
        if (approximate == "none") return x.Gelu();
        if (approximate != "tanh") throw node.Invalid($"approximate='{approximate}' (none or tanh)");
        var inner = (x + x.Pow(3f) * 0.044715f) * MathF.Sqrt(2f / MathF.PI);
        return x * 0.5f * (inner.Tanh() + 1f);
    }

    /// <summary>max(0, min(1, α·x + β)).</summary>
    static Tensor HardSigmoid(Tensor x, float alpha, float beta) => (x * alpha + beta).Clamp(0f, 1f);

    static OnnxValue?[] Unary(OnnxNode node, OnnxValue?[] inputs, Func<Tensor, Tensor> op) => NodeInputs.One(op(node.FloatInput(inputs, 0)));

    static OnnxValue?[] Binary(OnnxNode node, OnnxValue?[] inputs, Func<Tensor, Tensor, Tensor> floatOp, Func<long, long, long> intOp)
    {
        var a = node.Input(inputs, 0);
        var b = node.Input(inputs, 1);
        if (a.IsFloat && b.IsFloat) return NodeInputs.One(floatOp(a.Float!, b.Float!));
        if (a.IsFloat || b.IsFloat) throw node.Invalid($"operands of different types: {a.Describe()} and {b.Describe()}");
        return NodeInputs.One(IntArrays.Broadcast(a, b, intOp));
    }

    /// <summary>x^y: a constant scalar exponent keeps the cheap engine op (and its exact gradient at
    /// x ≤ 0 for integer powers); a tensor exponent uses exp(y·log x), defined for x &gt; 0.</summary>
    static Tensor Pow(OnnxNode node, OnnxValue?[] inputs)
    {
        var x = node.FloatInput(inputs, 0);
        var y = node.Input(inputs, 1);
        if (y.Size == 1 && (y.Float == null || !y.Float.RequiresGrad))
        {
            var r = x.Pow(y.ScalarFloat());
            return y.Rank > x.Rank ? r.Reshape(Broadcast.ResultShape(x.Shape, y.Shape, "Pow")) : r;
        }
        return Tensor.Pow(x, y.ToFloat());
    }

    /// <summary>PRelu with the engine op when the slope is shared or per channel (the gradient reaches
    /// the slope); other broadcastable slopes use relu(x) − slope·relu(−x).</summary>
    internal static Tensor PRelu(Tensor x, Tensor slope)
    {
        if (slope.Size == 1) return x.Prelu(slope.Reshape(1));
        bool perChannel = x.Rank >= 2 && slope.Size == x.Shape[1] && slope.Rank <= x.Rank - 1
            && slope.Shape[0] == x.Shape[1] && slope.Shape.Skip(1).All(d => d == 1);
        if (perChannel) return x.Prelu(slope.Reshape(slope.Size));
        return Tensor.Sub(x.Relu(), Tensor.Mul(slope, x.Neg().Relu()));
    }

    static Tensor Clip(OnnxNode node, OnnxValue?[] inputs)
    {
        var x = node.FloatInput(inputs, 0);
        float min, max;
        if (node.Opset < 11)
        {
            min = node.Float("min", float.NegativeInfinity);
            max = node.Float("max", float.PositiveInfinity);
        }
        else
        {
            min = inputs.Optional(1)?.ScalarFloat() ?? float.NegativeInfinity;
            max = inputs.Optional(2)?.ScalarFloat() ?? float.PositiveInfinity;
        }
        // ONNX defines Clip with min > max as max everywhere (std::min(max, std::max(x, min)))
        if (min > max) return x.Clamp(max, max);
        return x.Clamp(min, max);
    }
}
