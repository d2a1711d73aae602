using System.Buffers.Binary;
using Google.Protobuf;
using Lineage.Engine.Onnx.Proto;
using DataType = Lineage.Engine.Onnx.Proto.TensorProto.Types.DataType;

namespace Lineage.Engine.Onnx;

/// <summary>Decodes ONNX TensorProtos (initializers, Constant values, test data) into graph values:
/// float types become engine tensors (float32; double and float16 are narrowed/widened), integer
/// and boolean types become integer values.</summary>
internal static class TensorProtoReader
{
    /// <summary>Reads a serialized TensorProto file (the input_0.pb / output_0.pb of ONNX's test data).</summary>
    public static OnnxValue ReadFile(string path)
    {
        TensorProto proto;
        try { proto = TensorProto.Parser.ParseFrom(Lineage.Engine.IO.RegularFile.ReadAll(path)); }
        catch (Exception e) when (e is InvalidProtocolBufferException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"{path}: not a valid ONNX TensorProto ({e.Message})", e);
        }
        return Read(proto, path);
    }

    /// <param name="where">Names the file and tensor in error messages.</param>
    public static OnnxValue Read(TensorProto t, string where)
    {
        string what = $"{where}: tensor '{t.Name}'";
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
            throw new NotSupportedException($"{what} keeps its data in an external file, which the importer does not read; save the model with its weights inside the .onnx file");
        var shape = new int[t.Dims.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            if (t.Dims[i] < 0 || t.Dims[i] > int.MaxValue) throw new InvalidDataException($"{what} has an invalid dimension {t.Dims[i]}");
            shape[i] = (int)t.Dims[i];
        }
        long count = 1;
        foreach (var d in shape) count *= d;
        if (count > Array.MaxLength) throw new InvalidDataException($"{what} has too many elements ({count})");
        int n = (int)count;
        var raw = t.RawData.Span;
        int rawLength = raw.Length;
        bool hasRaw = rawLength > 0;
        var type = (DataType)t.DataType;

        void CheckCount(int have, int elementSize)
        {
            if (hasRaw ? rawLength != (long)n * elementSize : have != n)
                throw new InvalidDataException($"{what} of type {type} and shape {Tensor.FormatShape(shape)} holds {(hasRaw ? rawLength + " bytes" : have + " values")}, expected {n} values");
        }

        switch (type)
        {
            case DataType.Float:
            {
                CheckCount(t.FloatData.Count, 4);
                var data = new float[n];
                if (hasRaw) for (int i = 0; i < n; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(4 * i));
                else t.FloatData.CopyTo(data, 0);
                return OnnxValue.Of(Tensor.FromArray(data, shape));
            }
            case DataType.Double:
            {
                CheckCount(t.DoubleData.Count, 8);
                var data = new float[n];
                for (int i = 0; i < n; i++) data[i] = (float)(hasRaw ? BinaryPrimitives.ReadDoubleLittleEndian(raw.Slice(8 * i)) : t.DoubleData[i]);
                return OnnxValue.Of(Tensor.FromArray(data, shape));
            }
            case DataType.Float16:
            {
                CheckCount(t.Int32Data.Count, 2);
                var data = new float[n];
                for (int i = 0; i < n; i++)
                {
                    ushort bits = hasRaw ? BinaryPrimitives.ReadUInt16LittleEndian(raw.Slice(2 * i)) : (ushort)t.Int32Data[i];
                    data[i] = (float)BitConverter.UInt16BitsToHalf(bits);
                }
                return OnnxValue.Of(Tensor.FromArray(data, shape));
            }
            case DataType.Bfloat16:
            {
                CheckCount(t.Int32Data.Count, 2);
                var data = new float[n];
                for (int i = 0; i < n; i++)
                {
                    uint bits = hasRaw ? BinaryPrimitives.ReadUInt16LittleEndian(raw.Slice(2 * i)) : (uint)t.Int32Data[i];
                    data[i] = BitConverter.UInt32BitsToSingle(bits << 16);
                }
                return OnnxValue.Of(Tensor.FromArray(data, shape));
            }
            case DataType.Int64:
            {
                CheckCount(t.Int64Data.Count, 8);
                var data = new long[n];
                for (int i = 0; i < n; i++) data[i] = hasRaw ? BinaryPrimitives.ReadInt64LittleEndian(raw.Slice(8 * i)) : t.Int64Data[i];
                return OnnxValue.OfInts(data, shape);
            }
            case DataType.Int32 or DataType.Int16 or DataType.Int8 or DataType.Uint16 or DataType.Uint8 or DataType.Bool:
            {
                int size = type switch { DataType.Int32 => 4, DataType.Int16 or DataType.Uint16 => 2, _ => 1 };
                CheckCount(t.Int32Data.Count, size);
                var data = new long[n];
                for (int i = 0; i < n; i++)
                    data[i] = !hasRaw ? t.Int32Data[i] : type switch
                    {
                        DataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(raw.Slice(4 * i)),
                        DataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(raw.Slice(2 * i)),
                        DataType.Uint16 => BinaryPrimitives.ReadUInt16LittleEndian(raw.Slice(2 * i)),
                        DataType.Int8 => (sbyte)raw[i],
                        _ => raw[i],
                    };
                if (type == DataType.Bool) for (int i = 0; i < n; i++) data[i] = data[i] != 0 ? 1 : 0;
                return OnnxValue.OfInts(data, shape, type == DataType.Bool);
            }
            case DataType.Uint32 or DataType.Uint64:
            {
                int size = type == DataType.Uint32 ? 4 : 8;
                CheckCount(t.Uint64Data.Count, size);
                var data = new long[n];
                for (int i = 0; i < n; i++)
                    data[i] = !hasRaw ? (long)t.Uint64Data[i]
                        : size == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(raw.Slice(4 * i)) : (long)BinaryPrimitives.ReadUInt64LittleEndian(raw.Slice(8 * i));
                return OnnxValue.OfInts(data, shape);
            }
            default:
                throw new NotSupportedException($"{what} has data type {type}, which the importer does not support (float, double, float16, bfloat16, integer and bool tensors are)");
        }
    }
}
