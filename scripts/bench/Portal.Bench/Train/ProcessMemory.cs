namespace Portal.Bench.Train;

internal static class ProcessMemory
{
    /// <summary>Resident and peak resident memory of this process in MB, from /proc/self/status.</summary>
    public static (double ResidentMb, double PeakMb) Read()
    {
        double rss = 0, hwm = 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kilobytes(line) / 1024.0;
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kilobytes(line) / 1024.0;
        }
        return (rss, hwm);
    }

    private static long Kilobytes(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
}
