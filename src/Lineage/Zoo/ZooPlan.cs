using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lineage.Attacks;
using Lineage.Data;
using Lineage.Models.Architectures;
using Lineage.Models.Training;

namespace Lineage.Zoo;

/// <summary>
/// A spec resolved into the models to build: every name, parameter, parent reference and chain checked, every
/// default filled in and every model's recipe hashed. Creating a plan touches no data and trains nothing, so a
/// bad spec fails in milliseconds, naming the entry and the valid choices.
/// </summary>
public sealed class ZooPlan
{
    /// <summary>Part of every recipe hash; raise it when a code change alters what a recipe produces, so old
    /// cache entries are no longer taken for new ones.</summary>
    public const int RecipeVersion = 1;

    static readonly JsonSerializerOptions SpecJsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    static readonly string[] SingleHeadAttacks = ["ftll", "rtll", "rtal", "transfer-l", "transfer-a", "fine-prune"];

    public required ZooSpec Spec { get; init; }
    /// <summary>SHA-256 of the spec re-serialised (so formatting and comments do not change it).</summary>
    public required string SpecHash { get; init; }
    /// <summary>The spec as parsed, re-serialised: what <see cref="SpecHash"/> is taken of and what a zoo directory keeps.</summary>
    public required string SpecJson { get; init; }
    public required IReadOnlyList<ZooEntry> Entries { get; init; }
    /// <summary>The half attacks take as the thief's data (<see cref="ZooSpec.ThiefPart"/>).</summary>
    public DataPart ThiefPart { get; init; } = DataPart.Attacker;

    public ZooEntry this[string id] => Entries.First(e => e.Id == id);

    public static ZooPlan Create(ZooSpec spec)
    {
        try { return CreateChecked(spec); }
        catch (ZooSpecException e) when (spec.Source is { } source && !e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            throw new ZooSpecException($"{source}: {e.Message}");
        }
    }

    static ZooPlan CreateChecked(ZooSpec spec)
    {
        string datasetName;
        try { datasetName = DatasetCatalog.Canonical(spec.Dataset.Name); }
        catch (ArgumentException e) { throw new ZooSpecException($"dataset: {e.Message}"); }
        var dataset = spec.Dataset with { Name = datasetName };
        var transfer = spec.TransferData;
        if (transfer is not null)
        {
            try { transfer = transfer with { Name = DatasetCatalog.Canonical(transfer.Name) }; }
            catch (ArgumentException e) { throw new ZooSpecException($"transfer_data: {e.Message}"); }
        }
        if (spec.Models.Count == 0) throw new ZooSpecException("the spec declares no models");
        var thiefPart = spec.ThiefPart switch
        {
            null or "attacker" => DataPart.Attacker,
            "defender" => DataPart.Defender,
            var other => throw new ZooSpecException($"thief_part '{other}' is not valid; choose attacker or defender"),
        };
        var byId = new Dictionary<string, (ZooModelSpec Spec, int Index)>(StringComparer.Ordinal);
        for (int i = 0; i < spec.Models.Count; i++)
        {
            var m = spec.Models[i];
            if (string.IsNullOrWhiteSpace(m.Id)) throw new ZooSpecException($"model #{i + 1} has an empty id");
            if (!byId.TryAdd(m.Id, (m, i))) throw new ZooSpecException($"model id '{m.Id}' is declared twice");
        }
        var specJson = JsonSerializer.Serialize(spec, SpecJsonOptions);
        var context = new Resolver(spec, dataset, transfer, byId, thiefPart);
        var entries = spec.Models.Select(m => context.Resolve(m.Id, [])).ToArray();
        return new ZooPlan
        {
            Spec = spec with { Dataset = dataset, TransferData = transfer },
            SpecHash = Sha256(specJson),
            SpecJson = specJson,
            Entries = entries,
            ThiefPart = thiefPart,
        };
    }

    static bool UsesTransferData(IAttack a) =>
        a.Name == KnockoffAttack.AttackName || (a.Name is "transfer-l" or "transfer-a" && a.Parameters["target"] == "transfer-set");

