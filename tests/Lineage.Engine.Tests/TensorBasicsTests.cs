using Lineage.Engine;
using Lineage.Engine.Kernels;

namespace Lineage.Engine.Tests;

[Collection(EngineGlobalsCollection.Name)]
public class TensorBasicsTests
{
    [Fact]
    public void CreationHelpers()
    {
        Assert.Equal(new float[6], Tensor.Zeros(2, 3).ToArray());
        Assert.All(Tensor.Ones(4).ToArray(), v => Assert.Equal(1f, v));
        Assert.All(Tensor.Full(2.5f, 2, 2).ToArray(), v => Assert.Equal(2.5f, v));
        Assert.Equal([0f, 2f, 4f], Tensor.Arange(0, 5, 2).ToArray());
        Assert.Throws<ArgumentException>(() => Tensor.FromArray([1f, 2f, 3f], 2, 2));
    }

    [Fact]
    public void SeededRandomIsReproducibleAndHasTheRightMoments()
    {
        var a = Tensor.Randn(new Generator(5), 20000);
        var b = Tensor.Randn(new Generator(5), 20000);
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.NotEqual(a.ToArray(), Tensor.Randn(new Generator(6), 20000).ToArray());
        Assert.InRange(a.Mean().Item(), -0.03f, 0.03f);
        Assert.InRange(a.Var().Item(), 0.95f, 1.05f);
        var u = Tensor.Uniform(new Generator(1), -2f, 3f, 10000);
        Assert.InRange(u.Min().Item(), -2f, -1.99f);
        Assert.InRange(u.Max().Item(), 2.99f, 3f);
    }

    [Fact]
    public void BroadcastingMatchesNumPyRules()
    {
        var a = Tensor.FromArray([1f, 2f, 3f], 3, 1);
        var b = Tensor.FromArray([10f, 20f], 2);
        Assert.Equal([11f, 21f, 12f, 22f, 13f, 23f], (a + b).ToArray());
        Assert.Equal([3, 2], (a * b).Shape);
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3) + Tensor.Zeros(4));
        // channel-wise bias on NCHW
        var x = Tensor.Zeros(2, 3, 2, 2);
        var bias = Tensor.FromArray([1f, 2f, 3f], 1, 3, 1, 1);
        var y = x + bias;
        Assert.Equal(2f, y[1, 1, 1, 0]);
        Assert.Equal(3f, y[0, 2, 0, 1]);
    }

    [Fact]
    public void ReductionsOverAxes()
    {
        var x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        Assert.Equal([5f, 7f, 9f], x.Sum(0).ToArray());
        Assert.Equal([6f, 15f], x.Sum(1).ToArray());
        Assert.Equal([2, 1], x.Sum(1, keepDim: true).Shape);
        Assert.Equal(3.5f, x.Mean().Item());
        Assert.Equal([3f, 6f], x.Max(1).ToArray());
        Assert.Equal([1f, 2f, 3f], x.Min(0).ToArray());
        Assert.Equal([1f, 1f], x.Var(1).ToArray());
        Assert.Equal([2, 2], x.ArgMax(1));
        var (vals, idx) = Tensor.FromArray([3f, 1f, 4f, 1f, 5f], 1, 5).TopK(3);
        Assert.Equal([5f, 4f, 3f], vals.ToArray());
        Assert.Equal([4, 2, 0], idx);
    }

    [Fact]
    public void ShapeOps()
    {
        var x = Tensor.Arange(24).Reshape(2, 3, 4);
        Assert.Equal([4, 2, 3], x.Permute(2, 0, 1).Shape);
        Assert.Equal(x[1, 2, 3], x.Permute(2, 0, 1)[3, 1, 2]);
        Assert.Equal([1f, 3f], Tensor.Arange(4).Slice(0, 1, 4, 2).ToArray());
        Assert.Equal([-2f + 4, 3f], Tensor.Arange(4).Slice(0, -2, 4).ToArray());
        var rows = x.IndexSelect(0, [1, 1, 0]);
        Assert.Equal([3, 3, 4], rows.Shape);
        Assert.Equal(x[1, 0, 0], rows[0, 0, 0]);
        Assert.Equal([2, 6, 4], Tensor.Cat([x, x], 1).Shape);
        Assert.Equal([2, 2, 3, 4], Tensor.Stack([x, x], 1).Shape);
        var flipped = Tensor.Arange(6).Reshape(2, 3).Flip(1);
        Assert.Equal([2f, 1f, 0f, 5f, 4f, 3f], flipped.ToArray());
        var padded = Tensor.Ones(1, 2).Pad([1, 2], -1f);
        Assert.Equal([-1f, 1f, 1f, -1f, -1f], padded.ToArray());
        Assert.Equal([2, 12], x.Flatten().Shape);
        Assert.Equal([2, 3, 1, 4], x.Unsqueeze(2).Shape);
        Assert.Throws<ArgumentException>(() => x.Reshape(5, -1));
    }

    [Fact]
    public void WhereAndMasks()
    {
        var a = Tensor.FromArray([1f, -2f, 3f], 3);
        var m = a.GreaterMask(0f);
        Assert.Equal([1f, 0f, 1f], m.ToArray());
        Assert.Equal([1f, 0f, 3f], Tensor.Where(m, a, Tensor.Zeros(1)).ToArray());
        Assert.Equal([1f, 0f, 1f], a.Clamp(0f, 1f).ToArray());
        Assert.Equal([0f, 1f, 0f, 0f, 0f, 1f], Tensor.OneHot([1, 2], 3).ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(1000)]
    [InlineData(100_003)]
    public void VectorisedElementwiseMatchesReference(int n)
    {
        var gen = new Generator(n);
        var a = Tensor.Uniform(gen, -3f, 3f, n); var b = Tensor.Uniform(gen, 0.5f, 3f, n);
        var fast = new float[n]; var slow = new float[n];
        Elementwise.Binary<AddOp>(a.Span, b.Span, fast); ElementwiseReference.Binary((x, y) => x + y, a.Span, b.Span, slow);
        Assert.Equal(slow, fast);
        Elementwise.Binary<DivOp>(a.Span, b.Span, fast); ElementwiseReference.Binary((x, y) => x / y, a.Span, b.Span, slow);
        Assert.Equal(slow, fast);
        Elementwise.Binary<MaxOp>(a.Span, b.Span, fast); ElementwiseReference.Binary(MathF.Max, a.Span, b.Span, slow);
        Assert.Equal(slow, fast);
        Assert.Equal(ElementwiseReference.Sum(a.Span), Elementwise.Sum(a.Span), 1e-5 * n);
        var acc = b.ToArray(); Elementwise.Axpy(0.5f, a.Span, acc);
        for (int i = 0; i < n; i++) Assert.Equal(b.Data[i] + 0.5f * a.Data[i], acc[i], 1e-5f);
    }
}

