#include "api/Trpc.h"

#include <fmt/format.h>

#include <set>
#include <utility>

namespace galaos::api {
namespace {

struct CodeInfo {
  std::string_view name;
  int json_rpc;
  int http;
};

CodeInfo Info(TrpcCode code) {
  switch (code) {
    case TrpcCode::kParseError:
      return {"PARSE_ERROR", -32700, 400};
    case TrpcCode::kBadRequest:
      return {"BAD_REQUEST", -32600, 400};
    case TrpcCode::kUnauthorized:
      return {"UNAUTHORIZED", -32001, 401};
    case TrpcCode::kForbidden:
      return {"FORBIDDEN", -32003, 403};
    case TrpcCode::kNotFound:
      return {"NOT_FOUND", -32004, 404};
    case TrpcCode::kMethodNotSupported:
      return {"METHOD_NOT_SUPPORTED", -32005, 405};
    case TrpcCode::kTimeout:
      return {"TIMEOUT", -32008, 408};
    case TrpcCode::kConflict:
      return {"CONFLICT", -32009, 409};
    case TrpcCode::kPayloadTooLarge:
      return {"PAYLOAD_TOO_LARGE", -32013, 413};
    case TrpcCode::kUnsupportedMediaType:
      return {"UNSUPPORTED_MEDIA_TYPE", -32015, 415};
    case TrpcCode::kTooManyRequests:
      return {"TOO_MANY_REQUESTS", -32029, 429};
    case TrpcCode::kInternalServerError:
      return {"INTERNAL_SERVER_ERROR", -32603, 500};
  }
  return {"INTERNAL_SERVER_ERROR", -32603, 500};
}

nlohmann::json ResultEnvelope(nlohmann::json data) {
  return {{"result", {{"data", std::move(data)}}}};
}

// The HTTP status of one response object: its error's httpStatus, or 200.
int StatusOf(const nlohmann::json& response) {
  if (!response.contains("error")) return 200;
  return response["error"]["data"]["httpStatus"].get<int>();
}

Expected<nlohmann::json> ParseInput(std::string_view text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte counts from 1; positions in messages count from 0, as JavaScript's do.
    return MakeError(
        ErrorCode::kInvalidArgument,
        fmt::format("input is not valid JSON at position {}", e.byte == 0 ? 0 : e.byte - 1));
  }
}

std::vector<std::string> SplitPaths(std::string_view joined) {
  std::vector<std::string> paths;
  size_t start = 0;
  while (true) {
    size_t comma = joined.find(',', start);
    paths.emplace_back(joined.substr(start, comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return paths;
}

std::optional<std::string> QueryValue(const TrpcRequest& request, const std::string& key) {
  auto it = request.query.find(key);
  if (it == request.query.end()) return std::nullopt;
  return it->second;
}

HttpReply JsonReply(const nlohmann::json& body, int status) {
  HttpReply reply;
  reply.status = status;
  reply.body = body.dump();
  return reply;
}

}  // namespace

std::string_view TrpcCodeName(TrpcCode code) {
  return Info(code).name;
}
int JsonRpcCode(TrpcCode code) {
  return Info(code).json_rpc;
}
int HttpStatus(TrpcCode code) {
  return Info(code).http;
}

TrpcCode TrpcCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return TrpcCode::kBadRequest;
    case ErrorCode::kNotFound:
      return TrpcCode::kNotFound;
    case ErrorCode::kConflict:
      return TrpcCode::kConflict;
    case ErrorCode::kUnauthorized:
      return TrpcCode::kUnauthorized;
    case ErrorCode::kForbidden:
      return TrpcCode::kForbidden;
    case ErrorCode::kTimeout:
      return TrpcCode::kTimeout;
    case ErrorCode::kFailed:
    case ErrorCode::kIo:
    case ErrorCode::kUnavailable:
    case ErrorCode::kCorrupt:
    case ErrorCode::kCancelled:
      return TrpcCode::kInternalServerError;
  }
  return TrpcCode::kInternalServerError;
}

nlohmann::json ErrorEnvelope(TrpcCode code, std::string_view message, std::string_view path) {
  nlohmann::json data = {{"code", TrpcCodeName(code)}, {"httpStatus", HttpStatus(code)}};
  if (!path.empty()) data["path"] = path;
  return {{"error", {{"message", message}, {"code", JsonRpcCode(code)}, {"data", data}}}};
}

std::string_view RoleName(Role role) {
  return role == Role::kAdmin ? "admin" : "viewer";
}

Expected<Role> ParseRole(std::string_view name) {
  if (name == "admin") return Role::kAdmin;
  if (name == "viewer") return Role::kViewer;
  return MakeError(ErrorCode::kInvalidArgument,
                   fmt::format("unknown role \"{}\" (expected admin or viewer)", name));
}

void TrpcRouter::Add(std::string name, ProcedureKind kind, Access access, Handler handler) {
  procedures_.insert_or_assign(std::move(name), Procedure{kind, access, std::move(handler)});
}

std::vector<std::string> TrpcRouter::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, procedure] : procedures_) names.push_back(name);
  return names;
}

