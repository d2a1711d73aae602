using System.Text;

namespace Lineage.Data.Formats;

/// <summary>
/// Netpbm images: PGM (P2 ASCII / P5 binary, one channel) and PPM (P3 ASCII / P6 binary, RGB),
/// 8- or 16-bit (big-endian) samples. The simplest lossless format any image tool can write
/// (e.g. <c>convert x.png x.ppm</c>), so folders of them stand in for PNG folders.
/// </summary>
public static class NetpbmFile
{
    /// <summary>Reads one image as CHW floats in [0, 1].</summary>
    public static (float[] Pixels, int Channels, int Height, int Width) Read(string path)
    {
        byte[] bytes;
        try { bytes = Lineage.Engine.IO.RegularFile.ReadAll(path); }
        catch (FileNotFoundException) { throw new DataFormatException(path, "file not found"); }
        int pos = 0;
        string magic = Token(bytes, ref pos, path);
        int channels = magic switch
        {
            "P2" or "P5" => 1,
            "P3" or "P6" => 3,
            _ => throw new DataFormatException(path, $"magic '{magic}' is not a PGM or PPM; expected P2, P3, P5 or P6"),
        };
        int width = Number(bytes, ref pos, path, "width");
        int height = Number(bytes, ref pos, path, "height");
        int maxValue = Number(bytes, ref pos, path, "maxval");
        if (width <= 0 || height <= 0 || maxValue is <= 0 or > 65535)
            throw new DataFormatException(path, $"header {width} x {height}, maxval {maxValue} is invalid; expected positive sizes and maxval 1..65535");
        int count = channels * width * height;
        var hwc = new float[count];
        float scale = 1f / maxValue;
        if (magic is "P5" or "P6")
        {
            pos++; // exactly one whitespace byte separates the header from binary data
            int bytesPer = maxValue > 255 ? 2 : 1;
            long expected = (long)count * bytesPer;
            if (bytes.Length - pos != expected)
                throw new DataFormatException(path, $"holds {bytes.Length - pos} bytes of pixels; expected {expected} for {width} x {height} x {channels} at maxval {maxValue}");
            for (int i = 0; i < count; i++)
            {
                int v = bytesPer == 1 ? bytes[pos + i] : (bytes[pos + 2 * i] << 8) | bytes[pos + 2 * i + 1];
                if (v > maxValue) throw new DataFormatException(path, $"sample {v} exceeds maxval {maxValue}");
                hwc[i] = v * scale;
            }
        }
        else
        {
            for (int i = 0; i < count; i++)
            {
                int v = Number(bytes, ref pos, path, "pixel");
                if (v > maxValue) throw new DataFormatException(path, $"sample {v} exceeds maxval {maxValue}");
                hwc[i] = v * scale;
            }
        }
        var chw = new float[count];
        int plane = width * height;
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < channels; c++) chw[c * plane + p] = hwc[p * channels + c];
        return (chw, channels, height, width);
    }

    /// <summary>Writes CHW [0, 1] pixels as binary PGM (1 channel) or PPM (3 channels), 8-bit.</summary>
    public static void Write(string path, ReadOnlySpan<float> chw, int channels, int height, int width)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"Netpbm holds 1 or 3 channels, got {channels}");
        if (chw.Length != channels * height * width) throw new ArgumentException("pixel count does not match the shape");
        var header = Encoding.ASCII.GetBytes($"{(channels == 1 ? "P5" : "P6")}\n{width} {height}\n255\n");
        var data = new byte[chw.Length];
        int plane = height * width;
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < channels; c++)
                data[p * channels + c] = (byte)Math.Clamp((int)MathF.Round(chw[c * plane + p] * 255f), 0, 255);
        using var file = File.Create(path);
        file.Write(header);
        file.Write(data);
    }

    static string Token(byte[] bytes, ref int pos, string path)
    {
        while (pos < bytes.Length)
        {
            if (bytes[pos] == '#') { while (pos < bytes.Length && bytes[pos] != '\n') pos++; }
            else if (char.IsWhiteSpace((char)bytes[pos])) pos++;
            else break;
        }
        int start = pos;
        while (pos < bytes.Length && !char.IsWhiteSpace((char)bytes[pos]) && bytes[pos] != '#') pos++;
        if (start == pos) throw new DataFormatException(path, "ends inside its header or pixel list (truncated?)");
        return Encoding.ASCII.GetString(bytes, start, pos - start);
    }

    static int Number(byte[] bytes, ref int pos, string path, string what)
    {
        string token = Token(bytes, ref pos, path);
        if (!int.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value))
            throw new DataFormatException(path, $"expected a number for {what}, got '{token}'");
        return value;
    }
}
