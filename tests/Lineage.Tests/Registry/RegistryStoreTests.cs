using Lineage.Registry.Security;
using Lineage.Registry.Storage;
using Lineage.Tests.Data;

namespace Lineage.Tests.Registry;

/// <summary>The registry's storage on SQLite: migrations, hashed keys, the content store, and the job lease that lets
/// a scan whose worker died be taken over and finished exactly once.</summary>
public class RegistryStoreTests
{
    static Scan NewScan(string tenant, long reserved = 10, long created = 0) => new()
    {
        Id = RegistryStore.NewId("s"), TenantId = tenant, Status = ScanStatus.Queued, SuspectName = "x.onnx", SuspectSha256 = new string('a', 64),
        OptionsJson = "{}", ModelIds = ["m_1"], ReservedQueries = reserved, CreatedMs = created,
    };

    [Fact]
    public void ASchemaIsMigratedOnceInWalModeAndReopensWithoutChange()
    {
        using var dir = new TempDir();
        var db = RegistryDatabase.Open(dir.Path, null);
        using (var c = db.Connect())
        {
            Assert.Equal([1], Migrations.Applied(c));
            Assert.Equal("wal", c.Scalar("PRAGMA journal_mode") as string);
        }
        new RegistryStore(db).CreateTenant("acme", null, null);
        var again = RegistryDatabase.Open(dir.Path, null);
        using var c2 = again.Connect();
        Assert.Equal([1], Migrations.Applied(c2));
        Assert.Single(new RegistryStore(again).Tenants());
    }

    [Fact]
    public void KeysAreStoredOnlyAsHashesAndFindTheirTenant()
    {
        using var dir = new TempDir();
        var store = new RegistryStore(RegistryDatabase.Open(dir.Path, null));
        var (tenant, key) = store.CreateTenant("acme", 30, 1000);
        var second = store.CreateKey(tenant.Id)!;
        Assert.NotEqual(key, second);
        Assert.Equal(tenant.Id, store.TenantOfKey(key)!.Id);
        Assert.Equal(tenant.Id, store.TenantOfKey(second)!.Id);
        Assert.Null(store.TenantOfKey(key + "x"));
        Assert.Null(store.CreateKey("t_missing"));
        Assert.Throws<RegistryConflictException>(() => store.CreateTenant("acme", null, null));

        using (var c = store.Database.Connect())
        {
            var hashes = c.Query("SELECT key_hash FROM api_keys", r => r.GetString(0)).Order().ToList();
            Assert.Equal(new[] { ApiKeys.Hash(key), ApiKeys.Hash(second) }.Order().ToList(), hashes);
        }
        // neither the database nor its write-ahead log holds a key in clear
        foreach (var file in Directory.GetFiles(dir.Path, "registry.db*"))
        {
            var bytes = File.ReadAllText(file, System.Text.Encoding.Latin1);
            Assert.DoesNotContain(key, bytes);
            Assert.DoesNotContain(second, bytes);
        }
    }

