namespace Lineage.Data.Formats;

/// <summary>Reads an MNIST-style pair of IDX files (images N x H x W, labels N) into a dataset.</summary>
public static class MnistReader
{
    public static Dataset Read(string imagesPath, string labelsPath, IReadOnlyList<string> classNames, Preprocessing preprocessing, DataOrigin origin)
    {
        var (imageDims, pixels) = IdxFile.Read(imagesPath);
        var (labelDims, labelBytes) = IdxFile.Read(labelsPath);
        if (imageDims.Length != 3)
            throw new DataFormatException(imagesPath, $"expected an IDX image file of rank 3 (N x H x W), got rank {imageDims.Length}");
        if (imageDims[1] != preprocessing.Height || imageDims[2] != preprocessing.Width)
            throw new DataFormatException(imagesPath, $"expected {preprocessing.Height} x {preprocessing.Width} images, got {imageDims[1]} x {imageDims[2]}");
        if (labelDims.Length != 1)
            throw new DataFormatException(labelsPath, $"expected an IDX label file of rank 1, got rank {labelDims.Length}");
        if (labelDims[0] != imageDims[0])
            throw new DataFormatException(labelsPath, $"holds {labelDims[0]} labels but {imagesPath} holds {imageDims[0]} images; expected the same count");
        var labels = new int[labelBytes.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = labelBytes[i];
            if (labels[i] >= classNames.Count)
                throw new DataFormatException(labelsPath, $"label {labels[i]} at index {i} is out of range; expected 0..{classNames.Count - 1}");
        }
        var images = new float[pixels.Length];
        FileBytes.ToUnitFloats(pixels, images);
        return new Dataset(images, labels, classNames, preprocessing, origin);
    }
}
