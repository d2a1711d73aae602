using Lineage.Models.Training;
using Spectre.Console;

namespace Lineage.Cli.Commands;

/// <summary>Shows long work on stderr (so stdout stays clean for --json): a live bar on a terminal, a line per epoch otherwise.</summary>
internal static class ProgressDisplay
{
    public static T Run<T>(string title, Func<IProgress<TrainingProgress>, T> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (!console.Profile.Capabilities.Interactive || Console.IsErrorRedirected)
            return work(new EpochLines(title));
        T result = default!;
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title);
                result = work(new SyncProgress<TrainingProgress>(p =>
                {
                    task.MaxValue = p.Epochs * (double)p.Batches;
                    task.Value = (p.Epoch - 1) * (double)p.Batches + p.Batch;
                    task.Description = $"{title} epoch {p.Epoch}/{p.Epochs} loss {p.Loss:0.000} acc {p.Accuracy:P1}";
                }));
            });
        return result;
    }

    sealed class EpochLines(string title) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            if (p.Batch == p.Batches)
                Console.Error.WriteLine($"{title}: epoch {p.Epoch}/{p.Epochs}  loss {p.Loss:0.0000}  train accuracy {p.Accuracy:P1}  lr {p.LearningRate:G3}");
        }
    }
}
