using System.CommandLine.Invocation;
using Lineage.Cli;

CliApp.PlainWhenRedirected();
var parse = CliApp.Build().Parse(args);
// a mistyped option is bad input like any other: one line per problem and exit code 2, not the whole help page
// (with no arguments at all the help page is what a user wants, so that case keeps it)
if (args.Length > 0 && parse.Action is ParseErrorAction) return CliApp.ReportUsageErrors(parse, Console.Error);
return parse.Invoke();