    static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Resolves entries depth-first through their parents, which finds missing parents and cycles.</summary>
    sealed class Resolver(ZooSpec spec, ZooDataSpec dataset, ZooDataSpec? transfer, Dictionary<string, (ZooModelSpec Spec, int Index)> byId, DataPart thiefPart)
    {
        readonly Dictionary<string, ZooEntry> done = new(StringComparer.Ordinal);
        readonly int datasetClasses = ZooDatasets.Classes(dataset);

        public ZooEntry Resolve(string id, List<string> path)
        {
            if (done.TryGetValue(id, out var finished)) return finished;
            if (path.Contains(id)) throw new ZooSpecException($"model '{id}': its parents form a cycle: {string.Join(" -> ", path.SkipWhile(p => p != id).Append(id))}");
            var (m, index) = byId[id];
            if (!Enum.TryParse<ZooRole>(m.Role, ignoreCase: true, out var role) || int.TryParse(m.Role, out _))
                throw new ZooSpecException($"model '{id}': unknown role '{m.Role}'; choose one of: source, stolen, independent");
            if (m.Chain.Count == 0) throw new ZooSpecException($"model '{id}': its chain is empty");
            ZooEntry? parent = null;
            if (m.Parent is string parentId)
            {
                if (!byId.ContainsKey(parentId))
                    throw new ZooSpecException($"model '{id}': parent '{parentId}' does not exist; declared ids: {string.Join(", ", byId.Keys)}");
                parent = Resolve(parentId, [.. path, id]);
            }
            string? sourceId = parent is null ? null : parent.Role == ZooRole.Source ? parent.Id : parent.SourceId;
            bool derivedFromSource = parent is not null && (parent.Role != ZooRole.Independent || parent.SourceId is not null);
            switch (role)
            {
                case ZooRole.Stolen when sourceId is null:
                    throw new ZooSpecException($"model '{id}': a stolen model must derive (through 'parent') from a model with role source");
                case ZooRole.Source or ZooRole.Independent when derivedFromSource:
                    throw new ZooSpecException($"model '{id}': a {role.ToString().ToLowerInvariant()} model cannot derive from source or stolen model '{parent!.Id}'");
            }

            var nodes = new List<ZooNode>();
            var previous = parent?.Final;
            for (int k = 0; k < m.Chain.Count; k++)
            {
                var step = m.Chain[k];
                var where = $"model '{id}', step {k + 1}" + (step.Attack is string a ? $" ({a})" : step.Train is not null ? " (train)" : "");
                var node = step switch
                {
                    { Train: not null, Attack: not null } or { Given: not null, Train: not null } or { Given: not null, Attack: not null }
                        => throw new ZooSpecException($"{where}: a step is one of 'train', 'given' or 'attack'"),
                    { Given: not null } when previous is not null => throw new ZooSpecException($"{where}: 'given' can only be the first step of a model without a parent"),
                    { Given: { } given } => GivenNode(given, where),
                    { Train: not null } when previous is not null => throw new ZooSpecException($"{where}: 'train' starts a model from scratch, so it can only be the first step of a model without a parent"),
                    { Train: { } train } => TrainNode(train, step, role, where),
                    { Attack: { } attack } when previous is null => throw new ZooSpecException($"{where}: attack '{attack}' needs a model to attack: give the model a 'parent' or start its chain with a 'train' step"),
                    { Attack: { } attack } => AttackNode(attack, step, previous!, where),
                    _ => throw new ZooSpecException($"{where}: a step needs 'train' or 'attack'"),
                };
                nodes.Add(node);
                previous = node;
            }
            var category = m.Category ?? role switch
            {
                ZooRole.Source => ZooCategories.Source,
                ZooRole.Independent => ZooCategories.Independent,
                _ => ZooCategories.ForAttack(nodes.Last(n => n.Attack is not null).Step),
            };
            var entry = new ZooEntry { Id = id, Index = index, Role = role, Category = category, SourceId = role == ZooRole.Stolen ? sourceId : null, Nodes = nodes };
            done[id] = entry;
            return entry;
        }

