using System.Net;
using System.Net.Sockets;

namespace Lineage.Tests.Suspects.Remote;

/// <summary>A tiny HttpListener on 127.0.0.1 whose answers a test scripts, to play a hostile or flaky API.
/// Each request runs on its own thread so a handler that sleeps cannot block shutdown, nor the thread pool.</summary>
sealed class ScriptedHttpServer : IDisposable
{
    readonly HttpListener listener = new();
    readonly Task loop;
    int requests;

    public int Port { get; }
    public int Requests => Volatile.Read(ref requests);
    public string ModelUrl => $"http://127.0.0.1:{Port}/v2/models/m";

    public ScriptedHttpServer(Action<HttpListenerContext, int> handle)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start(); Port = ((IPEndPoint)probe.LocalEndpoint).Port; probe.Stop();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        loop = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await listener.GetContextAsync(); } catch { return; }
                int index = Interlocked.Increment(ref requests);
                // a thread of its own, not the pool's: handlers that stall (a slow or dripping server) would hold pool
                // threads, and with the rest of the suite running beside them the pool then ran the client's timeout
                // timers late (a 1.2 s timeout once took 20 s to fire)
                _ = Task.Factory.StartNew(() =>
                {
                    try { handle(context, index); context.Response.Close(); }
                    catch { try { context.Response.Abort(); } catch { } }
                }, TaskCreationOptions.LongRunning);
            }
        });
    }

    public static void Reply(HttpListenerContext context, int status, string body) => Reply(context, status, System.Text.Encoding.UTF8.GetBytes(body));

    public static void Reply(HttpListenerContext context, int status, byte[] bytes)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.OutputStream.Write(bytes);
    }

    public void Dispose()
    {
        // Close alone: on Linux, Stop() already unregisters the port, and a Close() after it re-binds the port to
        // unregister it again, which throws "Address already in use" when another test has taken the port meanwhile.
        listener.Close();
        loop.Wait(TimeSpan.FromSeconds(5));
    }
}
