using System.Net;
using System.Net.Sockets;

namespace Lineage.Registry.Security;

/// <summary>
/// Server-side request forgery guard: a tenant may name any URL as its suspect, and the registry's workers would send
/// it requests from inside the operator's network. So a URL is refused when its host is, or resolves to, a loopback,
/// private, link-local, carrier-grade NAT, multicast or unspecified address, unless the operator allows private
/// suspects. The check runs at submission and again in the worker just before the first request (a name may have
/// been re-pointed meanwhile).
/// </summary>
public sealed class SuspectUrlPolicy(bool allowPrivate)
{
    public bool AllowPrivate => allowPrivate;

    /// <summary>Throws <see cref="ArgumentException"/> naming the URL and why it is refused.</summary>
    public void Check(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"url: '{url}' is not an http(s) URL");
        if (uri.UserInfo.Length > 0) throw new ArgumentException("url: credentials in the URL are not accepted");
        if (allowPrivate) return;
        IPAddress[] addresses;
        if (IPAddress.TryParse(uri.IdnHost, out var literal)) addresses = [literal];
        else
        {
            try { addresses = Dns.GetHostAddresses(uri.IdnHost); }
            catch (SocketException e) { throw new ArgumentException($"url: host {uri.Host} does not resolve ({e.SocketErrorCode})"); }
        }
        if (addresses.Length == 0) throw new ArgumentException($"url: host {uri.Host} does not resolve");
        foreach (var a in addresses)
            if (IsPrivate(a))
                throw new ArgumentException($"url: {uri.Host} is {a}, a loopback or private address; this registry does not send queries into its own network (the operator can allow it with --allow-private-suspects)");
    }

    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast)) return true;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224                 // this network, private, loopback, multicast and reserved
                || b[0] == 172 && b[1] is >= 16 and <= 31 || b[0] == 192 && b[1] == 168    // private
                || b[0] == 169 && b[1] == 254                                              // link-local (cloud metadata services)
                || b[0] == 100 && b[1] is >= 64 and <= 127;                                // carrier-grade NAT
        }
        var v6 = address.GetAddressBytes();
        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
            || (v6[0] & 0xFE) == 0xFC;                                                     // unique local fc00::/7
    }
}
