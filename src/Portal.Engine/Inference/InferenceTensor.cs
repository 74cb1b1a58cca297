using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Portal.Engine.Onnx;

namespace Portal.Engine.Inference;

/// <summary>
/// A tensor handed to or returned by an <see cref="InferenceModel"/>: element type, shape and values (row-major).
/// Inputs are passed to ONNX Runtime pinned, without a copy. The value count is checked against the shape when
/// the tensor is run, so the error can name the model's input.
/// </summary>
public abstract class InferenceTensor
{
    private readonly long[] _shape;

    private protected InferenceTensor(OnnxElementType elementType, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ElementType = elementType;
        _shape = [.. shape];
    }

    public OnnxElementType ElementType { get; }

    public IReadOnlyList<long> Shape => _shape;

    public int Rank => _shape.Length;

    /// <summary>Number of values held (which should equal the product of <see cref="Shape"/>).</summary>
    public abstract int Length { get; }

    public string ShapeText => $"[{string.Join(',', _shape)}]";

    internal long[] ShapeArray => _shape;

    public static InferenceTensor<T> Create<T>(T[] values, params long[] shape) where T : unmanaged => new(values, shape);

    public static InferenceTensor<T> Create<T>(Memory<T> values, params long[] shape) where T : unmanaged => new(values, shape);

    /// <summary>A string (ONNX <c>string</c>, the protocol's BYTES) tensor; ONNX Runtime holds the values as UTF-8.</summary>
    public static StringInferenceTensor Create(string[] values, params long[] shape) => new(values, shape);

    /// <summary>The values as <typeparamref name="T"/>; a different element type is refused, naming both.</summary>
    public ReadOnlySpan<T> Values<T>() where T : unmanaged
    {
        if (this is InferenceTensor<T> typed) return typed.Data.Span;
        throw new InvalidOperationException($"This tensor holds {ElementType.Name()} values, not {ElementTypes.Of<T>().Name()}.");
    }

    /// <summary>The values of a string tensor; another element type is refused.</summary>
    public IReadOnlyList<string> Strings() => this is StringInferenceTensor strings
        ? strings.Data
        : throw new InvalidOperationException($"This tensor holds {ElementType.Name()} values, not strings.");

    /// <summary>
    /// Rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> along the first dimension:
    /// a view over the same values (a string tensor's are copied).
    /// </summary>
    public InferenceTensor Rows(long start, long count)
    {
        if (Rank < 1) throw new InvalidOperationException($"A scalar {this} has no rows.");
        if (start < 0 || count < 0 || start + count > _shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"Rows {start} to {start + count} are outside the {_shape[0]} rows of {this}.");
        var shape = (long[])_shape.Clone();
        shape[0] = count;
        var perRow = ValuesPerRow;
        return Sliced(checked((int)(start * perRow)), checked((int)(count * perRow)), shape);
    }

    /// <summary>
    /// The parts laid end to end along the first dimension: one tensor of their rows together. Every part holds the
    /// same element type and the same dimensions after the first.
    /// </summary>
    public static InferenceTensor ConcatRows(IReadOnlyList<InferenceTensor> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0) throw new ArgumentException("There are no tensors to lay end to end.", nameof(parts));
        var first = parts[0];
        if (first.Rank < 1) throw new ArgumentException($"A scalar {first} has no rows to lay end to end.", nameof(parts));
        var shape = (long[])first._shape.Clone();
        shape[0] = 0;
        foreach (var part in parts)
        {
            if (part.ElementType != first.ElementType || !part._shape.AsSpan(1).SequenceEqual(first._shape.AsSpan(1)))
                throw new ArgumentException($"Tensor {part} cannot follow {first}: rows must have one element type and the same dimensions after the first.", nameof(parts));
            shape[0] += part._shape[0];
        }
        return first.Concatenated(parts, shape);
    }

    /// <summary>Values per row along the first dimension.</summary>
    private long ValuesPerRow
    {
        get
        {
            var count = 1L;
            for (var d = 1; d < _shape.Length; d++) count *= _shape[d];
            return count;
        }
    }

    /// <summary>Whether <paramref name="other"/> holds exactly these values (bit for bit), of the same element type.</summary>
    internal abstract bool SameValues(InferenceTensor other);

    private protected abstract InferenceTensor Sliced(int start, int count, long[] shape);

    /// <summary>The values of <paramref name="parts"/> (all of this tensor's type) in one new tensor of <paramref name="shape"/>.</summary>
    private protected abstract InferenceTensor Concatenated(IReadOnlyList<InferenceTensor> parts, long[] shape);

    /// <summary>An ONNX Runtime value over this tensor's memory, pinned until the value is disposed.</summary>
    internal abstract OrtValue Pin();

    internal abstract void CopyFrom(OrtValue value);

    public override string ToString() => $"{ElementType.Name()} {ShapeText}";
}

