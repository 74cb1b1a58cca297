using Microsoft.EntityFrameworkCore;
using Portal.Contracts;

namespace Portal.Server.Api;

/// <summary>?offset=&amp;limit= on every list endpoint; limit defaults to 50 and is capped at 500.</summary>
public readonly record struct PageRequest(int? Offset, int? Limit)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public int Skip => Math.Max(0, Offset ?? 0);
    public int Take => Math.Clamp(Limit ?? DefaultLimit, 1, MaxLimit);

    public async Task<Page<TOut>> Apply<TIn, TOut>(IQueryable<TIn> ordered, Func<TIn, TOut> map, CancellationToken ct)
    {
        var total = await ordered.CountAsync(ct);
        var items = await ordered.Skip(Skip).Take(Take).ToListAsync(ct);
        return new Page<TOut>([.. items.Select(map)], Skip, Take, total);
    }
}
