using Lineage.Data.Formats;

namespace Lineage.Data;

/// <summary>A dataset's two standard parts and where they were found.</summary>
public sealed record DatasetPair(Dataset Train, Dataset Test, string Location);

/// <summary>Options for <see cref="DatasetCatalog.Load"/>.</summary>
public sealed record DatasetLoadOptions
{
    /// <summary>--data-dir: searched first.</summary>
    public string? DataDir { get; init; }
    /// <summary>CIFAR-100: use the 20 coarse labels instead of the 100 fine ones.</summary>
    public bool CoarseLabels { get; init; }
    /// <summary>Shapes: the generator seed.</summary>
    public int Seed { get; init; }
    /// <summary>Shapes: training and test sizes.</summary>
    public int TrainCount { get; init; } = ShapesDataset.DefaultTrainCount;
    public int TestCount { get; init; } = ShapesDataset.DefaultTestCount;
    /// <summary>Where to search; <see cref="DatasetLocator.FromEnvironment"/> with <see cref="DataDir"/> when null.</summary>
    public DatasetLocator? Locator { get; init; }
}

/// <summary>
/// The one entry point for named datasets: fashion-mnist, mnist, cifar10, cifar100 from their real
/// files (see <see cref="DatasetLocator"/> for where), and the generated shapes (1x28x28) and
/// shapes32 (3x32x32). Labels, class names and preprocessing are declared here, once.
/// </summary>
public static class DatasetCatalog
{
    public const string FashionMnist = "fashion-mnist", Mnist = "mnist", Cifar10 = "cifar10", Cifar100 = "cifar100", Shapes = "shapes", Shapes32 = "shapes32";

    public static IReadOnlyList<string> Names { get; } = [FashionMnist, Mnist, Cifar10, Cifar100, Shapes, Shapes32];

