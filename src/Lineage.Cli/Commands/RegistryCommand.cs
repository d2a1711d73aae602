using System.CommandLine;
using System.Text.Json;
using Lineage.Registry.Api;
using Lineage.Registry.Client;
using Lineage.Registry.Jobs;
using Lineage.Registry.Security;
using Lineage.Registry.Storage;
using Spectre.Console;

namespace Lineage.Cli.Commands;

/// <summary>`lineage registry`: the fingerprint registry service (serve, worker, tenant) and its client (register, scan).</summary>
internal static class RegistryCommand
{
    public static Command Create()
    {
        var cmd = new Command("registry", "A fingerprint registry service: many owners register fingerprints once; a suspect is scanned against all of them (docs/registry.md)");
        cmd.Subcommands.Add(Serve());
        cmd.Subcommands.Add(Worker());
        cmd.Subcommands.Add(Tenant());
        cmd.Subcommands.Add(Register());
        cmd.Subcommands.Add(Scan());
        return cmd;
    }

    static Option<string> DataOption() => new("--data") { Description = "Data directory: the SQLite database (unless --database) and the content store of fingerprints, suspects and evidence", Required = true };
    static Option<string?> DatabaseOption() => new("--database") { Description = "postgres://USER:PASSWORD@HOST:PORT/DATABASE to keep the rows in PostgreSQL instead of SQLite; or env:VAR to read that URL from an environment variable (keeps the password out of the process list)" };

    /// <summary>The --database value, with env:VAR read from the environment.</summary>
    static string? Database(ParseResult r, Option<string?> option)
    {
        var value = r.GetValue(option);
        if (value is null || !value.StartsWith("env:", StringComparison.Ordinal)) return value;
        var variable = value[4..];
        return Environment.GetEnvironmentVariable(variable) is { Length: > 0 } url ? url
            : throw new ArgumentException($"--database {value}: environment variable {variable} is not set");
    }

