namespace Lineage.Data;

/// <summary>Class regroupings used for transfer-learning attacks.</summary>
public static class ClassMappings
{
    /// <summary>Fashion-MNIST's ten classes onto four super-classes. Dress (3) counts as a top:
    /// it covers the torso like the other upper-body garments.</summary>
    public static readonly string[] FashionMnistSuperClassNames = ["tops", "bottoms", "footwear", "bags"];

    /// <summary>map[fashion-mnist class] = super-class: T-shirt/top, Pullover, Dress, Coat, Shirt are
    /// tops; Trouser is bottoms; Sandal, Sneaker, Ankle boot are footwear; Bag is bags.</summary>
    public static readonly int[] FashionMnistSuperClasses = [0, 1, 0, 0, 0, 2, 0, 2, 3, 2];

    public static Dataset ToFashionMnistSuperClasses(Dataset fashionMnist)
    {
        if (fashionMnist.NumClasses != 10) throw new ArgumentException($"expected Fashion-MNIST's 10 classes, got {fashionMnist.NumClasses}");
        return fashionMnist.Relabel(FashionMnistSuperClasses, FashionMnistSuperClassNames, "superclasses");
    }

    /// <summary>The first <paramref name="count"/> classes of a dataset, renumbered from 0 (SAC
    /// transfers CIFAR-10 models to the first ten classes of CIFAR-100).</summary>
    public static Dataset FirstClasses(Dataset dataset, int count = 10) =>
        dataset.SelectClasses(Enumerable.Range(0, count).ToArray());
}
