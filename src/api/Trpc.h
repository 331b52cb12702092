// The tRPC v11 HTTP wire protocol (no transformer), independent of any HTTP server: a
// TrpcRouter holds the procedures and turns one HTTP request into one HTTP reply exactly as
// a real @trpc/server does (../shared/trpc-wire-format.md holds the recorded exchanges):
//   query     GET  <prefix><name>?input=<url-encoded JSON>
//   mutation  POST <prefix><name>, body JSON (content-type application/json)
//   batch     <prefix><a>,<b>?batch=1, inputs {"0":…,"1":…} in `input` (GET) or the body (POST)
//   result    {"result":{"data":…}}; batches an array, HTTP 200, or 207 when statuses differ
//   error     {"error":{"message","code":<JSON-RPC code>,"data":{"code","httpStatus","path"}}}
// Authorization is checked here, before a handler runs: public procedures need nothing,
// the others a caller with a role, mutations usually the admin role.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/Error.h"

namespace galaos::api {

enum class TrpcCode {
  kParseError,
  kBadRequest,
  kUnauthorized,
  kForbidden,
  kNotFound,
  kMethodNotSupported,
  kTimeout,
  kConflict,
  kPayloadTooLarge,
  kUnsupportedMediaType,
  kTooManyRequests,
  kInternalServerError,
};
std::string_view TrpcCodeName(TrpcCode code);  // "BAD_REQUEST", …
int JsonRpcCode(TrpcCode code);                // -32600, …
int HttpStatus(TrpcCode code);                 // 400, …
// The tRPC code an Error of ours becomes (kInvalidArgument → BAD_REQUEST, kNotFound →
// NOT_FOUND, kConflict → CONFLICT, …; anything unexpected → INTERNAL_SERVER_ERROR).
TrpcCode TrpcCodeFor(ErrorCode code);

// {"error":{"message","code","data":{"code","httpStatus"[,"path"]}}}; no path when empty.
nlohmann::json ErrorEnvelope(TrpcCode code, std::string_view message, std::string_view path);

enum class ProcedureKind { kQuery, kMutation };
enum class Role { kViewer, kAdmin };
// Who may call a procedure: anyone, any authenticated caller, or admins only.
enum class Access { kPublic, kViewer, kAdmin };

std::string_view RoleName(Role role);  // "viewer", "admin"
Expected<Role> ParseRole(std::string_view name);

// The authenticated caller of a request (role empty: anonymous), as handlers and the audit
// log see it.
struct Caller {
  std::optional<Role> role{};
  std::string actor{};       // token name, JWT subject, or empty when anonymous
  std::string address{};     // client address
  std::string request_id{};  // unique per HTTP request
};

// A procedure's work. `input` is null when the request carried none (defaults apply). An
// Error becomes a tRPC error through TrpcCodeFor with the Error's message.
using Handler = std::function<Expected<nlohmann::json>(const Caller&, const nlohmann::json& input)>;

struct TrpcRequest {
  std::string method;      // "GET", "POST", …
  std::string procedures;  // the path after the prefix: "a.b" or "a.b,a.c" for a batch
  std::multimap<std::string, std::string> query{};  // decoded query parameters
  std::optional<std::string> content_type{};        // the header, when sent
  std::string body{};
};

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers{};  // extra headers, e.g. Allow
  std::string body;
};

class TrpcRouter {
 public:
  // `name` is the full path, e.g. "systemUpdates.getCurrentVersion". Names are unique.
  void Add(std::string name, ProcedureKind kind, Access access, Handler handler);

  // Runs the request's procedure(s) for `caller`. Batched calls run in order.
  HttpReply Handle(const TrpcRequest& request, const Caller& caller) const;

  // Registered names, sorted.
  std::vector<std::string> Names() const;

  // Told of every call once it is answered (each call of a batch), with its path, its code
  // ("OK" or a tRPC code name) and how long it took. Set before requests are handled.
  using CallObserver = std::function<void(std::string_view path, std::string_view code,
                                          std::chrono::duration<double> duration)>;
  void Observe(CallObserver observer);

 private:
  struct Procedure {
    ProcedureKind kind;
    Access access;
    Handler handler;
  };
  // One call's response object; `input` is null when absent, an Error when unparsable.
  // Sets `allow` when the method does not fit the procedure's kind.
  nlohmann::json Call(std::string_view method, const std::string& path,
                      const Expected<nlohmann::json>& input, const Caller& caller,
                      std::string* allow) const;
  // Call, told to the observer.
  nlohmann::json ObservedCall(std::string_view method, const std::string& path,
                              const Expected<nlohmann::json>& input, const Caller& caller,
                              std::string* allow) const;

  std::map<std::string, Procedure, std::less<>> procedures_;
  CallObserver observer_;
};

}  // namespace galaos::api