    public static readonly string[] FashionMnistClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
    public static readonly string[] MnistClasses = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    public static readonly string[] Cifar10Classes =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];
    public static readonly string[] Cifar100FineClasses =
    [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    ];
    public static readonly string[] Cifar100CoarseClasses =
    [
        "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables", "household_electrical_devices",
        "household_furniture", "insects", "large_carnivores", "large_man-made_outdoor_things", "large_natural_outdoor_scenes",
        "large_omnivores_and_herbivores", "medium_mammals", "non-insect_invertebrates", "people", "reptiles",
        "small_mammals", "trees", "vehicles_1", "vehicles_2",
    ];

    static readonly string[] MnistFiles = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];
    const string Cifar10Folder = "cifar-10-batches-bin", Cifar100Folder = "cifar-100-binary";

    /// <summary>Accepts a few spellings users type ("fmnist", "cifar-10") and returns the canonical name.</summary>
    public static string Canonical(string name) => name.Trim().ToLowerInvariant() switch
    {
        "fashion-mnist" or "fashion_mnist" or "fashionmnist" or "fmnist" => FashionMnist,
        "mnist" => Mnist,
        "cifar10" or "cifar-10" => Cifar10,
        "cifar100" or "cifar-100" => Cifar100,
        "shapes" or "shapes28" => Shapes,
        "shapes32" => Shapes32,
        _ => throw new ArgumentException($"unknown dataset '{name}'; known: {string.Join(", ", Names)}"),
    };

    /// <summary>Whether <paramref name="name"/> is generated (needs no files).</summary>
    public static bool IsSynthetic(string name) => Canonical(name) is Shapes or Shapes32;

    public static DatasetPair Load(string name, DatasetLoadOptions? options = null)
    {
        options ??= new DatasetLoadOptions();
        var locator = options.Locator ?? DatasetLocator.FromEnvironment(options.DataDir);
        return Canonical(name) switch
        {
            FashionMnist => LoadMnistLike(FashionMnist, locator, FashionMnistClasses, Preprocessing.FashionMnist,
                "apt-get install dataset-fashion-mnist (Debian), or copy the four files from https://github.com/zalandoresearch/fashion-mnist into ~/.lineage/data/fashion-mnist/"),
            Mnist => LoadMnistLike(Mnist, locator, MnistClasses, Preprocessing.Mnist,
                "copy the four MNIST files (train-images-idx3-ubyte.gz, ...; e.g. from https://ossci-datasets.s3.amazonaws.com/mnist/) into ~/.lineage/data/mnist/"),
            Cifar10 => LoadCifar10(locator),
            Cifar100 => LoadCifar100(locator, options.CoarseLabels),
            Shapes => LoadShapes(ShapesVariant.Gray28, options),
            Shapes32 => LoadShapes(ShapesVariant.Color32, options),
            var other => throw new InvalidOperationException(other),
        };
    }

    static DatasetPair LoadShapes(ShapesVariant variant, DatasetLoadOptions options) => new(
        ShapesDataset.Generate(variant, options.TrainCount, options.Seed, ShapesDataset.TrainStream),
        ShapesDataset.Generate(variant, options.TestCount, options.Seed, ShapesDataset.TestStream),
        $"generated (seed {options.Seed})");

    /// <summary>An IDX file as shipped (.gz) or already unpacked.</summary>
    static string? IdxPath(string dir, string stem) =>
        new[] { stem + ".gz", stem, stem.Replace("-idx", ".idx") }.Select(f => Path.Combine(dir, f)).FirstOrDefault(File.Exists);

    static DatasetPair LoadMnistLike(string name, DatasetLocator locator, string[] classes, Preprocessing pre, string howToGet)
    {
        var dir = locator.Find(name, d => MnistFiles.All(f => IdxPath(d, f) is not null),
            string.Join(", ", MnistFiles.Select(f => f + "[.gz]")), howToGet);
        var paths = MnistFiles.Select(f => IdxPath(dir, f)!).ToArray();
        var train = MnistReader.Read(paths[0], paths[1], classes, pre, new DataOrigin(name, "train", [paths[0], paths[1]]));
        var test = MnistReader.Read(paths[2], paths[3], classes, pre, new DataOrigin(name, "test", [paths[2], paths[3]]));
        return new DatasetPair(train, test, dir);
    }

    static string[] Cifar10TrainFiles => Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").ToArray();

    static DatasetPair LoadCifar10(DatasetLocator locator)
    {
        string? Batches(string d) => new[] { Path.Combine(d, Cifar10Folder), d }
            .FirstOrDefault(b => Cifar10TrainFiles.Append("test_batch.bin").All(f => File.Exists(Path.Combine(b, f))));
        var dir = locator.Find(Cifar10, d => Batches(d) is not null,
            $"{Cifar10Folder}/data_batch_1..5.bin and test_batch.bin",
            $"download https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz on another machine and unpack it into ~/.lineage/data/cifar10/ (giving {Cifar10Folder}/)");
        var batches = Batches(dir)!;
        var trainFiles = Cifar10TrainFiles.Select(f => Path.Combine(batches, f)).ToArray();
        var testFile = Path.Combine(batches, "test_batch.bin");
        var pre = Preprocessing.Cifar10;
        var train = CifarReader.Read(trainFiles, 1, 0, Cifar10Classes, pre, new DataOrigin(Cifar10, "train", trainFiles));
        var test = CifarReader.Read([testFile], 1, 0, Cifar10Classes, pre, new DataOrigin(Cifar10, "test", [testFile]));
        return new DatasetPair(train, test, dir);
    }

    static DatasetPair LoadCifar100(DatasetLocator locator, bool coarse)
    {
        string? Folder(string d) => new[] { Path.Combine(d, Cifar100Folder), d }
            .FirstOrDefault(b => File.Exists(Path.Combine(b, "train.bin")) && File.Exists(Path.Combine(b, "test.bin")));
        var dir = locator.Find(Cifar100, d => Folder(d) is not null,
            $"{Cifar100Folder}/train.bin and test.bin",
            $"download https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz on another machine and unpack it into ~/.lineage/data/cifar100/ (giving {Cifar100Folder}/)");
        var folder = Folder(dir)!;
        var classes = coarse ? Cifar100CoarseClasses : Cifar100FineClasses;
        int[] limits = [Cifar100CoarseClasses.Length, Cifar100FineClasses.Length];
        string name = coarse ? Cifar100 + ":coarse" : Cifar100;
        var pre = Preprocessing.Cifar100;
        var trainFile = Path.Combine(folder, "train.bin");
        var testFile = Path.Combine(folder, "test.bin");
        var train = CifarReader.Read([trainFile], 2, coarse ? 0 : 1, classes, pre, new DataOrigin(name, "train", [trainFile]), limits);
        var test = CifarReader.Read([testFile], 2, coarse ? 0 : 1, classes, pre, new DataOrigin(name, "test", [testFile]), limits);
        return new DatasetPair(train, test, dir);
    }
}