        ZooNode TrainNode(Dictionary<string, JsonElement> train, ZooStepSpec step, ZooRole role, string where)
        {
            if (step.Params is not null || step.Seed is not null)
                throw new ZooSpecException($"{where}: a train step takes its seed and options inside 'train', not 'params'/'seed'");
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in spec.Defaults?.Train ?? []) values[k] = ZooTrainStep.Text(v, "defaults.train", k);
            foreach (var (k, v) in train) values[k] = ZooTrainStep.Text(v, where, k);
            var resolved = ZooTrainStep.Resolve(values, role, where);
            var recipe = Canonical(new SortedDictionary<string, object?>(StringComparer.Ordinal)
            {
                ["version"] = RecipeVersion,
                ["dataset"] = dataset,
                ["split_seed"] = spec.SplitSeed,
                ["step"] = "train",
                ["train"] = resolved.Recipe(),
            });
            return new ZooNode
            {
                RecipeHash = Sha256(recipe), Recipe = recipe, Train = resolved, Where = where,
                Classes = datasetClasses, Architecture = resolved.Architecture,
            };
        }

        ZooNode GivenNode(ZooGivenSpec given, string where)
        {
            if (string.IsNullOrWhiteSpace(given.Hash)) throw new ZooSpecException($"{where}: a given model needs its hash");
            if (given.Classes < 2) throw new ZooSpecException($"{where}: a given model needs classes ≥ 2, got {given.Classes}");
            var recipe = Canonical(new SortedDictionary<string, object?>(StringComparer.Ordinal)
            {
                ["version"] = RecipeVersion,
                ["step"] = "given",
                ["given"] = given,
            });
            return new ZooNode { RecipeHash = Sha256(recipe), Recipe = recipe, Given = given.Hash, Where = where, Classes = given.Classes, Architecture = given.Arch };
        }

        ZooNode AttackNode(string name, ZooStepSpec step, ZooNode parent, string where)
        {
            if (!AttackCatalog.Names.Contains(name.Trim().ToLowerInvariant()))
                throw new ZooSpecException($"{where}: unknown attack '{name}'; choose one of: {string.Join(", ", AttackCatalog.Names)}");
            var info = AttackCatalog.Describe(name);
            var declared = info.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            // broad defaults reach only attacks that declare the key; per-attack defaults and the step are explicit and must fit
            foreach (var (k, v) in spec.Defaults?.AttackParams ?? [])
                if (declared.Contains(k)) values[k] = ZooTrainStep.Text(v, "defaults.attack_params", k);
            if (spec.Defaults?.Attacks?.TryGetValue(info.Name, out var perAttack) == true)
                foreach (var (k, v) in perAttack) values[k] = ZooTrainStep.Text(v, $"defaults.attacks.{info.Name}", k);
            foreach (var (k, v) in step.Params ?? []) values[k] = ZooTrainStep.Text(v, where, k);
            IAttack attack;
            try { attack = AttackCatalog.Create(info.Name, values); }
            catch (ArgumentException e) { throw new ZooSpecException($"{where}: {e.Message}"); }

            int classes = CheckFits(attack, parent, where);
            string arch = attack.Name == EnsembleAttack.AttackName ? EnsembleClassifier.ArchitectureName
                : attack.Parameters.TryGetValue("arch", out var a) && a.Length > 0 ? a : parent.Architecture;
            int seed = step.Seed ?? 0;
            var recipeFields = new SortedDictionary<string, object?>(StringComparer.Ordinal)
            {
                ["version"] = RecipeVersion,
                ["dataset"] = dataset,
                ["split_seed"] = spec.SplitSeed,
                ["parent"] = parent.RecipeHash,
                ["step"] = attack.Name,
                ["params"] = new SortedDictionary<string, string>(attack.Parameters.ToDictionary(), StringComparer.Ordinal),
                ["seed"] = seed,
                ["transfer_data"] = UsesTransferData(attack) ? transfer : null,
            };
            // only a non-default thief part enters the recipe, so the shipped zoos' cache names stay as they were
            if (thiefPart != DataPart.Attacker) recipeFields["thief_part"] = thiefPart.ToString().ToLowerInvariant();
            var recipe = Canonical(recipeFields);
            return new ZooNode
            {
                RecipeHash = Sha256(recipe), Recipe = recipe, Attack = attack, Seed = seed, Where = where, Parent = parent,
                Classes = classes, Architecture = arch, UsesTransferData = UsesTransferData(attack),
            };
        }

