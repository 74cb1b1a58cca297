using System.Buffers.Binary;
using System.Text;

namespace Portal.Engine.Platform;

/// <summary>Reads the symbol-version requirements (.gnu.version_r) of an ELF64 little-endian shared object.</summary>
internal static class ElfVersionRequirements
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <param name="FlagsOffset">File offset of the entry's vna_flags field.</param>
    internal sealed record Requirement(string File, string Version, bool IsWeak, int FlagsOffset);

    public static Requirement? Find(string path, string version) =>
        ReadAll(path).FirstOrDefault(r => r.Version == version);

    public static IReadOnlyList<Requirement> ReadAll(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F')
            throw new InvalidDataException($"{path} is not an ELF file");
        if (bytes[4] != 2 || bytes[5] != 1)
            throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file");

        var span = bytes.AsSpan();
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        var shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        var shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);
        var found = new List<Requirement>();
        for (var s = 0; s < shnum; s++)
        {
            var sh = span[(shoff + s * shentsize)..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed) continue;
            var offset = (int)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]);
            var link = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            var count = BinaryPrimitives.ReadUInt32LittleEndian(sh[0x2C..]);
            var strtab = (int)BinaryPrimitives.ReadUInt64LittleEndian(span[(shoff + link * shentsize + 0x18)..]);

            var need = offset;
            for (var n = 0; n < count; n++)
            {
                var file = ReadString(span, strtab + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 4)..]));
                var auxCount = BinaryPrimitives.ReadUInt16LittleEndian(span[(need + 2)..]);
                var aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 8)..]);
                for (var a = 0; a < auxCount; a++)
                {
                    var flags = BinaryPrimitives.ReadUInt16LittleEndian(span[(aux + 4)..]);
                    var name = ReadString(span, strtab + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 8)..]));
                    found.Add(new Requirement(file, name, (flags & VerFlgWeak) != 0, aux + 4));
                    aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 12)..]);
                }
                need += (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 12)..]);
            }
        }
        return found;
    }

    private static string ReadString(ReadOnlySpan<byte> bytes, int start)
    {
        var length = bytes[start..].IndexOf((byte)0);
        return Encoding.ASCII.GetString(bytes.Slice(start, length));
    }
}
