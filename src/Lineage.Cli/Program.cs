using Lineage.Cli;

return CliApp.Build().Parse(args).Invoke();