/// <summary>Determinism across thread counts and a flat buffer pool: both read process-wide state.</summary>
[Collection(GlobalStateCollection.Name)]
public class EngineGlobalStateTests
{
    [Fact]
    public void ResultsDoNotDependOnThreadCount()
    {
        int saved = EngineSettings.Threads;
        try
        {
            var x = Tensor.Uniform(new Generator(3), -1f, 1f, 64, 300);
            var w = Tensor.Uniform(new Generator(4), -1f, 1f, 50, 300);
            EngineSettings.Threads = 1;
            var one = (Functional.Linear(x, w).Relu().Sum(0) + x.Sum(1).Sum()).ToArray();
            EngineSettings.Threads = 4;
            var four = (Functional.Linear(x, w).Relu().Sum(0) + x.Sum(1).Sum()).ToArray();
            Assert.Equal(one, four);
        }
        finally { EngineSettings.Threads = saved; }
    }

    [Fact]
    public void ScopedTrainingLoopKeepsThePoolFlat()
    {
        var gen = new Generator(9);
        var w = Tensor.Uniform(gen, -0.1f, 0.1f, 32, 64).RequireGrad();
        var x = Tensor.Uniform(gen, -1f, 1f, 128, 64);
        long[] pooled = new long[20];
        for (int step = 0; step < 20; step++)
        {
            using (TensorScope.Begin())
            {
                var loss = Functional.Linear(x, w).Tanh().Square().Mean();
                loss.Backward();
                using (GradMode.NoGrad()) Elementwise.Axpy(-0.01f, w.Grad!.Span, w.Span);
                w.Grad = null;
            }
            pooled[step] = BufferPool.PooledFloats;
        }
        // after the first step every buffer is reused: the pool neither grows nor shrinks
        Assert.All(pooled.Skip(2), p => Assert.Equal(pooled[1], p));
    }

    static void OnNewThread(Action work)
    {
        var t = new Thread(() => work());
        t.Start();
        t.Join();
    }

    /// <summary>Each thread keeps a few buffers per length; more go to the shared pool, where another thread finds them.</summary>
    [Fact]
    public void BuffersPastAThreadsOwnReachOtherThreads()
    {
        const int length = 23_457;
        var returned = new List<float[]>();
        OnNewThread(() =>
        {
            for (int i = 0; i < 9; i++) { var b = new float[length]; returned.Add(b); BufferPool.Return(b); }
        });
        float[]? rented = null;
        OnNewThread(() => rented = BufferPool.Rent(length));
        Assert.Contains(returned, b => ReferenceEquals(b, rented));
    }

    /// <summary>What an ended thread kept for itself leaves the pool's count when the next thread starts its cache,
    /// so a server's come-and-go threads cannot fill the count up to MaxPooledFloats with buffers nobody holds.</summary>
    [Fact]
    public void AnEndedThreadsBuffersLeaveTheCount()
    {
        OnNewThread(() => BufferPool.Rent(7_919));   // prunes threads that ended before this test (a length nobody pools)
        long before = BufferPool.PooledFloats;
        OnNewThread(() => BufferPool.Return(new float[12_345]));
        Assert.Equal(before + 12_345, BufferPool.PooledFloats);
        OnNewThread(() => BufferPool.Rent(7_919));
        Assert.Equal(before, BufferPool.PooledFloats);
    }
}