    static Command Serve()
    {
        var data = DataOption();
        var database = DatabaseOption();
        var defaults = new RegistryOptions { DataDirectory = "" };
        var port = new Option<int>("--port", "-p") { Description = "Port (0 picks a free one)", DefaultValueFactory = _ => defaults.Port };
        var host = new Option<string>("--host") { Description = "Address to listen on (0.0.0.0 in a container behind a TLS proxy)", DefaultValueFactory = _ => defaults.Host };
        var adminEnv = new Option<string?>("--admin-key-env") { Description = "Environment variable holding the operator key that creates tenants over HTTP (none: tenants only via `lineage registry tenant create`)" };
        var workers = new Option<int>("--workers") { Description = "Scan workers inside the server (0: only `lineage registry worker` processes run scans)", DefaultValueFactory = _ => defaults.Workers };
        var allowPrivate = new Option<bool>("--allow-private-suspects") { Description = "Let scans query URLs on loopback and private networks (off: refused, against server-side request forgery)" };
        var maxFingerprint = new Option<long>("--max-fingerprint-bytes") { Description = "Largest fingerprint upload (larger: 413)", DefaultValueFactory = _ => defaults.MaxFingerprintBytes };
        var maxSuspect = new Option<long>("--max-suspect-bytes") { Description = "Largest suspect model upload (larger: 413)", DefaultValueFactory = _ => defaults.MaxSuspectBytes };
        var rate = new Option<int>("--rate-limit") { Description = "Requests per minute per tenant, unless the tenant has its own", DefaultValueFactory = _ => defaults.RatePerMinute };
        var budget = new Option<long?>("--query-budget") { Description = "Queries per new tenant in total, unless given at creation (default: unlimited)" };
        var lease = new Option<double>("--lease") { Description = "Seconds a worker holds a scan without a heartbeat before another may take it over", DefaultValueFactory = _ => defaults.Worker.Lease.TotalSeconds };
        var signKey = new Option<string?>("--sign-key") { Description = "Sign every evidence package with this private key (lineage key create)" };
        var cmd = new Command("serve", "Run the registry's HTTP API, dashboard and in-process workers until Ctrl+C");
        foreach (var o in new Option[] { data, database, port, host, adminEnv, workers, allowPrivate, maxFingerprint, maxSuspect, rate, budget, lease, signKey }) cmd.Options.Add(o);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            if (r.GetValue(workers) < 0) throw new ArgumentException($"--workers must be zero or more, not {r.GetValue(workers)}");
            if (r.GetValue(rate) < 1) throw new ArgumentException($"--rate-limit must be at least 1, not {r.GetValue(rate)}");
            if (r.GetValue(maxFingerprint) < 1024 || r.GetValue(maxSuspect) < 1024) throw new ArgumentException("--max-fingerprint-bytes and --max-suspect-bytes must be at least 1024");
            string? adminHash = null;
            if (r.GetValue(adminEnv) is { } variable)
            {
                var key = Environment.GetEnvironmentVariable(variable);
                if (string.IsNullOrWhiteSpace(key)) throw new ArgumentException($"--admin-key-env: environment variable {variable} is not set");
                if (key.Length < 24) throw new ArgumentException($"--admin-key-env: the operator key in {variable} is {key.Length} characters; use at least 24 random ones");
                adminHash = ApiKeys.Hash(key);
            }
            var options = new RegistryOptions
            {
                DataDirectory = r.GetValue(data)!, Database = Database(r, database), Port = r.GetValue(port), Host = r.GetValue(host)!, AdminKeyHash = adminHash,
                Workers = r.GetValue(workers), AllowPrivateSuspects = r.GetValue(allowPrivate), MaxFingerprintBytes = r.GetValue(maxFingerprint),
                MaxSuspectBytes = r.GetValue(maxSuspect), RatePerMinute = r.GetValue(rate), DefaultQueryBudget = r.GetValue(budget),
                Worker = new WorkerOptions { Lease = Lease(r.GetValue(lease)), SignKeyPath = SignKey(r.GetValue(signKey)) },
            };
            var server = RegistryServer.Create(options);
            var url = server.StartAsync().GetAwaiter().GetResult();
            using var stop = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
            Console.WriteLine($"registry at {url} ({server.Store.Database.Description}; {options.Workers} in-process worker{(options.Workers == 1 ? "" : "s")})");
            Console.WriteLine($"  API {url}/v1, OpenAPI {url}/openapi/v1.json, dashboard {url}/dashboard; Ctrl+C stops");
            if (adminHash is null) Console.WriteLine("  no operator key: create tenants with `lineage registry tenant create NAME --data DIR`");
            if (options.AllowPrivateSuspects) Console.WriteLine("  scans may query loopback and private addresses (--allow-private-suspects)");
            try { server.WaitForShutdownAsync(stop.Token).GetAwaiter().GetResult(); }
            catch (OperationCanceledException) { }
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return 0;
        }));
        return cmd;
    }

    static Command Worker()
    {
        var data = DataOption();
        var database = DatabaseOption();
        var defaults = new WorkerOptions();
        var lease = new Option<double>("--lease") { Description = "Seconds this worker holds a scan between heartbeats before another may take it over", DefaultValueFactory = _ => defaults.Lease.TotalSeconds };
        var allowPrivate = new Option<bool>("--allow-private-suspects") { Description = "Let scans query URLs on loopback and private networks" };
        var once = new Option<bool>("--once") { Description = "Run the scans waiting now, then exit" };
        var signKey = new Option<string?>("--sign-key") { Description = "Sign every evidence package with this private key" };
        var cmd = new Command("worker", "Take scans from the registry's queue and run them, until Ctrl+C (start as many as the queue needs, on any machine that sees the database and data directory)");
        foreach (var o in new Option[] { data, database, lease, allowPrivate, once, signKey }) cmd.Options.Add(o);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            var store = new RegistryStore(RegistryDatabase.Open(r.GetValue(data)!, Database(r, database)));
            var content = new ContentStore(r.GetValue(data)!);
            var options = new WorkerOptions { Lease = Lease(r.GetValue(lease)), AllowPrivateSuspects = r.GetValue(allowPrivate), SignKeyPath = SignKey(r.GetValue(signKey)) };
            var worker = new ScanWorker(store, content, options, message => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {message}"));
            Console.Error.WriteLine($"worker {options.Name} on {store.Database.Description}, lease {options.Lease.TotalSeconds:0.###} s");
            if (r.GetValue(once)) { while (worker.RunOnce()) { } return 0; }
            using var stop = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
            worker.RunUntil(stop.Token);
            return 0;
        }));
        return cmd;
    }

    static Command Tenant()
    {
        var name = new Argument<string>("name") { Description = "The tenant's name (unique)" };
        var data = DataOption();
        var database = DatabaseOption();
        var rate = new Option<int?>("--rate-limit") { Description = "Requests per minute (default: the server's)" };
        var budget = new Option<long?>("--query-budget") { Description = "Queries all the tenant's scans may send (default: unlimited)" };
        var json = new Option<bool>("--json");
        var create = new Command("create", "Create a tenant directly in the database and print its API key (shown once; only its hash is kept)");
        create.Arguments.Add(name);
        foreach (var o in new Option[] { data, database, rate, budget, json }) create.Options.Add(o);
        create.SetAction(r => CommandErrors.Guard(() =>
        {
            if (r.GetValue(rate) is < 1) throw new ArgumentException($"--rate-limit must be at least 1, not {r.GetValue(rate)}");
            if (r.GetValue(budget) is < 0) throw new ArgumentException($"--query-budget must be zero or more, not {r.GetValue(budget)}");
            var store = new RegistryStore(RegistryDatabase.Open(r.GetValue(data)!, Database(r, database)));
            (Registry.Storage.Tenant tenant, string key) created;
            try { created = store.CreateTenant(r.GetValue(name)!.Trim(), r.GetValue(rate), r.GetValue(budget)); }
            catch (RegistryConflictException e) { throw new ArgumentException(e.Message, e); }
            if (r.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(new { id = created.tenant.Id, name = created.tenant.Name, api_key = created.key }));
            else
            {
                Console.WriteLine($"tenant {created.tenant.Name} ({created.tenant.Id})");
                Console.WriteLine($"API key (shown once, keep it secret): {created.key}");
            }
            return 0;
        }));
        var cmd = new Command("tenant", "Manage tenants from the operator's machine");
        cmd.Subcommands.Add(create);
        return cmd;
    }

    static (Option<string> Server, Option<string?> Key, Option<string?> KeyEnv) ClientOptions() => (
        new Option<string>("--server") { Description = "The registry's URL, e.g. http://127.0.0.1:8090", Required = true },
        new Option<string?>("--key") { Description = "API key (prefer --key-env: a key on the command line shows in the process list)" },
        new Option<string?>("--key-env") { Description = "Environment variable holding the API key", DefaultValueFactory = _ => "LINEAGE_REGISTRY_KEY" });

    static string KeyFrom(ParseResult r, Option<string?> key, Option<string?> keyEnv)
    {
        if (r.GetValue(key) is { Length: > 0 } k) return k;
        var variable = r.GetValue(keyEnv)!;
        return Environment.GetEnvironmentVariable(variable) is { Length: > 0 } v ? v
            : throw new ArgumentException($"no API key: pass --key KEY or set the environment variable {variable}");
    }

    static Command Register()
    {
        var file = new Argument<string>("fingerprint") { Description = "A fingerprint file or bundle" };
        var (server, key, keyEnv) = ClientOptions();
        var name = new Option<string>("--name") { Description = "The source model's name", Required = true };
        var version = new Option<string>("--version") { Description = "The source model's version", Required = true };
        var json = new Option<bool>("--json");
        var cmd = new Command("register", "Register a fingerprint file or bundle with a registry");
        cmd.Arguments.Add(file);
        foreach (var o in new Option[] { server, key, keyEnv, name, version, json }) cmd.Options.Add(o);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            using var client = new RegistryClient(r.GetValue(server)!, KeyFrom(r, key, keyEnv));
            var model = client.Register(r.GetValue(file)!, r.GetValue(name)!, r.GetValue(version)!);
            if (r.GetValue(json)) Console.WriteLine(model.GetRawText());
            else Console.WriteLine($"registered {model.GetProperty("name").GetString()} {model.GetProperty("version").GetString()} as {model.GetProperty("id").GetString()} ({string.Join(", ", model.GetProperty("methods").EnumerateArray().Select(m => m.GetString()))}; {model.GetProperty("queries").GetInt64()} queries per scan)");
            return 0;
        }));
        return cmd;
    }

    static Command Scan()
    {
        var suspect = new Argument<string>("suspect") { Description = "An ONNX or Lineage model file (uploaded), or an Open Inference URL http://HOST:PORT/v2/models/NAME (queried by the registry)" };
        var (server, key, keyEnv) = ClientOptions();
        var models = new Option<string[]>("--model") { Description = "Registered model ids to scan against (default: all)", AllowMultipleArgumentsPerToken = true };
        var mode = new Option<string?>("--mode") { Description = "What the suspect reveals: logits, probabilities, topk or label (default: logits for files, detected for APIs)" };
        var topK = new Option<int?>("--top-k");
        var protocol = new Option<string?>("--protocol") { Description = "URL suspects: open-inference (default) or json" };
        var timeout = new Option<double?>("--timeout") { Description = "URL suspects: seconds allowed per request" };
        var batch = new Option<int?>("--batch-size") { Description = "URL suspects: images per request" };
        var rate = new Option<double?>("--rate") { Description = "URL suspects: most requests per second" };
        var raw = new Option<bool>("--raw-pixels") { Description = "URL suspects: the API takes [0,1] pixels" };
        var combine = new Option<string?>("--combine") { Description = "bonferroni (default), hmp or fisher" };
        var fpr = new Option<double?>("--fpr") { Description = "False-positive rate each verdict controls (default: the fingerprints' target)" };
        var wait = new Option<double>("--wait") { Description = "Seconds to wait for the result (0: submit and print the scan id)", DefaultValueFactory = _ => 600 };
        var evidence = new Option<string?>("--evidence") { Description = "Save the scan's evidence archive (zip) to this new file" };
        var json = new Option<bool>("--json");
        var cmd = new Command("scan", "Scan a suspect against every model registered with a registry (or --model ones) and print the ranking");
        cmd.Arguments.Add(suspect);
        foreach (var o in new Option[] { server, key, keyEnv, models, mode, topK, protocol, timeout, batch, rate, raw, combine, fpr, wait, evidence, json }) cmd.Options.Add(o);
        cmd.SetAction(r => CommandErrors.Guard(() =>
        {
            if (r.GetValue(evidence) is { } ev && File.Exists(ev)) throw new ArgumentException($"--evidence {ev} already exists; evidence is never overwritten");
            var request = new ScanRequest
            {
                Models = r.GetValue(models) is { Length: > 0 } m ? m : null, Mode = r.GetValue(mode), TopK = r.GetValue(topK), Protocol = r.GetValue(protocol),
                TimeoutSeconds = r.GetValue(timeout), BatchSize = r.GetValue(batch), Rate = r.GetValue(rate), RawPixels = r.GetValue(raw) ? true : null,
                Combine = r.GetValue(combine), Fpr = r.GetValue(fpr),
            };
            using var client = new RegistryClient(r.GetValue(server)!, KeyFrom(r, key, keyEnv));
            var submitted = client.SubmitScan(r.GetValue(suspect)!, request);
            var id = submitted.GetProperty("id").GetString()!;
            if (r.GetValue(wait) <= 0)
            {
                Console.WriteLine(r.GetValue(json) ? submitted.GetRawText() : $"scan {id} queued");
                return 0;
            }
            if (!r.GetValue(json)) Console.Error.WriteLine($"scan {id} submitted");
            var scan = client.WaitForResult(id, TimeSpan.FromSeconds(r.GetValue(wait)), status => { if (!r.GetValue(json)) Console.Error.WriteLine($"scan {id}: {status}"); });
            if (r.GetValue(evidence) is { } path) client.DownloadEvidence(id, path);
            if (r.GetValue(json)) { Console.WriteLine(scan.GetRawText()); return 0; }
            Print(scan);
            if (r.GetValue(evidence) is { } saved) Console.Error.WriteLine($"evidence saved to {saved} (one package per model; unzip and run lineage evidence check on each)");
            return 0;
        }));
        return cmd;
    }

    static void Print(JsonElement scan)
    {
        var result = scan.GetProperty("result");
        var table = new Table().AddColumns("rank", "model", "verdict", "p-value", "FPR", "p across models", "identified", "queries");
        foreach (var row in result.GetProperty("ranking").EnumerateArray())
        {
            string Num(string name) => row.GetProperty(name).ValueKind == JsonValueKind.Number ? row.GetProperty(name).GetDouble().ToString("G3") : "-";
            var verdict = row.GetProperty("verdict").GetString()!;
            table.AddRow(row.GetProperty("rank").GetInt32().ToString(), Markup.Escape($"{row.GetProperty("name").GetString()} {row.GetProperty("version").GetString()}"),
                verdict switch { "stolen" => "[red]stolen[/]", "independent" => "[green]independent[/]", "error" => $"[yellow]error: {Markup.Escape(row.GetProperty("error").GetString() ?? "")}[/]", _ => $"[yellow]{verdict}[/]" },
                Num("p_value"), Num("fpr"), Num("p_value_across_models"), row.GetProperty("identified").GetBoolean() ? "[red]yes[/]" : "no", row.GetProperty("queries").GetInt64().ToString());
        }
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(result.GetProperty("suspect").GetString()!)}[/] against {result.GetProperty("models_scanned").GetInt32()} registered models (scan {scan.GetProperty("id").GetString()})");
        AnsiConsole.Write(table);
        var identified = result.GetProperty("identified").GetArrayLength();
        AnsiConsole.MarkupLine(identified == 0 ? "[green]derived from none of the registered models[/] (at each model's FPR, Bonferroni over the models scanned)"
            : $"[red]derived from {identified} registered model{(identified == 1 ? "" : "s")}[/] (at each model's FPR, Bonferroni over the models scanned)");
    }

    static TimeSpan Lease(double seconds) => seconds is >= 1 and <= 3600 ? TimeSpan.FromSeconds(seconds) : throw new ArgumentException($"--lease must lie in 1..3600 seconds, not {seconds}");

    static string? SignKey(string? path) => path is null || File.Exists(path) ? path : throw new FileNotFoundException($"--sign-key {path} does not exist", path);
}