        /// <summary>Checks that the attack can run on its parent with this zoo's data; returns the output class count.</summary>
        int CheckFits(IAttack attack, ZooNode parent, string where)
        {
            if (parent.Architecture == ImportedClassifier.ArchitectureName
                && !(attack.Parameters.TryGetValue("arch", out var student) && student.Length > 0 && student != ImportedClassifier.ArchitectureName))
                throw new ZooSpecException($"{where}: the parent is an imported model, which only black-box attacks with a student architecture can use; set params.arch of {attack.Name} (if it takes one) to one of: {string.Join(", ", ArchitectureCatalog.Names.Where(n => n != EnsembleClassifier.ArchitectureName))}");
            if (parent.Architecture == EnsembleClassifier.ArchitectureName)
            {
                if (SingleHeadAttacks.Contains(attack.Name))
                    throw new ZooSpecException($"{where}: {attack.Name} needs a single head or last conv layer, but the parent is an ensemble; attacks that accept an ensemble: {string.Join(", ", AttackCatalog.Names.Except(SingleHeadAttacks))}");
                if (attack.Parameters.TryGetValue("arch", out var studentArch) && studentArch.Length == 0)
                    throw new ZooSpecException($"{where}: the parent is an ensemble, which cannot be copied as a student; set params.arch to one of: {string.Join(", ", ArchitectureCatalog.Names.Where(n => n != EnsembleClassifier.ArchitectureName))}");
            }
            if (attack.Name is "transfer-l" or "transfer-a")
            {
                if (attack.Parameters["target"] == "superclasses")
                {
                    if (datasetClasses != 10)
                        throw new ZooSpecException($"{where}: target=superclasses regroups 10 classes onto 4, but {dataset.Name} has {datasetClasses} classes; use target=transfer-set with transfer_data");
                    return 4;
                }
                var set = transfer ?? throw new ZooSpecException($"{where}: target=transfer-set needs the spec's 'transfer_data'");
                int wanted = int.Parse(attack.Parameters["classes"], CultureInfo.InvariantCulture);
                int available = ZooDatasets.Classes(set);
                if (wanted > available)
                    throw new ZooSpecException($"{where}: the new head would have classes={wanted}, but transfer_data {set.Name} has only {available} classes; choose classes between 2 and {available}");
                CheckShape(set, where);
                return wanted;
            }
            if (parent.Classes != datasetClasses)
                throw new ZooSpecException($"{where}: the parent ({parent.Where}) has {parent.Classes} classes after transfer learning, but {attack.Name} works on the zoo's {dataset.Name} data with {datasetClasses} classes; only another transfer step can follow a transfer");
            if (attack.Name == KnockoffAttack.AttackName)
                CheckShape(transfer ?? throw new ZooSpecException($"{where}: knockoff needs the spec's 'transfer_data' (images of another distribution)"), where);
            return parent.Classes;
        }

        void CheckShape(ZooDataSpec set, string where)
        {
            if (ZooDatasets.ImageShape(set) != ZooDatasets.ImageShape(dataset))
                throw new ZooSpecException($"{where}: transfer_data {set.Name} has {ZooDatasets.ImageShape(set)} images but the zoo's models take {ZooDatasets.ImageShape(dataset)}");
        }

        static string Canonical(object value) => JsonSerializer.Serialize(value, SpecJsonOptions);
    }
}
