using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;

namespace Portal.Server.Auth;

/// <summary>
/// Slows password guessing without letting anyone lock an account: failed sign-ins are counted per client address
/// and per user name typed (known or not, alike), and past a few free ones each further attempt waits longer.
/// The wait applies to the password only; API keys are never throttled here.
/// </summary>
public sealed class SignInThrottle : IDisposable
{
    /// <summary>The rate-limiting policy on the sign-in endpoint: one attempt at a time per address, so a burst of parallel guesses cannot slip past the count.</summary>
    public const string EndpointPolicy = "sign-in";

    /// <summary>One guessing address slows down for itself; the wait grows to a quarter hour.</summary>
    public static readonly FailureBackoff PerAddress = new(5, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1));

    /// <summary>Guesses at one account from many addresses; capped at a minute, as the account's owner waits too.</summary>
    public static readonly FailureBackoff PerAccount = new(5, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));

    // Longer names cannot exist (Identity's user names are at most 256 characters); cut, they share one count.
    private const int MaxAccountKeyLength = 256;

    private readonly PartitionedRateLimiter<string> _addresses;
    private readonly PartitionedRateLimiter<string> _accounts;

    public SignInThrottle(TimeProvider clock)
    {
        _addresses = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.Get(key, _ => new FailureBackoffLimiter(PerAddress, clock)));
        _accounts = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.Get(key, _ => new FailureBackoffLimiter(PerAccount, clock)));
    }

    /// <summary>What a failure changed: whether it began a throttled spell for the address or the account (the moments worth an audit row).</summary>
    public readonly record struct FailureRecorded(bool AddressThrottled, bool AccountThrottled, int AddressFailures, int AccountFailures);

    /// <summary>How long this address must wait before trying this user name, or null when it may try now.</summary>
    public TimeSpan? WaitBefore(string address, string userName)
    {
        using var byAddress = _addresses.AttemptAcquire(address, 0);
        using var byAccount = _accounts.AttemptAcquire(AccountKey(userName), 0);
        var wait = Longest(RetryAfter(byAddress), RetryAfter(byAccount));
        return wait > TimeSpan.Zero ? wait : null;
    }

    public FailureRecorded RecordFailure(string address, string userName)
    {
        using var byAddress = _addresses.AttemptAcquire(address, 1);
        using var byAccount = _accounts.AttemptAcquire(AccountKey(userName), 1);
        var addressFailures = Failures(byAddress);
        var accountFailures = Failures(byAccount);
        return new FailureRecorded(
            addressFailures == PerAddress.FreeFailures + 1, accountFailures == PerAccount.FreeFailures + 1, addressFailures, accountFailures);
    }

    /// <summary>
    /// The client's address as the throttle counts it: an IPv6 client by its /64, since one host may hold a whole
    /// /64; an IPv4-mapped address as IPv4. Behind a reverse proxy this is the proxy unless forwarded headers are applied.
    /// </summary>
    public static string AddressKey(IPAddress? address)
    {
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    public void Dispose()
    {
        _addresses.Dispose();
        _accounts.Dispose();
    }

    private static string AccountKey(string userName)
    {
        var key = userName.Trim().ToUpperInvariant();
        return key.Length > MaxAccountKeyLength ? key[..MaxAccountKeyLength] : key;
    }

    private static TimeSpan RetryAfter(RateLimitLease lease) =>
        !lease.IsAcquired && lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.Zero;

    private static int Failures(RateLimitLease lease) => lease.TryGetMetadata(FailureBackoffLimiter.Failures, out var failures) ? failures : 0;

    private static TimeSpan Longest(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
