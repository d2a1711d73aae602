using Microsoft.AspNetCore.Http;

namespace Lineage.Registry.Api;

/// <summary>Every error the API answers: a status and one line naming the problem, as <c>{"error": "..."}</c>.</summary>
public static class ApiErrors
{
    public sealed record Error(string error);

    public static IResult Of(int status, string message) => Results.Json(new Error(message), statusCode: status);
    public static IResult BadRequest(string message) => Of(StatusCodes.Status400BadRequest, message);
    public static IResult NotFound(string what) => Of(StatusCodes.Status404NotFound, $"{what} not found");
    public static IResult TooLarge(string message) => Of(StatusCodes.Status413PayloadTooLarge, message);
}

/// <summary>A request the handler refuses, with its status: thrown from helpers, answered by the error middleware.</summary>
public sealed class ApiException(int status, string message) : Exception(message)
{
    public int Status => status;
}