    [Fact]
    public void TheContentStoreKeepsOneObjectPerContentAndNamesDamage()
    {
        using var dir = new TempDir();
        var store = new ContentStore(dir.Path);
        string Put(string text) { var tmp = store.NewTempPath(); File.WriteAllText(tmp, text); return store.PutFile(tmp); }
        var a = Put("fingerprint bytes");
        Assert.Equal(a, Put("fingerprint bytes"));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("fingerprint bytes"u8)), a);
        Assert.Empty(Directory.GetFiles(store.TempDirectory));   // the duplicate's temporary file is gone too
        Assert.Equal("fingerprint bytes", File.ReadAllText(store.Verified(a)));

        File.SetAttributes(store.PathOf(a), FileAttributes.Normal);
        File.WriteAllText(store.PathOf(a), "fingerprint bytez");
        var e = Assert.Throws<InvalidDataException>(() => store.Verified(a));
        Assert.Contains("damaged", e.Message);
        Assert.Throws<ArgumentException>(() => store.PathOf("../../etc/passwd"));
    }

    /// <summary>A store on SQLite in a temporary folder, or on a fresh PostgreSQL test database; both removed on dispose.</summary>
    sealed class TestStore : IDisposable
    {
        readonly TempDir dir = new();
        readonly string? url;
        public RegistryStore Store { get; }
        public TestStore(string kind) { url = TestPostgres.DatabaseFor(kind); Store = new RegistryStore(RegistryDatabase.Open(dir.Path, url)); }
        public void Dispose() { if (url is not null) TestPostgres.DropDatabase(url); dir.Dispose(); }
    }

    [Theory, InlineData("sqlite"), PostgresData]
    public void AScanWhoseLeaseExpiresIsTakenOverAndItsResultWrittenOnce(string database)
    {
        using var db = new TestStore(database);
        var store = db.Store;
        long now = 1_000_000;
        store.Clock = () => now;
        var (tenant, _) = store.CreateTenant("acme", null, 100);
        var scan = store.SubmitScan(NewScan(tenant.Id, reserved: 40, created: now));
        Assert.Equal(40, store.Tenant(tenant.Id)!.QueriesUsed);   // reserved at submission

        var lease = TimeSpan.FromSeconds(10);
        var first = store.Claim("w1", lease)!;
        Assert.Equal(scan.Id, first.Scan.Id);
        Assert.Null(store.Claim("w2", lease));                    // held: nobody else gets it
        now += 5_000;
        Assert.True(store.Heartbeat(first, lease));                // renewed to now + 10 s
        now += 9_000;
        Assert.Null(store.Claim("w2", lease));
        now += 2_000;                                              // w1 missed its heartbeats: the lease has run out
        var second = store.Claim("w2", lease)!;
        Assert.Equal(2, second.Scan.Attempts);
        Assert.False(store.Heartbeat(first, lease));               // w1 learns it lost the scan
        Assert.False(store.Complete(first, """{"by":"w1"}""", null, 30));
        Assert.True(store.Complete(second, """{"by":"w2"}""", null, 25));
        Assert.False(store.Complete(second, """{"by":"w2 again"}""", null, 25));

        var done = store.Scan(tenant.Id, scan.Id)!;
        Assert.Equal(ScanStatus.Done, done.Status);
        Assert.Equal("""{"by":"w2"}""", done.ResultJson);
        Assert.Equal(2, done.Attempts);
        Assert.Equal(25, store.Tenant(tenant.Id)!.QueriesUsed);    // the reservation became what was spent, once
        Assert.Null(store.Claim("w3", lease));
    }

    [Theory, InlineData("sqlite"), PostgresData]
    public void AScanThatKeepsLosingItsWorkerIsFailedAfterTheLastAttemptAndTheBudgetHolds(string database)
    {
        using var db = new TestStore(database);
        var store = db.Store;
        long now = 0;
        store.Clock = () => now;
        var (tenant, _) = store.CreateTenant("acme", null, 50);
        var scan = store.SubmitScan(NewScan(tenant.Id, reserved: 30));
        Assert.Throws<QueryBudgetException>(() => store.SubmitScan(NewScan(tenant.Id, reserved: 30)));   // 30 + 30 > 50

        for (int attempt = 1; attempt <= 2; attempt++)
        {
            Assert.NotNull(store.Claim($"w{attempt}", TimeSpan.FromSeconds(1), maxAttempts: 2));
            now += 2_000;
        }
        Assert.Null(store.Claim("w3", TimeSpan.FromSeconds(1), maxAttempts: 2));
        var failed = store.Scan(tenant.Id, scan.Id)!;
        Assert.Equal(ScanStatus.Failed, failed.Status);
        Assert.Equal("abandoned", failed.ErrorKind);
        Assert.Contains("2 times", failed.Error);
    }

    /// <summary>Workers claiming at the same moment each get a different scan and every scan is claimed once
    /// (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the immediate transaction).</summary>
    [Theory, InlineData("sqlite"), PostgresData]
    public async Task ConcurrentWorkersClaimEachScanExactlyOnce(string database)
    {
        using var db = new TestStore(database);
        var store = db.Store;
        var (tenant, _) = store.CreateTenant("acme", null, null);
        var ids = Enumerable.Range(0, 40).Select(i => store.SubmitScan(NewScan(tenant.Id, created: i)).Id).ToHashSet();
        var claimed = new System.Collections.Concurrent.ConcurrentBag<string>();
        var workers = Enumerable.Range(0, 6).Select(w => Task.Run(() =>
        {
            while (store.Claim($"w{w}", TimeSpan.FromMinutes(5)) is { } claim)
            {
                claimed.Add(claim.Scan.Id);
                Assert.True(store.Complete(claim, "{}", null, 0));
            }
        })).ToArray();
        await Task.WhenAll(workers);
        Assert.Equal(40, claimed.Count);
        Assert.Equal(ids, claimed.ToHashSet());
        Assert.All(store.Scans(tenant.Id, 100), s => Assert.Equal((ScanStatus.Done, 1), (s.Status, s.Attempts)));
    }
}
