using System.IO.Compression;

namespace Lineage.Data.Formats;

/// <summary>NumPy's .npz: a zip archive of .npy files, one per named array (np.savez /
/// np.savez_compressed). Entry "x.npy" is the array named "x".</summary>
public static class NpzFile
{
    public static IReadOnlyDictionary<string, NpyArray> Read(string path)
    {
        var arrays = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        try
        {
            using var file = Engine.IO.RegularFile.Open(path, 1 << 16);
            using var zip = new ZipArchive(file, ZipArchiveMode.Read);
            foreach (var entry in zip.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                string name = entry.FullName[..^4];
                using var stream = entry.Open();
                // The entry's declared size is the archive's word, and deflate cannot inflate past 1032× its input:
                // the smaller bounds what may be read before the .npy header is checked.
                long bound = entry.CompressedLength == entry.Length ? entry.Length : Math.Min(entry.Length, entry.CompressedLength * FileBytes.MaxGzipRatio);
                arrays[name] = NpyFile.Read(stream, $"{path}!{entry.FullName}", bound);
            }
        }
        catch (FileNotFoundException) { throw new DataFormatException(path, "file not found"); }
        catch (DirectoryNotFoundException) { throw new DataFormatException(path, "file not found"); }
        catch (InvalidDataException e) { throw new DataFormatException(path, "is not a valid .npz (zip) archive: " + e.Message, e); }
        if (arrays.Count == 0) throw new DataFormatException(path, "holds no .npy arrays; expected a NumPy .npz archive");
        return arrays;
    }

    public static void Write(string path, IReadOnlyDictionary<string, NpyArray> arrays, bool compress = true)
    {
        // Write to a temporary file first so a failure never leaves a half-written archive under the real name.
        string temp = path + ".partial";
        using (var file = File.Create(temp))
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
        {
            foreach (var (name, array) in arrays)
            {
                var entry = zip.CreateEntry(name + ".npy", compress ? CompressionLevel.Fastest : CompressionLevel.NoCompression);
                using var stream = entry.Open();
                NpyFile.Write(stream, array);
            }
        }
        File.Move(temp, path, overwrite: true);
    }
}
