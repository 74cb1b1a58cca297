using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Portal.Server.Persistence;

/// <summary>
/// Stores a DateTimeOffset as its exact UTC ticks, for SQLite (which has no date type that sorts). EF's own
/// binary converter keeps only 100 µs, which would change audited times and so their hashes.
/// </summary>
public sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));
