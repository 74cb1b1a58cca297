using System.Net;
using Microsoft.AspNetCore.Identity;
using Portal.Server.Audit;

namespace Portal.Server.Auth;

/// <summary>
/// Checks a user name and password under the <see cref="SignInThrottle"/>: the one sign-in of the portal (the REST
/// endpoint, which the sign-in page posts to). A name that does not exist costs the same password-hash work and gets
/// the same answers as one that does, so neither the status nor the time tells which names exist.
/// </summary>
public sealed class PasswordSignIn(UserManager<PortalUser> users, SignInThrottle throttle, StandInPassword standIn, AuditLog audit)
{
    /// <summary>
    /// The user who signed in, or how long to wait before trying again, or that the right password belongs to a
    /// disabled user, or none of these (a wrong name or password). An answer to a sign-in, not a refused request:
    /// a wrong password is a 401 and a wait carries Retry-After, which no <see cref="Refusal"/> says.
    /// </summary>
    public sealed record SignInAttempt(PortalUser? User, TimeSpan? RetryAfter, bool Disabled = false);


    public async Task<SignInAttempt> Attempt(string userName, string password, IPAddress? clientAddress, CancellationToken ct)
    {
        var address = SignInThrottle.AddressKey(clientAddress);
        if (throttle.WaitBefore(address, userName) is { } wait) return new SignInAttempt(null, wait);

        var user = await users.FindByNameAsync(userName);
        if (user is not null && await users.CheckPasswordAsync(user, password))
            return await users.IsLockedOutAsync(user) ? new SignInAttempt(null, null, Disabled: true) : new SignInAttempt(user, null);
        if (user is null) standIn.Verify(users.PasswordHasher, password);

        var recorded = throttle.RecordFailure(address, userName);
        // One row when a spell of throttling begins, none for the attempts within it: the log cannot be flooded.
        if (recorded.AddressThrottled)
            await audit.Record("anonymous", "auth.throttle", "address", address, new { failures = recorded.AddressFailures }, ct);
        if (recorded.AccountThrottled)
            await audit.Record("anonymous", "auth.throttle", "user", user?.Id ?? "unknown user name", new { failures = recorded.AccountFailures, address }, ct);
        return new SignInAttempt(null, null);
    }
}
