using System.Net;
using Lineage.Suspects.Remote;

namespace Lineage.Tests.Suspects.Remote;

/// <summary>How the counting server answers one infer request.</summary>
public enum Behaviour { Ok, Error500, Error503, Stall, Drip, Reset }

/// <summary>An Open Inference endpoint (2 classes) that counts every image it receives — read from the request
/// body before it decides how to answer, so a request it then fails still counts — and answers each POST as a
/// script says. Stalled and dripping answers wait until the server is disposed.</summary>
sealed class ImageCountingServer : IDisposable
{
    readonly ScriptedHttpServer server;
    readonly ManualResetEventSlim released = new();
    long images;
    int posts;

    public string ModelUrl => server.ModelUrl;
    public long ImagesReceived => Interlocked.Read(ref images);

    public ImageCountingServer(Func<int, Behaviour> script)
    {
        server = new ScriptedHttpServer((context, _) =>
        {
            if (context.Request.HttpMethod == "GET")
            {
                ScriptedHttpServer.Reply(context, 200, "{\"name\":\"m\",\"inputs\":[{\"name\":\"pixels\",\"datatype\":\"FP32\",\"shape\":[-1,1,28,28]}],\"outputs\":[{\"name\":\"logits\",\"datatype\":\"FP32\",\"shape\":[-1,2]}]}");
                return;
            }
            using var body = new MemoryStream();
            context.Request.InputStream.CopyTo(body);
            long n = OpenInferenceCodec.Tensors(body.ToArray(), "inputs", "request")[0].Shape[0];
            Interlocked.Add(ref images, n);
            switch (script(Interlocked.Increment(ref posts) - 1))
            {
                case Behaviour.Error500: ScriptedHttpServer.Reply(context, 500, "{\"error\":\"internal\"}"); break;
                case Behaviour.Error503: ScriptedHttpServer.Reply(context, 503, "{\"error\":\"busy\"}"); break;
                case Behaviour.Stall: released.Wait(30_000); break;
                case Behaviour.Drip:
                    context.Response.StatusCode = 200;
                    context.Response.SendChunked = true;
                    context.Response.OutputStream.Write("{\"outputs\""u8);
                    context.Response.OutputStream.Flush();
                    released.Wait(30_000);
                    break;
                case Behaviour.Reset:
                    // the connection drops mid-answer: 1000 bytes promised, 10 sent
                    context.Response.StatusCode = 200;
                    context.Response.ContentLength64 = 1000;
                    context.Response.OutputStream.Write("{\"outputs\""u8);
                    context.Response.OutputStream.Flush();
                    context.Response.Abort();
                    break;
                default:
                    var data = string.Join(",", Enumerable.Range(0, (int)n * 2).Select(i => (i % 3).ToString()));
                    ScriptedHttpServer.Reply(context, 200, $"{{\"model_name\":\"m\",\"outputs\":[{{\"name\":\"logits\",\"datatype\":\"FP32\",\"shape\":[{n},2],\"data\":[{data}]}}]}}");
                    break;
            }
        });
    }

    public void Dispose()
    {
        released.Set();
        server.Dispose();
    }
}