void TrpcRouter::Observe(CallObserver observer) {
  observer_ = std::move(observer);
}

nlohmann::json TrpcRouter::ObservedCall(std::string_view method, const std::string& path,
                                        const Expected<nlohmann::json>& input, const Caller& caller,
                                        std::string* allow) const {
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json response = Call(method, path, input, caller, allow);
  if (observer_) {
    const std::string code =
        response.contains("error") ? response["error"]["data"]["code"].get<std::string>() : "OK";
    observer_(path, code, std::chrono::steady_clock::now() - start);
  }
  return response;
}

nlohmann::json TrpcRouter::Call(std::string_view method, const std::string& path,
                                const Expected<nlohmann::json>& input, const Caller& caller,
                                std::string* allow) const {
  auto it = procedures_.find(path);
  if (it == procedures_.end()) {
    return ErrorEnvelope(TrpcCode::kNotFound,
                         fmt::format("No procedure found on path \"{}\"", path), path);
  }
  const Procedure& procedure = it->second;
  const bool is_query = procedure.kind == ProcedureKind::kQuery;
  if ((method == "GET") != is_query) {
    *allow = is_query ? "GET" : "POST";
    return ErrorEnvelope(TrpcCode::kMethodNotSupported,
                         fmt::format("Unsupported {}-request to {} procedure at path \"{}\"",
                                     method, is_query ? "query" : "mutation", path),
                         path);
  }
  if (procedure.access != Access::kPublic && !caller.role) {
    return ErrorEnvelope(TrpcCode::kUnauthorized, "UNAUTHORIZED", path);
  }
  if (procedure.access == Access::kAdmin && caller.role != Role::kAdmin) {
    return ErrorEnvelope(TrpcCode::kForbidden, "FORBIDDEN", path);
  }
  if (!input) return ErrorEnvelope(TrpcCode::kBadRequest, input.error().message(), path);
  Expected<nlohmann::json> output = procedure.handler(caller, *input);
  if (!output) {
    return ErrorEnvelope(TrpcCodeFor(output.error().code()), output.error().message(), path);
  }
  return ResultEnvelope(std::move(*output));
}

HttpReply TrpcRouter::Handle(const TrpcRequest& request, const Caller& caller) const {
  if (request.method != "GET" && request.method != "POST") {
    return JsonReply(ErrorEnvelope(TrpcCode::kMethodNotSupported,
                                   fmt::format("Unsupported {}-request", request.method), ""),
                     405);
  }
  if (request.method == "POST") {
    // As @trpc/server: the body's type must be known before anything else is looked at.
    const std::string type = request.content_type.value_or("");
    if (!type.starts_with("application/json")) {
      HttpReply reply = JsonReply(
          ErrorEnvelope(TrpcCode::kUnsupportedMediaType,
                        type.empty() ? "Missing content-type header"
                                     : fmt::format("Unsupported content-type \"{}\"", type),
                        ""),
          415);
      reply.content_type = "text/plain;charset=UTF-8";
      return reply;
    }
  }

  // The raw input: the `input` parameter of a GET, the body of a POST; absent → null.
  std::optional<std::string> raw = request.method == "GET" ? QueryValue(request, "input")
                                   : request.body.empty()  ? std::nullopt
                                                           : std::optional(request.body);
  Expected<nlohmann::json> input = raw ? ParseInput(*raw) : Expected<nlohmann::json>(nullptr);

  if (QueryValue(request, "batch") != "1") {
    std::string allow;
    nlohmann::json response =
        ObservedCall(request.method, request.procedures, input, caller, &allow);
    HttpReply reply = JsonReply(response, StatusOf(response));
    if (!allow.empty()) reply.headers.emplace_back("Allow", allow);
    return reply;
  }

  // A batch: input i is the member "i" of one object (absent members are absent inputs).
  if (input && !input->is_null() && !input->is_object()) {
    input = MakeError(ErrorCode::kInvalidArgument, "batch input must be an object");
  }
  nlohmann::json responses = nlohmann::json::array();
  std::set<int> statuses;
  std::vector<std::string> paths = SplitPaths(request.procedures);
  for (size_t i = 0; i < paths.size(); ++i) {
    Expected<nlohmann::json> item = nullptr;
    if (!input) {
      item = std::unexpected(input.error());
    } else if (input->is_object() && input->contains(std::to_string(i))) {
      item = (*input)[std::to_string(i)];
    }
    std::string allow;
    responses.push_back(ObservedCall(request.method, paths[i], item, caller, &allow));
    statuses.insert(StatusOf(responses.back()));
  }
  return JsonReply(responses, statuses.size() == 1 ? *statuses.begin() : 207);
}

}  // namespace galaos::api