public sealed class InferenceTensor<T> : InferenceTensor where T : unmanaged
{
    internal InferenceTensor(Memory<T> values, long[] shape) : base(ElementTypes.Of<T>(), shape)
    {
        Data = values;
    }

    public Memory<T> Data { get; }

    public override int Length => Data.Length;

    internal override OrtValue Pin() => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Data, ShapeArray);

    internal override void CopyFrom(OrtValue value) => value.GetTensorDataAsSpan<T>().CopyTo(Data.Span);

    internal override bool SameValues(InferenceTensor other) => other is InferenceTensor<T> typed
        && MemoryMarshal.AsBytes(Data.Span).SequenceEqual(MemoryMarshal.AsBytes(typed.Data.Span));

    private protected override InferenceTensor Sliced(int start, int count, long[] shape) => new InferenceTensor<T>(Data.Slice(start, count), shape);

    private protected override InferenceTensor Concatenated(IReadOnlyList<InferenceTensor> parts, long[] shape)
    {
        var length = 0;
        foreach (var part in parts) length = checked(length + part.Length);
        var values = new T[length];
        var offset = 0;
        foreach (var part in parts)
        {
            ((InferenceTensor<T>)part).Data.Span.CopyTo(values.AsSpan(offset));
            offset += part.Length;
        }
        return new InferenceTensor<T>(values, shape);
    }
}

/// <summary>The .NET types that carry each ONNX element type the engine runs.</summary>
internal static class ElementTypes
{
    public static OnnxElementType Of<T>() where T : unmanaged => typeof(T) switch
    {
        var t when t == typeof(float) => OnnxElementType.Float32,
        var t when t == typeof(double) => OnnxElementType.Float64,
        var t when t == typeof(sbyte) => OnnxElementType.Int8,
        var t when t == typeof(byte) => OnnxElementType.UInt8,
        var t when t == typeof(short) => OnnxElementType.Int16,
        var t when t == typeof(ushort) => OnnxElementType.UInt16,
        var t when t == typeof(int) => OnnxElementType.Int32,
        var t when t == typeof(uint) => OnnxElementType.UInt32,
        var t when t == typeof(long) => OnnxElementType.Int64,
        var t when t == typeof(ulong) => OnnxElementType.UInt64,
        var t when t == typeof(bool) => OnnxElementType.Bool,
        var t when t == typeof(Float16) => OnnxElementType.Float16,
        var t when t == typeof(BFloat16) => OnnxElementType.BFloat16,
        _ => throw new ArgumentException($"Tensors of {typeof(T).Name} are not supported; use float, double, sbyte, byte, short, ushort, int, uint, long, ulong, bool, Float16, BFloat16 or string."),
    };

    public static bool IsSupported(OnnxElementType type) => type is OnnxElementType.Float32 or OnnxElementType.Float64
        or OnnxElementType.Int8 or OnnxElementType.UInt8 or OnnxElementType.Int16 or OnnxElementType.UInt16
        or OnnxElementType.Int32 or OnnxElementType.UInt32 or OnnxElementType.Int64 or OnnxElementType.UInt64 or OnnxElementType.Bool
        or OnnxElementType.Float16 or OnnxElementType.BFloat16 or OnnxElementType.String;

    /// <summary>A new tensor of <paramref name="type"/> holding a copy of an ONNX Runtime output.</summary>
    public static InferenceTensor Copy(OrtValue value, OnnxElementType type, long[] shape) => type switch
    {
        OnnxElementType.Float32 => CopyAs<float>(value, shape),
        OnnxElementType.Float64 => CopyAs<double>(value, shape),
        OnnxElementType.Int8 => CopyAs<sbyte>(value, shape),
        OnnxElementType.UInt8 => CopyAs<byte>(value, shape),
        OnnxElementType.Int16 => CopyAs<short>(value, shape),
        OnnxElementType.UInt16 => CopyAs<ushort>(value, shape),
        OnnxElementType.Int32 => CopyAs<int>(value, shape),
        OnnxElementType.UInt32 => CopyAs<uint>(value, shape),
        OnnxElementType.Int64 => CopyAs<long>(value, shape),
        OnnxElementType.UInt64 => CopyAs<ulong>(value, shape),
        OnnxElementType.Bool => CopyAs<bool>(value, shape),
        OnnxElementType.Float16 => CopyAs<Float16>(value, shape),
        OnnxElementType.BFloat16 => CopyAs<BFloat16>(value, shape),
        OnnxElementType.String => new StringInferenceTensor(value.GetStringTensorAsArray(), shape),
        _ => throw new InvalidOperationException($"Output element type {type.Name()} is not supported."),
    };

    private static InferenceTensor<T> CopyAs<T>(OrtValue value, long[] shape) where T : unmanaged =>
        new(value.GetTensorDataAsSpan<T>().ToArray(), shape);
}
